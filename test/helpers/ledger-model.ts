// The model-based test of the commission ledger (SPEC §4, ADR 0011): generators of random orders and of the events
// that report them (pixel, t.js's /collect, postbacks by secret or signature, TUNE, Shopify create/paid/refund/cancel,
// postback refunds and cancellations, duplicates), admin actions, the hold job and payout batches; senders that
// deliver them to a real server in a given order with some of them in flight together; and the invariants.
//
// Used by test/ledger-model.test.ts (fixed seed, CI budget) and bench/ledger-soak.js (random seed, thousands).
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { approveDue } from '../../src/app/conversions.js';
import { createWorkspace } from '../../src/app/workspaces.js';
import { commissionFor, refundedCommission } from '../../src/core/commission.js';
import { signPayload } from '../../src/core/signature.js';
import { loadConfig } from '../../src/config.js';
import { openPostgres, type DialectKind, type Store } from '../../src/db/dialect/index.js';
import { buildApp, type BuiltApp } from '../../src/http/app.js';
import { mulberry32 } from './random.js';
import { freshStore, tempDir, type TestStore } from './stores.js';
import { jsonOrNull } from './json.js';
import { verifyLedger } from '../../src/app/ledger.js';

const UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const SHOP = 'https://shop.example.com';
const SHOPIFY_SECRET = 'shpss_ledger_model_0123456789';
const DAY = 86_400_000;
export const MEMBERS = 3;
const CLICKS_PER_MEMBER = 2;

// ---------------------------------------------------------------------------------------------------------------
// The world: one workspace, one percent offer without volume tiers (split rule, so an order can pay two members),
// three members with a link, a code and two recorded clicks each; one or two app instances on one database.
// ---------------------------------------------------------------------------------------------------------------

export interface World {
  kind: DialectKind;
  /** One app, or two apps on two connection pools to the same PostgreSQL database. */
  instances: BuiltApp[];
  store: Store;
  clock: { now: number };
  /** Unix ms the orders are dated from (an hour after the clicks). */
  orderEpoch: number;
  /** When the current clicks were made; the hold job moves the clock on, and a case after it needs fresh clicks. */
  clicksAt: number;
  /** The clock when the world was made. */
  startedAt: number;
  workspaceId: string;
  apiKey: string;
  secret: string;
  offerId: string;
  currency: string;
  /** Percent payout value as stored (payout_options.value). */
  rate: number;
  members: { id: string; slug: string; code: string }[];
  clicks: string[][];
  /** Whether commission_adjustments has the ledger's delta_minor column. */
  hasDelta: boolean;
  verifyLedger:
    | ((
        db: unknown,
        workspaceId?: string,
      ) => Promise<{ checked: number; drift: { commissionId: string; problem: string }[] }>)
    | null;
  api(
    method: string,
    url: string,
    body?: unknown,
    instance?: number,
  ): Promise<{ status: number; data: any; body: string }>;
  close(): Promise<void>;
}

