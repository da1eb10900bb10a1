/** SCIM PATCH (RFC 7644 §3.5.2): request validation, the pure patch engine, and Group member deltas. */
export type { PatchOpName, PatchOperation } from "./operation.js";
export { parsePatchRequest } from "./request.js";
export { applyPatch } from "./apply.js";
export { splitMemberOperations, type MemberChange } from "./members.js";
