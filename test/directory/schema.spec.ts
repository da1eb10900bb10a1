import { expect } from "chai";
import { createDirectory, type Directory } from "../../src/directory/directory.js";
import { useCleanDatabase } from "../support/database.js";
import { countRows, expectDatabaseError, newOrganization } from "./helpers.js";

const FOREIGN_KEY_VIOLATION = "23503";
const CHECK_VIOLATION = "23514";
const UNIQUE_VIOLATION = "23505";
const INSUFFICIENT_PRIVILEGE = "42501";

/** The database's own guarantees, proved with raw SQL that bypasses every service check. */
describe("directory: schema guarantees", () => {
  const ctx = useCleanDatabase();
  let directory: Directory;
  let orgA: string;
  let orgB: string;
  let userA: string;
  let userB: string;
  let groupA: string;
  let roleA: string;

  before(async () => {
    directory = createDirectory({ db: ctx.db });
    orgA = await newOrganization(directory, "Schema A");
    orgB = await newOrganization(directory, "Schema B");
    userA = (await directory.users.create(orgA, { userName: "a@example.com" })).id;
    userB = (await directory.users.create(orgB, { userName: "b@example.com" })).id;
    groupA = (await directory.groups.create(orgA, { displayName: "Group A" })).id;
    const { rows } = await ctx.db.query<{ id: string }>(
      `INSERT INTO roles (organization_id, name, level, built_in) VALUES ($1, 'Viewer', 'organization', false) RETURNING id`,
      [orgA],
    );
    roleA = rows[0]?.id as string;
  });

  describe("audit_events is append-only", () => {
    let eventId: number;

    before(async () => {
      const { rows } = await ctx.db.query<{ id: string }>(
        `INSERT INTO audit_events (organization_id, actor_type, actor_id, action) VALUES ($1, 'admin', 'root', 'user.created') RETURNING id`,
        [orgA],
      );
      eventId = Number(rows[0]?.id);
    });

    it("refuses UPDATE and keeps the event as it was", async () => {
      const error = await expectDatabaseError(ctx.db.query(`UPDATE audit_events SET action = 'user.forged' WHERE id = $1`, [eventId]));
      expect(error.code).to.equal(INSUFFICIENT_PRIVILEGE);
      expect(error.message).to.include("append-only");
      expect(await countRows(ctx.db, "audit_events", "id = $1 AND action = 'user.created'", [eventId])).to.equal(1);
    });

    it("refuses DELETE and keeps the event", async () => {
      const error = await expectDatabaseError(ctx.db.query(`DELETE FROM audit_events WHERE id = $1`, [eventId]));
      expect(error.code).to.equal(INSUFFICIENT_PRIVILEGE);
      expect(await countRows(ctx.db, "audit_events", "id = $1", [eventId])).to.equal(1);
    });

    it("refuses a DELETE of every row too", async () => {
      await expectDatabaseError(ctx.db.query(`DELETE FROM audit_events`));
      expect(await countRows(ctx.db, "audit_events")).to.be.greaterThan(0);
    });
  });

  describe("rows never join two organizations", () => {
    it("refuses a group_members row joining org A's group with org B's user, whichever organization it claims", async () => {
      for (const claimed of [orgA, orgB]) {
        const error = await expectDatabaseError(
          ctx.db.query(`INSERT INTO group_members (organization_id, group_id, user_id) VALUES ($1, $2, $3)`, [claimed, groupA, userB]),
        );
        expect(error.code).to.equal(FOREIGN_KEY_VIOLATION);
      }
      expect(await countRows(ctx.db, "group_members", "group_id = $1", [groupA])).to.equal(0);
    });

    it("accepts the same row when group and user belong to one organization", async () => {
      await ctx.db.query(`INSERT INTO group_members (organization_id, group_id, user_id) VALUES ($1, $2, $3)`, [orgA, groupA, userA]);
      expect(await countRows(ctx.db, "group_members", "group_id = $1", [groupA])).to.equal(1);
    });

    it("refuses a membership override joining two organizations", async () => {
      const error = await expectDatabaseError(
        ctx.db.query(
          `INSERT INTO membership_overrides (organization_id, group_id, user_id, kind, reason, author) VALUES ($1, $2, $3, 'pin', 'test', 'admin')`,
          [orgA, groupA, userB],
        ),
      );
      expect(error.code).to.equal(FOREIGN_KEY_VIOLATION);
    });

    it("refuses a Space in one organization under another organization's workspace", async () => {
      const workspace = await directory.workspaces.create(orgA, { title: "A's workspace", spacesEnabled: true });
      const error = await expectDatabaseError(
        ctx.db.query(`INSERT INTO spaces (organization_id, workspace_id, name) VALUES ($1, $2, 'Smuggled')`, [orgB, workspace.id]),
      );
      expect(error.code).to.equal(FOREIGN_KEY_VIOLATION);
    });

    it("refuses a grant to another organization's user", async () => {
      const error = await expectDatabaseError(
        ctx.db.query(`INSERT INTO grants (organization_id, user_id, role_id, scope_type, source) VALUES ($1, $2, $3, 'organization', 'manual:admin')`, [orgA, userB, roleA]),
      );
      expect(error.code).to.equal(FOREIGN_KEY_VIOLATION);
    });
  });

  describe("grants", () => {
    const insertGrant = (userId: string | null, groupId: string | null, source = "manual:admin") =>
      ctx.db.query(
        `INSERT INTO grants (organization_id, user_id, group_id, role_id, scope_type, source) VALUES ($1, $2, $3, $4, 'organization', $5)`,
        [orgA, userId, groupId, roleA, source],
      );

    it("refuses a grant to both a user and a group", async () => {
      expect((await expectDatabaseError(insertGrant(userA, groupA))).code).to.equal(CHECK_VIOLATION);
    });

    it("refuses a grant to neither a user nor a group", async () => {
      expect((await expectDatabaseError(insertGrant(null, null))).code).to.equal(CHECK_VIOLATION);
    });

    it("refuses a grant without a recognised source", async () => {
      expect((await expectDatabaseError(insertGrant(userA, null, "someone"))).code).to.equal(CHECK_VIOLATION);
      expect((await expectDatabaseError(insertGrant(userA, null, "manual:"))).code).to.equal(CHECK_VIOLATION);
    });

    it("accepts one grant per user, role, scope and source, and refuses its duplicate", async () => {
      await insertGrant(userA, null);
      expect((await expectDatabaseError(insertGrant(userA, null))).code).to.equal(UNIQUE_VIOLATION);
      await insertGrant(userA, null, "scim:token-1");
      expect(await countRows(ctx.db, "grants", "user_id = $1", [userA])).to.equal(2);
    });

    // Bug: grants.role_id references roles (id) alone, so a grant can use another organization's custom role,
    // which the schema's "never joins two organizations" promise rules out.
    it("refuses a grant that uses another organization's custom role", async () => {
      const error = await expectDatabaseError(
        ctx.db.query(`INSERT INTO grants (organization_id, user_id, role_id, scope_type, source) VALUES ($1, $2, $3, 'organization', 'manual:admin')`, [orgB, userB, roleA]),
      );
      expect(error.code).to.be.oneOf([FOREIGN_KEY_VIOLATION, CHECK_VIOLATION, INSUFFICIENT_PRIVILEGE, "P0001"]);
    });

    // Gap: nothing ties a grant's space_id to its workspace_id, so a Space grant can name a workspace the Space is not in.
    it("refuses a Space-scoped grant whose workspace is not the Space's workspace", async () => {
      const home = await directory.workspaces.create(orgA, { title: "Home", spacesEnabled: true });
      const elsewhere = await directory.workspaces.create(orgA, { title: "Elsewhere" });
      const space = await directory.spaces.create(orgA, home.id, { name: "Home Space" });
      const error = await expectDatabaseError(
        ctx.db.query(
          `INSERT INTO grants (organization_id, user_id, role_id, scope_type, workspace_id, space_id, source) VALUES ($1, $2, $3, 'space', $4, $5, 'manual:admin')`,
          [orgA, userA, roleA, elsewhere.id, space.id],
        ),
      );
      expect(error.code).to.be.oneOf([FOREIGN_KEY_VIOLATION, CHECK_VIOLATION, "P0001"]);
    });

    it("refuses a workspace-scoped grant without a workspace", async () => {
      const error = await expectDatabaseError(
        ctx.db.query(`INSERT INTO grants (organization_id, group_id, role_id, scope_type, source) VALUES ($1, $2, $3, 'workspace', 'system')`, [orgA, groupA, roleA]),
      );
      expect(error.code).to.equal(CHECK_VIOLATION);
    });
  });

  describe("other constraints", () => {
    it("refuses a second primary email for one user", async () => {
      const user = await directory.users.create(orgA, { userName: "primary@example.com", emails: [{ value: "one@example.com", type: null, display: null, primary: true }] });
      const error = await expectDatabaseError(
        ctx.db.query(`INSERT INTO user_emails (organization_id, user_id, position, value, is_primary) VALUES ($1, $2, 1, 'two@example.com', true)`, [orgA, user.id]),
      );
      expect(error.code).to.equal(UNIQUE_VIOLATION);
    });

    it("refuses a custom role without an organization", async () => {
      const error = await expectDatabaseError(ctx.db.query(`INSERT INTO roles (name, level, built_in) VALUES ('Loose', 'organization', false)`));
      expect(error.code).to.equal(CHECK_VIOLATION);
    });

    it("refuses a second demo organization", async () => {
      await ctx.db.query(`INSERT INTO organizations (name, is_demo) VALUES ('Demo 1', true)`);
      expect((await expectDatabaseError(ctx.db.query(`INSERT INTO organizations (name, is_demo) VALUES ('Demo 2', true)`))).code).to.equal(UNIQUE_VIOLATION);
    });

    it("refuses a blank workspace title", async () => {
      const error = await expectDatabaseError(ctx.db.query(`INSERT INTO workspaces (organization_id, title, slug) VALUES ($1, '   ', 'blank')`, [orgA]));
      expect(error.code).to.equal(CHECK_VIOLATION);
    });
  });
});
