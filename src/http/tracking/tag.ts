// The JavaScript tag for the brand's site: GET /t.js serves it, POST /collect receives its conversions.
//
// /collect is public (no secret can be kept in a brand's page), so its answer says only whether the order was
// recorded and under which id, never who was credited. CORS is granted to an origin only when its host is the
// offer's destination host or one of the offer's allowed extra domains (the deep-link rules of
// src/core/destination.ts, port included). A browser request from any other origin gets no CORS headers and is
// refused with `origin_not_allowed`, and the event is kept with that reason so the brand can see a tag installed
// on the wrong site. A request without an Origin header does not come from a web page (a server, a test tool);
// it is treated as the pixel is, unauthenticated. So is `Origin: null`, an opaque origin that names no site (a
// sandboxed frame or its worker: Shopify runs app web pixels in such a sandbox); it is never granted CORS, and the
// event keeps `origin: "null"` in its detail.
//
// The tag's own requests never preflight (sendBeacon and fetch with a text/plain body are CORS "simple"
// requests). A custom integration sending application/json is preflighted; the preflight carries no body, so it
// is answered for the offer named in the query (`OPTIONS /collect?offer=off_…`, as the tag's URL has it).
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.js';
import type { ClickFinder } from '../../app/click-finder.js';
import type { RawConversion } from '../../core/conversion-input.js';
import { resolveDeepLink, type DeepLinkSettings } from '../../core/destination.js';
import { findOffer, type OfferRow } from '../../db/offers.js';
import { findWorkspaceByOffer, type Workspace } from '../../db/workspaces.js';
import type { Problem } from '../../core/result.js';
import { sendProblem } from '../errors.js';
import type { ConversionBuffer } from '../../tracking/conversion-buffer.js';
import { ingest, ingestProblem, rejectEvent, workspaceOfClick } from '../../app/ingest.js';
import { jsonParams, onlyStrings, rawConversion } from '../../tracking/params.js';
import { readCookie } from '../../core/cookies.js';
import { TAG_SCRIPT, TAG_VERSION } from './tag-script.js';

const BODY_LIMIT = 16 * 1024;
const OFFER_ID = /^off_[0-9a-z]{26}$/;

export const TAG_ETAG = `"tp${TAG_VERSION}-${createHash('sha256').update(TAG_SCRIPT).digest('base64url').slice(0, 22)}"`;

/**
 * May a page of `origin` send conversions for this offer? Its host must be the destination's or an allowed extra
 * domain, on the destination's port or the default one: exactly where a deep link may lead.
 */
export function originAllowed(
  origin: string | undefined,
  offer: Pick<OfferRow, 'destination_url' | 'deep_links'>,
): boolean {
  if (!origin || origin === 'null' || !/^https?:\/\/[^/]+$/i.test(origin)) return false;
  let extra: string[];
  try {
    extra = (JSON.parse(offer.deep_links) as DeepLinkSettings).extraDomains ?? [];
  } catch {
    extra = [];
  }
  return resolveDeepLink(`${origin}/`, offer.destination_url.replace(/\{[a-z_]+\}/g, ''), extra) !== null;
}

/** Query values that are single strings (a repeated key arrives as an array and is ignored). */
function etagMatches(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === TAG_ETAG;
  });
}

function allow(reply: FastifyReply, origin: string): void {
  reply.header('access-control-allow-origin', origin);
}

/** What /collect answers: a problem, or the recorded conversion; `allowOrigin` once the origin is known to be the offer's. */
type CollectAnswer = { allowOrigin: boolean } & (
  { problem: Problem } | { status: string; conversionId: string | null }
);

