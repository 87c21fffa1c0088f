// The conversion endpoints of the tracking surface: server postback (shared secret or signed) and the pixel.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { readSignatureHeader, secretMatches, signedPart, verifySignature } from '../../core/signature.js';
import { findWorkspace, findWorkspaceBySecret, findWorkspaceByOffer, type Workspace } from '../../db/workspaces.js';
import { sendProblem, statusOf } from '../errors.js';
import { refundOrder } from '../../app/refunds.js';
import { shopifyRoutes } from './shopify.js';
import { stripeRoutes } from './stripe.js';
import { woocommerceRoutes } from './woocommerce.js';
import { ingest, ingestProblem, rejectEvent, workspaceOfClick, type IngestResult } from '../../app/ingest.js';
import { controlCharacterField } from '../../core/conversion-input.js';
import { CONTROL_CHARACTER_MESSAGE, hasControlCharacter } from '../../core/text.js';
import { jsonParams, onlyStrings, rawConversion, type Params } from '../../tracking/params.js';
import { readCookie } from '../../core/cookies.js';
import { formatAmount } from '../../core/money.js';
import type { ClickFinder } from '../../app/click-finder.js';
import type { ConversionBuffer } from '../../tracking/conversion-buffer.js';

const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

function bodyParams(req: FastifyRequest): Params {
  const raw = rawBody(req);
  if (!raw) return {};
  if ((req.headers['content-type'] ?? '').includes('json')) return jsonParams(raw) ?? { __invalid_json: '1' };
  return Object.fromEntries(new URLSearchParams(raw));
}

const rawBody = (req: FastifyRequest) => (typeof req.body === 'string' ? req.body : '');
const rawQuery = (req: FastifyRequest) => (req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '');

const controlCharacterProblem = (path: string) => ({
  code: 'validation_failed',
  message: 'Some fields are not valid.',
  details: [{ path, code: 'control_character', message: CONTROL_CHARACTER_MESSAGE }],
});

function answer(reply: FastifyReply, r: IngestResult): FastifyReply {
  if (!r.ok) return sendProblem(reply, ingestProblem(r));
  const { result } = r;
  return reply.send({
    status: result.outcome,
    conversionId: result.conversionId,
    credited: result.status === 'credited',
    test: result.isTest,
    reasons: result.reasons,
    // Decimal strings in the commission's currency, as the admin API and the webhooks speak money.
    commissions: result.commissions.map((c) => ({
      memberId: c.memberId,
      offerId: c.offerId,
      amount: formatAmount(c.amountMinor, c.currency),
      currency: c.currency,
    })),
  });
}

