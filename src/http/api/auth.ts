// Dashboard sign-in: login, logout, the signed-in user, password change, setup links. Session cookies, not API keys.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { changePassword, login, logout, me, setupAccount, setupLinkInfo, type SignedIn } from '../../app/sign-in.js';
import { csrfFailed, csrfMatches, userSessionOf } from '../auth.js';
import {
  CSRF_COOKIE,
  isSecureOrigin,
  MEMBER_COOKIE,
  readCookie,
  sessionCookies,
  setCookies,
  signedOutCookies,
  USER_COOKIE,
} from '../cookies.js';
import { sendProblem, sendResult } from '../errors.js';
import * as c from '../../contract/index.js';
import type { Api } from './types.js';

const tags = ['auth'];
/** These routes are how one gets a session; they need neither a key nor a cookie. */
const PUBLIC = { security: [] };
/** These need the dashboard's session cookie; an API key has no user to show or change. */
const SESSION = { security: [{ session: [] }] };
const SignedInBody = c.SignedInSchema;
const problems = c.authProblems;

/**
 * Sign-in forms post JSON only. A cross-site HTML form can send urlencoded or text bodies without a preflight, which
 * would let another site sign a visitor in to an account of its choosing (login CSRF).
 */
export async function jsonOnly(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json')
    return sendProblem(reply, { code: 'unsupported_media_type', message: 'Send the form as application/json.' });
}

function signedIn(ctx: AppContext, reply: FastifyReply, s: SignedIn) {
  setCookies(reply, sessionCookies(USER_COOKIE, s.session, isSecureOrigin(ctx.baseUrl)));
  reply.header('cache-control', 'no-store');
  return reply.code(200).send({ user: s.user, workspace: s.workspace });
}

export function authRoutes(app: Api, ctx: AppContext): void {
  const secure = isSecureOrigin(ctx.baseUrl);

  app.post(
    '/auth/login',
    {
      onRequest: jsonOnly,
      schema: {
        tags,
        summary: 'Sign in with email and password; sets the tp_session and tp_csrf cookies',
        ...PUBLIC,
        body: c.LoginSchema,
        response: { 200: SignedInBody, ...problems },
      },
    },
    async (req, reply) => {
      const r = await login(ctx, { ...req.body, ip: req.ip, browserCsrf: readCookie(req.headers.cookie, CSRF_COOKIE) });
      return r.ok ? signedIn(ctx, reply, r.value) : sendProblem(reply, r.problem);
    },
  );

  app.post(
    '/auth/logout',
    {
      schema: { tags, summary: 'Sign out this browser', ...PUBLIC, response: { 200: c.SignedOutSchema, ...problems } },
    },
    async (req, reply) => {
      const session = await userSessionOf(ctx, req);
      if (session) {
        if (!csrfMatches(req, session.csrfToken)) return csrfFailed(reply);
        await logout(ctx, readCookie(req.headers.cookie, USER_COOKIE)!);
      }
      setCookies(reply, signedOutCookies(req.headers.cookie, USER_COOKIE, MEMBER_COOKIE, secure));
      return reply.send({ signedOut: true });
    },
  );

  app.get(
    '/auth/me',
    {
      schema: {
        tags,
        summary: 'The signed-in user and their workspace (401 without a session)',
        ...SESSION,
        response: { 200: SignedInBody, ...problems },
      },
    },
    async (req, reply) => {
      const session = await userSessionOf(ctx, req);
      if (!session) return sendProblem(reply, { code: 'unauthorized', message: 'Not signed in.' });
      reply.header('cache-control', 'no-store');
      return reply.send(await me(ctx, session));
    },
  );

  // The session and its CSRF token are checked before the body, as the admin gate does: a caller without them is
  // refused (401/403) whatever they sent.
  const sessionFirst = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> => {
    const session = await userSessionOf(ctx, req);
    if (!session) return sendProblem(reply, { code: 'unauthorized', message: 'Not signed in.' });
    if (!csrfMatches(req, session.csrfToken)) return csrfFailed(reply);
    req.auth = { kind: 'user', role: session.user.role, session };
  };

  app.post(
    '/auth/password',
    {
      onRequest: sessionFirst,
      schema: {
        tags,
        summary: "Change the signed-in user's password (at least 10 characters); signs out their other browsers",
        ...SESSION,
        body: c.PasswordChangeSchema,
        response: { 200: c.PasswordChangedSchema, ...problems },
      },
    },
    async (req, reply) => {
      const r = await changePassword(ctx, req.auth.session!, { ...req.body, ip: req.ip });
      return r.ok ? reply.send(r.value) : sendProblem(reply, r.problem);
    },
  );

  app.get(
    '/auth/setup',
    {
      schema: {
        tags,
        summary: 'Who a setup link is for, so the page can greet them (does not use the link)',
        ...PUBLIC,
        querystring: c.SetupQuerySchema,
        response: { 200: c.SetupInfoSchema, ...problems },
      },
    },
    async (req, reply) => sendResult(reply, await setupLinkInfo(ctx, req.query.token)),
  );

  app.post(
    '/auth/setup',
    {
      onRequest: jsonOnly,
      schema: {
        tags,
        summary: 'Set a password from a setup link (single use, 72 hours) and sign in',
        ...PUBLIC,
        body: c.SetupSchema,
        response: { 200: SignedInBody, ...problems },
      },
    },
    async (req, reply) => {
      const r = await setupAccount(ctx, { ...req.body, browserCsrf: readCookie(req.headers.cookie, CSRF_COOKIE) });
      return r.ok ? signedIn(ctx, reply, r.value) : sendProblem(reply, r.problem);
    },
  );
}
