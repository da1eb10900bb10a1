import { defaultPolicy } from "../access/index.js";
import type { Policy } from "../access/policy.types.js";
import type { Db } from "../store/db.js";
import { createAttachmentService } from "./attachments.service.js";
import type { CredentialCache } from "./credential-cache.js";
import { createCredentialService } from "./credentials.service.js";
import { createGrantService } from "./grants.service.js";
import { createGroupService } from "./groups.service.js";
import { createInviteService } from "./invites.service.js";
import { createMembershipService } from "./memberships.service.js";
import { createOrganizationService } from "./organizations.service.js";
import { createOverrideService } from "./overrides.service.js";
import { createPeopleService } from "./people.service.js";
import { createRoleService } from "./roles.service.js";
import { createSpaceService } from "./spaces.service.js";
import { createUserService } from "./users.service.js";
import { createWorkspaceService } from "./workspaces.service.js";

/**
 * The directory services SCIM, SSO, the Admin API and the CLI share. `policy` (default: the default policy,
 * read on first use) decides which roles grants may name and which plans may have custom roles.
 */
export function createDirectory(deps: { db: Db; now?: () => Date; credentialCache?: CredentialCache | undefined; policy?: Policy }) {
  let loaded = deps.policy;
  const policy = (): Policy => (loaded ??= defaultPolicy());
  return {
    organizations: createOrganizationService(deps),
    workspaces: createWorkspaceService(deps),
    spaces: createSpaceService(deps),
    users: createUserService(deps),
    groups: createGroupService(deps),
    memberships: createMembershipService(deps),
    credentials: createCredentialService({ ...deps, cache: deps.credentialCache }),
    grants: createGrantService({ db: deps.db, policy }),
    attachments: createAttachmentService(deps),
    overrides: createOverrideService(deps),
    roles: createRoleService({ db: deps.db, policy }),
    people: createPeopleService({ db: deps.db, policy }),
    invites: createInviteService({ db: deps.db, policy, ...(deps.now ? { now: deps.now } : {}) }),
  };
}

export type Directory = ReturnType<typeof createDirectory>;

/** Called by the sign-in pipeline inside its transaction (DESIGN.md, Invites). */
export { acceptPendingInvites, type AcceptedInvite } from "./invites.service.js";
