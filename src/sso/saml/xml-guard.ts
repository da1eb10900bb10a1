/**
 * What runs before any XML parser sees an IdP message: size limits, no DOCTYPE/ENTITY (XXE, billion laughs), one
 * root element, and bounded counts of the elements signature verification walks (Transforms, References,
 * Signatures) and of assertions (signature wrapping hides a second one). A cheap character scan, not a parser:
 * it only refuses; the real parser (xmldom, the one node-saml uses) decides everything else.
 */
import { inflateRawSync } from "node:zlib";
import { DOMParser } from "@xmldom/xmldom";
import { SignInRejected } from "../identity.js";

/** Base64 characters of a POSTed SAMLResponse / SAMLRequest. */
export const MAX_ENCODED_BYTES = 512 * 1024;
const MAX_XML_BYTES = 512 * 1024;
const MAX_ELEMENTS = 20_000;
const MAX_DEPTH = 64;
const LIMITS: Record<string, number> = { Transform: 6, Reference: 3, Signature: 3, Assertion: 1, EncryptedAssertion: 1 };

export interface XmlShape {
  roots: number;
  elements: number;
  depth: number;
  counts: Record<string, number>;
}

/** Decodes a base64 form field (POST binding) and checks the XML inside. */
export function decodePostMessage(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length === 0) throw new SignInRejected("malformed", `${field} is missing`);
  if (value.length > MAX_ENCODED_BYTES) throw new SignInRejected("too_large", `${field} is larger than ${MAX_ENCODED_BYTES} bytes`);
  if (!/^[A-Za-z0-9+/=\s]+$/.test(value)) throw new SignInRejected("malformed", `${field} is not base64`);
  return guardXml(utf8(Buffer.from(value, "base64")));
}

/** Decodes a base64 + DEFLATE query parameter (Redirect binding), never inflating past the XML size limit. */
export function decodeRedirectMessage(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length === 0) throw new SignInRejected("malformed", `${field} is missing`);
  if (value.length > MAX_ENCODED_BYTES) throw new SignInRejected("too_large", `${field} is larger than ${MAX_ENCODED_BYTES} bytes`);
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(Buffer.from(value, "base64"), { maxOutputLength: MAX_XML_BYTES });
  } catch (error) {
    const tooLarge = (error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE";
    throw new SignInRejected(tooLarge ? "too_large" : "malformed", tooLarge ? `${field} inflates past ${MAX_XML_BYTES} bytes` : `${field} is not DEFLATE-compressed`);
  }
  return guardXml(utf8(inflated));
}

function utf8(bytes: Buffer): string {
  if (bytes.length > MAX_XML_BYTES) throw new SignInRejected("too_large", `the message is larger than ${MAX_XML_BYTES} bytes`);
  // A UTF-16 document would slip past the text checks below; SAML bindings send UTF-8.
  if (bytes.includes(0)) throw new SignInRejected("malformed", "the message is not UTF-8 XML");
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Refuses what must never reach a parser; returns the XML unchanged. */
export function guardXml(xml: string): string {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new SignInRejected("doctype_forbidden", "the message carries a DOCTYPE or ENTITY declaration");
  const shape = scanXml(xml);
  if (shape.roots !== 1) throw new SignInRejected("malformed", `the message has ${shape.roots} root elements (exactly one allowed)`);
  if (shape.elements > MAX_ELEMENTS || shape.depth > MAX_DEPTH) throw new SignInRejected("too_complex", "the message has too many or too deeply nested elements");
  for (const [name, limit] of Object.entries(LIMITS)) {
    const count = shape.counts[name] ?? 0;
    if (count <= limit) continue;
    if (name === "Assertion" || name === "EncryptedAssertion") throw new SignInRejected("multiple_assertions", "the message carries more than one assertion");
    throw new SignInRejected("too_complex", `the message has ${count} ${name} elements (at most ${limit})`);
  }
  if ((shape.counts.Assertion ?? 0) + (shape.counts.EncryptedAssertion ?? 0) > 1) throw new SignInRejected("multiple_assertions", "the message carries more than one assertion");
  return xml;
}

/** Counts roots, elements, depth and local names of interest, skipping comments, PIs, CDATA and quoted attribute values. */
export function scanXml(xml: string): XmlShape {
  const shape: XmlShape = { roots: 0, elements: 0, depth: 0, counts: {} };
  let depth = 0;
  let i = 0;
  const skipPast = (marker: string): void => {
    const end = xml.indexOf(marker, i);
    if (end < 0) throw new SignInRejected("malformed", "the message is not well-formed XML");
    i = end + marker.length;
  };
  while ((i = xml.indexOf("<", i)) >= 0) {
    if (xml.startsWith("<!--", i)) skipPast("-->");
    else if (xml.startsWith("<![CDATA[", i)) skipPast("]]>");
    else if (xml.startsWith("<?", i)) skipPast("?>");
    else if (xml.startsWith("<!", i)) throw new SignInRejected("doctype_forbidden", "the message carries a markup declaration");
    else if (xml.startsWith("</", i)) {
      skipPast(">");
      depth -= 1;
    } else {
      const { end, selfClosing, name } = readStartTag(xml, i);
      if (depth === 0) shape.roots += 1;
      shape.elements += 1;
      const local = name.slice(name.indexOf(":") + 1);
      if (local in LIMITS) shape.counts[local] = (shape.counts[local] ?? 0) + 1;
      if (!selfClosing) depth += 1;
      shape.depth = Math.max(shape.depth, depth);
      i = end;
    }
  }
  return shape;
}

function readStartTag(xml: string, start: number): { end: number; selfClosing: boolean; name: string } {
  const nameMatch = /^<([^\s/>]+)/.exec(xml.slice(start, start + 256));
  if (!nameMatch) throw new SignInRejected("malformed", "the message is not well-formed XML");
  let i = start + nameMatch[0].length;
  let quote: string | null = null;
  for (; i < xml.length; i += 1) {
    const c = xml[i];
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ">") return { end: i + 1, selfClosing: xml[i - 1] === "/", name: nameMatch[1]! };
  }
  throw new SignInRejected("malformed", "the message is not well-formed XML");
}

/** Parses guarded XML with xmldom, turning every parser error or warning into a "malformed" rejection. */
export function parseGuardedXml(xml: string): Document {
  const fail = (): never => {
    throw new SignInRejected("malformed", "the message is not well-formed XML");
  };
  let document: Document | undefined;
  try {
    document = new DOMParser({ errorHandler: { warning: fail, error: fail, fatalError: fail } }).parseFromString(xml, "text/xml");
  } catch {
    fail();
  }
  if (!document?.documentElement) fail();
  return document!;
}
