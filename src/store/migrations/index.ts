import { InitialSchema1795400000000 } from "./1795400000000-initial-schema.js";
import { ServerSecrets1795400100000 } from "./1795400100000-server-secrets.js";
import { GroupVersionOnMembershipChange1795400200000 } from "./1795400200000-group-version-on-membership-change.js";
import { AccessVersion1795400300000 } from "./1795400300000-access-version.js";
import { SingleSignOn1795400400000 } from "./1795400400000-single-sign-on.js";

/** Every migration, in order. Listed as classes so tsx and the compiled build see the same set. */
export const migrations = [
  InitialSchema1795400000000,
  ServerSecrets1795400100000,
  GroupVersionOnMembershipChange1795400200000,
  AccessVersion1795400300000,
  SingleSignOn1795400400000,
];
