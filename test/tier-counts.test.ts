// Volume tiers read a counter per (offer, member, month) that triggers on commissions keep (migration 0031, ADR 0011)
// instead of counting the member's month on every order (docs/benchmarks.md, "One hot creator"). On both databases:
// many simultaneous orders on one member's code get exactly the tiers one after another would; after a random
// history of orders, re-decisions, refunds, cancellations and people's changes the counters equal the commission
// rows (repo.countMonthCommissions, and `touchpoint ledger verify`); and the migration fills the counter from the
// commissions already there.
import { Migrator, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldMonthCounts, verifyLedger } from '../src/app/ledger.js';
import { commissionFor } from '../src/core/commission.js';
import { countMonthCommissions, monthCounters } from '../src/db/conversions.js';
import { migrations } from '../src/db/migrations/index.js';
import { addCreators, startTestApp, type Creator, type TestApp } from './helpers/app.js';
import { mulberry32 } from './helpers/random.js';
import { DIALECTS, freshStore } from './helpers/stores.js';

const UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const TIERS = {
  type: 'percent' as const,
  value: 1_000,
  tiers: [
    { fromConversion: 5, value: 2_000 },
    { fromConversion: 20, value: 3_000 },
  ],
};

describe.each(DIALECTS)('volume-tier counters on %s', (kind) => {
  let t: TestApp;
  let secret: string;
  let offerId: string;
  let anna: Creator;
  let ben: Creator;
  let cy: Creator;
  const get = (url: string) => t.built.app.inject({ url, headers: { 'user-agent': UA } });
  const postback = async (q: Record<string, string>) => {
    const res = await get(`/postback?${new URLSearchParams({ secret, ...q })}`);
    expect(res.statusCode, res.body).toBe(200);
    return JSON.parse(res.body) as { status: string };
  };
  const click = async (slug: string) =>
    new URL((await get(`/${slug}`)).headers.location as string).searchParams.get('tp_click')!;
  const db = () => t.built.ctx.store.db;

  /** Every counter against the scan, key by key, and `ledger verify`'s comparison of all of them. */
  const expectCountersExact = async () => {
    // On PostgreSQL a counter is its row plus the triggers' deltas not folded into it yet.
    const counters = await monthCounters(db());
    const keys = await db()
      .selectFrom('commissions')
      .select(['offer_id', 'member_id', 'month_key'])
      .distinct()
      .execute();
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      const counter = counters.find(
        (c) => c.offer_id === k.offer_id && c.member_id === k.member_id && c.month_key === k.month_key,
      );
      expect(counter?.n ?? 0, JSON.stringify(k)).toBe(
        await countMonthCommissions(db(), k.offer_id, k.member_id, k.month_key, ''),
      );
    }
    expect((await verifyLedger(db())).monthCountDrift).toEqual([]);
  };

  beforeAll(async () => {
    t = await startTestApp(kind);
    secret = (await t.api('GET', '/workspace')).data.postbackSecret;
    const offer = await t.api('POST', '/offers', {
      name: 'Serum',
      destinationUrl: 'https://shop.example.com/serum',
      attributionRule: 'split',
      splitCodeShare: '50',
      holdDays: 30,
      payoutOptions: [
        {
          title: 'Tiered',
          type: 'percent',
          value: '10',
          default: true,
          tiers: [
            { fromConversion: 5, value: '20' },
            { fromConversion: 20, value: '30' },
          ],
        },
      ],
    });
    expect(offer.statusCode, offer.body).toBe(201);
    offerId = offer.data.id;
    [anna, ben, cy] = (await addCreators(t, offerId, ['Anna', 'Ben', 'Cy'])) as [Creator, Creator, Creator];
  });
  afterAll(() => t?.close());

  it('gives simultaneous orders on one member exactly the tiers a serial run gives', async () => {
    const n = 40;
    const amounts = Array.from({ length: n }, (_, i) => 5_000 + i * 100);
    const answers = await Promise.all(
      amounts.map((minor, i) => postback({ code: anna.code, order: `HOT-${i}`, amount: (minor / 100).toFixed(2) })),
    );
    expect(answers.every((a) => a.status === 'created')).toBe(true);
    const rows = await db()
      .selectFrom('commissions')
      .select(['tier_from', 'rate_applied', 'sale_minor', 'amount_minor', 'created_at', 'id'])
      .where('member_id', '=', anna.id)
      .execute();
    expect(rows.length).toBe(n);
    // One after another: the k-th order of the month has the tier of k, whichever sale it was.
    const tiers = rows.map((r) => r.tier_from ?? 1).sort((a, b) => a - b);
    const serial = Array.from(
      { length: n },
      (_, k) =>
        commissionFor({ payout: TIERS, saleMinor: 100, shareBps: 10_000, conversionNumberInMonth: k + 1 })
          .tierFromConversion ?? 1,
    );
    expect(tiers).toEqual(serial.sort((a, b) => a - b));
    for (const r of rows)
      expect(Number(r.amount_minor)).toBe(
        commissionFor({
          payout: TIERS,
          saleMinor: Number(r.sale_minor),
          shareBps: 10_000,
          conversionNumberInMonth: r.tier_from ?? 1,
        }).amountMinor,
      );
    await expectCountersExact();
  });

  it('keeps every counter equal to the commissions through a random history', async () => {
    const random = mulberry32(kind === 'sqlite' ? 31 : 32);
    const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
    const people = [anna, ben, cy];
    const orders: string[] = [];
    const day = 86_400_000;
    // Two months, so that a re-dated order moves its commission to another month's counter.
    const month0 = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 2, 10);
    const when = () => String(Math.floor((month0 + Math.floor(random() * 40) * day) / 1000));
    for (let round = 0; round < 8; round++) {
      const steps: (() => Promise<unknown>)[] = [];
      for (let s = 0; s < 12; s++) {
        const r = random();
        if (r < 0.35 || !orders.length) {
          const order = `R-${kind}-${orders.length}`;
          orders.push(order);
          const who = pick(people);
          steps.push(() =>
            postback({ code: who.code, order, amount: `${10 + Math.floor(random() * 90)}.00`, time: when() }),
          );
        } else if (r < 0.55) {
          // New evidence: a click of someone else (split or moved credit), a new amount.
          const order = pick(orders);
          const who = pick(people);
          steps.push(async () =>
            postback({ order, click: await click(who.slug), amount: `${20 + Math.floor(random() * 50)}.00` }),
          );
        } else if (r < 0.65) {
          const order = pick(orders);
          steps.push(() => postback({ order, type: 'refund', amount: random() < 0.5 ? '5.00' : '' }));
        } else if (r < 0.72) {
          const order = pick(orders);
          steps.push(() => postback({ order, type: random() < 0.5 ? 'refund' : 'cancel' }));
        } else {
          steps.push(async () => {
            const c = await db()
              .selectFrom('commissions')
              .select('id')
              .orderBy('id')
              .offset(Math.floor(random() * 20))
              .limit(1)
              .executeTakeFirst();
            if (!c) return;
            const action = pick(['reverse', 'approve', 'adjust']);
            const res = await t.api('POST', `/commissions/${c.id}/${action}`, {
              reason: 'Checked',
              ...(action === 'adjust' ? { amount: '1.00' } : {}),
            });
            // A change the ledger refuses (a reversed commission approved) is an answer, not a failure.
            expect(res.statusCode, res.body).toBeLessThan(500);
          });
        }
      }
      // Each round's steps in flight together: on PostgreSQL they race on the counters and the orders' rows.
      await Promise.all(steps.map((f) => f()));
    }
    const statuses = await db().selectFrom('commissions').select('status').distinct().execute();
    expect(statuses.map((s) => s.status)).toContain('reversed');
    await expectCountersExact();
  });

  it('does not count an order decided again as earlier than itself', async () => {
    const month = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 5, 15);
    const time = String(Math.floor(month / 1000));
    for (let k = 0; k < 3; k++) await postback({ code: cy.code, order: `SELF-${kind}-${k}`, amount: '10.00', time });
    // The member's 4th order of that month (tiers from the 5th), first without an amount, then decided again with it.
    const order = `SELF-${kind}`;
    expect((await postback({ code: cy.code, order, time })).status).toBe('created');
    expect((await postback({ order, amount: '30.00' })).status).toBe('filled_in');
    const c = await db()
      .selectFrom('commissions')
      .innerJoin('conversions', 'conversions.id', 'commissions.conversion_id')
      .select(['commissions.tier_from', 'commissions.amount_minor'])
      .where('conversions.order_id', '=', order)
      .executeTakeFirstOrThrow();
    // Counting itself it would be the 5th, at 20 %.
    expect([c.tier_from, Number(c.amount_minor)]).toEqual([null, 300]);
    await expectCountersExact();
  });

  it('folds the counters no tiered decision reads (the month-counts job), leaving them exact', async () => {
    // The random history's reversals and approvals left changes on counters that no later order folded.
    const pending = async () =>
      kind === 'postgres'
        ? Number(
            (
              await db()
                .selectFrom('commission_month_deltas')
                .select((eb) => eb.fn.countAll<number>().as('n'))
                .executeTakeFirstOrThrow()
            ).n,
          )
        : 0;
    if (kind === 'postgres') expect(await pending()).toBeGreaterThan(0);
    const folded = await foldMonthCounts(db(), t.built.ctx.store.dialect.concurrentWriters);
    expect(folded > 0).toBe(kind === 'postgres');
    expect(await pending()).toBe(0);
    expect(await foldMonthCounts(db(), t.built.ctx.store.dialect.concurrentWriters)).toBe(0);
    await expectCountersExact();
  });
});

