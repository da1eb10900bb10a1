import { InitialSchema1795400000000 } from "./1795400000000-initial-schema.js";
import { ServerSecrets1795400100000 } from "./1795400100000-server-secrets.js";
import { GroupVersionOnMembershipChange1795400200000 } from "./1795400200000-group-version-on-membership-change.js";
import { AccessVersion1795400300000 } from "./1795400300000-access-version.js";
import { SingleSignOn1795400400000 } from "./1795400400000-single-sign-on.js";
import { OrganizationSettings1795400500000 } from "./1795400500000-organization-settings.js";
import { UsersAndInvites1795400600000 } from "./1795400600000-users-and-invites.js";
import { Ownership1795400700000 } from "./1795400700000-ownership.js";
import { UserTombstones1795400800000 } from "./1795400800000-user-tombstones.js";
import { PagingBySeq1795400900000 } from "./1795400900000-paging-by-seq.js";

/** Every migration, in order. Listed as classes so tsx and the compiled build see the same set. */
export const migrations = [
  InitialSchema1795400000000,
  ServerSecrets1795400100000,
  GroupVersionOnMembershipChange1795400200000,
  AccessVersion1795400300000,
  SingleSignOn1795400400000,
  OrganizationSettings1795400500000,
  UsersAndInvites1795400600000,
  Ownership1795400700000,
  UserTombstones1795400800000,
  PagingBySeq1795400900000,
];
