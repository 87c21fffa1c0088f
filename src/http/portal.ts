// The creator portal's backend: magic-link sign-in (/api/portal/login-link, /p/auth) and the member's own data under
// /api/portal. A member session opens nothing else, and nothing else (API key, user session) opens these.
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../app/context.js';
import {
  DEEP_LINKS_PER_OFFER,
  portalCommissions,
  portalDeepLink,
  portalMe,
  portalOffers,
  portalPayouts,
} from '../app/portal.js';
import { consumeLoginLink, portalLogout, requestLoginLink } from '../app/portal-sign-in.js';
import { runReport } from '../app/reports.js';
import { isTokenShaped } from '../app/sessions.js';
import { fail } from '../core/result.js';
import { findWorkspace } from '../db/workspaces.js';
import { commissionReceipt } from '../app/receipts.js';
import { csrfFailed, csrfMatches, memberAuth, memberSessionOf } from './auth.js';
import { jsonOnly } from './api/auth.js';
import type { Api } from './api/types.js';
import {
  CSRF_COOKIE,
  isSecureOrigin,
  MEMBER_COOKIE,
  readCookie,
  sessionCookies,
  setCookies,
  signedOutCookies,
  USER_COOKIE,
} from './cookies.js';
import { sendProblem, sendResult } from './errors.js';
import * as c from '../contract/index.js';

const tags = ['portal'];
const PUBLIC = { security: [] };
const MEMBER = { security: [{ memberSession: [] }] };
const problems = c.portalProblems;

export function portalRoutes(app: Api, ctx: AppContext): void {
  const secure = isSecureOrigin(ctx.baseUrl);

  app.post(
    '/api/portal/login-link',
    {
      onRequest: jsonOnly,
      schema: {
        tags,
        summary: 'Email me a sign-in link (answers 202 whatever the address; single use, valid 15 minutes)',
        ...PUBLIC,
        body: c.LoginLinkRequestSchema,
        response: { 202: c.LoginLinkAcceptedSchema, 415: Type.Ref('Problem'), 429: Type.Ref('Problem'), ...problems },
      },
    },
    async (req, reply) => {
      const r = await requestLoginLink(ctx, { email: req.body.email, ip: req.ip });
      return r.ok ? reply.code(202).send({ accepted: true }) : sendProblem(reply, r.problem);
    },
  );

  // Opened from the email: a browser navigation, so it answers with redirects, never JSON.
  app.get(
    '/p/auth',
    {
      schema: { hide: true, querystring: c.PortalAuthQuerySchema },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
      const token = req.query.token;
      const r = isTokenShaped(token)
        ? await consumeLoginLink(ctx, token, readCookie(req.headers.cookie, CSRF_COOKIE))
        : null;
      if (!r?.ok) return reply.redirect('/p/login?error=link_invalid', 302);
      setCookies(reply, sessionCookies(MEMBER_COOKIE, r.value, secure));
      return reply.redirect('/p', 302);
    },
  );

  app.post(
    '/api/portal/logout',
    {
      schema: { tags, summary: 'Sign out of the portal', ...PUBLIC, response: { 200: c.SignedOutSchema, ...problems } },
    },
    async (req, reply) => {
      const session = await memberSessionOf(ctx, req);
      if (session) {
        if (!csrfMatches(req, session.csrfToken)) return csrfFailed(reply);
        await portalLogout(ctx, readCookie(req.headers.cookie, MEMBER_COOKIE)!);
      }
      setCookies(reply, signedOutCookies(req.headers.cookie, MEMBER_COOKIE, USER_COOKIE, secure));
      return reply.send({ signedOut: true });
    },
  );

  app.register(
    async (portal: Api) => {
      portal.addHook('onRequest', memberAuth(ctx));
      portal.addHook('onSend', async (_req, reply, payload) => {
        reply.header('cache-control', 'private, no-store');
        return payload;
      });

      portal.get(
        '/me',
        {
          schema: {
            tags,
            summary: "The signed-in member's profile and the brand's name",
            ...MEMBER,
            response: { 200: c.PortalMeSchema, ...problems },
          },
        },
        async (req) => portalMe(ctx, req.member),
      );

      portal.get(
        '/offers',
        {
          schema: {
            tags,
            summary: "The member's offers: payout, their links and codes, allowed deep-link domains",
            ...MEMBER,
            response: { 200: c.PortalOfferListSchema, ...problems },
          },
        },
        async (req) => portalOffers(ctx, req.member),
      );

      portal.post(
        '/deep-links',
        {
          schema: {
            tags,
            summary: "Make (or find) the member's tracking link to a page of the offer's site",
            ...MEMBER,
            description: `At most ${DEEP_LINKS_PER_OFFER} active deep links per member and offer; beyond that, 409 deep_link_quota until the brand disables some.`,
            body: c.DeepLinkCreateSchema,
            response: { 200: c.DeepLinkCreatedSchema, ...problems },
          },
        },
        async (req, reply) => sendResult(reply, await portalDeepLink(ctx, req.member, req.body)),
      );

      portal.get(
        '/commissions',
        {
          schema: {
            tags,
            summary: "The member's commissions, newest first",
            ...MEMBER,
            querystring: c.PortalCommissionQuerySchema,
            response: { 200: c.PageSchema(c.PortalCommissionSchema), ...problems },
          },
        },
        async (req) => portalCommissions(ctx, req.member, req.query),
      );

      portal.get(
        '/commissions/:id/receipt',
        {
          schema: {
            tags,
            summary:
              "What made one of the member's commissions: the events, the decision, the offer settings, every entry",
            ...MEMBER,
            params: c.CommissionIdParamSchema,
            response: { 200: c.CommissionReceiptSchema, ...problems },
          },
        },
        async (req, reply) =>
          sendResult(
            reply,
            await commissionReceipt(ctx.store.db, req.member.workspaceId, req.params.id, {
              memberId: req.member.memberId,
            }),
          ),
      );

      portal.get(
        '/payouts',
        {
          schema: {
            tags,
            summary: "The member's payout history, one line per payout batch",
            ...MEMBER,
            response: { 200: c.PortalPayoutListSchema, ...problems },
          },
        },
        async (req) => portalPayouts(ctx, req.member),
      );

      portal.get(
        '/report',
        {
          schema: {
            tags,
            summary:
              "The member's performance by day, week, offer, link or promo code (their clicks, orders, sales and commission only)",
            ...MEMBER,
            description:
              "By link or code, a row per link or code of the member's with activity in the range, and a row with an empty key for their credits without one (by code: orders that came through a link only). A code's clicks are the member's clicks on the code's offer.",
            querystring: c.PortalReportQuerySchema,
            response: { 200: c.PortalReportSchema, ...problems },
          },
        },
        async (req, reply) => {
          const ws = await findWorkspace(ctx.store.db, req.member.workspaceId);
          if (!ws) return sendResult(reply, fail('not_found', 'Workspace not found.'));
          // The member filter comes from the session alone; the query cannot name another member, a code or a link.
          const { from, to, groupBy } = req.query;
          return sendResult(reply, await runReport(ctx, ws, { from, to, groupBy, memberId: req.member.memberId }));
        },
      );
    },
    { prefix: '/api/portal' },
  );
}
