// The API contract: every request and response schema of the admin API (/api/v1) and the portal (/api/portal), by
// resource, each with its static type. The server validates, serializes and documents with the schemas; the web apps
// import the types only (`import type`), so what the browser expects is what the server answers.
import { ProblemSchema } from './common.js';
import { CodeSchema, LinkSchema } from './links-codes.js';
import { MemberSchema } from './members.js';
import { OfferSchema, PayoutOptionSchema } from './offers.js';

export * from './common.js';
export * from './offers.js';
export * from './members.js';
export * from './links-codes.js';
export * from './conversions.js';
export * from './reports.js';
export * from './payouts.js';
export * from './alerts.js';
export * from './emails.js';
export * from './users-auth.js';
export * from './webhooks.js';
export * from './workspace.js';
export * from './portal.js';
export * from './setup.js';

/** The schemas other schemas name by $id (`{ "$ref": "Offer" }`): registered once with Fastify, in this order. */
export const sharedSchemas = [ProblemSchema, PayoutOptionSchema, OfferSchema, MemberSchema, LinkSchema, CodeSchema];
