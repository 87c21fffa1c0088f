// Report rollups (ADR 0006). Clicks are added to their day's rollup in the same transaction that writes them (the
// click writer). Conversions, which change after they are written (fill-ins, refunds, approvals, payouts), are
// marked dirty by database triggers; here each dirty conversion's previous contribution (rollup_applied) is
// subtracted and its current one added, so a round costs what changed, not the size of the day. Reports first bring
// the workspace's dirty conversions up to date, so a report never misses a conversion whose write was acknowledged.
import { parseClickId } from '../core/click-id.js';
import { convertMinor } from '../core/fx.js';
import { creditLines, lineDeltas, mergeLines, type DayLines, type ToWorkspaceCurrency } from '../core/report-facts.js';
import { addDays, bucketStart, LocalDays, periodsOfDay } from '../core/time-buckets.js';
import type { Store } from '../db/dialect/index.js';
import * as repo from '../db/rollups.js';
import type { Database } from '../db/schema.js';
import type { Kysely, Transaction } from 'kysely';

type Db = Kysely<Database> | Transaction<Database>;

/** Amounts in another currency are put in the workspace currency at the workspace's current rate (fx_rates). */
export async function workspaceCurrency(db: Db, workspaceId: string, currency: string): Promise<ToWorkspaceCurrency> {
  const rows = await db
    .selectFrom('fx_rates')
    .select(['from_currency', 'rate'])
    .where('workspace_id', '=', workspaceId)
    .where('to_currency', '=', currency)
    .execute();
  const rates = new Map(rows.map((r) => [r.from_currency, r.rate]));
  return (minor, from) => {
    if (from === currency) return minor;
    const rate = rates.get(from);
    if (!rate) return null;
    const converted = convertMinor(minor, from, currency, rate);
    return converted.ok ? converted.minor : null;
  };
}

async function recomputeConversionDay(
  db: Db,
  ws: { id: string; currency: string; zone: string },
  day: string,
  convert: ToWorkspaceCurrency,
): Promise<void> {
  const start = bucketStart(day, ws.zone);
  const end = bucketStart(addDays(day, 1), ws.zone);
  const conversions = await repo.conversionsBetween(db, ws.id, start, end);
  const { applied } = await landedLines(db, ws.id, conversions, () => day, convert);
  await repo.replaceConversionDay(db, ws.id, day, mergeLines([...applied.values()].flatMap((a) => a.lines)), applied);
  await repo.addConversionDeltas(
    db,
    ws.id,
    lineDeltas(subChanges([...applied.values()].map((after) => ({ before: null, after })))),
    'sub-day',
  );
}

/**
 * How long a conversion whose click is not written yet is applied again, round after round, from the click's time: a
 * click waits in its instance's buffer for a second (longer while the database is down), and its conversion's lines
 * with a link land in the no-sub-id row until it is written. A click still missing after this never comes (its
 * instance stopped without writing it), and the no-sub-id row stands, as the raw rows say.
 */
const CLICK_WAIT_MS = 15 * 60_000;

/**
 * Each conversion's merged credit lines on its day, each line with the sub-id row it lands in (db/rollups landSubIds):
 * a line with a link takes its click's sub1, as a raw-row report keys it (core/report-rows rawLines). `awaitingClick`:
 * the conversions with such a line whose click is not written yet (see CLICK_WAIT_MS).
 */
async function landedLines(
  db: Db,
  workspaceId: string,
  conversions: readonly repo.ConversionForReport[],
  dayOf: (c: repo.ConversionForReport) => string,
  convert: ToWorkspaceCurrency,
  now = Date.now(),
): Promise<{ applied: Map<string, DayLines>; awaitingClick: string[] }> {
  const subs = await repo.clickSubIds(
    db,
    conversions.map((c) => c.clickId).filter((id): id is string => !!id),
  );
  const lines = new Map(conversions.map((c) => [c.id, mergeLines(creditLines(c, c.commissions, convert))]));
  const subOf = (c: repo.ConversionForReport, l: { linkId: string }) =>
    l.linkId && c.clickId ? (subs.get(c.clickId) ?? '') : '';
  const landed = await repo.landSubIds(
    db,
    workspaceId,
    conversions.flatMap((c) => lines.get(c.id)!.map((l) => ({ linkId: l.linkId, subId: subOf(c, l) }))),
  );
  const out = new Map<string, DayLines>();
  const awaitingClick: string[] = [];
  for (const c of conversions) {
    out.set(c.id, {
      day: dayOf(c),
      lines: lines.get(c.id)!.map((l) => {
        const sub = subOf(c, l);
        return sub ? { ...l, subId: landed.get(repo.subIdKey(l.linkId, sub))! } : l;
      }),
    });
    if (c.clickId && !subs.has(c.clickId) && lines.get(c.id)!.some((l) => l.linkId)) {
      const clickedAt = parseClickId(c.clickId)?.createdAt;
      if (clickedAt !== undefined && now - clickedAt < CLICK_WAIT_MS) awaitingClick.push(c.id);
    }
  }
  return { applied: out, awaitingClick };
}

