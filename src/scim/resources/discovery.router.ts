import express, { type Router } from "express";
import { resourceTypeDocuments, schemaDocuments, serviceProviderConfigDocument } from "../protocol/schemas.js";
import { LIST_RESPONSE_SCHEMA } from "../protocol/schema.js";
import { ScimError } from "../protocol/scim-error.js";
import { sendScim } from "./scim-http.js";

/** Rewrites the relative `meta.location` of the documents under scim-schemas/ to absolute URLs. */
function located<T extends { meta: { location?: string } }>(document: T, baseUrl: string): T {
  const location = document.meta.location;
  return { ...document, meta: { ...document.meta, ...(location ? { location: `${baseUrl}${location}` } : {}) } };
}

function listOf(documents: unknown[]): Record<string, unknown> {
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults: documents.length, itemsPerPage: documents.length, startIndex: 1, Resources: documents };
}

/**
 * RFC 7644 §4: what this service provider supports, served from the same JSON documents the protocol
 * code validates and projects with, so the advertisement cannot drift from the behaviour.
 */
export function createDiscoveryRouter(baseUrl: string): Router {
  const router = express.Router();
  router.get("/ServiceProviderConfig", (_req, res) => sendScim(res, 200, located(serviceProviderConfigDocument(), baseUrl)));
  router.get("/ResourceTypes", (_req, res) => sendScim(res, 200, listOf(resourceTypeDocuments().map((d) => located(d, baseUrl)))));
  router.get("/ResourceTypes/:id", (req, res) => {
    const found = resourceTypeDocuments().find((d) => d.id === req.params.id);
    if (!found) throw new ScimError(404, undefined, `Resource type ${req.params.id} not found`);
    sendScim(res, 200, located(found, baseUrl));
  });
  router.get("/Schemas", (_req, res) => sendScim(res, 200, listOf(schemaDocuments().map((d) => located(d, baseUrl)))));
  router.get("/Schemas/:id", (req, res) => {
    const found = schemaDocuments().find((d) => d.id === req.params.id);
    if (!found) throw new ScimError(404, undefined, `Schema ${req.params.id} not found`);
    sendScim(res, 200, located(found, baseUrl));
  });
  return router;
}
