/**
 * Reads the unsigned outer parts of a SAML protocol message (Response / LogoutRequest / LogoutResponse) from the
 * xmldom tree: Destination, InResponseTo, Issuer, Status, and how the assertion is carried. These feed checks
 * only; identity is never read from here (it comes from node-saml's profile of the signed assertion).
 */
import { reject } from "./reasons.js";

export const PROTOCOL_NS = "urn:oasis:names:tc:SAML:2.0:protocol";
export const ASSERTION_NS = "urn:oasis:names:tc:SAML:2.0:assertion";
const DSIG_NS = "http://www.w3.org/2000/09/xmldsig#";
export const STATUS_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success";

export interface Envelope {
  kind: string;
  id: string | null;
  destination: string | null;
  inResponseTo: string | null;
  issuer: string | null;
  statusCode: string | null;
  assertion: "plain-signed" | "plain-unsigned" | "encrypted" | "none";
}

function children(parent: Element, namespace: string, localName: string): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node !== null; node = node.nextSibling) {
    const element = node as Element;
    if (node.nodeType === 1 && element.localName === localName && element.namespaceURI === namespace) found.push(element);
  }
  return found;
}

function attribute(element: Element, name: string): string | null {
  return element.hasAttribute(name) ? element.getAttribute(name) : null;
}

export function readEnvelope(document: Document, expectedKinds: string[]): Envelope {
  const root = document.documentElement;
  if (root.namespaceURI !== PROTOCOL_NS || !expectedKinds.includes(root.localName)) {
    throw reject("malformed", `expected a SAML ${expectedKinds.join(" or ")}`);
  }
  const issuers = children(root, ASSERTION_NS, "Issuer");
  const statuses = children(root, PROTOCOL_NS, "Status");
  const statusCode = statuses[0] ? children(statuses[0], PROTOCOL_NS, "StatusCode")[0] : undefined;
  const plain = children(root, ASSERTION_NS, "Assertion");
  const encrypted = children(root, ASSERTION_NS, "EncryptedAssertion");
  let assertion: Envelope["assertion"] = "none";
  if (encrypted.length > 0) assertion = "encrypted";
  else if (plain[0]) assertion = children(plain[0], DSIG_NS, "Signature").length > 0 ? "plain-signed" : "plain-unsigned";
  return {
    kind: root.localName,
    id: attribute(root, "ID"),
    destination: attribute(root, "Destination"),
    inResponseTo: attribute(root, "InResponseTo"),
    issuer: issuers.length > 0 ? (issuers[0]!.textContent ?? "").trim() : null,
    statusCode: statusCode ? attribute(statusCode, "Value") : null,
    assertion,
  };
}

/** True when the message element itself carries an enveloped XML signature. */
export function hasOwnSignature(document: Document): boolean {
  return children(document.documentElement, DSIG_NS, "Signature").length > 0;
}
