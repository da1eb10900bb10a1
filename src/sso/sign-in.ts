/**
 * The sign-in pipeline after a protocol adapter has validated the IdP's response (issue 6), in small steps,
 * all in one transaction: link the identity → refuse deactivated or deleted people → just-in-time provisioning
 * → claim mappings → invites → session. A refusal rolls everything back: no user, no membership, no session.
 */
import type { Policy } from "../access/policy.types.js";
import type { AuditService } from "../audit/audit.service.js";
import { createDirectory } from "../directory/directory.js";
import { parseUserInput } from "../directory/users.service.js";
import type { Db } from "../store/db.js";
import { markReauthenticated, type SessionRecord } from "../store/sessions.repository.js";
import {
  findLinkedUser,
  findSignInUser,
  findUsersByEmail,
  groupsForClaims,
  isTombstoned,
  linkIdentity,
  loadDomainRules,
  loadSignInSettings,
  reconcileClaimMemberships,
  type ConnectionRecord,
  type DomainRule,
  type SignInUser,
} from "../store/sso.repository.js";
import { hasPendingInvite } from "../store/invites.repository.js";
import { insertUser } from "../store/users.repository.js";
import { SignInRejected, type SignInIdentity } from "./identity.js";
import type { SessionService } from "./sessions.js";

export interface SignInContext {
  connection: ConnectionRecord;
  identity: SignInIdentity;
  /** "step_up": an existing session's person proving who they are again (ownership transfer). */
  purpose: "login" | "step_up";
  stepUpSession: SessionRecord | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string;
}

export interface SignInResult {
  userId: string;
  organizationId: string;
  /** The new session's cookie value; null after a step-up (the session keeps its token). */
  token: string | null;
  session: SessionRecord;
  provisioned: boolean;
}

/** Accepts the person's pending invites (the invites service); injected so the pipeline stays small. */
export type AcceptInvites = (tx: Db, input: { organizationId: string; userId: string; email: string }) => Promise<unknown>;

export interface SignInDeps {
  db: Db;
  policy: Policy;
  audit: AuditService;
  sessions: SessionService;
  acceptInvites?: AcceptInvites;
  afterWrite?: (organizationId: string) => Promise<unknown>;
}

/** Connection settings every protocol shares: how claim values become user groups. */
export function groupsByName(connection: ConnectionRecord): boolean {
  const signIn = connection.settings.signIn as { groupsByName?: unknown } | undefined;
  return signIn?.groupsByName !== false;
}

const domainOf = (email: string): string => email.slice(email.lastIndexOf("@") + 1).toLowerCase();

