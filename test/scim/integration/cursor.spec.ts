import { expect } from "chai";
import { encodeCursor } from "../../../src/scim/protocol/cursor.js";
import { loadServerSecret } from "../../../src/store/secrets.repository.js";
import type { ScimTenant } from "../../support/scim-app.js";
import { useScimApp } from "../../support/scim-app.js";
import { createGroup, createUser, expectScimError, filtered, idOf, list, type ListBody } from "./scim-helpers.js";

const ids = (body: ListBody) => body.Resources.map(idOf);

/** Follows nextCursor from `first` until it is absent, calling `between` after each page. */
async function walk(tenant: ScimTenant, first: string, between: (page: number) => Promise<void> = async () => {}): Promise<string[]> {
  const seen: string[] = [];
  let path: string | undefined = first;
  for (let page = 0; path !== undefined; page += 1) {
    const body = await list(tenant, path);
    seen.push(...ids(body));
    path = body.nextCursor === undefined ? undefined : `${first.replace(/cursor=[^&]*/, `cursor=${encodeURIComponent(body.nextCursor)}`)}`;
    await between(page);
    expect(page, "the walk must end").to.be.below(1000);
  }
  return seen;
}

/** RFC 9865: keyset cursors, stable while rows come and go. */
describe("SCIM cursor paging (RFC 9865)", () => {
  const ctx = useScimApp();
  let tenant: ScimTenant;
  let everyone: string[];

  before(async () => {
    tenant = await ctx.newTenant("Cursors");
    everyone = [];
    for (let i = 0; i < 50; i += 1) everyone.push(idOf(await createUser(tenant, `cursor-${String(i).padStart(2, "0")}@example.com`)));
  });

  it("starts with cursor= (empty) and follows nextCursor until it is absent, returning every user exactly once", async () => {
    const first = await list(tenant, "/Users?cursor=&count=7");
    expect(first.totalResults).to.equal(50);
    expect(first.itemsPerPage).to.equal(7);
    expect(first.nextCursor).to.be.a("string");
    expect(first).not.to.have.property("previousCursor");
    const seen = await walk(tenant, "/Users?cursor=&count=7");
    expect(seen).to.have.length(50);
    expect([...seen].sort()).to.deep.equal([...everyone].sort());
  });

  it("walks a sorted, filtered listing with cursors", async () => {
    const seen = await walk(tenant, `${filtered("Users", 'userName sw "cursor-1"')}&sortBy=userName&sortOrder=descending&cursor=&count=3`);
    expect(seen).to.deep.equal(everyone.slice(10, 20).reverse());
  });

  for (const order of ["", "&sortBy=userName&sortOrder=descending"]) {
    it(`goes back with previousCursor to exactly the previous page${order ? " (sorted descending)" : ""}`, async () => {
      const at = (cursor: unknown) => `/Users?count=7${order}&cursor=${encodeURIComponent(String(cursor))}`;
      const page1 = await list(tenant, at(""));
      const page2 = await list(tenant, at(page1.nextCursor));
      const page3 = await list(tenant, at(page2.nextCursor));
      expect(page3.previousCursor).to.be.a("string");
      const back2 = await list(tenant, at(page3.previousCursor));
      expect(ids(back2)).to.deep.equal(ids(page2));
      const back1 = await list(tenant, at(back2.previousCursor));
      expect(ids(back1)).to.deep.equal(ids(page1));
      expect(back1).not.to.have.property("previousCursor");
      const forward = await list(tenant, at(back1.nextCursor));
      expect(ids(forward)).to.deep.equal(ids(page2));
      if (order) expect(ids(page1)).to.deep.equal([...everyone].reverse().slice(0, 7));
    });
  }

  it("answers 400 invalidCursor for a tampered or made-up cursor", async () => {
    const { nextCursor } = await list(tenant, "/Users?cursor=&count=7");
    const [data = "", signature = ""] = String(nextCursor).split(".");
    const payload = JSON.parse(Buffer.from(data, "base64url").toString("utf8")) as unknown[];
    payload[1] = "1";
    const forged = `${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${signature}`;
    for (const cursor of [forged, `${data}.${signature.slice(1)}A`, "abc", "a.b.c", `${data}.`]) {
      expectScimError(await tenant.get(`/Users?count=7&cursor=${encodeURIComponent(cursor)}`), 400, "invalidCursor");
    }
  });

  it("answers 400 invalidCursor for a cursor replayed with another filter, sort or resource type", async () => {
    const { nextCursor } = await list(tenant, `${filtered("Users", 'userName sw "cursor"')}&cursor=&count=7`);
    const cursor = encodeURIComponent(String(nextCursor));
    expectScimError(await tenant.get(`${filtered("Users", 'userName sw "cursor-0"')}&count=7&cursor=${cursor}`), 400, "invalidCursor");
    expectScimError(await tenant.get(`/Users?count=7&cursor=${cursor}`), 400, "invalidCursor");
    expectScimError(await tenant.get(`${filtered("Users", 'userName sw "cursor"')}&sortBy=userName&count=7&cursor=${cursor}`), 400, "invalidCursor");
    await createGroup(tenant, "Cursor Group");
    expectScimError(await tenant.get(`${filtered("Groups", 'userName sw "cursor"')}&cursor=${cursor}`), 400, "invalidFilter");
    expectScimError(await tenant.get(`/Groups?cursor=${encodeURIComponent(String((await list(tenant, "/Users?cursor=&count=7")).nextCursor))}`), 400, "invalidCursor");
  });

  it("answers 400 expiredCursor for a cursor older than the advertised cursorTimeout", async () => {
    const { nextCursor } = await list(tenant, "/Users?cursor=&count=7");
    // Re-sign the same anchor with an issue time two hours back, as a client holding it that long would have it.
    const [anchorKey, seq, , query] = JSON.parse(Buffer.from(String(nextCursor).split(".")[0] ?? "", "base64url").toString("utf8")) as [string, string, number, string];
    const key = await loadServerSecret(ctx.db, "scim_cursor");
    const stale = encodeCursor(key, { key: anchorKey, seq, direction: "next", query, issuedAt: Math.floor(Date.now() / 1000) - 7200 });
    expectScimError(await tenant.get(`/Users?count=7&cursor=${encodeURIComponent(stale)}`), 400, "expiredCursor");
  });

  it("refuses startIndex together with cursor", async () => {
    expectScimError(await tenant.get("/Users?cursor=&startIndex=1"), 400, "invalidValue");
  });

  for (const order of ["", "&sortBy=userName"]) {
    it(`returns every user that existed throughout exactly once while others are created and deleted between pages${order ? " (sorted by userName)" : ""}`, async () => {
      const churn = await ctx.newTenant(`Churn${order}`);
      const stable: string[] = [];
      const volatile: string[] = [];
      for (let i = 0; i < 40; i += 1) {
        stable.push(idOf(await createUser(churn, `m-${String(i).padStart(3, "0")}-stable@example.com`)));
        volatile.push(idOf(await createUser(churn, `m-${String(i).padStart(3, "0")}-volatile@example.com`)));
      }
      let created = 0;
      const seen = await walk(churn, `/Users?cursor=&count=7${order}`, async () => {
        // Delete from the front (already returned) and the back (not yet returned); add before and after.
        for (const id of [volatile.shift(), volatile.pop()]) if (id) await churn.delete(`/Users/${id}`).expect(204);
        for (const prefix of ["a", "z"]) await createUser(churn, `${prefix}-new-${created++}@example.com`);
      });
      expect(new Set(seen).size, "no user twice").to.equal(seen.length);
      const missing = stable.filter((id) => !seen.includes(id));
      expect(missing, "stable users skipped").to.deep.equal([]);
    });
  }
});
