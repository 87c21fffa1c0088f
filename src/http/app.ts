// buildApp(config, deps): registers everything, never listens.
import { proxyTrust } from '../core/proxy.js';
import http from 'node:http';
import path from 'node:path';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.js';
import type { TrackingChange } from '../core/tracking-change.js';
import { ConversionFactsCache } from '../app/conversion-facts.js';
import { isStateChanging, minRole } from '../core/roles.js';
import type { Config } from '../config.js';
import type { Store } from '../db/dialect/index.js';
import { trackingRoutes, type Tracking } from './tracking/index.js';
import { alertRoutes } from './api/alerts.js';
import { codeRoutes } from './api/codes.js';
import { conversionRoutes } from './api/conversions.js';
import { fxRoutes, payoutRoutes } from './api/payouts.js';
import { webhookRoutes } from './api/webhooks.js';
import { emailRoutes } from './api/emails.js';
import { emailNotifier } from '../app/emails.js';
import { linkRoutes } from './api/links.js';
import { memberRoutes } from './api/members.js';
import { offerRoutes } from './api/offers.js';
import type { Api } from './api/types.js';
import { reportRoutes } from './api/reports.js';
import { setupRoutes } from './api/setup.js';
import { workspaceRoutes } from './api/workspace.js';
import { apiAuth } from './auth.js';
import { authRoutes } from './api/auth.js';
import { userRoutes } from './api/users.js';
import { portalRoutes } from './portal.js';
import { clientErrorHandler, errorHandler, sendProblem } from './errors.js';
import { createMetrics, type Metrics } from './metrics.js';
import { opsRoutes } from './ops.js';
import { defaultWebRoot, webSurfaceRoutes } from './web.js';
import { sharedSchemas } from '../contract/index.js';
import { finiteNumbersOnly, textOnly } from './validation.js';

export interface AppDeps {
  store: Store;
  clock?: () => number;
  /** Logger options or false; tests pass false. */
  logger?: boolean | object;
  /** The built web apps (default dist/web of this installation); tests point it at their own build. */
  webRoot?: string;
}

export interface BuiltApp {
  app: FastifyInstance;
  ctx: AppContext;
  tracking: Tracking;
  metrics: Metrics;
  /** Stops accepting work, flushes buffered clicks, closes the server (not the store). */
  close(): Promise<void>;
}

/** What may reach the logs of a request: never the query string (postback secrets) nor the visitor's IP. */
const requestSerializer = (req: { method: string; url: string; id: string }) => ({
  id: req.id,
  method: req.method,
  path: req.url.split('?')[0],
});

