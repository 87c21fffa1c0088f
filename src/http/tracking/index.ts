// The public tracking surface: starts the tracking engine and registers its routes (the redirect, the conversion
// endpoints, the tag), with the engine's counters on the metrics.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { clickFinder } from '../../app/click-finder.js';
import type { AppContext } from '../../app/context.js';
import type { Config } from '../../config.js';
import { startTracking, type TrackingEngine } from '../../tracking/index.js';
import type { Metrics } from '../metrics.js';
import { conversionRoutes } from './conversion-routes.js';
import { redirectRoutes } from './redirect.js';
import { tagRoutes } from './tag.js';

export interface Tracking extends TrackingEngine {
  /**
   * Answers a cached link straight from node:http, before Fastify (which still handles misses, 404s and
   * everything else): the redirect is the hot path, and the framework's per-request work is most of its cost.
   * Returns false when the request is not a cached link's.
   */
  fastPath(req: IncomingMessage, res: ServerResponse): boolean;
}

export async function trackingRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  config: Config,
  metrics: Metrics,
): Promise<Tracking> {
  const engine = await startTracking(ctx.store, {
    config,
    clock: ctx.clock,
    log: app.log,
    countClicks: (outcome, n) => metrics.clicks.inc({ outcome }, n),
    facts: ctx.conversionFacts,
  });
  metrics.clickBufferSize = () => engine.buffer.size;
  const fastPath = redirectRoutes(app, engine, ctx.clock, config, metrics);
  conversionRoutes(app, ctx, clickFinder(ctx, engine.buffer, config.clickFlushMs), engine.conversions);
  tagRoutes(app, ctx, clickFinder(ctx, engine.buffer, config.clickFlushMs), engine.conversions);
  return { ...engine, fastPath };
}
