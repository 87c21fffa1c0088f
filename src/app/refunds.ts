// Refunds and cancellations. The order keeps every refund as one total; the ledger (core/ledger.ts) brings each
// commission to what that total leaves of it: a partial refund reduces in proportion, a full refund or a
// cancellation reverses, a paid commission gets a clawback entry and stays paid. A refund for an order not seen yet
// is kept on a placeholder (`awaiting_order`) and applied when the order arrives (ADR 0011).
import { newId } from '../core/ids.js';
import { planOrder, refundedTotal } from '../core/ledger.js';
import { parseAmount } from '../core/money.js';
import * as repo from '../db/conversions.js';
import type { ConversionSource } from '../db/schema.js';
import type { Workspace } from '../db/workspaces.js';
import type { AppContext } from './context.js';
import { appendEntries, ledgerState, orderMoney } from './ledger.js';

export type RefundResult =
  | {
      ok: true;
      outcome: 'refunded' | 'cancelled' | 'duplicate' | 'awaiting_order';
      conversionId: string;
      /** The order's refunded total so far, in `currency` (the order's, else the workspace's). */
      refundedMinor: number;
      currency: string;
      commissionsChanged: number;
    }
  | {
      ok: false;
      code: 'amount_invalid' | 'amount_too_precise' | 'amount_negative' | 'amount_too_large' | 'currency_invalid';
      message: string;
    };

/**
 * `refund`: the amount refunded by this event (decimal string, in the order's currency), or 'full'. `eventKey`, when the
 * sender has one (a Shopify refund id), makes the refund count once however often it is delivered, on any instance.
 */
export async function refundOrder(
  ctx: AppContext,
  ws: Workspace,
  source: ConversionSource,
  input: { orderId: string; refund: string | 'full' | 'cancel'; isTest?: boolean; eventKey?: string; detail?: unknown },
): Promise<RefundResult> {
  const now = ctx.clock();
  const isTest = input.isTest ? 1 : 0;
  return ctx.store
    .writeTransaction(async (tx): Promise<RefundResult> => {
      // The order, or a placeholder for it: the unique index decides, as for a new order (record-conversion.ts).
      const placeholderId = newId('cnv', now);
      await repo.insertConversionIfNew(tx, {
        id: placeholderId,
        workspace_id: ws.id,
        order_id: input.orderId,
        is_test: isTest,
        status: 'awaiting_order',
        occurred_at: now,
        reported_offer_id: null,
        click_id: null,
        code: null,
        amount_minor: null,
        currency: null,
        refunded_minor: 0,
        refunded_full: 0,
        cancelled_at: null,
        review: null,
        decision: JSON.stringify({
          outcome: 'unattributed',
          reasons: ['awaiting_order'],
          credits: [],
          commissions: [],
          notes: [],
        }),
        created_at: now,
        updated_at: now,
      });
      const row = await repo.lockConversionByOrder(tx, ws.id, !!input.isTest, input.orderId);
      const currency = row.currency ?? ws.currency;
      let delta = 0;
      if (input.refund !== 'full' && input.refund !== 'cancel') {
        const parsed = parseAmount(input.refund, currency);
        if (!parsed.ok) {
          // Nothing is written: the placeholder made above goes with the rolled-back transaction.
          throw new RefundRefused({
            ok: false,
            code: parsed.error,
            message: `The refund amount is not a valid amount in ${currency}.`,
          });
        }
        delta = parsed.minor;
      }
      const eventRow = (outcome: string, reason: string | null, key: string | null): repo.ConversionEventRow => ({
        id: newId('evt', now),
        workspace_id: ws.id,
        conversion_id: row.id,
        received_at: now,
        source,
        order_id: input.orderId,
        is_test: row.is_test,
        outcome,
        reason,
        trust: null,
        evidence: null,
        event_key: key,
        detail: JSON.stringify({
          refund: input.refund,
          eventKey: input.eventKey ?? null,
          ...(input.detail ? { input: input.detail } : {}),
        }),
      });
      const outcome = input.refund === 'cancel' ? 'cancelled' : 'refunded';
      if (input.eventKey) {
        const key = `refund:${row.is_test}:${input.orderId}:${input.eventKey}`;
        if (
          !(await repo.insertKeyedEvent(
            tx,
            eventRow(outcome, row.status === 'awaiting_order' ? 'awaiting_order' : null, key),
          ))
        ) {
          await repo.insertEvent(tx, eventRow('duplicate', 'duplicate_refund', null));
          return {
            ok: true,
            outcome: 'duplicate',
            conversionId: row.id,
            refundedMinor: Number(row.refunded_minor),
            currency,
            commissionsChanged: 0,
          };
        }
      } else {
        await repo.insertEvent(tx, eventRow(outcome, row.status === 'awaiting_order' ? 'awaiting_order' : null, null));
      }

      const sale = row.amount_minor === null ? null : Number(row.amount_minor);
      // A cancelled order is refunded in full as far as money goes (reports count its sale as refunded).
      const full = input.refund === 'full' || input.refund === 'cancel' || row.refunded_full === 1;
      const updated = {
        refunded_minor: refundedTotal(full, Number(row.refunded_minor) + delta, sale),
        refunded_full: full ? 1 : 0,
        cancelled_at: input.refund === 'cancel' ? (row.cancelled_at ?? now) : row.cancelled_at,
      };
      await repo.updateConversion(tx, row.id, { ...updated, updated_at: now });
      if (row.status === 'awaiting_order')
        return {
          ok: true,
          outcome: 'awaiting_order',
          conversionId: row.id,
          refundedMinor: updated.refunded_minor,
          currency,
          commissionsChanged: 0,
        };

      const existing = await repo.commissionsOf(tx, row.id, { lock: true });
      const plan = planOrder(
        new Map(existing.map((c) => [c.id, ledgerState(c)])),
        null,
        orderMoney({ ...row, ...updated }),
      );
      for (const change of plan.changes) {
        await appendEntries(
          tx,
          { workspaceId: ws.id, actor: 'system', now },
          existing.find((c) => c.id === change.key)!,
          change.entries,
          change.after,
        );
      }
      return {
        ok: true,
        outcome,
        conversionId: row.id,
        refundedMinor: updated.refunded_minor,
        currency,
        commissionsChanged: plan.changes.length,
      };
    })
    .catch((err: unknown) => {
      if (err instanceof RefundRefused) return err.result;
      throw err;
    });
}

/** A refused refund rolls its transaction back (nothing written) and comes out as a value. */
class RefundRefused extends Error {
  constructor(readonly result: RefundResult) {
    super('refund refused');
  }
}
