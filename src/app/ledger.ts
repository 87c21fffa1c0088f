// The ledger's storage side (ADR 0011): a commission row as the planner's state, appending planned entries (each a
// commission_adjustments row with its delta) and caching the result on the commission, and `ledger verify`.
// Amounts and statuses are decided only by core/ledger.ts.
import type { Kysely, Transaction } from 'kysely';
import { newId } from '../core/ids.js';
import type { LedgerCommission, OrderMoney, PlannedEntry } from '../core/ledger.js';
import { verifyEntries } from '../core/ledger.js';
import { formatAmount } from '../core/money.js';
import * as repo from '../db/conversions.js';
import type { Database } from '../db/schema.js';
import { enqueueWebhook, type WebhookEndpoint } from '../db/webhooks.js';

type Db = Kysely<Database> | Transaction<Database>;
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export function commissionView(c: repo.CommissionRow) {
  return {
    id: c.id,
    conversionId: c.conversion_id,
    offerId: c.offer_id,
    memberId: c.member_id,
    payoutOptionId: c.payout_option_id,
    source: c.source,
    sharePercent: c.share_bps / 100,
    sale: formatAmount(c.sale_minor, c.currency),
    amount: formatAmount(c.amount_minor, c.currency),
    amountMinor: c.amount_minor,
    currency: c.currency,
    status: c.status,
    approveAfter: iso(c.approve_after)!,
    approvedAt: iso(c.approved_at),
    reversedAt: iso(c.reversed_at),
    paidAt: iso(c.paid_at),
    createdAt: iso(c.created_at)!,
  };
}

export function ledgerState(c: repo.CommissionRow): LedgerCommission {
  return {
    amountMinor: Number(c.amount_minor),
    status: c.status,
    accruedMinor: Number(c.accrued_minor),
    adjustedMinor: Number(c.adjusted_minor),
    adminTouched: c.admin_touched === 1,
    inDecision: c.in_decision === 1,
  };
}

/** The order's money facts for the ledger. */
export function orderMoney(
  row: Pick<repo.ConversionRow, 'amount_minor' | 'refunded_minor' | 'refunded_full' | 'cancelled_at'>,
): OrderMoney {
  return {
    saleMinor: row.amount_minor === null ? null : Number(row.amount_minor),
    refundedMinor: Number(row.refunded_minor),
    fullyRefunded: row.refunded_full === 1,
    cancelled: row.cancelled_at !== null,
  };
}

/** The commission row's cached columns for a ledger state. */
export function cachedColumns(
  after: LedgerCommission,
): Pick<
  repo.CommissionRow,
  'amount_minor' | 'status' | 'accrued_minor' | 'adjusted_minor' | 'admin_touched' | 'in_decision'
> {
  return {
    amount_minor: after.amountMinor,
    status: after.status,
    accrued_minor: after.accruedMinor,
    adjusted_minor: after.adjustedMinor,
    admin_touched: after.adminTouched ? 1 : 0,
    in_decision: after.inDecision ? 1 : 0,
  };
}

export interface EntryContext {
  workspaceId: string;
  actor: string;
  now: number;
  /** What the entries were computed from (evidence events, rule, settings): kept as JSON on each entry. */
  detail?: unknown;
  /** The workspace's webhook endpoints when the caller has them cached. */
  endpoints?: WebhookEndpoint[];
}

/** The entry rows for a commission's planned entries, each continuing the balance of the one before. */
export function entryRows(
  ctx: EntryContext,
  commission: Pick<repo.CommissionRow, 'id' | 'amount_minor' | 'status'>,
  entries: readonly PlannedEntry[],
): repo.AdjustmentRow[] {
  let amount = Number(commission.amount_minor);
  let status: string = commission.status;
  const detail = ctx.detail === undefined ? null : JSON.stringify(ctx.detail);
  return entries.map((e) => {
    const row: repo.AdjustmentRow = {
      id: newId('adj', ctx.now),
      workspace_id: ctx.workspaceId,
      commission_id: commission.id,
      kind: e.kind,
      amount_before: amount,
      amount_after: amount + e.deltaMinor,
      status_before: status,
      status_after: e.statusAfter,
      reason: e.reason,
      actor: ctx.actor,
      created_at: ctx.now,
      delta_minor: e.deltaMinor,
      detail,
    };
    amount += e.deltaMinor;
    status = e.statusAfter;
    return row;
  });
}

/** Lifecycle timestamps that go with a status change. */
function stamps(
  before: repo.CommissionRow['status'],
  after: repo.CommissionRow['status'],
  now: number,
): Partial<repo.CommissionRow> {
  if (before === after) return {};
  if (after === 'approved') return { approved_at: now };
  if (after === 'reversed') return { reversed_at: now };
  if (after === 'paid') return { paid_at: now };
  return { reversed_at: null };
}

/**
 * Appends a commission's planned entries and caches the state after them on its row; a status that became approved or
 * reversed is announced to the workspace's webhooks in the same transaction. Returns the row as it now is.
 */
export async function appendEntries(
  tx: Db,
  ctx: EntryContext,
  row: repo.CommissionRow,
  entries: readonly PlannedEntry[],
  after: LedgerCommission,
  patch: Partial<repo.CommissionRow> = {},
): Promise<repo.CommissionRow> {
  const next: repo.CommissionRow = {
    ...row,
    ...patch,
    ...cachedColumns(after),
    ...stamps(row.status, after.status, ctx.now),
    updated_at: ctx.now,
  };
  const changed = Object.fromEntries(
    Object.entries(next).filter(([k, v]) => (row as unknown as Record<string, unknown>)[k] !== v),
  );
  if (Object.keys(changed).length) await repo.updateCommission(tx, row.id, changed);
  for (const r of entryRows(ctx, row, entries)) await repo.insertAdjustment(tx, r);
  await announce(tx, ctx, row.status, next, entries);
  return next;
}