describe.each(DIALECTS)('migration 0031 on %s', (kind) => {
  it('fills the counters from the commissions already there, leaving reversed ones out', async () => {
    const s = await freshStore(kind, { migrate: false });
    try {
      const db = s.store.db as Kysely<any>;
      const migrator = new Migrator({
        db,
        provider: { getMigrations: async () => migrations },
        migrationTableName: 'touchpoint_migrations',
        migrationLockTableName: 'touchpoint_migrations_lock',
      });
      expect((await migrator.migrateTo('0029-rollup-sub-ids')).error).toBeUndefined();
      const rows: [string, string, string, string][] = [
        ['off_a', 'mem_1', '2026-11', 'pending'],
        ['off_a', 'mem_1', '2026-11', 'approved'],
        ['off_a', 'mem_1', '2026-11', 'reversed'],
        ['off_a', 'mem_1', '2026-12', 'paid'],
        ['off_a', 'mem_2', '2026-11', 'reversed'],
        ['off_b', 'mem_1', '2026-11', 'pending'],
      ];
      // Commission rows alone, without the orders, offers and members they point to: foreign keys off while they go in.
      const insert = async (tx: Kysely<any>) => {
        for (const [i, [offer, member, month, status]] of rows.entries())
          await sql`insert into commissions (id, workspace_id, conversion_id, offer_id, member_id, payout_option_id,
          source, share_bps, sale_minor, amount_minor, currency, rate_applied, tier_from, month_key, status,
          approve_after, created_at, updated_at, accrued_minor, adjusted_minor, admin_touched, in_decision)
          values (${`com_${i}`}, 'ws_1', ${`cnv_${i}`}, ${offer}, ${member}, 'pay_1', 'code', 10000, 1000, 100, 'USD',
          1000, null, ${month}, ${status}, 0, 0, 0, 100, 0, 0, 1)`.execute(tx);
      };
      if (kind === 'postgres')
        await db.transaction().execute(async (tx) => {
          await sql`set local session_replication_role = replica`.execute(tx);
          await insert(tx);
        });
      else {
        await sql`pragma foreign_keys = off`.execute(db);
        await insert(db);
        await sql`pragma foreign_keys = on`.execute(db);
      }
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      const counters = await db
        .selectFrom('commission_month_counts')
        .select(['offer_id', 'member_id', 'month_key', 'workspace_id', 'counted'])
        .orderBy('offer_id')
        .orderBy('member_id')
        .orderBy('month_key')
        .execute();
      expect(counters.map((c) => ({ ...c, counted: Number(c.counted) }))).toEqual([
        { offer_id: 'off_a', member_id: 'mem_1', month_key: '2026-11', workspace_id: 'ws_1', counted: 2 },
        { offer_id: 'off_a', member_id: 'mem_1', month_key: '2026-12', workspace_id: 'ws_1', counted: 1 },
        { offer_id: 'off_b', member_id: 'mem_1', month_key: '2026-11', workspace_id: 'ws_1', counted: 1 },
      ]);
      // From here the triggers keep them: a reversal, a restore elsewhere, a move to another month, a delete.
      await db.updateTable('commissions').set({ status: 'reversed' }).where('id', '=', 'com_0').execute();
      await db.updateTable('commissions').set({ status: 'pending' }).where('id', '=', 'com_4').execute();
      await db.updateTable('commissions').set({ month_key: '2026-12' }).where('id', '=', 'com_1').execute();
      await db.updateTable('commissions').set({ status: 'approved' }).where('id', '=', 'com_3').execute();
      await db.deleteFrom('commissions').where('id', '=', 'com_5').execute();
      const after = (await monthCounters(s.store.db)).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
      expect(after.map((c) => [c.offer_id, c.member_id, c.month_key, c.n])).toEqual([
        ['off_a', 'mem_1', '2026-11', 0],
        ['off_a', 'mem_1', '2026-12', 2],
        ['off_a', 'mem_2', '2026-11', 1],
        ['off_b', 'mem_1', '2026-11', 0],
      ]);
    } finally {
      await s.cleanup();
    }
  });
});
