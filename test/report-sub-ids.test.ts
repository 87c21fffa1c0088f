// Reports by sub-id from the sub-id rollups (ADR 0006, "Sub-ids"): a link past the cap of distinct sub-ids
// (core/click-rollups SUB_ID_CAP) counts its further values under "(other)", the totals still those of the raw rows;
// a conversion lands in the row of its click's sub-id; a rebuild decides the same; concurrent admissions never pass the
// cap. On both databases, through the real tracking and postback endpoints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUB_ID_CAP, SUB_ID_OTHER } from '../src/core/click-rollups.js';
import { rebuildRollups, refreshDirtyConversions } from '../src/app/rollups.js';
import { landSubIds } from '../src/db/rollups.js';
import { DIALECTS } from './helpers/stores.js';
import { startTestApp, type TestApp } from './helpers/app.js';

const UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const START = Date.parse('2026-11-02T08:00:00Z');
const DAY = '2026-11-02';
const sub = (i: number) => `s${String(i).padStart(3, '0')}`;

type Row = Record<string, unknown> & { key: string; label: string };
const MEASURES = ['clicks', 'uniqueClicks', 'conversions', 'salesMinor', 'commissionMinor', 'linkRevenueMinor'];
const measures = (r: Record<string, unknown>) => Object.fromEntries(MEASURES.map((m) => [m, r[m]]));

