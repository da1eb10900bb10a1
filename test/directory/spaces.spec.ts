import { expect } from "chai";
import { createDirectory, type Directory } from "../../src/directory/directory.js";
import type { WorkspaceRecord } from "../../src/directory/workspaces.service.js";
import { useCleanDatabase } from "../support/database.js";
import { countRows, expectDomainError, newOrganization, randomUUID } from "./helpers.js";

describe("directory: Spaces", () => {
  const ctx = useCleanDatabase();
  let directory: Directory;
  let org: string;
  let counter = 0;

  before(async () => {
    directory = createDirectory({ db: ctx.db });
    org = await newOrganization(directory, "Spaces");
  });

  async function workspaceWithSpaces(organizationId = org): Promise<WorkspaceRecord> {
    counter += 1;
    return directory.workspaces.create(organizationId, { title: `Workspace ${counter}`, spacesEnabled: true });
  }

  describe("enabling", () => {
    it("refuses to create a Space in a workspace without Spaces, and creates nothing", async () => {
      const workspace = await directory.workspaces.create(org, { title: "Plain" });
      const error = await expectDomainError(directory.spaces.create(org, workspace.id, { name: "UK" }), "precondition_failed");
      expect(error.details?.workspaceId).to.equal(workspace.id);
      expect(await countRows(ctx.db, "spaces", "workspace_id = $1", [workspace.id])).to.equal(0);
    });

    it("creates a Space once Spaces are turned on", async () => {
      const workspace = await directory.workspaces.create(org, { title: "Later" });
      const enabled = await directory.workspaces.setSpacesEnabled(org, workspace.id, true);
      expect(enabled.spacesEnabled).to.equal(true);
      const space = await directory.spaces.create(org, workspace.id, { name: " UK ", description: "United Kingdom", dataFilter: "country_code in ('UK')" });
      expect(space).to.include({ name: "UK", description: "United Kingdom", dataFilter: "country_code in ('UK')", workspaceId: workspace.id, organizationId: org });
      expect(await directory.spaces.get(org, space.id)).to.deep.equal(space);
    });

    it("defaults description to empty and dataFilter to null", async () => {
      const workspace = await workspaceWithSpaces();
      const space = await directory.spaces.create(org, workspace.id, { name: "Bare" });
      expect(space.description).to.equal("");
      expect(space.dataFilter).to.equal(null);
    });

    it("refuses to turn Spaces off while the workspace has Spaces, and keeps them on", async () => {
      const workspace = await workspaceWithSpaces();
      await directory.spaces.create(org, workspace.id, { name: "EU" });
      await expectDomainError(directory.workspaces.setSpacesEnabled(org, workspace.id, false), "conflict");
      expect((await directory.workspaces.get(org, workspace.id)).spacesEnabled).to.equal(true);
    });

    it("never ends with Spaces off and a Space present when creation and switching off race", async () => {
      for (let round = 0; round < 5; round += 1) {
        const workspace = await workspaceWithSpaces();
        await Promise.allSettled([
          directory.spaces.create(org, workspace.id, { name: "Racer" }),
          directory.workspaces.setSpacesEnabled(org, workspace.id, false),
        ]);
        const enabled = (await directory.workspaces.get(org, workspace.id)).spacesEnabled;
        const spaces = await countRows(ctx.db, "spaces", "workspace_id = $1", [workspace.id]);
        expect(enabled || spaces === 0, `spacesEnabled=${enabled} with ${spaces} Space(s)`).to.equal(true);
      }
    });

    it("turns Spaces off once the last Space is deleted", async () => {
      const workspace = await workspaceWithSpaces();
      const space = await directory.spaces.create(org, workspace.id, { name: "Temp" });
      await directory.spaces.remove(org, space.id);
      expect((await directory.workspaces.setSpacesEnabled(org, workspace.id, false)).spacesEnabled).to.equal(false);
    });
  });

  describe("names", () => {
    it("refuses a duplicate name in the same workspace, ignoring case", async () => {
      const workspace = await workspaceWithSpaces();
      await directory.spaces.create(org, workspace.id, { name: "Finance" });
      const error = await expectDomainError(directory.spaces.create(org, workspace.id, { name: "FINANCE" }), "conflict");
      expect(error.details?.field).to.equal("name");
      expect(await countRows(ctx.db, "spaces", "workspace_id = $1", [workspace.id])).to.equal(1);
    });

    it("allows the same name in another workspace", async () => {
      const first = await workspaceWithSpaces();
      const second = await workspaceWithSpaces();
      await directory.spaces.create(org, first.id, { name: "Finance" });
      const space = await directory.spaces.create(org, second.id, { name: "Finance" });
      expect(space.workspaceId).to.equal(second.id);
    });

    it("refuses an empty name with invalid_value", async () => {
      const workspace = await workspaceWithSpaces();
      await expectDomainError(directory.spaces.create(org, workspace.id, { name: " " }), "invalid_value");
    });
  });

  describe("update", () => {
    it("changes the name, description and data filter it is given and leaves the rest", async () => {
      const workspace = await workspaceWithSpaces();
      const space = await directory.spaces.create(org, workspace.id, { name: "Sales", description: "All sales", dataFilter: "region = 'EU'" });

      const renamed = await directory.spaces.update(org, space.id, { name: "Sales EU" });
      expect(renamed).to.include({ name: "Sales EU", description: "All sales", dataFilter: "region = 'EU'" });

      const refiltered = await directory.spaces.update(org, space.id, { description: "EU sales", dataFilter: "region = 'EMEA'" });
      expect(refiltered).to.include({ name: "Sales EU", description: "EU sales", dataFilter: "region = 'EMEA'" });
      expect(await directory.spaces.get(org, space.id)).to.deep.equal(refiltered);
    });

    it("clears the data filter when given null, and keeps it when the field is absent", async () => {
      const workspace = await workspaceWithSpaces();
      const space = await directory.spaces.create(org, workspace.id, { name: "Filtered", dataFilter: "x = 1" });
      expect((await directory.spaces.update(org, space.id, { description: "kept filter" })).dataFilter).to.equal("x = 1");
      expect((await directory.spaces.update(org, space.id, { dataFilter: null })).dataFilter).to.equal(null);
      expect((await directory.spaces.get(org, space.id)).dataFilter).to.equal(null);
    });

    it("clears the description when given an empty one", async () => {
      const workspace = await workspaceWithSpaces();
      const space = await directory.spaces.create(org, workspace.id, { name: "Described", description: "words" });
      expect((await directory.spaces.update(org, space.id, { description: "" })).description).to.equal("");
    });

    it("refuses a rename onto another Space's name in the workspace", async () => {
      const workspace = await workspaceWithSpaces();
      await directory.spaces.create(org, workspace.id, { name: "North" });
      const south = await directory.spaces.create(org, workspace.id, { name: "South" });
      await expectDomainError(directory.spaces.update(org, south.id, { name: "north" }), "conflict");
      expect((await directory.spaces.get(org, south.id)).name).to.equal("South");
    });

    it("answers not_found for an unknown Space", async () => {
      await expectDomainError(directory.spaces.update(org, randomUUID(), { name: "Ghost" }), "not_found");
      await expectDomainError(directory.spaces.update(org, "ghost", { name: "Ghost" }), "not_found");
    });
  });

  describe("list and remove", () => {
    it("lists a workspace's Spaces by name, ignoring case", async () => {
      const workspace = await workspaceWithSpaces();
      for (const name of ["charlie", "Alpha", "bravo"]) await directory.spaces.create(org, workspace.id, { name });
      const names = (await directory.spaces.list(org, workspace.id)).map((space) => space.name);
      expect(names).to.deep.equal(["Alpha", "bravo", "charlie"]);
    });

    it("deletes a Space; reading it again answers not_found", async () => {
      const workspace = await workspaceWithSpaces();
      const space = await directory.spaces.create(org, workspace.id, { name: "Gone" });
      await directory.spaces.remove(org, space.id);
      await expectDomainError(directory.spaces.get(org, space.id), "not_found");
      await expectDomainError(directory.spaces.remove(org, space.id), "not_found");
    });

    it("deletes a workspace's Spaces with the workspace", async () => {
      const workspace = await workspaceWithSpaces();
      const spaces = await Promise.all(["One", "Two"].map((name) => directory.spaces.create(org, workspace.id, { name })));
      await directory.workspaces.remove(org, workspace.id);
      for (const space of spaces) await expectDomainError(directory.spaces.get(org, space.id), "not_found");
      expect(await countRows(ctx.db, "spaces", "workspace_id = $1", [workspace.id])).to.equal(0);
      await expectDomainError(directory.spaces.list(org, workspace.id), "not_found");
    });
  });

  describe("tenant isolation", () => {
    it("answers not_found to another organization for the Space and its workspace", async () => {
      const other = await newOrganization(directory, "Intruder");
      const workspace = await workspaceWithSpaces();
      const space = await directory.spaces.create(org, workspace.id, { name: "Private", dataFilter: "team = 'a'" });

      await expectDomainError(directory.spaces.get(other, space.id), "not_found");
      await expectDomainError(directory.spaces.update(other, space.id, { dataFilter: null }), "not_found");
      await expectDomainError(directory.spaces.remove(other, space.id), "not_found");
      await expectDomainError(directory.spaces.list(other, workspace.id), "not_found");
      await expectDomainError(directory.spaces.create(other, workspace.id, { name: "Planted" }), "not_found");

      expect(await directory.spaces.get(org, space.id)).to.deep.equal(space);
      expect((await directory.spaces.list(org, workspace.id)).map((s) => s.name)).to.deep.equal(["Private"]);
    });

    it("answers not_found for a workspace id that is not a uuid", async () => {
      await expectDomainError(directory.spaces.create(org, "not-a-uuid", { name: "X" }), "not_found");
      await expectDomainError(directory.spaces.list(org, "not-a-uuid"), "not_found");
    });
  });
});