export async function buildApp(config: Config, deps: AppDeps): Promise<BuiltApp> {
  // Cached tracking links are answered before Fastify sees the request (see Tracking.fastPath).
  let fastPath: (req: http.IncomingMessage, res: http.ServerResponse) => boolean = () => false;
  // Over https, browsers are told to never use plain http here again: on every response, the fast path's included.
  const hsts = config.baseUrl.startsWith('https:') ? 'max-age=31536000; includeSubDomains' : null;
  // Once the server is closing, every answer says `Connection: close`: a load balancer's keep-alive connections (which
  // the fast path would otherwise keep busy, so the close would wait on them) end after their request in flight, and
  // its next requests go to another instance.
  let closing = false;
  const app = Fastify({
    serverFactory: (handler) => {
      const server = http.createServer(
        {
          headersTimeout: config.headersTimeoutMs,
          requestTimeout: config.requestTimeoutMs,
          keepAliveTimeout: config.keepAliveTimeoutMs,
          // Node enforces the two timeouts above on this tick (30 s by default, which let a trickled body live 5.5 min).
          connectionsCheckingInterval: Math.max(50, Math.min(5_000, Math.floor(config.headersTimeoutMs / 4))),
        },
        (req, res) => {
          if (hsts) res.setHeader('strict-transport-security', hsts);
          if (closing) res.setHeader('connection', 'close');
          return fastPath(req, res) || handler(req, res);
        },
      );
      // Fastify applies its own timeout options only to a server it makes itself: these are the server's limits.
      server.setTimeout(config.connectionTimeoutMs);
      server.maxConnections = config.maxConnections;
      return server;
    },
    clientErrorHandler,
    logger:
      deps.logger === false
        ? false
        : {
            level: config.logLevel,
            serializers: { req: requestSerializer },
            redact: ['req.headers.authorization', 'req.headers.cookie'],
            ...(typeof deps.logger === 'object' ? deps.logger : {}),
          },
    // The same rule as the redirect's fast path (core/proxy.ts): a list becomes a function of the hop's address.
    trustProxy: typeof config.trustProxy === 'boolean' ? config.trustProxy : proxyTrust(config.trustProxy),
    bodyLimit: 20 * 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: true },
    frameworkErrors: (error, req, reply) => void errorHandler(error, req, reply),
    ajv: {
      customOptions: { allErrors: true, removeAdditional: false, coerceTypes: 'array', useDefaults: true },
      plugins: [finiteNumbersOnly, textOnly],
    },
    // Per-request log lines would cost more than the redirect itself; metrics count requests instead.
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<TypeBoxTypeProvider>();

  const metrics = createMetrics();
  // Changes reach the tracking cache through this hook; it is wired once tracking has started.
  let onChange: (change: TrackingChange) => Promise<void> = async () => {};
  let onWorkspaceChange: (workspaceId: string) => Promise<void> = async () => {};
  const ctx: AppContext = {
    store: deps.store,
    clock: deps.clock ?? Date.now,
    baseUrl: config.baseUrl,
    trackingChanged: (change) => onChange(change),
    conversionEvent: (source, outcome) => metrics.conversions.inc({ source, outcome }),
    conversionFacts: new ConversionFactsCache(),
    workspaceChanged: (workspaceId) => onWorkspaceChange(workspaceId),
  };
  // Messages to people are queued as emails; the server's dispatcher sends them (SMTP or the local outbox).
  ctx.notify = emailNotifier(ctx);

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, { code: 'route_not_found', message: `No route ${req.method} ${req.url.split('?')[0]}.` }),
  );
  for (const schema of sharedSchemas) app.addSchema(schema);

  app.addHook('preClose', async () => {
    closing = true;
    // The close reaps the connections idle at that moment; one busy then falls idle after its answer (a load
    // balancer's keep-alive connection) and would hold the close until KEEP_ALIVE_TIMEOUT_MS: reaped here instead.
    const reaper = setInterval(() => app.server.closeIdleConnections(), 100).unref();
    app.server.once('close', () => clearInterval(reaper));
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });

  await app.register(formbody);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Touchpoint admin API',
        version: '1',
        description:
          'Offers, members, payout options, tracking links and promo codes of one workspace. Authenticate with "Authorization: Bearer <API key>".',
      },
      servers: [{ url: config.baseUrl }],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'A workspace API key (tpk_…)' },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'tp_session',
            description:
              "The dashboard's session (POST /api/v1/auth/login); state-changing requests also send X-CSRF-Token.",
          },
          memberSession: {
            type: 'apiKey',
            in: 'cookie',
            name: 'tp_member',
            description: 'A creator portal session (magic link); state-changing requests also send X-CSRF-Token.',
          },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    // Each operation behind the admin gate shows the least role that may call it, from the rule the gate enforces.
    // Operations that declare their own security (public, session-only, the portal's member session) are outside it.
    transform: ({ schema, url, route }) => {
      if (!schema || schema.hide || 'security' in schema) return { schema, url };
      const method = Array.isArray(route.method) ? route.method[0]! : route.method;
      return { schema: { ...schema, 'x-min-role': minRole(method, url) } as typeof schema, url };
    },
    refResolver: {
      buildLocalReference: (json, _base, _frag, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });

  await app.register(
    async (api: Api) => {
      api.addContentTypeParser(
        ['text/csv', 'application/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
        { parseAs: 'buffer' },
        (_req, body, done) => done(null, body),
      );
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
      authRoutes(api, ctx);
      api.register(async (secured: Api) => {
        secured.addHook('onRequest', apiAuth(ctx));
        // Conversions are decided with cached settings: whatever an API call changed is read again before it answers.
        secured.addHook('onSend', async (request, reply, payload) => {
          if (isStateChanging(request.method) && reply.statusCode < 400 && request.actor)
            await ctx.workspaceChanged?.(request.actor.workspaceId);
          return payload;
        });
        userRoutes(secured, ctx);
        offerRoutes(secured, ctx);
        memberRoutes(secured, ctx);
        linkRoutes(secured, ctx);
        codeRoutes(secured, ctx);
        alertRoutes(secured, ctx);
        workspaceRoutes(secured, ctx);
        conversionRoutes(secured, ctx);
        payoutRoutes(secured, ctx);
        fxRoutes(secured, ctx);
        webhookRoutes(secured, ctx);
        emailRoutes(secured, ctx);
        reportRoutes(secured, ctx);
        setupRoutes(secured, ctx);
      });
    },
    { prefix: '/api/v1' },
  );

  portalRoutes(app, ctx);
  // The brand dashboard (web/app): /app and every path under it; /app is a reserved slug, never a link.
  await webSurfaceRoutes(app, {
    prefix: '/app',
    dir: path.join(deps.webRoot ?? defaultWebRoot(), 'app'),
    title: 'Dashboard',
  });
  // The creator portal (web/portal): /p and every path under it. /p/auth (portal.ts) stays its own route: Fastify
  // prefers a static path over the /p/* wildcard whatever the order of registration.
  await webSurfaceRoutes(app, {
    prefix: '/p',
    dir: path.join(deps.webRoot ?? defaultWebRoot(), 'portal'),
    title: 'Creator portal',
  });
  opsRoutes(app, ctx, metrics);
  const tracking = await trackingRoutes(app, ctx, config, metrics);
  onChange = tracking.changed;
  onWorkspaceChange = tracking.workspaceChanged;
  fastPath = tracking.fastPath;

  return {
    app,
    ctx,
    tracking,
    metrics,
    async close() {
      await app.close();
      await tracking.close();
    },
  };
}
