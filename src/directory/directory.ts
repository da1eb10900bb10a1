import type { Db } from "../store/db.js";
import type { CredentialCache } from "./credential-cache.js";
import { createCredentialService } from "./credentials.service.js";
import { createGroupService } from "./groups.service.js";
import { createMembershipService } from "./memberships.service.js";
import { createOrganizationService } from "./organizations.service.js";
import { createSpaceService } from "./spaces.service.js";
import { createUserService } from "./users.service.js";
import { createWorkspaceService } from "./workspaces.service.js";

/** The directory services SCIM, SSO, the Admin API and the CLI share. */
export function createDirectory(deps: { db: Db; now?: () => Date; credentialCache?: CredentialCache | undefined }) {
  return {
    organizations: createOrganizationService(deps),
    workspaces: createWorkspaceService(deps),
    spaces: createSpaceService(deps),
    users: createUserService(deps),
    groups: createGroupService(deps),
    memberships: createMembershipService(deps),
    credentials: createCredentialService({ ...deps, cache: deps.credentialCache }),
  };
}

export type Directory = ReturnType<typeof createDirectory>;
