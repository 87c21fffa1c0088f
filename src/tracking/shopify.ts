// POST /webhooks/shopify/{workspace}: orders/create and orders/paid record the order, refunds/create reduces it,
// orders/cancelled reverses it. Verified with X-Shopify-Hmac-Sha256 over the raw body; repeated deliveries
// (same X-Shopify-Webhook-Id) are answered 200 and change nothing.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.js';
import type { ClickFinder } from '../app/record-conversion.js';
import { refundOrder } from '../app/refunds.js';
import type { RawConversion } from '../core/conversion-input.js';
import { sumDecimals } from '../core/money.js';
import { findWorkspace } from '../db/workspaces.js';
import { sendProblem } from '../http/errors.js';
import { ingest, rejectEvent } from './ingest.js';

interface ShopifyOrder {
  id?: number | string;
  name?: string;
  total_price?: string;
  current_total_price?: string;
  currency?: string;
  created_at?: string;
  test?: boolean;
  landing_site?: string | null;
  note_attributes?: { name?: string; value?: string }[];
  discount_codes?: { code?: string }[];
}

interface ShopifyRefund {
  id?: number | string;
  order_id?: number | string;
  transactions?: { kind?: string; status?: string; amount?: string }[];
  refund_line_items?: { subtotal?: string | number }[];
}

export function verifyShopifyHmac(rawBody: string, header: string | undefined, secret: string): boolean {
  if (!header) return false;
  const expected = createHmac('sha256', secret).update(rawBody, 'utf8').digest();
  const given = Buffer.from(header, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

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
    order: order.id !== undefined ? String(order.id) : undefined,
    amount: order.current_total_price ?? order.total_price,
    currency: order.currency,
    code: order.discount_codes?.find((d) => d.code)?.code,
    click: clickIdOf(order),
    time: order.created_at,
    test: order.test ? '1' : undefined,
  };
}

/** What this refund gave back, as an exact decimal: its successful refund transactions, else its line items' subtotals. */
export function refundAmount(refund: ShopifyRefund): string | null {
  const transactions = (refund.transactions ?? []).filter((t) => t.kind === 'refund' && (t.status ?? 'success') === 'success');
  const parts = transactions.length ? transactions.map((t) => String(t.amount ?? '0')) : (refund.refund_line_items ?? []).map((l) => String(l.subtotal ?? '0'));
  return sumDecimals(parts.length ? parts : ['0']);
}

export function shopifyRoutes(scope: FastifyInstance, ctx: AppContext, clicks: ClickFinder): void {
  scope.post('/webhooks/shopify/:workspace', { schema: { hide: true } }, async (req, reply) => {
    const { workspace } = req.params as { workspace: string };
    const ws = /^ws_[0-9a-z]{26}$/.test(workspace) ? await findWorkspace(ctx.store.db, workspace) : undefined;
    if (!ws) return sendProblem(reply, { code: 'not_found', message: 'No such workspace.' });
    const raw = typeof req.body === 'string' ? req.body : '';
    const topic = String(req.headers['x-shopify-topic'] ?? '');
    if (!ws.shopify_webhook_secret || !verifyShopifyHmac(raw, req.headers['x-shopify-hmac-sha256'] as string | undefined, ws.shopify_webhook_secret)) {
      await rejectEvent(ctx, ws, 'shopify', ws.shopify_webhook_secret ? 'bad_signature' : 'shopify_not_connected', { order: undefined });
      return sendProblem(reply, { code: 'bad_signature', message: 'X-Shopify-Hmac-Sha256 does not verify with the workspace’s Shopify secret.' });
    }
    const deliveryId = String(req.headers['x-shopify-webhook-id'] ?? '');
    if (deliveryId) {
      const seen = await ctx.store.db.selectFrom('webhook_deliveries').select('delivery_id')
        .where('workspace_id', '=', ws.id).where('provider', '=', 'shopify').where('delivery_id', '=', deliveryId).executeTakeFirst();
      if (seen) return reply.send({ status: 'duplicate_delivery' });
    }
    let payload: ShopifyOrder & ShopifyRefund;
    try {
      payload = JSON.parse(raw) as ShopifyOrder & ShopifyRefund;
    } catch {
      return sendProblem(reply, { code: 'body_invalid', message: 'The webhook body is not JSON.' });
    }

    let answer: Record<string, unknown>;
    if (topic === 'orders/create' || topic === 'orders/paid') {
      const r = await ingest(ctx, clicks, ws, 'shopify', orderToConversion(payload), { topic, shopifyOrderName: payload.name ?? null });
      // A malformed order is kept with its reason and acknowledged: Shopify would only retry the same bytes.
      answer = r.ok ? { status: r.result.outcome, conversionId: r.result.conversionId, credited: r.result.status === 'credited' } : { status: 'rejected', reason: r.code };
    } else if (topic === 'refunds/create' || topic === 'orders/cancelled') {
      const orderId = String(topic === 'refunds/create' ? payload.order_id : payload.id);
      const r = await refundOrder(ctx, ws, 'shopify', {
        orderId, refund: topic === 'orders/cancelled' ? 'cancel' : refundAmount(payload) ?? 'invalid', isTest: !!payload.test,
        eventKey: topic === 'refunds/create' && payload.id !== undefined ? `shopify-refund-${payload.id}` : undefined, detail: { topic },
      });
      if (!r.ok) await rejectEvent(ctx, ws, 'shopify', r.code, { order: orderId });
      answer = r.ok ? { status: r.outcome, conversionId: r.conversionId, commissionsChanged: r.commissionsChanged } : { status: 'rejected', reason: r.code };
    } else {
      answer = { status: 'ignored', topic };
    }
    if (deliveryId) {
      await ctx.store.db.insertInto('webhook_deliveries').values({ workspace_id: ws.id, provider: 'shopify', delivery_id: deliveryId, received_at: ctx.clock() })
        .onConflict((oc) => oc.columns(['workspace_id', 'provider', 'delivery_id']).doNothing()).execute();
    }
    return reply.send(answer);
  });
}
