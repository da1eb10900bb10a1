import { ScimError } from "../scim-error.js";

/** Filters fail with `invalidFilter` (RFC 7644 §3.4.2.2), PATCH paths with `invalidPath` (§3.5.2). */
export type SyntaxErrorType = "invalidFilter" | "invalidPath";

const SUBJECT: Record<SyntaxErrorType, string> = { invalidFilter: "filter", invalidPath: "path" };

/** A 400 whose detail names what was expected and the 1-based character where parsing stopped. */
export function syntaxError(scimType: SyntaxErrorType, message: string, position: number): ScimError {
  return new ScimError(400, scimType, `Invalid ${SUBJECT[scimType]}: ${message} at character ${position + 1}`);
}

/** Names the end of the input in an error detail: "the end of the filter". */
export function endOfInput(scimType: SyntaxErrorType): string {
  return `the end of the ${SUBJECT[scimType]}`;
}
