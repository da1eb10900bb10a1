import type { Directory } from "../directory/directory.js";
import type { AdminWrite } from "./admin-write.js";
import type { Authorizer, WorkspaceLocator } from "./authorize.js";

/** What each area's routes need: the directory for reads, a write runner, and the authoriser. */
export interface AdminRouteDeps {
  directory: Directory;
  write: AdminWrite;
  authorizer: Authorizer;
}

/** The workspace named by `:id`. */
export const workspaceOfParam =
  (directory: Directory, name = "id"): WorkspaceLocator =>
  (req, organizationId) =>
    directory.workspaces.get(organizationId, String(req.params[name]));

/** The workspace of the Space named by `:id` (or another parameter). */
export const workspaceOfSpaceParam =
  (directory: Directory, name = "id"): WorkspaceLocator =>
  async (req, organizationId) => {
    const space = await directory.spaces.get(organizationId, String(req.params[name]));
    return directory.workspaces.get(organizationId, space.workspaceId);
  };
