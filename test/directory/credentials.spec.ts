import { createHash } from "node:crypto";
import { expect } from "chai";
import { createCredentialService, type CredentialKind } from "../../src/directory/credentials.service.js";
import { createDirectory, type Directory } from "../../src/directory/directory.js";
import { useCleanDatabase } from "../support/database.js";
import { byCreation, countRows, expectDomainError, newOrganization, randomUUID } from "./helpers.js";

const HOUR = 60 * 60 * 1000;
const TABLE: Record<CredentialKind, string> = { scim_token: "scim_tokens", api_key: "api_keys" };

describe("directory: credentials", () => {
  const ctx = useCleanDatabase();
  let directory: Directory;
  let org: string;

  before(async () => {
    directory = createDirectory({ db: ctx.db });
    org = await newOrganization(directory, "Credentials");
  });

  for (const [kind, prefix] of [["scim_token", "ghs_"], ["api_key", "gha_"]] as const) {
    describe(`${kind}`, () => {
      it(`issues a ${prefix} secret of 47 characters, different every time`, async () => {
        const first = await directory.credentials.issue(kind, org, { name: "Okta" });
        const second = await directory.credentials.issue(kind, org, { name: "Okta" });
        expect(first.secret).to.have.length(47);
        expect(first.secret.startsWith(prefix)).to.equal(true);
        expect(first.secret).to.match(/^gh[sa]_[A-Za-z0-9_-]+$/);
        expect(second.secret).to.not.equal(first.secret);
        expect(first.credential).to.include({ organizationId: org, name: "Okta", revokedAt: null, lastUsedAt: null, expiresAt: null });
        expect(first.credential.hint.endsWith(first.secret.slice(-4))).to.equal(true);
      });

      it("stores only the SHA-256 of the secret, never the secret itself", async () => {
        const { credential, secret } = await directory.credentials.issue(kind, org, { name: "Stored" });
        const { rows } = await ctx.db.query<{ whole: string; hash_hex: string; hash_bytes: number }>(
          `SELECT t::text AS whole, encode(t.token_hash, 'hex') AS hash_hex, octet_length(t.token_hash) AS hash_bytes FROM ${TABLE[kind]} t WHERE id = $1`,
          [credential.id],
        );
        const row = rows[0];
        expect(row, "the credential row").to.not.equal(undefined);
        expect(row?.whole).to.not.include(secret);
        expect(row?.whole).to.not.include(secret.slice(prefix.length));
        expect(row?.whole).to.not.include(Buffer.from(secret).toString("hex"));
        expect(Number(row?.hash_bytes)).to.equal(32);
        expect(row?.hash_hex).to.equal(createHash("sha256").update(secret).digest("hex"));
      });

      it("verifies its secret and tells whose it is, without exposing the hash", async () => {
        const { credential, secret } = await directory.credentials.issue(kind, org, { name: "Verify" });
        const result = await directory.credentials.verify(kind, secret);
        if (!result.ok) expect.fail(`verification failed: ${result.reason}`);
        expect(result.credential.id).to.equal(credential.id);
        expect(result.credential.organizationId).to.equal(org);
        expect(result.credential).to.not.have.property("hash");
      });

      it("records when the secret was last used", async () => {
        const { credential, secret } = await directory.credentials.issue(kind, org, { name: "Used" });
        await directory.credentials.verify(kind, secret);
        const listed = (await directory.credentials.list(kind, org)).find((c) => c.id === credential.id);
        expect(listed?.lastUsedAt).to.be.instanceOf(Date);
      });

      it("refuses a secret it never issued as unknown", async () => {
        const { secret } = await directory.credentials.issue(kind, org, { name: "Real" });
        const forged = `${secret.slice(0, -1)}${secret.endsWith("A") ? "B" : "A"}`;
        expect(await directory.credentials.verify(kind, forged)).to.deep.equal({ ok: false, reason: "unknown" });
      });

      for (const [label, presented] of [["empty", ""], ["random text", "hello"], ["a truncated secret", `${prefix}abc`], ["a secret with spaces", `${prefix}${" ".repeat(43)}`]]) {
        it(`refuses ${label} as malformed`, async () => {
          expect(await directory.credentials.verify(kind, presented as string)).to.deep.equal({ ok: false, reason: "malformed" });
        });
      }

      it("refuses a secret with one character too many as malformed", async () => {
        const { secret } = await directory.credentials.issue(kind, org, { name: "Long" });
        expect(await directory.credentials.verify(kind, `${secret}x`)).to.deep.equal({ ok: false, reason: "malformed" });
      });

      it("refuses a revoked secret, and revoking twice keeps the first revocation time", async () => {
        const { credential, secret } = await directory.credentials.issue(kind, org, { name: "Revoked" });
        const revoked = await directory.credentials.revoke(kind, org, credential.id);
        expect(revoked.revokedAt).to.be.instanceOf(Date);
        expect(await directory.credentials.verify(kind, secret)).to.deep.equal({ ok: false, reason: "revoked" });
        const again = await directory.credentials.revoke(kind, org, credential.id);
        expect(again.revokedAt?.getTime()).to.equal(revoked.revokedAt?.getTime());
      });

      it("accepts a secret before its expiry and refuses it as expired afterwards", async () => {
        let clock = new Date();
        const credentials = createCredentialService({ db: ctx.db, now: () => clock });
        const { secret } = await credentials.issue(kind, org, { name: "Expiring", expiresAt: new Date(clock.getTime() + HOUR) });
        expect((await credentials.verify(kind, secret)).ok).to.equal(true);
        clock = new Date(clock.getTime() + 2 * HOUR);
        expect(await credentials.verify(kind, secret)).to.deep.equal({ ok: false, reason: "expired" });
      });

      it("refuses to issue a credential that expires in the past, and issues nothing", async () => {
        const before = await countRows(ctx.db, TABLE[kind], "organization_id = $1", [org]);
        const error = await expectDomainError(directory.credentials.issue(kind, org, { name: "Past", expiresAt: new Date(Date.now() - HOUR) }), "invalid_value");
        expect(error.details?.field).to.equal("expiresAt");
        await expectDomainError(directory.credentials.issue(kind, org, { name: "NaN", expiresAt: new Date("not a date") }), "invalid_value");
        expect(await countRows(ctx.db, TABLE[kind], "organization_id = $1", [org])).to.equal(before);
      });

      it("refuses an empty name with invalid_value, and an unknown organization with not_found", async () => {
        await expectDomainError(directory.credentials.issue(kind, org, { name: "  " }), "invalid_value");
        await expectDomainError(directory.credentials.issue(kind, randomUUID()), "not_found");
        await expectDomainError(directory.credentials.issue(kind, "not-a-uuid"), "not_found");
      });
    });
  }

  describe("kinds", () => {
    it("does not accept a SCIM token as an API key, or an API key as a SCIM token", async () => {
      const token = await directory.credentials.issue("scim_token", org);
      const key = await directory.credentials.issue("api_key", org);
      expect((await directory.credentials.verify("api_key", token.secret)).ok).to.equal(false);
      expect((await directory.credentials.verify("scim_token", key.secret)).ok).to.equal(false);
    });

    it("does not accept an API key's body behind the SCIM token prefix", async () => {
      const key = await directory.credentials.issue("api_key", org);
      expect(await directory.credentials.verify("scim_token", `ghs_${key.secret.slice(4)}`)).to.deep.equal({ ok: false, reason: "unknown" });
    });

    it("answers not_found when revoking an API key's id as a SCIM token", async () => {
      const key = await directory.credentials.issue("api_key", org);
      await expectDomainError(directory.credentials.revoke("scim_token", org, key.credential.id), "not_found");
      expect((await directory.credentials.verify("api_key", key.secret)).ok).to.equal(true);
    });
  });

  describe("tenant isolation", () => {
    it("lists only the organization's own credentials", async () => {
      const orgA = await newOrganization(directory, "A");
      const orgB = await newOrganization(directory, "B");
      const a1 = await directory.credentials.issue("scim_token", orgA, { name: "a1" });
      const a2 = await directory.credentials.issue("scim_token", orgA, { name: "a2" });
      const b1 = await directory.credentials.issue("scim_token", orgB, { name: "b1" });
      const expected = byCreation([a1.credential, a2.credential]).map((c) => c.id);
      expect((await directory.credentials.list("scim_token", orgA)).map((c) => c.id)).to.deep.equal(expected);
      expect((await directory.credentials.list("scim_token", orgB)).map((c) => c.id)).to.deep.equal([b1.credential.id]);
      expect(await directory.credentials.list("api_key", orgB)).to.deep.equal([]);
      await expectDomainError(directory.credentials.list("scim_token", randomUUID()), "not_found");
    });

    it("answers not_found when another organization revokes a token, which keeps working", async () => {
      const orgA = await newOrganization(directory, "A");
      const orgB = await newOrganization(directory, "B");
      const token = await directory.credentials.issue("scim_token", orgA);
      await expectDomainError(directory.credentials.revoke("scim_token", orgB, token.credential.id), "not_found");
      await expectDomainError(directory.credentials.revoke("scim_token", orgA, "not-a-uuid"), "not_found");
      expect((await directory.credentials.verify("scim_token", token.secret)).ok).to.equal(true);
    });

    it("stops accepting an organization's tokens once it is deleted", async () => {
      const doomed = await newOrganization(directory, "Doomed");
      const token = await directory.credentials.issue("scim_token", doomed);
      await directory.organizations.remove(doomed);
      expect(await directory.credentials.verify("scim_token", token.secret)).to.deep.equal({ ok: false, reason: "unknown" });
    });
  });
});
