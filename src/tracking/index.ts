// The public tracking surface: wires the link cache, the click buffer and the routes, and keeps instances in sync.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext, TrackingChange } from '../app/context.js';
import type { Config } from '../config.js';
import { UniqueClicks } from '../core/unique-clicks.js';
import { classifyUserAgent, type UserAgentClass } from '../core/visitor.js';
import type { Metrics } from '../http/metrics.js';
import { ClickBuffer } from './click-buffer.js';
import { ConversionBuffer } from './conversion-buffer.js';
import { openClickWriter } from './click-writer/index.js';
import { LinkCache } from './link-cache.js';
import { checkpointInBackground } from './sqlite-checkpoints.js';
import { conversionRoutes } from './conversion-routes.js';
import { clickFinder } from './ingest.js';
import { redirect, redirectHeaders } from './redirect.js';
import { tagRoutes } from './tag.js';

export interface TrackingDeps {
  cache: LinkCache;
  buffer: ClickBuffer;
  uniques: UniqueClicks;
  classify: (ua: string) => UserAgentClass;
  clock: () => number;
  countryHeader: string;
  secureCookies: boolean;
  pages: { notFound: string; unavailable: string };
}

export interface Tracking {
  cache: LinkCache;
  buffer: ClickBuffer;
  /** Pixel and /collect conversions received while the database was unreachable, recorded when it returns. */
  conversions: ConversionBuffer;
  /** Called by use cases after a change that affects redirects; reaches other instances through the database. */
  changed(change: TrackingChange): Promise<void>;
  /** Called after the admin API changed something in a workspace: its cached conversion settings are read again, here and on other instances. */
  workspaceChanged(workspaceId: string): Promise<void>;
  /**
   * Answers a cached link straight from node:http, before Fastify (which still handles misses, 404s and
   * everything else): the redirect is the hot path, and the framework's per-request work is most of its cost.
   * Returns false when the request is not a cached link's.
   */
  fastPath(req: IncomingMessage, res: ServerResponse): boolean;
  /** Writes every buffered click now. */
  flush(): Promise<void>;
  close(): Promise<{ lost: number }>;
}

const CHANNEL = 'touchpoint_tracking';
const SLUG_PATH = /^\/[A-Za-z0-9][A-Za-z0-9_-]{2,63}$/;

function queryOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
}

/** The visitor's address: the socket's, or behind a trusted proxy the first X-Forwarded-For entry (as Fastify's req.ip). */
function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const first = typeof forwarded === 'string' ? forwarded.split(',')[0]!.trim() : '';
    if (first) return first;
  }
  return req.socket.remoteAddress ?? '';
}

/** Real traffic repeats a few thousand user agents; classifying each once saves regex work on every click. */
function memoize<T>(fn: (key: string) => T, max: number): (key: string) => T {
  const seen = new Map<string, T>();
  return (key) => {
    let value = seen.get(key);
    if (value === undefined) {
      if (seen.size >= max) seen.clear();
      value = fn(key);
      seen.set(key, value);
    }
    return value;
  };
}

const page = (title: string, text: string) =>
  `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title>` +
  `<body style="font:16px system-ui;margin:15vh auto;max-width:32rem;padding:0 1rem;color:#222"><h1 style="font-size:1.4rem">${title}</h1><p>${text}</p></body></html>`;

