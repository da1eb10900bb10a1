import type { EffectiveGroup, IgnoredFact } from "./effective.js";
import type { AccessFacts, OverrideFact } from "./facts.js";

export interface Membership {
  readonly groups: readonly EffectiveGroup[];
  readonly ignored: readonly IgnoredFact[];
}

function overridesByGroup(facts: AccessFacts): Map<string, OverrideFact> {
  const byGroup = new Map<string, OverrideFact>();
  for (const override of facts.overrides) {
    if (override.userId !== facts.user.id) continue;
    // membership_overrides is UNIQUE (group_id, user_id); should two ever arrive, exclude wins: denying is the safe side.
    if (byGroup.get(override.groupId)?.kind === "exclude") continue;
    byGroup.set(override.groupId, override);
  }
  return byGroup;
}

/**
 * Effective membership = IdP-owned members ∪ pins − excludes (DESIGN.md, Access semantics): an exclude beats
 * the identity provider, a pin survives the identity provider removing the user.
 */
export function effectiveGroups(facts: AccessFacts): Membership {
  const known = new Map(facts.groups.map((group) => [group.id, group]));
  const overrides = overridesByGroup(facts);
  const listed = new Set(facts.memberOf);
  const candidates = [...new Set([...facts.memberOf, ...overrides.keys()])].sort();
  const groups: EffectiveGroup[] = [];
  const ignored: IgnoredFact[] = [];
  for (const groupId of candidates) {
    const override = overrides.get(groupId);
    const group = known.get(groupId);
    if (override?.kind === "exclude") {
      if (listed.has(groupId)) ignored.push({ kind: "override", id: groupId, reason: `excluded by ${override.author}: "${override.reason}"` });
    } else if (!group) {
      ignored.push({ kind: "membership", id: groupId, reason: "group not among the loaded groups" });
    } else {
      const idp = listed.has(groupId);
      const pin = override ? { pin: { author: override.author, reason: override.reason } } : {};
      groups.push({ groupId, displayName: group.displayName, origin: group.origin, membership: idp ? "idp" : "pin", ...pin });
    }
  }
  return { groups, ignored };
}
