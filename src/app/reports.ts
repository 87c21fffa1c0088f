// Reports (SPEC §5): metrics grouped by offer, member, code, link, sub-id, day or week, in the workspace's zone or
// one asked for. Two sources give the same numbers: the rollups (fast; the workspace's own zone) and the raw rows
// (any zone, sub-ids, and the baseline the rollups are measured against). Both produce click sums and credit-line
// sums per group key; one combine step turns them into report rows, so the two can only differ in their inputs.
import { sql, type RawBuilder } from 'kysely';
import type { COMMISSION_STATUSES } from '../contract/conversions.js';
import type { REPORT_SORTS } from '../contract/reports.js';
import { LINE_MEASURES, creditLines, type CreditLine, type LineMeasures } from '../core/report-facts.js';
import { reportRow, type ReportAggregate, type ReportGroupBy, type ReportRow } from '../core/report-metrics.js';
import { fail, ok, type ProblemDetail, type Result } from '../core/result.js';
import { addDays, bucketRange, bucketStart, coverRange, dayKey, isDateKey, isTimeZone, isoWeekLabel, LocalDays, weekOfDay } from '../core/time-buckets.js';
import * as rollups from '../db/rollups.js';
import type { Workspace } from '../db/workspaces.js';
import type { AppContext } from './context.js';
import { refreshDirtyConversions, workspaceCurrency } from './rollups.js';


export interface ReportQuery {
  groupBy?: ReportGroupBy;
  /** Local dates, both inclusive. Default: the 30 days ending today. */
  from?: string;
  to?: string;
  tz?: string;
  offerId?: string;
  memberId?: string;
  codeId?: string;
  linkId?: string;
  status?: (typeof COMMISSION_STATUSES)[number];
  sort?: (typeof REPORT_SORTS)[number];
  order?: 'asc' | 'desc';
  limit?: number;
  /** auto: rollups when they answer the question (the workspace's zone, no sub-id), else raw rows. */
  source?: 'auto' | 'rollups' | 'raw';
}

export interface LabeledRow extends ReportRow {
  label: string;
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
  totals: ReportRow;
  /** Credit lines whose money could not be put in the workspace currency for want of an exchange rate. */
  unconverted: number;
}

type Group = ReportGroupBy | 'none';
interface ClickSum { clicks: number; uniqueClicks: number }
interface Sums { clicks: Map<string, ClickSum>; lines: Map<string, LineMeasures> }
interface Scope {
  ws: Workspace;
  from: string;
  to: string;
  tz: string;
  q: ReportQuery;
  /** The code filter's offer and member: its clicks are its member's clicks on its offer. */
  code: { offerId: string; memberId: string } | null;
}

