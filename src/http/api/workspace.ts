import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../app/context.js';
import { createApiKey, getWorkspace, listApiKeys, revokeApiKey, updateWorkspace } from '../../app/workspaces.js';
import { maySeeSecrets } from '../../core/roles.js';
import { sendResult } from '../errors.js';
import * as s from '../schemas.js';
import type { Api } from './types.js';

const tags = ['workspace'];

export function workspaceRoutes(app: Api, ctx: AppContext): void {
  app.get('/workspace', {
    schema: { tags, summary: "The API key's workspace", response: { 200: s.Workspace, ...s.errorResponses } },
  }, async (req, reply) => sendResult(reply, await getWorkspace(ctx, req.actor, { secrets: maySeeSecrets(req.auth.role) })));

  app.patch('/workspace', {
    schema: { tags, summary: 'Edit the workspace (name, time zone, currency)', body: s.WorkspaceUpdate, response: { 200: s.Workspace, ...s.errorResponses } },
  }, async (req, reply) => sendResult(reply, await updateWorkspace(ctx, req.actor, req.body, { secrets: maySeeSecrets(req.auth.role) })));

  app.get('/api-keys', {
    schema: { tags, summary: "The workspace's API keys (never the keys themselves)", response: { 200: Type.Object({ data: Type.Array(s.ApiKey) }), ...s.errorResponses } },
  }, async (req) => ({ data: await listApiKeys(ctx, req.actor) }));

  app.post('/api-keys', {
    schema: {
      tags, summary: 'Create an API key; the key is shown once',
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
      response: { 201: Type.Object({ id: Type.String(), name: Type.String(), prefix: Type.String(), key: Type.String(), createdAt: Type.String() }), ...s.errorResponses },
    },
  }, async (req, reply) => reply.code(201).send(await createApiKey(ctx, req.actor, req.body.name)));

  app.delete('/api-keys/:id', {
    schema: {
      tags, summary: 'Revoke an API key', params: s.IdParam(s.ids.apiKey),
      response: { 200: Type.Object({ revoked: Type.Boolean() }), ...s.errorResponses },
    },
  }, async (req, reply) => sendResult(reply, await revokeApiKey(ctx, req.actor, req.params.id)));
}
