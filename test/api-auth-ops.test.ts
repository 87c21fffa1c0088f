import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/stores.js';
import { samplePercentOffer, startTestApp, type TestApp } from './helpers/app.js';

/** Every route of the app as "METHOD /path/{param}", read from Fastify's route tree (HEAD left out). */
function registeredRoutes(tree: string): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + m[2]!;
    stack[depth] = path;
    for (const method of (m[3] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      if (method !== 'HEAD') routes.push(`${method} ${path.replace(/:([A-Za-z]+)/g, '{$1}')}`);
    }
  }
  return routes;
}

/** Routes whose success answer is 201; every other documented route answers 200. */
const CREATED = new Set([
  'POST /api/v1/offers',
  'POST /api/v1/offers/{id}/payout-options',
  'POST /api/v1/members',
  'POST /api/v1/links',
  'POST /api/v1/codes',
  'POST /api/v1/offers/{id}/codes/generate',
  'POST /api/v1/api-keys',
  'POST /api/v1/payout-batches',
  'POST /api/v1/webhook-endpoints',
  'POST /api/v1/users',
]);
/** Routes that hand out sessions (no key or cookie needed), and those that need the dashboard's session itself. */
const PUBLIC = new Set([
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/logout',
  'GET /api/v1/auth/setup',
  'POST /api/v1/auth/setup',
]);
const SESSION_ONLY = new Set(['GET /api/v1/auth/me', 'POST /api/v1/auth/password']);
/** POST routes that take no body at all, and those that take a CSV/XLSX file instead of JSON. */
const NO_BODY = /\/(pause|resume|archive|disable|retry|setup-link|logout)$/;
const FILE_BODY = new Set(['POST /api/v1/members/import', 'POST /api/v1/offers/{id}/code-roster']);

