// Reports (SPEC §5): metrics grouped by offer, member, code, link, sub-id, day or week, in the workspace's zone or
// one asked for. Two sources give the same numbers: the rollups (fast; the workspace's own zone) and the raw rows
// (any zone, sub-ids, and the baseline the rollups are measured against). Both produce click sums and credit-line
// sums per group key (db/reports.ts reads them); one combine step (core/report-rows.ts) turns them into report rows,
// so the two can only differ in their inputs. Here: the query checked and planned, the source chosen, the reads made.
import { SUB_ID_OTHER } from '../core/click-rollups.js';
import type { ReportGroupBy } from '../core/report-metrics.js';
import {
  countsCredits,
  groupKeys,
  labelRows,
  overall,
  rawLines,
  rawSums,
  REPORT_SORTS,
  reportRows,
  sortRows,
  sumKnown,
  TOTAL_REACH,
  unconvertedOf,
  type LabeledRow,
  type RawClickRow,
  type RawLine,
  type ReportFilters,
  type ReportKeys,
  type ReportScope,
  type ReportTotals,
  type Sums,
} from '../core/report-rows.js';
import { fail, ok, type ProblemDetail, type Result } from '../core/result.js';
import { addDays, bucketStart, dayKey, isDateKey, isTimeZone } from '../core/time-buckets.js';
import { rawClicksKeptFrom } from '../db/click-retention.js';
import * as reads from '../db/reports.js';
import * as rollups from '../db/rollups.js';
import type { Workspace } from '../db/workspaces.js';
import type { AppContext } from './context.js';
import { refreshDirtyConversions, workspaceCurrency } from './rollups.js';

export interface ReportQuery extends ReportFilters {
  groupBy?: ReportGroupBy;
  /** Local dates, both inclusive. Default: the 30 days ending today. */
  from?: string;
  to?: string;
  tz?: string;
  sort?: (typeof REPORT_SORTS)[number];
  order?: 'asc' | 'desc';
  limit?: number;
  /** auto: rollups when they answer the question (the workspace's zone; by sub-id, no code filter), else raw rows. */
  source?: 'auto' | 'rollups' | 'raw';
}

export interface Report {
  groupBy: ReportGroupBy;
  from: string;
  to: string;
  timezone: string;
  currency: string;
  source: 'rollups' | 'raw';
  /** Conversions counted per credited party (a split order counts for each) or once per order: see ADR 0006. */
  conversionsCount: 'credits' | 'orders';
  rows: LabeledRow[];
  totals: ReportTotals;
  /** Credit lines whose money could not be put in the workspace currency for want of an exchange rate. */
  unconverted: number;
  /**
   * By sub-id: some link had more distinct sub-ids than the rollups keep per link (core/click-rollups SUB_ID_CAP), and
   * its further values are summed in the "(other)" row (key SUB_ID_OTHER). Never from raw rows.
   */
  subIdsCapped: boolean;
  /**
   * A raw answer whose range starts before the raw clicks kept (CLICK_RETENTION_MONTHS, ADR 0012): the first local day
   * whose clicks are all kept. Clicks, unique clicks and sub-ids before it are missing from the answer (conversions
   * and money are not). Null otherwise, and always from the rollups, which keep every day.
   */
  rawClicksFrom: string | null;
}

/** A report's local days, both inclusive, in a zone: checked once for every report that takes from/to/tz. */
export function reportPeriod(
  ws: Workspace,
  query: { from?: string; to?: string; tz?: string },
  now: number,
): Result<{ from: string; to: string; zone: string }> {
  const details: ProblemDetail[] = [];
  const tz = query.tz ?? ws.timezone;
  if (!isTimeZone(tz))
    details.push({ path: 'tz', code: 'timezone_invalid', message: 'Use an IANA zone such as Europe/Paris.' });
  const zone = isTimeZone(tz) ? canonicalZone(tz) : 'UTC';
  const today = dayKey(now, zone);
  const to = query.to ?? today;
  const from = query.from ?? addDays(isDateKey(to) ? to : today, -29);
  for (const [path, v] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!isDateKey(v)) details.push({ path, code: 'date_invalid', message: 'Use a date written YYYY-MM-DD.' });
  }
  if (!details.length && from > to)
    details.push({ path: 'from', code: 'range_invalid', message: 'The start date is after the end date.' });
  if (!details.length && daysBetween(from, to) > 3_660) {
    details.push({ path: 'from', code: 'range_too_long', message: 'A report covers at most ten years.' });
  }
  if (details.length) return fail('validation_failed', 'The report parameters are not valid.', details);
  return ok({ from, to, zone });
}

