import type { Request, RequestHandler, Response } from "express";

export type SurfaceName = "scim" | "auth" | "admin" | "access";

export interface Surface {
  readonly name: SurfaceName;
  readonly prefix: string;
}

export const SURFACES: readonly Surface[] = [
  { name: "scim", prefix: "/scim/v2" },
  { name: "auth", prefix: "/auth" },
  { name: "admin", prefix: "/admin/v1" },
  { name: "access", prefix: "/access/v1" },
];

/**
 * Mounted at the surface's prefix before body parsing, so errors raised before any surface route
 * (malformed JSON, oversized bodies) are still rendered in that surface's format.
 */
export function enterSurface(surface: Surface): RequestHandler {
  return (_req, res, next) => {
    res.locals.surface = surface.name;
    res.locals.routePrefix = surface.prefix;
    next();
  };
}

export function surfaceOf(res: Response): SurfaceName | undefined {
  const surface: unknown = res.locals.surface;
  return SURFACES.find(({ name }) => name === surface)?.name;
}

/**
 * The matched route pattern (`/scim/v2/Users/:id`), or undefined when no route matched. Built from
 * the static surface prefix rather than `req.baseUrl`: Express restores `baseUrl` as an error leaves
 * a router, and a mount path with parameters would put raw values into metric labels. Sub-routers
 * should therefore be mounted without a path and declare their routes in full (`/Users/:id`).
 */
export function routePatternOf(req: Request, res: Response): string | undefined {
  const route: unknown = req.route;
  if (typeof route !== "object" || route === null || !("path" in route)) return undefined;
  const prefix: unknown = res.locals.routePrefix;
  return `${typeof prefix === "string" ? prefix : ""}${String(route.path)}`;
}

/** The request path without its query string, which can carry filters with personal data or tokens. */
export function pathOf(req: Request): string {
  const url = req.originalUrl;
  const queryStart = url.indexOf("?");
  return queryStart === -1 ? url : url.slice(0, queryStart);
}
