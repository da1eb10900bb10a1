/**
 * A minimal OpenID Provider for the SSO benchmark, in its own process (spawned by bench/sso-login/op-process.ts
 * with an IPC channel): a discovery document, a JWKS and a token endpoint on 127.0.0.1, nothing else. The
 * benchmark registers each authorization code before measuring (code, PKCE challenge, redirect URI, claims with
 * the nonce Gatehouse asked for); the ID token is signed at registration, so during the measurement a token
 * request costs this process a form parse, a PKCE hash and a lookup — the callback figure is Gatehouse's own
 * handling plus one loopback HTTP round trip. The token endpoint still checks what a real OP checks (client
 * authentication, redirect URI, PKCE, one use per code) and counts refusals.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { SignJWT, exportJWK, generateKeyPair } from "jose";

export interface CodeGrant {
  code: string;
  codeChallenge: string;
  redirectUri: string;
  claims: Record<string, unknown>;
}

export type OpRequest = { op: "register"; grants: CodeGrant[] } | { op: "stats" };

export interface OpStats {
  tokenRequests: number;
  refused: number;
  refusals: string[];
  discoveryRequests: number;
  jwksRequests: number;
}

const CLIENT_ID = process.env.BENCH_OP_CLIENT_ID ?? "gatehouse-bench";
const CLIENT_SECRET = process.env.BENCH_OP_CLIENT_SECRET ?? "";
if (CLIENT_SECRET === "") throw new Error("BENCH_OP_CLIENT_SECRET is required");

const { privateKey, publicKey } = await generateKeyPair("RS256");
const jwk = { ...(await exportJWK(publicKey)), kid: randomBytes(8).toString("hex"), alg: "RS256", use: "sig" };
const codes = new Map<string, { codeChallenge: string; redirectUri: string; body: string }>();
const stats: OpStats = { tokenRequests: 0, refused: 0, refusals: [], discoveryRequests: 0, jwksRequests: 0 };
let issuer = "";

/** RFC 6749 §2.3.1: client_secret_basic carries both halves form-urlencoded inside the Basic credentials. */
function authenticates(header: string | undefined): boolean {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? "");
  if (!match) return false;
  const decoded = Buffer.from(match[1] as string, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return false;
  const formDecode = (value: string): string => decodeURIComponent(value.replace(/\+/g, " "));
  try {
    const same = (given: string, expected: string) => {
      const a = Buffer.from(given);
      const b = Buffer.from(expected);
      return a.length === b.length && timingSafeEqual(a, b);
    };
    return same(formDecode(decoded.slice(0, colon)), CLIENT_ID) && same(formDecode(decoded.slice(colon + 1)), CLIENT_SECRET);
  } catch {
    return false;
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function refuse(res: ServerResponse, reason: string): void {
  stats.refused += 1;
  if (stats.refusals.length < 10) stats.refusals.push(reason);
  json(res, 400, { error: "invalid_grant", error_description: reason });
}

function token(req: IncomingMessage, res: ServerResponse, body: string): void {
  stats.tokenRequests += 1;
  if (!authenticates(req.headers.authorization)) {
    json(res, 401, { error: "invalid_client" });
    stats.refused += 1;
    return;
  }
  const form = new URLSearchParams(body);
  const code = form.get("code") ?? "";
  const grant = codes.get(code);
  if (form.get("grant_type") !== "authorization_code" || !grant) return refuse(res, "unknown or used code");
  codes.delete(code);
  if (form.get("redirect_uri") !== grant.redirectUri) return refuse(res, "redirect_uri differs");
  const verifier = form.get("code_verifier") ?? "";
  if (createHash("sha256").update(verifier).digest("base64url") !== grant.codeChallenge) return refuse(res, "PKCE verifier does not match");
  res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store", "content-length": Buffer.byteLength(grant.body) });
  res.end(grant.body);
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/.well-known/openid-configuration") {
      stats.discoveryRequests += 1;
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        code_challenge_methods_supported: ["S256"],
        token_endpoint_auth_methods_supported: ["client_secret_basic"],
        grant_types_supported: ["authorization_code"],
      });
    }
    if (req.method === "GET" && path === "/jwks") {
      stats.jwksRequests += 1;
      return json(res, 200, { keys: [jwk] });
    }
    if (req.method === "POST" && path === "/token") return token(req, res, Buffer.concat(chunks).toString("utf8"));
    json(res, 404, { error: "not_found" });
  });
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const address = server.address();
const port = typeof address === "object" && address ? address.port : 0;
issuer = `http://127.0.0.1:${port}`;

async function register(grants: CodeGrant[]): Promise<number> {
  const now = Math.floor(Date.now() / 1000);
  for (const grant of grants) {
    const idToken = await new SignJWT({ ...grant.claims, auth_time: now })
      .setProtectedHeader({ alg: "RS256", kid: jwk.kid, typ: "JWT" })
      .setIssuer(issuer)
      .setAudience(CLIENT_ID)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(privateKey);
    const body = JSON.stringify({ access_token: randomBytes(24).toString("base64url"), token_type: "Bearer", expires_in: 3600, id_token: idToken });
    codes.set(grant.code, { codeChallenge: grant.codeChallenge, redirectUri: grant.redirectUri, body });
  }
  return codes.size;
}

process.on("message", (message: { id: number; request: OpRequest }) => {
  const work = message.request.op === "register" ? register(message.request.grants) : Promise.resolve(stats);
  work.then(
    (result) => process.send?.({ id: message.id, result }),
    (error: Error) => process.send?.({ id: message.id, error: error.stack ?? String(error) }),
  );
});
const stop = () => {
  server.closeAllConnections();
  server.close();
  process.exit(0);
};
process.once("disconnect", stop);
process.once("SIGTERM", stop);
process.send?.({ ready: true, issuer, pid: process.pid });
