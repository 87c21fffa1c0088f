// The creator portal's backend: magic-link sign-in (/api/portal/login-link, /p/auth) and the member's own data under
// /api/portal. A member session opens nothing else, and nothing else (API key, user session) opens these.
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../app/context.js';
import { DEEP_LINKS_PER_OFFER, portalCommissions, portalDeepLink, portalMe, portalOffers, portalPayouts } from '../app/portal.js';
import { consumeLoginLink, portalLogout, requestLoginLink } from '../app/portal-sign-in.js';
import { runReport } from '../app/reports.js';
import { isTokenShaped } from '../app/sessions.js';
import { fail } from '../core/result.js';
import { findWorkspace } from '../db/workspaces.js';
import { commissionReceipt } from '../app/receipts.js';
import { CommissionReceipt } from './api/conversions.js';
import { csrfFailed, csrfMatches, memberAuth, memberSessionOf } from './auth.js';
import { jsonOnly } from './api/auth.js';
import type { Api } from './api/types.js';
import { clearedCookie, CSRF_COOKIE, isSecureOrigin, MEMBER_COOKIE, readCookie, sessionCookies, setCookies, USER_COOKIE } from './cookies.js';
import { sendProblem, sendResult } from './errors.js';
import * as s from './schemas.js';

const tags = ['portal'];
const PUBLIC = { security: [] };
const MEMBER = { security: [{ memberSession: [] }] };
const problems = { 400: Type.Ref('Problem'), 401: Type.Ref('Problem'), 403: Type.Ref('Problem'), 404: Type.Ref('Problem'), 409: Type.Ref('Problem') };
const NullableString = (description?: string) => Type.Unsafe<string | null>({ type: ['string', 'null'], ...(description ? { description } : {}) });

const PortalLink = Type.Object({
  id: Type.String(),
  url: Type.String({ description: 'The full tracking URL to share.' }),
  slug: Type.String(),
  deepLinkUrl: NullableString(),
  status: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

const PortalOffer = Type.Object({
  id: Type.String(),
  name: Type.String(),
  imageUrl: NullableString(),
  status: Type.String(),
  conversionType: Type.String(),
  currency: Type.String(),
  destinationUrl: Type.String(),
  endsAt: NullableString(),
  payout: Type.Object({ title: Type.String(), type: Type.String(), value: Type.String(), description: Type.String({ description: 'e.g. "10% of each sale"' }) }),
  links: Type.Array(PortalLink),
  codes: Type.Array(Type.Object({ id: Type.String(), code: Type.String(), status: Type.String() })),
  deepLinks: Type.Object({ allowed: Type.Boolean(), domains: Type.Array(Type.String(), { description: 'Hosts a deep link may point to; "*.example.com" allows subdomains.' }) }),
});

const PortalCommission = Type.Object({
  id: Type.String(),
  offerId: Type.String(),
  offerName: Type.String(),
  status: Type.String(),
  amount: Type.String(),
  amountMinor: Type.Integer(),
  sale: Type.String(),
  currency: Type.String(),
  source: Type.String(),
  conversionDate: Type.String({ format: 'date-time' }),
  approveAfter: Type.String({ format: 'date-time' }),
  approvedAt: NullableString(),
  paidAt: NullableString(),
  reversedAt: NullableString(),
});

/** What a member sees of a report row: their own performance, in the workspace currency (minor units). */
const memberMetrics = {
  clicks: Type.Integer(),
  uniqueClicks: Type.Integer(),
  conversions: Type.Integer(),
  salesMinor: Type.Integer(),
  refundsMinor: Type.Integer(),
  netSalesMinor: Type.Integer(),
  commissionMinor: Type.Integer(),
  codeRedemptions: Type.Integer(),
  conversionRate: Type.Unsafe<string | null>({ type: ['string', 'null'], description: 'conversions ÷ clicks, 4 decimals' }),
  epcMinor: Type.Unsafe<number | null>({ type: ['integer', 'null'], description: 'Commission per click' }),
};
const PortalReport = Type.Object({
  groupBy: Type.String(),
  from: Type.String(),
  to: Type.String(),
  timezone: Type.String(),
  currency: Type.String(),
  rows: Type.Array(Type.Object({ key: Type.String(), label: Type.String(), ...memberMetrics })),
  totals: Type.Object(memberMetrics),
});
const LocalDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'A local date, YYYY-MM-DD' });

