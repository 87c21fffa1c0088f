// buildApp(config, deps): registers everything, never listens.
import http from 'node:http';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { AppContext, TrackingChange } from '../app/context.js';
import type { Config } from '../config.js';
import type { Store } from '../db/dialect.js';
import { startTracking, type Tracking } from '../tracking/index.js';
import { codeRoutes } from './api/codes.js';
import { conversionRoutes } from './api/conversions.js';
import { fxRoutes, payoutRoutes } from './api/payouts.js';
import { webhookRoutes } from './api/webhooks.js';
import { linkRoutes } from './api/links.js';
import { memberRoutes } from './api/members.js';
import { offerRoutes } from './api/offers.js';
import type { Api } from './api/types.js';
import { reportRoutes } from './api/reports.js';
import { workspaceRoutes } from './api/workspace.js';
import { apiKeyAuth } from './auth.js';
import { errorHandler, sendProblem } from './errors.js';
import { createMetrics, type Metrics } from './metrics.js';
import { opsRoutes } from './ops.js';
import { sharedSchemas } from './schemas.js';

export interface AppDeps {
  store: Store;
  clock?: () => number;
  /** Logger options or false; tests pass false. */
  logger?: boolean | object;
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
  const app = Fastify({
    serverFactory: (handler) => http.createServer((req, res) => fastPath(req, res) || handler(req, res)),
    logger:
      deps.logger === false
        ? false
        : {
            level: config.logLevel,
            serializers: { req: requestSerializer },
            redact: ['req.headers.authorization', 'req.headers.cookie'],
            ...(typeof deps.logger === 'object' ? deps.logger : {}),
          },
    trustProxy: config.trustProxy,
    bodyLimit: 20 * 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: true },
    ajv: { customOptions: { allErrors: true, removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
    // Per-request log lines would cost more than the redirect itself; metrics count requests instead.
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<TypeBoxTypeProvider>();

  const metrics = createMetrics();
  // Changes reach the tracking cache through this hook; it is wired once tracking has started.
  let onChange: (change: TrackingChange) => Promise<void> = async () => {};
  const ctx: AppContext = {
    store: deps.store,
    clock: deps.clock ?? Date.now,
    baseUrl: config.baseUrl,
    trackingChanged: (change) => onChange(change),
    conversionEvent: (source, outcome) => metrics.conversions.inc({ source, outcome }),
  };

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => sendProblem(reply, { code: 'route_not_found', message: `No route ${req.method} ${req.url.split('?')[0]}.` }));
  for (const schema of sharedSchemas) app.addSchema(schema);

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
        description: 'Offers, members, payout options, tracking links and promo codes of one workspace. Authenticate with "Authorization: Bearer <API key>".',
      },
      servers: [{ url: config.baseUrl }],
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'A workspace API key (tpk_…)' } } },
      security: [{ apiKey: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });

  await app.register(
    async (api: Api) => {
      api.addContentTypeParser(
        ['text/csv', 'application/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
        { parseAs: 'buffer' },
        (_req, body, done) => done(null, body),
      );
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
      api.register(async (secured: Api) => {
        secured.addHook('onRequest', apiKeyAuth(ctx));
        offerRoutes(secured, ctx);
        memberRoutes(secured, ctx);
        linkRoutes(secured, ctx);
        codeRoutes(secured, ctx);
        workspaceRoutes(secured, ctx);
        conversionRoutes(secured, ctx);
        payoutRoutes(secured, ctx);
        fxRoutes(secured, ctx);
        webhookRoutes(secured, ctx);
        reportRoutes(secured, ctx);
      });
    },
    { prefix: '/api/v1' },
  );

  opsRoutes(app, ctx, metrics);
  const tracking = await startTracking(app, ctx, config, metrics);
  onChange = tracking.changed;
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
