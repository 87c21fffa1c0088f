// POST /webhooks/shopify/{workspace}: orders/create and orders/paid record the order, refunds/create reduces it,
// orders/cancelled reverses it. Verified with X-Shopify-Hmac-Sha256 over the raw body. Shopify's headers (topic,
// delivery id, trigger time) are not covered by that HMAC, so a delivery is acted on only when its signed payload has
// the shape of its topic, and only inside the delivery-time window. Repeated deliveries (same X-Shopify-Webhook-Id)
// are answered 200 and change nothing: the delivery id is claimed by the table's primary key before acting.
//
// Refusals Shopify should retry (bad signature, Shopify not connected, a body that is not JSON or not its topic's
// shape) answer a 4xx: a retry succeeds once the brand fixes its secret, and a failing delivery shows in Shopify's
// admin. A genuine delivery we decide not to act on (too old, an order or refund the ledger refuses) answers 200 with
// status "rejected": Shopify would only resend the same bytes for hours. Every refusal is kept as a rejected event.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import type { ClickFinder } from '../../app/click-finder.js';
import { refundOrder } from '../../app/refunds.js';
import type { RawConversion } from '../../core/conversion-input.js';
import { parseJsonExact } from '../../core/exact-json.js';
import { sumDecimals } from '../../core/money.js';
import { verifyBodyHmac } from '../../core/signature.js';
import {
  deliveryIsFresh,
  idText,
  readShopifyEvent,
  SHOPIFY_TOPICS,
  type ShopifyEvent,
  type ShopifyOrder,
  type ShopifyRefund,
  type ShopifyTopic,
} from '../../core/shopify-payload.js';
import { findWorkspace, type Workspace } from '../../db/workspaces.js';
import { sendProblem } from '../errors.js';
import { actOncePerDelivery, refuseDelivery } from './platform-webhook.js';
import { ingest, rejectEvent } from '../../app/ingest.js';

/** The click id Shopify kept for us: a cart attribute set by t.js, or the tp_click parameter of the landing page. */
export function clickIdOf(order: ShopifyOrder): string | undefined {
  const attribute = order.note_attributes?.find((a) => a.name === 'tp_click' || a.name === '_tp_click')?.value;
  if (attribute) return attribute;
  if (!order.landing_site) return undefined;
  try {
    return new URL(order.landing_site, 'https://shop.invalid').searchParams.get('tp_click') ?? undefined;
  } catch {
    return undefined;
  }
}

export function orderToConversion(order: ShopifyOrder): RawConversion {
  return {
    order: idText(order.id),
    amount: order.current_total_price ?? order.total_price,
    currency: order.currency ?? undefined,
    code: order.discount_codes?.find((d) => d.code)?.code ?? undefined,
    click: clickIdOf(order),
    // A test payload lands in the tracking check whatever its date (Shopify's sample is dated 2021).
    time: order.test ? undefined : order.created_at,
    test: order.test ? '1' : undefined,
  };
}

/** What this refund gave back, as an exact decimal: its successful refund transactions, else its line items' subtotals. */
export function refundAmount(refund: ShopifyRefund): string | null {
  const transactions = (refund.transactions ?? []).filter(
    (t) => t.kind === 'refund' && (t.status ?? 'success') === 'success',
  );
  const parts = transactions.length
    ? transactions.map((t) => String(t.amount ?? '0'))
    : (refund.refund_line_items ?? []).map((l) => String(l.subtotal ?? '0'));
  return sumDecimals(parts.length ? parts : ['0']);
}

/** The order a body names, for the kept event, even when the body is refused. */
function claimedOrder(topic: string, body: unknown): RawConversion {
  if (typeof body !== 'object' || body === null) return {};
  const b = body as Record<string, unknown>;
  return { order: idText(topic === 'refunds/create' ? b.order_id : b.id), test: b.test === true ? '1' : undefined };
}

