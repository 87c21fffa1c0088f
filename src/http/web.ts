// Serves a built single-page app (dist/web/<name>, made by `npm run build:web`) under a path prefix: the dashboard
// at /app, later the partner portal at /p. Hashed assets are cached for a year; every other path under the prefix
// gets the app's index.html, uncached, so a deploy is picked up on the next page load and deep links
// (/app/offers/off_…) work on reload. Until the app is built, the prefix answers a page that says how to build it.
import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

export interface WebSurface {
  /** URL prefix without a trailing slash, e.g. "/app". */
  prefix: string;
  /** The built app's folder (holding index.html and assets/). */
  dir: string;
  title: string;
}

/** dist/web of this installation: two levels up from src/http when run from sources, three from dist/src/http. */
export function defaultWebRoot(): string {
  let dir = import.meta.dirname;
  for (let i = 0; i < 5; i++) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'dist', 'web');
    dir = path.dirname(dir);
  }
  return path.resolve('dist', 'web');
}

const YEAR_S = 365 * 86_400;

/**
 * What the browser may do with these pages: only our own scripts and API (an injected <script> or a member-typed
 * `javascript:` URL does not run), inline styles (the chart library sets them), images from anywhere over https
 * (offer images), never framed.
 */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: https:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

function notBuilt(surface: WebSurface): string {
  return (
    `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${surface.title}</title>` +
    '<body style="font:16px system-ui;margin:15vh auto;max-width:34rem;padding:0 1rem;color:#222">' +
    `<h1 style="font-size:1.4rem">The ${surface.title.toLowerCase()} is not built</h1>` +
    '<p>Run <code>npm run build</code> (or start with <code>npm start</code>, which builds it) and reload this page.</p></body></html>'
  );
}

export async function webSurfaceRoutes(app: FastifyInstance, surface: WebSurface): Promise<void> {
  // Encapsulated: each surface has its own reply.sendFile root, and nothing here touches the API's routes.
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, { root: surface.dir, serve: false, dotfiles: 'deny' });
    const index = path.join(surface.dir, 'index.html');

    const sendIndex = (reply: FastifyReply) => {
      reply.headers({ ...PAGE_HEADERS, 'cache-control': 'no-cache' });
      // Checked per request (a stat), so building while the server runs needs no restart.
      if (!fs.existsSync(index)) return reply.code(503).type('text/html; charset=utf-8').send(notBuilt(surface));
      return reply.sendFile('index.html', { cacheControl: false });
    };

    scope.get(surface.prefix, { schema: { hide: true } }, (_req, reply) => sendIndex(reply));
    scope.get(`${surface.prefix}/*`, { schema: { hide: true } }, (req, reply) => {
      const rest = (req.params as { '*': string })['*'];
      if (rest.startsWith('assets/')) {
        // File names carry a content hash: a changed file is a new URL.
        return reply.sendFile(rest, { maxAge: YEAR_S * 1000, immutable: true });
      }
      // Other files of the build's root (favicon.svg): short cache. Paths without an extension are app pages.
      if (/^[\w-]+\.[a-z0-9]+$/i.test(rest) && rest !== 'index.html')
        return reply.sendFile(rest, { maxAge: 3_600_000 });
      return sendIndex(reply);
    });
  });
}
