import { userInfo } from "node:os";

/** Who ran a CLI command, as its audit events name them: the operating-system user, if it can be told. */
export function operatorName(): string | null {
  try {
    return userInfo().username || null;
  } catch {
    return process.env.USER ?? null;
  }
}
