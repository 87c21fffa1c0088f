// Who is asking: a bearer API key (scripts, integrations) or a signed-in user's session cookie (the dashboard).
// Either way every request is scoped to one workspace. Session requests that change state must also prove they come
// from our own pages (X-CSRF-Token), and are held to the user's role.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor, AppContext } from '../app/context.js';
import { memberSession, type MemberSession } from '../app/portal-sign-in.js';
import { isTokenShaped } from '../app/sessions.js';
import { userSession, type UserSession } from '../app/sign-in.js';
import { sameSecret } from '../core/passwords.js';
import { isStateChanging, roleDenial, type Role } from '../core/roles.js';
import { findActiveApiKey, touchApiKey } from '../db/workspaces.js';
import { CSRF_HEADER, MEMBER_COOKIE, readCookie, USER_COOKIE } from './cookies.js';
import { sendProblem } from './errors.js';

export interface RequestAuth {
  kind: 'api_key' | 'user';
  /** An API key acts with an owner's rights: only owners can make one. */
  role: Role;
  session: UserSession | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
    auth: RequestAuth;
    member: MemberSession;
  }
}

/** last_used_at is written at most once a minute per key, not on every request. */
const TOUCH_EVERY_MS = 60_000;

export function csrfMatches(request: FastifyRequest, expected: string): boolean {
  const sent = request.headers[CSRF_HEADER];
  return typeof sent === 'string' && sameSecret(sent, expected);
}

/** The user session of the request's tp_session cookie, if any (no CSRF or role check: callers decide). */
export async function userSessionOf(ctx: AppContext, request: FastifyRequest): Promise<UserSession | null> {
  const token = readCookie(request.headers.cookie, USER_COOKIE);
  return isTokenShaped(token) ? userSession(ctx, token) : null;
}

export async function memberSessionOf(ctx: AppContext, request: FastifyRequest): Promise<MemberSession | null> {
  const token = readCookie(request.headers.cookie, MEMBER_COOKIE);
  return isTokenShaped(token) ? memberSession(ctx, token) : null;
}

export function csrfFailed(reply: FastifyReply): FastifyReply {
  return sendProblem(reply, {
    code: 'csrf_failed',
    message: "Send the tp_csrf cookie's value in the X-CSRF-Token header.",
  });
}

/** The admin API's gate: an API key in Authorization, else a user session cookie. */
export function apiAuth(ctx: AppContext) {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> {
    const header = request.headers.authorization;
    if (header !== undefined) {
      // An Authorization header is never second-guessed by a cookie: a bad key is a 401 whatever else was sent.
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) {
        return sendProblem(reply, {
          code: 'unauthorized',
          message: 'Send an API key as "Authorization: Bearer tpk_…".',
        });
      }
      const key = await findActiveApiKey(ctx.store.db, match[1]!);
      if (!key) return sendProblem(reply, { code: 'unauthorized', message: 'The API key is unknown or revoked.' });
      const now = ctx.clock();
      if (key.last_used_at === null || now - key.last_used_at > TOUCH_EVERY_MS)
        await touchApiKey(ctx.store.db, key.id, now);
      request.actor = { workspaceId: key.workspace_id, actor: `api_key:${key.id}` };
      request.auth = { kind: 'api_key', role: 'owner', session: null };
      return;
    }
    const session = await userSessionOf(ctx, request);
    if (!session) {
      return sendProblem(reply, {
        code: 'unauthorized',
        message: 'Sign in, or send an API key as "Authorization: Bearer tpk_…".',
      });
    }
    if (isStateChanging(request.method) && !csrfMatches(request, session.csrfToken)) return csrfFailed(reply);
    // A one-time password (first start, `user reset-password`) opens nothing until it is replaced: whoever read it in a
    // log or a terminal must not get a working session. /auth/password, /auth/me and /auth/logout sit outside this gate.
    if (session.user.mustChangePassword) {
      return sendProblem(reply, {
        code: 'password_change_required',
        message:
          'Choose a new password first (POST /api/v1/auth/password): this account signed in with a one-time password.',
      });
    }
    const denial = roleDenial(session.user.role, request.method, request.routeOptions.url ?? request.url);
    if (denial) {
      const message =
        denial === 'owner_only'
          ? 'Only an owner can manage users and API keys.'
          : 'Viewers can look but not change anything.';
      return sendProblem(reply, { code: 'forbidden_role', message });
    }
    request.actor = { workspaceId: session.workspaceId, actor: `user:${session.user.id}` };
    request.auth = { kind: 'user', role: session.user.role, session };
  };
}

/** The portal's gate: a member session cookie only (a user's cookie or an API key opens nothing here). */
export function memberAuth(ctx: AppContext) {
  return async function authenticateMember(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> {
    const session = await memberSessionOf(ctx, request);
    if (!session) return sendProblem(reply, { code: 'unauthorized', message: 'Sign in with the link we email you.' });
    if (isStateChanging(request.method) && !csrfMatches(request, session.csrfToken)) return csrfFailed(reply);
    request.member = session;
  };
}
