import type { Directory } from "./directory.js";
import type { OrganizationRecord } from "./organizations.service.js";

export interface DemoSeed {
  organization: OrganizationRecord;
  created: boolean;
  /** Only on the run that created the organization: secrets are shown once. */
  scimToken?: string;
}

/** First run: a demo organization and a SCIM token for it. Later runs: the same organization, no new token. */
export async function seedDemoOrganization(directory: Directory, name: string): Promise<DemoSeed> {
  const { organization, created } = await directory.organizations.ensureDemo(name);
  if (!created) return { organization, created };
  const { secret } = await directory.credentials.issue("scim_token", organization.id, { name: "demo" });
  return { organization, created, scimToken: secret };
}