describe.each(DIALECTS)('authentication and operations on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(() => t.close());

  const raw = (method: string, url: string, headers: Record<string, string> = {}, payload?: string) =>
    t.built.app.inject({ method: method as never, url, headers, ...(payload !== undefined ? { payload } : {}) });

  describe('API keys', () => {
    it('answers 401 unauthorized without a key, with an unknown key, or with another scheme', async () => {
      const offer = (await t.api('POST', '/offers', samplePercentOffer)).data;
      const protectedRoutes: [string, string][] = [
        ['GET', '/api/v1/offers'],
        ['GET', `/api/v1/offers/${offer.id}`],
        ['POST', `/api/v1/offers/${offer.id}/pause`],
        ['GET', '/api/v1/members'],
        ['GET', '/api/v1/links'],
        ['GET', '/api/v1/codes'],
        ['GET', '/api/v1/workspace'],
        ['GET', '/api/v1/api-keys'],
      ];
      const badHeaders: Record<string, string>[] = [
        {},
        { authorization: 'Bearer tpk_doesnotexist0000000000000000000000000000' },
        { authorization: `Basic ${Buffer.from(`x:${t.apiKey}`).toString('base64')}` },
        { authorization: `Bearer ${t.apiKey}x` },
        { authorization: 'Bearer' },
      ];
      for (const [method, url] of protectedRoutes) {
        for (const headers of badHeaders) {
          const res = await raw(method, url, headers);
          expect(res.statusCode, `${method} ${url} ${JSON.stringify(headers)}`).toBe(401);
          expect(res.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
        }
      }
      expect((await t.api('GET', `/offers/${offer.id}`)).data.status).toBe('active');
    });

    it('shows a new key once, never lists it, and revokes it', async () => {
      const created = await t.api('POST', '/api-keys', { name: 'Zapier' });
      expect(created.statusCode).toBe(201);
      const { id, key, prefix } = created.data;
      expect(id).toMatch(/^key_[0-9a-z]{26}$/);
      expect(key).toMatch(/^tpk_[0-9A-Za-z]{40}$/);
      expect(key.startsWith(prefix)).toBe(true);
      expect(prefix.length).toBeLessThan(key.length / 2);

      const works = await t.api('GET', '/workspace', undefined, key);
      expect(works.statusCode).toBe(200);
      expect(works.data.id).toBe(t.workspaceId);

      const list = await t.api('GET', '/api-keys');
      expect(list.statusCode).toBe(200);
      expect(list.body).not.toContain(key);
      expect(list.body).not.toContain(t.apiKey);
      const listed = list.data.data.find((k: { id: string }) => k.id === id);
      expect(listed).toEqual({
        id,
        name: 'Zapier',
        prefix,
        createdAt: expect.any(String),
        lastUsedAt: expect.any(String),
        revokedAt: null,
      });
      expect(Object.keys(listed).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt']);
      // Nor is it stored in clear.
      const rows = await t.built.ctx.store.db.selectFrom('api_keys').selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(key);

      const revoked = await t.api('DELETE', `/api-keys/${id}`);
      expect(revoked.statusCode).toBe(200);
      expect(revoked.data).toEqual({ revoked: true });
      const after = await t.api('GET', '/workspace', undefined, key);
      expect(after.statusCode).toBe(401);
      expect(after.data.error.code).toBe('unauthorized');
      expect((await t.api('GET', '/api-keys')).data.data.find((k: { id: string }) => k.id === id).revokedAt).toEqual(
        expect.any(String),
      );
      expect((await t.api('DELETE', `/api-keys/${id}`)).statusCode).toBe(404);
      // The workspace's other key is untouched.
      expect((await t.api('GET', '/workspace')).statusCode).toBe(200);
    });

    it('lets a key revoke itself, and then nothing more', async () => {
      const { id, key } = (await t.api('POST', '/api-keys', { name: 'Self' })).data;
      expect((await t.api('DELETE', `/api-keys/${id}`, undefined, key)).statusCode).toBe(200);
      expect((await t.api('GET', '/offers', undefined, key)).statusCode).toBe(401);
    });
  });

  describe('errors', () => {
    it('answers 400 body_invalid in the standard shape for malformed JSON', async () => {
      const before = (await t.api('GET', '/offers?limit=200')).data.data.length;
      const auth = { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' };
      for (const payload of ['{"name": "Spring", "destinationUrl": ', '{name: 1}', '']) {
        const res = await raw('POST', '/api/v1/offers', auth, payload);
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expect(res.json()).toEqual({ error: { code: 'body_invalid', message: expect.any(String) } });
      }
      expect((await t.api('GET', '/offers?limit=200')).data.data.length).toBe(before);
    });

    it('answers 400 validation_failed with field paths for JSON of the wrong shape', async () => {
      const res = await t.api('POST', '/members', { name: 'X', reach: 'many', unknown: 1 });
      expect(res.statusCode).toBe(400);
      expect(res.data.error.code).toBe('validation_failed');
      expect(res.data.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['reach', 'unknown']);
      const badId = await t.api('GET', '/offers/not-an-id');
      expect(badId.statusCode).toBe(400);
      expect(badId.data.error.details[0].path).toBe('params.id');
    });

    it('answers 404 route_not_found for unknown routes and methods', async () => {
      for (const [method, url] of [
        ['GET', '/api/v1/nope'],
        ['GET', '/api/v1/offers/x/y/z'],
        ['DELETE', '/api/v1/offers'],
        ['PUT', '/api/v1/members'],
      ]) {
        const res = await raw(method!, url!, { authorization: `Bearer ${t.apiKey}` });
        expect(res.statusCode, `${method} ${url}`).toBe(404);
        expect(res.json()).toEqual({ error: { code: 'route_not_found', message: expect.any(String) } });
      }
      expect((await t.api('GET', '/offers/off_00000000000000000000000000')).data.error.code).toBe('not_found');
    });
  });

  describe('operations', () => {
    it('answers /healthz and /readyz', async () => {
      const health = await raw('GET', '/healthz');
      expect(health.statusCode).toBe(200);
      expect(health.json()).toEqual({ status: 'ok' });
      const ready = await raw('GET', '/readyz');
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ready', database: kind });
    });

    it('exposes Prometheus metrics with request counts by route', async () => {
      await t.api('GET', '/offers');
      await t.api('GET', '/offers');
      const res = await raw('GET', '/metrics');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.body).toContain('# TYPE touchpoint_http_requests_total counter');
      expect(res.body).toContain('# TYPE touchpoint_clicks_total counter');
      const line = res.body
        .split('\n')
        .find((l) => l.startsWith('touchpoint_http_requests_total{method="GET",route="/api/v1/offers",status="200"}'));
      expect(line).toBeDefined();
      expect(Number(line!.split(' ').pop())).toBeGreaterThanOrEqual(2);
      expect(res.body).toMatch(
        /touchpoint_http_requests_total\{method="GET",route="\/api\/v1\/offers",status="401"\} \d+/,
      );
      expect(res.body).toContain('touchpoint_http_request_duration_seconds_bucket');
    });
  });

  describe('OpenAPI document', () => {
    it('is served without a key and documents every route of the admin API', async () => {
      const res = await raw('GET', '/api/v1/openapi.json');
      expect(res.statusCode).toBe(200);
      const doc = res.json();
      expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
      expect(doc.info.title).toEqual(expect.any(String));
      expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(doc.components.schemas.Problem).toBeDefined();

      const routes = registeredRoutes(t.built.app.printRoutes({ commonPrefix: false })).filter(
        (r) => r.split(' ')[1]!.startsWith('/api/v1/') && r !== 'GET /api/v1/openapi.json',
      );
      // The route tree was really read: the API has at least these.
      expect(routes).toEqual(
        expect.arrayContaining([
          'POST /api/v1/offers',
          'PATCH /api/v1/offers/{id}',
          'DELETE /api/v1/offers/{id}/payout-options/{payoutOptionId}',
          'POST /api/v1/offers/{id}/members',
          'GET /api/v1/offers/{id}/code-roster',
          'POST /api/v1/members/import',
          'POST /api/v1/links/{id}/disable',
          'DELETE /api/v1/api-keys/{id}',
        ]),
      );
      expect(routes.length).toBeGreaterThanOrEqual(35);

      const documented = Object.entries(doc.paths as Record<string, Record<string, any>>)
        .filter(([path]) => path.startsWith('/api/v1/'))
        .flatMap(([path, ops]) =>
          Object.keys(ops)
            .filter((m) => m !== 'parameters')
            .map((m) => `${m.toUpperCase()} ${path}`),
        );
      expect([...documented].sort()).toEqual([...routes].sort());

      for (const route of routes) {
        const [method, path] = route.split(' ') as [string, string];
        const op = doc.paths[path][method.toLowerCase()];
        const success = CREATED.has(route) ? '201' : '200';
        const twoXX = Object.keys(op.responses).filter((s) => s.startsWith('2'));
        expect(twoXX, route).toEqual([success]);
        const content = op.responses[success].content as Record<string, { schema?: object }> | undefined;
        expect(content && Object.values(content).some((c) => c.schema), `${route} documents its ${success} body`).toBe(
          true,
        );
        expect(op.responses['401'], route).toBeDefined();
        expect(op.summary, route).toEqual(expect.any(String));
        const security = PUBLIC.has(route)
          ? []
          : SESSION_ONLY.has(route)
            ? [{ session: [] }]
            : [{ apiKey: [] }, { session: [] }];
        expect(op.security ?? doc.security, route).toEqual(security);

        if (method === 'POST' || method === 'PATCH') {
          if (NO_BODY.test(path)) {
            expect(op.requestBody, route).toBeUndefined();
          } else if (FILE_BODY.has(route)) {
            expect(Object.keys(op.requestBody.content).sort(), route).toEqual([
              'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
              'text/csv',
            ]);
          } else {
            const schema = op.requestBody?.content?.['application/json']?.schema;
            expect(schema, `${route} documents its JSON body`).toBeDefined();
            expect(schema.type === 'object' || schema.$ref !== undefined, route).toBe(true);
          }
        }
        for (const param of path.match(/\{(\w+)\}/g) ?? []) {
          const name = param.slice(1, -1);
          expect(
            op.parameters?.some((p: any) => p.in === 'path' && p.name === name && p.required),
            `${route} documents ${name}`,
          ).toBe(true);
        }
      }
    });

    it('documents nullable fields in the form of its OpenAPI version', async () => {
      const doc = (await raw('GET', '/api/v1/openapi.json')).json();
      const is30 = doc.openapi.startsWith('3.0.');
      const nullable = (schema: any, type: string) =>
        is30
          ? schema.type === type && schema.nullable === true
          : Array.isArray(schema.type) && schema.type.includes(type) && schema.type.includes('null');
      const member = doc.components.schemas.Member;
      expect(nullable(member.properties.email, 'string'), JSON.stringify(member.properties.email)).toBe(true);
      expect(nullable(member.properties.reach, 'integer'), JSON.stringify(member.properties.reach)).toBe(true);
      expect(nullable(doc.components.schemas.Link.properties.memberId, 'string')).toBe(true);
      // OpenAPI 3.0 has neither a null type nor type arrays.
      if (is30) expect(JSON.stringify(doc)).not.toMatch(/"type":(\[|"null")/);
    });
  });
});
