// The workspace's users (owners only; the role gate in http/auth.ts keeps everyone else out).
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../app/context.js';
import { createUser, deleteUser, listUsers, newSetupLink, updateUser } from '../../app/users.js';
import { sendResult } from '../errors.js';
import * as s from '../schemas.js';
import type { Api } from './types.js';

const tags = ['users'];
const Role = Type.Union([Type.Literal('owner'), Type.Literal('manager'), Type.Literal('viewer')], {
  description: 'owner: everything; manager: everything except users and API keys; viewer: read only',
});
const UserId = s.IdParam(Type.String({ pattern: '^usr_[0-9a-z]{26}$', description: 'Id starting with usr_' }));
const problems = { ...s.errorResponses, 403: Type.Ref('Problem') };

const UserItem = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Role,
  mustChangePassword: Type.Boolean(),
  invited: Type.Boolean({ description: 'True until the user has set a password from their setup link.' }),
  createdAt: Type.String({ format: 'date-time' }),
  lastLoginAt: Type.Unsafe<string | null>({ type: ['string', 'null'], format: 'date-time' }),
});
const SetupLink = {
  setupUrl: Type.String({ description: 'Single use, valid 72 hours: /app/setup?token=…' }),
  expiresAt: Type.String({ format: 'date-time' }),
};

export function userRoutes(app: Api, ctx: AppContext): void {
  app.get('/users', {
    schema: { tags, summary: "The workspace's users (owners only)", response: { 200: Type.Object({ data: Type.Array(UserItem) }), ...problems } },
  }, async (req) => listUsers(ctx, req.actor));

  app.post('/users', {
    schema: {
      tags, summary: 'Invite a user: answers a setup link (also emailed when email is configured)',
      body: Type.Object(
        { email: Type.String({ minLength: 3, maxLength: 254 }), name: Type.String({ minLength: 1, maxLength: 200 }), role: Role },
        { additionalProperties: false },
      ),
      response: { 201: Type.Object({ user: UserItem, ...SetupLink }), ...problems },
    },
  }, async (req, reply) => sendResult(reply, await createUser(ctx, req.actor, req.body), 201));

  app.patch('/users/:id', {
    schema: {
      tags, summary: "Change a user's role or name (the last owner stays an owner)", params: UserId,
      body: Type.Object({ role: Type.Optional(Role), name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: false, minProperties: 1 }),
      response: { 200: UserItem, ...problems },
    },
  }, async (req, reply) => sendResult(reply, await updateUser(ctx, req.actor, req.params.id, req.body)));

  app.delete('/users/:id', {
    schema: { tags, summary: 'Remove a user and end their sessions (never the last owner)', params: UserId, response: { 200: Type.Object({ deleted: Type.Boolean() }), ...problems } },
  }, async (req, reply) => sendResult(reply, await deleteUser(ctx, req.actor, req.params.id)));

  app.post('/users/:id/setup-link', {
    schema: {
      tags, summary: 'A new setup link for a user who lost theirs or forgot their password; earlier links stop working', params: UserId,
      response: { 200: Type.Object(SetupLink), ...problems },
    },
  }, async (req, reply) => sendResult(reply, await newSetupLink(ctx, req.actor, req.params.id)));
}
