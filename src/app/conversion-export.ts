// Conversions as export rows (issue #5): the list's filters, read in keyset pages so that a million conversions cost
// one page of rows in memory at a time, never the whole table.
//
// Pages are separate queries, not one long transaction: a long read transaction would hold back PostgreSQL's vacuum
// and SQLite's WAL checkpoints for the whole download. Ids are time-ordered and pages walk them downwards (newest
// first, as the list), so a conversion created during the export is never half-included; one changed during the
// export shows its state when its page was read.
import { fixedDecimal, type CsvCell } from '../core/csv-stream.js';
import { currencyExponent, formatAmount } from '../core/money.js';
import type { CommissionRow } from '../db/conversions.js';
import type { Actor, AppContext } from './context.js';
import { conversionsMatching, conversionView, type ConversionFilter } from './conversions.js';

/**
 * Rows per page. On SQLite a page query runs on the event loop (the driver is synchronous): 2,000 conversions and
 * their commissions take some 0.1 s on a slow 2-core machine, a pause other requests can live with; bigger pages
 * saved little, since the per-row cost dominates.
 */
export const EXPORT_PAGE_SIZE = 2_000;

export const CONVERSION_EXPORT_COLUMNS = [
  'id',
  'order_id',
  'occurred_at',
  'status',
  'reasons',
  'offer_ids',
  'offers',
  'member_ids',
  'members',
  'sources',
  'code',
  'click_id',
  'amount',
  'currency',
  'refunded',
  'commission',
  'commission_currency',
  'commission_statuses',
] as const;

/** Several values in one cell (split credits, reasons), in the decision's order; none is an empty cell. */
const list = (values: readonly string[]): string | null => (values.length ? values.join('; ') : null);

type ConversionView = ReturnType<typeof conversionView>;
type PageCommission = Pick<CommissionRow, 'conversion_id' | 'member_id' | 'amount_minor' | 'currency' | 'status'>;

/**
 * Money as a number a spreadsheet sums, printed with the currency's decimals ("59.90", "5000", "12.500"). A conversion
 * without an amount has no currency: its refunded 0 is just 0.
 */
const money = (decimal: string, currency: string | null): CsvCell =>
  currency === null ? Number(decimal) : fixedDecimal(Number(decimal), currencyExponent(currency));

/**
 * One export row. Money goes out as numbers with its currency's decimals (each row has its own currency), so a
 * spreadsheet sums it; everything a person or a sender typed goes out as text, which the writer escapes.
 * `commission` is the sum of the conversion's commissions that are not reversed, when they share one currency.
 */
export function conversionCells(
  v: ConversionView,
  commissions: readonly PageCommission[],
  memberNames: ReadonlyMap<string, string>,
  offerNames: ReadonlyMap<string, string>,
): CsvCell[] {
  const offerIds = [...new Set(v.credits.map((x) => x.offerId))];
  if (!offerIds.length && v.reportedOfferId) offerIds.push(v.reportedOfferId);
  const memberIds = v.credits.flatMap((x) => (x.memberId ? [x.memberId] : []));
  const order = (m: string) => memberIds.indexOf(m) + 1 || memberIds.length + 1;
  const mine = [...commissions].sort((a, b) => order(a.member_id) - order(b.member_id));
  const currencies = [...new Set(mine.map((x) => x.currency))];
  const kept = mine.filter((x) => x.status !== 'reversed').reduce((n, x) => n + x.amount_minor, 0);
  return [
    v.id,
    v.orderId,
    v.occurredAt,
    v.status,
    list(v.reasons),
    list(offerIds),
    list(offerIds.map((id) => offerNames.get(id) ?? '')),
    list(memberIds),
    list(memberIds.map((id) => memberNames.get(id) ?? '')),
    list(v.credits.map((x) => x.source)),
    v.code,
    v.clickId,
    v.amount === null ? null : money(v.amount, v.currency),
    v.currency,
    money(v.refunded, v.currency),
    currencies.length === 1 ? money(formatAmount(kept, currencies[0]!), currencies[0]!) : null,
    list(currencies),
    list(mine.map((x) => x.status)),
  ];
}

/** The filtered conversions, newest first, one page of `pageSize` rows read at a time as the consumer pulls. */
export async function* conversionExportRows(
  ctx: AppContext,
  actor: Actor,
  filter: Omit<ConversionFilter, 'cursor' | 'limit'>,
  pageSize = EXPORT_PAGE_SIZE,
): AsyncGenerator<CsvCell[], void, undefined> {
  const { db } = ctx.store;
  let before: string | null = null;
  for (;;) {
    let q = conversionsMatching(ctx, actor, filter);
    if (before) q = q.where('id', '<', before);
    const page = await q.orderBy('id', 'desc').limit(pageSize).execute();
    if (!page.length) return;
    const views = page.map(conversionView);
    const ids = views.map((v) => v.id);
    const commissions = await db
      .selectFrom('commissions')
      .select(['conversion_id', 'member_id', 'amount_minor', 'currency', 'status'])
      .where('workspace_id', '=', actor.workspaceId)
      .where('conversion_id', 'in', ids)
      .orderBy('id')
      .execute();
    const credits = views.flatMap((v) => v.credits);
    const memberIds = [...new Set(credits.flatMap((x) => (x.memberId ? [x.memberId] : [])))];
    const offerIds = [
      ...new Set([
        ...credits.map((x) => x.offerId),
        ...views.flatMap((v) => (v.reportedOfferId ? [v.reportedOfferId] : [])),
      ]),
    ];
    const members = memberIds.length
      ? await db
          .selectFrom('members')
          .select(['id', 'name'])
          .where('workspace_id', '=', actor.workspaceId)
          .where('id', 'in', memberIds)
          .execute()
      : [];
    const offers = offerIds.length
      ? await db
          .selectFrom('offers')
          .select(['id', 'name'])
          .where('workspace_id', '=', actor.workspaceId)
          .where('id', 'in', offerIds)
          .execute()
      : [];
    const memberNames = new Map(members.map((m) => [m.id, m.name]));
    const offerNames = new Map(offers.map((o) => [o.id, o.name]));
    const byConversion = new Map<string, PageCommission[]>();
    for (const x of commissions) {
      const list = byConversion.get(x.conversion_id);
      if (list) list.push(x);
      else byConversion.set(x.conversion_id, [x]);
    }
    for (const v of views) yield conversionCells(v, byConversion.get(v.id) ?? [], memberNames, offerNames);
    if (page.length < pageSize) return;
    before = ids[ids.length - 1]!;
  }
}
