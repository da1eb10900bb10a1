/** RFC 7644 §3.12, Table 9, plus the cursor errors of RFC 9865 §3. */
export type ScimType =
  | "invalidFilter"
  | "tooMany"
  | "uniqueness"
  | "mutability"
  | "invalidSyntax"
  | "invalidPath"
  | "noTarget"
  | "invalidValue"
  | "invalidVers"
  | "sensitive"
  | "invalidCursor"
  | "expiredCursor";

export const SCIM_ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

/** The wire form of RFC 7644 §3.12: `status` is the HTTP status as a JSON string. */
export interface ScimErrorBody {
  schemas: [typeof SCIM_ERROR_SCHEMA];
  status: string;
  scimType?: ScimType;
  detail: string;
}

/** The one error type of the SCIM surface; its message is the `detail` sent to the client. */
export class ScimError extends Error {
  override readonly name = "ScimError";

  constructor(
    readonly status: number,
    readonly scimType: ScimType | undefined,
    readonly detail: string,
  ) {
    super(detail);
    // RFC 7644 §3.12 defines scimType for client errors only; anything else is a programming error.
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`ScimError status must be 4xx or 5xx, got ${status}`);
    }
    if (scimType !== undefined && status >= 500) {
      throw new RangeError(`scimType ${scimType} cannot accompany status ${status}`);
    }
  }

  get body(): ScimErrorBody {
    return {
      schemas: [SCIM_ERROR_SCHEMA],
      status: String(this.status),
      ...(this.scimType === undefined ? {} : { scimType: this.scimType }),
      detail: this.detail,
    };
  }

  toJSON(): ScimErrorBody {
    return this.body;
  }
}
