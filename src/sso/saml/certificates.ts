/**
 * X.509 helpers for SAML connections: normalising the IdP certificates an admin pastes (PEM or bare base64, as
 * metadata carries them), refusing ones that cannot be used, and making each connection's own SP key pair.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill loaded first.
import "reflect-metadata";
import { X509Certificate, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

const PEM_BODY = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/;
const MIN_RSA_BITS = 2048;
const SP_KEY_BITS = 3072;
const SP_CERTIFICATE_YEARS = 10;

/** PEM with 64-character lines, from a PEM block or the bare base64 body metadata carries. */
export function normalizeCertificatePem(text: string): string {
  const match = PEM_BODY.exec(text);
  const body = (match ? match[1]! : text).replace(/\s+/g, "");
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}

/** Why a certificate cannot be pinned, or null. Expiry is not checked: IdPs keep signing with expired certificates and the signature check does not depend on it. */
export function certificateProblem(text: string): string | null {
  const body = (PEM_BODY.exec(text)?.[1] ?? text).replace(/\s+/g, "");
  if (body === "" || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return "is not a PEM or base64 X.509 certificate";
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(normalizeCertificatePem(text));
  } catch {
    return "cannot be read as an X.509 certificate";
  }
  const key = certificate.publicKey;
  if (key.asymmetricKeyType === "rsa") {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) return `has a ${bits}-bit RSA key (at least ${MIN_RSA_BITS} required)`;
  } else if (key.asymmetricKeyType !== "ec") {
    return `has an unsupported key type (${key.asymmetricKeyType ?? "unknown"})`;
  }
  return null;
}

/** A fresh RSA key pair and a self-signed certificate for one connection's SP side (signing and decryption). */
export async function generateServiceProviderKeyPair(commonName: string): Promise<{ privateKey: string; certificate: string }> {
  const algorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", publicExponent: new Uint8Array([1, 0, 1]), modulusLength: SP_KEY_BITS };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const notBefore = new Date();
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + SP_CERTIFICATE_YEARS);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: [{ CN: [commonName] }],
      keys: keys as CryptoKeyPair,
      notBefore,
      notAfter,
      signingAlgorithm: algorithm,
      extensions: [new x509.BasicConstraintsExtension(false, undefined, true)],
    },
    webcrypto as unknown as Crypto,
  );
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  const privateKey = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString("base64").match(/.{1,64}/g)!.join("\n")}\n-----END PRIVATE KEY-----\n`;
  return { privateKey, certificate: normalizeCertificatePem(certificate.toString("pem")) };
}
