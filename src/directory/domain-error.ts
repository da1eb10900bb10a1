export type DomainErrorCode = "not_found" | "conflict" | "invalid_value" | "forbidden" | "precondition_failed";

/**
 * What a directory or access service throws when a request cannot be honoured. Protocol-neutral:
 * each surface (SCIM, Admin API, CLI) maps the code to its own status in one table.
 */
export class DomainError extends Error {
  override readonly name = "DomainError";

  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const notFound = (what: string, id: string): DomainError =>
  new DomainError("not_found", `${what} ${id} not found`, { id });
