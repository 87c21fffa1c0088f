// The Reports page's trend: clicks, conversions and sales of the range by day (by week past 92 days).
import { LazyTimeSeries } from '../../shared/charts/index.js';
import { formatMoney, formatShortDay } from '../../shared/format.js';
import type { ReportGroup } from '../../../src/contract/index.js';
import type { Wire } from './report-table.js';

export function TrendChart({ trendBy, trend }: { trendBy: ReportGroup; trend: Wire | undefined }) {
  return (
    <section className="card">
      <div className="section-head">
        <h2>Trend by {trendBy}</h2>
      </div>
      {trend && (
        <LazyTimeSeries
          rows={trend.rows as unknown as Record<string, unknown>[]}
          x="key"
          formatX={formatShortDay}
          series={[
            { key: 'clicks', label: 'Clicks', color: '#4338ca' },
            { key: 'conversions', label: 'Conversions', color: '#059669' },
            {
              key: 'salesMinor',
              label: 'Sales',
              color: '#d97706',
              right: true,
              format: (v) => formatMoney(v, trend.currency),
            },
          ]}
        />
      )}
    </section>
  );
}
