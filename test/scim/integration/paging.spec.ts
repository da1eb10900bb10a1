import { expect } from "chai";
import type { ScimTenant } from "../../support/scim-app.js";
import { useScimApp } from "../../support/scim-app.js";
import { createUser, expectScimError, filtered, list, seedUsers, type ListBody } from "./scim-helpers.js";

const userNames = (body: ListBody) => body.Resources.map((user) => String(user.userName));

/** RFC 7644 §3.4.2.3–4 and IDP-TRAFFIC "Okta imports pages with count=100, startIndex += 100". */
describe("SCIM sorting and index paging", () => {
  const ctx = useScimApp();

  describe("sorting", () => {
    let tenant: ScimTenant;
    const created = ["delta", "Alpha", "charlie", "Bravo"];

    before(async () => {
      tenant = await ctx.newTenant("Sorting");
      for (const name of created) {
        await createUser(tenant, name);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    });

    it("sorts by userName ascending by default and descending on request, ignoring case", async () => {
      expect(userNames(await list(tenant, "/Users?sortBy=userName"))).to.deep.equal(["Alpha", "Bravo", "charlie", "delta"]);
      expect(userNames(await list(tenant, "/Users?sortBy=userName&sortOrder=ascending"))).to.deep.equal(["Alpha", "Bravo", "charlie", "delta"]);
      expect(userNames(await list(tenant, "/Users?sortBy=USERNAME&sortOrder=DESCENDING"))).to.deep.equal(["delta", "charlie", "Bravo", "Alpha"]);
    });

    it("sorts by meta.created in creation order, both ways", async () => {
      expect(userNames(await list(tenant, "/Users?sortBy=meta.created"))).to.deep.equal(created);
      expect(userNames(await list(tenant, "/Users?sortBy=meta.created&sortOrder=descending"))).to.deep.equal([...created].reverse());
    });

    it("pages a sorted listing", async () => {
      const page = await list(tenant, "/Users?sortBy=userName&startIndex=2&count=2");
      expect(userNames(page)).to.deep.equal(["Bravo", "charlie"]);
      expect(page).to.deep.include({ totalResults: 4, itemsPerPage: 2, startIndex: 2 });
    });

    it("answers 400 for an attribute it cannot sort by, or an unknown sortOrder", async () => {
      for (const sortBy of ["password", "emails", "favouriteColour", "name"]) {
        expectScimError(await tenant.get(`/Users?sortBy=${sortBy}`), 400, "invalidValue");
      }
      expectScimError(await tenant.get("/Users?sortBy=userName&sortOrder=sideways"), 400, "invalidValue");
      expectScimError(await tenant.get("/Groups?sortBy=userName"), 400, "invalidValue");
    });
  });

  describe("index paging", () => {
    let tenant: ScimTenant;
    let all: string[];

    before(async () => {
      tenant = await ctx.newTenant("Paging");
      await seedUsers(ctx, tenant.organizationId, "page-", 250);
      all = Array.from({ length: 250 }, (_, i) => `page-${String(i + 1).padStart(6, "0")}`);
    });

    it("answers the first page of 100 with integer startIndex, itemsPerPage and totalResults from the whole set", async () => {
      const page = await list(tenant, "/Users");
      expect(page).to.deep.include({ totalResults: 250, itemsPerPage: 100, startIndex: 1 });
      expect(page.Resources).to.have.length(100);
    });

    it("gives the second hundred for startIndex=101&count=100, not page 1 again (Okta import)", async () => {
      const first = await list(tenant, "/Users?startIndex=1&count=100");
      const second = await list(tenant, "/Users?startIndex=101&count=100");
      const third = await list(tenant, "/Users?startIndex=201&count=100");
      expect(second).to.deep.include({ startIndex: 101, itemsPerPage: 100, totalResults: 250 });
      expect(third).to.deep.include({ startIndex: 201, itemsPerPage: 50, totalResults: 250 });
      expect(userNames(second).filter((name) => userNames(first).includes(name))).to.deep.equal([]);
      expect(userNames(second)[0]).to.equal(all[100]);
    });

    it("yields every user exactly once, in the same order twice, when walking the pages", async () => {
      const walk = async (count: number) => {
        const seen: string[] = [];
        for (let startIndex = 1; ; startIndex += count) {
          const page = await list(tenant, `/Users?startIndex=${startIndex}&count=${count}`);
          expect(page.totalResults).to.equal(250);
          seen.push(...userNames(page));
          if (page.itemsPerPage < count) break;
        }
        return seen;
      };
      const once = await walk(37);
      expect(once).to.have.length(250);
      expect(new Set(once).size).to.equal(250);
      expect(await walk(37)).to.deep.equal(once);
      expect(await walk(100)).to.deep.equal(once);
    });

    it("answers count=0 with only totalResults", async () => {
      const page = await list(tenant, "/Users?count=0");
      expect(page.totalResults).to.equal(250);
      expect(page.itemsPerPage).to.equal(0);
      expect(page.Resources ?? []).to.deep.equal([]);
    });

    it("reads startIndex below 1 as 1 and negative count as 0; answers past the end with an empty page", async () => {
      expect(userNames(await list(tenant, "/Users?startIndex=0&count=3"))).to.deep.equal(all.slice(0, 3));
      expect((await list(tenant, "/Users?startIndex=-5&count=3")).startIndex).to.equal(1);
      expect((await list(tenant, "/Users?count=-3")).itemsPerPage).to.equal(0);
      const past = await list(tenant, "/Users?startIndex=1000");
      expect(past).to.deep.include({ totalResults: 250, itemsPerPage: 0 });
      expect(past.Resources ?? []).to.deep.equal([]);
    });

    it("refuses a count or startIndex that is not a decimal integer", async () => {
      for (const query of ["count=ten", "startIndex=1.5", "startIndex=0x10", "count=1e2", "count=Infinity"]) {
        expectScimError(await tenant.get(`/Users?${query}`), 400, "invalidValue");
      }
    });

    it("answers a startIndex past any 64-bit offset with an empty page, not a 500 (regression)", async () => {
      for (const startIndex of ["99999999999999999999", "9223372036854775808"]) {
        const page = await list(tenant, `/Users?startIndex=${startIndex}`);
        expect(page).to.deep.include({ totalResults: 250, itemsPerPage: 0 });
      }
      const searched = await tenant.post("/Users/.search", { startIndex: 1e20, count: 1e20 }).expect(200);
      expect(searched.body).to.deep.include({ totalResults: 250, itemsPerPage: 0 });
      expect((await list(tenant, "/Users?count=99999999999999999999")).itemsPerPage).to.equal(250);
    });

    it("counts totalResults over the filtered set, not the page", async () => {
      const page = await list(tenant, filtered("Users", 'userName sw "page-0001"', "&count=10"));
      expect(page).to.deep.include({ totalResults: 100, itemsPerPage: 10 });
    });

    it("clamps count to the advertised maximum of 1000 instead of refusing it", async () => {
      const big = await ctx.newTenant("Big");
      await seedUsers(ctx, big.organizationId, "big-", 1005);
      const page = await list(big, "/Users?count=5000");
      expect(page).to.deep.include({ totalResults: 1005, itemsPerPage: 1000 });
      expect(page.Resources).to.have.length(1000);
      const rest = await list(big, "/Users?count=5000&startIndex=1001");
      expect(rest.itemsPerPage).to.equal(5);
    });
  });
});
