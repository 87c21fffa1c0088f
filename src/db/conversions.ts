import { sql, type Compilable, type CompiledQuery, type Kysely, type QueryResult, type Transaction } from 'kysely';
import { parseClickId } from '../core/click-id.js';
import { CLICK_TIME_SLACK_MS } from '../core/click-retention.js';
import { dialectOf } from './dialect/index.js';
import type {
  CommissionAdjustmentTable,
  CommissionTable,
  ConversionEventTable,
  ConversionTable,
  Database,
} from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;
export type ConversionRow = ConversionTable;
export type CommissionRow = CommissionTable;
export type ConversionEventRow = ConversionEventTable;
export type AdjustmentRow = CommissionAdjustmentTable;

/** Every column of T, checked by the compiler: a column added to the table must be added here too. */
function allColumns<T>() {
  return <const C extends readonly (keyof T & string)[]>(
    columns: C & ([Exclude<keyof T, C[number]>] extends [never] ? unknown : never),
  ) => columns;
}

/**
 * A statement compiled once per database and then run with each row's values. Each order writes the same few
 * inserts, and building and compiling a Kysely query costs about as much as SQLite takes to run one. The template is
 * compiled with a marker in place of each value, so every parameter's position is known whatever SQL the dialect writes.
 */
function prepared<R>(columns: readonly (keyof R & string)[], build: (db: Db, row: R) => Compilable<unknown>) {
  const compiled = new WeakMap<object, { query: CompiledQuery; order: (keyof R & string)[] }>();
  const compile = (db: Db, row: R): CompiledQuery => {
    const adapter = db.getExecutor().adapter;
    let template = compiled.get(adapter);
    if (!template) {
      const markers = Object.fromEntries(columns.map((c) => [c, `\u0000${c}`])) as R;
      const query = build(db, markers).compile();
      const order = query.parameters.map((p) => {
        if (typeof p !== 'string' || !p.startsWith('\u0000'))
          throw new Error(`prepared statement with a parameter that is not a column: ${query.sql}`);
        return p.slice(1) as keyof R & string;
      });
      compiled.set(adapter, (template = { query, order }));
    }
    return { ...template.query, parameters: template.order.map((c) => row[c]) };
  };
  return { compile, run: (db: Db, row: R): Promise<QueryResult<unknown>> => db.executeQuery(compile(db, row)) };
}

const insertConversionRow = prepared<ConversionRow>(
  allColumns<ConversionRow>()([
    'id',
    'workspace_id',
    'order_id',
    'is_test',
    'status',
    'occurred_at',
    'reported_offer_id',
    'click_id',
    'code',
    'amount_minor',
    'currency',
    'refunded_minor',
    'refunded_full',
    'cancelled_at',
    'review',
    'decision',
    'created_at',
    'updated_at',
  ]),
  (db, row) =>
    db
      .insertInto('conversions')
      .values(row)
      .onConflict((oc) => oc.columns(['workspace_id', 'is_test', 'order_id']).doNothing()),
);

/** Inserts the order's conversion unless one exists; true when this call created it. The unique index decides. */
export async function insertConversionIfNew(db: Db, row: ConversionRow): Promise<boolean> {
  const r = await insertConversionRow.run(db, row);
  return Number(r.numAffectedRows ?? 0) > 0;
}

/**
 * The insert of insertConversionIfNew, to run with the rows that depend on it (Store.insertIfNewWith, the dialect's
 * insertIfNewTogether).
 */
export const conversionInsertIfNew = insertConversionRow.compile;

export async function lockConversionByOrder(db: Db, workspaceId: string, isTest: boolean, orderId: string) {
  return dialectOf(db)
    .lockedForUpdate(
      db
        .selectFrom('conversions')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('is_test', '=', isTest ? 1 : 0)
        .where('order_id', '=', orderId),
    )
    .executeTakeFirstOrThrow();
}

export async function findConversionByOrder(db: Db, workspaceId: string, isTest: boolean, orderId: string) {
  return db
    .selectFrom('conversions')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('is_test', '=', isTest ? 1 : 0)
    .where('order_id', '=', orderId)
    .executeTakeFirst();
}

export async function updateConversion(db: Db, id: string, patch: Partial<ConversionRow>): Promise<void> {
  await db.updateTable('conversions').set(patch).where('id', '=', id).execute();
}

const insertEventRow = prepared<ConversionEventRow>(
  allColumns<ConversionEventRow>()([
    'id',
    'workspace_id',
    'conversion_id',
    'received_at',
    'source',
    'order_id',
    'is_test',
    'outcome',
    'reason',
    'detail',
    'trust',
    'evidence',
    'event_key',
  ]),
  (db, row) => db.insertInto('conversion_events').values(row),
);

export async function insertEvent(db: Db, row: ConversionEventRow): Promise<void> {
  await insertEventRow.run(db, row);
}

/** The insert of an event, to run with other writes (Store.insertIfNewWith, the dialect's insertIfNewTogether). */
export const eventInsert = insertEventRow.compile;