export async function runReport(ctx: AppContext, ws: Workspace, query: ReportQuery): Promise<Result<Report>> {
  const details: ProblemDetail[] = [];
  const tz = query.tz ?? ws.timezone;
  if (!isTimeZone(tz)) details.push({ path: 'tz', code: 'timezone_invalid', message: 'Use an IANA zone such as Europe/Paris.' });
  const zone = isTimeZone(tz) ? canonicalZone(tz) : 'UTC';
  const today = dayKey(ctx.clock(), zone);
  const to = query.to ?? today;
  const from = query.from ?? addDays(isDateKey(to) ? to : today, -29);
  for (const [path, v] of [['from', from], ['to', to]] as const) {
    if (!isDateKey(v)) details.push({ path, code: 'date_invalid', message: 'Use a date written YYYY-MM-DD.' });
  }
  if (!details.length && from > to) details.push({ path: 'from', code: 'range_invalid', message: 'The start date is after the end date.' });
  if (!details.length && daysBetween(from, to) > 3_660) {
    details.push({ path: 'from', code: 'range_too_long', message: 'A report covers at most ten years.' });
  }
  if (details.length) return fail('validation_failed', 'The report parameters are not valid.', details);
  const groupBy = query.groupBy ?? 'day';

  let code: Scope['code'] = null;
  if (query.codeId) {
    const row = await ctx.store.db.selectFrom('promo_codes').select(['offer_id', 'member_id']).where('workspace_id', '=', ws.id).where('id', '=', query.codeId).executeTakeFirst();
    if (!row) return fail('not_found', `No promo code ${query.codeId} in this workspace.`);
    code = { offerId: row.offer_id, memberId: row.member_id ?? '' };
  }
  const scope: Scope = { ws, from, to, tz: zone, q: query, code };

  const rollupsAnswer = groupBy !== 'sub_id' && ws.rollup_timezone !== null && canonicalZone(ws.rollup_timezone) === zone;
  if (query.source === 'rollups' && !rollupsAnswer) {
    return fail('validation_failed', 'Rollups cannot answer this report.', [{ path: 'source', code: 'rollups_unavailable', message: `Rollups are kept per day in ${ws.rollup_timezone ?? 'no zone yet'} and not per sub-id.` }]);
  }
  const source = query.source === 'raw' || !rollupsAnswer ? 'raw' : 'rollups';
  if (source === 'rollups') await refreshDirtyConversions(ctx.store, { workspaceId: ws.id });

  const sumsOf = source === 'rollups' ? (g: Group) => rollupSums(ctx, scope, g) : rawSums(ctx, scope);
  // The codes are read beside the sums: on PostgreSQL the two run on separate connections at once.
  const codes = groupBy === 'code' ? readCodes(ctx, scope) : null;
  codes?.catch(() => {}); // awaited below; a rejection before then is not unhandled
  const grouped = await sumsOf(groupBy);
  const total = overall(grouped);
  const byCredit = ['member', 'code', 'link'].includes(groupBy) || !!(query.memberId || query.codeId || query.linkId);
  const keys = await groupKeys(scope, groupBy, grouped, codes ? await codes : []);
  const reach = await reachOf(ctx, scope, groupBy, keys);
  const rows = keys.map((key) => {
    const row = reportRow(key, aggregate(grouped, clickKeyOf(groupBy, key, keys.codes), key, byCredit, reach.get(key) ?? null)) as LabeledRow;
    row.label = ''; // set by label(); assigned, not spread, since a report may have thousands of rows
    return row;
  });
  const totals = reportRow('total', aggregate(total, '', '', !!(query.memberId || query.codeId || query.linkId), reach.get('\u0000total') ?? null));
  await label(ctx, ws, groupBy, rows, keys.codeNames);
  sortRows(rows, groupBy, query);
  return ok({
    groupBy, from, to, timezone: zone, currency: ws.currency, source, conversionsCount: byCredit ? 'credits' : 'orders',
    rows: query.limit ? rows.slice(0, query.limit) : rows, totals,
    unconverted: [...total.lines.values()].reduce((a, l) => a + l.unconverted, 0),
  });
}

function isPeriodKey(key: string): boolean {
  return key.startsWith('W') || key.startsWith('M');
}

