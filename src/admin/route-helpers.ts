import type { Request, RequestHandler } from "express";
import { ApiError } from "../http/errors.js";

/** RFC 9110 §15.5.6: a 405 says which methods the endpoint does support. */
export const methodNotAllowed =
  (...allowed: string[]): RequestHandler =>
  (req, res) => {
    res.set("Allow", allowed.join(", "));
    throw new ApiError(405, "method_not_allowed", `${req.method} is not supported on this endpoint; use ${allowed.join(" or ")}`);
  };

/** A path parameter as a string (Express 5 types them loosely). */
export const param = (req: Request, name: string): string => String(req.params[name]);

/** A 400 naming every problem at once, like the body validator's. */
export function invalidRequest(problems: readonly string[]): ApiError {
  return new ApiError(400, "invalid_request", problems.join("; "), { problems: [...problems] });
}
