/**
 * Downloads an IdP's SAML metadata from the URL an admin gives (issue 6: "import IdP metadata (XML or URL)").
 * The server makes this request on the admin's behalf, so it is bounded: https only (http only where the server
 * allows insecure IdP requests), no redirects (a redirect could lead anywhere, including plain http), a timeout,
 * and a size limit read from the stream rather than trusted from Content-Length. Failures never echo the body.
 * Unless insecure IdP requests are allowed, a host that resolves to a loopback, private or link-local address is
 * refused, so the endpoint cannot be used to read the server's own network (DNS rebinding between this check and
 * the request remains possible; the redirect ban and the XML-only parsing limit what it could yield).
 */
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { ApiError } from "../http/errors.js";
import { invalidRequest } from "./route-helpers.js";

export const METADATA_FETCH_TIMEOUT_MS = 10_000;
/** The connection service accepts metadata XML of at most this many characters. */
export const METADATA_MAX_BYTES = 1_000_000;

export interface MetadataFetchOptions {
  allowInsecure: boolean;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

const refuse = (problem: string) => invalidRequest([`url: ${problem}`]);

const INTERNAL = new BlockList();
for (const [network, prefix] of [["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12], ["192.168.0.0", 16]] as const) {
  INTERNAL.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [["::", 128], ["::1", 128], ["fc00::", 7], ["fe80::", 10]] as const) INTERNAL.addSubnet(network, prefix, "ipv6");

function isInternal(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const plain = mapped ?? address;
  return INTERNAL.check(plain, isIP(plain) === 6 ? "ipv6" : "ipv4");
}

/** Refuses a host that is, or resolves to, an address inside the server's own networks. */
async function refuseInternalHost(url: URL): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  if (isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true })).map((entry) => entry.address);
    } catch {
      throw refuse("its host name does not resolve");
    }
  }
  if (addresses.some(isInternal)) throw refuse("its host is a loopback, private or link-local address");
}

function parseUrl(raw: string, allowInsecure: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse("is not an absolute URL");
  }
  if (url.protocol !== "https:" && !(allowInsecure && url.protocol === "http:")) throw refuse("must be an https:// URL");
  if (url.username !== "" || url.password !== "") throw refuse("must not carry credentials");
  return url;
}

async function readBounded(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string> {
  if (body === null) return "";
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw refuse(`the metadata is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export async function fetchIdpMetadata(raw: string, options: MetadataFetchOptions): Promise<string> {
  const url = parseUrl(raw, options.allowInsecure);
  if (!options.allowInsecure) await refuseInternalHost(url);
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(url, {
      redirect: "error",
      headers: { Accept: "application/samlmetadata+xml, application/xml, text/xml" },
      signal: AbortSignal.timeout(options.timeoutMs ?? METADATA_FETCH_TIMEOUT_MS),
    });
  } catch (error) {
    const timedOut = (error as { name?: unknown } | null)?.name === "TimeoutError";
    throw refuse(timedOut ? `no answer within ${(options.timeoutMs ?? METADATA_FETCH_TIMEOUT_MS) / 1000} s` : "could not be downloaded (unreachable, TLS failure or a redirect)");
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw refuse(`the server answered HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > METADATA_MAX_BYTES) {
    await response.body?.cancel();
    throw refuse(`the metadata is larger than ${METADATA_MAX_BYTES} bytes`);
  }
  try {
    return await readBounded(response.body, METADATA_MAX_BYTES);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    const timedOut = (error as { name?: unknown } | null)?.name === "TimeoutError";
    throw refuse(timedOut ? `no answer within ${(options.timeoutMs ?? METADATA_FETCH_TIMEOUT_MS) / 1000} s` : "the download broke off");
  }
}
