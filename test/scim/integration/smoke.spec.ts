import { expect } from "chai";
import { useScimApp } from "../../support/scim-app.js";

describe("SCIM smoke", () => {
  const ctx = useScimApp();

  it("creates a user and finds it by userName, case-insensitively", async () => {
    const tenant = await ctx.newTenant();
    const created = await tenant.post("/Users", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "Bob@Example.com" }).expect(201);
    const found = await tenant.get(`/Users?filter=${encodeURIComponent('userName eq "bob@example.com"')}`).expect(200);
    expect(found.body.Resources.map((u: { id: string }) => u.id)).to.deep.equal([created.body.id]);
  });
});
