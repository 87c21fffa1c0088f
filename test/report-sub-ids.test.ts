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
      admitted: await db
        .selectFrom('rollup_sub_ids')
        .select(['link_id', 'sub_id'])
        .orderBy('link_id')
        .orderBy('sub_id')
        .execute(),
    });
    const maintained = await rows();
    expect(maintained.admitted.filter((a) => a.link_id === linkId)).toHaveLength(SUB_ID_CAP);
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
