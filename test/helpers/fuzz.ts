// Hostile requests for every operation of the OpenAPI document and for the public tracking endpoints, generated
// with fast-check from each operation's schemas, and the invariants every answer must keep: no 5xx, errors in the
// one shape, nothing stored by a refused request, and a server that keeps answering. Used by test/fuzz-api.test.ts
// (short, seeded) and bench/fuzz.ts (long).
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import type { TestApp } from './app.js';
import {
  countChanges,
  isProblem,
  nonFiniteValues,
  realPath,
  rowCounts,
  send,
  type Operation,
  type World,
} from './openapi.js';

type Json = any;

export interface FuzzRequest {
  /** What is fuzzed, e.g. "PATCH /api/v1/offers/{id}" or "GET /postback". */
  target: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  contentType?: string;
}

/** Numbers no amount, count or limit may take, written as a client would send them in text. */
const NUMBER_TEXTS = [
  'Infinity',
  '-Infinity',
  'NaN',
  '1e309',
  '-1e309',
  '-0',
  '9223372036854775808',
  '-9223372036854775809',
  '18446744073709551616',
  '1e-400',
  '0x10',
  '1_000',
  ' 12 ',
  '12.345678901234567890123',
  '99999999999999999999.99',
  '-1',
  '0',
  '1e3',
  '.5',
  '5.',
  '٣',
];
/** The same as JSON numbers (JSON has no Infinity: 1e309 is what a client sends for it). */
const NUMBERS = [1e308, -1e308, -0, 2 ** 63, -(2 ** 63), 2 ** 53 + 2, 2 ** 31, 0.1, 5e-324, -1, 0, 1e21];
const RAW_NUMBERS = ['1e309', '-1e309', '1e400', '-0', '9223372036854775808', '123456789012345678901234567890'];
const STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  'x\uDFFFy',
  '\u202Egnp.exe',
  'مرحبا بالعالم',
  '😀👍🏽',
  '\u200B',
  'Ǆ̀́',
  "' OR '1'='1",
  "'; DROP TABLE offers; --",
  '" OR ""="',
  '1; SELECT pg_sleep(0)--',
  "=cmd|' /C calc'!A0",
  '+SUM(1,2)',
  '-2+3',
  '@A1',
  '../../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '..\\..\\windows\\win.ini',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  '<script>alert(1)</script>',
  '${7*7}',
  '{{7*7}}',
  '%00',
  '\r\nX-Injected: 1',
  'javascript:alert(1)',
  'https://evil.example/',
  'ws_00000000000000000000000000',
  'off_00000000000000000000000000',
  'USD',
  'usd',
  'ZZZ',
  '2026-02-30T25:61:00Z',
  'true',
  'null',
];
/** Percent-escapes that decode to no valid text. */
const RAW_ESCAPES = ['%ED%A0%80', '%FF', '%C0%AF', '%', '%zz', '%E0%A4%A', '%00'];

const nested = (depth: number, leaf: Json): Json => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
};

