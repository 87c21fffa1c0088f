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

/** An axis's tick text: its first series' format (money, say), else the number as is. */
function tickFormat(onAxis: Series[]): (v: number) => string {
  const format = onAxis.find((s) => s.format)?.format;
  return format ?? ((v: number) => String(v));
}

/**
 * An axis wide enough for its longest tick label, so "$12,345.67" is not clipped: the label of the largest value on
 * it (ticks are rounder, never longer), at about 7 px a character at 12 px, plus the tick's own room.
 */
function axisWidth(rows: Record<string, unknown>[], onAxis: Series[], format: (v: number) => string): number {
  let max = 0;
  for (const r of rows) for (const s of onAxis) max = Math.max(max, Math.abs(Number(r[s.key] ?? 0)) || 0);
  const longest = Math.max(format(max).length, format(-max).length - 1, 2);
  return Math.min(120, Math.max(44, 14 + Math.ceil(longest * 7.2)));
}

export default function TimeSeries({ rows, x, series, formatX, height = 260, reference }: TimeSeriesProps) {
  const left = series.filter((s) => !s.right);
  const right = series.filter((s) => s.right);
  const hasRight = right.length > 0;
  const leftFormat = tickFormat(left);
  const rightFormat = tickFormat(right);
  const byKey = new Map(series.map((s) => [s.key, s]));
  return (
    <>
      <div className="chart" style={{ height }}>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={rows} margin={{ top: 8, right: hasRight ? 8 : 16, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
            <XAxis dataKey={x} tickFormatter={formatX} tick={{ fontSize: 12 }} minTickGap={24} />
            <YAxis
              yAxisId="left"
              allowDecimals={false}
              tick={{ fontSize: 12 }}
              width={axisWidth(rows, left, leftFormat)}
              tickFormatter={leftFormat}
            />
            {hasRight && (
              <YAxis
                yAxisId="right"
                orientation="right"
                allowDecimals={right.some((s) => s.format)}
                tick={{ fontSize: 12 }}
                width={axisWidth(rows, right, rightFormat)}
                tickFormatter={rightFormat}
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