function canonicalZone(tz: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

// A code's clicks are its member's clicks on its offer; a generic code has no member whose clicks it could claim.
function noClicks(s: Scope): boolean {
  return !!s.code && !s.code.memberId;
}
function clickOffers(s: Scope): string[] {
  return [s.code?.offerId, s.q.offerId].filter((x): x is string => !!x);
}
function clickMembers(s: Scope): string[] {
  return [s.code?.memberId, s.q.memberId].filter((x): x is string => !!x);
}

// --- Sources -----------------------------------------------------------------------------------------------------

const ROLLUP_CLICK_KEY: Record<Group, string | null> = { offer: 'offer_id', member: 'member_id', link: 'link_id', day: 'day', week: 'day', code: null, sub_id: null, none: null };
const ROLLUP_LINE_KEY: Record<Group, string | null> = { offer: 'offer_id', member: 'member_id', link: 'link_id', day: 'day', week: 'day', code: 'code_id', sub_id: null, none: null };

/**
 * A report from the rollups, read from the coarsest tier that answers it (ADR 0006). One that needs nothing finer
 * than offer and status reads the offer days of the range. Otherwise, by day or week it reads the day rollups of the
 * range; by anything else it reads a weighted cover of the range — whole months and weeks (the period rollups) and
 * single days, some subtracted — so a long range reads a fraction of the rows ("Weeks and months").
 */
async function rollupSums(ctx: AppContext, s: Scope, group: Group): Promise<Sums> {
  const db = ctx.store.db;
  const { q, ws } = s;
  const offerGrain = (group === 'offer' || group === 'day' || group === 'week' || group === 'none') && !q.memberId && !q.linkId && !q.codeId;
  const cover = offerGrain || group === 'day' || group === 'week' ? null : coverRange(s.from, s.to, await rollups.rollupSpan(db, ws.id));
  /**
   * `select <key> as key, <columns>` from the day table and the period table over the range, as one row source (each
   * part's columns multiplied by its keys' weight); null when the range holds no data.
   */
  const source = (tables: [day: string, period?: string], key: RawBuilder<string>, columns: readonly string[], filters: RawBuilder<unknown>[]) => {
    const where = sql.join([sql`workspace_id = ${ws.id}`, ...filters], sql` and `);
    const weighted = (w: number) => sql.join(columns.map((c) => (w === 1 ? sql.ref(c) : sql`${sql.ref(c)} * ${sql.lit(w)} as ${sql.ref(c)}`)));
    const parts: RawBuilder<unknown>[] = [];
    if (!cover) parts.push(sql`select ${key} as key, ${weighted(1)} from ${sql.table(tables[0])} where ${where} and day >= ${s.from} and day <= ${s.to}`);
    else {
      for (const w of new Set(cover.map((t) => t.weight))) {
        const days = cover.filter((t) => t.weight === w && !isPeriodKey(t.key)).map((t) => t.key);
        const periods = cover.filter((t) => t.weight === w && isPeriodKey(t.key)).map((t) => t.key);
        if (days.length) parts.push(sql`select ${key} as key, ${weighted(w)} from ${sql.table(tables[0])} where ${where} and day in (${sql.join(days)})`);
        if (periods.length) parts.push(sql`select ${key} as key, ${weighted(w)} from ${sql.table(tables[1]!)} where ${where} and period in (${sql.join(periods)})`);
      }
    }
    return parts.length ? sql.join(parts, sql` union all `) : null;
  };

  const clickFilters: RawBuilder<unknown>[] = [
    ...clickOffers(s).map((id) => sql`offer_id = ${id}`), ...clickMembers(s).map((id) => sql`member_id = ${id}`),
    ...(q.linkId ? [sql`link_id = ${q.linkId}`] : []),
  ];
  // Periods without link, code and status (or link and status) hold a third to half of the rows; they answer whatever
  // does not need those.
  const clicksByLink = group === 'link' || !!q.linkId;
  const linesByLinkOrCode = group === 'link' || group === 'code' || !!q.linkId || !!q.codeId;
  const lineTier = group === 'link' || !!q.linkId || !!q.status ? 'rollup_conversions_period'
    : linesByLinkOrCode ? 'rollup_conversions_code_period' : 'rollup_conversions_member_period';
  const clickKey = group === 'code' ? sql<string>`offer_id || '|' || member_id` : ROLLUP_CLICK_KEY[group] ? sql.ref<string>(ROLLUP_CLICK_KEY[group]!) : sql<string>`''`;
  const clickSource = noClicks(s) ? null
    : source(offerGrain ? ['rollup_clicks_offer_day'] : ['rollup_clicks', clicksByLink ? 'rollup_clicks_period' : 'rollup_clicks_member_period'], clickKey, ['clicks', 'unique_clicks'], clickFilters);
  // Started now, awaited after the conversion sums: on PostgreSQL the two run on separate connections at once.
  const clickQuery = !clickSource ? null : sql<{ key: string; clicks: number; unique_clicks: number }>`
    select key, sum(clicks) as clicks, sum(unique_clicks) as unique_clicks from (${clickSource}) r group by key`.execute(db);
  clickQuery?.catch(() => {}); // awaited below; a rejection before then is not unhandled

  // By code across members, the lines without a code are half the code periods' rows, one per member and period, all
  // summed into the one "(no code)" row: that row is the offer days' total minus the coded rows instead.
  const uncodedByDifference = group === 'code' && !q.memberId && !q.linkId && !q.codeId && !q.status;
  const lineFilters: RawBuilder<unknown>[] = [
    ...(q.offerId ? [sql`offer_id = ${q.offerId}`] : []), ...(q.memberId ? [sql`member_id = ${q.memberId}`] : []),
    ...(q.linkId ? [sql`link_id = ${q.linkId}`] : []), ...(q.codeId ? [sql`code_id = ${q.codeId}`] : []), ...(q.status ? [sql`status = ${q.status}`] : []),
    ...(uncodedByDifference ? [sql`code_id <> ''`] : []),
  ];
  const lineKey = ROLLUP_LINE_KEY[group] ? sql.ref<string>(ROLLUP_LINE_KEY[group]!) : sql<string>`''`;
  const sums = sql.join(LINE_MEASURES.map((m) => sql`sum(${sql.ref(rollups.LINE_COLUMN[m])}) as ${sql.ref(m)}`));
  const lineSource = source(offerGrain ? ['rollup_conversions_offer_day'] : ['rollup_conversions', lineTier],
    lineKey, LINE_MEASURES.map((m) => rollups.LINE_COLUMN[m]), lineFilters);
  const lineRows = !lineSource ? [] : (await sql<Record<string, unknown> & { key: string }>`
    select key, ${sums} from (${lineSource}) r group by key`.execute(db)).rows;
  if (uncodedByDifference) {
    const [all] = (await sql<Record<string, unknown>>`
      select ${sums} from rollup_conversions_offer_day
      where workspace_id = ${ws.id} and day >= ${s.from} and day <= ${s.to}${q.offerId ? sql` and offer_id = ${q.offerId}` : sql``}`.execute(db)).rows;
    const uncoded: Record<string, unknown> & { key: string } = { key: '' };
    for (const m of LINE_MEASURES) uncoded[m] = Number(all?.[m] ?? 0) - lineRows.reduce((a, r) => a + Number(r[m] ?? 0), 0);
    lineRows.push(uncoded);
  }

  const clickRows = clickQuery ? (await clickQuery).rows : [];
  // A key whose subtracted days held all its activity nets to nothing: it had no click and no credit in the range.
  const out: Sums = { clicks: new Map(), lines: new Map() };
  for (const r of clickRows) {
    if (Number(r.clicks ?? 0) !== 0) addClicks(out, group === 'week' ? weekOfDay(r.key) : r.key, Number(r.clicks), Number(r.unique_clicks ?? 0));
  }
  for (const r of lineRows) {
    const m = {} as LineMeasures;
    for (const k of LINE_MEASURES) m[k] = Number(r[k] ?? 0);
    if (m.credits !== 0) addLine(out, group === 'week' ? weekOfDay(r.key) : r.key, m);
  }
  return out;
}

/**
 * The raw rows, read once for all groupings of one report: clicks aggregated by the database per local day (each
 * day's [start, end) in the zone asked for), conversions turned into credit lines here.
 */
function rawSums(ctx: AppContext, s: Scope): (group: Group) => Promise<Sums> {
  let loaded: Promise<{ clickRows: RawClickRow[]; lines: (CreditLine & { day: string; subId: string })[] }> | null = null;
  return async (group) => {
    loaded ??= loadRaw(ctx, s);
    const { clickRows, lines } = await loaded;
    const out: Sums = { clicks: new Map(), lines: new Map() };
    for (const c of clickRows) {
      const key = group === 'code' ? `${c.offer_id}|${c.member_id}` : rawClickKey(group, c);
      addClicks(out, key, c.clicks, c.unique_clicks);
    }
    for (const l of lines) {
      const key = group === 'offer' ? l.offerId : group === 'member' ? l.memberId : group === 'link' ? l.linkId : group === 'code' ? l.codeId
        : group === 'day' ? l.day : group === 'week' ? weekOfDay(l.day) : group === 'sub_id' ? l.subId : '';
      addLine(out, key, l);
    }
    return out;
  };
}

interface RawClickRow { day: string; offer_id: string; member_id: string; link_id: string; sub1: string; clicks: number; unique_clicks: number }

function rawClickKey(group: Group, c: RawClickRow): string {
  switch (group) {
    case 'offer': return c.offer_id;
    case 'member': return c.member_id;
    case 'link': return c.link_id;
    case 'day': return c.day;
    case 'week': return weekOfDay(c.day);
    case 'sub_id': return c.sub1;
    default: return '';
  }
}

async function loadRaw(ctx: AppContext, s: Scope) {
  const db = ctx.store.db;
  const { q, ws } = s;
  const clickRows: RawClickRow[] = [];
  for (const b of noClicks(s) ? [] : bucketRange(s.from, s.to, s.tz, 'day')) {
    let c = db.selectFrom('clicks')
      .select((eb) => [
        'offer_id', 'link_id', sql<string>`coalesce(member_id, '')`.as('member_id'), sql<string>`coalesce(sub1, '')`.as('sub1'),
        eb.fn.countAll<number>().as('clicks'), eb.fn.sum<number>('is_unique').as('unique_clicks'),
      ])
      .where('workspace_id', '=', ws.id).where('created_at', '>=', b.startMs).where('created_at', '<', b.endMs)
      .where('tracked', '=', 1).where('is_bot', '=', 0)
      .groupBy(['offer_id', 'link_id', 'member_id', 'sub1']);
    for (const offerId of clickOffers(s)) c = c.where('offer_id', '=', offerId);
    for (const memberId of clickMembers(s)) c = c.where('member_id', '=', memberId);
    if (q.linkId) c = c.where('link_id', '=', q.linkId);
    for (const r of await c.execute()) {
      clickRows.push({ ...r, day: b.key, clicks: Number(r.clicks), unique_clicks: Number(r.unique_clicks ?? 0) });
    }
  }
  const start = bucketStart(s.from, s.tz);
  const end = bucketStart(addDays(s.to, 1), s.tz);
  const convert = await workspaceCurrency(db, ws.id, ws.currency);
  const conversions = await rollups.conversionsBetween(db, ws.id, start, end);
  const subIds = await clickSubIds(ctx, conversions.map((c) => c.clickId).filter((id): id is string => !!id));
  const days = new LocalDays(s.tz);
  const lines: (CreditLine & { day: string; subId: string })[] = [];
  for (const c of conversions) {
    const day = days.keyOf(c.occurredAt);
    for (const l of creditLines(c, c.commissions, convert)) {
      if (q.offerId && l.offerId !== q.offerId) continue;
      if (q.memberId && l.memberId !== q.memberId) continue;
      if (q.linkId && l.linkId !== q.linkId) continue;
      if (q.codeId && l.codeId !== q.codeId) continue;
      if (q.status && l.status !== q.status) continue;
      lines.push({ ...l, day, subId: l.linkId && c.clickId ? (subIds.get(c.clickId) ?? '') : '' });
    }
  }
  return { clickRows, lines };
}

async function clickSubIds(ctx: AppContext, clickIds: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < clickIds.length; i += 1_000) {
    const rows = await ctx.store.db.selectFrom('clicks').select(['id', 'sub1']).where('id', 'in', clickIds.slice(i, i + 1_000)).execute();
    for (const r of rows) if (r.sub1) out.set(r.id, r.sub1);
  }
  return out;
}