/** Changes of lines per landed sub-id, for the 'sub-day' tier (which keys by the sub-id where the others have the code). */
function subChanges(
  changes: readonly { before: DayLines | null; after: DayLines | null }[],
): { before: DayLines | null; after: DayLines | null }[] {
  const bySub = (x: DayLines | null) =>
    x && { day: x.day, lines: x.lines.map((l) => ({ ...l, codeId: l.subId ?? '' })) };
  return changes.map((c) => ({ before: bySub(c.before), after: bySub(c.after) }));
}

/**
 * Brings the rollups up to date for these conversions of one workspace: their previous lines out, their current ones in.
 * Returns the conversions to apply again once their click is written (landedLines).
 */
async function applyConversions(
  db: Db,
  ws: { id: string; currency: string },
  zone: string,
  conversionIds: readonly string[],
  now?: number,
): Promise<string[]> {
  const before = await repo.appliedLines(db, ws.id, conversionIds);
  const convert = await workspaceCurrency(db, ws.id, ws.currency);
  // A round's conversions are mostly of one day: its bounds are computed once, not the local date of each (Intl).
  const days = new LocalDays(zone);
  const { applied: after, awaitingClick } = await landedLines(
    db,
    ws.id,
    await repo.conversionsByIds(db, ws.id, conversionIds),
    (c) => days.keyOf(c.occurredAt),
    convert,
    now,
  );
  const changes = conversionIds.map((id) => ({ before: before.get(id) ?? null, after: after.get(id) ?? null }));
  await repo.addConversionDeltas(db, ws.id, lineDeltas(changes), 'day');
  // And per day, link and the sub-id row each line landed in (before: where it landed then, kept in rollup_applied).
  await repo.addConversionDeltas(db, ws.id, lineDeltas(subChanges(changes)), 'sub-day');
  // The same change in the conversion's week and month (lineDeltas keys by whatever period it is given).
  const inPeriod = (x: DayLines | null, i: 0 | 1) => x && { day: periodsOfDay(x.day)[i], lines: x.lines };
  const periodChanges = changes.flatMap((c) =>
    ([0, 1] as const).map((i) => ({ before: inPeriod(c.before, i), after: inPeriod(c.after, i) })),
  );
  await repo.addConversionDeltas(db, ws.id, lineDeltas(periodChanges), 'period');
  // And per week and month, landed sub-id, offer and member (without link and status), for reports by sub-id.
  const subPeriod = (x: DayLines | null) =>
    x && { ...x, lines: x.lines.map((l) => ({ ...l, linkId: '', status: '' })) };
  await repo.addConversionDeltas(
    db,
    ws.id,
    lineDeltas(subChanges(periodChanges.map((c) => ({ before: subPeriod(c.before), after: subPeriod(c.after) })))),
    'sub-period',
  );
  // And without link, code and status, for reports by offer, by member and in total.
  const memberOnly = (x: DayLines | null) =>
    x && { day: x.day, lines: x.lines.map((l) => ({ ...l, linkId: '', codeId: '', status: '' })) };
  await repo.addConversionDeltas(
    db,
    ws.id,
    lineDeltas(periodChanges.map((c) => ({ before: memberOnly(c.before), after: memberOnly(c.after) }))),
    'member-period',
  );
  // And without link and status, for reports by code.
  const codeOnly = (x: DayLines | null) =>
    x && { day: x.day, lines: x.lines.map((l) => ({ ...l, linkId: '', status: '' })) };
  await repo.addConversionDeltas(
    db,
    ws.id,
    lineDeltas(periodChanges.map((c) => ({ before: codeOnly(c.before), after: codeOnly(c.after) }))),
    'code-period',
  );
  // And per day without member, link and code, for the offer-level reports and charts.
  const offerOnly = (x: DayLines | null) =>
    x && { day: x.day, lines: x.lines.map((l) => ({ ...l, memberId: '', linkId: '', codeId: '' })) };
  await repo.addConversionDeltas(
    db,
    ws.id,
    lineDeltas(changes.map((c) => ({ before: offerOnly(c.before), after: offerOnly(c.after) }))),
    'offer-day',
  );
  await repo.replaceApplied(db, ws.id, conversionIds, after);
  return awaitingClick;
}

/**
 * Applies the conversions the dirty marks point to (all workspaces, or one) and deletes exactly the marks it read: a
 * mark committed meanwhile stays for the next round, which applies that conversion's state again (a no-op when
 * nothing changed since). Returns the number of conversions applied.
 */
