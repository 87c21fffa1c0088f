// recordConversion: one order's event, from any ingestion path, through named steps to a decision and commissions.
// A new order is inserted with its decision under the (workspace, test, order) unique index; an order seen before is
// locked first. Concurrent events for one order, on one process or many, are therefore decided one after another
// and never pay twice.
import type { CompiledQuery, Kysely } from 'kysely';
import { mergeEvidence, type AttributionDecision, type OrderEvidence } from '../core/attribution.js';
import type { ConversionInput } from '../core/conversion-input.js';
import { newId } from '../core/ids.js';
import { formatAmount } from '../core/money.js';
import { enqueueWebhook } from '../db/webhooks.js';
import * as repo from '../db/conversions.js';
import { writeTogether } from '../db/dialect.js';
import type { ConversionSource, Database } from '../db/schema.js';
import type { Workspace } from '../db/workspaces.js';
import type { AppContext } from './context.js';
import { uncachedFacts } from './conversion-facts.js';
import { decideOrder, type CommissionValues, type OrderDecision } from './order-decision.js';

/** Where a click id is looked up: the click buffer first (a click is written within a flush interval), then the table. */
export interface ClickFinder {
  /**
   * `wait`: for a click made moments ago, wait one flush before calling it unknown (never inside a transaction).
   * `db`: inside a transaction, the transaction itself: a second pooled connection per transaction exhausts the pool
   * under load, every transaction waiting for a connection that only a finished one frees.
   */
  find(clickId: string, opts?: { wait: boolean; db?: Kysely<Database> }): Promise<{ workspaceId: string; offerId: string; memberId: string | null; linkId: string; clickedAt: number; tracked: boolean } | null>;
}

export interface RecordResult {
  outcome: 'created' | 'filled_in' | 'duplicate';
  conversionId: string;
  status: 'credited' | 'unattributed';
  isTest: boolean;
  reasons: string[];
  commissions: { memberId: string; offerId: string; amountMinor: number; currency: string }[];
}

export interface ResolvedAmount {
  minor: number;
  currency: string;
}

/**
 * Stored on the conversion: the attribution decision, the commissions it gave, notes such as no_fx_rate, and the link
 * and code the evidence pointed to, so reports can group a credit by link or code without re-deciding it.
 */
export type DecisionRecord = AttributionDecision & { commissions: RecordResult['commissions']; notes: string[]; linkId?: string | null; codeId?: string | null };
type StoredDecision = { reasons?: string[]; commissions?: RecordResult['commissions'] };