/** A value of any type, hostile to whatever was expected. */
export const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...STRINGS) },
  { weight: 3, arbitrary: fc.constantFrom(...NUMBER_TEXTS) },
  { weight: 2, arbitrary: fc.constantFrom(...NUMBERS) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [null], { __proto__: null, polluted: true }) },
  { weight: 1, arbitrary: fc.constantFrom(70_000, 300_000).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.constantFrom(50, 2_000).map((d) => nested(d, 'deep')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** Text hostile to a query or form value. */
const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...STRINGS) },
  { weight: 4, arbitrary: fc.constantFrom(...NUMBER_TEXTS) },
  { weight: 1, arbitrary: fc.constantFrom(20_000).map((n) => 'y'.repeat(n)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
);

function safePattern(pattern: string): fc.Arbitrary<string> | undefined {
  try {
    return fc.stringMatching(new RegExp(pattern));
  } catch {
    return undefined;
  }
}

/** A value of the schema's own form (mostly valid), so that a hostile field sits among good ones. */
export function validValue(schema: Json, depth = 0): fc.Arbitrary<Json> {
  if (!schema || typeof schema !== 'object' || depth > 6) return fc.constant(null);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alternatives) && alternatives.length)
    return fc.oneof(...alternatives.map((s: Json) => validValue(s, depth + 1)));
  const type = Array.isArray(schema.type) ? (schema.type.find((x: string) => x !== 'null') ?? 'null') : schema.type;
  switch (type) {
    case 'string': {
      if (schema.pattern) {
        const p = safePattern(schema.pattern);
        if (p) return p;
      }
      if (schema.format === 'email') return fc.emailAddress();
      if (schema.format === 'uri') return fc.webUrl();
      if (schema.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
      if (schema.format === 'date') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 24, 24) });
    }
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 100_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1000, max: schema.maximum ?? 100_000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(fieldValue(schema.items, depth + 1), { maxLength: 3 });
    case 'object':
    default: {
      const props: Record<string, Json> = schema.properties ?? {};
      const required = new Set<string>(schema.required ?? []);
      const record: Record<string, fc.Arbitrary<Json>> = {};
      for (const [k, s] of Object.entries(props)) record[k] = fieldValue(s, depth + 1);
      const optional = Object.keys(props).filter((k) => !required.has(k));
      return fc.record(record, { requiredKeys: [...required].filter((k) => k in props) }).chain((o) =>
        fc.constantFrom(...(optional.length ? [0, 1, 2] : [0])).map((extra) => {
          // Now and then a key the schema never named, or one that would pollute a prototype.
          if (extra === 1) return { ...o, unknownField: 'x' };
          if (extra === 2) return Object.assign(JSON.parse('{"__proto__":{"polluted":true}}'), o);
          return o;
        }),
      );
    }
  }
}

/** A field: mostly its own form, else hostile, most often of its own type (a wrong type only meets the validator). */
export function fieldValue(schema: Json, depth = 0): fc.Arbitrary<Json> {
  const type = Array.isArray(schema?.type) ? schema.type.find((x: string) => x !== 'null') : schema?.type;
  const sameType =
    type === 'string'
      ? fc.oneof(fc.constantFrom(...NUMBER_TEXTS), fc.constantFrom(...STRINGS))
      : type === 'integer' || type === 'number'
        ? fc.oneof(fc.constantFrom(...NUMBERS), fc.constantFrom(...NUMBER_TEXTS))
        : hostileValue;
  return fc.oneof(
    { weight: 3, arbitrary: validValue(schema, depth) },
    { weight: 2, arbitrary: sameType },
    { weight: 1, arbitrary: hostileValue },
  );
}

/** JSON with a number JSON.parse cannot keep (1e309 is Infinity, 2^63 loses digits) in one field of a valid value. */
function rawNumberBody(schema: Json): fc.Arbitrary<string> {
  return validValue(schema).chain((v) => {
    const keys = v && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : [];
    if (!keys.length) return fc.constantFrom(...RAW_NUMBERS);
    return fc
      .tuple(fc.constantFrom(...keys), fc.constantFrom(...RAW_NUMBERS), fc.boolean())
      .map(([k, n, quoted]) =>
        JSON.stringify({ ...v, [k]: '\u0000RAW' }).replace('"\\u0000RAW"', quoted ? `"${n}"` : n),
      );
  });
}

/** Percent-encodes text byte by byte (lone surrogates become U+FFFD, as a browser would send them). */
export function encode(value: string): string {
  return encodeURIComponent(
    value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'),
  );
}

