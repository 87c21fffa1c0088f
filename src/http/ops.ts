// Health, readiness and metrics for load balancers and Prometheus.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.js';
import { isReady } from '../db/dialect/index.js';
import type { Metrics } from './metrics.js';

export function opsRoutes(app: FastifyInstance, ctx: AppContext, metrics: Metrics): void {
  const hidden = { hide: true };
  app.get('/healthz', { schema: hidden }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: hidden }, async (_req, reply) => {
    const ready = await isReady(ctx.store.db);
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'not_ready', database: ctx.store.dialect.name });
  });
  app.get('/metrics', { schema: hidden }, async (_req, reply) => {
    const pool = ctx.store.poolStats();
    if (pool) {
      metrics.pool.set({ state: 'total' }, pool.total);
      metrics.pool.set({ state: 'idle' }, pool.idle);
      metrics.pool.set({ state: 'waiting' }, pool.waiting);
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
