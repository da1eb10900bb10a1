/**
 * Typed reading of node-saml's profile: the xml2js tree of the assertion exactly as it was covered by a verified
 * signature (node-saml re-parses the signed reference, not the raw document). Everything the adapter takes from
 * an assertion — identity and the checks node-saml leaves to us — is read through here.
 */
import type { Profile } from "@node-saml/passport-saml";
import { reject } from "./reasons.js";

interface XmlNode {
  $?: Record<string, string>;
  _?: string;
  [child: string]: unknown;
}

const BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

function list(node: XmlNode | undefined, key: string): XmlNode[] {
  const value = node?.[key];
  return Array.isArray(value) ? (value as XmlNode[]) : [];
}
const first = (node: XmlNode | undefined, key: string): XmlNode | undefined => list(node, key)[0];
const attr = (node: XmlNode | undefined, name: string): string | null => node?.$?.[name] ?? null;
const text = (node: XmlNode | string | undefined): string | null => (typeof node === "string" ? node : (node?._ ?? null));

export interface BearerConfirmation {
  recipient: string | null;
  notBefore: string | null;
  notOnOrAfter: string | null;
  inResponseTo: string | null;
}

export interface SignedAssertion {
  id: string;
  issuer: string | null;
  nameId: string | null;
  nameIdFormat: string | null;
  sessionIndex: string | null;
  authnInstant: string | null;
  conditionsNotBefore: string | null;
  conditionsNotOnOrAfter: string | null;
  bearerConfirmations: BearerConfirmation[];
  /** Every value of every Attribute element, by Name and by FriendlyName (several elements of one name merge). */
  attributeValues(name: string): string[];
}

export function readSignedAssertion(profile: Profile): SignedAssertion {
  const tree = profile.getAssertion?.() as { Assertion?: XmlNode } | undefined;
  const assertion = tree?.Assertion;
  const id = attr(assertion, "ID");
  if (!assertion || !id) throw reject("no_assertion", "the signed assertion has no ID");
  const subject = first(assertion, "Subject");
  const nameIdNode = first(subject, "NameID");
  const conditions = first(assertion, "Conditions");
  const authn = first(assertion, "AuthnStatement");
  const attributes = list(assertion, "AttributeStatement").flatMap((statement) => list(statement, "Attribute"));
  return {
    id,
    issuer: text(first(assertion, "Issuer"))?.trim() ?? null,
    nameId: text(nameIdNode),
    nameIdFormat: attr(nameIdNode, "Format"),
    sessionIndex: attr(authn, "SessionIndex"),
    authnInstant: attr(authn, "AuthnInstant"),
    conditionsNotBefore: attr(conditions, "NotBefore"),
    conditionsNotOnOrAfter: attr(conditions, "NotOnOrAfter"),
    bearerConfirmations: list(subject, "SubjectConfirmation")
      .filter((confirmation) => attr(confirmation, "Method") === BEARER)
      .map((confirmation) => {
        const data = first(confirmation, "SubjectConfirmationData");
        return {
          recipient: attr(data, "Recipient"),
          notBefore: attr(data, "NotBefore"),
          notOnOrAfter: attr(data, "NotOnOrAfter"),
          inResponseTo: attr(data, "InResponseTo"),
        };
      }),
    attributeValues(name: string): string[] {
      return attributes
        .filter((attribute) => attr(attribute, "Name") === name || attr(attribute, "FriendlyName") === name)
        .flatMap((attribute) => list(attribute, "AttributeValue").map((value) => text(value)))
        .filter((value): value is string => value !== null);
    },
  };
}