export function conversionRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  clicks: ClickFinder,
  held: ConversionBuffer,
): void {
  const unauthorized = async (
    reply: FastifyReply,
    ws: Workspace | undefined,
    reason: string,
    params: Params,
    message: string,
  ) => {
    // The event is kept in the workspace it claims (by its click id or workspace parameter), so a brand can see it.
    if (ws) await rejectEvent(ctx, ws, 'postback', reason, rawConversion(params));
    return sendProblem(reply, { code: reason, message });
  };

  // Postbacks repeat one secret thousands of times; the cache reads the workspace at most every few seconds per secret.
  const load = (secret: string) => findWorkspaceBySecret(ctx.store.db, secret);
  const workspaceBySecret = (secret: string) => ctx.conversionFacts?.workspaceBySecret(secret, load) ?? load(secret);

  /** `signedBy`: the MAC of a signed request, so that the very same request replayed in its window refunds once. */
  const refund = async (reply: FastifyReply, ws: Workspace, params: Params, signedBy?: string) => {
    const raw = rawConversion(params);
    if (!raw.order)
      return sendProblem(reply, { code: 'order_missing', message: 'A refund names its order (order=…).' });
    const unreadable = controlCharacterField(raw);
    if (unreadable) {
      await rejectEvent(ctx, ws, 'postback', 'control_character', raw);
      return sendProblem(reply, controlCharacterProblem(unreadable));
    }
    const r = await refundOrder(ctx, ws, 'postback', {
      orderId: raw.order.trim(),
      refund: params.type === 'cancel' ? 'cancel' : raw.amount?.trim() || 'full',
      isTest: /^(1|true)$/i.test(raw.test ?? ''),
      detail: raw,
      ...(signedBy ? { eventKey: `signed-${signedBy}` } : {}),
    });
    if (!r.ok) {
      await rejectEvent(ctx, ws, 'postback', r.code, raw);
      return sendProblem(reply, { code: r.code, message: r.message });
    }
    return reply.send({
      status: r.outcome,
      conversionId: r.conversionId,
      refunded: formatAmount(r.refundedMinor, r.currency),
      currency: r.currency,
      commissionsChanged: r.commissionsChanged,
    });
  };

  // TUNE/HasOffers' advertiser postback, answered the way TUNE answers, so an integration only changes its host.
  // The click id comes as transaction_id, the order as adv_unique1; security_token carries the postback secret.
  app.get('/aff_lsr', { schema: { hide: true } }, async (req, reply) => {
    const params = onlyStrings(req.query);
    const text = (ok: boolean, message?: string) =>
      reply.type('text/plain').send(ok ? 'success=true;' : `success=false; err_msg=${message};`);
    const ws = await workspaceOfClick(ctx, params.transaction_id);
    if (!ws) return text(false, 'Invalid transaction ID');
    if (!params.security_token || !secretMatches(params.security_token, ws.postback_secret)) {
      await rejectEvent(ctx, ws, 'tune', 'bad_signature', rawConversion(params));
      return text(false, 'Invalid security token');
    }
    // TUNE's offer_id is the old network's number; only one of ours is used.
    const raw = {
      ...rawConversion(params),
      offer: params.offer_id?.startsWith('off_') ? params.offer_id : undefined,
      order: params.adv_unique1 ?? params.transaction_id,
    };
    const r = await ingest(ctx, clicks, ws, 'tune', raw);
    return r.ok ? text(true) : text(false, r.message);
  });

  app.register(async (scope) => {
    // Raw bodies: the signature covers the exact bytes sent.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, body, done) =>
      done(null, body),
    );
    shopifyRoutes(scope, ctx, clicks);
    woocommerceRoutes(scope, ctx, clicks);
    stripeRoutes(scope, ctx, clicks);
    scope.route({
      method: ['GET', 'POST'],
      url: '/postback',
      schema: { hide: true },
      handler: async (req, reply) => {
        const signature = req.headers['x-touchpoint-signature'];
        const signed = typeof signature === 'string' ? signedPart(rawQuery(req), rawBody(req)) : null;
        // A request signed over its body acts on its body alone; otherwise the query and the body together.
        const params: Params =
          signed?.part === 'body' ? bodyParams(req) : { ...onlyStrings(req.query), ...bodyParams(req) };
        if (params.__invalid_json)
          return sendProblem(reply, { code: 'body_invalid', message: 'The body is not valid JSON.' });
        // What names the workspace is looked up as sent: text that cannot be stored names none, and no event is kept.
        const unreadable = (['secret', 'workspace'] as const).find(
          (k) => params[k] !== undefined && hasControlCharacter(params[k]),
        );
        if (unreadable) return sendProblem(reply, controlCharacterProblem(unreadable));
        let ws: Workspace | undefined;
        let signedBy: string | undefined;
        if (typeof signature === 'string' && signed) {
          ws = params.workspace
            ? await findWorkspace(ctx.store.db, params.workspace)
            : await workspaceOfClick(ctx, rawConversion(params).click);
          if (!ws)
            return sendProblem(reply, {
              code: 'unauthorized',
              message: 'A signed postback names its workspace (workspace=ws_…) or carries a click id.',
            });
          const check = verifySignature(signature, ws.postback_secret, signed.payload, ctx.clock());
          if (!check.ok)
            return unauthorized(
              reply,
              ws,
              check.reason,
              params,
              'The X-Touchpoint-Signature header does not verify (secret, payload, or a timestamp older than 5 minutes).',
            );
          const unsigned = signed.part === 'body' ? [...new URLSearchParams(rawQuery(req)).keys()] : [];
          if (unsigned.length) {
            const message =
              'A postback signed over its body carries no query parameters: send every field in the signed body.';
            await rejectEvent(ctx, ws, 'postback', 'unsigned_parameters', rawConversion(params));
            return sendProblem(reply, {
              code: 'unsigned_parameters',
              message,
              details: [...new Set(unsigned)].map((path) => ({
                path,
                code: 'unsigned_parameters',
                message: 'Not covered by the signature.',
              })),
            });
          }
          signedBy = readSignatureHeader(signature)?.v1;
        } else if (params.secret) {
          ws = await workspaceBySecret(params.secret);
          if (!ws || !secretMatches(params.secret, ws.postback_secret)) {
            return unauthorized(
              reply,
              await workspaceOfClick(ctx, rawConversion(params).click),
              'bad_signature',
              params,
              'The postback secret is not valid.',
            );
          }
        } else {
          return unauthorized(
            reply,
            await workspaceOfClick(ctx, rawConversion(params).click),
            'unauthorized',
            params,
            'Send the workspace postback secret (secret=…) or an X-Touchpoint-Signature header.',
          );
        }
        if (params.type === 'refund' || params.type === 'cancel') return refund(reply, ws, params, signedBy);
        return answer(reply, await ingest(ctx, clicks, ws, 'postback', rawConversion(params)));
      },
    });
  });

  // The pixel answers a GIF whatever happens: a broken image on a thank-you page would show a shopper our problem.
  app.get('/px', { schema: { hide: true } }, async (req, reply) => {
    const raw = rawConversion(onlyStrings(req.query));
    raw.click ??= readCookie(req.headers.cookie, 'tp_click');
    const record = async () => {
      const ws =
        raw.offer && !hasControlCharacter(raw.offer)
          ? await findWorkspaceByOffer(ctx.store.db, raw.offer)
          : await workspaceOfClick(ctx, raw.click);
      if (ws) {
        const r = await ingest(ctx, clicks, ws, 'pixel', raw);
        if (!r.ok) req.log.debug({ code: r.code, status: statusOf(r.code) }, 'pixel input rejected');
      }
    };
    try {
      await record();
    } catch (e) {
      // Nobody will send this conversion again: while the database is unreachable it is held and recorded later.
      if (!held.hold(e, raw, record)) req.log.error({ err: e }, 'pixel conversion failed');
    }
    return reply
      .type('image/gif')
      .header('cache-control', 'no-store, no-cache, must-revalidate, max-age=0')
      .header('pragma', 'no-cache')
      .send(GIF);
  });
}