export function portalRoutes(app: Api, ctx: AppContext): void {
  const secure = isSecureOrigin(ctx.baseUrl);

  app.post('/api/portal/login-link', {
    onRequest: jsonOnly,
    schema: {
      tags, summary: 'Email me a sign-in link (answers 202 whatever the address; single use, valid 15 minutes)', ...PUBLIC,
      body: Type.Object({ email: Type.String({ maxLength: 254 }) }, { additionalProperties: false }),
      response: { 202: Type.Object({ accepted: Type.Boolean() }), 415: Type.Ref('Problem'), 429: Type.Ref('Problem'), ...problems },
    },
  }, async (req, reply) => {
    const r = await requestLoginLink(ctx, { email: req.body.email, ip: req.ip });
    return r.ok ? reply.code(202).send({ accepted: true }) : sendProblem(reply, r.problem);
  });

  // Opened from the email: a browser navigation, so it answers with redirects, never JSON.
  app.get('/p/auth', {
    schema: { hide: true, querystring: Type.Object({ token: Type.Optional(Type.String({ maxLength: 200 })) }) },
  }, async (req, reply) => {
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    const token = req.query.token;
    const r = isTokenShaped(token) ? await consumeLoginLink(ctx, token, readCookie(req.headers.cookie, CSRF_COOKIE)) : null;
    if (!r?.ok) return reply.redirect('/p/login?error=link_invalid', 302);
    setCookies(reply, sessionCookies(MEMBER_COOKIE, r.value, secure));
    return reply.redirect('/p', 302);
  });

  app.post('/api/portal/logout', {
    schema: { tags, summary: 'Sign out of the portal', ...PUBLIC, response: { 200: Type.Object({ signedOut: Type.Boolean() }), ...problems } },
  }, async (req, reply) => {
    const session = await memberSessionOf(ctx, req);
    if (session) {
      if (!csrfMatches(req, session.csrfToken)) return csrfFailed(reply);
      await portalLogout(ctx, readCookie(req.headers.cookie, MEMBER_COOKIE)!);
    }
    const cookies = [clearedCookie(MEMBER_COOKIE, secure)];
    if (!readCookie(req.headers.cookie, USER_COOKIE)) cookies.push(clearedCookie(CSRF_COOKIE, secure));
    setCookies(reply, cookies);
    return reply.send({ signedOut: true });
  });

  app.register(async (portal: Api) => {
    portal.addHook('onRequest', memberAuth(ctx));
    portal.addHook('onSend', async (_req, reply, payload) => {
      reply.header('cache-control', 'private, no-store');
      return payload;
    });

    portal.get('/me', {
      schema: {
        tags, summary: "The signed-in member's profile and the brand's name", ...MEMBER,
        response: {
          200: Type.Object({
            member: Type.Object({ id: Type.String(), name: Type.String(), email: NullableString(), instagram: NullableString(), tiktok: NullableString(), youtube: NullableString() }),
            workspace: Type.Object({ name: Type.String(), currency: Type.String(), timezone: Type.String() }),
          }),
          ...problems,
        },
      },
    }, async (req) => portalMe(ctx, req.member));

    portal.get('/offers', {
      schema: { tags, summary: "The member's offers: payout, their links and codes, allowed deep-link domains", ...MEMBER, response: { 200: Type.Object({ data: Type.Array(PortalOffer) }), ...problems } },
    }, async (req) => portalOffers(ctx, req.member));

    portal.post('/deep-links', {
      schema: {
        tags, summary: "Make (or find) the member's tracking link to a page of the offer's site", ...MEMBER,
        description: `At most ${DEEP_LINKS_PER_OFFER} active deep links per member and offer; beyond that, 409 deep_link_quota until the brand disables some.`,
        body: Type.Object({ offerId: s.ids.offer, url: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ link: PortalLink, created: Type.Boolean() }), ...problems },
      },
    }, async (req, reply) => sendResult(reply, await portalDeepLink(ctx, req.member, req.body)));

    portal.get('/commissions', {
      schema: {
        tags, summary: "The member's commissions, newest first", ...MEMBER,
        querystring: Type.Object({
          ...s.PageQuery,
          status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('reversed'), Type.Literal('paid')])),
        }),
        response: { 200: s.Page(PortalCommission), ...problems },
      },
    }, async (req) => portalCommissions(ctx, req.member, req.query));

    portal.get('/commissions/:id/receipt', {
      schema: {
        tags, summary: "What made one of the member's commissions: the events, the decision, the offer settings, every entry", ...MEMBER,
        params: Type.Object({ id: Type.String({ pattern: '^com_[0-9a-z]{26}$' }) }),
        response: { 200: CommissionReceipt, ...problems },
      },
    }, async (req, reply) => sendResult(reply, await commissionReceipt(ctx.store.db, req.member.workspaceId, req.params.id, { memberId: req.member.memberId })));

    portal.get('/payouts', {
      schema: {
        tags, summary: "The member's payout history, one line per payout batch", ...MEMBER,
        response: {
          200: Type.Object({
            data: Type.Array(Type.Object({ id: Type.String(), paidAt: Type.String({ format: 'date-time' }), currency: Type.String(), amount: Type.String(), amountMinor: Type.Integer(), commissions: Type.Integer() })),
          }),
          ...problems,
        },
      },
    }, async (req) => portalPayouts(ctx, req.member));

    portal.get('/report', {
      schema: {
        tags, summary: "The member's performance by day, week, offer, link or promo code (their clicks, orders, sales and commission only)", ...MEMBER,
        description: "By link or code, a row per link or code of the member's with activity in the range, and a row with an empty key for their credits without one (by code: orders that came through a link only). A code's clicks are the member's clicks on the code's offer.",
        querystring: Type.Object({
          from: Type.Optional(LocalDate),
          to: Type.Optional(LocalDate),
          groupBy: Type.Union((['day', 'week', 'offer', 'link', 'code'] as const).map((v) => Type.Literal(v)), { default: 'day' }),
        }),
        response: { 200: PortalReport, ...problems },
      },
    }, async (req, reply) => {
      const ws = await findWorkspace(ctx.store.db, req.member.workspaceId);
      if (!ws) return sendResult(reply, fail('not_found', 'Workspace not found.'));
      // The member filter comes from the session alone; the query cannot name another member, a code or a link.
      const { from, to, groupBy } = req.query;
      return sendResult(reply, await runReport(ctx, ws, { from, to, groupBy, memberId: req.member.memberId }));
    });
  }, { prefix: '/api/portal' });
}