export async function runReport(ctx: AppContext, ws: Workspace, query: ReportQuery): Promise<Result<Report>> {
  const period = reportPeriod(ws, query, ctx.clock());
  if (!period.ok) return period;
  const { from, to, zone } = period.value;
  const groupBy = query.groupBy ?? 'day';

  let code: ReportScope['code'] = null;
  if (query.codeId) {
    code = await reads.codeOwner(ctx.store.db, ws.id, query.codeId);
    if (!code) return fail('not_found', `No promo code ${query.codeId} in this workspace.`);
  }
  const scope: ReportScope = { workspaceId: ws.id, from, to, tz: zone, q: query, code };

  // By sub-id the rollups have no code: a report filtered by a code reads raw rows.
  const rollupsAnswer =
    (groupBy !== 'sub_id' || !query.codeId) &&
    ws.rollup_timezone !== null &&
    canonicalZone(ws.rollup_timezone) === zone;
  if (query.source === 'rollups' && !rollupsAnswer) {
    return fail('validation_failed', 'Rollups cannot answer this report.', [
      {
        path: 'source',
        code: 'rollups_unavailable',
        message: `Rollups are kept per day in ${ws.rollup_timezone ?? 'no zone yet'}, and by sub-id without the code.`,
      },
    ]);
  }
  const source = query.source === 'raw' || !rollupsAnswer ? 'raw' : 'rollups';
  if (source === 'rollups') await refreshDirtyConversions(ctx.store, { workspaceId: ws.id, now: ctx.clock() });

  // The codes are read beside the sums: on PostgreSQL the two run on separate connections at once.
  const codes = groupBy === 'code' ? reads.readReportCodes(ctx.store.db, scope) : null;
  codes?.catch(() => {}); // awaited below; a rejection before then is not unhandled
  const grouped: Sums =
    source === 'rollups'
      ? groupBy === 'sub_id'
        ? await reads.readSubIdSums(ctx.store.db, scope)
        : await reads.readRollupSums(ctx.store.db, scope, groupBy)
      : await loadRaw(ctx, ws, scope).then(({ clickRows, lines }) => rawSums(groupBy, clickRows, lines));
  const total = overall(grouped);
  const keys = groupKeys(scope, groupBy, grouped, codes ? await codes : []);
  const reach = await reachOf(ctx, scope, groupBy, keys);
  const { rows, totals } = reportRows(groupBy, query, keys, grouped, total, reach);
  await label(ctx, ws, groupBy, rows, keys.codeNames);
  sortRows(rows, groupBy, query);
  return ok({
    groupBy,
    from,
    to,
    timezone: zone,
    currency: ws.currency,
    source,
    conversionsCount: countsCredits(groupBy, query) ? 'credits' : 'orders',
    rows: query.limit ? rows.slice(0, query.limit) : rows,
    totals,
    subIdsCapped: groupBy === 'sub_id' && keys.includes(SUB_ID_OTHER),
    unconverted: unconvertedOf(total),
    rawClicksFrom: source === 'raw' ? await rawClicksFrom(ctx, from, zone) : null,
  });
}

/** The first local day whose raw clicks were all kept, when the report's first day is before it (Report.rawClicksFrom). */
async function rawClicksFrom(ctx: AppContext, from: string, zone: string): Promise<string | null> {
  const keptFrom = await rawClicksKeptFrom(ctx.store.db);
  if (keptFrom === null) return null;
  let first = dayKey(keptFrom, zone);
  if (bucketStart(first, zone) < keptFrom) first = addDays(first, 1);
  return from < first ? first : null;
}