// --- Combining --------------------------------------------------------------------------------------------------

function addClicks(out: Sums, key: string, clicks: number, uniqueClicks: number): void {
  const c = out.clicks.get(key);
  if (c) {
    c.clicks += clicks;
    c.uniqueClicks += uniqueClicks;
  } else out.clicks.set(key, { clicks, uniqueClicks });
}

function addLine(out: Sums, key: string, m: LineMeasures): void {
  const into = out.lines.get(key);
  if (!into) {
    const copy = {} as LineMeasures;
    for (const k of LINE_MEASURES) copy[k] = m[k];
    out.lines.set(key, copy);
  } else for (const k of LINE_MEASURES) into[k] += m[k];
}

/**
 * Every click and every credit line sits under exactly one key of any grouping (a code grouping keys clicks by offer
 * and member, once each), so the totals are the sums of all keys — not of the rows, where a member's clicks appear
 * under each of their codes.
 */
function overall(sums: Sums): Sums {
  const out: Sums = { clicks: new Map(), lines: new Map() };
  for (const c of sums.clicks.values()) addClicks(out, '', c.clicks, c.uniqueClicks);
  for (const l of sums.lines.values()) addLine(out, '', l);
  return out;
}

/** The row keys; for a code grouping also each code's click key (offer|member), text and member's reach, read at once. */
type Keys = string[] & { codes?: Map<string, string>; codeNames?: Map<string, string>; codeReach?: Map<string, number | null> };

