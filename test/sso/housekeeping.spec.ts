/** Sign-in housekeeping (issue 6): pre-login state, replay entries and dead sessions go once useless, nothing else. */
import { expect } from "chai";
import { useAdminApp } from "../admin/admin-app.js";
import { purgeExpiredSignInState, rememberMessage } from "../../src/store/sso.repository.js";

describe("SSO: housekeeping", () => {
  const context = useAdminApp();

  it("deletes expired pre-login states, replay entries and long-dead sessions; keeps live ones", async () => {
    const tenant = await context.newTenant("Housekeeping");
    const connection = await context.instance.sso.connections.create(tenant.organizationId, {
      protocol: "oidc",
      name: "OIDC",
      settings: { issuer: "https://idp.example", clientId: "c" },
      clientSecret: "secret",
    });
    const userId = await tenant.scimUser("kim@acme.test");
    const q = (sql: string, params: unknown[] = []) => context.db.query(sql, params);
    await q(
      `INSERT INTO sso_login_states (handle_hash, organization_id, connection_id, expires_at) VALUES
         ('\\x01', $1, $2, now() - interval '1 hour'), ('\\x02', $1, $2, now() + interval '10 minutes')`,
      [tenant.organizationId, connection.id],
    );
    expect(await rememberMessage(context.db, connection.id, "old", new Date(Date.now() - 3_600_000))).to.equal(true);
    expect(await rememberMessage(context.db, connection.id, "live", new Date(Date.now() + 3_600_000))).to.equal(true);
    await q(
      `INSERT INTO sessions (organization_id, user_id, token_hash, idle_expires_at, absolute_expires_at) VALUES
         ($1, $2, '\\x0a', now() - interval '3 days', now() - interval '2 days'), ($1, $2, '\\x0b', now() + interval '1 hour', now() + interval '1 day')`,
      [tenant.organizationId, userId],
    );

    expect(await purgeExpiredSignInState(context.db)).to.equal(3);
    const left = async (table: string) => Number((await q(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);
    expect(await left("sso_login_states")).to.equal(1);
    expect(await left("sso_replay")).to.equal(1);
    expect(await left("sessions")).to.equal(1);
    // A replay entry past its expiry no longer blocks the id; a live one still does.
    expect(await rememberMessage(context.db, connection.id, "live", new Date(Date.now() + 3_600_000))).to.equal(false);
  });
});
