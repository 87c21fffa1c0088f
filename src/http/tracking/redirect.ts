// GET|HEAD /{slug}: the redirect's routes. A cached link is answered straight from node:http (the fast path); a miss,
// an unknown slug or a database outage goes through Fastify. The decision itself is tracking/redirect.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { UniqueClicks } from '../../core/unique-clicks.js';
import { classifyUserAgent } from '../../core/visitor.js';
import type { TrackingEngine } from '../../tracking/index.js';
import { redirect, redirectHeaders, type ClickRequest, type RedirectDeps } from '../../tracking/redirect.js';
import { clientAddress, lastForwarded, proxyTrust } from '../../core/proxy.js';
import type { Metrics } from '../metrics.js';

const SLUG_PATH = /^\/[A-Za-z0-9][A-Za-z0-9_-]{2,63}$/;

function queryOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
}

type Forwarded = Pick<ClickRequest, 'ip' | 'forwardedHost' | 'forwardedHttps'>;
const DIRECT = { forwardedHost: '', forwardedHttps: false } as const;

/**
 * The visitor's address (core/proxy.ts, the rule Fastify's req.ip follows) and, from a trusted proxy only, the host
 * and scheme the visitor asked for.
 */
function forwarding(req: IncomingMessage, trusted: ((address: string) => boolean) | null): Forwarded {
  const socket = req.socket.remoteAddress ?? '';
  if (!trusted || !trusted(socket)) return { ip: socket, ...DIRECT };
  const h = req.headers;
  const xff = h['x-forwarded-for'];
  return {
    ip: clientAddress(socket, typeof xff === 'string' ? xff : xff?.join(','), trusted),
    forwardedHost: lastForwarded(h['x-forwarded-host']).toLowerCase(),
    forwardedHttps: lastForwarded(h['x-forwarded-proto']) === 'https',
  };
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

/**
 * Registers GET|HEAD /:slug and returns the fast path: it answers a cached link before Fastify (which still handles
 * misses, 404s and everything else), and returns false when the request is not a cached link's.
 */
export function redirectRoutes(
  app: FastifyInstance,
  engine: TrackingEngine,
  clock: () => number,
  config: Config,
  metrics: Metrics,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { cache } = engine;
  const trusted = config.trustProxy === false ? null : proxyTrust(config.trustProxy);
  const deps: RedirectDeps = {
    buffer: engine.buffer,
    uniques: new UniqueClicks(),
    classify: memoize(classifyUserAgent, 10_000),
    clock,
    countryHeader: config.countryHeader,
    secureCookies: config.baseUrl.startsWith('https:'),
  };
  const pages = {
    notFound: page(
      'Link not found',
      'This link does not exist. Check it for typos, or ask the person who shared it for a new one.',
    ),
    unavailable: page(
      'Try again in a moment',
      'This link cannot be opened right now. Please try again in a few seconds.',
    ),
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
        return reply.code(503).header('retry-after', '5').type('text/html').send(pages.unavailable);
      }
      if (!link) return reply.code(404).type('text/html').send(pages.notFound);
      const r = redirect(deps, link, {
        method: req.method,
        query: queryOf(req.url),
        headers: req.headers,
        ...forwarding(req.raw, trusted),
      });
      return reply.code(302).headers(redirectHeaders(r)).send();
    },
  });

  const fastCount = {
    GET: metrics.requests.labels('GET', '/:slug', '302'),
    HEAD: metrics.requests.labels('HEAD', '/:slug', '302'),
  };
  const fastLatency = { GET: metrics.latency.labels('GET', '/:slug'), HEAD: metrics.latency.labels('HEAD', '/:slug') };
  return (req, res) => {
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') return false;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (!SLUG_PATH.test(path)) return false;
    const link = cache.peek(path.slice(1));
    if (!link) return false;
    const started = process.hrtime.bigint();
    const r = redirect(deps, link, {
      method,
      query: q < 0 ? '' : url.slice(q + 1),
      headers: req.headers,
      ...forwarding(req, trusted),
    });
    res.writeHead(302, redirectHeaders(r));
    res.end();
    fastCount[method].inc();
    fastLatency[method].observe(Number(process.hrtime.bigint() - started) / 1e9);
    return true;
  };
}