/** The promo codes a report by code may list, with their member's reach. */
function readCodes(ctx: AppContext, s: Scope) {
  let codes = ctx.store.db.selectFrom('promo_codes as c').leftJoin('members as m', 'm.id', 'c.member_id')
    .select(['c.id', 'c.code', 'c.offer_id', 'c.member_id', 'm.reach']).where('c.workspace_id', '=', s.ws.id);
  if (s.q.offerId) codes = codes.where('c.offer_id', '=', s.q.offerId);
  if (s.q.memberId) codes = codes.where('c.member_id', '=', s.q.memberId);
  if (s.q.codeId) codes = codes.where('c.id', '=', s.q.codeId);
  return codes.execute();
}

/** The rows of the report: every day or week of the range, or every key with any activity. */
async function groupKeys(s: Scope, group: ReportGroupBy, sums: Sums, codes: Awaited<ReturnType<typeof readCodes>>): Promise<Keys> {
  if (group === 'day' || group === 'week') return bucketRange(s.from, s.to, s.tz, group).map((b) => b.key);
  if (group !== 'code') return [...new Set([...sums.clicks.keys(), ...sums.lines.keys()])].sort();
  // A code's clicks are its member's clicks on its offer: codes whose member had clicks are listed even unredeemed.
  const keys: Keys = [];
  keys.codes = new Map();
  keys.codeNames = new Map();
  keys.codeReach = new Map();
  for (const c of codes) {
    const clickKey = `${c.offer_id}|${c.member_id ?? ''}`;
    keys.codes.set(c.id, clickKey);
    keys.codeNames.set(c.id, c.code);
    keys.codeReach.set(c.id, c.reach === null || c.reach === undefined ? null : Number(c.reach));
    if (sums.lines.has(c.id) || (c.member_id && sums.clicks.has(clickKey))) keys.push(c.id);
  }
  for (const k of sums.lines.keys()) if (!keys.codes.has(k)) keys.push(k); // '' (no code), or a deleted code
  return keys.sort();
}