/** The order's events that brought evidence (and its `created` event, which names the path of an order from before the ledger). */
export async function evidenceOf(db: Db, conversionId: string) {
  return db
    .selectFrom('conversion_events')
    .select(['trust', 'evidence', 'outcome', 'source'])
    .where('conversion_id', '=', conversionId)
    .where((eb) => eb.or([eb('evidence', 'is not', null), eb('outcome', '=', 'created')]))
    .orderBy('id')
    .execute();
}

/** Inserts an event unless its sender's key was seen in the workspace; false when it was (a redelivered refund). */
export async function insertKeyedEvent(db: Db, row: ConversionEventRow): Promise<boolean> {
  if (row.event_key === null) throw new Error('insertKeyedEvent needs an event key');
  // The key is claimed in a table of its own: conversion_events is partitioned by time on PostgreSQL, where a unique
  // index must hold the time (migration 0030). The caller's transaction makes the claim and the event one write.
  const r = await db
    .insertInto('conversion_event_keys')
    .values({ workspace_id: row.workspace_id, event_key: row.event_key })
    .onConflict((oc) => oc.columns(['workspace_id', 'event_key']).doNothing())
    .executeTakeFirst();
  if (Number(r.numInsertedOrUpdatedRows ?? 0) === 0) return false;
  await insertEventRow.run(db, row);
  return true;
}

/** The order's commissions, locked for the transaction when asked (in id order, like every locker). */
export async function commissionsOf(
  db: Db,
  conversionId: string,
  opts: { lock?: boolean } = {},
): Promise<CommissionRow[]> {
  const q = db.selectFrom('commissions').selectAll().where('conversion_id', '=', conversionId).orderBy('id');
  return (opts.lock ? dialectOf(db).lockedForUpdate(q) : q).execute();
}

const insertCommissionRow = prepared<CommissionRow>(
  allColumns<CommissionRow>()([
    'id',
    'workspace_id',
    'conversion_id',
    'offer_id',
    'member_id',
    'payout_option_id',
    'source',
    'share_bps',
    'sale_minor',
    'amount_minor',
    'currency',
    'rate_applied',
    'tier_from',
    'month_key',
    'status',
    'approve_after',
    'approved_at',
    'reversed_at',
    'paid_at',
    'payout_batch_id',
    'created_at',
    'updated_at',
    'accrued_minor',
    'adjusted_minor',
    'admin_touched',
    'in_decision',
  ]),
  (db, row) => db.insertInto('commissions').values(row),
);

export async function insertCommission(db: Db, row: CommissionRow): Promise<void> {
  await insertCommissionRow.run(db, row);
}

export const commissionInsert = insertCommissionRow.compile;

export async function updateCommission(db: Db, id: string, patch: Partial<CommissionRow>): Promise<void> {
  await db.updateTable('commissions').set(patch).where('id', '=', id).execute();
}

const insertAdjustmentRow = prepared<AdjustmentRow>(
  allColumns<AdjustmentRow>()([
    'id',
    'workspace_id',
    'commission_id',
    'kind',
    'amount_before',
    'amount_after',
    'status_before',
    'status_after',
    'reason',
    'actor',
    'created_at',
    'delta_minor',
    'detail',
  ]),
  (db, row) => db.insertInto('commission_adjustments').values(row),
);

export async function insertAdjustment(db: Db, row: AdjustmentRow): Promise<void> {
  await insertAdjustmentRow.run(db, row);
}

export const adjustmentInsert = insertAdjustmentRow.compile;

/** One volume-tier count: a member's commissions on an offer in a calendar month. */
export interface MonthCountKey {
  workspace_id: string;
  offer_id: string;
  member_id: string;
  month_key: string;
}

/** SQLite: the counter row as it is (one writer; the triggers keep it exact). */
const selectMonthCount = prepared<MonthCountKey>(['offer_id', 'member_id', 'month_key'], (db, k) =>
  db
    .selectFrom('commission_month_counts')
    .select('counted')
    .where('offer_id', '=', k.offer_id)
    .where('member_id', '=', k.member_id)
    .where('month_key', '=', k.month_key),
);

/** PostgreSQL: lock the counter row (created on the month's first order), then fold its deltas (migration 0036). */
const lockAndFoldMonthCount = prepared<MonthCountKey>(['offer_id', 'member_id', 'month_key', 'workspace_id'], (db, k) =>
  db.selectNoFrom(
    sql<number>`take_month_count(${k.offer_id}, ${k.member_id}, ${k.month_key}, ${k.workspace_id})`.as('counted'),
  ),
);

/**
 * The member's non-reversed commissions on the offer in the month, from the counter the triggers on commissions keep
 * (migration 0031): one row, whatever the member's volume. Where writers run side by side (PostgreSQL) the row stays
 * locked to the end of the transaction, so the member's next order in the month counts after this one's commission;
 * the first order of a month creates the row to lock it. Holding the lock, it folds the changes the triggers wrote
 * since (commission_month_deltas, usually the previous order's one) into the row: read after the lock is held, they
 * include everything committed before. All of it in one round trip (take_month_count, migration 0036): the row is
 * locked from there to the commit, so each round trip in between would hold up the member's next order.
 */
