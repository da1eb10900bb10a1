/** The access engine's public surface (DESIGN.md, src/access/): policy as data, pure resolve(), check(). */
export { defaultPolicy, loadPolicy, loadPolicyFile, PolicyError, customRole, customRoleProblems } from "./policy.js";
export type * from "./policy.types.js";
export type * from "./facts.js";
export type * from "./effective.js";
export { resourceKey } from "./effective.js";
export { type ReasonChain, type Via, type GrantStep, type ScopeLabel, type SpaceStep, type ShareStep, type RoleLabel, renderReason } from "./reason.js";
export { resolve } from "./resolve.js";
export { check, AccessRequestError, type CheckRequest, type Decision } from "./check.js";
