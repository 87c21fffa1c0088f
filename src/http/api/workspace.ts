import type { AppContext } from '../../app/context.js';
import { createApiKey, getWorkspace, listApiKeys, revokeApiKey, updateWorkspace } from '../../app/workspaces.js';
import { maySeeSecrets } from '../../core/roles.js';
import { sendResult } from '../errors.js';
import * as c from '../../contract/index.js';
import type { Api } from './types.js';

const tags = ['workspace'];

export function workspaceRoutes(app: Api, ctx: AppContext): void {
  app.get(
    '/workspace',
    {
      schema: { tags, summary: "The API key's workspace", response: { 200: c.WorkspaceSchema, ...c.errorResponses } },
    },
    async (req, reply) =>
      sendResult(reply, await getWorkspace(ctx, req.actor, { secrets: maySeeSecrets(req.auth.role) })),
  );

  app.patch(
    '/workspace',
    {
      schema: {
        tags,
        summary: 'Edit the workspace (name, time zone, currency, default hold days)',
        body: c.WorkspaceUpdateSchema,
        response: { 200: c.WorkspaceSchema, ...c.errorResponses },
      },
    },
    async (req, reply) =>
      sendResult(reply, await updateWorkspace(ctx, req.actor, req.body, { secrets: maySeeSecrets(req.auth.role) })),
  );

  app.get(
    '/api-keys',
    {
      schema: {
        tags,
        summary: "The workspace's API keys (never the keys themselves)",
        response: { 200: c.ApiKeyListSchema, ...c.errorResponses },
      },
    },
    async (req) => ({ data: await listApiKeys(ctx, req.actor) }),
  );

  app.post(
    '/api-keys',
    {
      schema: {
        tags,
        summary: 'Create an API key; the key is shown once',
        body: c.ApiKeyCreateSchema,
        response: { 201: c.ApiKeyCreatedSchema, ...c.errorResponses },
      },
    },
    async (req, reply) => reply.code(201).send(await createApiKey(ctx, req.actor, req.body.name)),
  );

  app.delete(
    '/api-keys/:id',
    {
      schema: {
        tags,
        summary: 'Revoke an API key',
        params: c.IdParam(c.ids.apiKey),
        response: { 200: c.ApiKeyRevokedSchema, ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await revokeApiKey(ctx, req.actor, req.params.id)),
  );
}
