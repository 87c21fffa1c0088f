// Prometheus metrics, one registry per app instance (tests run several in one process).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  latency: Histogram<'method' | 'route'>;
  clicks: Counter<'outcome'>;
  conversions: Counter<'source' | 'outcome'>;
  /** Set by the tracking module: how many clicks wait to be written. */
  clickBufferSize: () => number;
  pool: Gauge<'state'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics: Metrics = {
    registry,
    clickBufferSize: () => 0,
    requests: new Counter({
      name: 'touchpoint_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'touchpoint_http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    clicks: new Counter({
      name: 'touchpoint_clicks_total',
      help: 'Clicks by outcome: buffered, written, dropped (buffer full)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    conversions: new Counter({
      name: 'touchpoint_conversion_events_total',
      help: 'Conversion events by source and outcome: created, filled_in, duplicate, rejected',
      labelNames: ['source', 'outcome'],
      registers: [registry],
    }),
    pool: new Gauge({
      name: 'touchpoint_db_pool_connections',
      help: 'Database pool connections by state',
      labelNames: ['state'],
      registers: [registry],
    }),
  };
  new Gauge({
    name: 'touchpoint_click_buffer_size',
    help: 'Clicks waiting to be written',
    registers: [registry],
    collect() {
      this.set(metrics.clickBufferSize());
    },
  });
  return metrics;
}