function canonicalZone(tz: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/**
 * The raw rows of a report: clicks aggregated by the database per local day (each day's [start, end) in the zone
 * asked for), conversions turned into credit lines.
 */
async function loadRaw(
  ctx: AppContext,
  ws: Workspace,
  s: ReportScope,
): Promise<{ clickRows: RawClickRow[]; lines: RawLine[] }> {
  const db = ctx.store.db;
  const clickRows = await reads.readRawClicks(db, s);
  const start = bucketStart(s.from, s.tz);
  const end = bucketStart(addDays(s.to, 1), s.tz);
  const convert = await workspaceCurrency(db, ws.id, ws.currency);
  const conversions = await rollups.conversionsBetween(db, ws.id, start, end);
  const subIds = await rollups.clickSubIds(
    db,
    conversions.map((c) => c.clickId).filter((id): id is string => !!id),
  );
  return { clickRows, lines: rawLines(conversions, convert, s.tz, s.q, subIds) };
}

/**
 * Reach (followers) a row's redemptions are measured against: the member's for member, code and link rows; the
 * members' on the offer for offer rows; for the totals, the one member filtered on, else the members of the offer
 * filtered on, else every member with a known reach. Unknown reach stays null rather than counting as 0.
 */
async function reachOf(
  ctx: AppContext,
  s: ReportScope,
  group: ReportGroupBy,
  keys: ReportKeys,
): Promise<Map<string, number | null>> {
  const db = ctx.store.db;
  const out = new Map<string, number | null>();
  const offerReach = async (offerIds: string[]) => {
    const by = await reads.offerMemberReaches(db, s.workspaceId, offerIds);
    return new Map(offerIds.map((id) => [id, sumKnown(by.get(id) ?? [])]));
  };

  if (group === 'member')
    for (const [id, r] of await reads.memberReach(db, s.workspaceId, keys.filter(Boolean))) out.set(id, r);
  if (group === 'code' && keys.codeReach) for (const k of keys) out.set(k, keys.codeReach.get(k) ?? null);
  if (group === 'link') {
    const links = await reads.linkMembers(db, s.workspaceId, keys.filter(Boolean));
    const reach = await reads.memberReach(db, s.workspaceId, [
      ...new Set(links.map((l) => l.member_id).filter((m): m is string => !!m)),
    ]);
    for (const l of links) out.set(l.id, l.member_id ? (reach.get(l.member_id) ?? null) : null);
  }
  if (group === 'offer') for (const [id, r] of await offerReach(keys.filter(Boolean))) out.set(id, r);

  const memberId = s.q.memberId ?? (s.code?.memberId || undefined);
  if (memberId) out.set(TOTAL_REACH, (await reads.memberReach(db, s.workspaceId, [memberId])).get(memberId) ?? null);
  else if (s.q.offerId) out.set(TOTAL_REACH, (await offerReach([s.q.offerId])).get(s.q.offerId) ?? null);
  else out.set(TOTAL_REACH, await reads.workspaceReach(db, s.workspaceId));
  if (memberId && (group === 'day' || group === 'week' || group === 'sub_id'))
    for (const k of keys) out.set(k, out.get(TOTAL_REACH) ?? null);
  return out;
}

/** Reads the names of the rows' offers, members, codes or links (a code grouping already has its codes') and labels the rows. */
async function label(
  ctx: AppContext,
  ws: Workspace,
  group: ReportGroupBy,
  rows: LabeledRow[],
  known?: Map<string, string>,
): Promise<void> {
  const names = known ?? new Map<string, string>();
  const ids = rows.map((r) => r.key).filter((k) => k && !names.has(k));
  for (const [id, name] of await reads.reportNames(ctx.store.db, ws.id, group, ids)) names.set(id, name);
  labelRows(group, rows, names);
}