export async function recordConversion(
  ctx: AppContext,
  clicks: ClickFinder,
  ws: Workspace,
  source: ConversionSource,
  input: ConversionInput,
  amount: ResolvedAmount | null,
  detail: Record<string, unknown>,
): Promise<RecordResult> {
  const { kind } = ctx.store;
  const now = ctx.clock();
  const next: OrderEvidence = { reportedOfferId: input.offerId, clickId: input.clickId, code: input.code, amount, occurredAt: input.occurredAt };
  // Looked up before the transaction, which must not wait on a flush; a click id that only the stored order has
  // is an old one, long written, and is read inside.
  const fresh = input.clickId ? await clicks.find(input.clickId, { wait: true }) : null;
  const isTest = input.isTest ? 1 : 0;

  return ctx.store.writeTransaction(async (tx) => {
    // Taken inside the transaction: a change the admin API answered before this order's turn is already in it.
    const facts = ctx.conversionFacts?.forWorkspace(ws.id) ?? uncachedFacts(ws.id);
    const decide = (evidence: OrderEvidence, conversionId: string | null) => decideOrder(tx, facts, clicks, ws, input, fresh, evidence, conversionId);
    const eventRow = (conversionId: string, outcome: string, reason: string | null): repo.ConversionEventRow => ({
      id: newId('evt', now), workspace_id: ws.id, conversion_id: conversionId, received_at: now, source, order_id: input.orderId,
      is_test: isTest, outcome, reason, detail: JSON.stringify(detail),
    });
    const event = (conversionId: string, outcome: string, reason: string | null) => repo.insertEvent(tx, eventRow(conversionId, outcome, reason));

    // Step 1, the common case: a new order. It is decided first and written with its decision in one insert; the
    // unique index on (workspace, test, order) says whether it was new. Another event for the same order, here or on
    // another instance, waits on that index until this transaction ends, then takes step 2.
    const id = newId('cnv', now);
    const first = await decide(next, null);
    const created = await repo.insertConversionIfNew(tx, {
      id, workspace_id: ws.id, order_id: input.orderId, is_test: isTest, status: first.status, occurred_at: next.occurredAt,
      reported_offer_id: next.reportedOfferId, click_id: next.clickId, code: next.code, amount_minor: amount?.minor ?? null,
      currency: amount?.currency ?? null, refunded_minor: 0, cancelled_at: null, decision: JSON.stringify(first.record), created_at: now, updated_at: now,
    });
    if (created) {
      // The order's other rows together: one round trip on PostgreSQL.
      const writes: CompiledQuery[] = [];
      for (const w of first.writes) {
        const rows = commissionRows(ws.id, id, w, now, 'created');
        writes.push(repo.commissionInsert(tx, rows.commission), repo.adjustmentInsert(tx, rows.adjustment));
      }
      writes.push(repo.eventInsert(tx, eventRow(id, 'created', first.eventReason)));
      await writeTogether(tx, kind, writes);
      if (!input.isTest) {
        const endpoints = (await facts.webhookEndpoints(tx)).filter((e) => e.events.includes('conversion.created'));
        if (endpoints.length) {
          await enqueueWebhook(tx, ws.id, 'conversion.created', {
            id, orderId: input.orderId, status: first.status, occurredAt: new Date(next.occurredAt).toISOString(),
            amount: amount ? formatAmount(amount.minor, amount.currency) : null, currency: amount?.currency ?? null,
            credits: first.decision.outcome === 'credited' ? first.decision.credits : [],
            commissions: first.commissions.map((c) => ({ ...c, amount: formatAmount(c.amountMinor, c.currency) })),
          }, now, endpoints);
        }
      }
      return { outcome: 'created', conversionId: id, status: first.status, isTest: input.isTest, reasons: first.reasons, commissions: first.commissions };
    }

    // Step 2: the order exists. Locked (PostgreSQL; SQLite has one writer), then merged with what it had.
    const row = await repo.lockConversionByOrder(tx, kind, ws.id, input.isTest, input.orderId);
    const existing = await repo.commissionsOf(tx, row.id);
    const previousDecision = JSON.parse(row.decision) as StoredDecision;
    const done = (outcome: RecordResult['outcome']): RecordResult => ({
      outcome, conversionId: row.id, status: row.status, isTest: input.isTest, reasons: previousDecision.reasons ?? [], commissions: previousDecision.commissions ?? [],
    });
    // Nothing new: a duplicate, kept with its reason.
    const merged = mergeEvidence(evidenceOf(row), next);
    if (!merged.changed) {
      await event(row.id, 'duplicate', 'duplicate');
      return done('duplicate');
    }
    // A decision whose commissions were approved or paid is final; later evidence is kept but changes nothing.
    if (existing.some((c) => c.status === 'approved' || c.status === 'paid')) {
      await event(row.id, 'duplicate', 'decision_final');
      return done('duplicate');
    }
    const evidence = merged.evidence;
    const again = await decide(evidence, row.id);
    const keep = new Set(again.writes.map((w) => w.memberId));
    for (const w of again.writes) {
      const before = existing.find((e) => e.member_id === w.memberId);
      if (before) await recomputeCommission(tx, ws.id, before, w.values, now);
      else {
        const rows = commissionRows(ws.id, row.id, w, now, 'recomputed');
        await repo.insertCommission(tx, rows.commission);
        await repo.insertAdjustment(tx, rows.adjustment);
      }
    }
    // Members no longer credited by the new decision lose their pending commission, with a trace.
    for (const old of existing) {
      if (keep.has(old.member_id) || old.status !== 'pending') continue;
      await repo.updateCommission(tx, old.id, { status: 'reversed', reversed_at: now, updated_at: now });
      await adjustment(tx, ws.id, old, old.amount_minor, 'reversed', 'recomputed', 'A later event for the order changed who gets the credit.', now);
    }
    await repo.updateConversion(tx, row.id, {
      status: again.status, decision: JSON.stringify(again.record), occurred_at: evidence.occurredAt, reported_offer_id: evidence.reportedOfferId,
      click_id: evidence.clickId, code: evidence.code, amount_minor: evidence.amount?.minor ?? null, currency: evidence.amount?.currency ?? null, updated_at: now,
    });
    await event(row.id, 'filled_in', again.eventReason);
    return { outcome: 'filled_in', conversionId: row.id, status: again.status, isTest: input.isTest, reasons: again.reasons, commissions: again.commissions };
  });
}

