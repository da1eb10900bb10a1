/**
 * What a protocol adapter (saml/, oidc/) hands the sign-in pipeline once an identity provider's response has
 * passed every check: who signed in, as the IdP says. The pipeline links, provisions and maps it; adapters
 * never touch users, groups or sessions.
 */
export interface SignInIdentity {
  /** The IdP's stable id for the person: SAML NameID, OIDC `sub`. */
  subject: string;
  email: string | null;
  givenName: string | null;
  familyName: string | null;
  displayName: string | null;
  /** Values of the connection's groups claim / attribute, as sent (deduplicated, order kept). */
  groups: string[];
  /** When the person authenticated at the IdP (SAML AuthnInstant, OIDC auth_time), if it said. */
  authenticatedAt: Date | null;
  /** What SAML single logout needs later. */
  saml?: { nameId: string; nameIdFormat: string | null; sessionIndex: string | null };
}

/**
 * A response the pipeline refuses. `reason` is a short stable code (logged, audited, asserted by tests:
 * "bad_signature", "wrong_audience", "replayed", "unknown_in_response_to", …); `message` is for the log and the
 * error page, and never carries secrets or raw XML.
 */
export class SignInRejected extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = "SignInRejected";
  }
}

/** One-time use of a protocol message id (SAML assertion ID, OIDC ID token jti), kept in PostgreSQL until it expires. */
export interface ReplayStore {
  /** True the first time (connection, id) is seen; false for a replay. */
  remember(connectionId: string, messageId: string, expiresAt: Date): Promise<boolean>;
}
