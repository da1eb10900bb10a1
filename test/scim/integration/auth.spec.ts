import { expect } from "chai";
import supertest from "supertest";
import { useScimApp } from "../../support/scim-app.js";
import { expectScimError, userBody } from "./scim-helpers.js";

describe("SCIM authentication (RFC 7644 §2, RFC 6750 §3)", () => {
  const ctx = useScimApp();

  const usersWith = (authorization?: string) => {
    const test = supertest(ctx.app).get("/scim/v2/Users");
    return authorization === undefined ? test : test.set("Authorization", authorization);
  };

  function expectUnauthorized(res: supertest.Response, invalidToken: boolean): void {
    expectScimError(res, 401);
    const challenge = String(res.headers["www-authenticate"]);
    expect(challenge).to.match(/^Bearer\b/);
    if (invalidToken) expect(challenge).to.include('error="invalid_token"');
  }

  it("answers a request without Authorization with 401, a SCIM error and a Bearer challenge", async () => {
    expectUnauthorized(await usersWith(), false);
  });

  it("answers a malformed Authorization header with 401 (Okta: bad token → SCIM Error with status)", async () => {
    for (const header of ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "ghs_only-the-token"]) {
      expectUnauthorized(await usersWith(header), false);
    }
    expectUnauthorized(await usersWith("Bearer not-a-gatehouse-token"), true);
  });

  it("answers an unknown well-formed token with 401", async () => {
    expectUnauthorized(await usersWith(`Bearer ghs_${"A".repeat(43)}`), true);
  });

  it("answers an expired token with 401 and a revoked token with 401", async () => {
    const tenant = await ctx.newTenant("Expiring");
    const expiring = await ctx.directory.credentials.issue("scim_token", tenant.organizationId, { name: "soon", expiresAt: new Date(Date.now() + 3_600_000) });
    await usersWith(`Bearer ${expiring.secret}`).expect(200);
    await ctx.db.query(`UPDATE scim_tokens SET expires_at = now() - interval '1 minute' WHERE id = $1`, [expiring.credential.id]);
    const expired = await usersWith(`Bearer ${expiring.secret}`);
    expectUnauthorized(expired, true);
    expect(expired.body.detail).to.match(/expired/);

    const revocable = await ctx.directory.credentials.issue("scim_token", tenant.organizationId, { name: "revocable" });
    await usersWith(`Bearer ${revocable.secret}`).expect(200);
    await ctx.directory.credentials.revoke("scim_token", tenant.organizationId, revocable.credential.id);
    const revoked = await usersWith(`Bearer ${revocable.secret}`);
    expectUnauthorized(revoked, true);
    expect(revoked.body.detail).to.match(/revoked/);
  });

  it("refuses writes without a valid token and changes nothing", async () => {
    const tenant = await ctx.newTenant("Guarded");
    const res = await supertest(ctx.app).post("/scim/v2/Users").set("Content-Type", "application/scim+json").send(JSON.stringify(userBody("intruder@example.com")));
    expectUnauthorized(res, false);
    const after = await tenant.get("/Users").expect(200);
    expect(after.body.totalResults).to.equal(0);
  });

  it("accepts the scheme name in any case (RFC 7235 §2.1)", async () => {
    const tenant = await ctx.newTenant("Casing");
    await usersWith(`bearer ${tenant.token}`).expect(200);
  });

  it("guards /Me and unknown routes too: no token is 401, not 404 or 501", async () => {
    expectUnauthorized(await supertest(ctx.app).get("/scim/v2/Me"), false);
    expectUnauthorized(await supertest(ctx.app).get("/scim/v2/NoSuchThing"), false);
  });
});