const queryString = (pairs: [string, string][], raw: string[] = []): string =>
  [...pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`), ...raw].join('&');

/** Query pairs for the named parameters: each a value of its own form or hostile text, now and then repeated. */
function queryPairs(
  names: string[],
  fixed: Record<string, fc.Arbitrary<string>> = {},
): fc.Arbitrary<{ pairs: [string, string][]; raw: string[] }> {
  const value = (name: string) =>
    fc.oneof(
      { weight: 2, arbitrary: fixed[name] ?? fc.constantFrom('1', 'abc', '10.00') },
      { weight: 2, arbitrary: hostileText },
    );
  return fc
    .tuple(
      fc
        .subarray(names)
        .chain((chosen) => fc.tuple(...chosen.map((n) => fc.tuple(fc.constant(n), value(n), fc.nat(9))))),
      fc.subarray(RAW_ESCAPES, { maxLength: 1 }),
    )
    .map(([chosen, escapes]) => ({
      pairs: chosen.flatMap(
        ([n, v, r]) =>
          (r === 0
            ? [
                [n, v],
                [n, 'again'],
              ]
            : [[n, v]]) as [string, string][],
      ),
      raw: escapes.map((e) => `x=${e}`),
    }));
}

function anyJsonText(value: Json): string {
  return JSON.stringify(value) ?? 'null';
}

/** A JSON body for a schema: an object with hostile fields, a value of the wrong type, or text that is no JSON at all. */
function jsonBody(schema: Json): fc.Arbitrary<{ body: string; contentType?: string }> {
  return fc.oneof(
    {
      weight: 6,
      arbitrary: validValue(schema).map((v) => ({ body: anyJsonText(v), contentType: 'application/json' })),
    },
    { weight: 1, arbitrary: hostileValue.map((v) => ({ body: anyJsonText(v), contentType: 'application/json' })) },
    { weight: 3, arbitrary: rawNumberBody(schema).map((body) => ({ body, contentType: 'application/json' })) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          '{"a":',
          'not json',
          '',
          '['.repeat(100_000),
          '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000),
          '\uFEFF{}',
          '{"__proto__":{"x":1}}',
        )
        .map((b) => ({ body: b, contentType: 'application/json' })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml')
        .map((ct) => ({ body: 'a=1&b=%FF', contentType: ct })),
    },
  );
}

/** A CSV or spreadsheet upload: cells hostile to an importer, or bytes that are no such file. */
const fileBody: fc.Arbitrary<{ body: string; contentType: string }> = fc.oneof(
  fc.array(fc.array(hostileText, { minLength: 1, maxLength: 5 }), { maxLength: 6 }).map((rows) => ({
    body: ['name,email,externalId,code', ...rows.map((r) => r.map((c) => `"${c.replace(/"/g, '""')}"`).join(','))].join(
      '\r\n',
    ),
    contentType: 'text/csv',
  })),
  fc
    .string({ unit: 'binary', maxLength: 200 })
    .map((b) => ({ body: b, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' })),
);

/** Whom the request is sent as: the operation's own kind of caller with full rights, so the handler is reached. */
function credentials(world: World, op: Operation): Record<string, string> {
  const cookie = (jar: Map<string, string>) => ({
    cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
    ...(op.method !== 'GET' ? { 'x-csrf-token': jar.get('tp_csrf') ?? '' } : {}),
  });
  switch (op.access) {
    case 'gate':
      return { authorization: `Bearer ${world.ownerKey}` };
    case 'session':
      return cookie(world.ownerCookies);
    case 'member':
      return cookie(world.memberCookies);
    case 'public':
      return {};
  }
}

/** A query value: of the parameter's own form, or hostile text, most often a number no count may take. */
function queryValue(schema: Json): fc.Arbitrary<string> {
  const numeric = ['integer', 'number'].includes(schema?.type);
  return fc.oneof(
    { weight: 2, arbitrary: validValue(schema).map(String) },
    { weight: numeric ? 3 : 1, arbitrary: fc.constantFrom(...NUMBER_TEXTS) },
    { weight: 2, arbitrary: hostileText },
  );
}

function operationRequest(world: World, op: Operation): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const path = fc.oneof(
    { weight: 4, arbitrary: fc.constant(realPath(world, op)) },
    {
      weight: 1,
      arbitrary: fc.tuple(...pathParams.map((p) => fc.oneof(validValue(p.schema), hostileText))).map((values) => {
        let i = 0;
        return op.path.replace(/\{\w+\}/g, () => encode(String(values[i++] ?? '')) || '%20');
      }),
    },
  );
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const query = fc
    .tuple(...queryParams.map((p) => fc.option(queryValue(p.schema), { nil: undefined, freq: 2 })))
    .chain((values) =>
      fc.subarray(RAW_ESCAPES, { maxLength: 1 }).map((escapes) =>
        queryString(
          queryParams.flatMap((p, i) => (values[i] === undefined ? [] : [[p.name, values[i]!] as [string, string]])),
          escapes.map((e) => `${queryParams[0]?.name ?? 'x'}=${e}`),
        ),
      ),
    );
  const body: fc.Arbitrary<{ body?: string; contentType?: string }> =
    op.method === 'GET'
      ? fc.constant({})
      : !op.body
        ? fc.oneof({ weight: 4, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: jsonBody({ type: 'object' }) })
        : op.body.contentType === 'application/json'
          ? jsonBody(op.body.schema)
          : fileBody;
  return fc.tuple(path, query, body).map(([p, q, b]) => ({
    target: op.id,
    method: op.method,
    url: q ? `${p}?${q}` : p,
    headers: credentials(world, op),
    ...b,
  }));
}

/** Conversion parameters as the tracking endpoints read them (rawConversion), with the seeded offer, code and click. */
const CONVERSION_NAMES = [
  'order',
  'order_id',
  'orderId',
  'offer',
  'click',
  'tp_click',
  'amount',
  'sale_amount',
  'currency',
  'code',
  'coupon',
  'test',
  'time',
  'type',
];

function conversionFixed(world: World): Record<string, fc.Arbitrary<string>> {
  return {
    order: fc.stringMatching(/^F-[0-9]{1,6}$/),
    orderId: fc.stringMatching(/^F-[0-9]{1,6}$/),
    offer: fc.constant(world.offerId),
    amount: fc.constantFrom('10.00', '0.01', '120', '1e3'),
    currency: fc.constantFrom('USD', 'EUR'),
    code: fc.constant(world.code),
    click: fc.constant(world.clickId ?? 'none'),
    type: fc.constantFrom('sale', 'refund', 'cancel'),
    time: fc.constant('2026-04-01T12:00:00Z'),
  };
}

function trackingRequests(world: World): fc.Arbitrary<FuzzRequest>[] {
  const fixed = conversionFixed(world);
  const conversionQuery = (extra: [string, string][] = []) =>
    queryPairs(CONVERSION_NAMES, fixed).map(({ pairs, raw }) => queryString([...extra, ...pairs], raw));
  const conversionObject = fc
    .tuple(
      ...CONVERSION_NAMES.map((n) => fc.option(fc.oneof(fixed[n] ?? hostileText, hostileValue), { nil: undefined })),
    )
    .map((values) =>
      Object.fromEntries(CONVERSION_NAMES.map((n, i) => [n, values[i]]).filter(([, v]) => v !== undefined)),
    );
  const shopifyOrder = fc.record(
    {
      id: fc.oneof(fc.integer({ min: 1, max: 1e9 }), hostileValue),
      order_id: fc.oneof(fc.integer({ min: 1, max: 1e9 }), hostileValue),
      name: fc.oneof(fc.constant('#1001'), hostileValue),
      total_price: fc.oneof(fc.constantFrom('49.90', '0.00'), fc.constantFrom(...NUMBER_TEXTS), hostileValue),
      current_total_price: fc.oneof(fc.constantFrom('49.90'), fc.constantFrom(...NUMBER_TEXTS), hostileValue),
      currency: fc.oneof(fc.constantFrom('USD', 'EUR'), hostileValue),
      discount_codes: fc.oneof(
        fc.constant([{ code: world.code }]),
        fc.array(fc.record({ code: hostileValue }), { maxLength: 2 }),
        hostileValue,
      ),
      note_attributes: fc.oneof(fc.constant([{ name: 'tp_click', value: world.clickId ?? '' }]), hostileValue),
      landing_site: fc.oneof(fc.constant(`/?tp_click=${world.clickId ?? ''}`), hostileValue),
      created_at: fc.oneof(fc.constant('2026-04-01T12:00:00Z'), hostileValue),
      test: fc.oneof(fc.boolean(), hostileValue),
      transactions: fc.oneof(
        fc.array(
          fc.record({
            kind: fc.constantFrom('refund', 'sale'),
            status: fc.constantFrom('success', 'failure'),
            amount: fc.oneof(fc.constantFrom(...NUMBER_TEXTS), hostileValue),
          }),
          { maxLength: 2 },
        ),
        hostileValue,
      ),
      refund_line_items: fc.oneof(
        fc.array(fc.record({ subtotal: fc.oneof(fc.constantFrom(...NUMBER_TEXTS), hostileValue) }), { maxLength: 2 }),
        hostileValue,
      ),
    },
    { requiredKeys: [] },
  );
  return [
    // The redirect: the seeded slug (the fast path) or a hostile one, with a hostile query.
    fc
      .tuple(
        fc.oneof(
          fc.constant(world.slug),
          hostileText.map((s) => encode(s) || 'x'),
        ),
        queryPairs(['utm_source', 'tp_click', 'url', 'to']),
      )
      .map(([slug, q]) => ({
        target: 'GET /{slug}',
        method: 'GET',
        url: `/${slug}${q.pairs.length || q.raw.length ? `?${queryString(q.pairs, q.raw)}` : ''}`,
        headers: {},
      })),
    conversionQuery().map((q) => ({ target: 'GET /px', method: 'GET', url: `/px?${q}`, headers: {} })),
    fc
      .tuple(conversionObject, fc.constantFrom(undefined, 'https://shop.example.com', 'https://evil.example'))
      .map(([body, origin]) => ({
        target: 'POST /collect',
        method: 'POST',
        url: `/collect?offer=${world.offerId}`,
        headers: origin ? { origin } : {},
        body: JSON.stringify(body),
        contentType: 'text/plain',
      })),
    conversionQuery([['secret', world.postbackSecret]]).map((q) => ({
      target: 'GET /postback',
      method: 'GET',
      url: `/postback?${q}`,
      headers: {},
    })),
    fc.tuple(conversionObject, fc.boolean()).map(([body, form]) => ({
      target: 'POST /postback',
      method: 'POST',
      url: `/postback?secret=${world.postbackSecret}`,
      headers: {},
      ...(form
        ? {
            body: queryString(
              Object.entries(body).map(([k, v]) => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')]),
            ),
            contentType: 'application/x-www-form-urlencoded',
          }
        : { body: JSON.stringify(body), contentType: 'application/json' }),
    })),
    queryPairs(['transaction_id', 'adv_unique1', 'amount', 'sale_amount', 'offer_id', 'coupon', 'currency'], {
      ...fixed,
      transaction_id: fc.constant(world.clickId ?? 'none'),
    }).map(({ pairs, raw }) => ({
      target: 'GET /aff_lsr',
      method: 'GET',
      url: `/aff_lsr?${queryString([['security_token', world.postbackSecret], ...pairs], raw)}`,
      headers: {},
    })),
    // A Shopify delivery signed with the workspace's secret: what is fuzzed is the payload's shape.
    fc
      .tuple(
        fc.oneof(shopifyOrder, hostileValue),
        fc.constantFrom('orders/create', 'orders/paid', 'refunds/create', 'orders/cancelled', 'orders/../../x', ''),
        fc.uuid(),
      )
      .map(([order, topic, id]) => {
        const body = JSON.stringify(order) ?? 'null';
        return {
          target: 'POST /webhooks/shopify/{workspace}',
          method: 'POST',
          url: `/webhooks/shopify/${world.workspaceId}`,
          body,
          contentType: 'application/json',
          headers: {
            'x-shopify-hmac-sha256': createHmac('sha256', world.shopifySecret).update(body, 'utf8').digest('base64'),
            'x-shopify-topic': topic,
            'x-shopify-webhook-id': id,
          },
        };
      }),
  ];
}

/** One hostile request: an operation of the document (most) or a tracking endpoint. */
export function fuzzRequest(world: World): fc.Arbitrary<FuzzRequest> {
  const ops = world.operations.filter((op) => !op.path.endsWith('/logout')).map((op) => operationRequest(world, op));
  return fc.oneof(
    { weight: 3, arbitrary: fc.oneof(...ops) },
    { weight: 1, arbitrary: fc.oneof(...trackingRequests(world)) },
  );
}

const SWEEP_TEXTS = ['Infinity', '1e309', '-0', '9223372036854775808'];
const NUMERIC_NAME = /amount|value|rate|price|total|minimum|reach|days|percent|limit|floor|^k$/i;

/**
 * The numbers no count or amount may take, tried on purpose rather than by chance: each numeric query parameter with
 * each of them, and each numeric or amount-like body field of an otherwise valid body with one of them in turn.
 */
export function sweepRequests(world: World, seed: number): FuzzRequest[] {
  const out: FuzzRequest[] = [];
  let turn = 0;
  for (const op of world.operations.filter((o) => !o.path.endsWith('/logout'))) {
    const path = realPath(world, op);
    const headers = credentials(world, op);
    for (const p of op.parameters.filter(
      (x) => x.in === 'query' && (['integer', 'number'].includes(x.schema?.type) || NUMERIC_NAME.test(x.name)),
    )) {
      for (const text of SWEEP_TEXTS.slice(0, 2))
        out.push({ target: op.id, method: op.method, url: `${path}?${p.name}=${encode(text)}`, headers });
    }
    if (op.body?.contentType !== 'application/json' || op.method === 'GET') continue;
    const props: Record<string, Json> = op.body.schema?.properties ?? {};
    const [valid] = fc.sample(validValue(op.body.schema), { numRuns: 1, seed });
    for (const [name, schema] of Object.entries(props)) {
      if (!(['integer', 'number'].includes(schema?.type) || NUMERIC_NAME.test(name))) continue;
      const text = SWEEP_TEXTS[turn++ % SWEEP_TEXTS.length]!;
      const body = JSON.stringify({
        ...(valid && typeof valid === 'object' ? valid : {}),
        [name]: '\u0000RAW',
      }).replace('"\\u0000RAW"', schema?.type === 'string' ? `"${text}"` : text === 'Infinity' ? '1e400' : text);
      out.push({ target: op.id, method: op.method, url: path, headers, body, contentType: 'application/json' });
    }
  }
  return [...out, ...textSweep(world, seed)];
}

const plainText = (schema: Json) =>
  schema?.type === 'string' && !schema.pattern && !schema.format && !schema.enum && !('const' in schema);

/**
 * NUL (U+0000) in text, tried on purpose: PostgreSQL's text cannot hold it where SQLite's can. One request per
 * operation with it in the first free-text query parameter and one with it in the first free-text body field, and the
 * conversion fields of the postback.
 */
function textSweep(world: World, seed: number): FuzzRequest[] {
  const out: FuzzRequest[] = [];
  for (const op of world.operations.filter((o) => !o.path.endsWith('/logout'))) {
    const path = realPath(world, op);
    const headers = credentials(world, op);
    const q = op.parameters.find((x) => x.in === 'query' && plainText(x.schema));
    if (q) out.push({ target: op.id, method: op.method, url: `${path}?${q.name}=a%00b`, headers });
    if (op.body?.contentType !== 'application/json' || op.method === 'GET') continue;
    const field = Object.entries<Json>(op.body.schema?.properties ?? {}).find(([, sc]) => plainText(sc))?.[0];
    const [valid] = fc.sample(validValue(op.body.schema), { numRuns: 1, seed });
    if (field)
      out.push({
        target: op.id,
        method: op.method,
        url: path,
        headers,
        body: JSON.stringify({ ...(valid ?? {}), [field]: 'a\u0000b' }),
        contentType: 'application/json',
      });
  }
  for (const query of ['order=a%00b', 'order=NUL-1&code=%00', 'type=refund&order=r%00']) {
    out.push({
      target: 'GET /postback',
      method: 'GET',
      url: `/postback?secret=${world.postbackSecret}&${query}`,
      headers: {},
    });
  }
  return out;
}

export interface FuzzReport {
  requests: number;
  statuses: Record<string, number>;
  /** One line per kind of failure: "<what broke> <target>", with a count and the first example. */
  findings: Map<string, { count: number; example: string }>;
  /** Milliseconds spent per target (request and checks), to see what a run spends its time on. */
  timeByTarget: Record<string, number>;
}

const describeRequest = (r: FuzzRequest) =>
  `${r.method} ${r.url.slice(0, 200)}${r.body !== undefined ? ` body ${r.body.slice(0, 200)}` : ''}`;

/** Sends the sweep, then `runs` requests generated from `seed`, one after another, checking the invariants of each. */
export async function runFuzz(
  t: TestApp,
  world: World,
  opts: { runs: number; seed: number; onProgress?: (done: number) => void },
): Promise<FuzzReport> {
  const generating = performance.now();
  const requests = [
    ...sweepRequests(world, opts.seed),
    ...fc.sample(fuzzRequest(world), { numRuns: opts.runs, seed: opts.seed }),
  ];
  const report: FuzzReport = {
    requests: 0,
    statuses: {},
    findings: new Map(),
    timeByTarget: { '(generating requests)': performance.now() - generating },
  };
  const find = (kind: string, r: FuzzRequest, detail: string) => {
    const key = `${kind}: ${r.target}`;
    const seen = report.findings.get(key);
    if (seen) seen.count++;
    else report.findings.set(key, { count: 1, example: `${describeRequest(r)} -> ${detail.slice(0, 300)}` });
  };
  // The rows as they stand before each request: read once, then again after each request (buffered clicks flushed).
  await t.built.tracking.flush();
  let before = await rowCounts(t);
  for (const r of requests) {
    const started = performance.now();
    let answer;
    report.requests++;
    try {
      answer = await send(world.base, r.method, r.url, r.headers, r.body, r.contentType);
    } catch {
      // A connection the server had just closed can fail the next request before it is read: one retry tells that
      // apart from a server that no longer answers.
      try {
        answer = await send(world.base, r.method, r.url, r.headers, r.body, r.contentType);
      } catch (e) {
        find('no answer', r, `${String(e)} ${String((e as { cause?: unknown }).cause ?? '')}`);
        continue;
      }
    }
    report.statuses[answer.status] = (report.statuses[answer.status] ?? 0) + 1;
    const said = `${answer.status} ${answer.body}`;
    if (answer.status >= 500) find(`${answer.status}`, r, said);
    // Grouped by status, not target: such answers (431 and the like) come before any route is chosen.
    if (answer.status >= 400 && answer.contentType.includes('json') && !isProblem(answer.data))
      find(`error not in the one shape (${answer.status})`, { ...r, target: 'any' }, `${r.target}: ${said}`);
    // The Shopify fuzz signs with the seeded secret: put it back if a PATCH /workspace replaced it.
    if (r.target === 'PATCH /api/v1/workspace' && answer.status < 300) {
      await send(
        world.base,
        'PATCH',
        '/api/v1/workspace',
        { authorization: `Bearer ${world.ownerKey}` },
        JSON.stringify({ shopifyWebhookSecret: world.shopifySecret }),
        'application/json',
      );
    }
    await t.built.tracking.flush();
    const after = await rowCounts(t);
    if (answer.status >= 400) {
      const changed = countChanges(before, after);
      if (changed.length) find(`refused but stored (${changed.join(', ')})`, r, said);
    }
    before = after;
    report.timeByTarget[r.target] = (report.timeByTarget[r.target] ?? 0) + performance.now() - started;
    opts.onProgress?.(report.requests);
  }
  const alive = await send(world.base, 'GET', '/api/v1/workspace', { authorization: `Bearer ${world.ownerKey}` }).catch(
    (e) => ({ status: 0, body: String(e) }),
  );
  if (alive.status !== 200)
    report.findings.set('server stopped answering', { count: 1, example: `${alive.status} ${alive.body}` });
  for (const line of await nonFiniteValues(t))
    report.findings.set(`stored a non-finite number: ${line.split(' = ')[0]}`, { count: 1, example: line });
  return report;
}

/** The findings as lines, for an assertion message or a console. */
export function findingLines(report: FuzzReport): string[] {
  return [...report.findings].map(([key, f]) => `${key} (${f.count}×) e.g. ${f.example}`);
}
