/**
 * Connection secrets (an OIDC client secret, a SAML SP private key) must be usable, so they cannot be hashed:
 * they are encrypted at rest with AES-256-GCM under the server's `connection_secrets` key (server_secrets,
 * made by the migrations; every instance reads the same one). The connection id is bound in as associated
 * data, so a ciphertext copied onto another connection does not decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const VERSION = 1;

export interface SecretBox {
  seal(connectionId: string, plaintext: string): Buffer;
  open(connectionId: string, sealed: Buffer): string;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length < 32) throw new Error("connection secret key must be at least 32 bytes");
  const aesKey = key.subarray(0, 32);
  return {
    seal(connectionId, plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", aesKey, iv);
      cipher.setAAD(Buffer.from(connectionId));
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
    },
    open(connectionId, sealed) {
      if (sealed.length < 29 || sealed[0] !== VERSION) throw new Error("connection secret is not in a known format");
      const decipher = createDecipheriv("aes-256-gcm", aesKey, sealed.subarray(1, 13));
      decipher.setAAD(Buffer.from(connectionId));
      decipher.setAuthTag(sealed.subarray(13, 29));
      return Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]).toString("utf8");
    },
  };
}
