/**
 * Where a finished sign-in may send the browser: a path on this server, or a URL on an allow-listed origin
 * (SSO_RETURN_TO_ORIGINS). Anything else — other hosts, `//evil`, `javascript:`, backslashes, control
 * characters — falls back to the default, so Gatehouse is never an open redirect.
 */
export interface ReturnToPolicy {
  /** The safe target for `requested`, or the default. */
  resolve(requested: unknown): string;
}

export function createReturnToPolicy(publicBaseUrl: string, extraOrigins: string): ReturnToPolicy {
  const own = new URL(publicBaseUrl).origin;
  const origins = new Set([own]);
  for (const raw of extraOrigins.split(",").map((o) => o.trim()).filter(Boolean)) {
    try {
      const url = new URL(raw);
      if (url.protocol === "https:" || url.protocol === "http:") origins.add(url.origin);
    } catch {
      // an unparseable entry allows nothing
    }
  }
  const fallback = `${own}/auth/session`;
  return {
    resolve(requested) {
      if (typeof requested !== "string" || requested.length === 0 || requested.length > 2_000) return fallback;
      if (/[\p{Cc}\\]/u.test(requested)) return fallback;
      if (requested.startsWith("/") && !requested.startsWith("//")) return `${own}${requested}`;
      try {
        const url = new URL(requested);
        return origins.has(url.origin) && (url.protocol === "https:" || url.protocol === "http:") ? url.href : fallback;
      } catch {
        return fallback;
      }
    },
  };
}