export async function startTracking(app: FastifyInstance, ctx: AppContext, config: Config, metrics: Metrics): Promise<Tracking> {
  const { store } = ctx;
  const cache = new LinkCache(store.db);
  await cache.warm();
  const writer = openClickWriter(store);
  const checkpoints = store.dialect.walCheckpoints
    ? await checkpointInBackground(store, { onFailure: (err) => app.log.warn({ err }, 'background WAL checkpoint failed; the server checkpoints itself again') })
    : null;
  let lastErrorLog = 0;
  const buffer = new ClickBuffer({
    writer,
    onBuffered: () => metrics.clicks.inc({ outcome: 'buffered' }),
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
  const conversions = new ConversionBuffer({
    maxPending: config.conversionBufferMax,
    retryMs: config.clickFlushMs,
    clock: ctx.clock,
    onHeld: () => app.log.warn({ held: conversions.size }, 'database unreachable: conversion held until it returns'),
    onDropped: (n) => app.log.error({ dropped: n, bound: config.conversionBufferMax }, 'conversion buffer full: oldest held conversions dropped'),
    onFailed: (err) => app.log.error({ err }, 'held conversion failed'),
  });

  const instance = randomUUID();
  const facts = ctx.conversionFacts;
  const reload = (change: TrackingChange) => {
    facts?.invalidate(change);
    return cache.refresh(change).catch((e: Error) => app.log.warn({ err: e.message, change }, 'link cache refresh failed; keeping cached entries'));
  };
  // One channel for both caches: { change } is a link, offer or member; { workspace } is anything else the admin API changed.
  const unlisten = store.listen
    ? await store.listen(
        CHANNEL,
        (payload) => {
          const notice = JSON.parse(payload) as { from: string; change?: TrackingChange; workspace?: string };
          if (notice.from === instance) return;
          if (notice.change) void reload(notice.change);
          if (notice.workspace) facts?.invalidateWorkspace(notice.workspace);
        },
        () => {
          // Notices sent while the connection was down are lost: everything cached is read again.
          facts?.clear();
          void cache.warm().catch(() => {});
        },
      )
    : null;

  const deps: TrackingDeps = {
    cache,
    buffer,
    uniques: new UniqueClicks(),
    classify: memoize(classifyUserAgent, 10_000),
    clock: ctx.clock,
    countryHeader: config.countryHeader,
    secureCookies: config.baseUrl.startsWith('https:'),
    pages: {
      notFound: page('Link not found', 'This link does not exist. Check it for typos, or ask the person who shared it for a new one.'),
      unavailable: page('Try again in a moment', 'This link cannot be opened right now. Please try again in a few seconds.'),
    },
  };
  app.route({
    method: ['GET', 'HEAD'],
    url: '/:slug',
    schema: { hide: true },
    handler: async (req: FastifyRequest<{ Params: { slug: string } }>, reply: FastifyReply) => {
      let link;
      try {
        link = await cache.get(req.params.slug);
      } catch {
        return reply.code(503).header('retry-after', '5').type('text/html').send(deps.pages.unavailable);
      }
      if (!link) return reply.code(404).type('text/html').send(deps.pages.notFound);
      const r = redirect(deps, link, { method: req.method, query: queryOf(req.url), headers: req.headers, ip: req.ip });
      return reply.code(302).headers(redirectHeaders(r)).send();
    },
  });

  conversionRoutes(app, ctx, clickFinder(ctx, buffer, config.clickFlushMs), conversions);
  tagRoutes(app, ctx, clickFinder(ctx, buffer, config.clickFlushMs), conversions);

  const fastCount = { GET: metrics.requests.labels('GET', '/:slug', '302'), HEAD: metrics.requests.labels('HEAD', '/:slug', '302') };
  const fastLatency = { GET: metrics.latency.labels('GET', '/:slug'), HEAD: metrics.latency.labels('HEAD', '/:slug') };
  const fastPath = (req: IncomingMessage, res: ServerResponse): boolean => {
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') return false;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (!SLUG_PATH.test(path)) return false;
    const link = cache.peek(path.slice(1));
    if (!link) return false;
    const started = process.hrtime.bigint();
    const r = redirect(deps, link, { method, query: q < 0 ? '' : url.slice(q + 1), headers: req.headers, ip: clientIp(req, config.trustProxy) });
    res.writeHead(302, redirectHeaders(r));
    res.end();
    fastCount[method].inc();
    fastLatency[method].observe(Number(process.hrtime.bigint() - started) / 1e9);
    return true;
  };

  return {
    cache,
    buffer,
    conversions,
    async changed(change) {
      store.notify?.(CHANNEL, JSON.stringify({ from: instance, change })).catch(() => {});
      await reload(change);
    },
    async workspaceChanged(workspaceId) {
      store.notify?.(CHANNEL, JSON.stringify({ from: instance, workspace: workspaceId })).catch(() => {});
      facts?.invalidateWorkspace(workspaceId);
    },
    fastPath,
    flush: () => buffer.flush(),
    async close() {
      await unlisten?.();
      // Held conversions first: their clicks may still be in the click buffer, where the lookup finds them.
      const held = await conversions.close();
      if (held.lost) app.log.error({ lost: held.lost }, 'held conversions not recorded before exit');
      const result = await buffer.close();
      await checkpoints?.close();
      return result;
    },
  };
}