export async function takeMonthCount(db: Db, key: MonthCountKey): Promise<number> {
  if (!dialectOf(db).concurrentWriters) {
    const found = await selectMonthCount.run(db, key);
    return Number((found.rows[0] as { counted?: number } | undefined)?.counted ?? 0);
  }
  const taken = await lockAndFoldMonthCount.run(db, key);
  return Number((taken.rows[0] as { counted: number }).counted);
}

/** Counters with changes not folded yet (PostgreSQL): those of payouts without tiers, which no decision reads. */
export async function pendingMonthCountKeys(db: Db, limit: number): Promise<MonthCountKey[]> {
  return db
    .selectFrom('commission_month_deltas')
    .select(['workspace_id', 'offer_id', 'member_id', 'month_key'])
    .distinct()
    .limit(limit)
    .execute();
}

/** The order's commissions, by counter, and whether each is counted (not reversed): a re-decision does not count itself. */
export async function monthKeysOf(db: Db, conversionId: string) {
  const rows = await db
    .selectFrom('commissions')
    .select(['offer_id', 'member_id', 'month_key', 'status'])
    .where('conversion_id', '=', conversionId)
    .execute();
  return rows.map((r) => ({
    offer_id: r.offer_id,
    member_id: r.member_id,
    month_key: r.month_key,
    counted: r.status !== 'reversed',
  }));
}

/** Every volume-tier count as the commission rows say it, for `touchpoint ledger verify` against the counters. */
export async function monthCommissionCounts(db: Db, workspaceId?: string) {
  let q = db
    .selectFrom('commissions')
    .select(['offer_id', 'member_id', 'month_key', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', '!=', 'reversed');
  if (workspaceId) q = q.where('workspace_id', '=', workspaceId);
  return q.groupBy(['offer_id', 'member_id', 'month_key']).execute();
}

/** Every volume-tier counter as stored: its row plus, on PostgreSQL, the deltas not folded into it yet. */
export async function monthCounters(db: Db, workspaceId?: string) {
  let q = db.selectFrom('commission_month_counts').select(['offer_id', 'member_id', 'month_key', 'counted as n']);
  if (workspaceId) q = q.where('workspace_id', '=', workspaceId);
  const rows = new Map<string, { offer_id: string; member_id: string; month_key: string; n: number }>();
  const add = (r: { offer_id: string; member_id: string; month_key: string; n: number | string }) => {
    const key = JSON.stringify([r.offer_id, r.member_id, r.month_key]);
    const row = rows.get(key);
    if (row) row.n += Number(r.n);
    else rows.set(key, { offer_id: r.offer_id, member_id: r.member_id, month_key: r.month_key, n: Number(r.n) });
  };
  for (const r of await q.execute()) add(r);
  if (dialectOf(db).concurrentWriters) {
    let d = db
      .selectFrom('commission_month_deltas')
      .select(['offer_id', 'member_id', 'month_key', (eb) => eb.fn.sum<number>('delta').as('n')]);
    if (workspaceId) d = d.where('workspace_id', '=', workspaceId);
    for (const r of await d.groupBy(['offer_id', 'member_id', 'month_key']).execute()) add(r);
  }
  return [...rows.values()];
}

/** Earlier commissions of the member on the offer in the month that still count towards volume tiers, scanned. */
export async function countMonthCommissions(
  db: Db,
  offerId: string,
  memberId: string,
  monthKey: string,
  exceptConversion: string,
): Promise<number> {
  const r = await db
    .selectFrom('commissions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('offer_id', '=', offerId)
    .where('member_id', '=', memberId)
    .where('month_key', '=', monthKey)
    .where('status', '!=', 'reversed')
    .where('conversion_id', '!=', exceptConversion)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * A click by its id. A click id carries its creation time (core/click-id), so the lookup also bounds created_at: on
 * PostgreSQL that reads one monthly partition's index instead of every month's (ADR 0012).
 */
export async function findClick(db: Db, id: string) {
  const made = parseClickId(id)?.createdAt;
  return db
    .selectFrom('clicks')
    .select(['id', 'workspace_id', 'offer_id', 'member_id', 'link_id', 'created_at', 'tracked', 'is_bot'])
    .where('id', '=', id)
    .$if(made !== undefined, (q) =>
      q.where('created_at', '>=', made! - CLICK_TIME_SLACK_MS).where('created_at', '<=', made! + CLICK_TIME_SLACK_MS),
    )
    .executeTakeFirst();
}

export async function findCodeForAttribution(db: Db, workspaceId: string, code: string) {
  // The active code if there is one, else the newest disabled one (to say "code disabled" rather than "unknown").
  // A string has one or a few rows: chosen here rather than sorted by the database.
  const rows = await db
    .selectFrom('promo_codes')
    .select(['id', 'code', 'offer_id', 'member_id', 'status'])
    .where('workspace_id', '=', workspaceId)
    .where('code_normalized', '=', code)
    .execute();
  return rows.find((r) => r.status === 'active') ?? rows.sort((a, b) => (a.id < b.id ? 1 : -1))[0];
}
