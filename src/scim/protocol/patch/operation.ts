import type { PatchPath } from "../filter/index.js";

export type PatchOpName = "add" | "remove" | "replace";

/** One validated entry of a PatchOp request's "Operations" (RFC 7644 §3.5.2). */
export interface PatchOperation {
  op: PatchOpName;
  path?: PatchPath;
  value?: unknown;
}
