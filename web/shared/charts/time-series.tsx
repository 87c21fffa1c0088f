// A time series of report rows (clicks, conversions, sales by day or week). This module pulls in the charting
// library, so pages import it through LazyTimeSeries (index.ts): the chart's code loads only where a chart shows.
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';

export interface Series {
  key: string;
  label: string;
  color: string;
  /** Series on the right axis (e.g. money next to counts). */
  right?: boolean;
  format?: (v: number) => string;
}

export interface TimeSeriesProps {
  rows: Record<string, unknown>[];
  /** The row field holding the bucket, e.g. "key" (YYYY-MM-DD). */
  x: string;
  series: Series[];
  formatX?: (v: string) => string;
  height?: number;
  /** A dashed horizontal line on the left axis, e.g. a baseline the series is judged against; its label shows under the chart (on the line it collides with the axis when the value is 0). */
  reference?: { value: number; label: string };
}

export default function TimeSeries({ rows, x, series, formatX, height = 260, reference }: TimeSeriesProps) {
  const hasRight = series.some((s) => s.right);
  const byKey = new Map(series.map((s) => [s.key, s]));
  return (
    <>
      <div className="chart" style={{ height }}>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={rows} margin={{ top: 8, right: hasRight ? 8 : 16, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
            <XAxis dataKey={x} tickFormatter={formatX} tick={{ fontSize: 12 }} minTickGap={24} />
            <YAxis yAxisId="left" allowDecimals={false} tick={{ fontSize: 12 }} width={44} />
            {hasRight && (
              <YAxis
                yAxisId="right"
                orientation="right"
                tick={{ fontSize: 12 }}
                width={64}
                tickFormatter={(v: number) => series.find((s) => s.right)?.format?.(v) ?? String(v)}
              />
            )}
            <Tooltip
              labelFormatter={(v) => (formatX ? formatX(String(v)) : String(v))}
              formatter={(value, name) => {
                const s = series.find((x) => x.label === name);
                return [s?.format ? s.format(Number(value)) : String(value), String(name)];
              }}
            />
            <Legend wrapperStyle={{ fontSize: 13 }} />
            {reference && (
              <ReferenceLine
                yAxisId="left"
                y={reference.value}
                stroke="#b42318"
                strokeDasharray="6 4"
                ifOverflow="extendDomain"
              />
            )}
            {series.map((s) => (
              <Line
                key={s.key}
                yAxisId={s.right ? 'right' : 'left'}
                type="monotone"
                dataKey={s.key}
                name={byKey.get(s.key)!.label}
                stroke={s.color}
                strokeWidth={2}
                dot={false}
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      {reference && (
        <p className="chart-reference small">
          <span aria-hidden="true">- - -</span> {reference.label}
        </p>
      )}
    </>
  );
}