function evidenceOf(row: repo.ConversionRow): OrderEvidence {
  return {
    reportedOfferId: row.reported_offer_id, clickId: row.click_id, code: row.code, occurredAt: row.occurred_at,
    amount: row.amount_minor !== null && row.currency ? { minor: row.amount_minor, currency: row.currency } : null,
  };
}

type Tx = Parameters<typeof repo.insertCommission>[0];

/** A member's first commission on the order, with the adjustment row that starts its history. */
function commissionRows(
  workspaceId: string, conversionId: string, w: OrderDecision['writes'][number], now: number, kind: 'created' | 'recomputed',
): { commission: repo.CommissionRow; adjustment: repo.AdjustmentRow } {
  const commission: repo.CommissionRow = {
    id: newId('com', now), workspace_id: workspaceId, conversion_id: conversionId, member_id: w.memberId, status: 'pending',
    approved_at: null, reversed_at: null, paid_at: null, payout_batch_id: null, created_at: now, updated_at: now, ...w.values,
  };
  return { commission, adjustment: adjustmentRow(workspaceId, { ...commission, amount_minor: 0 }, commission.amount_minor, 'pending', kind, 'Conversion credited.', now) };
}

async function recomputeCommission(tx: Tx, workspaceId: string, before: repo.CommissionRow, values: CommissionValues, now: number): Promise<void> {
  // Unchanged only when every value is: the same amount may come with a new source, share, offer or hold date.
  const same = (Object.keys(values) as (keyof typeof values)[]).every((k) => before[k] === values[k]);
  if (same && before.status === 'pending') return;
  await repo.updateCommission(tx, before.id, { ...values, status: 'pending', reversed_at: null, updated_at: now });
  await adjustment(tx, workspaceId, before, values.amount_minor, 'pending', 'recomputed', 'A later event for the order changed the commission.', now);
}

function adjustmentRow(
  workspaceId: string, before: Pick<repo.CommissionRow, 'id' | 'amount_minor' | 'status'>, amountAfter: number,
  statusAfter: string, kind: string, reason: string, now: number,
): repo.AdjustmentRow {
  return {
    id: newId('adj', now), workspace_id: workspaceId, commission_id: before.id, kind, amount_before: before.amount_minor,
    amount_after: amountAfter, status_before: before.status, status_after: statusAfter, reason, actor: 'system', created_at: now,
  };
}

async function adjustment(
  tx: Tx, workspaceId: string, before: Pick<repo.CommissionRow, 'id' | 'amount_minor' | 'status'>, amountAfter: number,
  statusAfter: string, kind: string, reason: string, now: number,
): Promise<void> {
  await repo.insertAdjustment(tx, adjustmentRow(workspaceId, before, amountAfter, statusAfter, kind, reason, now));
}