export function tagRoutes(app: FastifyInstance, ctx: AppContext, clicks: ClickFinder, held: ConversionBuffer): void {
  app.get('/t.js', { schema: { hide: true } }, async (req, reply) => {
    reply
      .header('cache-control', 'public, max-age=3600')
      .header('etag', TAG_ETAG)
      // Loaded by the brand's pages from another origin: readable cross-origin (SRI with crossorigin="anonymous").
      .header('access-control-allow-origin', '*')
      .header('cross-origin-resource-policy', 'cross-origin')
      .header('x-content-type-options', 'nosniff');
    if (etagMatches(req.headers['if-none-match'])) return reply.code(304).send();
    return reply.type('text/javascript; charset=utf-8').send(TAG_SCRIPT);
  });

  /** The offer the event is about: the one it names, else the clicked one. */
  const offerOf = async (ws: Workspace, raw: RawConversion): Promise<OfferRow | undefined> => {
    const named = raw.offer?.trim();
    if (named) return OFFER_ID.test(named) ? findOffer(ctx.store.db, ws.id, named) : undefined;
    const click = raw.click?.trim() ? await clicks.find(raw.click.trim()) : null;
    return click && click.workspaceId === ws.id ? findOffer(ctx.store.db, ws.id, click.offerId) : undefined;
  };

  app.register(async (scope) => {
    // sendBeacon posts text/plain; custom integrations may post application/json. Both are read as JSON text.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) =>
      done(null, body),
    );

    scope.options('/collect', { schema: { hide: true } }, async (req: FastifyRequest, reply) => {
      reply.header('vary', 'Origin');
      const origin = req.headers.origin;
      const offerId = onlyStrings(req.query).offer?.trim();
      if (origin && offerId && OFFER_ID.test(offerId)) {
        const ws = await findWorkspaceByOffer(ctx.store.db, offerId);
        const offer = ws ? await findOffer(ctx.store.db, ws.id, offerId) : undefined;
        if (offer && originAllowed(origin, offer)) {
          allow(reply, origin);
          reply
            .header('access-control-allow-methods', 'POST')
            .header('access-control-allow-headers', 'Content-Type')
            .header('access-control-max-age', '7200');
        }
      }
      return reply.code(204).send();
    });

    scope.post('/collect', { schema: { hide: true } }, async (req: FastifyRequest, reply) => {
      reply.header('vary', 'Origin');
      const opaque = req.headers.origin === 'null';
      const origin = opaque ? undefined : req.headers.origin;
      const text = typeof req.body === 'string' ? req.body.trim() : '';
      const body = text ? jsonParams(text) : {};
      if (!body)
        return sendProblem(reply, {
          code: 'body_invalid',
          message: 'The body must be a JSON object such as {"offer":"off_…","orderId":"1001","amount":"49.90"}.',
        });
      const raw = rawConversion({ ...onlyStrings(req.query), ...body });
      // The tag's first-party cookie travels in the body; Touchpoint's own cookie (sent with a beacon when the
      // browser allows it) fills in, as for the pixel.
      if (!raw.click?.trim()) raw.click = readCookie(req.headers.cookie, 'tp_click');

      let answer: CollectAnswer;
      try {
        answer = await collect(raw, origin, opaque);
      } catch (e) {
        // A beacon is never sent again: while the database is unreachable the conversion is held, its origin checked
        // and the conversion recorded when the database returns (202: accepted, not yet recorded). Without the
        // offer the origin cannot be checked, so the answer grants no CORS.
        if (!held.hold(e, raw, () => collect(raw, origin, opaque))) throw e;
        return reply.code(202).send({ status: 'queued' });
      }
      if (answer.allowOrigin && origin !== undefined) allow(reply, origin);
      if ('problem' in answer) return sendProblem(reply, answer.problem);
      return reply.code(202).send({ status: answer.status, conversionId: answer.conversionId });
    });

    /** The conversion of one /collect request, checked and recorded: also what a held one runs when the database returns. */
    const collect = async (raw: RawConversion, origin: string | undefined, opaque = false): Promise<CollectAnswer> => {
      const named = raw.offer?.trim();
      const ws =
        (named && OFFER_ID.test(named) ? await findWorkspaceByOffer(ctx.store.db, named) : undefined) ??
        (await workspaceOfClick(ctx, raw.click));
      const offer = ws ? await offerOf(ws, raw) : undefined;
      if (!ws || !offer) {
        const [code, message] = named
          ? OFFER_ID.test(named)
            ? ['offer_not_found', `No offer ${named}.`]
            : ['offer_invalid', 'offer must be an offer id (off_…).']
          : ['offer_missing', 'Name the offer (offer=off_…): it says which site may send this conversion.'];
        if (ws) await rejectEvent(ctx, ws, 'tag', code, raw);
        return { allowOrigin: false, problem: { code, message, details: [{ path: 'offer', code, message }] } };
      }
      if (origin !== undefined && !originAllowed(origin, offer)) {
        await rejectEvent(ctx, ws, 'tag', 'origin_not_allowed', raw);
        return {
          allowOrigin: false,
          problem: {
            code: 'origin_not_allowed',
            message: `${origin} is not the offer's website nor one of its allowed domains (deepLinks.extraDomains).`,
          },
        };
      }
      const r = await ingest(ctx, clicks, ws, 'tag', raw, origin ? { origin } : opaque ? { origin: 'null' } : {});
      if (!r.ok) return { allowOrigin: true, problem: ingestProblem(r) };
      return { allowOrigin: true, status: r.result.outcome, conversionId: r.result.conversionId };
    };
  });
}