function clickKeyOf(group: ReportGroupBy, key: string, codes: Map<string, string> | undefined): string {
  if (group !== 'code') return key;
  const k = codes?.get(key);
  return k && !k.endsWith('|') ? k : '\u0000none'; // a generic code has no member whose clicks it could claim
}

function aggregate(sums: Sums, clickKey: string, lineKey: string, byCredit: boolean, reach: number | null): ReportAggregate {
  const c = sums.clicks.get(clickKey);
  const l = sums.lines.get(lineKey);
  return {
    clicks: c?.clicks ?? 0, uniqueClicks: c?.uniqueClicks ?? 0, conversions: (byCredit ? l?.credits : l?.orders) ?? 0,
    unattributed: l?.unattributed ?? 0, salesMinor: l?.salesMinor ?? 0, refundsMinor: l?.refundsMinor ?? 0,
    commissionMinor: l?.commissionMinor ?? 0, codedRevenueMinor: l?.codedRevenueMinor ?? 0, linkRevenueMinor: l?.linkRevenueMinor ?? 0,
    codeRedemptions: l?.codeRedemptions ?? 0, reach,
  };
}

/**
 * Reach (followers) a row's redemptions are measured against: the member's for member, code and link rows; the
 * members' on the offer for offer rows; for the totals, the one member filtered on, else the members of the offer
 * filtered on, else every member with a known reach. Unknown reach stays null rather than counting as 0.
 */
