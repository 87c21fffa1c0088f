// Refunds and cancellations: a partial refund reduces the order's commissions in proportion, a full refund or a
// cancellation reverses them. Paid commissions are not changed in place: the refund is recorded against them so the
// next payout can claw it back.
import { refundedCommission } from '../core/commission.js';
import { newId } from '../core/ids.js';
import { parseAmount } from '../core/money.js';
import * as repo from '../db/conversions.js';
import { enqueueWebhook } from '../db/webhooks.js';
import { commissionView } from './conversions.js';
import type { ConversionSource } from '../db/schema.js';
import type { Workspace } from '../db/workspaces.js';
import type { AppContext } from './context.js';

export type RefundResult =
  | { ok: true; outcome: 'refunded' | 'cancelled' | 'duplicate'; conversionId: string; refundedMinor: number; commissionsChanged: number }
  | { ok: false; code: 'order_not_found' | 'amount_invalid' | 'amount_too_precise' | 'amount_negative' | 'amount_too_large' | 'currency_invalid'; message: string };

/**
 * `refund`: the amount refunded by this event (decimal string, in the order's currency), or 'full'. `eventKey`, when the
 * sender has one (a Shopify refund id), makes the refund count once however often it is delivered.
 */
export async function refundOrder(
  ctx: AppContext,
  ws: Workspace,
  source: ConversionSource,
  input: { orderId: string; refund: string | 'full' | 'cancel'; isTest?: boolean; eventKey?: string; detail?: unknown },
): Promise<RefundResult> {
  const { db, kind } = ctx.store;
  const now = ctx.clock();
  return db.transaction().execute(async (tx): Promise<RefundResult> => {
    const order = await tx.selectFrom('conversions').select('id').where('workspace_id', '=', ws.id).where('is_test', '=', input.isTest ? 1 : 0).where('order_id', '=', input.orderId).executeTakeFirst();
    if (!order) return { ok: false, code: 'order_not_found', message: `No conversion for order ${input.orderId}; the refund is kept and shown with that reason.` };
    const row = await repo.lockConversionByOrder(tx, kind, ws.id, !!input.isTest, input.orderId);
    const event = (outcome: string, reason: string | null) =>
      repo.insertEvent(tx, {
        id: newId('evt', now), workspace_id: ws.id, conversion_id: row.id, received_at: now, source, order_id: input.orderId,
        is_test: row.is_test, outcome, reason, detail: JSON.stringify({ refund: input.refund, eventKey: input.eventKey ?? null, ...(input.detail ? { input: input.detail } : {}) }),
      });
    if (input.eventKey) {
      const seen = await tx.selectFrom('conversion_events').select('id').where('conversion_id', '=', row.id).where('outcome', 'in', ['refunded', 'cancelled'])
        .where('detail', 'like', `%"eventKey":${JSON.stringify(input.eventKey)}%`).executeTakeFirst();
      if (seen) {
        await event('duplicate', 'duplicate_refund');
        return { ok: true, outcome: 'duplicate', conversionId: row.id, refundedMinor: row.refunded_minor, commissionsChanged: 0 };
      }
    }
    const sale = row.amount_minor ?? 0;
    let delta: number;
    if (input.refund === 'full' || input.refund === 'cancel') delta = sale - row.refunded_minor;
    else {
      const parsed = parseAmount(input.refund, row.currency ?? ws.currency);
      if (!parsed.ok) return { ok: false, code: parsed.error, message: 'The refund amount is not a valid amount in the order currency.' };
      delta = Math.min(parsed.minor, sale - row.refunded_minor);
    }
    const remainingBefore = sale - row.refunded_minor;
    const refunded = row.refunded_minor + delta;
    const whole = input.refund === 'cancel' || refunded >= sale;
    let changed = 0;
    for (const c of await repo.commissionsOf(tx, row.id)) {
      if (c.status === 'reversed') continue;
      const after = whole ? 0 : refundedCommission(c.amount_minor, remainingBefore, delta);
      if (c.status === 'paid') {
        // Money already sent is not edited: the adjustment row is what the next payout claws back.
        await adjustment(tx, ws.id, c, after, 'clawback', input.refund === 'cancel' ? 'Order cancelled after payout.' : 'Refund after payout.', now);
        changed++;
        continue;
      }
      const status = whole ? 'reversed' : c.status;
      if (after === c.amount_minor && status === c.status) continue;
      await repo.updateCommission(tx, c.id, { amount_minor: after, status, ...(whole ? { reversed_at: now } : {}), updated_at: now });
      if (whole) {
        const reason = input.refund === 'cancel' ? 'order_cancelled' : 'order_refunded';
        await enqueueWebhook(tx, ws.id, 'commission.reversed', { ...commissionView({ ...c, amount_minor: after, status, reversed_at: now, updated_at: now }), reason }, now);
      }
      await adjustment(tx, ws.id, { ...c, status_after: status }, after, input.refund === 'cancel' ? 'cancel' : 'refund',
        input.refund === 'cancel' ? 'Order cancelled.' : whole ? 'Order fully refunded.' : 'Order partly refunded.', now);
      changed++;
    }
    await repo.updateConversion(tx, row.id, { refunded_minor: refunded, ...(input.refund === 'cancel' ? { cancelled_at: now } : {}), updated_at: now });
    const outcome = input.refund === 'cancel' ? 'cancelled' : 'refunded';
    await event(outcome, null);
    return { ok: true, outcome, conversionId: row.id, refundedMinor: refunded, commissionsChanged: changed };
  });
}

async function adjustment(
  tx: Parameters<typeof repo.insertAdjustment>[0], workspaceId: string,
  c: repo.CommissionRow & { status_after?: string }, amountAfter: number, kind: string, reason: string, now: number,
): Promise<void> {
  await repo.insertAdjustment(tx, {
    id: newId('adj', now), workspace_id: workspaceId, commission_id: c.id, kind, amount_before: c.amount_minor, amount_after: amountAfter,
    status_before: c.status, status_after: c.status_after ?? c.status, reason, actor: 'system', created_at: now,
  });
}
