// Stripe webhook events acted on (core/stripe-payload.ts reads and plans them): Checkout sessions and a subscription's
// first invoice record its first order through ingest; renewals within the offer's recurring window are recorded as
// orders that follow the first order's credit (ConversionInput.renewalOf); refunds and disputes go through
// refundOrder, keyed by Stripe's refund or dispute id. Nothing here writes a commission: the ledger rules hold.
import type { RawConversion } from '../core/conversion-input.js';
import type { Credit } from '../core/attribution.js';
import { renewalVerdict, type StripeEvent, type StripePlan, type StripeObjectRef } from '../core/stripe-payload.js';
import { findConversionByOrder } from '../db/conversions.js';
import { findOffer } from '../db/offers.js';
import { findCodeByStripePromotion } from '../db/promo-codes.js';
import {
  countEarlierRenewals,
  endStripeSubscription,
  findStripeCustomer,
  lockStripeCustomer,
  orderOfStripeObjects,
  recordStripeObjects,
} from '../db/stripe.js';
import type { Workspace } from '../db/workspaces.js';
import type { ClickFinder } from './click-finder.js';
import type { AppContext } from './context.js';
import { ingest, rejectEvent } from './ingest.js';
import { refundOrder } from './refunds.js';

export interface StripeAnswer {
  status: string;
  reason?: string;
  conversionId?: string | null;
  credited?: boolean;
  steps?: { refund: string; status: string; conversionId?: string }[];
}

type Acted = Exclude<StripePlan, { kind: 'ignore' } | { kind: 'invalid' }>;

export async function actOnStripeEvent(
  ctx: AppContext,
  clicks: ClickFinder,
  ws: Workspace,
  event: StripeEvent,
  plan: Acted,
): Promise<StripeAnswer> {
  const isTest = !event.livemode;
  const test = isTest ? { test: '1' } : {};
  const objects = (refs: StripeObjectRef[], orderId: string | null, customerId: string | null, paidAt?: number) =>
    recordStripeObjects(
      ctx.store.db,
      refs.map((r) => ({
        workspace_id: ws.id,
        object_id: r.id,
        kind: r.kind,
        order_id: orderId,
        customer_id: customerId,
        paid_at: r.kind === 'invoice' && paidAt !== undefined ? paidAt : null,
      })),
    );
  const record = async (conversion: RawConversion): Promise<StripeAnswer> => {
    const r = await ingest(ctx, clicks, ws, 'stripe', { ...conversion, ...test });
    return r.ok
      ? { status: r.result.outcome, conversionId: r.result.conversionId, credited: r.result.status === 'credited' }
      : { status: 'rejected', reason: r.code };
  };

  switch (plan.kind) {
    case 'checkout':
    case 'first_invoice': {
      let conversion = plan.conversion;
      if (plan.kind === 'checkout' && !conversion.code && plan.promotionCodeId) {
        const code = await findCodeByStripePromotion(ctx.store.db, ws.id, plan.promotionCodeId);
        if (code) conversion = { ...conversion, code: code.code };
      }
      // The objects first: a refund racing this event finds the order (or its placeholder) by them.
      await objects(plan.objects, plan.orderId, plan.customerId);
      if (plan.subscriptionId && plan.customerId)
        await lockStripeCustomer(ctx.store.db, {
          workspace_id: ws.id,
          customer_id: plan.customerId,
          subscription_id: plan.subscriptionId,
          first_order_id: plan.orderId,
          locked_at: ctx.clock(),
          ended_at: null,
        });
      return record(conversion);
    }
    case 'renewal': {
      const lock = plan.customerId ? await findStripeCustomer(ctx.store.db, ws.id, plan.customerId) : undefined;
      const refuse = async (reason: string): Promise<StripeAnswer> => {
        await objects(plan.objects, null, plan.customerId, plan.paidAt);
        await rejectEvent(ctx, ws, 'stripe', reason, { ...plan.conversion, ...test });
        return { status: 'rejected', reason };
      };
      if (!lock) return refuse('subscription_not_tracked');
      const invoiceId = plan.orderId;
      const earlier = await countEarlierRenewals(ctx.store.db, ws.id, lock.customer_id, invoiceId, plan.paidAt);
      const first = await findConversionByOrder(ctx.store.db, ws.id, isTest, lock.first_order_id);
      const credit =
        first?.status === 'credited' ? (JSON.parse(first.decision) as { credits?: Credit[] }).credits?.[0] : undefined;
      const offer = credit ? await findOffer(ctx.store.db, ws.id, credit.offerId) : undefined;
      if (first && offer) {
        const refusal = renewalVerdict(
          { mode: offer.recurring, months: offer.recurring_months, maxInvoices: offer.recurring_max_invoices },
          {
            firstAt: Number(first.occurred_at),
            paidAt: plan.paidAt,
            invoiceNumber: earlier + 2,
            endedAt: lock.ended_at === null ? null : Number(lock.ended_at),
          },
        );
        if (refusal) return refuse(refusal);
      } else if (lock.ended_at !== null && plan.paidAt >= Number(lock.ended_at)) {
        return refuse('subscription_ended');
      }
      // Recorded even when the first order was not credited: its decision then says why it pays nothing.
      await objects(plan.objects, plan.orderId, plan.customerId, plan.paidAt);
      return record({ ...plan.conversion, renewalOf: lock.first_order_id });
    }
    case 'refund': {
      const found = await orderOfStripeObjects(ctx.store.db, ws.id, plan.refs);
      // A payment intent not seen yet is a one-time payment's order: its refund waits on a placeholder (ADR 0011).
      const orderId = found.orderId ?? (found.known ? null : (plan.refs.find((r) => r.startsWith('pi_')) ?? null));
      if (!orderId) {
        const reason = found.known ? 'order_not_recorded' : 'order_not_found';
        await rejectEvent(ctx, ws, 'stripe', reason, { order: plan.refs[0], ...test });
        return { status: 'rejected', reason };
      }
      const steps: NonNullable<StripeAnswer['steps']> = [];
      for (const refund of plan.refunds) {
        const r = await refundOrder(ctx, ws, 'stripe', {
          orderId,
          refund: refund.amount,
          isTest,
          eventKey: refund.key,
          detail: { event: event.id, type: event.type },
        });
        if (!r.ok) {
          await rejectEvent(ctx, ws, 'stripe', r.code, { order: orderId, ...test });
          steps.push({ refund: refund.key, status: 'rejected' });
          return { status: 'rejected', reason: r.code, steps };
        }
        steps.push({ refund: refund.key, status: r.outcome, conversionId: r.conversionId });
      }
      const last = steps[steps.length - 1]!;
      return { status: last.status, conversionId: last.conversionId ?? null, steps };
    }
    case 'subscription_ended': {
      const ended = await endStripeSubscription(ctx.store.db, ws.id, plan.subscriptionId, plan.endedAt);
      return ended ? { status: 'subscription_ended' } : { status: 'ignored', reason: 'subscription_not_tracked' };
    }
  }
}
