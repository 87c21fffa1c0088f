// POST /webhooks/woocommerce/{workspace}: WooCommerce's built-in order webhooks (no plugin on the shop). Verified with
// X-WC-Webhook-Signature over the raw body; repeated deliveries (same X-WC-Webhook-Delivery-ID) change nothing. The
// order's own state decides what happens (core/woocommerce-payload.ts), so the unsigned topic header cannot turn one
// event into another. The ping WooCommerce sends when a webhook is saved (`webhook_id=N`, unsigned) is answered 200:
// WooCommerce refuses to activate a webhook whose URL does not answer it.
//
// As for Shopify, what WooCommerce should send again (bad signature, not connected, not an order) answers a 4xx;
// a genuine delivery we decide not to act on answers 200 with status "rejected". Every refusal is kept with its reason.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import type { ClickFinder } from '../../app/click-finder.js';
import { ingest, rejectEvent } from '../../app/ingest.js';
import { refundOrder } from '../../app/refunds.js';
import type { RawConversion } from '../../core/conversion-input.js';
import { parseJsonExact } from '../../core/exact-json.js';
import { verifyBodyHmac } from '../../core/signature.js';
import {
  deliveryIsFresh,
  planWooOrder,
  readWooOrder,
  WOOCOMMERCE_TOPICS,
  type WooAction,
} from '../../core/woocommerce-payload.js';
import { findConversionByOrder } from '../../db/conversions.js';
import { findWorkspace, type Workspace } from '../../db/workspaces.js';
import { sendProblem } from '../errors.js';
import { actOncePerDelivery, refuseDelivery } from './platform-webhook.js';

const header = (v: string | string[] | undefined) => (typeof v === 'string' ? v : undefined);

/** WooCommerce's activation ping: a form body naming the webhook, and no topic. */
const isPing = (raw: string, topic: string | undefined) => !topic && /^webhook_id=\d+$/.test(raw.trim());

/** One action of the plan; the first that is refused ends the delivery as rejected. */
async function act(
  ctx: AppContext,
  clicks: ClickFinder,
  ws: Workspace,
  orderId: string,
  action: WooAction,
): Promise<{ status: string; reason?: string; conversionId?: string; credited?: boolean }> {
  if (action.kind === 'record') {
    // Every update of a paid order repeats it: one already recorded is left as it is, without a "duplicate" event
    // for each of WooCommerce's saves.
    const known = await findConversionByOrder(ctx.store.db, ws.id, false, orderId);
    if (known && known.status !== 'awaiting_order') return { status: 'unchanged', conversionId: known.id };
    const r = await ingest(ctx, clicks, ws, 'woocommerce', action.conversion);
    return r.ok
      ? { status: r.result.outcome, conversionId: r.result.conversionId, credited: r.result.status === 'credited' }
      : { status: 'rejected', reason: r.code };
  }
  const r = await refundOrder(ctx, ws, 'woocommerce', {
    orderId,
    refund: action.kind === 'refund' ? action.amount : action.kind === 'cancel' ? 'cancel' : 'full',
    eventKey: action.key,
  });
  if (!r.ok) {
    await rejectEvent(ctx, ws, 'woocommerce', r.code, { order: orderId });
    return { status: 'rejected', reason: r.code };
  }
  return { status: r.outcome, conversionId: r.conversionId };
}

export function woocommerceRoutes(scope: FastifyInstance, ctx: AppContext, clicks: ClickFinder): void {
  scope.post('/webhooks/woocommerce/:workspace', { schema: { hide: true } }, async (req, reply) => {
    const { workspace } = req.params as { workspace: string };
    const ws = /^ws_[0-9a-z]{26}$/.test(workspace) ? await findWorkspace(ctx.store.db, workspace) : undefined;
    if (!ws) return sendProblem(reply, { code: 'not_found', message: 'No such workspace.' });
    const raw = typeof req.body === 'string' ? req.body : '';
    const topic = header(req.headers['x-wc-webhook-topic']);
    if (isPing(raw, topic)) return reply.send({ status: 'ping_received' });

    const secret = ws.woocommerce_webhook_secret;
    if (!secret || !verifyBodyHmac(raw, header(req.headers['x-wc-webhook-signature']), secret)) {
      await rejectEvent(ctx, ws, 'woocommerce', secret ? 'bad_signature' : 'woocommerce_not_connected', {});
      return sendProblem(reply, {
        code: 'bad_signature',
        message: 'X-WC-Webhook-Signature does not verify with the workspace’s WooCommerce secret.',
      });
    }
    if (!topic || !WOOCOMMERCE_TOPICS.includes(topic)) return reply.send({ status: 'ignored', topic: topic ?? null });

    const refuse = (code: string, claimed: RawConversion, message: string, path?: string) =>
      refuseDelivery(ctx, ws, 'woocommerce', reply, { code, message, claimed, path });
    const body = parseJsonExact(raw);
    if (body === undefined) return refuse('body_invalid', {}, 'The webhook body is not JSON.');
    const shape = readWooOrder(body);
    const claimedOrder = (): RawConversion => {
      const id = (body as { id?: unknown } | null)?.id;
      return typeof id === 'number' && Number.isSafeInteger(id) ? { order: String(id) } : {};
    };
    if (!shape.ok) return refuse('payload_invalid', claimedOrder(), shape.message, shape.path);
    const { order, eventTime } = shape;
    const orderId = String(order.id);
    if (!deliveryIsFresh(eventTime, ctx.clock())) {
      await rejectEvent(ctx, ws, 'woocommerce', 'delivery_stale', { order: orderId });
      return reply.send({ status: 'rejected', reason: 'delivery_stale' });
    }
    const plan = planWooOrder(order);
    if ('waiting' in plan) return reply.send({ status: 'waiting_for_payment', orderStatus: plan.waiting });

    return actOncePerDelivery(
      ctx,
      ws,
      'woocommerce',
      header(req.headers['x-wc-webhook-delivery-id']),
      reply,
      async () => {
        const steps = [];
        for (const action of plan.actions) {
          const r = await act(ctx, clicks, ws, orderId, action);
          steps.push({ action: action.kind, ...r });
          if (r.status === 'rejected') break;
        }
        // The delivery's outcome is its last step's; every step is listed.
        const last = steps[steps.length - 1]!;
        return { status: last.status, conversionId: last.conversionId ?? null, steps };
      },
    );
  });
}
