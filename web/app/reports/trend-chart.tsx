// The Reports page's trend by day (by week past 92 days), as two charts: counts, then money. Clicks run in the
// thousands where conversions run in the tens, so each has its own scale (conversions on the right); sales and
// commission share a money scale on a chart of their own, its axis as wide as its labels (issue #16).
import { LazyTimeSeries } from '../../shared/charts/index.js';
import { formatMoney, formatShortDay } from '../../shared/format.js';
import type { ReportGroup } from '../../../src/contract/index.js';
import type { Wire } from './report-table.js';

/** `clicks` false: a report filtered by one code, which has none (the counts chart is its conversions alone). */
export function TrendChart({
  trendBy,
  trend,
  clicks = true,
}: {
  trendBy: ReportGroup;
  trend: Wire | undefined;
  clicks?: boolean;
}) {
  const rows = trend?.rows as unknown as Record<string, unknown>[] | undefined;
  return (
    <section className="card trend">
      <div className="section-head">
        <h2>Trend by {trendBy}</h2>
      </div>
      {trend && rows && (
        <>
          <p className="muted small chart-title">{clicks ? 'Clicks and conversions' : 'Conversions'}</p>
          <div className="trend-counts">
            <LazyTimeSeries
              rows={rows}
              x="key"
              formatX={formatShortDay}
              height={220}
              series={
                clicks
                  ? [
                      { key: 'clicks', label: 'Clicks (left scale)', color: '#4338ca' },
                      { key: 'conversions', label: 'Conversions (right scale)', color: '#059669', right: true },
                    ]
                  : [{ key: 'conversions', label: 'Conversions', color: '#059669' }]
              }
            />
          </div>
          <p className="muted small chart-title">Sales and commission ({trend.currency})</p>
          <div className="trend-money">
            <LazyTimeSeries
              rows={rows}
              x="key"
              formatX={formatShortDay}
              height={220}
              series={[
                {
                  key: 'salesMinor',
                  label: 'Sales',
                  color: '#d97706',
                  format: (v) => formatMoney(v, trend.currency),
                },
                {
                  key: 'commissionMinor',
                  label: 'Commission',
                  color: '#be185d',
                  format: (v) => formatMoney(v, trend.currency),
                },
              ]}
            />
          </div>
        </>
      )}
    </section>
  );
}