export async function startWorld(kind: DialectKind, instanceCount: 1 | 2): Promise<World> {
  const test: TestStore = await freshStore(kind);
  const clock = { now: Math.floor(Date.now() / 1000) * 1000 - 2 * 3_600_000 };
  const config = loadConfig({ BASE_URL: 'http://tp.test', DATA_DIR: test.dataDir }, { clickFlushMs: 20 });
  const instances: BuiltApp[] = [await buildApp(config, { store: test.store, logger: false, clock: () => clock.now })];
  const extraStores: Store[] = [];
  if (instanceCount === 2) {
    if (kind !== 'postgres') throw new Error('two instances share a PostgreSQL database');
    const second = openPostgres(test.url, 5);
    extraStores.push(second);
    const dir = tempDir();
    instances.push(
      await buildApp(loadConfig({ BASE_URL: 'http://tp.test', DATA_DIR: dir }, { clickFlushMs: 20 }), {
        store: second,
        logger: false,
        clock: () => clock.now,
      }),
    );
  }
  const ws = await createWorkspace(instances[0]!.ctx, { name: 'Ledger model' });
  if (!ws.ok) throw new Error(ws.problem.message);
  const apiKey = ws.value.apiKey;
  const workspaceId = ws.value.workspace.id;

  const api: World['api'] = async (method, url, body, instance = 0) => {
    const res = await instances[instance]!.app.inject({
      method: method as never,
      url: `/api/v1${url}`,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    return { status: res.statusCode, data: jsonOrNull(res.body), body: res.body };
  };
  const must = async (method: string, url: string, body?: unknown) => {
    const r = await api(method, url, body);
    if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${r.body}`);
    return r.data;
  };

  const secret: string = (await must('PATCH', '/workspace', { shopifyWebhookSecret: SHOPIFY_SECRET })).postbackSecret;
  await must('PUT', '/workspace/minimum-payout', { amount: '0' });
  const offer = await must('POST', '/offers', {
    name: 'Ledger serum',
    destinationUrl: `${SHOP}/serum`,
    attributionRule: 'split',
    payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
  });
  const members: World['members'] = [];
  for (let i = 0; i < MEMBERS; i++) {
    const m = await must('POST', '/members', { name: `Creator ${i}`, email: `creator${i}@example.com` });
    const added = await must('POST', `/offers/${offer.id}/members`, {
      members: [{ memberId: m.id }],
      generateLinks: true,
      generateCodes: true,
    });
    members.push({ id: m.id, slug: added.members[0].links[0].slug, code: added.members[0].codes[0].code });
  }
  const db = test.store.db;
  const payout = await db.selectFrom('payout_options').select('value').where('offer_id', '=', offer.id).execute();

  const tables = await db.introspection.getTables();
  const adjustments = tables.find((t) => t.name === 'commission_adjustments');
  const hasDelta = !!adjustments?.columns.some((c) => c.name === 'delta_minor');

  const w: World = {
    kind,
    instances,
    store: test.store,
    clock,
    orderEpoch: 0,
    clicksAt: 0,
    startedAt: clock.now,
    workspaceId,
    apiKey,
    secret,
    offerId: offer.id,
    currency: offer.currency,
    rate: Number(payout[0]!.value),
    members,
    clicks: [],
    hasDelta,
    verifyLedger: verifyLedger as World['verifyLedger'],
    api,
    async close() {
      for (const b of instances) await b.close();
      for (const s of extraStores) await s.close();
      await test.cleanup();
    },
  };
  await freshClicks(w);
  return w;
}

/**
 * Each hold job moves the clock on 40 days and it never goes back (entries are ordered by time). Click ids hold
 * times until 2131 (src/core/click-id.ts), which a soak of thousands of cases would reach: past 30 years, the
 * world's ledger is verified and the world replaced by a fresh one.
 */
export async function renewIfOld(w: World): Promise<void> {
  if (w.clock.now - w.startedAt < 30 * 365 * DAY) return;
  const report = await verifyWorkspace(w);
  if (report?.drift.length)
    throw new Error(`verifyLedger before renewing the world: ${JSON.stringify(report.drift.slice(0, 10))}`);
  await w.close();
  Object.assign(w, await startWorld(w.kind, w.instances.length as 1 | 2));
}

/**
 * Two new clicks per member, written to the database (every instance must find them, not only the first one's
 * buffer); orders are dated an hour after them and received an hour after that.
 */
export async function freshClicks(w: World): Promise<void> {
  w.clock.now += 60_000;
  w.clicksAt = w.clock.now;
  w.clicks = [];
  for (const m of w.members) {
    const ids: string[] = [];
    for (let k = 0; k < CLICKS_PER_MEMBER; k++) {
      const res = await w.instances[0]!.app.inject({ url: `/${m.slug}`, headers: { 'user-agent': UA } });
      ids.push(new URL(res.headers.location as string).searchParams.get('tp_click')!);
    }
    w.clicks.push(ids);
  }
  const all = w.clicks.flat();
  for (let tries = 0; ; tries++) {
    const n = Number(
      (
        await w.store.db
          .selectFrom('clicks')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('id', 'in', all)
          .executeTakeFirstOrThrow()
      ).n,
    );
    if (n === all.length) break;
    if (tries > 400) throw new Error('clicks were not written');
    await new Promise((r) => setTimeout(r, 10));
  }
  w.orderEpoch = w.clock.now + 3_600_000;
  w.clock.now += 2 * 3_600_000;
}

// ---------------------------------------------------------------------------------------------------------------
// Generators. An order has a truth (who clicked, whose code, the amount); each event reports part of it, sometimes
// a conflicting part (another member's click or code, another amount), at one of a few order times.
// ---------------------------------------------------------------------------------------------------------------

export interface Truth {
  clickOf: number | null;
  codeOf: number | null;
  amountMinor: number;
  /** A second amount some events report instead. */
  otherMinor: number;
}

export const INGEST_KINDS = [
  'pixel',
  'collect',
  'postback',
  'signed',
  'tune',
  'shopifyCreate',
  'shopifyPaid',
  'shopifyRefund',
  'shopifyCancel',
  'postbackRefund',
  'postbackCancel',
] as const;
export type IngestKind = (typeof INGEST_KINDS)[number];
const REFUNDS: IngestKind[] = ['shopifyRefund', 'shopifyCancel', 'postbackRefund', 'postbackCancel'];
export const isRefund = (k: IngestKind) => REFUNDS.includes(k);

export interface IngestEvent {
  t: 'event';
  order: number;
  kind: IngestKind;
  /** 0 none, 1 the truth's click, 2 another member's click. */
  click: 0 | 1 | 2;
  code: 0 | 1 | 2;
  /** 0 none, 1 the truth's amount, 2 the other amount. */
  amount: 0 | 1 | 2;
  /** Order time: orderEpoch + dt minutes. */
  dt: number;
  /** Small variations: which click of the member, cookie or parameter, GET or POST, the refund's share, the refund id. */
  alt: number;
  /** A copy of the event before it (same webhook delivery id when `redeliver`). */
  dupOf?: number;
  redeliver?: boolean;
}

export type AdminOp =
  | { t: 'approve' | 'reverse'; order: number; which: number }
  | { t: 'adjust'; order: number; which: number; amountMinor: number }
  | { t: 'hold' }
  | { t: 'payout' };
/** Two steps sent together (to two instances where there are two): an admin action or event racing an event. */
export type Race = { t: 'race'; a: IngestEvent | AdminOp; b: IngestEvent };
export type Step = IngestEvent | AdminOp | Race;

export const truthArb = fc.record({
  clickOf: fc.option(fc.integer({ min: 0, max: MEMBERS - 1 }), { freq: 3 }),
  codeOf: fc.option(fc.integer({ min: 0, max: MEMBERS - 1 }), { freq: 3 }),
  amountMinor: fc.integer({ min: 100, max: 50_000 }),
  otherMinor: fc.integer({ min: 100, max: 50_000 }),
});

const kindArb: fc.Arbitrary<IngestKind> = fc.oneof(
  { arbitrary: fc.constantFrom<IngestKind>('pixel', 'collect'), weight: 4 },
  { arbitrary: fc.constantFrom<IngestKind>('postback', 'signed', 'tune'), weight: 4 },
  { arbitrary: fc.constantFrom<IngestKind>('shopifyCreate', 'shopifyPaid'), weight: 3 },
  { arbitrary: fc.constantFrom<IngestKind>('shopifyRefund', 'postbackRefund'), weight: 2 },
  { arbitrary: fc.constantFrom<IngestKind>('shopifyCancel', 'postbackCancel'), weight: 1 },
);

export function eventArb(orders: number): fc.Arbitrary<IngestEvent> {
  return fc.record({
    t: fc.constant('event' as const),
    order: fc.integer({ min: 0, max: orders - 1 }),
    kind: kindArb,
    click: fc.constantFrom<0 | 1 | 2>(1, 1, 0, 2),
    code: fc.constantFrom<0 | 1 | 2>(1, 0, 0, 2),
    amount: fc.constantFrom<0 | 1 | 2>(1, 1, 0, 2),
    dt: fc.integer({ min: 0, max: 3 }),
    alt: fc.integer({ min: 0, max: 999 }),
  });
}

/** Events, then duplicates of some of them appended (each a copy, or the same Shopify delivery again). */
export function eventsArb(orders: number, min: number, max: number): fc.Arbitrary<IngestEvent[]> {
  return fc
    .tuple(
      fc.array(eventArb(orders), { minLength: min, maxLength: max }),
      fc.array(fc.tuple(fc.nat(), fc.boolean()), { maxLength: 4 }),
    )
    .map(([events, dups]) => [
      ...events,
      ...(events.length
        ? dups.map(([i, redeliver]) => ({ ...events[i % events.length]!, dupOf: i % events.length, redeliver }))
        : []),
    ]);
}

export const permutationCaseArb = fc.integer({ min: 1, max: 3 }).chain((orders) =>
  fc.record({
    truths: fc.array(truthArb, { minLength: orders, maxLength: orders }),
    events: eventsArb(orders, 3, 11),
    /** Seeds of the deliveries: the order, the groups sent together, the instance each event goes to. */
    seeds: fc.tuple(fc.nat(), fc.nat()),
  }),
);

export function opArb(orders: number): fc.Arbitrary<AdminOp> {
  return fc.oneof(
    {
      arbitrary: fc.record({
        t: fc.constantFrom<'approve' | 'reverse'>('approve', 'reverse'),
        order: fc.integer({ min: 0, max: orders - 1 }),
        which: fc.nat(3),
      }),
      weight: 3,
    },
    {
      arbitrary: fc.record({
        t: fc.constant('adjust' as const),
        order: fc.integer({ min: 0, max: orders - 1 }),
        which: fc.nat(3),
        amountMinor: fc.integer({ min: 0, max: 9_000 }),
      }),
      weight: 2,
    },
    { arbitrary: fc.constant({ t: 'hold' as const }), weight: 2 },
    { arbitrary: fc.constant({ t: 'payout' as const }), weight: 2 },
  );
}

export const orderedCaseArb = fc.integer({ min: 1, max: 3 }).chain((orders) =>
  fc.record({
    truths: fc.array(truthArb, { minLength: orders, maxLength: orders }),
    steps: fc.array(
      fc.oneof(
        { arbitrary: eventArb(orders) as fc.Arbitrary<Step>, weight: 3 },
        { arbitrary: opArb(orders) as fc.Arbitrary<Step>, weight: 2 },
        {
          arbitrary: fc.record({
            t: fc.constant('race' as const),
            a: fc.oneof(opArb(orders), eventArb(orders)),
            b: eventArb(orders),
          }) as fc.Arbitrary<Step>,
          weight: 1,
        },
      ),
      { minLength: 4, maxLength: 14 },
    ),
    seed: fc.nat(),
  }),
);

// ---------------------------------------------------------------------------------------------------------------
// Senders.
// ---------------------------------------------------------------------------------------------------------------

let orderCounter = 0;
/** Fresh numeric order ids (Shopify's are numbers), unique in the world: a namespace per delivery. */
export function freshOrderIds(n: number): string[] {
  const base = 1_000_000 + (Date.now() % 1_000_000) * 1_000;
  return Array.from({ length: n }, () => String(base * 10 + ++orderCounter));
}

const money = (minor: number) => (minor / 100).toFixed(2);

export interface Sent {
  status: number;
  body: string;
}

/** The concrete request of an event for the order `orderId`. `tag` names the delivery, for Shopify's webhook ids. */
export async function sendEvent(
  w: World,
  instance: number,
  ev: IngestEvent,
  index: number,
  orderId: string,
  truth: Truth,
  tag: string,
): Promise<Sent> {
  const app = w.instances[instance]!.app;
  const other = (m: number | null) => (m === null ? 0 : (m + 1) % MEMBERS);
  const clickMember = ev.click === 1 ? truth.clickOf : ev.click === 2 ? other(truth.clickOf) : null;
  const click = clickMember === null ? undefined : w.clicks[clickMember]![ev.alt % CLICKS_PER_MEMBER];
  const codeMember = ev.code === 1 ? truth.codeOf : ev.code === 2 ? other(truth.codeOf) : null;
  const code =
    codeMember === null
      ? undefined
      : ev.alt % 3 === 0
        ? w.members[codeMember]!.code.toLowerCase()
        : w.members[codeMember]!.code;
  const amountMinor = ev.amount === 1 ? truth.amountMinor : ev.amount === 2 ? truth.otherMinor : null;
  const amount = amountMinor === null ? undefined : money(amountMinor);
  const timeMs = w.orderEpoch + ev.dt * 60_000;
  const time = String(Math.floor(timeMs / 1000));
  const query = (p: Record<string, string | undefined>) =>
    new URLSearchParams(Object.entries(p).filter((e): e is [string, string] => e[1] !== undefined)).toString();
  const res = (r: { statusCode: number; body: string }): Sent => ({ status: r.statusCode, body: r.body });
  const source = ev.dupOf ?? index;
  const delivery = `${tag}-${orderId}-${source}${ev.dupOf !== undefined && !ev.redeliver ? `-copy${index}` : ''}`;
  const shopify = async (topic: string, payload: unknown) => {
    const body = JSON.stringify(payload);
    return res(
      await app.inject({
        method: 'POST',
        url: `/webhooks/shopify/${w.workspaceId}`,
        payload: body,
        headers: {
          'content-type': 'application/json',
          'x-shopify-topic': topic,
          'x-shopify-shop-domain': 'serum.myshopify.com',
          'x-shopify-webhook-id': delivery,
          'x-shopify-hmac-sha256': createHmac('sha256', SHOPIFY_SECRET).update(body, 'utf8').digest('base64'),
        },
      }),
    );
  };
  const shopifyOrder = (extra: Record<string, unknown> = {}) => {
    // A Shopify order always has an amount: the truth's unless the event reports the other one.
    const total = money(amountMinor ?? truth.amountMinor);
    return {
      id: Number(orderId),
      name: `#${orderId.slice(-6)}`,
      email: 'buyer@example.com',
      created_at: new Date(timeMs).toISOString(),
      currency: w.currency,
      total_price: total,
      current_total_price: total,
      financial_status: 'paid',
      test: false,
      landing_site: click && ev.alt % 2 === 0 ? `/products/serum?tp_click=${click}` : '/',
      note_attributes: click && ev.alt % 2 === 1 ? [{ name: 'tp_click', value: click }] : [],
      discount_codes: code ? [{ code, amount: '5.00', type: 'fixed_amount' }] : [],
      line_items: [{ id: 1, title: 'Serum', quantity: 1, price: total }],
      ...extra,
    };
  };
  /** A refund's share of the truth's amount: 10–60 %. Shopify's depends only on its refund id (one id, one amount). */
  const refundMinor = Math.max(1, Math.floor((truth.amountMinor * (10 + (ev.alt % 51))) / 100));
  const shopifyRefundMinor = Math.max(1, Math.floor((truth.amountMinor * (10 + 17 * (ev.alt % 3))) / 100));

  switch (ev.kind) {
    case 'pixel': {
      const p = {
        offer: w.offerId,
        order: orderId,
        amount,
        code,
        time,
        ...(click && ev.alt % 2 === 0 ? { click } : {}),
      };
      return res(
        await app.inject({
          url: `/px?${query(p)}`,
          headers: { 'user-agent': UA, ...(click && ev.alt % 2 === 1 ? { cookie: `tp_click=${click}` } : {}) },
        }),
      );
    }
    case 'collect': {
      const body = JSON.stringify({ offer: w.offerId, orderId, amount, code, click, time });
      return res(
        await app.inject({
          method: 'POST',
          url: '/collect',
          payload: body,
          headers: { 'content-type': 'text/plain;charset=UTF-8', origin: SHOP },
        }),
      );
    }
    case 'postback': {
      const q = query({
        secret: w.secret,
        offer: ev.alt % 2 ? w.offerId : undefined,
        order: orderId,
        amount,
        code,
        click,
        time,
      });
      if (ev.alt % 4 < 2) return res(await app.inject({ url: `/postback?${q}` }));
      return res(
        await app.inject({
          method: 'POST',
          url: '/postback',
          payload: q,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
      );
    }
    case 'signed': {
      const now = Math.floor(w.clock.now / 1000);
      if (ev.alt % 2 === 0) {
        const q = query({ workspace: w.workspaceId, offer: w.offerId, order: orderId, amount, code, click, time });
        return res(
          await app.inject({
            url: `/postback?${q}`,
            headers: { 'x-touchpoint-signature': signPayload(w.secret, q, now) },
          }),
        );
      }
      const body = JSON.stringify({
        workspace: w.workspaceId,
        offer: w.offerId,
        order: orderId,
        amount,
        code,
        click,
        time,
      });
      return res(
        await app.inject({
          method: 'POST',
          url: '/postback',
          payload: body,
          headers: { 'content-type': 'application/json', 'x-touchpoint-signature': signPayload(w.secret, body, now) },
        }),
      );
    }
    case 'tune': {
      // TUNE finds the workspace by the click id (transaction_id); without a click it is a plain postback.
      if (!click)
        return res(
          await app.inject({ url: `/postback?${query({ secret: w.secret, order: orderId, amount, code, time })}` }),
        );
      return res(
        await app.inject({
          url: `/aff_lsr?${query({ offer_id: '17', transaction_id: click, amount, adv_unique1: orderId, security_token: w.secret, time })}`,
        }),
      );
    }
    case 'shopifyCreate':
      return shopify('orders/create', shopifyOrder());
    case 'shopifyPaid':
      return shopify('orders/paid', shopifyOrder());
    case 'shopifyCancel':
      return shopify(
        'orders/cancelled',
        shopifyOrder({ cancelled_at: new Date(timeMs + 3_600_000).toISOString(), financial_status: 'refunded' }),
      );
    case 'shopifyRefund':
      return shopify('refunds/create', {
        id: Number(orderId) * 10 + (ev.alt % 3),
        order_id: Number(orderId),
        created_at: new Date(timeMs + 3_600_000).toISOString(),
        note: 'Returned',
        transactions: [
          { id: 1, kind: 'refund', status: 'success', amount: money(shopifyRefundMinor), currency: w.currency },
        ],
        refund_line_items: [],
      });
    case 'postbackRefund':
      return res(
        await app.inject({
          url: `/postback?${query({ secret: w.secret, type: 'refund', order: orderId, amount: ev.alt % 5 === 0 ? undefined : money(refundMinor) })}`,
        }),
      );
    case 'postbackCancel':
      return res(await app.inject({ url: `/postback?${query({ secret: w.secret, type: 'cancel', order: orderId })}` }));
  }
}

/**
 * Delivers the events in the order `seed` shuffles them to, in groups of 1–4 sent together, each event to a random
 * instance. Returns the order used, to print with a counterexample. A server error (5xx) fails the case.
 */
export async function deliver(
  w: World,
  events: IngestEvent[],
  orderIds: string[],
  truths: Truth[],
  seed: number,
  tag: string,
): Promise<number[]> {
  const random = mulberry32(seed);
  const order = events.map((_, i) => i);
  for (let k = order.length - 1; k > 0; k--) {
    const r = Math.floor(random() * (k + 1));
    [order[k], order[r]] = [order[r]!, order[k]!];
  }
  for (let i = 0; i < order.length;) {
    const size = 1 + Math.floor(random() * 4);
    const group = order.slice(i, i + size);
    i += size;
    const sent = await Promise.all(
      group.map((j) => {
        const ev = events[j]!;
        return sendEvent(
          w,
          Math.floor(random() * w.instances.length),
          ev,
          j,
          orderIds[ev.order]!,
          truths[ev.order]!,
          tag,
        ).then((r) => ({ j, r }));
      }),
    );
    for (const { j, r } of sent) {
      tally(events[j]!.kind, r);
      if (r.status >= 500) throw new Error(`event ${j} (${events[j]!.kind}) answered ${r.status}: ${r.body}`);
    }
  }
  return order;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the outcome, and the invariants.
// ---------------------------------------------------------------------------------------------------------------

export interface CommissionState {
  id: string;
  order: number;
  member: number;
  status: string;
  amount: number;
  share: number;
  source: string;
  sale: number;
}
export interface ConversionState {
  id: string;
  status: string;
  amount: number | null;
  refunded: number;
  /** A refund without an amount arrived (conversions.refunded_full of the ledger). */
  refundedFull: boolean;
  cancelled: boolean;
  code: string | null;
  click: string | null;
}
export interface Snapshot {
  commissions: Map<string, CommissionState>;
  conversions: (ConversionState | null)[];
}

export async function snapshot(w: World, orderIds: string[]): Promise<Snapshot> {
  const db = w.store.db;
  const convs = await db
    .selectFrom('conversions')
    .selectAll()
    .where('workspace_id', '=', w.workspaceId)
    .where('order_id', 'in', orderIds)
    .where('is_test', '=', 0)
    .execute();
  const byOrder = new Map(convs.map((c) => [c.order_id, c]));
  const coms = convs.length
    ? await db
        .selectFrom('commissions')
        .selectAll()
        .where(
          'conversion_id',
          'in',
          convs.map((c) => c.id),
        )
        .orderBy('id')
        .execute()
    : [];
  const orderOfConv = new Map(convs.map((c) => [c.id, orderIds.indexOf(c.order_id)]));
  const memberIdx = new Map(w.members.map((m, i) => [m.id, i]));
  const commissions = new Map<string, CommissionState>();
  for (const c of coms) {
    commissions.set(c.id, {
      id: c.id,
      order: orderOfConv.get(c.conversion_id)!,
      member: memberIdx.get(c.member_id) ?? -1,
      status: c.status,
      amount: Number(c.amount_minor),
      share: Number(c.share_bps),
      source: c.source,
      sale: Number(c.sale_minor),
    });
  }
  const conversions = orderIds.map((o) => {
    const c = byOrder.get(o);
    if (!c) return null;
    return {
      id: c.id,
      status: c.status,
      amount: c.amount_minor === null ? null : Number(c.amount_minor),
      refunded: Number(c.refunded_minor ?? 0),
      refundedFull: Number((c as { refunded_full?: number }).refunded_full ?? 0) === 1,
      cancelled: c.cancelled_at !== null && c.cancelled_at !== undefined,
      code: c.code,
      click: c.click_id,
    };
  });
  return { commissions, conversions };
}

/** What the cases covered, printed after a run so a run that tests nothing shows it. */
export const coverage = {
  orders: 0,
  credited: 0,
  commissions: 0,
  split: 0,
  refunded: 0,
  cancelled: 0,
  reversed: 0,
  approved: 0,
  paid: 0,
  answers: {} as Record<string, number>,
};
export function resetCoverage(): void {
  for (const k of Object.keys(coverage) as (keyof typeof coverage)[]) if (k !== 'answers') coverage[k] = 0;
  coverage.answers = {};
}
function count(s: Snapshot): void {
  for (const c of s.conversions) {
    coverage.orders++;
    if (c?.status === 'credited') coverage.credited++;
    if (c && c.refunded > 0) coverage.refunded++;
    if (c?.cancelled) coverage.cancelled++;
  }
  const live = [...s.commissions.values()];
  coverage.commissions += live.length;
  coverage.split += live.filter((c) => c.share < 10_000 && c.status !== 'reversed').length;
  coverage.reversed += live.filter((c) => c.status === 'reversed').length;
  coverage.approved += live.filter((c) => c.status === 'approved').length;
  coverage.paid += live.filter((c) => c.status === 'paid').length;
}
function tally(kind: string, r: Sent): void {
  let status: string;
  try {
    const body = JSON.parse(r.body) as { status?: string; error?: { code?: string } };
    status = body.status ?? body.error?.code ?? '';
  } catch {
    status = r.body.startsWith('success=') ? r.body.slice(0, 14) : '';
  }
  const key = `${kind} ${r.status}${status ? ` ${status}` : ''}`;
  coverage.answers[key] = (coverage.answers[key] ?? 0) + 1;
}

/** What an order pays, comparable across deliveries: commissions reversed to nothing count as none. */
export function effectiveOutcome(s: Snapshot): unknown[] {
  return s.conversions.map((c, order) => ({
    // Refunds compared as the ledger uses them: all of it once cancelled or fully refunded, else capped at the sale.
    // (The stored refunded_minor of such orders depends on arrival order: it can pass the sale, or stay 0.)
    conversion: c && {
      status: c.status,
      amount: c.amount,
      refundedFull: c.refundedFull,
      refunded: c.cancelled || c.refundedFull ? 'all' : c.amount === null ? c.refunded : Math.min(c.refunded, c.amount),
      cancelled: c.cancelled,
      code: c.code,
      click: c.click,
    },
    commissions: [...s.commissions.values()]
      .filter((x) => x.order === order && !(x.status === 'reversed' && x.amount === 0))
      .map((x) => ({ member: x.member, source: x.source, share: x.share, status: x.status, amount: x.amount }))
      .sort((a, b) => a.member - b.member || a.source.localeCompare(b.source)),
  }));
}

/** No order pays a member twice, and an order's live shares never exceed 100 %. */
export function checkNoDoublePay(s: Snapshot): string[] {
  const problems: string[] = [];
  s.conversions.forEach((_, order) => {
    const live = [...s.commissions.values()].filter((c) => c.order === order && c.status !== 'reversed');
    const members = live.map((c) => c.member);
    if (new Set(members).size !== members.length)
      problems.push(`order ${order}: one member has two live commissions ${JSON.stringify(live)}`);
    const shares = live.reduce((n, c) => n + c.share, 0);
    if (shares > 10_000) problems.push(`order ${order}: live shares sum to ${shares} bps`);
    const reversedWithMoney = [...s.commissions.values()].filter(
      (c) => c.order === order && c.status === 'reversed' && c.amount !== 0,
    );
    if (reversedWithMoney.length)
      problems.push(`order ${order}: reversed commission with an amount ${JSON.stringify(reversedWithMoney)}`);
  });
  return problems;
}

/**
 * The money of a commission nobody touched by hand, from the order's facts (ADR 0011): the accrual on the full sale
 * for its share, times what the refunds left; nothing when the order is cancelled or fully refunded.
 */
export function checkAmounts(w: World, s: Snapshot, touched: Set<string> = new Set()): string[] {
  const problems: string[] = [];
  for (const c of s.commissions.values()) {
    if (touched.has(c.id)) continue;
    const conv = s.conversions[c.order];
    if (!conv || conv.amount === null) continue;
    if (c.status === 'reversed') continue;
    const sale = conv.amount;
    const refunded = Math.min(conv.refunded, sale);
    const whole = conv.cancelled || conv.refundedFull || (sale > 0 && refunded >= sale);
    if (whole) {
      if (c.status !== 'paid' || c.amount !== 0)
        problems.push(
          `order ${c.order}: ${conv.cancelled ? 'cancelled' : 'fully refunded'} but commission ${c.id} is ${c.status} ${c.amount}`,
        );
      continue;
    }
    const accrued = commissionFor({
      payout: { type: 'percent', value: w.rate, tiers: [] },
      saleMinor: sale,
      shareBps: c.share,
      conversionNumberInMonth: 1,
    }).amountMinor;
    const expected = refundedCommission(accrued, sale, refunded);
    if (c.amount !== expected)
      problems.push(
        `order ${c.order}: commission ${c.id} (member ${c.member}, ${c.share} bps, ${c.status}) is ${c.amount}, expected ${expected} = ${accrued} accrued on ${sale} with ${refunded} refunded`,
      );
  }
  return problems;
}

/**
 * The ledger: each commission's amount is the sum of its entries' delta_minor, its status the last entry's
 * status_after; entries chain (each starts where the one before ended); after a payout only negative clawbacks.
 * Then `verifyLedger` of src/app/ledger.ts finds no drift.
 */
export async function checkLedger(w: World, ids: string[]): Promise<string[]> {
  const problems: string[] = [];
  if (!ids.length) return problems;
  const db = w.store.db;
  const coms = await db
    .selectFrom('commissions')
    .select(['id', 'amount_minor', 'status'])
    .where('id', 'in', ids)
    .execute();
  let q = db.selectFrom('commission_adjustments').selectAll().where('commission_id', 'in', ids);
  // Rows without a delta are history from before the ledger (ADR 0011), not entries.
  if (w.hasDelta) q = q.where('delta_minor' as never, 'is not', null);
  const entries = (await q.orderBy('created_at').orderBy('id').execute()) as Record<string, any>[];
  for (const c of coms) {
    const mine = entries.filter((e) => e.commission_id === c.id);
    for (let i = 1; i < mine.length; i++) {
      if (
        Number(mine[i]!.amount_before) !== Number(mine[i - 1]!.amount_after) ||
        mine[i]!.status_before !== mine[i - 1]!.status_after
      ) {
        problems.push(
          `commission ${c.id}: entry ${mine[i]!.kind} starts at ${mine[i]!.amount_before}/${mine[i]!.status_before}, the one before ended at ${mine[i - 1]!.amount_after}/${mine[i - 1]!.status_after}`,
        );
      }
    }
    if (!w.hasDelta) continue;
    const sum = mine.reduce((n, e) => n + Number(e.delta_minor), 0);
    if (sum !== Number(c.amount_minor))
      problems.push(
        `commission ${c.id}: amount ${c.amount_minor} but its entries sum to ${sum} (${mine.map((e) => `${e.kind}:${e.delta_minor}`).join(' ')})`,
      );
    const last = mine[mine.length - 1];
    if (!last) problems.push(`commission ${c.id}: no entries`);
    else if (last.status_after !== c.status)
      problems.push(`commission ${c.id}: status ${c.status} but the last entry says ${last.status_after}`);
    for (const e of mine) {
      if (Number(e.amount_after) - Number(e.amount_before) !== Number(e.delta_minor))
        problems.push(
          `commission ${c.id}: entry ${e.id} ${e.kind} delta ${e.delta_minor} but ${e.amount_before} → ${e.amount_after}`,
        );
    }
    const paidAt = mine.findIndex((e) => e.status_after === 'paid');
    if (paidAt >= 0) {
      for (const e of mine.slice(paidAt + 1)) {
        if (
          Number(e.delta_minor) > 0 ||
          (Number(e.delta_minor) < 0 && e.kind !== 'clawback') ||
          e.status_after !== 'paid'
        ) {
          problems.push(`commission ${c.id}: after its payout, entry ${e.kind} ${e.delta_minor} → ${e.status_after}`);
        }
      }
    }
  }
  // verifyLedger reads the whole workspace, so it runs once after a run (verifyWorkspace), not after every case;
  // LEDGER_VERIFY_EACH=1 runs it after every case too, for its drift on this case's commissions.
  if (w.verifyLedger && process.env.LEDGER_VERIFY_EACH === '1') {
    const mine = new Set(ids);
    const r = await w.verifyLedger(db, w.workspaceId);
    const drift = r.drift.filter((d) => mine.has(d.commissionId));
    if (drift.length) problems.push(`verifyLedger: ${JSON.stringify(drift.slice(0, 5))}`);
  }
  return problems;
}

/** verifyLedger over the whole workspace (every case's commissions), when src/app/ledger.ts has it. */
export async function verifyWorkspace(
  w: World,
): Promise<{ checked: number; drift: { commissionId: string; problem: string }[] } | null> {
  return w.verifyLedger ? w.verifyLedger(w.store.db, w.workspaceId) : null;
}

// ---------------------------------------------------------------------------------------------------------------
// The two properties, as functions of a world (the test and the soak share them).
// ---------------------------------------------------------------------------------------------------------------

export type PermutationCase = { truths: Truth[]; events: IngestEvent[]; seeds: [number, number] };

/** The same events delivered twice, in two orders, to two fresh sets of order ids: the same money. */
export async function runPermutationCase(w: World, c: PermutationCase): Promise<void> {
  const n = c.truths.length;
  const outcomes: unknown[][] = [];
  const snaps: Snapshot[] = [];
  for (const [k, seed] of c.seeds.entries()) {
    const ids = freshOrderIds(n);
    const used = await deliver(w, c.events, ids, c.truths, seed, `d${k}`);
    const s = await snapshot(w, ids);
    count(s);
    snaps.push(s);
    outcomes.push(effectiveOutcome(s));
    const problems = [
      ...checkNoDoublePay(s),
      ...checkAmounts(w, s),
      ...(await checkLedger(w, [...s.commissions.keys()])),
    ];
    if (problems.length) throw new Error(`delivery ${k} (order ${used.join(',')}):\n  ${problems.join('\n  ')}`);
  }
  const [a, b] = outcomes.map((o) => JSON.stringify(o, null, 1));
  if (a !== b)
    throw new Error(
      `two orders of the same events paid differently:\nfirst:  ${JSON.stringify(outcomes[0])}\nsecond: ${JSON.stringify(outcomes[1])}`,
    );
}

export type OrderedCase = { truths: Truth[]; steps: Step[]; seed: number };

/**
 * Ingestion interleaved with admin actions, the hold job and payout batches, each step checked against the state
 * before it: what a person decided and what refunds took stay; paid stays paid with only clawbacks after it.
 */
export async function runOrderedCase(w: World, c: OrderedCase): Promise<void> {
  const random = mulberry32(c.seed);
  await renewIfOld(w);
  if (w.clock.now - w.clicksAt > DAY) await freshClicks(w);
  const ids = freshOrderIds(c.truths.length);
  /** Commissions a person reversed or adjusted (to what), or approved. */
  const reversedByPerson = new Set<string>();
  const adjustedTo = new Map<string, number>();
  const touched = new Set<string>();
  let before = await snapshot(w, ids);
  const log: string[] = [];
  const person: PersonState = { reversedByPerson, adjustedTo, touched };
  /** One step; `index` names its Shopify deliveries. */
  const perform = async (
    step: IngestEvent | AdminOp,
    index: number,
    instance: number,
    state: Snapshot,
  ): Promise<{ note: string; target: string | null; ok: boolean }> => {
    if (step.t === 'event') {
      const r = await sendEvent(w, instance, step, index, ids[step.order]!, c.truths[step.order]!, 'o');
      tally(step.kind, r);
      if (r.status >= 500) throw new Error(`step ${index} ${step.kind}: ${r.status} ${r.body}`);
      return { note: `${step.kind} → ${r.status} ${r.body.slice(0, 120)}`, target: null, ok: r.status < 300 };
    }
    if (step.t === 'hold')
      return { note: `hold job approved ${await approveDue(w.instances[instance]!.ctx)}`, target: null, ok: true };
    if (step.t === 'payout') {
      const r = await w.api('POST', '/payout-batches', { currency: w.currency }, instance);
      if (r.status >= 500) throw new Error(`step ${index} payout: ${r.status} ${r.body}`);
      return {
        note: `payout → ${r.status} ${r.status === 201 ? `${r.data.commissions} commissions` : r.body.slice(0, 100)}`,
        target: null,
        ok: r.status < 300,
      };
    }
    const mine = [...state.commissions.values()]
      .filter((x) => x.order === step.order)
      .sort((a, b) => a.member - b.member || a.id.localeCompare(b.id));
    const com = mine.length ? mine[step.which % mine.length]! : null;
    if (!com) return { note: `${step.t}: order ${step.order} has no commission`, target: null, ok: false };
    const body =
      step.t === 'adjust' ? { reason: 'Model test', amount: money(step.amountMinor) } : { reason: 'Model test' };
    const r = await w.api('POST', `/commissions/${com.id}/${step.t}`, body, instance);
    if (r.status >= 500) throw new Error(`step ${index} ${step.t}: ${r.status} ${r.body}`);
    const ok = r.status < 300;
    return {
      note: `${step.t} ${com.id} (order ${step.order}, member ${com.member}, ${com.status} ${com.amount}) → ${r.status}${ok ? '' : ` ${r.body.slice(0, 100)}`}`,
      target: com.id,
      ok,
    };
  };
  const remember = (step: IngestEvent | AdminOp, target: string | null, ok: boolean) => {
    if (!ok || !target) return;
    touched.add(target);
    if (step.t === 'reverse') reversedByPerson.add(target);
    if (step.t === 'adjust') adjustedTo.set(target, step.amountMinor);
  };
  const hold = (step: IngestEvent | AdminOp) => {
    // The hold ends: the clock moves on 40 days (later events of the case still state their order times).
    if (step.t === 'hold') w.clock.now += 40 * DAY;
  };
  for (const [i, step] of c.steps.entries()) {
    const instance = Math.floor(random() * w.instances.length);
    let note: string;
    let problems: string[];
    let after: Snapshot;
    if (step.t === 'race') {
      hold(step.a);
      const [ra, rb] = await Promise.all([
        perform(step.a, 2 * i, instance, before),
        perform(step.b, 2 * i + 1, (instance + 1) % w.instances.length, before),
      ]);
      note = `together: ${ra.note} | ${rb.note}`;
      log.push(`${i}: ${note}`);
      after = await snapshot(w, ids);
      problems = checkRace(before, after, step, ra.target, ra.ok, person);
      remember(step.a, ra.target, ra.ok);
    } else {
      hold(step);
      const r = await perform(step, 2 * i, instance, before);
      note = r.note;
      log.push(`${i}: ${note}`);
      after = await snapshot(w, ids);
      problems = checkStep(before, after, step, r.target, r.ok, person);
      remember(step, r.target, r.ok);
    }
    // Orders no person touched keep the money their facts give.
    const byPerson = new Set([...after.commissions.values()].filter((x) => touched.has(x.id)).map((x) => x.order));
    const untouched: Snapshot = {
      ...after,
      commissions: new Map([...after.commissions].filter(([, x]) => !byPerson.has(x.order))),
    };
    problems.push(...checkNoDoublePay(after), ...checkAmounts(w, untouched));
    if (problems.length) throw new Error(`after step ${i}:\n  ${problems.join('\n  ')}\nsteps:\n  ${log.join('\n  ')}`);
    before = after;
  }
  count(before);
  const problems = await checkLedger(w, [...before.commissions.keys()]);
  if (problems.length) throw new Error(`ledger:\n  ${problems.join('\n  ')}\nsteps:\n  ${log.join('\n  ')}`);
}

interface PersonState {
  reversedByPerson: Set<string>;
  adjustedTo: Map<string, number>;
  touched: Set<string>;
}

/** What one step may change, given the state before it. */
export function checkStep(
  s0: Snapshot,
  s1: Snapshot,
  step: IngestEvent | AdminOp,
  target: string | null,
  ok: boolean,
  person: PersonState,
): string[] {
  const problems: string[] = [];
  const orderOf = (step as { order?: number }).order;
  const decisionOpen = (order: number) =>
    [...s0.commissions.values()]
      .filter((c) => c.order === order)
      .every(
        (c) => (c.status === 'pending' || (c.status === 'reversed' && c.amount === 0)) && !person.touched.has(c.id),
      );
  for (const c0 of s0.commissions.values()) {
    const c1 = s1.commissions.get(c0.id);
    const label = `commission ${c0.id} (order ${c0.order}, member ${c0.member})`;
    if (!c1) {
      problems.push(`${label} disappeared`);
      continue;
    }
    const same = c1.amount === c0.amount && c1.status === c0.status;
    const was = `${c0.status} ${c0.amount} → ${c1.status} ${c1.amount}`;
    if (c0.status === 'paid' && (c1.status !== 'paid' || c1.amount > c0.amount))
      problems.push(`${label} was paid: ${was}`);
    if (person.reversedByPerson.has(c0.id) && (c1.status !== 'reversed' || c1.amount !== 0))
      problems.push(`${label} was reversed by a person: ${was}`);
    if (step.t === 'event') {
      if (c0.order !== orderOf) {
        if (!same) problems.push(`${label} changed by an event of order ${orderOf}: ${was}`);
      } else if (isRefund(step.kind)) {
        if (c1.amount > c0.amount) problems.push(`${label} grew on a ${step.kind}: ${was}`);
        if (c0.status === 'reversed' && c1.status !== 'reversed')
          problems.push(`${label} came back on a ${step.kind}: ${was}`);
        if (c0.status !== c1.status && c1.status !== 'reversed' && c0.status !== 'paid')
          problems.push(`${label} ${step.kind}: ${was}`);
      } else if (!decisionOpen(c0.order)) {
        if (!same) problems.push(`${label} changed by late evidence (${step.kind}) after the decision closed: ${was}`);
      } else {
        const conv0 = s0.conversions[c0.order];
        if (conv0 && (conv0.cancelled || conv0.refundedFull) && c1.amount !== 0) {
          problems.push(`${label} revived by ${step.kind} after the order was cancelled or fully refunded: ${was}`);
        }
      }
    } else if (step.t === 'hold') {
      if (!same && !(c0.status === 'pending' && c1.status === 'approved' && c1.amount === c0.amount))
        problems.push(`${label} hold job: ${was}`);
    } else if (step.t === 'payout') {
      if (!same && !(c0.status === 'approved' && c1.status === 'paid' && c1.amount === c0.amount))
        problems.push(`${label} payout: ${was}`);
    } else if (c0.id !== target || !ok) {
      if (!same)
        problems.push(`${label} changed by ${step.t} of ${target ?? 'nothing'}${ok ? '' : ' (refused)'}: ${was}`);
    } else if (step.t === 'approve') {
      if (c1.status !== 'approved' || c1.amount !== c0.amount) problems.push(`${label} approve: ${was}`);
    } else if (step.t === 'reverse') {
      if (c1.status !== 'reversed' || c1.amount !== 0) problems.push(`${label} reverse: ${was}`);
    } else if (step.t === 'adjust') {
      if (c1.status !== c0.status || c1.amount !== step.amountMinor)
        problems.push(`${label} adjust to ${step.amountMinor}: ${was}`);
    }
    // A person's amount is never raised by anything but a person; refunds may lower it.
    const adjusted = person.adjustedTo.get(c0.id);
    if (adjusted !== undefined && !(step.t === 'adjust' && c0.id === target) && c1.amount > c0.amount)
      problems.push(`${label} adjusted by a person, raised by ${step.t === 'event' ? step.kind : step.t}: ${was}`);
  }
  for (const c1 of s1.commissions.values()) {
    if (s0.commissions.has(c1.id)) continue;
    if (step.t !== 'event' || c1.order !== orderOf || isRefund(step.kind)) {
      problems.push(
        `commission ${c1.id} (order ${c1.order}, member ${c1.member}, ${c1.status} ${c1.amount}) appeared on ${step.t === 'event' ? step.kind : step.t}`,
      );
    } else if (!decisionOpen(c1.order)) {
      problems.push(
        `commission ${c1.id} (order ${c1.order}, member ${c1.member}) appeared on late evidence (${step.kind}) after the decision closed`,
      );
    }
  }
  // Refunds and cancellations never come undone.
  s0.conversions.forEach((v0, order) => {
    const v1 = s1.conversions[order];
    if (!v0) return;
    if (!v1) problems.push(`order ${order}: its conversion disappeared`);
    else {
      // Once cancelled or refunded in full, the refund is the whole sale, whatever the sale turns out to be.
      if (v1.refunded < v0.refunded && !(v1.cancelled || v1.refundedFull))
        problems.push(`order ${order}: refunded went from ${v0.refunded} to ${v1.refunded}`);
      if (v0.cancelled && !v1.cancelled) problems.push(`order ${order}: no longer cancelled`);
      if (v0.refundedFull && !v1.refundedFull) problems.push(`order ${order}: no longer fully refunded`);
    }
  });
  return problems;
}

/**
 * Two steps at once: either may land first, so only what holds in both orders is checked. What a person decided
 * before stays; paid stays paid and only shrinks; refunds and cancellations stay; a reversal made in the race holds
 * whatever ingestion raced it; a person's amount made in the race is at most what they set (a refund may reduce it).
 */
export function checkRace(
  s0: Snapshot,
  s1: Snapshot,
  step: Race,
  target: string | null,
  ok: boolean,
  person: PersonState,
): string[] {
  const problems: string[] = [];
  for (const c0 of s0.commissions.values()) {
    const c1 = s1.commissions.get(c0.id);
    const label = `commission ${c0.id} (order ${c0.order}, member ${c0.member})`;
    if (!c1) {
      problems.push(`${label} disappeared`);
      continue;
    }
    const was = `${c0.status} ${c0.amount} → ${c1.status} ${c1.amount}`;
    if (c0.status === 'paid' && (c1.status !== 'paid' || c1.amount > c0.amount))
      problems.push(`${label} was paid: ${was}`);
    if (person.reversedByPerson.has(c0.id) && (c1.status !== 'reversed' || c1.amount !== 0))
      problems.push(`${label} was reversed by a person: ${was}`);
    const adjusted = person.adjustedTo.get(c0.id);
    if (adjusted !== undefined && !(step.a.t === 'adjust' && c0.id === target) && c1.amount > c0.amount)
      problems.push(`${label} adjusted by a person, raised in a race: ${was}`);
    if (c0.id === target && ok) {
      if (step.a.t === 'reverse' && (c1.status !== 'reversed' || c1.amount !== 0))
        problems.push(`${label} reversed by a person while ${step.b.kind} arrived: ${was}`);
      if (step.a.t === 'adjust' && c1.amount > step.a.amountMinor)
        problems.push(`${label} adjusted to ${step.a.amountMinor} while ${step.b.kind} arrived: ${was}`);
      if (step.a.t === 'approve' && c1.status === 'pending')
        problems.push(`${label} approved while ${step.b.kind} arrived: ${was}`);
    }
  }
  s0.conversions.forEach((v0, order) => {
    const v1 = s1.conversions[order];
    if (!v0) return;
    if (!v1) problems.push(`order ${order}: its conversion disappeared`);
    else {
      // Once cancelled or refunded in full, the refund is the whole sale, whatever the sale turns out to be.
      if (v1.refunded < v0.refunded && !(v1.cancelled || v1.refundedFull))
        problems.push(`order ${order}: refunded went from ${v0.refunded} to ${v1.refunded}`);
      if (v0.cancelled && !v1.cancelled) problems.push(`order ${order}: no longer cancelled`);
      if (v0.refundedFull && !v1.refundedFull) problems.push(`order ${order}: no longer fully refunded`);
    }
  });
  return problems;
}