describe.each(DIALECTS)('reports by sub-id on %s', (kind) => {
  let t: TestApp;
  let now = START;
  let linkId = '';
  let codeId = '';
  let offerId = '';
  let secret = '';
  const clickOf = new Map<string, string>();
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await t.api(method, path, body);
    if (res.statusCode >= 400) throw new Error(`${method} ${path}: ${res.statusCode} ${res.body}`);
    return res;
  };
  const click = async (slug: string, value: string | null, ip: number) => {
    now += 1_000;
    const res = await t.built.app.inject({
      url: `/${slug}${value ? `?sub1=${value}` : ''}`,
      headers: { 'user-agent': UA, 'x-forwarded-for': `203.0.113.${ip % 250}` },
      remoteAddress: `203.0.113.${ip % 250}`,
    });
    return new URL(res.headers.location as string).searchParams.get('tp_click')!;
  };
  const report = async (source: 'rollups' | 'raw', extra: Record<string, string> = {}) =>
    (await api('GET', `/reports?${new URLSearchParams({ groupBy: 'sub_id', from: DAY, to: DAY, source, ...extra })}`))
      .data as { rows: Row[]; totals: Record<string, unknown>; subIdsCapped: boolean; source: string };

  beforeAll(async () => {
    // Clicks are written when the test flushes them, so one can stay in the buffer while its order arrives.
    t = await startTestApp(kind, { clickFlushMs: 60_000 }, () => now);
    secret = (await api('GET', '/workspace')).data.postbackSecret;
    const offer = await api('POST', '/offers', {
      name: 'Serum',
      destinationUrl: 'https://shop.example.com/serum',
      payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
    });
    const member = await api('POST', '/members', { name: 'Ana' });
    const added = await api('POST', `/offers/${offer.data.id}/members`, {
      members: [{ memberId: member.data.id }],
      generateLinks: true,
      generateCodes: true,
      codePattern: '{NAME}{RAND4}',
    });
    codeId = added.data.members[0].codes[0].id;
    offerId = offer.data.id;
    const link = added.data.members[0].links[0];
    linkId = link.id;
    const generic = (await api('POST', '/links', { offerId: offer.data.id })).data;
    // The cap and 3 more distinct values, in sorted order as time goes (so the first-click order a rebuild admits by
    // is the order the writers admitted in); clicks without a sub-id; the same first value on another link.
    for (let i = 0; i < SUB_ID_CAP + 3; i++) clickOf.set(sub(i), await click(link.slug, sub(i), i));
    for (let i = 0; i < 3; i++) await click(link.slug, null, i);
    await click(generic.slug, sub(0), 7);
    await t.built.tracking.flush();
    // Values seen again: an admitted one keeps its row, one past the cap stays in "(other)".
    await click(link.slug, sub(1), 1);
    await click(link.slug, sub(SUB_ID_CAP + 2), 2);
    await t.built.tracking.flush();
    // Orders on the clicks of an admitted value and of a capped one, and one by no link.
    for (const [order, q] of [
      ['O-1', { click: clickOf.get(sub(1))!, amount: '100.00' }],
      ['O-2', { click: clickOf.get(sub(SUB_ID_CAP + 1))!, amount: '40.00' }],
      ['O-3', { offer: offer.data.id, amount: '7.00' }],
    ] as const) {
      now += 1_000;
      const res = await t.built.app.inject({ url: `/postback?${new URLSearchParams({ secret, order, ...q })}` });
      expect(res.statusCode).toBeLessThan(300);
    }
    await refreshDirtyConversions(t.built.ctx.store);
  }, 180_000);
  afterAll(() => t.close());

  it('keeps the cap of values per link and sums the rest as "(other)", totals equal to the raw rows', async () => {
    const fast = await report('rollups');
    const raw = await report('raw');
    expect(fast.source).toBe('rollups');
    expect(raw.source).toBe('raw');
    expect(fast.subIdsCapped).toBe(true);
    expect(raw.subIdsCapped).toBe(false);
    expect(measures(fast.totals)).toEqual(measures(raw.totals));
    // The cap's values, no sub-id, and "(other)"; raw rows have every value.
    expect(fast.rows).toHaveLength(SUB_ID_CAP + 2);
    expect(raw.rows).toHaveLength(SUB_ID_CAP + 3 + 1);
    const byKey = (rows: Row[]) => new Map(rows.map((r) => [r.key, r]));
    const f = byKey(fast.rows);
    const r = byKey(raw.rows);
    for (let i = 0; i < SUB_ID_CAP; i++) expect(measures(f.get(sub(i))!), sub(i)).toEqual(measures(r.get(sub(i))!));
    expect(measures(f.get('')!)).toEqual(measures(r.get('')!));
    const other = f.get(SUB_ID_OTHER)!;
    expect(other.label).toBe('(other)');
    // s500, s501, s502 twice; the order on s501's click.
    expect(other.clicks).toBe(4);
    expect(other.conversions).toBe(1);
    expect(other.salesMinor).toBe(4000);
    const capped = [0, 1, 2].map((k) => r.get(sub(SUB_ID_CAP + k))!);
    for (const m of MEASURES) expect(other[m], m).toBe(capped.reduce((a, row) => a + Number(row[m] ?? 0), 0));
    // The admitted value seen again, and its order, in its own row; the other link's s000 in s000's.
    expect(f.get(sub(1))).toMatchObject({ clicks: 2, conversions: 1, salesMinor: 10000 });
    expect(f.get(sub(0))?.clicks).toBe(2);
    // No sub-id: the clicks without one and the order by no link.
    expect(f.get('')).toMatchObject({ clicks: 3, conversions: 1, salesMinor: 700, label: '(no sub-id)' });
  });

  it('filters by link and status alike, and answers a code filter from raw rows', async () => {
    for (const extra of [{ linkId }, { status: 'pending' }] as Record<string, string>[]) {
      const fast = await report('rollups', extra);
      const raw = await report('raw', extra);
      expect(measures(fast.totals), JSON.stringify(extra)).toEqual(measures(raw.totals));
    }
    const res = await t.api(
      'GET',
      `/reports?${new URLSearchParams({ groupBy: 'sub_id', from: DAY, to: DAY, source: 'rollups', codeId })}`,
    );
    expect(res.statusCode).toBe(400);
    expect((await report('raw', { codeId })).source).toBe('raw');
  });

  it('decides the same rows again in a rebuild', async () => {
    const before = await report('rollups');
    const db = t.built.ctx.store.db;
    const rows = async () => ({
      clicks: (await db.selectFrom('rollup_clicks_sub').selectAll().orderBy('link_id').orderBy('sub_id').execute()).map(
        (x) => ({ ...x, clicks: Number(x.clicks), unique_clicks: Number(x.unique_clicks) }),
      ),
      lines: (
        await db.selectFrom('rollup_conversions_sub').selectAll().orderBy('link_id').orderBy('sub_id').execute()
      ).map((x) => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, /^\d+$/.test(String(v)) ? Number(v) : v]))),
      // The week and month rows the writers kept are the ones a rebuild sums from the days.
      clickPeriods: (
        await db
          .selectFrom('rollup_clicks_sub_period')
          .selectAll()
          .orderBy('period')
          .orderBy('member_id')
          .orderBy('sub_id')
          .execute()
      ).map((x) => ({ ...x, clicks: Number(x.clicks), unique_clicks: Number(x.unique_clicks) })),
      linePeriods: (
        await db
          .selectFrom('rollup_conversions_sub_period')
          .selectAll()
          .orderBy('period')
          .orderBy('member_id')
          .orderBy('sub_id')
          .execute()
      ).map((x) => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, /^\d+$/.test(String(v)) ? Number(v) : v]))),
      admitted: await db
        .selectFrom('rollup_sub_ids')
        .select(['link_id', 'sub_id'])
        .orderBy('link_id')
        .orderBy('sub_id')
        .execute(),
    });
    const maintained = await rows();
    expect(maintained.admitted.filter((a) => a.link_id === linkId)).toHaveLength(SUB_ID_CAP);
    // The day's week and month, each with the same landed rows as the day (no link: the two links' s000 are one row).
    expect(new Set(maintained.clickPeriods.map((p) => p.period))).toEqual(new Set(['W2026-11-02', 'M2026-11']));
    expect(maintained.clickPeriods.filter((p) => p.sub_id === SUB_ID_OTHER).map((p) => p.clicks)).toEqual([4, 4]);
    expect(maintained.linePeriods.filter((p) => p.sub_id === SUB_ID_OTHER).map((p) => p.sales_minor)).toEqual([
      4000, 4000,
    ]);
    await rebuildRollups(t.built.ctx.store, t.workspaceId);
    expect(await rows()).toEqual(maintained);
    const after = await report('rollups');
    expect(after.rows).toEqual(before.rows);
    expect(after.totals).toEqual(before.totals);
  });

  it('moves an order whose click was still in the buffer to its sub-id row once the click is written', async () => {
    const other = (await api('POST', '/links', { offerId })).data;
    const clickId = await click(other.slug, 'late', 9);
    now += 1_000;
    const res = await t.built.app.inject({
      url: `/postback?${new URLSearchParams({ secret, order: 'O-late', click: clickId, amount: '30.00' })}`,
    });
    expect(res.statusCode).toBeLessThan(300);
    const late = async () => {
      const [fast, raw] = [await report('rollups'), await report('raw')];
      expect(measures(fast.totals)).toEqual(measures(raw.totals));
      return { fast: fast.rows.find((r) => r.key === 'late'), raw: raw.rows.find((r) => r.key === 'late') };
    };
    // Not written yet: both kinds of report count the order under no sub-id.
    expect(await late()).toEqual({ fast: undefined, raw: undefined });
    await t.built.tracking.flush();
    const { fast, raw } = await late();
    expect(measures(fast!)).toEqual(measures(raw!));
    expect(fast).toMatchObject({ clicks: 1, conversions: 1, salesMinor: 3000 });
  });

  it('never admits past the cap when two writers admit at once', async () => {
    const db = t.built.ctx.store.db;
    const link = 'lnk_concurrent';
    await landSubIds(
      db,
      t.workspaceId,
      Array.from({ length: SUB_ID_CAP - 1 }, (_, i) => ({ linkId: link, subId: sub(i) })),
    );
    const admitOne = (value: string) =>
      db.transaction().execute(async (tx) => {
        const landed = await landSubIds(tx, t.workspaceId, [{ linkId: link, subId: value }]);
        await new Promise((resolve) => setTimeout(resolve, 200)); // the other writer reads meanwhile
        return landed.get(`${link}\u0000${value}`);
      });
    const [x, y] = await Promise.all([admitOne('x'), admitOne('y')]);
    expect([x, y].sort()).toEqual([SUB_ID_OTHER, x === 'x' ? 'x' : 'y'].sort());
    const admitted = await db
      .selectFrom('rollup_sub_ids')
      .select('sub_id')
      .where('workspace_id', '=', t.workspaceId)
      .where('link_id', '=', link)
      .execute();
    expect(admitted).toHaveLength(SUB_ID_CAP);
    const counter = await db
      .selectFrom('rollup_sub_id_links')
      .select('admitted')
      .where('link_id', '=', link)
      .executeTakeFirstOrThrow();
    expect(Number(counter.admitted)).toBe(SUB_ID_CAP);
    // Decided once: asked again, each lands where it did.
    const again = await landSubIds(db, t.workspaceId, [
      { linkId: link, subId: 'x' },
      { linkId: link, subId: 'y' },
    ]);
    expect([again.get(`${link}\u0000x`), again.get(`${link}\u0000y`)]).toEqual([x, y]);
  });
});

