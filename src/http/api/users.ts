// The workspace's users (owners only; the role gate in http/auth.ts keeps everyone else out).
import type { AppContext } from '../../app/context.js';
import { createUser, deleteUser, listUsers, newSetupLink, updateUser } from '../../app/users.js';
import { sendResult } from '../errors.js';
import * as c from '../../contract/index.js';
import type { Api } from './types.js';

const tags = ['users'];
const UserId = c.UserIdSchema;
const problems = { ...c.errorResponses, 403: c.RefTo(c.ProblemSchema) };

export function userRoutes(app: Api, ctx: AppContext): void {
  app.get(
    '/users',
    {
      schema: {
        tags,
        summary: "The workspace's users (owners only)",
        response: { 200: c.UserListSchema, ...problems },
      },
    },
    async (req) => listUsers(ctx, req.actor),
  );

  app.post(
    '/users',
    {
      schema: {
        tags,
        summary: 'Invite a user: answers a setup link (also emailed when email is configured)',
        body: c.UserCreateSchema,
        response: { 201: c.UserCreatedSchema, ...problems },
      },
    },
    async (req, reply) => sendResult(reply, await createUser(ctx, req.actor, req.body), 201),
  );

  app.patch(
    '/users/:id',
    {
      schema: {
        tags,
        summary: "Change a user's role or name (the last owner stays an owner)",
        params: UserId,
        body: c.UserUpdateSchema,
        response: { 200: c.UserItemSchema, ...problems },
      },
    },
    async (req, reply) => sendResult(reply, await updateUser(ctx, req.actor, req.params.id, req.body)),
  );

  app.delete(
    '/users/:id',
    {
      schema: {
        tags,
        summary: 'Remove a user and end their sessions (never the last owner)',
        params: UserId,
        response: { 200: c.UserDeletedSchema, ...problems },
      },
    },
    async (req, reply) => sendResult(reply, await deleteUser(ctx, req.actor, req.params.id)),
  );

  app.post(
    '/users/:id/setup-link',
    {
      schema: {
        tags,
        summary: 'A new setup link for a user who lost theirs or forgot their password; earlier links stop working',
        params: UserId,
        response: { 200: c.SetupLinkSchema, ...problems },
      },
    },
    async (req, reply) => sendResult(reply, await newSetupLink(ctx, req.actor, req.params.id)),
  );
}