const header = (v: string | string[] | undefined) => (typeof v === 'string' ? v : undefined);

async function act(
  ctx: AppContext,
  clicks: ClickFinder,
  ws: Workspace,
  event: ShopifyEvent,
): Promise<Record<string, unknown>> {
  if (event.topic === 'orders/create' || event.topic === 'orders/paid') {
    const r = await ingest(ctx, clicks, ws, 'shopify', orderToConversion(event.order), {
      topic: event.topic,
      shopifyOrderName: event.order.name ?? null,
    });
    return r.ok
      ? { status: r.result.outcome, conversionId: r.result.conversionId, credited: r.result.status === 'credited' }
      : { status: 'rejected', reason: r.code };
  }
  const orderId = idText(event.topic === 'refunds/create' ? event.refund.order_id : event.order.id)!;
  const r = await refundOrder(
    ctx,
    ws,
    'shopify',
    event.topic === 'refunds/create'
      ? {
          orderId,
          refund: refundAmount(event.refund) ?? 'invalid',
          isTest: event.test,
          eventKey: `shopify-refund-${idText(event.refund.id)}`,
          detail: { topic: event.topic },
        }
      : { orderId, refund: 'cancel', isTest: event.test, detail: { topic: event.topic } },
  );
  if (!r.ok) {
    await rejectEvent(ctx, ws, 'shopify', r.code, { order: orderId, test: event.test ? '1' : undefined });
    return { status: 'rejected', reason: r.code };
  }
  return { status: r.outcome, conversionId: r.conversionId, commissionsChanged: r.commissionsChanged };
}

export function shopifyRoutes(scope: FastifyInstance, ctx: AppContext, clicks: ClickFinder): void {
  scope.post('/webhooks/shopify/:workspace', { schema: { hide: true } }, async (req, reply) => {
    const { workspace } = req.params as { workspace: string };
    const ws = /^ws_[0-9a-z]{26}$/.test(workspace) ? await findWorkspace(ctx.store.db, workspace) : undefined;
    if (!ws) return sendProblem(reply, { code: 'not_found', message: 'No such workspace.' });
    const raw = typeof req.body === 'string' ? req.body : '';
    const topic = header(req.headers['x-shopify-topic']) ?? '';
    if (
      !ws.shopify_webhook_secret ||
      !verifyBodyHmac(raw, header(req.headers['x-shopify-hmac-sha256']), ws.shopify_webhook_secret)
    ) {
      await rejectEvent(ctx, ws, 'shopify', ws.shopify_webhook_secret ? 'bad_signature' : 'shopify_not_connected', {
        order: undefined,
      });
      return sendProblem(reply, {
        code: 'bad_signature',
        message: 'X-Shopify-Hmac-Sha256 does not verify with the workspace’s Shopify secret.',
      });
    }
    if (!SHOPIFY_TOPICS.includes(topic)) return reply.send({ status: 'ignored', topic });

    const refuse = (code: string, claimed: RawConversion, message: string, path?: string) =>
      refuseDelivery(ctx, ws, 'shopify', reply, { code, message, claimed, path });
    const body = parseJsonExact(raw);
    if (body === undefined) return refuse('body_invalid', {}, 'The webhook body is not JSON.');
    const shape = readShopifyEvent(topic as ShopifyTopic, body);
    if (!shape.ok) return refuse('payload_invalid', claimedOrder(topic, body), shape.message, shape.path);
    const { event } = shape;

    if (!event.test && !deliveryIsFresh(header(req.headers['x-shopify-triggered-at']), event.eventTime, ctx.clock())) {
      await rejectEvent(ctx, ws, 'shopify', 'delivery_stale', claimedOrder(topic, body));
      return reply.send({ status: 'rejected', reason: 'delivery_stale' });
    }

    return actOncePerDelivery(ctx, ws, 'shopify', header(req.headers['x-shopify-webhook-id']), reply, () =>
      act(ctx, clicks, ws, event),
    );
  });
}
