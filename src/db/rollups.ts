// Rollup tables (ADR 0006): reads and writes only; what goes in them is decided in app/rollups.ts and core/report-facts.ts.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { CreditLine, ReportCommission, ReportConversion } from '../core/report-facts.js';
import type { DialectKind } from './dialect.js';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * PostgreSQL advisory locks keyed by text, held to the end of the transaction. A click batch holds its workspaces'
 * lock shared; a rebuild holds it exclusive, so no batch lands between a rebuild's snapshot and its commit; a day's
 * recompute holds the day's lock exclusive, so two instances never interleave a delete and an insert of one day.
 * SQLite needs none: it has one writer at a time.
 */
export async function lockRollup(db: Db, kind: DialectKind, key: string, mode: 'shared' | 'exclusive'): Promise<void> {
  if (kind !== 'postgres') return;
  const fn = mode === 'shared' ? sql`pg_advisory_xact_lock_shared` : sql`pg_advisory_xact_lock`;
  await sql`select ${fn}(hashtext(${'rollup:' + key}))`.execute(db);
}

export async function rollupZones(db: Db, workspaceIds: string[]): Promise<Map<string, string | null>> {
  if (!workspaceIds.length) return new Map();
  const rows = await db.selectFrom('workspaces').select(['id', 'rollup_timezone']).where('id', 'in', workspaceIds).execute();
  return new Map(rows.map((r) => [r.id, r.rollup_timezone]));
}

export interface DirtyMark {
  id: number;
  workspaceId: string;
  occurredAt: number;
}

/** Marks of workspaces whose rollups are built; a workspace waiting for its first build keeps its marks. */
export async function readDirty(db: Db, limit: number, workspaceId?: string): Promise<DirtyMark[]> {
  let q = db.selectFrom('rollup_dirty as d').innerJoin('workspaces as w', 'w.id', 'd.workspace_id')
    .select(['d.id', 'd.workspace_id', 'd.occurred_at']).where('w.rollup_timezone', 'is not', null).orderBy('d.id').limit(limit);
  if (workspaceId) q = q.where('d.workspace_id', '=', workspaceId);
  const rows = await q.execute();
  return rows.map((r) => ({ id: Number(r.id), workspaceId: r.workspace_id, occurredAt: Number(r.occurred_at) }));
}

export async function deleteDirty(db: Db, ids: number[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 1_000) {
    await db.deleteFrom('rollup_dirty').where('id', 'in', ids.slice(i, i + 1_000)).execute();
  }
}

export interface ConversionForReport extends ReportConversion {
  id: string;
  occurredAt: number;
  clickId: string | null;
  commissions: ReportCommission[];
}

/** A workspace's non-test conversions in [startMs, endMs), with their commissions. */
export async function conversionsBetween(db: Db, workspaceId: string, startMs: number, endMs: number): Promise<ConversionForReport[]> {
  const rows = await db
    .selectFrom('conversions')
    .select(['id', 'status', 'occurred_at', 'reported_offer_id', 'amount_minor', 'currency', 'refunded_minor', 'decision', 'click_id'])
    .where('workspace_id', '=', workspaceId)
    .where('occurred_at', '>=', startMs)
    .where('occurred_at', '<', endMs)
    .where('is_test', '=', 0)
    .execute();
  const commissions = await db
    .selectFrom('commissions as m')
    .innerJoin('conversions as c', 'c.id', 'm.conversion_id')
    .select(['m.conversion_id', 'm.offer_id', 'm.member_id', 'm.status', 'm.amount_minor', 'm.currency'])
    .where('c.workspace_id', '=', workspaceId)
    .where('c.occurred_at', '>=', startMs)
    .where('c.occurred_at', '<', endMs)
    .where('c.is_test', '=', 0)
    .execute();
  const byConversion = new Map<string, ReportCommission[]>();
  for (const m of commissions) {
    const list = byConversion.get(m.conversion_id) ?? [];
    list.push({ offerId: m.offer_id, memberId: m.member_id, status: m.status, amountMinor: Number(m.amount_minor), currency: m.currency });
    byConversion.set(m.conversion_id, list);
  }
  return rows.map((r) => ({
    id: r.id, occurredAt: Number(r.occurred_at), clickId: r.click_id, status: r.status, isTest: false, reportedOfferId: r.reported_offer_id,
    amountMinor: r.amount_minor === null ? null : Number(r.amount_minor), currency: r.currency, refundedMinor: Number(r.refunded_minor),
    decision: JSON.parse(r.decision) as ReportConversion['decision'], commissions: byConversion.get(r.id) ?? [],
  }));
}

