import { expect } from "chai";
import { useScimApp, type ScimTenant } from "../../support/scim-app.js";

const BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";

interface BulkResult {
  method: string;
  bulkId?: string;
  status: string;
  location?: string;
  version?: string;
  response?: { status: string; scimType?: string; detail: string };
}

const user = (bulkId: string, userName: string, extra: Record<string, unknown> = {}) => ({ method: "POST", path: "/Users", bulkId, data: { schemas: [USER], userName, ...extra } });

describe("SCIM /Bulk (RFC 7644 §3.7)", () => {
  const ctx = useScimApp();
  let tenant: ScimTenant;

  before(async () => {
    tenant = await ctx.newTenant("Bulk");
  });

  const bulk = async (body: Record<string, unknown>, status = 200) => (await tenant.post("/Bulk", { schemas: [BULK], ...body }).expect(status)).body as { Operations: BulkResult[] };

  it("resolves bulkId references in members even when the group comes first, and reports each operation", async () => {
    const { Operations } = await bulk({
      Operations: [
        { method: "POST", path: "/Groups", bulkId: "g1", data: { schemas: [GROUP], displayName: "Bulk Team", members: [{ value: "bulkId:u1" }, { value: "bulkId:u2" }] } },
        user("u1", "bulk.one@example.com"),
        user("u2", "bulk.two@example.com"),
      ],
    });
    expect(Operations.map((op) => [op.bulkId, op.status])).to.deep.equal([["g1", "201"], ["u1", "201"], ["u2", "201"]]);
    const groupId = Operations[0]?.location?.split("/").pop() as string;
    const group = await tenant.get(`/Groups/${groupId}`).expect(200);
    const userIds = Operations.slice(1).map((op) => op.location?.split("/").pop());
    expect(group.body.members.map((m: { value: string }) => m.value).sort()).to.deep.equal([...userIds].sort());
    expect(Operations[1]?.version).to.match(/^W\/"\d+"$/);
  });

  it("PATCHes and DELETEs a resource created earlier in the same request through its bulkId", async () => {
    const { Operations } = await bulk({
      Operations: [
        user("p1", "bulk.patch@example.com"),
        { method: "PATCH", path: "/Users/bulkId:p1", data: { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "displayName", value: "Patched" }] } },
        user("d1", "bulk.delete@example.com"),
        { method: "DELETE", path: "/Users/bulkId:d1" },
      ],
    });
    expect(Operations.map((op) => op.status)).to.deep.equal(["201", "200", "201", "204"]);
    const patched = await tenant.get(`/Users/${Operations[0]?.location?.split("/").pop()}`).expect(200);
    expect(patched.body.displayName).to.equal("Patched");
    await tenant.get(`/Users/${Operations[2]?.location?.split("/").pop()}`).expect(404);
  });

  it("reports a failed operation with its SCIM error and goes on with the rest", async () => {
    await tenant.post("/Users", { schemas: [USER], userName: "taken@example.com" }).expect(201);
    const { Operations } = await bulk({ Operations: [user("t1", "TAKEN@example.com"), user("t2", "fresh@example.com")] });
    expect(Operations[0]).to.include({ status: "409" });
    expect(Operations[0]?.response).to.include({ status: "409", scimType: "uniqueness" });
    expect(Operations[1]).to.include({ status: "201" });
  });

  it("stops after failOnErrors errors and leaves the remaining operations unprocessed", async () => {
    const { Operations } = await bulk({ failOnErrors: 1, Operations: [user("f1", "taken@example.com"), user("f2", "never.created@example.com")] });
    expect(Operations).to.have.length(1);
    const search = await tenant.get(`/Users?filter=${encodeURIComponent('userName eq "never.created@example.com"')}`).expect(200);
    expect(search.body.totalResults).to.equal(0);
  });

  it("fails circular references and references to undeclared or failed bulkIds with 409, creating nothing for them", async () => {
    const enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    const { Operations } = await bulk({
      Operations: [
        user("c1", "circle.one@example.com", { [enterprise]: { manager: { value: "bulkId:c2" } } }),
        user("c2", "circle.two@example.com", { [enterprise]: { manager: { value: "bulkId:c1" } } }),
        { method: "PATCH", path: "/Users/bulkId:nowhere", data: {} },
        user("x1", "taken@example.com"),
        { method: "POST", path: "/Groups", bulkId: "gx", data: { schemas: [GROUP], displayName: "Depends on failure", members: [{ value: "bulkId:x1" }] } },
      ],
    });
    expect(Operations.map((op) => op.status)).to.deep.equal(["409", "409", "409", "409", "409"]);
    expect(Operations[0]?.response?.detail).to.match(/Circular/);
    const circles = await tenant.get(`/Users?filter=${encodeURIComponent('userName sw "circle."')}`).expect(200);
    expect(circles.body.totalResults).to.equal(0);
    const groups = await tenant.get(`/Groups?filter=${encodeURIComponent('displayName eq "Depends on failure"')}`).expect(200);
    expect(groups.body.totalResults).to.equal(0);
  });

  it("keeps to the organization of the token: another organization's user is not found", async () => {
    const other = await ctx.newTenant("Other");
    const stranger = await other.post("/Users", { schemas: [USER], userName: "stranger@example.com" }).expect(201);
    const { Operations } = await bulk({ Operations: [{ method: "DELETE", path: `/Users/${stranger.body.id}` }] });
    expect(Operations[0]?.status).to.equal("404");
    await other.get(`/Users/${stranger.body.id}`).expect(200);
  });

  it("refuses malformed requests as a whole with 400 and more than maxOperations with 413 tooMany", async () => {
    const noSchema = await tenant.post("/Bulk", { Operations: [user("a", "a@example.com")] }).expect(400);
    expect(noSchema.body).to.include({ status: "400", scimType: "invalidSyntax" });
    const noBulkId = await tenant.post("/Bulk", { schemas: [BULK], Operations: [{ method: "POST", path: "/Users", data: { schemas: [USER], userName: "nobulkid@example.com" } }] }).expect(400);
    expect(noBulkId.body.detail).to.match(/bulkId/);
    const badPath = await tenant.post("/Bulk", { schemas: [BULK], Operations: [{ method: "GET", path: "/Users" }] }).expect(400);
    expect(badPath.body.scimType).to.equal("invalidSyntax");
    const many = Array.from({ length: 1001 }, (_, i) => ({ method: "DELETE", path: `/Users/${i}` }));
    const tooMany = await tenant.post("/Bulk", { schemas: [BULK], Operations: many }).expect(413);
    expect(tooMany.body).to.include({ status: "413", scimType: "tooMany" });
    expect(tooMany.headers["content-type"]).to.match(/application\/scim\+json/);
  });

  it("records each bulk write in the audit log like a single request", async () => {
    const { rows } = await ctx.db.query<{ action: string; details: { tokenName: string } }>(`SELECT action, details FROM audit_events WHERE organization_id = $1 AND action = 'scim.group.created'`, [tenant.organizationId]);
    expect(rows.length).to.be.greaterThan(0);
    expect(rows[0]?.details.tokenName).to.equal("test");
  });
});
