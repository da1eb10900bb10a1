/**
 * One organization for the table-driven suites: Acme-Prod with Spaces UK and US (seed 001's multi-region
 * pattern), Acme-Stage with Spaces off, five groups, and resources of every default type.
 */
import { expect } from "chai";
import { check, type CheckRequest, defaultPolicy } from "../../src/access/index.js";
import { type FactsInput, facts, group, resource, space, summary, workspace } from "./fixtures.js";

export const POLICY = defaultPolicy();

export const PROD = "w-prod";
export const STAGE = "w-stage";
export const UK = "s-uk";
export const US = "s-us";
export const STAGE_EU = "s-stage-eu";

export const GROUPS = {
  uk: group("g-uk", "UK Marketing"),
  us: group("g-us", "US Marketing"),
  admins: group("g-admins", "Global Admins", "manual"),
  it: group("g-it", "IT"),
  contractors: group("g-contractors", "Contractors", "manual"),
};

export const WORLD: Required<Pick<FactsInput, "groups" | "workspaces" | "spaces" | "resources">> = {
  groups: Object.values(GROUPS),
  workspaces: [workspace(PROD, "Acme-Prod"), workspace(STAGE, "Acme-Stage", false)],
  spaces: [space(UK, PROD, "UK", "country_code in ('UK')"), space(US, PROD, "US", "country_code in ('US')"), space(STAGE_EU, STAGE, "EU")],
  resources: [
    resource("audience", "a-uk", PROD, UK),
    resource("audience", "a-us", PROD, US),
    resource("sync", "y-us", PROD, US),
    resource("audience", "a-orphan", PROD, null),
    resource("source", "src-1", PROD, null),
    resource("destination", "dst-1", PROD, null),
    resource("model", "m-1", PROD, null),
    resource("audience", "a-stage", STAGE, STAGE_EU),
  ],
};

export const inWorld = (given: FactsInput) => facts(POLICY, { ...WORLD, ...given });

export interface Row {
  readonly name: string;
  readonly given: FactsInput;
  readonly ask: CheckRequest;
  readonly allowed: boolean;
  /** Rendered reason chains, in order, for an allowed decision. */
  readonly reasons?: readonly string[];
  /** What the denial must say. */
  readonly missing?: RegExp;
}

/** Every row asserts the decision and its reason chain (STYLE.md rule 9). */
export function runRows(rows: readonly Row[]): void {
  for (const row of rows) {
    it(row.name, () => {
      const decision = summary(check(inWorld(row.given), row.ask));
      expect(decision.allowed, decision.missing ?? decision.reasons.join("\n")).to.equal(row.allowed);
      if (row.allowed) {
        expect(decision.reasons).to.deep.equal(row.reasons);
      } else {
        expect(decision.reasons).to.deep.equal([]);
        expect(decision.missing).to.match(row.missing ?? /./);
      }
    });
  }
}
