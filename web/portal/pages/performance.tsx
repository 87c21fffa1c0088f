// The member's own performance over the last 7, 30 or 90 days (days of the brand's time zone, as the brand's
// reports count them): headline numbers, a chart by day, and a table by offer, by link or by promo code, so a creator
// sees which of their links and codes sell (GET /api/portal/report).
import { api } from '../../shared/api.js';
import { LazyTimeSeries } from '../../shared/charts/index.js';
import { formatDay, formatMoney, formatNumber, formatShortDay } from '../../shared/format.js';
import { useResource } from '../../shared/hooks.js';
import { useQueryParam } from '../../shared/router.js';
import { EmptyState, ErrorMessage, Loading, PageHeader, Stat, Tabs } from '../../shared/ui.js';
import { dayOf } from '../../shared/zoned.js';
import type { PageProps } from '../../shared/routes.js';
import { useMe } from '../session.js';
import type { PortalReport } from '../../../src/contract/index.js';

const RANGES = [
  { value: '7', label: 'Last 7 days' },
  { value: '30', label: 'Last 30 days' },
  { value: '90', label: 'Last 90 days' },
] as const;
type Range = (typeof RANGES)[number]['value'];

const BREAKDOWNS = [
  { value: 'offer', label: 'By offer' },
  { value: 'link', label: 'By link' },
  { value: 'code', label: 'By code' },
] as const;
type Breakdown = (typeof BREAKDOWNS)[number]['value'];

type Row = PortalReport['rows'][number];
interface Column {
  label: string;
  value: (row: Row) => string;
}

/** The columns each breakdown shows: a code's clicks would be the member's clicks on its offer, not the code's. */
function columnsOf(by: Breakdown, money: (minor: number | null) => string): Column[] {
  const clicks: Column = { label: 'Clicks', value: (r) => formatNumber(r.clicks) };
  const orders: Column = { label: 'Orders', value: (r) => formatNumber(r.conversions) };
  const uses: Column = { label: 'Code uses', value: (r) => formatNumber(r.codeRedemptions) };
  const sales: Column = { label: 'Sales', value: (r) => money(r.salesMinor) };
  const commission: Column = { label: 'Commission', value: (r) => money(r.commissionMinor) };
  if (by === 'link') return [clicks, orders, sales, commission];
  if (by === 'code') return [uses, sales, commission];
  return [clicks, orders, uses, sales, commission];
}

/** A row's name; the row without a link or code holds the orders that came the other way. */
function rowName(by: Breakdown, row: Row): string {
  if (row.key) return row.label;
  if (by === 'link') return 'Orders with your code, no link';
  if (by === 'code') return 'Orders through your links, no code';
  return row.label;
}

function minusDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d - n)).toISOString().slice(0, 10);
}

export default function Performance(_: PageProps) {
  const { workspace } = useMe();
  const [rangeQ, setRange] = useQueryParam('days');
  const range: Range = RANGES.some((r) => r.value === rangeQ) ? (rangeQ as Range) : '30';
  const [byQ, setBy] = useQueryParam('by');
  const by: Breakdown = BREAKDOWNS.some((b) => b.value === byQ) ? (byQ as Breakdown) : 'offer';
  const to = dayOf(new Date().toISOString(), workspace.timezone);
  const from = minusDays(to, Number(range) - 1);
  const report = useResource(
    async (signal) => {
      const [byDay, breakdown] = await Promise.all([
        api.get<PortalReport>('/report', { groupBy: 'day', from, to }, signal),
        api.get<PortalReport>('/report', { groupBy: by, from, to }, signal),
      ]);
      return { byDay, breakdown, by };
    },
    [from, to, by],
  );
  const r = report.data;
  const money = (minor: number | null) => formatMoney(minor, r?.byDay.currency ?? workspace.currency);

  return (
    <>
      <PageHeader
        title="Performance"
        subtitle={`Your clicks, orders, sales and commission, ${formatDay(from)} – ${formatDay(to)} (${workspace.timezone} time).`}
        actions={
          <Tabs
            label="Date range"
            value={range}
            options={[...RANGES]}
            onChange={(v) => setRange(v === '30' ? '' : v)}
          />
        }
      />
      {report.error && <ErrorMessage error={report.error} onRetry={report.reload} />}
      {!r ? (
        !report.error && <Loading />
      ) : (
        <>
          <section className="card" aria-label="Totals">
            <div className="stats">
              <Stat label="Clicks" value={formatNumber(r.byDay.totals.clicks)} />
              <Stat label="Orders" value={formatNumber(r.byDay.totals.conversions)} />
              <Stat label="Sales" value={money(r.byDay.totals.salesMinor)} />
              <Stat label="Your commission" value={money(r.byDay.totals.commissionMinor)} />
              <Stat
                label="Code uses"
                value={formatNumber(r.byDay.totals.codeRedemptions)}
                hint="Orders placed with your promo codes"
              />
            </div>
            <h2>By day</h2>
            <LazyTimeSeries
              rows={r.byDay.rows as unknown as Record<string, unknown>[]}
              x="key"
              formatX={formatShortDay}
              series={[
                { key: 'clicks', label: 'Clicks', color: '#4338ca' },
                { key: 'conversions', label: 'Orders', color: '#059669' },
                { key: 'salesMinor', label: 'Sales', color: '#d97706', right: true, format: money },
                { key: 'commissionMinor', label: 'Commission', color: '#be185d', right: true, format: money },
              ]}
            />
          </section>

          <section className="card">
            <div className="section-head">
              <h2>{BREAKDOWNS.find((b) => b.value === r.by)!.label}</h2>
              <Tabs
                label="Break down by"
                value={by}
                options={[...BREAKDOWNS]}
                onChange={(v) => setBy(v === 'offer' ? '' : v)}
              />
            </div>
            {r.breakdown.rows.length === 0 ? (
              <EmptyState title="No clicks or orders in these days">
                When people click your links or use your codes, the numbers show up here.
              </EmptyState>
            ) : (
              <div className="table-wrap">
                <table className="table responsive" data-testid={`by-${r.by}`}>
                  <thead>
                    <tr>
                      <th>{r.by === 'link' ? 'Link' : r.by === 'code' ? 'Code' : 'Offer'}</th>
                      {columnsOf(r.by, money).map((c) => (
                        <th key={c.label} className="num">
                          {c.label}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {r.breakdown.rows.map((row) => (
                      <tr key={row.key}>
                        <td
                          data-label={r.by === 'link' ? 'Link' : r.by === 'code' ? 'Code' : 'Offer'}
                          className="break"
                        >
                          {rowName(r.by, row)}
                        </td>
                        {columnsOf(r.by, money).map((c) => (
                          <td key={c.label} data-label={c.label} className="num">
                            {c.value(row)}
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      )}
    </>
  );
}