// A range over several months reads whole months and weeks from the sub-id periods and the edges from the days; the
// periods are the workspace zone's (America/New_York: its months start at 04:00 or 05:00 UTC), so a click at 23:30 on
// the last local day of a month is in that month. Every range must give what the raw clicks give, with a capped
// link's further values summed into "(other)".
describe.each(DIALECTS)('reports by sub-id over months on %s', (kind) => {
  const TZ = 'America/New_York';
  const CAPPED = ['b', 'c']; // seen once the link is full: "(other)"
  let t: TestApp;
  let now = Date.parse('2026-07-20T16:00:00Z');
  let secret = '';
  let offerId = '';
  let anaId = '';
  let anaLinkId = '';
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await t.api(method, path, body);
    if (res.statusCode >= 400) throw new Error(`${method} ${path}: ${res.statusCode} ${res.body}`);
    return res;
  };
  const click = async (slug: string, value: string | null, at: number, ip: number) => {
    now = at;
    const res = await t.built.app.inject({
      url: `/${slug}${value ? `?sub1=${value}` : ''}`,
      headers: { 'user-agent': UA, 'x-forwarded-for': `198.51.100.${ip % 250}` },
      remoteAddress: `198.51.100.${ip % 250}`,
    });
    return new URL(res.headers.location as string).searchParams.get('tp_click')!;
  };
  const order = async (order: string, at: number, q: Record<string, string>) => {
    now = at;
    const res = await t.built.app.inject({ url: `/postback?${new URLSearchParams({ secret, order, ...q })}` });
    expect(res.statusCode).toBeLessThan(300);
  };
  const report = async (source: 'rollups' | 'raw', q: Record<string, string>) =>
    (await api('GET', `/reports?${new URLSearchParams({ groupBy: 'sub_id', source, ...q })}`)).data as {
      rows: Row[];
      totals: Record<string, unknown>;
      subIdsCapped: boolean;
      source: string;
    };
  /** Per key, the measures; raw rows with the capped values summed into "(other)", as the rollups land them. */
  const byKey = (rows: Row[], land = (k: string) => k) => {
    const out = new Map<string, Record<string, number>>();
    for (const r of rows) {
      const key = land(r.key);
      const into = out.get(key) ?? Object.fromEntries(MEASURES.map((m) => [m, 0]));
      for (const m of MEASURES) into[m]! += Number(r[m] ?? 0);
      out.set(key, into);
    }
    return Object.fromEntries([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  };
  const expectSameAsRaw = async (q: Record<string, string>) => {
    const [fast, raw] = [await report('rollups', q), await report('raw', q)];
    const label = JSON.stringify(q);
    expect(fast.source, label).toBe('rollups');
    expect(measures(fast.totals), label).toEqual(measures(raw.totals));
    const expected = byKey(raw.rows, (k) => (CAPPED.includes(k) ? SUB_ID_OTHER : k));
    expect(byKey(fast.rows), label).toEqual(expected);
    expect(fast.subIdsCapped, label).toBe(SUB_ID_OTHER in expected);
    return expected;
  };

  beforeAll(async () => {
    t = await startTestApp(kind, { clickFlushMs: 60_000 }, () => now);
    await api('PATCH', '/workspace', { timezone: TZ });
    await rebuildRollups(t.built.ctx.store, t.workspaceId); // the rollups' days are New York's from here on
    secret = (await api('GET', '/workspace')).data.postbackSecret;
    const offer = await api('POST', '/offers', {
      name: 'Serum',
      destinationUrl: 'https://shop.example.com/serum',
      payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
    });
    offerId = offer.data.id;
    const links: string[] = [];
    for (const name of ['Ana', 'Ben']) {
      const member = await api('POST', '/members', { name });
      const added = await api('POST', `/offers/${offerId}/members`, {
        members: [{ memberId: member.data.id }],
        generateLinks: true,
      });
      if (name === 'Ana') [anaId, anaLinkId] = [member.data.id, added.data.members[0].links[0].id];
      links.push(added.data.members[0].links[0].slug);
    }
    const [ana, ben] = links as [string, string];
    // Ana's link has room for one more value: "a" (seen first) takes it, "b" and "c" land in "(other)".
    await landSubIds(
      t.built.ctx.store.db,
      t.workspaceId,
      Array.from({ length: SUB_ID_CAP - 1 }, (_, i) => ({ linkId: anaLinkId, subId: `pre${i}` })),
    );
    await click(ana, 'a', now, 1);
    await t.built.tracking.flush();
    // Every third day from July 20 to November 20, at various local hours, on both links; flushed a few days at a
    // time, so a batch spans days, weeks and months.
    const values = ['a', null, 'b', 'c', 'a', null]; // Ana's; Ben's clicks carry x
    const clicks = new Map<string, string>();
    let i = 0;
    for (let at = Date.parse('2026-07-20T16:00:00Z'); at < Date.parse('2026-11-21T00:00:00Z'); at += 3 * 86_400_000) {
      const [link, value] = i % 3 === 2 ? [ben, 'x'] : [ana, values[i % values.length]!];
      clicks.set(`${i}`, await click(link, value, at + (i % 5) * 3_600_000, i));
      if (i % 4 === 3) await t.built.tracking.flush();
      i++;
    }
    // Month edges in New York: 23:30 on Aug 31 and Oct 31 local (already the 1st in UTC), 00:30 on Sep 1 and Nov 1.
    const edge = {
      aug31: await click(ana, 'a', Date.parse('2026-09-01T03:30:00Z'), 201),
      sep1: await click(ana, 'b', Date.parse('2026-09-01T04:30:00Z'), 202),
      oct31: await click(ben, 'x', Date.parse('2026-11-01T03:30:00Z'), 203),
      nov1: await click(ana, 'c', Date.parse('2026-11-01T04:30:00Z'), 204),
    };
    await t.built.tracking.flush();
    // Orders on clicks of an admitted value, a capped one and another link's, one of them at a month's local edge, and
    // one by no link.
    await order('M-1', Date.parse('2026-09-01T03:45:00Z'), { click: edge.aug31, amount: '100.00' });
    await order('M-2', Date.parse('2026-09-02T12:00:00Z'), { click: edge.sep1, amount: '40.00' });
    await order('M-3', Date.parse('2026-11-01T04:00:00Z'), { click: edge.oct31, amount: '25.00' });
    await order('M-4', Date.parse('2026-11-02T12:00:00Z'), { click: edge.nov1, amount: '12.00' });
    await order('M-5', Date.parse('2026-08-10T12:00:00Z'), { click: clicks.get('5')!, amount: '9.00' });
    await order('M-6', Date.parse('2026-10-15T12:00:00Z'), { offer: offerId, amount: '7.00' });
    await refreshDirtyConversions(t.built.ctx.store);
  }, 180_000);
  afterAll(() => t.close());

  it("gives the raw rows' sums over whole months, partial months, month edges and a year", async () => {
    const all = await expectSameAsRaw({ from: '2026-07-01', to: '2026-11-30' });
    expect(Object.keys(all).sort()).toEqual(['', 'a', 'x', SUB_ID_OTHER].sort());
    expect(all[SUB_ID_OTHER]).toMatchObject({ conversions: 2, salesMinor: 5200 });
    for (const [from, to] of [
      ['2026-09-01', '2026-10-31'], // two whole months
      ['2026-07-25', '2026-11-05'], // partial months at both ends, across the end of daylight saving time
      ['2026-08-03', '2026-08-23'], // whole weeks inside a month
      ['2026-08-31', '2026-09-01'], // the two days either side of a month's edge
      ['2026-10-31', '2026-11-01'],
      ['2026-08-20', '2026-10-10'],
      ['2025-11-21', '2026-11-20'], // 365 days, most of them before the data
    ] as const) {
      await expectSameAsRaw({ from, to });
    }
    // August holds the click at 23:30 on its last local day and the order at 23:45; September the click at 00:30.
    const aug = await expectSameAsRaw({ from: '2026-08-31', to: '2026-08-31' });
    expect(aug['a']).toMatchObject({ clicks: 1, conversions: 1, salesMinor: 10000 });
    const sep = await expectSameAsRaw({ from: '2026-09-01', to: '2026-09-01' });
    expect(sep[SUB_ID_OTHER]?.clicks).toBe(1);
    expect(sep['a']).toBeUndefined();
  });

  it('filters by offer and member over months, and by link and status from the days', async () => {
    const filters: Record<string, string>[] = [
      { offerId },
      { memberId: anaId },
      { linkId: anaLinkId },
      { status: 'pending' },
    ];
    for (const q of filters) await expectSameAsRaw({ from: '2026-07-25', to: '2026-11-05', ...q });
  });

  it('reads whole months from the month rows', async () => {
    // Without September's day rows, September (and a range holding it whole) still has its sums: they come from the
    // month; a range with part of September would read those days and be short — the day rows are still needed.
    const db = t.built.ctx.store.db;
    const before = await report('rollups', { from: '2026-09-01', to: '2026-09-30' });
    for (const table of ['rollup_clicks_sub', 'rollup_conversions_sub'] as const)
      await db
        .deleteFrom(table)
        .where('workspace_id', '=', t.workspaceId)
        .where('day', '>=', '2026-09-01')
        .where('day', '<=', '2026-09-30')
        .execute();
    const after = await report('rollups', { from: '2026-09-01', to: '2026-09-30' });
    expect(after.rows).toEqual(before.rows);
    expect(Number(after.totals.clicks)).toBeGreaterThan(0);
    await expectSameAsRaw({ from: '2026-08-01', to: '2026-10-31' });
  });
});
