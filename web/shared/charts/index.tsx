// Charts load on demand: the charting library is most of the dashboard's weight, and most pages draw none.
import { lazy, Suspense } from 'react';
import type { TimeSeriesProps } from './time-series.js';

export type { TimeSeriesProps } from './time-series.js';

const TimeSeries = lazy(() => import('./time-series.js'));

export function LazyTimeSeries(props: TimeSeriesProps) {
  return (
    <Suspense
      fallback={<div className="chart chart-loading" style={{ height: props.height ?? 260 }} aria-busy="true" />}
    >
      <TimeSeries {...props} />
    </Suspense>
  );
}