export async function refreshDirtyConversions(
  store: Store,
  opts: { workspaceId?: string; limit?: number; now?: number } = {},
): Promise<number> {
  const limit = opts.limit ?? 5_000;
  let applied = 0;
  // Marked again only after this call's rounds, so a conversion whose click is not written yet is applied once here.
  const again = new Map<string, string[]>();
  const done = async () => {
    for (const [workspaceId, ids] of again) await repo.markDirty(store.db, workspaceId, ids);
    return applied;
  };
  for (;;) {
    const marks = await repo.readDirty(store.db, limit, opts.workspaceId);
    if (!marks.length) return done();
    const workspaces = await store.db
      .selectFrom('workspaces')
      .select(['id', 'currency', 'rollup_timezone'])
      .where('id', 'in', [...new Set(marks.map((m) => m.workspaceId))])
      .execute();
    for (const ws of workspaces) {
      const mine = marks.filter((m) => m.workspaceId === ws.id);
      const conversionIds = [...new Set(mine.map((m) => m.conversionId))];
      const zone = ws.rollup_timezone!; // readDirty skips workspaces whose rollups are not built yet
      await store.db.transaction().execute(async (tx) => {
        await repo.lockRollup(tx, ws.id, 'shared');
        // One applier per workspace at a time: two instances applying the same conversion would both subtract the
        // same previous lines.
        await repo.lockRollup(tx, `${ws.id}:conversions`, 'exclusive');
        // A rebuild committed while we waited: in another zone, leave the marks to the next round (they are then
        // applied in the new zone's days); in the same zone, applying again is harmless.
        if ((await repo.rollupZones(tx, [ws.id])).get(ws.id) !== zone) return;
        const awaiting = await applyConversions(tx, ws, zone, conversionIds, opts.now);
        if (awaiting.length) again.set(ws.id, [...(again.get(ws.id) ?? []), ...awaiting]);
        await repo.deleteDirty(
          tx,
          mine.map((m) => m.id),
        );
      });
      applied += conversionIds.length;
    }
    if (marks.length < limit) return done();
  }
}

export interface RebuildProgress {
  phase: 'clicks' | 'conversions';
  done: number;
  total: number;
}

/**
 * Recomputes a workspace's rollups from its raw rows in its current time zone, in one transaction (REPEATABLE READ
 * on PostgreSQL, under the workspace's exclusive rollup lock, so click batches wait and nothing is counted twice).
 */
export async function rebuildRollups(
  store: Store,
  workspaceId: string,
  opts: { onProgress?: (p: RebuildProgress) => void } = {},
): Promise<{ days: number; timeZone: string }> {
  const work = async (tx: Transaction<Database>) => {
    await repo.lockRollup(tx, workspaceId, 'exclusive');
    const ws = await tx
      .selectFrom('workspaces')
      .select(['id', 'timezone', 'currency'])
      .where('id', '=', workspaceId)
      .executeTakeFirstOrThrow();
    await repo.clearWorkspaceRollups(tx, workspaceId);
    const span = await repo.activitySpan(tx, workspaceId);
    const days: string[] = [];
    if (span) {
      const zone = new LocalDays(ws.timezone);
      for (let d = zone.keyOf(span.fromMs), last = zone.keyOf(span.toMs); d <= last; d = addDays(d, 1)) days.push(d);
    }
    const convert = await workspaceCurrency(tx, ws.id, ws.currency);
    await repo.rebuildSubIdAdmissions(tx, ws.id);
    for (const [i, day] of days.entries()) {
      const start = bucketStart(day, ws.timezone);
      const end = bucketStart(addDays(day, 1), ws.timezone);
      await repo.rebuildClickDay(tx, ws.id, day, start, end);
      opts.onProgress?.({ phase: 'clicks', done: i + 1, total: days.length });
    }
    for (const [i, day] of days.entries()) {
      await recomputeConversionDay(tx, { id: ws.id, currency: ws.currency, zone: ws.timezone }, day, convert);
      opts.onProgress?.({ phase: 'conversions', done: i + 1, total: days.length });
    }
    await repo.rebuildCoarseTiers(tx, ws.id);
    await repo.setRollupZone(tx, ws.id, ws.timezone);
    return { days: days.length, timeZone: ws.timezone };
  };
  // The snapshot follows the lock, so it holds every click batch committed while we waited.
  const rebuilt = await store.dialect.snapshotUnderLock(store.db, repo.rollupLockKey(workspaceId), work);
  // The rollup tables may have grown many times over: let the query planner see it.
  await store.dialect.refreshPlannerStatistics(store.db);
  return rebuilt;
}

/**
 * The periodic job: rebuilds workspaces whose rollups are missing or in a zone the workspace no longer uses, then
 * applies dirty conversions. Safe on several instances (locks above); a rebuild another instance is doing waits.
 */
export async function runRollupJob(store: Store, now?: number): Promise<{ rebuilt: string[]; conversions: number }> {
  const stale = await store.db.selectFrom('workspaces').select(['id', 'timezone', 'rollup_timezone']).execute();
  const rebuilt: string[] = [];
  for (const ws of stale) {
    if (ws.rollup_timezone === ws.timezone) continue;
    await rebuildRollups(store, ws.id);
    rebuilt.push(ws.id);
  }
  return { rebuilt, conversions: await refreshDirtyConversions(store, { now }) };
}
