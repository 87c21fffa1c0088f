// The whole admin and portal surface read from the OpenAPI document, a seeded workspace with one of each resource
// (so every path has real ids and every secret exists to leak), and the principals that try it: the role matrix
// (test/role-matrix.test.ts) and the fuzz (test/fuzz-api.test.ts, bench/fuzz.ts) are both built on this.
import { sql } from 'kysely';
import { approveDue } from '../../src/app/conversions.js';
import { issueLoginLink, requestLoginLink } from '../../src/app/portal-sign-in.js';
import { createFirstOwner } from '../../src/app/users.js';
import type { Role } from '../../src/core/roles.js';
import type { TestApp } from './app.js';
import { listen } from './browser.js';
import { jsonOrNull } from './json.js';

type Json = any;

/** How an operation is reached: behind the admin gate (API key or user session, held to x-min-role), with a user
 * session only, with a member (portal) session only, or by anyone. Read from the operation's `security`. */
export type Access = 'gate' | 'session' | 'member' | 'public';

export interface Operation {
  /** "POST /api/v1/offers/{id}/pause" */
  id: string;
  method: string;
  path: string;
  access: Access;
  minRole: Role | undefined;
  parameters: { name: string; in: 'path' | 'query' | 'header' | 'cookie'; required: boolean; schema: Json }[];
  body: { contentType: string; schema: Json } | undefined;
}

export function accessOf(security: Record<string, string[]>[] | undefined): Access {
  if (security === undefined) return 'gate';
  const schemes = security.flatMap((s) => Object.keys(s));
  if (schemes.length === 0) return 'public';
  if (schemes.includes('memberSession')) return 'member';
  if (schemes.includes('apiKey')) return 'gate';
  return 'session';
}

/** Every operation of the document, logouts last (they end the session that tries them). */
export function operationsOf(doc: Json): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    for (const [method, op] of Object.entries<Json>(item)) {
      if (!['get', 'put', 'post', 'delete', 'patch'].includes(method)) continue;
      const content = op.requestBody?.content ?? {};
      const contentType = Object.keys(content)[0];
      ops.push({
        id: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        access: accessOf(op.security),
        minRole: op['x-min-role'],
        parameters: (op.parameters ?? []).map((p: Json) => ({
          ...p,
          required: !!p.required,
          schema: deref(doc, p.schema),
        })),
        body: contentType ? { contentType, schema: deref(doc, content[contentType].schema) } : undefined,
      });
    }
  }
  const last = (o: Operation) => (o.path.endsWith('/logout') ? 1 : 0);
  return ops.sort((a, b) => last(a) - last(b));
}

/** The schema with every $ref to components/schemas replaced by its target (cycles cut at depth 20). */
export function deref(doc: Json, schema: Json, depth = 0): Json {
  if (schema === null || typeof schema !== 'object' || depth > 20) return schema;
  if (Array.isArray(schema)) return schema.map((s) => deref(doc, s, depth + 1));
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return deref(doc, doc.components.schemas[name], depth + 1);
  }
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, deref(doc, v, depth + 1)]));
}

export interface Answer {
  status: number;
  contentType: string;
  body: string;
  data: Json;
}

export interface Principal {
  name: 'owner' | 'manager' | 'viewer' | 'api_key' | 'member' | 'none' | 'other_workspace';
  /** The dashboard role of a user session; an API key acts as an owner. */
  role?: Role;
  headers(method: string): Record<string, string>;
}

const READS = new Set(['GET', 'HEAD']);

function cookiePrincipal(name: Principal['name'], role: Role | undefined, cookies: Map<string, string>): Principal {
  return {
    name,
    ...(role ? { role } : {}),
    headers(method) {
      const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const csrf = cookies.get('tp_csrf');
      return { cookie, ...(csrf && !READS.has(method) ? { 'x-csrf-token': csrf } : {}) };
    },
  };
}

const keyPrincipal = (name: Principal['name'], key: string): Principal => ({
  name,
  ...(name === 'api_key' ? { role: 'owner' as const } : {}),
  headers: () => ({ authorization: `Bearer ${key}` }),
});

