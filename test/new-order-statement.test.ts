// A new order with all its rows — the order, its commissions, their ledger entries, its event and its webhook
// messages — written together: on PostgreSQL as one statement outside any transaction (Store.insertIfNewWith, ADR
// 0010), an order seen before taking the transaction path. Exact whatever arrives together.
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as repo from '../src/db/conversions.js';
import { newId } from '../src/core/ids.js';
import { DIALECTS, PG_URL } from './helpers/stores.js';
import { startTestApp, type TestApp } from './helpers/app.js';

describe.each(DIALECTS)('a new order on %s', (kind) => {
  let t: TestApp;
  let secret: string;
  let codes: string[];
  let tieredCode: string;
  beforeAll(async () => {
    t = await startTestApp(kind);
    secret = (await t.api('GET', '/workspace')).data.postbackSecret;
    const offer = (
      await t.api('POST', '/offers', {
        name: 'O',
        destinationUrl: 'https://shop.example.com/',
        payoutOptions: [
          { title: 'F', type: 'fixed', value: '4.00', default: true },
          { title: 'Tiers', type: 'fixed', value: '1.00', tiers: [{ fromConversion: 2, value: '2.00' }] },
        ],
      })
    ).data;
    const tiers = offer.payoutOptions.find((p: { title: string }) => p.title === 'Tiers').id;
    codes = [];
    for (const name of ['Dee', 'Eve', 'Tia']) {
      const member = (await t.api('POST', '/members', { name })).data;
      const added = (
        await t.api('POST', `/offers/${offer.id}/members`, {
          members: [{ memberId: member.id, ...(name === 'Tia' ? { payoutOptionId: tiers } : {}) }],
          generateCodes: true,
          generateLinks: false,
        })
      ).data;
      const code = added.members[0].codes[0].code;
      if (name === 'Tia') tieredCode = code;
      else codes.push(code);
    }
    const endpoint = await t.api('POST', '/webhook-endpoints', {
      url: 'https://hooks.example.com/tp',
      events: ['conversion.created'],
    });
    expect(endpoint.statusCode).toBe(201);
  });
  afterAll(() => t.close());

  const postback = async (order: string, code: string) => {
    const res = await t.built.app.inject({
      url: `/postback?${new URLSearchParams({ secret, code, order, amount: '10.00' })}`,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { conversionId: string; status: string; commissions: { amount: string }[] };
  };
  const rowsOf = async (conversionId: string) => {
    const db = t.db.store.db;
    const commissions = await db
      .selectFrom('commissions')
      .selectAll()
      .where('conversion_id', '=', conversionId)
      .execute();
    return {
      conversion: await db.selectFrom('conversions').selectAll().where('id', '=', conversionId).executeTakeFirst(),
      commissions,
      entries: commissions.length
        ? await db
            .selectFrom('commission_adjustments')
            .selectAll()
            .where(
              'commission_id',
              'in',
              commissions.map((c) => c.id),
            )
            .execute()
        : [],
      events: await db.selectFrom('conversion_events').selectAll().where('conversion_id', '=', conversionId).execute(),
      messages: (
        await db
          .selectFrom('webhook_messages')
          .select(['event_type', 'payload'])
          .where('event_type', '=', 'conversion.created')
          .execute()
      ).filter((m) => (JSON.parse(m.payload) as { data: { id: string } }).data.id === conversionId),
    };
  };

  it('writes the order with its commission, ledger entry, event and webhook message', async () => {
    const r = await postback('N-1', codes[0]!);
    expect(r).toMatchObject({ status: 'created', commissions: [{ amount: '4.00' }] });
    const rows = await rowsOf(r.conversionId);
    expect(rows.conversion).toMatchObject({ order_id: 'N-1', status: 'credited' });
    expect(rows.commissions.map((c) => [c.amount_minor, c.accrued_minor, c.status])).toEqual([[400, 400, 'pending']]);
    expect(rows.entries.map((e) => [e.kind, e.delta_minor, e.amount_after])).toEqual([['accrual', 400, 400]]);
    expect(rows.events.map((e) => e.outcome)).toEqual(['created']);
    expect(rows.messages).toHaveLength(1);
    expect(JSON.parse(rows.messages[0]!.payload).data).toMatchObject({ orderId: 'N-1', amount: '10.00' });
  });

  it('keeps each order exact when many arrive together, repeats of one order among them', async () => {
    // 12 orders, each sent 4 times at once, two of them on both members' codes: the first event of an order creates
    // it, every other one finds it stored (whichever arrives first, nothing is written twice).
    const shots = Array.from({ length: 48 }, (_, i) => ({
      order: `M-${i % 12}`,
      code: codes[i % 12 < 2 ? i % 2 : 0]!,
    }));
    const results = await Promise.all(shots.map((s) => postback(s.order, s.code)));
    for (let o = 0; o < 12; o++) {
      const mine = results.filter((_, i) => shots[i]!.order === `M-${o}`);
      expect(new Set(mine.map((r) => r.conversionId)).size).toBe(1);
      expect(mine.filter((r) => r.status === 'created')).toHaveLength(1);
      const rows = await rowsOf(mine[0]!.conversionId);
      expect(rows.events).toHaveLength(4);
      expect(rows.messages).toHaveLength(1);
      const live = rows.commissions.filter((c) => c.in_decision === 1 && c.status !== 'reversed');
      // Each live commission's ledger adds up to its amount; one order never pays more than its credit.
      expect(live.reduce((a, c) => a + Number(c.amount_minor), 0)).toBe(400);
      for (const c of rows.commissions)
        expect(
          rows.entries.filter((e) => e.commission_id === c.id).reduce((a, e) => a + Number(e.delta_minor), 0),
        ).toBe(Number(c.amount_minor));
    }
  });

  it('counts volume tiers one order after another (the transaction path)', async () => {
    const amounts = [];
    for (let i = 0; i < 3; i++) amounts.push((await postback(`V-${i}`, tieredCode)).commissions[0]!.amount);
    expect(amounts).toEqual(['1.00', '2.00', '2.00']);
  });
});

describe.runIf(PG_URL)('one statement per new order on PostgreSQL', () => {
  let t: TestApp;
  let secret: string;
  let code: string;
  let tieredCode: string;
  beforeAll(async () => {
    t = await startTestApp('postgres');
    secret = (await t.api('GET', '/workspace')).data.postbackSecret;
    const offer = (
      await t.api('POST', '/offers', {
        name: 'O',
        destinationUrl: 'https://shop.example.com/',
        payoutOptions: [
          { title: 'F', type: 'fixed', value: '4.00', default: true },
          { title: 'Tiers', type: 'fixed', value: '1.00', tiers: [{ fromConversion: 2, value: '2.00' }] },
        ],
      })
    ).data;
    const tiers = offer.payoutOptions.find((p: { title: string }) => p.title === 'Tiers').id;
    const codeOf = async (name: string, payoutOptionId?: string) => {
      const member = (await t.api('POST', '/members', { name })).data;
      return (
        await t.api('POST', `/offers/${offer.id}/members`, {
          members: [{ memberId: member.id, ...(payoutOptionId ? { payoutOptionId } : {}) }],
          generateCodes: true,
          generateLinks: false,
        })
      ).data.members[0].codes[0].code as string;
    };
    code = await codeOf('Dee');
    tieredCode = await codeOf('Tia', tiers);
    await t.api('POST', '/webhook-endpoints', { url: 'https://hooks.example.com/tp', events: ['conversion.created'] });
  });
  afterAll(() => t.close());

  /** The statements sent to PostgreSQL while `work` runs (each pg query submits itself to its connection). */
  async function statementsOf(work: () => Promise<unknown>): Promise<string[]> {
    const seen: string[] = [];
    const proto = (pg as unknown as { Query: { prototype: { submit: (...a: unknown[]) => unknown } } }).Query.prototype;
    const submit = proto.submit;
    proto.submit = function (this: { text: string }, ...args: unknown[]) {
      seen.push(this.text);
      return submit.apply(this, args);
    };
    try {
      await work();
    } finally {
      proto.submit = submit;
    }
    return seen;
  }
  const postback = (order: string, orderCode = code) =>
    t.built.app.inject({
      url: `/postback?${new URLSearchParams({ secret, code: orderCode, order, amount: '10.00' })}`,
    });

  it('sends a new order as one statement, without BEGIN or COMMIT; a repeat takes the transaction path', async () => {
    expect((await postback('R-0')).statusCode).toBe(200); // the settings are read and cached
    const created = await statementsOf(() => postback('R-1'));
    expect(created).toHaveLength(1);
    expect(created[0]).toMatch(/^with o0 as \(insert into "conversions"/);
    expect(created[0]).toContain('insert into "webhook_messages"');
    const repeated = await statementsOf(() => postback('R-1'));
    expect(repeated[0]).toMatch(/^with o0 as \(insert into "conversions"/);
    expect(repeated[1]).toMatch(/^begin/i);
    expect(repeated.at(-1)).toMatch(/^commit/i);
  });

  it('writes a new order with volume tiers in four round trips, its count locked for the last two', async () => {
    const kind = (s: string) =>
      /^begin/i.test(s)
        ? 'begin'
        : /^select take_month_count\(/.test(s)
          ? 'lock and count'
          : /^with o0 as \(insert into "conversions"/.test(s) && s.includes('insert into "webhook_messages"')
            ? 'order with all its rows'
            : /^commit/i.test(s)
              ? 'commit'
              : s;
    // The month's first order creates the member's counter row; the next one finds it. The count's lock is held from
    // the second statement to the commit: the member's next order waits that long. (Before the transaction, the first
    // order of these reads the member's code and payout into the settings cache.)
    for (const order of ['T-0', 'T-1']) {
      const sent = await statementsOf(() => postback(order, tieredCode));
      const transaction = sent.slice(sent.findIndex((s) => /^begin/i.test(s)));
      expect(transaction.map(kind)).toEqual(['begin', 'lock and count', 'order with all its rows', 'commit']);
    }
    const amounts = await t.db.store.db
      .selectFrom('commissions as m')
      .innerJoin('conversions as c', 'c.id', 'm.conversion_id')
      .select(['c.order_id', 'm.amount_minor'])
      .where('c.order_id', 'in', ['T-0', 'T-1'])
      .orderBy('c.order_id')
      .execute();
    expect(amounts.map((a) => [a.order_id, Number(a.amount_minor)])).toEqual([
      ['T-0', 100],
      ['T-1', 200],
    ]);
  });

  const conversion = (id: string, order: string) => ({
    id,
    workspace_id: t.workspaceId,
    order_id: order,
    is_test: 0,
    status: 'credited' as const,
    occurred_at: 1,
    reported_offer_id: null,
    click_id: null,
    code: null,
    amount_minor: 100,
    currency: 'USD',
    refunded_minor: 0,
    refunded_full: 0,
    cancelled_at: null,
    review: null,
    decision: '{}',
    created_at: 1,
    updated_at: 1,
  });
  const event = (conversionId: string, order: string) => ({
    id: newId('evt', Date.now()),
    workspace_id: t.workspaceId,
    conversion_id: conversionId,
    received_at: 1,
    source: 'postback' as const,
    order_id: order,
    is_test: 0,
    outcome: 'created',
    reason: null,
    detail: '{}',
    trust: 'server' as const,
    evidence: null,
    event_key: null,
  });
  /** An order and its event; `broken`: the event a second time, which its primary key refuses. */
  const write = (order: string, broken = false) => {
    const db = t.db.store.db;
    const id = newId('cnv', Date.now());
    const row = event(id, order);
    const rest = [repo.eventInsert(db, row)];
    if (broken) rest.push(repo.eventInsert(db, row));
    return t.db.store.insertIfNewWith!(repo.conversionInsertIfNew(db, conversion(id, order)), rest);
  };
  const stored = async (order: string) => ({
    conversions: (await t.db.store.db.selectFrom('conversions').select('id').where('order_id', '=', order).execute())
      .length,
    events: (await t.db.store.db.selectFrom('conversion_events').select('id').where('order_id', '=', order).execute())
      .length,
  });

  it('writes the dependent rows only when the order was new, and all or none', async () => {
    expect(await write('S-1')).toBe(true);
    expect(await write('S-1')).toBe(false);
    expect(await stored('S-1')).toEqual({ conversions: 1, events: 1 });
    // The key of conversion_events, or of the (monthly or default) partition the event lands in.
    await expect(write('S-2', true)).rejects.toThrow(/conversion_events(_\w+)?_pkey/);
    expect(await stored('S-2')).toEqual({ conversions: 0, events: 0 });
  });

  it('writes the orders that arrive together as one statement, a repeated order in it once', async () => {
    let results: boolean[] = [];
    const sent = await statementsOf(async () => {
      results = await Promise.all([
        ...Array.from({ length: 6 }, () => write('G-1')),
        ...Array.from({ length: 6 }, (_, i) => write(`G-2-${i}`)),
      ]);
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toContain('o11 as (insert into "conversions"');
    expect(results.slice(0, 6).filter((v) => v)).toHaveLength(1);
    expect(results.slice(6)).toEqual(Array(6).fill(true));
    expect(await stored('G-1')).toEqual({ conversions: 1, events: 1 });
    for (let i = 0; i < 6; i++) expect(await stored(`G-2-${i}`)).toEqual({ conversions: 1, events: 1 });
  });

  it('sends the orders that arrive while two groups are being written as one group after them', async () => {
    // Another transaction has inserted orders and not committed: the groups carrying them wait on it.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let blocking!: () => void;
    const blocked = new Promise<void>((r) => (blocking = r));
    const other = t.db.store.db.connection().execute(async (conn) => {
      await sql`begin`.execute(conn);
      for (const order of ['Q-0', 'Q-1'])
        await conn.executeQuery(repo.conversionInsertIfNew(conn, conversion(newId('cnv', Date.now()), order)));
      blocking();
      await released;
      await sql`rollback`.execute(conn);
    });
    await blocked;
    let results: boolean[] = [];
    const sent = await statementsOf(async () => {
      const writes: Promise<boolean>[] = [];
      // One order per turn of the event loop: sent at once, each would be a statement of its own.
      for (let i = 0; i < 10; i++) {
        writes.push(write(`Q-${i}`));
        await new Promise((r) => setImmediate(r));
      }
      release();
      results = await Promise.all(writes);
    });
    await other;
    expect(results).toEqual(Array(10).fill(true));
    // The orders in each statement sent (the other transaction's rollback is among the statements too).
    const groups = sent.filter((s) => s.startsWith('with o0 as'));
    const sizes = groups.map((s) => (s.match(/o\d+ as \(insert into "conversions"/g) ?? []).length);
    expect(sizes.sort((a, b) => a - b)).toEqual([1, 1, 8]);
    for (let i = 0; i < 10; i++) expect(await stored(`Q-${i}`)).toEqual({ conversions: 1, events: 1 });
  });

  /** An order transaction (Store.orderTransaction) that inserts an order, and then refuses it when `fail`. */
  const orderWork = (order: string, fail = false) =>
    t.db.store.orderTransaction(async (tx) => {
      await tx.executeQuery(repo.conversionInsertIfNew(tx, conversion(newId('cnv', Date.now()), order)));
      if (fail) throw new Error(`refused ${order}`);
      return order;
    });

  it('runs the order transactions queued together as one transaction, with one commit', async () => {
    let results: string[] = [];
    const sent = await statementsOf(async () => {
      results = await Promise.all(['Y-1', 'Y-2', 'Y-3'].map((o) => orderWork(o)));
    });
    expect(results).toEqual(['Y-1', 'Y-2', 'Y-3']);
    expect(sent.filter((s) => /^begin/i.test(s))).toHaveLength(1);
    expect(sent.filter((s) => /^commit/i.test(s))).toHaveLength(1);
    for (const o of ['Y-1', 'Y-2', 'Y-3']) expect(await stored(o)).toEqual({ conversions: 1, events: 0 });
  });

  it('runs a shared transaction that fails again work by work: only the failing work fails', async () => {
    const results = await Promise.allSettled([
      orderWork('X-1'),
      orderWork('X-2'),
      orderWork('X-3', true),
      orderWork('X-4'),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      'X-1',
      'X-2',
      'refused X-3',
      'X-4',
    ]);
    expect(await stored('X-1')).toEqual({ conversions: 1, events: 0 });
    expect(await stored('X-3')).toEqual({ conversions: 0, events: 0 });
    expect(await stored('X-4')).toEqual({ conversions: 1, events: 0 });
  });

  it('decides concurrent writes of one order once, and a failing one fails alone', async () => {
    const results = await Promise.allSettled([
      ...Array.from({ length: 8 }, () => write('C-1')),
      write('C-2', true),
      ...Array.from({ length: 8 }, (_, i) => write(`C-3-${i}`)),
    ]);
    const values = results.map((r) => (r.status === 'fulfilled' ? r.value : 'failed'));
    expect(values.slice(0, 8).filter((v) => v === true)).toHaveLength(1);
    expect(values.slice(0, 8).filter((v) => v === false)).toHaveLength(7);
    expect(values[8]).toBe('failed');
    expect(values.slice(9)).toEqual(Array(8).fill(true));
    expect(await stored('C-1')).toEqual({ conversions: 1, events: 1 });
    expect(await stored('C-2')).toEqual({ conversions: 0, events: 0 });
  });
});