/** Replaces one local day's conversion rollups. */
export async function replaceConversionDay(db: Db, workspaceId: string, day: string, lines: CreditLine[]): Promise<void> {
  await db.deleteFrom('rollup_conversions').where('workspace_id', '=', workspaceId).where('day', '=', day).execute();
  for (let i = 0; i < lines.length; i += 500) {
    await db.insertInto('rollup_conversions').values(lines.slice(i, i + 500).map((l) => ({
      workspace_id: workspaceId, day, offer_id: l.offerId, member_id: l.memberId, link_id: l.linkId, code_id: l.codeId, status: l.status,
      orders: l.orders, credits: l.credits, unattributed: l.unattributed, sales_minor: l.salesMinor, refunds_minor: l.refundsMinor,
      commission_minor: l.commissionMinor, coded_revenue_minor: l.codedRevenueMinor, link_revenue_minor: l.linkRevenueMinor,
      code_redemptions: l.codeRedemptions, unconverted: l.unconverted,
    }))).execute();
  }
}

/** Recomputes one local day's click rollups from the raw clicks of [startMs, endMs). */
export async function rebuildClickDay(db: Db, workspaceId: string, day: string, startMs: number, endMs: number): Promise<void> {
  await db.deleteFrom('rollup_clicks').where('workspace_id', '=', workspaceId).where('day', '=', day).execute();
  await sql`
    insert into rollup_clicks (workspace_id, day, link_id, offer_id, member_id, clicks, unique_clicks)
    select ${workspaceId}, ${day}, link_id, min(offer_id), coalesce(min(member_id), ''), count(*), sum(is_unique)
    from clicks
    where workspace_id = ${workspaceId} and created_at >= ${startMs} and created_at < ${endMs} and tracked = 1 and is_bot = 0
    group by link_id`.execute(db);
}

/** The first and last instants of a workspace's clicks and non-test conversions; null when it has none. */
export async function activitySpan(db: Db, workspaceId: string): Promise<{ fromMs: number; toMs: number } | null> {
  const c = await db.selectFrom('clicks').select((eb) => [eb.fn.min('created_at').as('lo'), eb.fn.max('created_at').as('hi')])
    .where('workspace_id', '=', workspaceId).executeTakeFirst();
  const v = await db.selectFrom('conversions').select((eb) => [eb.fn.min('occurred_at').as('lo'), eb.fn.max('occurred_at').as('hi')])
    .where('workspace_id', '=', workspaceId).where('is_test', '=', 0).executeTakeFirst();
  const los = [c?.lo, v?.lo].filter((x) => x !== null && x !== undefined).map(Number);
  const his = [c?.hi, v?.hi].filter((x) => x !== null && x !== undefined).map(Number);
  return los.length ? { fromMs: Math.min(...los), toMs: Math.max(...his) } : null;
}

export async function clearWorkspaceRollups(db: Db, workspaceId: string): Promise<void> {
  await db.deleteFrom('rollup_clicks').where('workspace_id', '=', workspaceId).execute();
  await db.deleteFrom('rollup_conversions').where('workspace_id', '=', workspaceId).execute();
  await db.deleteFrom('rollup_dirty').where('workspace_id', '=', workspaceId).execute();
}

export async function setRollupZone(db: Db, workspaceId: string, timeZone: string): Promise<void> {
  await db.updateTable('workspaces').set({ rollup_timezone: timeZone }).where('id', '=', workspaceId).execute();
}