async function announce(
  tx: Db,
  ctx: EntryContext,
  before: repo.CommissionRow['status'],
  next: repo.CommissionRow,
  entries: readonly PlannedEntry[],
): Promise<void> {
  if (before === next.status) return;
  if (next.status === 'approved')
    await enqueueWebhook(tx, ctx.workspaceId, 'commission.approved', commissionView(next), ctx.now, ctx.endpoints);
  if (next.status === 'reversed') {
    const reason = entries.at(-1)?.reason ?? null;
    await enqueueWebhook(
      tx,
      ctx.workspaceId,
      'commission.reversed',
      { ...commissionView(next), reason },
      ctx.now,
      ctx.endpoints,
    );
  }
}

export interface LedgerReport {
  checked: number;
  drift: { commissionId: string; problem: string }[];
  /** Volume-tier counters (migration 0031) that differ from the count of the commission rows they stand for. */
  monthCountDrift: { offerId: string; memberId: string; monthKey: string; counter: number; commissions: number }[];
}

/**
 * `touchpoint ledger verify`: every commission's amount and status recomputed from its entries (the rows with a
 * delta; earlier rows are history from before the ledger). Reads in pages, so it runs on a live database.
 */
export async function verifyLedger(
  db: Kysely<Database>,
  workspaceId?: string,
  onProgress?: (checked: number) => void,
): Promise<LedgerReport> {
  const drift: LedgerReport['drift'] = [];
  let checked = 0;
  let after = '';
  for (;;) {
    let q = db.selectFrom('commissions').select(['id', 'amount_minor', 'status']).where('id', '>', after);
    if (workspaceId) q = q.where('workspace_id', '=', workspaceId);
    const page = await q.orderBy('id').limit(2_000).execute();
    if (!page.length) break;
    const entries = await db
      .selectFrom('commission_adjustments')
      .select([
        'commission_id',
        'kind',
        'delta_minor',
        'amount_before',
        'amount_after',
        'status_before',
        'status_after',
      ])
      .where(
        'commission_id',
        'in',
        page.map((c) => c.id),
      )
      .where('delta_minor', 'is not', null)
      .orderBy('commission_id')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const byCommission = new Map<string, typeof entries>();
    for (const e of entries) {
      let list = byCommission.get(e.commission_id);
      if (!list) byCommission.set(e.commission_id, (list = []));
      list.push(e);
    }
    for (const c of page) {
      const list = (byCommission.get(c.id) ?? []).map((e) => ({
        kind: e.kind,
        deltaMinor: Number(e.delta_minor),
        amountBefore: Number(e.amount_before),
        amountAfter: Number(e.amount_after),
        statusBefore: e.status_before,
        statusAfter: e.status_after,
      }));
      for (const problem of verifyEntries({ amountMinor: Number(c.amount_minor), status: c.status }, list))
        drift.push({ commissionId: c.id, problem });
    }
    checked += page.length;
    onProgress?.(checked);
    after = page.at(-1)!.id;
  }
  return { checked, drift, monthCountDrift: await verifyMonthCounts(db, workspaceId) };
}

/**
 * The volume-tier counters against a scan of the commissions (what repo.countMonthCommissions counts, for every key
 * at once). A counter at 0 with no commission left is not drift: the triggers keep the row.
 */
async function verifyMonthCounts(db: Kysely<Database>, workspaceId?: string): Promise<LedgerReport['monthCountDrift']> {
  const scanned = new Map<string, number>();
  for (const r of await repo.monthCommissionCounts(db, workspaceId))
    scanned.set(JSON.stringify([r.offer_id, r.member_id, r.month_key]), Number(r.n));
  const out: LedgerReport['monthCountDrift'] = [];
  const check = (offerId: string, memberId: string, monthKey: string, counter: number, commissions: number) => {
    if (counter !== commissions) out.push({ offerId, memberId, monthKey, counter, commissions });
  };
  for (const c of await repo.monthCounters(db, workspaceId)) {
    const key = JSON.stringify([c.offer_id, c.member_id, c.month_key]);
    check(c.offer_id, c.member_id, c.month_key, c.n, scanned.get(key) ?? 0);
    scanned.delete(key);
  }
  for (const [key, n] of scanned) {
    const [offerId, memberId, monthKey] = JSON.parse(key) as [string, string, string];
    check(offerId, memberId, monthKey, 0, n);
  }
  return out;
}

/**
 * Folds the changes the commission triggers wrote for volume-tier counters (PostgreSQL, migration 0031) that no tiered
 * decision has folded since: a payout without tiers never reads its counter, so without this its deltas would only
 * grow. Each counter under its own row lock, as a decision takes it. Returns how many counters were folded.
 */
export async function foldMonthCounts(
  db: Kysely<Database>,
  concurrentWriters: boolean,
  limit = 1_000,
): Promise<number> {
  if (!concurrentWriters) return 0;
  const keys = await repo.pendingMonthCountKeys(db, limit);
  for (const key of keys) await db.transaction().execute((tx) => repo.takeMonthCount(tx, key));
  return keys.length;
}
