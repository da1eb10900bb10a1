import { expect } from "chai";
import { createAuditService, type AuditService } from "../../src/audit/audit.service.js";
import { createDirectory, type Directory } from "../../src/directory/directory.js";
import { useCleanDatabase } from "../support/database.js";
import { newOrganization } from "./helpers.js";

describe("audit service", () => {
  const ctx = useCleanDatabase();
  let directory: Directory;
  let audit: AuditService;

  before(() => {
    directory = createDirectory({ db: ctx.db });
    audit = createAuditService({ db: ctx.db });
  });

  it("records events and lists them oldest first with every field", async () => {
    const org = await newOrganization(directory, "Audited");
    await audit.record({ organizationId: org, actorType: "scim", actorId: "token-1", action: "user.created", targetType: "user", targetId: "u-1", requestId: "req-1", details: { userName: "ann@example.com", groups: ["a", "b"] } });
    await audit.record({ organizationId: org, actorType: "admin", actorId: null, action: "user.deleted" });

    const events = await audit.list(org);
    expect(events.map((event) => event.action)).to.deep.equal(["user.created", "user.deleted"]);
    const [first, second] = events;
    expect(first).to.include({ organizationId: org, actorType: "scim", actorId: "token-1", targetType: "user", targetId: "u-1", requestId: "req-1" });
    expect(first?.details).to.deep.equal({ userName: "ann@example.com", groups: ["a", "b"] });
    expect(first?.occurredAt).to.be.instanceOf(Date);
    expect(second).to.include({ actorId: null, targetType: null, targetId: null, requestId: null });
    expect(second?.details).to.deep.equal({});
    expect(second?.id).to.be.greaterThan(first?.id ?? Infinity);
  });

  it("lists only the organization's own events", async () => {
    const mine = await newOrganization(directory, "Mine");
    const theirs = await newOrganization(directory, "Theirs");
    await audit.record({ organizationId: theirs, actorType: "admin", actorId: "x", action: "their.event" });
    await audit.record({ organizationId: null, actorType: "system", actorId: null, action: "system.started" });
    await audit.record({ organizationId: mine, actorType: "admin", actorId: "y", action: "my.event" });
    expect((await audit.list(mine)).map((event) => event.action)).to.deep.equal(["my.event"]);
    expect((await audit.list(theirs)).map((event) => event.action)).to.deep.equal(["their.event"]);
  });

  it("pages with afterId and sees every event exactly once, in order", async () => {
    const org = await newOrganization(directory, "Paged");
    const actions = Array.from({ length: 11 }, (_, i) => `step.${String(i).padStart(2, "0")}`);
    for (const action of actions) await audit.record({ organizationId: org, actorType: "system", actorId: null, action });

    const seen: string[] = [];
    let afterId: number | undefined;
    for (;;) {
      const page = await audit.list(org, { afterId, limit: 4 });
      if (page.length === 0) break;
      expect(page.length).to.be.at.most(4);
      seen.push(...page.map((event) => event.action));
      afterId = page[page.length - 1]?.id;
    }
    expect(seen).to.deep.equal(actions);
  });

  it("clamps the page size to at least one event", async () => {
    const org = await newOrganization(directory, "Clamped");
    for (const action of ["a", "b"]) await audit.record({ organizationId: org, actorType: "system", actorId: null, action });
    expect(await audit.list(org, { limit: 0 })).to.have.length(1);
    expect(await audit.list(org, { limit: -5 })).to.have.length(1);
  });

  it("rolls an event back with the transaction it was recorded in", async () => {
    const org = await newOrganization(directory, "Rolled Back");
    await ctx.db
      .transaction(async (tx) => {
        await audit.record({ organizationId: org, actorType: "admin", actorId: "z", action: "never.happened" }, tx);
        throw new Error("abort the change being audited");
      })
      .catch((error: Error) => expect(error.message).to.equal("abort the change being audited"));
    await ctx.db.transaction((tx) => audit.record({ organizationId: org, actorType: "admin", actorId: "z", action: "happened" }, tx));
    expect((await audit.list(org)).map((event) => event.action)).to.deep.equal(["happened"]);
  });

  it("keeps an organization's events after the organization is deleted", async () => {
    const org = await newOrganization(directory, "Deleted");
    await audit.record({ organizationId: org, actorType: "admin", actorId: "root", action: "organization.deleted" });
    await directory.organizations.remove(org);
    expect((await audit.list(org)).map((event) => event.action)).to.deep.equal(["organization.deleted"]);
  });
});