/** One request over real HTTP; `body` is sent as given (a string or bytes) with `contentType`. */
export async function send(
  base: string,
  method: string,
  url: string,
  headers: Record<string, string> = {},
  body?: string | Uint8Array,
  contentType?: string,
): Promise<Answer> {
  const res = await fetch(base + url, {
    method,
    redirect: 'manual',
    headers: { ...headers, ...(contentType ? { 'content-type': contentType } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    body: text,
    data: jsonOrNull(text) as Json,
  };
}

/** The cookies a response set (name -> value), as a browser would keep them. */
function keepCookies(jar: Map<string, string>, res: Response): void {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair!.indexOf('=');
    const value = pair!.slice(eq + 1);
    if (value) jar.set(pair!.slice(0, eq), value);
    else jar.delete(pair!.slice(0, eq));
  }
}

async function browserCall(
  base: string,
  jar: Map<string, string>,
  method: string,
  url: string,
  body?: unknown,
): Promise<Json> {
  const csrf = jar.get('tp_csrf');
  const res = await fetch(base + url, {
    method,
    redirect: 'manual',
    headers: {
      cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(csrf && method !== 'GET' ? { 'x-csrf-token': csrf } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  keepCookies(jar, res);
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export interface World {
  base: string;
  doc: Json;
  operations: Operation[];
  principals: Principal[];
  /** Real ids by path parameter, e.g. id of /offers/{id} under "offers", and "payoutOptionId", "memberId". */
  ids: Record<string, string>;
  workspaceId: string;
  ownerKey: string;
  otherKey: string;
  otherWorkspaceId: string;
  postbackSecret: string;
  shopifySecret: string;
  slug: string;
  code: string;
  offerId: string;
  clickId: string | undefined;
  memberCookies: Map<string, string>;
  ownerCookies: Map<string, string>;
  /** Values no viewer or member may ever read: secrets, API keys, setup and sign-in tokens. */
  secrets: string[];
  /** What is the seeded workspace's alone: another workspace's key must never read any of it. */
  markers: string[];
}

const NEW_PASSWORD = 'a long enough password 1';
const NO_SUCH = (prefix: string) => `${prefix}_${'0'.repeat(26)}`;

/**
 * The workspace of `t` with one of everything: owner, manager and viewer users signed in, an invited user whose setup
 * link is pending, a member signed in to the portal with another sign-in link pending, an offer with a payout option,
 * link and code, a webhook endpoint with a message, a paid and a pending commission, an email, a spare API key, a
 * Shopify secret; and a second workspace with its own key and offer. `advance` moves the app's clock.
 */
export async function seedWorld(t: TestApp, advance: (ms: number) => void): Promise<World> {
  const base = await listen(t);
  const api = async (method: string, path: string, body?: unknown): Promise<Json> => {
    const r = await t.api(method, path, body);
    if (r.statusCode >= 400) throw new Error(`${method} ${path}: ${r.statusCode} ${r.body}`);
    return r.data;
  };

  const owner = await createFirstOwner(t.built.ctx, t.workspaceId, 'owner@acme.test');
  const ownerCookies = new Map<string, string>();
  await browserCall(base, ownerCookies, 'POST', '/api/v1/auth/login', {
    email: 'owner@acme.test',
    password: owner!.password,
  });
  await browserCall(base, ownerCookies, 'POST', '/api/v1/auth/password', {
    currentPassword: owner!.password,
    newPassword: NEW_PASSWORD,
  });
  const tokens: string[] = [];
  const invite = async (email: string, role: Role, setUp: boolean) => {
    const created = await browserCall(base, ownerCookies, 'POST', '/api/v1/users', {
      email,
      name: email.split('@')[0],
      role,
    });
    const token = new URL(created.setupUrl).searchParams.get('token')!;
    tokens.push(token);
    const jar = new Map<string, string>();
    if (setUp) await browserCall(base, jar, 'POST', '/api/v1/auth/setup', { token, password: NEW_PASSWORD });
    return { id: created.user.id as string, jar };
  };
  const manager = await invite('max@acme.test', 'manager', true);
  const viewer = await invite('vera@acme.test', 'viewer', true);
  const pending = await invite('pat@acme.test', 'viewer', false);

  const shopifySecret = 'shpss_fuzzsecret0123456789abcdef';
  await api('PATCH', '/workspace', { shopifyWebhookSecret: shopifySecret });
  const workspace = await api('GET', '/workspace');
  const spare = await api('POST', '/api-keys', { name: 'Spare' });
  const endpoint = await api('POST', '/webhook-endpoints', {
    url: 'https://hooks.example.com/touchpoint',
    events: ['conversion.created', 'commission.approved'],
  });

  const offer = await api('POST', '/offers', {
    name: 'Spring sale',
    destinationUrl: 'https://shop.example.com/spring',
    holdDays: 1,
    deepLinks: { allowCreators: true, extraDomains: ['blog.example.org'] },
    payoutOptions: [{ title: 'Standard', type: 'percent', value: '10', default: true }],
  });
  const option = await api('POST', `/offers/${offer.id}/payout-options`, {
    title: 'VIP',
    type: 'percent',
    value: '15',
  });
  const member = await api('POST', '/members', { name: 'Ava', email: 'ava@creators.test' });
  const added = await api('POST', `/offers/${offer.id}/members`, {
    members: [{ memberId: member.id }],
    generateLinks: true,
    generateCodes: true,
    codePattern: 'AVA{RAND4}',
  });
  const slug = added.members[0].links[0].slug as string;
  const code = added.members[0].codes[0].code as string;
  const link = (await api('GET', '/links')).data.find((l: Json) => l.slug === slug);
  const promo = (await api('GET', '/codes')).data.find((c: Json) => c.code === code);

  const click = await fetch(`${base}/${slug}`, { redirect: 'manual' });
  const clickId =
    new URL(click.headers.get('location') ?? 'http://x/').searchParams.get('tp_click') ??
    click.headers
      .getSetCookie()
      .join(';')
      .match(/tp_click=([^;]+)/)?.[1];
  await t.built.tracking.flush();
  const sale = (order: string) =>
    t.built.app.inject({
      url: `/postback?${new URLSearchParams({ secret: workspace.postbackSecret, code, order, amount: '120.00' })}`,
    });
  await sale('SEED-1');
  advance(2 * 86_400_000);
  await approveDue(t.built.ctx);
  const batch = await api('POST', '/payout-batches', { currency: 'USD', note: 'Seed' });
  const pendingSale = await sale('SEED-2');
  const conversionId = JSON.parse(pendingSale.body).conversionId as string;
  const commission = (await api('GET', '/commissions?status=pending')).data[0];
  const message = (await api('GET', `/webhook-endpoints/${endpoint.id}/messages`)).data[0];
  await api('POST', `/offers/${offer.id}/members/email`, {});

  // Two sign-in links: one opened for the session, one left pending (a token that exists to leak).
  const memberCookies = new Map<string, string>();
  for (const i of [0, 1]) {
    const issued = await requestLoginLink(t.built.ctx, { email: 'ava@creators.test', ip: '203.0.113.9' });
    if (!issued.ok || !issued.value[0]) throw new Error('no sign-in link');
    // The emailed link is made when the email is sent and never stored; a link issued directly stands for it.
    const url = await issueLoginLink(t.built.ctx, issued.value[0].workspaceId, issued.value[0].memberId);
    const token = new URL(url).searchParams.get('token')!;
    tokens.push(token);
    if (i === 0) keepCookies(memberCookies, await fetch(`${base}/p/auth?token=${token}`, { redirect: 'manual' }));
  }
  if (!memberCookies.has('tp_member')) throw new Error('no member session');
  // The email whose body carried a sign-in link: what /emails/{id} shows of it is what could leak.
  const emails = (await api('GET', '/emails?limit=100')).data;
  const email = emails.find((e: Json) => e.kind === 'magic_link') ?? emails[0];

  const other = await t.newWorkspace('Other Co');
  await t.api(
    'POST',
    '/offers',
    {
      name: 'Theirs',
      destinationUrl: 'https://other.example.com/',
      payoutOptions: [{ title: 'S', type: 'percent', value: '5' }],
    },
    other.apiKey,
  );

  const ids: Record<string, string> = {
    users: pending.id,
    'api-keys': spare.id,
    offers: offer.id,
    members: member.id,
    links: link.id,
    codes: promo.id,
    alerts: NO_SUCH('alr'),
    conversions: conversionId,
    commissions: commission.id,
    'payout-batches': batch.id,
    'webhook-endpoints': endpoint.id,
    'webhook-messages': message?.id ?? NO_SUCH('whm'),
    emails: email.id,
    payoutOptionId: option.id,
    memberId: member.id,
  };
  const res = await send(base, 'GET', '/api/v1/openapi.json');
  const secrets = [
    workspace.postbackSecret,
    shopifySecret,
    endpoint.secret,
    spare.key,
    t.apiKey,
    other.apiKey,
    ...tokens,
  ];
  const markers = [
    t.workspaceId,
    ...Object.values(ids).filter((v) => !v.endsWith('0'.repeat(26))),
    slug,
    code,
    'ava@creators.test',
    'owner@acme.test',
    'Spring sale',
    ...secrets.filter((s) => s !== other.apiKey),
  ];
  return {
    base,
    doc: res.data,
    operations: operationsOf(res.data),
    principals: [
      cookiePrincipal('owner', 'owner', ownerCookies),
      cookiePrincipal('manager', 'manager', manager.jar),
      cookiePrincipal('viewer', 'viewer', viewer.jar),
      keyPrincipal('api_key', t.apiKey),
      cookiePrincipal('member', undefined, memberCookies),
      { name: 'none', headers: () => ({}) },
      keyPrincipal('other_workspace', other.apiKey),
    ],
    ids,
    workspaceId: t.workspaceId,
    ownerKey: t.apiKey,
    otherKey: other.apiKey,
    otherWorkspaceId: other.workspaceId,
    postbackSecret: workspace.postbackSecret,
    shopifySecret,
    slug,
    code,
    offerId: offer.id,
    clickId: clickId ?? undefined,
    memberCookies,
    ownerCookies,
    secrets,
    markers,
  };
}

/** The operation's path with the seeded ids in place of its parameters. */
export function realPath(world: World, op: Operation): string {
  return op.path
    .replace(/\/([^/{}]+)\/\{id\}/g, (_m, resource: string) => `/${resource}/${world.ids[resource] ?? NO_SUCH('xxx')}`)
    .replace(/\{(\w+)\}/g, (_m, name: string) => world.ids[name] ?? NO_SUCH('xxx'));
}

/** Rows of every table, to prove a refused request stored nothing. Left out, each for its reason: the throttle
 * counts refused attempts on purpose; a refused conversion is kept as a rejected event (why it did not count); the
 * migration bookkeeping is not the workspace's data; a partition is counted in its table. */
export async function rowCounts(t: TestApp): Promise<Record<string, number>> {
  const db = t.db.store.db;
  // A partition's rows are its parent's (PostgreSQL's monthly clicks and conversion events): counted there once.
  const partitions = new Set(
    t.db.store.dialect.name === 'postgres'
      ? (await sql<{ name: string }>`select relname as name from pg_class where relispartition`.execute(db)).rows.map(
          (r) => r.name,
        )
      : [],
  );
  const tables = (await db.introspection.getTables())
    .map((x) => x.name)
    .filter((n) => !/^(kysely_|auth_counters$)/.test(n) && !partitions.has(n));
  const parts = tables.map((n) =>
    n === 'conversion_events'
      ? sql<{
          t: string;
          n: number;
        }>`select ${n} as t, count(*) as n from conversion_events where outcome <> 'rejected'`
      : sql<{ t: string; n: number }>`select ${n} as t, count(*) as n from ${sql.table(n)}`,
  );
  const query = sql.join(parts, sql` union all `);
  const rows = (await sql<{ t: string; n: number | string }>`${query}`.execute(db)).rows;
  return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
}

/** What differs between two counts, e.g. ["offers 3 -> 4"]. */
export function countChanges(before: Record<string, number>, after: Record<string, number>): string[] {
  return Object.keys({ ...before, ...after })
    .filter((k) => before[k] !== after[k])
    .map((k) => `${k} ${before[k]} -> ${after[k]}`);
}

/** The one error shape: {"error":{"code","message","details"?}} and nothing else. */
export function isProblem(data: Json): boolean {
  if (!data || typeof data !== 'object' || Object.keys(data).join() !== 'error') return false;
  const e = data.error;
  return (
    !!e &&
    typeof e === 'object' &&
    typeof e.code === 'string' &&
    /^[a-z_]+$/.test(e.code) &&
    typeof e.message === 'string' &&
    Object.keys(e).every((k) => ['code', 'message', 'details'].includes(k))
  );
}

/** Stored values that are no finite number where one belongs: a non-finite number in any column, or text that reads
 * as one (Infinity, NaN, 1e309) in a column of amounts, rates or counts. One line per table and column. */
export async function nonFiniteValues(t: TestApp): Promise<string[]> {
  const db = t.db.store.db;
  const found = new Map<string, string>();
  for (const table of (await db.introspection.getTables()).map((x) => x.name).filter((n) => !n.startsWith('kysely_'))) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db)).rows;
    for (const row of rows) {
      for (const [column, v] of Object.entries(row)) {
        const bad =
          typeof v === 'number'
            ? !Number.isFinite(v)
            : typeof v === 'string' &&
              /amount|minor|value|rate|total|price|reach/i.test(column) &&
              v.trim() !== '' &&
              /^[\s+-]*(\d|\.\d|Infinity|NaN)/i.test(v) &&
              !Number.isFinite(Number(v));
        if (bad && !found.has(`${table}.${column}`)) found.set(`${table}.${column}`, String(v).slice(0, 40));
      }
    }
  }
  return [...found].map(([where, v]) => `${where} = ${v}`);
}
