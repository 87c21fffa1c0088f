// The member's own performance over the last 7, 30 or 90 days (days of the brand's time zone, as the brand's
// reports count them): headline numbers, a chart by day, and a table by offer (GET /api/portal/report).
import { api } from '../../shared/api.js';
import { LazyTimeSeries } from '../../shared/charts/index.js';
import { formatDay, formatMoney, formatNumber, formatShortDay } from '../../shared/format.js';
import { useResource } from '../../shared/hooks.js';
import { useQueryParam } from '../../shared/router.js';
import { EmptyState, ErrorMessage, Loading, PageHeader, Stat, Tabs } from '../../shared/ui.js';
import { dayOf } from '../../shared/zoned.js';
import type { PageProps } from '../routes.js';
import { useMe } from '../session.js';
import type { PortalReport } from '../types.js';

const RANGES = [
  { value: '7', label: 'Last 7 days' },
  { value: '30', label: 'Last 30 days' },
  { value: '90', label: 'Last 90 days' },
] as const;
type Range = (typeof RANGES)[number]['value'];

function minusDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d - n)).toISOString().slice(0, 10);
}

export default function Performance(_: PageProps) {
  const { workspace } = useMe();
  const [rangeQ, setRange] = useQueryParam('days');
  const range: Range = RANGES.some((r) => r.value === rangeQ) ? (rangeQ as Range) : '30';
  const to = dayOf(new Date().toISOString(), workspace.timezone);
  const from = minusDays(to, Number(range) - 1);
  const report = useResource(
    async (signal) => {
      const [byDay, byOffer] = await Promise.all([
        api.get<PortalReport>('/report', { groupBy: 'day', from, to }, signal),
        api.get<PortalReport>('/report', { groupBy: 'offer', from, to }, signal),
      ]);
      return { byDay, byOffer };
    },
    [from, to],
  );
  const r = report.data;
  const money = (minor: number | null) => formatMoney(minor, r?.byDay.currency ?? workspace.currency);

  return (
    <>
      <PageHeader
        title="Performance"
        subtitle={`Your clicks, orders, sales and commission, ${formatDay(from)} – ${formatDay(to)} (${workspace.timezone} time).`}
        actions={<Tabs label="Date range" value={range} options={[...RANGES]} onChange={(v) => setRange(v === '30' ? '' : v)} />}
      />
      {report.error && <ErrorMessage error={report.error} onRetry={report.reload} />}
      {!r ? (!report.error && <Loading />) : (
        <>
          <section className="card" aria-label="Totals">
            <div className="stats">
              <Stat label="Clicks" value={formatNumber(r.byDay.totals.clicks)} />
              <Stat label="Orders" value={formatNumber(r.byDay.totals.conversions)} />
              <Stat label="Sales" value={money(r.byDay.totals.salesMinor)} />
              <Stat label="Your commission" value={money(r.byDay.totals.commissionMinor)} />
              <Stat label="Code uses" value={formatNumber(r.byDay.totals.codeRedemptions)} hint="Orders placed with your promo codes" />
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
            <h2>By offer</h2>
            {r.byOffer.rows.length === 0 ? (
              <EmptyState title="No clicks or orders in these days">When people click your links or use your codes, the numbers show up here.</EmptyState>
            ) : (
              <div className="table-wrap">
                <table className="table responsive" data-testid="by-offer">
                  <thead>
                    <tr>
                      <th>Offer</th>
                      <th className="num">Clicks</th>
                      <th className="num">Orders</th>
                      <th className="num">Code uses</th>
                      <th className="num">Sales</th>
                      <th className="num">Commission</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.byOffer.rows.map((row) => (
                      <tr key={row.key}>
                        <td data-label="Offer" className="break">{row.label}</td>
                        <td data-label="Clicks" className="num">{formatNumber(row.clicks)}</td>
                        <td data-label="Orders" className="num">{formatNumber(row.conversions)}</td>
                        <td data-label="Code uses" className="num">{formatNumber(row.codeRedemptions)}</td>
                        <td data-label="Sales" className="num">{money(row.salesMinor)}</td>
                        <td data-label="Commission" className="num">{money(row.commissionMinor)}</td>
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
