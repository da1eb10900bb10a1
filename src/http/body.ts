import express, { type RequestHandler } from "express";
import { unsupportedMediaType } from "./errors.js";

export const JSON_MEDIA_TYPES = ["application/json", "application/scim+json", "application/*+json"];

const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

export function createJsonBodyParser(limit: string): RequestHandler {
  return express.json({ limit, type: JSON_MEDIA_TYPES });
}

/**
 * The JSON APIs accept nothing else: without this, a form-encoded or text body would reach the
 * handler as an undefined `req.body` and be reported as a missing field instead of a wrong type.
 */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  // `req.is` is null when the request carries no body at all; that is for the handler to judge. An empty
  // body (Content-Length: 0, what fetch and most clients send for a body-less PUT) is no body either.
  const empty = req.get("content-length") === "0";
  if (BODY_METHODS.has(req.method) && !empty && req.is(JSON_MEDIA_TYPES) === false) {
    next(unsupportedMediaType());
    return;
  }
  next();
};