async function reachOf(ctx: AppContext, s: Scope, group: ReportGroupBy, keys: Keys): Promise<Map<string, number | null>> {
  const db = ctx.store.db;
  const out = new Map<string, number | null>();
  const memberReach = async (ids: string[]) => {
    const m = new Map<string, number | null>();
    // Hundreds of ids: reading the workspace's members is cheaper than long "in (…)" lists (as in label).
    const batches = ids.length > 200 ? [null] : Array.from({ length: Math.ceil(ids.length / 1_000) }, (_, i) => ids.slice(i * 1_000, (i + 1) * 1_000));
    for (const chunk of batches) {
      let q = db.selectFrom('members').select(['id', 'reach']).where('workspace_id', '=', s.ws.id);
      if (chunk) q = q.where('id', 'in', chunk);
      for (const r of await q.execute()) m.set(r.id, r.reach === null ? null : Number(r.reach));
    }
    return m;
  };
  const sumKnown = (values: (number | null | undefined)[]) => {
    const known = values.filter((v): v is number => typeof v === 'number');
    return known.length ? known.reduce((a, b) => a + b, 0) : null;
  };
  const offerReach = async (offerIds: string[]) => {
    const rows = offerIds.length
      ? await db.selectFrom('offer_members as om').innerJoin('members as m', 'm.id', 'om.member_id').select(['om.offer_id', 'm.reach'])
        .where('om.workspace_id', '=', s.ws.id).where('om.offer_id', 'in', offerIds).execute()
      : [];
    const by = new Map<string, (number | null)[]>();
    for (const r of rows) by.set(r.offer_id, [...(by.get(r.offer_id) ?? []), r.reach === null ? null : Number(r.reach)]);
    return new Map(offerIds.map((id) => [id, sumKnown(by.get(id) ?? [])]));
  };

  if (group === 'member') for (const [id, r] of await memberReach(keys.filter(Boolean))) out.set(id, r);
  if (group === 'code' && keys.codeReach) for (const k of keys) out.set(k, keys.codeReach.get(k) ?? null);
  if (group === 'link') {
    const links = keys.filter(Boolean).length ? await db.selectFrom('links').select(['id', 'member_id']).where('workspace_id', '=', s.ws.id).where('id', 'in', keys.filter(Boolean)).execute() : [];
    const reach = await memberReach([...new Set(links.map((l) => l.member_id).filter((m): m is string => !!m))]);
    for (const l of links) out.set(l.id, l.member_id ? (reach.get(l.member_id) ?? null) : null);
  }
  if (group === 'offer') for (const [id, r] of await offerReach(keys.filter(Boolean))) out.set(id, r);

  const memberId = s.q.memberId ?? (s.code?.memberId || undefined);
  if (memberId) out.set('\u0000total', (await memberReach([memberId])).get(memberId) ?? null);
  else if (s.q.offerId) out.set('\u0000total', (await offerReach([s.q.offerId])).get(s.q.offerId) ?? null);
  else {
    const all = await db.selectFrom('members').select((eb) => [eb.fn.sum<number>('reach').as('reach'), eb.fn.count<number>('reach').as('known')]).where('workspace_id', '=', s.ws.id).executeTakeFirst();
    out.set('\u0000total', Number(all?.known ?? 0) > 0 ? Number(all!.reach) : null);
  }
  if (memberId && (group === 'day' || group === 'week' || group === 'sub_id')) for (const k of keys) out.set(k, out.get('\u0000total') ?? null);
  return out;
}

async function label(ctx: AppContext, ws: Workspace, group: ReportGroupBy, rows: LabeledRow[], known?: Map<string, string>): Promise<void> {
  const names = known ?? new Map<string, string>();
  const ids = rows.map((r) => r.key).filter((k) => k && !names.has(k));
  const db = ctx.store.db;
  // Hundreds of ids: reading the workspace's whole (small) table is cheaper than a long "in (…)" list.
  const batches = ids.length > 200 ? [null] : Array.from({ length: Math.ceil(ids.length / 1_000) }, (_, i) => ids.slice(i * 1_000, (i + 1) * 1_000));
  for (const chunk of batches) {
    const only = <Q extends { where: (c: 'id', op: 'in', v: string[]) => Q }>(q: Q) => (chunk ? q.where('id', 'in', chunk) : q);
    if (group === 'offer') for (const r of await only(db.selectFrom('offers').select(['id', 'name']).where('workspace_id', '=', ws.id)).execute()) names.set(r.id, r.name);
    if (group === 'member') for (const r of await only(db.selectFrom('members').select(['id', 'name']).where('workspace_id', '=', ws.id)).execute()) names.set(r.id, r.name);
    if (group === 'code') for (const r of await only(db.selectFrom('promo_codes').select(['id', 'code']).where('workspace_id', '=', ws.id)).execute()) names.set(r.id, r.code);
    if (group === 'link') for (const r of await only(db.selectFrom('links').select(['id', 'slug']).where('workspace_id', '=', ws.id)).execute()) names.set(r.id, `/${r.slug}`);
  }
  const none: Record<ReportGroupBy, string> = { offer: '(no offer)', member: '(no member)', code: '(no code)', link: '(no link)', sub_id: '(no sub-id)', day: '', week: '' };
  for (const r of rows) {
    r.label = group === 'day' ? r.key : group === 'week' ? isoWeekLabel(r.key) : group === 'sub_id' ? r.key || none.sub_id : !r.key ? none[group] : (names.get(r.key) ?? r.key);
  }
}

function sortRows(rows: LabeledRow[], group: ReportGroupBy, q: ReportQuery): void {
  const sort = q.sort ?? (group === 'day' || group === 'week' ? 'key' : 'salesMinor');
  const dir = (q.order ?? (sort === 'key' ? 'asc' : 'desc')) === 'asc' ? 1 : -1;
  rows.sort((a, b) => {
    const x = a[sort] ?? -Infinity;
    const y = b[sort] ?? -Infinity;
    const c = x < y ? -1 : x > y ? 1 : 0;
    return c !== 0 ? c * dir : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  });
}
