// The public tracking surface: wires the link cache, the click buffer and the routes, and keeps instances in sync.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AppContext, TrackingChange } from '../app/context.js';
import type { Config } from '../config.js';
import { UniqueClicks } from '../core/unique-clicks.js';
import type { Metrics } from '../http/metrics.js';
import { ClickBuffer } from './click-buffer.js';
import { postgresClickWriter, sqliteClickWriter } from './click-writer.js';
import { LinkCache } from './link-cache.js';
import { redirectHandler } from './redirect.js';

export interface TrackingDeps {
  cache: LinkCache;
  buffer: ClickBuffer;
  uniques: UniqueClicks;
  clock: () => number;
  countryHeader: string;
  secureCookies: boolean;
  pages: { notFound: string; unavailable: string };
}

export interface Tracking {
  cache: LinkCache;
  buffer: ClickBuffer;
  /** Called by use cases after a change that affects redirects; reaches other instances through the database. */
  changed(change: TrackingChange): Promise<void>;
  /** Writes every buffered click now. */
  flush(): Promise<void>;
  close(): Promise<{ lost: number }>;
}

const CHANNEL = 'touchpoint_tracking';

const page = (title: string, text: string) =>
  `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title>` +
  `<body style="font:16px system-ui;margin:15vh auto;max-width:32rem;padding:0 1rem;color:#222"><h1 style="font-size:1.4rem">${title}</h1><p>${text}</p></body></html>`;

export async function startTracking(app: FastifyInstance, ctx: AppContext, config: Config, metrics: Metrics): Promise<Tracking> {
  const { store } = ctx;
  const cache = new LinkCache(store.db);
  await cache.warm();
  const writer = store.kind === 'sqlite' ? sqliteClickWriter(store.location) : postgresClickWriter(store);
  let lastErrorLog = 0;
  const buffer = new ClickBuffer({
    writer,
    flushMs: config.clickFlushMs,
    maxPending: config.clickBufferMax,
    onWritten: (n) => metrics.clicks.inc({ outcome: 'written' }, n),
    onDropped: (n) => {
      metrics.clicks.inc({ outcome: 'dropped' }, n);
      app.log.warn({ dropped: n, bound: config.clickBufferMax }, 'click buffer full: oldest clicks dropped');
    },
    onError: (error, pending) => {
      if (Date.now() - lastErrorLog > 5_000) {
        lastErrorLog = Date.now();
        app.log.error({ err: error.message, pending }, 'clicks not written yet; retrying');
      }
    },
  });
  metrics.clickBufferSize = () => buffer.size;

  const instance = randomUUID();
  const reload = (change: TrackingChange) =>
    cache.refresh(change).catch((e: Error) => app.log.warn({ err: e.message, change }, 'link cache refresh failed; keeping cached entries'));
  const unlisten = store.listen
    ? await store.listen(
        CHANNEL,
        (payload) => {
          const { from, change } = JSON.parse(payload) as { from: string; change: TrackingChange };
          if (from !== instance) void reload(change);
        },
        () => void cache.warm().catch(() => {}),
      )
    : null;

  const deps: TrackingDeps = {
    cache,
    buffer,
    uniques: new UniqueClicks(),
    clock: ctx.clock,
    countryHeader: config.countryHeader,
    secureCookies: config.baseUrl.startsWith('https:'),
    pages: {
      notFound: page('Link not found', 'This link does not exist. Check it for typos, or ask the person who shared it for a new one.'),
      unavailable: page('Try again in a moment', 'This link cannot be opened right now. Please try again in a few seconds.'),
    },
  };
  const redirect = redirectHandler(deps);
  app.route({ method: ['GET', 'HEAD'], url: '/:slug', schema: { hide: true }, handler: redirect as never });
  app.addHook('onResponse', async (req) => {
    if (req.routeOptions.url === '/:slug') metrics.clicks.inc({ outcome: 'buffered' });
  });

  return {
    cache,
    buffer,
    async changed(change) {
      store.notify?.(CHANNEL, JSON.stringify({ from: instance, change })).catch(() => {});
      await reload(change);
    },
    flush: () => buffer.flush(),
    async close() {
      await unlisten?.();
      return buffer.close();
    },
  };
}
