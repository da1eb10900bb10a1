/**
 * RFC 7643 §3.1: `id`, `externalId` and `meta` belong to every resource but are defined by no schema
 * document (scim-schemas/Common.attributes.json holds them). `schemas` (§3) lists the schemas whose
 * attributes are present, so the server maintains it: to PATCH it is readOnly.
 */
import type { AttributeDefinition } from "../schema.js";
import { commonAttributes } from "../schemas.js";

const SCHEMAS_ATTRIBUTE: AttributeDefinition = {
  name: "schemas",
  type: "reference",
  multiValued: true,
  required: true,
  caseExact: false,
  mutability: "readOnly",
  returned: "always",
  uniqueness: "none",
  referenceTypes: ["uri"],
};

export function findCommonAttribute(name: string): AttributeDefinition | undefined {
  const lowered = name.toLowerCase();
  return [...commonAttributes, SCHEMAS_ATTRIBUTE].find((definition) => definition.name.toLowerCase() === lowered);
}