export function createSignIn(deps: SignInDeps) {
  const { db, policy, audit, sessions } = deps;

  /** Step 1: who is this? By (connection, subject); else once by email in a verified domain of the organization. */
  async function link(tx: Db, connection: ConnectionRecord, identity: SignInIdentity, rules: DomainRule[]): Promise<{ user: SignInUser; linkedBy: string } | null> {
    const linked = await findLinkedUser(tx, connection.id, identity.subject);
    if (linked) {
      const user = await findSignInUser(tx, connection.organizationId, linked);
      if (user) return { user, linkedBy: "subject" };
    }
    if (!identity.email) return null;
    const verified = rules.some((rule) => rule.verified && rule.domain === domainOf(identity.email as string));
    if (!verified) return null;
    const candidates = await findUsersByEmail(tx, connection.organizationId, identity.email);
    if (candidates.length > 1) throw new SignInRejected("ambiguous_email", "more than one person of the organization has this email address");
    const user = candidates[0];
    return user ? { user, linkedBy: "email" } : null;
  }

  /** Step 3: a new person, when the organization allows it and the address is in an allowed domain. */
  async function provision(tx: Db, connection: ConnectionRecord, identity: SignInIdentity, rules: DomainRule[], jitAllowed: boolean): Promise<SignInUser> {
    if (!jitAllowed) throw new SignInRejected("jit_disabled", "this organization does not create accounts at sign-in; ask an administrator to add you");
    const email = identity.email;
    if (!email) throw new SignInRejected("no_email", "the identity provider sent no email address, so no account can be created");
    if (rules.length > 0 && !rules.some((rule) => rule.domain === domainOf(email))) {
      throw new SignInRejected("domain_not_allowed", `addresses at ${domainOf(email)} are not allowed in this organization`);
    }
    // A removed person comes back only when someone decides so: the IdP provisions them again, or an admin
    // invites them again.
    if ((await isTombstoned(tx, connection.organizationId, email)) && !(await hasPendingInvite(tx, connection.organizationId, email))) {
      throw new SignInRejected("user_deleted", "this person was removed from the organization and is not re-created by signing in; an administrator can invite them again");
    }
    const data = parseUserInput({
      userName: email,
      displayName: identity.displayName ?? undefined,
      name: { givenName: identity.givenName ?? undefined, familyName: identity.familyName ?? undefined },
      emails: [{ value: email, type: "work", primary: true, display: null }],
      active: true,
    });
    const user = await insertUser(tx, connection.organizationId, data);
    await tx.query(`UPDATE users SET origin = 'sso' WHERE id = $1`, [user.id]);
    const rule = rules.find((candidate) => candidate.domain === domainOf(email));
    if (rule?.defaultRoleId) {
      await createDirectory({ db: tx, policy }).grants.grant(connection.organizationId, {
        principal: { type: "user", id: user.id },
        role: { id: rule.defaultRoleId },
        scope: rule.defaultWorkspaceId ? { type: "workspace", workspaceId: rule.defaultWorkspaceId } : { type: "organization" },
        source: `sso:${connection.id}`,
        createdBy: `sso:${connection.id}`,
      });
    }
    return { id: user.id, active: true, userName: user.userName };
  }

  async function run(context: SignInContext): Promise<SignInResult> {
    const { connection, identity } = context;
    const organizationId = connection.organizationId;
    const result = await db.transaction(async (tx) => {
      const settings = await loadSignInSettings(tx, organizationId);
      if (!settings) throw new SignInRejected("unknown_organization", "the connection's organization no longer exists");
      const rules = await loadDomainRules(tx, organizationId);

      const found = await link(tx, connection, identity, rules);
      if (found && !found.user.active) throw new SignInRejected("user_deactivated", "this account is deactivated");
      const provisioned = !found;
      const user = found?.user ?? (await provision(tx, connection, identity, rules, settings.jitProvisioning));
      await linkIdentity(tx, { organizationId, connectionId: connection.id, subject: identity.subject, userId: user.id });

      const source = `sso:${connection.id}`;
      const groups = await groupsForClaims(tx, organizationId, connection.id, identity.groups, groupsByName(connection));
      const memberships = await reconcileClaimMemberships(tx, organizationId, user.id, source, groups.map((group) => group.id));
      const invites = identity.email && deps.acceptInvites ? await deps.acceptInvites(tx, { organizationId, userId: user.id, email: identity.email }) : null;

      const authenticatedAt = identity.authenticatedAt ?? new Date();
      let token: string | null = null;
      let session: SessionRecord;
      if (context.purpose === "step_up") {
        const current = context.stepUpSession;
        if (!current || current.userId !== user.id || current.organizationId !== organizationId) {
          throw new SignInRejected("step_up_other_person", "the re-authentication was for a different person than the one signed in");
        }
        await markReauthenticated(tx, current.id, authenticatedAt);
        session = { ...current, authenticatedAt };
      } else {
        const issued = await sessions.issue(tx, {
          organizationId,
          userId: user.id,
          connectionId: connection.id,
          authenticatedAt,
          idleMinutes: settings.sessionIdleMinutes,
          absoluteMinutes: settings.sessionAbsoluteMinutes,
          nameId: identity.saml?.nameId ?? null,
          nameIdFormat: identity.saml?.nameIdFormat ?? null,
          sessionIndex: identity.saml?.sessionIndex ?? null,
          ip: context.ip,
          userAgent: context.userAgent?.slice(0, 512) ?? null,
        });
        token = issued.token;
        session = issued.session;
      }

      await audit.record(
        {
          organizationId,
          actorType: "user",
          actorId: user.id,
          action: context.purpose === "step_up" ? "auth.step_up" : "auth.sign_in",
          targetType: "user",
          targetId: user.id,
          requestId: context.requestId,
          details: {
            connectionId: connection.id,
            protocol: connection.protocol,
            sessionId: session.id,
            linkedBy: found?.linkedBy ?? "provisioned",
            provisioned,
            groups: { added: memberships.added, removed: memberships.removed, claimed: identity.groups.length },
            ...(invites ? { invites } : {}),
            ip: context.ip,
          },
        },
        tx,
      );
      return { userId: user.id, organizationId, token, session, provisioned };
    });
    await deps.afterWrite?.(organizationId);
    return result;
  }

  /** A refused sign-in is an audit event too (outside any rolled-back transaction). */
  async function recordFailure(connection: ConnectionRecord, error: SignInRejected, context: { ip: string | null; requestId: string; subject?: string | null }): Promise<void> {
    await audit.record({
      organizationId: connection.organizationId,
      actorType: "connection",
      actorId: connection.id,
      action: "auth.sign_in_failed",
      targetType: "connection",
      targetId: connection.id,
      requestId: context.requestId,
      details: { reason: error.reason, message: error.message, protocol: connection.protocol, subject: context.subject ?? null, ip: context.ip },
    });
  }

  return { run, recordFailure };
}

export type SignIn = ReturnType<typeof createSignIn>;
