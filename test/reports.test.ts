// Reports against the raw rows: a random program (clicks, bots, sub-ids, orders by link, code, both and neither,
// a split offer, refunds, cancellations, approvals, a reversal, a test order) driven through the real tracking and
// postback endpoints across a daylight-saving change, then every grouping and filter compared with numbers computed
// here, independently, from the raw tables — from the rollups and from the raw report path, on both databases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { splitAmount } from '../src/core/commission.js';
import { coverRange, dayKey, weekOfDay } from '../src/core/time-buckets.js';
import { createWorkspace } from '../src/app/workspaces.js';
import { rebuildRollups, refreshDirtyConversions } from '../src/app/rollups.js';
import { DIALECTS } from './helpers/stores.js';
import { startTestApp, withData, type TestApp } from './helpers/app.js';
import { mulberry32 } from './helpers/random.js';

const UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const BOT_UA = 'Googlebot/2.1 (+http://www.google.com/bot.html)';
const TZ = 'America/New_York';
// 2026-11-01 is the fall-back day in New York (25 hours); the range starts before and ends after it.
const START = Date.parse('2026-10-27T00:00:00Z');
const END = Date.parse('2026-11-06T00:00:00Z');
const FROM = '2026-10-27';
const TO = '2026-11-05';

type Measures = {
  /** Null in a row by code: clicks belong to links. */
  clicks: number | null;
  uniqueClicks: number | null;
  conversions: number;
  unattributed: number;
  salesMinor: number;
  refundsMinor: number;
  commissionMinor: number;
  codeRedemptions: number;
  codedRevenueMinor: number;
  linkRevenueMinor: number;
};
const zero = (): Measures => ({
  clicks: 0,
  uniqueClicks: 0,
  conversions: 0,
  unattributed: 0,
  salesMinor: 0,
  refundsMinor: 0,
  commissionMinor: 0,
  codeRedemptions: 0,
  codedRevenueMinor: 0,
  linkRevenueMinor: 0,
});

describe.each(DIALECTS)('reports on %s', (kind) => {
  let t: TestApp;
  let key: string;
  let wsId: string;
  let now = START;
  const seed = Number(process.env.REPORT_SEED ?? 20261123);
  const random = mulberry32(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await t.api(method, path, body, key);
    if (res.statusCode >= 400) throw new Error(`${method} ${path}: ${res.statusCode} ${res.body}`);
    return res;
  };

  let offers: string[] = [];
  const creators: { id: string; offerId: string; slug: string; codeId: string; code: string }[] = [];
  let genericSlug = '';
  let genericLinkId = '';
  let secret = '';

  beforeAll(async () => {
    t = await startTestApp(kind, {}, () => now);
    const ws = await createWorkspace(t.built.ctx, { name: 'Reports', timezone: TZ });
    if (!ws.ok) throw new Error(ws.problem.message);
    key = ws.value.apiKey;
    wsId = ws.value.workspace.id;
    secret = (await api('GET', '/workspace')).data.postbackSecret;
    const a = await api('POST', '/offers', {
      name: 'Serum',
      destinationUrl: 'https://shop.example.com/serum',
      attributionRule: 'code_first',
      payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
    });
    const b = await api('POST', '/offers', {
      name: 'Kit',
      destinationUrl: 'https://shop.example.com/kit',
      attributionRule: 'split',
      splitCodeShare: '40',
      payoutOptions: [{ title: '$5', type: 'fixed', value: '5.00' }],
    });
    offers = [a.data.id, b.data.id];
    for (const [i, name] of ['Ana', 'Ben', 'Cleo', 'Dev', 'Eli'].entries()) {
      const m = await api('POST', '/members', { name, reach: i === 4 ? undefined : (i + 1) * 1000 });
      for (const offerId of offers) {
        const added = await api('POST', `/offers/${offerId}/members`, {
          members: [{ memberId: m.data.id }],
          generateLinks: true,
          generateCodes: true,
          codePattern: '{NAME}{RAND4}',
        });
        const mm = added.data.members[0];
        creators.push({
          id: m.data.id,
          offerId,
          slug: mm.links[0].slug,
          codeId: mm.codes[0].id,
          code: mm.codes[0].code,
        });
      }
    }
    const generic = (await api('POST', '/links', { offerId: offers[0] })).data;
    genericSlug = generic.slug;
    genericLinkId = generic.id;

    // Clicks spread over the range, the fall-back night included.
    const clickIds: { id: string; memberId: string | null; offerId: string }[] = [];
    for (let i = 0; i < 160; i++) {
      now = START + Math.floor(random() * (END - START));
      const c = random() < 0.1 ? null : pick(creators);
      const slug = c ? c.slug : genericSlug;
      const bot = random() < 0.08;
      const sub = random() < 0.4 ? `&sub1=${pick(['ig_story', 'yt_desc'])}` : '';
      const ip = `203.0.113.${Math.floor(random() * 40)}`;
      const res = await t.built.app.inject({
        url: `/${slug}?x=1${sub}`,
        headers: { 'user-agent': bot ? BOT_UA : UA, 'x-forwarded-for': ip },
        remoteAddress: ip,
      });
      const id = new URL(res.headers.location as string).searchParams.get('tp_click');
      if (id && !bot) clickIds.push({ id, memberId: c?.id ?? null, offerId: c?.offerId ?? offers[0]! });
    }
    await t.built.tracking.flush();

    // Orders: by link, by code, by both (split or code-first), by neither; then refunds, cancellations, approvals.
    const orders: string[] = [];
    for (let i = 0; i < 90; i++) {
      now = START + Math.floor(random() * (END - START));
      const q: Record<string, string> = {
        secret,
        order: `O-${i}`,
        amount: `${10 + Math.floor(random() * 200)}.${String(Math.floor(random() * 100)).padStart(2, '0')}`,
      };
      const r = random();
      if (r < 0.35) q.click = pick(clickIds).id;
      else if (r < 0.6) q.code = pick(creators).code;
      else if (r < 0.85) {
        q.click = pick(clickIds).id;
        q.code = pick(creators).code;
      } else q.offer = pick(offers);
      if (i === 7) q.test = '1';
      const res = await t.built.app.inject({ url: `/postback?${new URLSearchParams(q)}` });
      expect(res.statusCode).toBeLessThan(300);
      orders.push(q.order!);
      // The rollup job runs between writes, so later refunds and approvals change lines it already applied; two
      // instances may run it at once.
      if (i % 30 === 29)
        await Promise.all([refreshDirtyConversions(t.built.ctx.store), refreshDirtyConversions(t.built.ctx.store)]);
    }
    for (const order of orders.filter(() => random() < 0.15)) {
      now += 60_000;
      await t.built.app.inject({
        url: `/postback?${new URLSearchParams({ secret, order, type: 'refund', amount: '5.00' })}`,
      });
    }
    expect(await refreshDirtyConversions(t.built.ctx.store)).toBeGreaterThan(0);
    for (const order of orders.filter(() => random() < 0.06)) {
      await t.built.app.inject({ url: `/postback?${new URLSearchParams({ secret, order, type: 'cancel' })}` });
    }
    await refreshDirtyConversions(t.built.ctx.store);
    const pending = (await api('GET', '/commissions?status=pending&limit=100')).data.data as { id: string }[];
    for (const c of pending.slice(0, 6)) await api('POST', `/commissions/${c.id}/approve`, { reason: 'checked' });
    await api('POST', `/commissions/${pending[7]!.id}/reverse`, { reason: 'fraud' });
  }, 120_000);
  afterAll(() => t.close());

  /** The report computed here from the raw tables, with none of the report code. */
  async function expected(group: string, tz: string, filter: { offerId?: string; memberId?: string; status?: string }) {
    const db = t.built.ctx.store.db;
    const inRange = (ms: number) => {
      const d = dayKey(ms, tz);
      return d >= FROM && d <= TO ? d : null;
    };
    const keyOf = (day: string, dims: { offer: string; member: string; link: string; code: string; sub: string }) =>
      group === 'day'
        ? day
        : group === 'week'
          ? weekOfDay(day)
          : group === 'none'
            ? ''
            : (dims as Record<string, string>)[group === 'sub_id' ? 'sub' : group]!;
    const out = new Map<string, Measures>();
    const at = (k: string) => out.get(k) ?? out.set(k, zero()).get(k)!;
    const clicks = await db.selectFrom('clicks').selectAll().where('workspace_id', '=', wsId).execute();
    const byCredit = ['member', 'code', 'link'].includes(group) || !!filter.memberId;
    for (const c of clicks) {
      const day = inRange(Number(c.created_at));
      if (!day || c.tracked !== 1 || c.is_bot !== 0) continue;
      if (filter.offerId && c.offer_id !== filter.offerId) continue;
      if (filter.memberId && c.member_id !== filter.memberId) continue;
      if (group === 'code') continue; // clicks belong to links: no code's row counts them
      const m = at(
        keyOf(day, { offer: c.offer_id, member: c.member_id ?? '', link: c.link_id, code: '', sub: c.sub1 ?? '' }),
      );
      m.clicks!++;
      m.uniqueClicks! += c.is_unique;
    }
    const conversions = await db
      .selectFrom('conversions')
      .selectAll()
      .where('workspace_id', '=', wsId)
      .where('is_test', '=', 0)
      .execute();
    const commissions = await db.selectFrom('commissions').selectAll().where('workspace_id', '=', wsId).execute();
    const subOf = new Map(clicks.map((c) => [c.id, c.sub1 ?? '']));
    for (const v of conversions) {
      const day = inRange(Number(v.occurred_at));
      if (!day) continue;
      const d = JSON.parse(v.decision);
      const amount = Number(v.amount_minor ?? 0);
      const refunded = Math.min(Number(v.refunded_minor), amount);
      if (v.status === 'unattributed') {
        if (filter.offerId && v.reported_offer_id !== filter.offerId) continue;
        if (filter.memberId || (filter.status && filter.status !== 'none')) continue;
        const m = at(keyOf(day, { offer: v.reported_offer_id ?? '', member: '', link: '', code: '', sub: '' }));
        m.conversions++;
        m.unattributed++;
        m.salesMinor += amount;
        m.refundsMinor += refunded;
        continue;
      }
      const credits = d.credits as { offerId: string; memberId: string | null; source: string; shareBps: number }[];
      const sales = splitAmount(
        amount,
        credits.map((c) => c.shareBps),
      );
      const refunds = splitAmount(
        refunded,
        credits.map((c) => c.shareBps),
      );
      let counted = false;
      credits.forEach((cr, i) => {
        const com = commissions.find(
          (c) => c.conversion_id === v.id && c.member_id === cr.memberId && c.offer_id === cr.offerId,
        );
        const status = com?.status ?? 'none';
        if (filter.offerId && cr.offerId !== filter.offerId) return;
        if (filter.memberId && cr.memberId !== filter.memberId) return;
        if (filter.status && status !== filter.status) return;
        const viaCode = cr.source !== 'click';
        const m = at(
          keyOf(day, {
            offer: cr.offerId,
            member: cr.memberId ?? '',
            link: viaCode && cr.source === 'code' ? '' : (d.linkId ?? ''),
            code: viaCode ? (d.codeId ?? '') : '',
            sub: cr.source !== 'code' && v.click_id ? (subOf.get(v.click_id) ?? '') : '',
          }),
        );
        if (byCredit || i === 0) m.conversions++;
        counted ||= i === 0;
        m.salesMinor += sales[i]!;
        m.refundsMinor += refunds[i]!;
        if (com && com.status !== 'reversed') m.commissionMinor += Number(com.amount_minor);
        if (viaCode) {
          m.codeRedemptions++;
          m.codedRevenueMinor += sales[i]!;
        } else m.linkRevenueMinor += sales[i]!;
      });
    }
    if (group === 'code') for (const m of out.values()) m.clicks = m.uniqueClicks = null;
    return out;
  }

  const pickMeasures = (r: Record<string, number>): Measures => ({
    clicks: r.clicks!,
    uniqueClicks: r.uniqueClicks!,
    conversions: r.conversions!,
    unattributed: r.unattributed!,
    salesMinor: r.salesMinor!,
    refundsMinor: r.refundsMinor!,
    commissionMinor: r.commissionMinor!,
    codeRedemptions: r.codeRedemptions!,
    codedRevenueMinor: r.codedRevenueMinor!,
    linkRevenueMinor: r.linkRevenueMinor!,
  });

  const nonEmpty = (m: Map<string, Measures>) =>
    new Map([...m].filter(([, v]) => Object.values(v).some((x) => x !== 0 && x !== null)));

  it('has a data set worth comparing: clicks and orders on both sides of the DST change, splits, refunds, codes', async () => {
    const day = await expected('day', TZ, {});
    expect(day.get('2026-10-31')?.clicks).toBeGreaterThan(0);
    expect(day.get('2026-11-02')?.clicks).toBeGreaterThan(0);
    const total = (await expected('none', TZ, {})).get('')!;
    expect(total.conversions).toBeGreaterThan(50);
    expect(total.refundsMinor).toBeGreaterThan(0);
    expect(total.codeRedemptions).toBeGreaterThan(10);
    expect(total.linkRevenueMinor).toBeGreaterThan(0);
    expect(total.unattributed).toBeGreaterThan(0);
    const splits = await t.built.ctx.store.db
      .selectFrom('commissions')
      .select('source')
      .where('workspace_id', '=', wsId)
      .where('share_bps', '<', 10_000)
      .execute();
    expect(splits.length).toBeGreaterThan(0);
  });

  const groups = ['offer', 'member', 'code', 'link', 'day', 'week', 'sub_id'] as const;
  const filters = (): Record<string, string>[] => [
    {},
    { offerId: offers[1]! },
    { memberId: creators[0]!.id },
    { status: 'approved' },
    { status: 'pending', offerId: offers[0]! },
  ];

  for (const source of ['rollups', 'raw'] as const) {
    it(`equals the raw rows for every grouping and filter (${source})`, async () => {
      for (const groupBy of groups) {
        for (const filter of filters()) {
          const qs = new URLSearchParams({ groupBy, from: FROM, to: TO, source, ...filter });
          const res = await api('GET', `/reports?${qs}`);
          const want = nonEmpty(await expected(groupBy, TZ, filter));
          const got = nonEmpty(
            new Map(
              (res.data.rows as Record<string, number>[]).map((r) => [r.key as unknown as string, pickMeasures(r)]),
            ),
          );
          expect(got, `${groupBy} ${JSON.stringify(filter)}`).toEqual(want);
          const total = (await expected('none', TZ, filter)).get('') ?? zero();
          expect(pickMeasures(res.data.totals), `totals ${groupBy} ${JSON.stringify(filter)}`).toEqual(total);
          expect(res.data.source).toBe(source);
        }
      }
    }, 120_000);
  }

  it('answers a long range from whole months and weeks of the period rollups as the raw rows do', async () => {
    // October is a whole month and November 2–29 whole weeks of this range; the data's days fall in both, and in the
    // single days (November 1) left at the edges.
    for (const groupBy of ['offer', 'member', 'code', 'link'] as const) {
      for (const filter of filters()) {
        const qs = (source: string) =>
          new URLSearchParams({ groupBy, from: '2026-10-01', to: '2026-11-30', source, ...filter });
        const [fast, raw] = [
          (await api('GET', `/reports?${qs('rollups')}`)).data,
          (await api('GET', `/reports?${qs('raw')}`)).data,
        ];
        expect(fast.source).toBe('rollups');
        const measures = (d: { rows: Record<string, number>[] }) =>
          nonEmpty(new Map(d.rows.map((r) => [r.key as unknown as string, pickMeasures(r)])));
        expect(measures(fast), `${groupBy} ${JSON.stringify(filter)}`).toEqual(measures(raw));
        expect(pickMeasures(fast.totals)).toEqual(pickMeasures(raw.totals));
      }
    }
    const all = (
      await api('GET', `/reports?${new URLSearchParams({ groupBy: 'offer', from: '2026-10-01', to: '2026-11-30' })}`)
    ).data;
    expect(all.totals.clicks).toBeGreaterThan(0);
    expect(all.totals.conversions).toBeGreaterThan(0);
  });

  it('answers ranges that start and end inside the data, from periods minus the days outside, as the raw rows do', async () => {
    // A creator whose only click and order fall on a day the range leaves out, and its cover subtracts: their sums net
    // to zero, and they must not appear as a row of zeros.
    const fay = await api('POST', '/members', { name: 'Fay' });
    const added = (
      await api('POST', `/offers/${offers[0]}/members`, {
        members: [{ memberId: fay.data.id }],
        generateLinks: true,
        generateCodes: true,
        codePattern: 'FAY{RAND4}',
      })
    ).data.members[0];
    now = Date.parse('2026-10-27T16:00:00Z');
    await t.built.app.inject({
      url: `/${added.links[0].slug}`,
      headers: { 'user-agent': UA },
      remoteAddress: '198.51.100.23',
    });
    await t.built.tracking.flush();
    expect(
      (
        await t.built.app.inject({
          url: `/postback?${new URLSearchParams({ secret, order: 'O-fay', amount: '40.00', code: added.codes[0].code })}`,
        })
      ).statusCode,
    ).toBeLessThan(300);
    expect(coverRange('2026-10-28', '2026-11-03', { first: FROM, last: TO })).toContainEqual({
      key: '2026-10-27',
      weight: -1,
    });
    let subtracting = 0;
    for (const [from, to] of [
      ['2026-10-28', '2026-11-03'],
      ['2026-10-28', '2026-11-01'],
      ['2026-10-29', '2026-11-03'],
      ['2026-10-31', '2026-11-04'],
      ['2026-11-02', '2026-11-03'],
    ] as const) {
      if (coverRange(from, to, { first: FROM, last: TO }).some((t) => t.weight < 0)) subtracting++;
      for (const groupBy of ['offer', 'member', 'code', 'link'] as const) {
        for (const filter of [
          {},
          { memberId: creators[0]!.id },
          { status: 'approved' },
          { codeId: creators[2]!.codeId },
        ] as Record<string, string>[]) {
          const qs = (source: string) => new URLSearchParams({ groupBy, from, to, source, ...filter });
          const [fast, raw] = [
            (await api('GET', `/reports?${qs('rollups')}`)).data,
            (await api('GET', `/reports?${qs('raw')}`)).data,
          ];
          expect(fast.source).toBe('rollups');
          const measures = (d: { rows: Record<string, number>[] }) =>
            nonEmpty(new Map(d.rows.map((r) => [r.key as unknown as string, pickMeasures(r)])));
          expect(measures(fast), `${from}..${to} ${groupBy} ${JSON.stringify(filter)}`).toEqual(measures(raw));
          expect(fast.rows.map((r: { key: string }) => r.key).sort()).toEqual(
            raw.rows.map((r: { key: string }) => r.key).sort(),
          );
          expect(pickMeasures(fast.totals)).toEqual(pickMeasures(raw.totals));
        }
      }
    }
    expect(subtracting).toBeGreaterThan(1);
  });

  it('places days in the zone asked for: another zone reads the raw rows and moves the midnight', async () => {
    const ny = await api('GET', `/reports?${new URLSearchParams({ groupBy: 'day', from: FROM, to: TO })}`);
    expect(ny.data.timezone).toBe(TZ);
    expect(ny.data.source).toBe('rollups');
    expect(ny.data.rows.map((r: { key: string }) => r.key)).toEqual([
      '2026-10-27',
      '2026-10-28',
      '2026-10-29',
      '2026-10-30',
      '2026-10-31',
      '2026-11-01',
      '2026-11-02',
      '2026-11-03',
      '2026-11-04',
      '2026-11-05',
    ]);
    const tokyo = await api(
      'GET',
      `/reports?${new URLSearchParams({ groupBy: 'day', from: FROM, to: TO, tz: 'Asia/Tokyo' })}`,
    );
    expect(tokyo.data.source).toBe('raw');
    const want = nonEmpty(await expected('day', 'Asia/Tokyo', {}));
    expect(
      nonEmpty(
        new Map(
          (tokyo.data.rows as Record<string, number>[]).map((r) => [r.key as unknown as string, pickMeasures(r)]),
        ),
      ),
    ).toEqual(want);
  });

  it('counts a click at 23:30 on the 25-hour day on that day, and 00:30 the next on the next (fall back)', async () => {
    const report = async () =>
      (
        await api(
          'GET',
          `/reports?${new URLSearchParams({ groupBy: 'day', from: '2026-11-01', to: '2026-11-02', linkId: genericLinkId })}`,
        )
      ).data;
    const before = await report();
    // 2026-11-01 23:30 EST = 2026-11-02 04:30 UTC; 2026-11-02 00:30 EST = 05:30 UTC. A fixed 24 h day from 00:00 EDT would put both on the 1st.
    for (const at of ['2026-11-02T04:30:00Z', '2026-11-02T05:30:00Z']) {
      now = Date.parse(at);
      await t.built.app.inject({
        url: `/${genericSlug}`,
        headers: { 'user-agent': UA },
        remoteAddress: '198.51.100.7',
      });
    }
    await t.built.tracking.flush();
    const after = await report();
    expect(after.rows[0].clicks - before.rows[0].clicks).toBe(1);
    expect(after.rows[1].clicks - before.rows[1].clicks).toBe(1);
  });

  it('keeps rollups equal to a rebuild from the raw rows', async () => {
    await refreshDirtyConversions(t.built.ctx.store);
    const snapshot = async () => {
      const db = t.built.ctx.store.db;
      const c = await db
        .selectFrom('rollup_clicks')
        .selectAll()
        .where('workspace_id', '=', wsId)
        .orderBy(['day', 'link_id'])
        .execute();
      const v = await db
        .selectFrom('rollup_conversions')
        .selectAll()
        .where('workspace_id', '=', wsId)
        .orderBy(['day', 'offer_id', 'member_id', 'link_id', 'code_id', 'status'])
        .execute();
      const pc = await db
        .selectFrom('rollup_clicks_period')
        .selectAll()
        .where('workspace_id', '=', wsId)
        .orderBy(['period', 'link_id'])
        .execute();
      const pv = await db
        .selectFrom('rollup_conversions_period')
        .selectAll()
        .where('workspace_id', '=', wsId)
        .orderBy(['period', 'offer_id', 'member_id', 'link_id', 'code_id', 'status'])
        .execute();
      const norm = (rows: Record<string, unknown>[]) =>
        rows.map((r) =>
          Object.fromEntries(
            Object.entries(r).map(([k, x]) => [k, typeof x === 'string' && /^\d+$/.test(x) ? Number(x) : x]),
          ),
        );
      const mc = await db
        .selectFrom('rollup_clicks_member_period')
        .selectAll()
        .where('workspace_id', '=', wsId)
        .orderBy(['period', 'offer_id', 'member_id'])
        .execute();
      const mv = await db
        .selectFrom('rollup_conversions_member_period')
        .selectAll()
        .where('workspace_id', '=', wsId)
        .orderBy(['period', 'offer_id', 'member_id'])
        .execute();
      const oc = await db
        .selectFrom('rollup_clicks_offer_day')
        .selectAll()
        .where('workspace_id', '=', wsId)
        .orderBy(['day', 'offer_id'])
        .execute();
      const cv = await db
        .selectFrom('rollup_conversions_code_period')
        .selectAll()
        .where('workspace_id', '=', wsId)
        .orderBy(['period', 'offer_id', 'member_id', 'code_id'])
        .execute();
      const ov = await db
        .selectFrom('rollup_conversions_offer_day')
        .selectAll()
        .where('workspace_id', '=', wsId)
        .orderBy(['day', 'offer_id', 'status'])
        .execute();
      const sc = await db
        .selectFrom('rollup_clicks_sub')
        .selectAll()
        .where('workspace_id', '=', wsId)
        .orderBy(['day', 'link_id', 'sub_id'])
        .execute();
      const sv = await db
        .selectFrom('rollup_conversions_sub')
        .selectAll()
        .where('workspace_id', '=', wsId)
        .orderBy(['day', 'offer_id', 'member_id', 'link_id', 'sub_id', 'status'])
        .execute();
      const admitted = await db
        .selectFrom('rollup_sub_ids')
        .selectAll()
        .where('workspace_id', '=', wsId)
        .orderBy(['link_id', 'sub_id'])
        .execute();
      return {
        sc: norm(sc),
        sv: norm(sv),
        admitted,
        c: norm(c),
        v: norm(v),
        pc: norm(pc),
        pv: norm(pv),
        mc: norm(mc),
        mv: norm(mv),
        oc: norm(oc),
        ov: norm(ov),
        cv: norm(cv),
      };
    };
    const maintained = await snapshot();
    expect(maintained.c.length).toBeGreaterThan(10);
    expect(maintained.v.length).toBeGreaterThan(10);
    expect(maintained.pc.some((r) => String(r.period).startsWith('M'))).toBe(true);
    expect(maintained.pv.some((r) => String(r.period).startsWith('W'))).toBe(true);
    expect(maintained.mv.length).toBeGreaterThan(0);
    expect(maintained.mv.length).toBeLessThan(maintained.pv.length);
    expect(maintained.oc.length).toBeGreaterThan(0);
    expect(maintained.oc.length).toBeLessThan(maintained.c.length);
    expect(maintained.ov.length).toBeGreaterThan(0);
    expect(maintained.ov.length).toBeLessThan(maintained.v.length);
    expect(maintained.cv.length).toBeGreaterThan(0);
    expect(maintained.cv.length).toBeLessThan(maintained.pv.length);
    expect(maintained.sc.some((r) => r.sub_id === 'ig_story')).toBe(true);
    expect(maintained.sv.some((r) => r.sub_id === 'ig_story' || r.sub_id === 'yt_desc')).toBe(true);
    const progress: string[] = [];
    await rebuildRollups(t.built.ctx.store, wsId, { onProgress: (p) => progress.push(p.phase) });
    expect(progress).toContain('clicks');
    expect(await snapshot()).toEqual(maintained);
  });

  it('exports the report as CSV and XLSX with the same numbers, formula-looking names escaped', async () => {
    const m = await api('POST', '/members', { name: '=HYPERLINK("http://evil.example")' });
    const added = await api('POST', `/offers/${offers[0]}/members`, {
      members: [{ memberId: m.data.id }],
      generateLinks: true,
    });
    now = Date.parse('2026-11-03T15:00:00Z');
    await t.built.app.inject({
      url: `/${added.data.members[0].links[0].slug}`,
      headers: { 'user-agent': UA },
      remoteAddress: '198.51.100.9',
    });
    await t.built.tracking.flush();
    const qs = new URLSearchParams({ groupBy: 'member', from: FROM, to: TO });
    const json = (await api('GET', `/reports?${qs}`)).data;
    const csv = await t.built.app.inject({
      url: `/api/v1/reports/export?${qs}&format=csv`,
      headers: { authorization: `Bearer ${key}` },
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-disposition']).toMatch(/report-member-2026-10-27-2026-11-05\.csv/);
    const records = parse(csv.body.replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
    expect(records).toHaveLength(json.rows.length + 1);
    type JsonRow = {
      label: string;
      clicks: number;
      salesMinor: number;
      conversionRate: string | null;
      redemptionRatePerReach: string | null;
    };
    for (const [i, row] of (json.rows as JsonRow[]).entries()) {
      expect(records[i]!.clicks).toBe(String(row.clicks));
      expect(Math.round(Number(records[i]!.sales) * 100)).toBe(row.salesMinor);
      // Ratios as the API writes them: 4 decimals, and 8 for redemptions per reach (never 1e-7 notation).
      expect(records[i]!.conversion_rate).toBe(row.conversionRate ?? '');
      expect(records[i]!.redemption_rate_reach).toBe(row.redemptionRatePerReach ?? '');
    }
    expect(
      records.filter((r) => /^0\.\d{8}$/.test(r.redemption_rate_reach ?? '') && Number(r.redemption_rate_reach) > 0)
        .length,
    ).toBeGreaterThan(0);
    expect(records.at(-1)!.label).toBe('Total');
    expect(Number(records.at(-1)!.clicks)).toBe(json.totals.clicks);
    expect(records.find((r) => (r.label ?? '').includes('HYPERLINK'))!.label).toBe(
      `'=HYPERLINK("http://evil.example")`,
    );
    const xlsx = await t.built.app.inject({
      url: `/api/v1/reports/export?${qs}&format=xlsx`,
      headers: { authorization: `Bearer ${key}` },
    });
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    expect(sheet.rowCount).toBe(json.rows.length + 2);
    const labels = (sheet.getColumn(1).values as unknown[]).slice(2).map(String);
    expect(labels).toContain(`'=HYPERLINK("http://evil.example")`);
    expect(sheet.getRow(1).getCell(3).value).toBe('clicks');
    expect(Number(sheet.getRow(sheet.rowCount).getCell(3).value)).toBe(json.totals.clicks);
    const bad = await t.built.app.inject({
      url: `/api/v1/reports/export?${qs}&format=pdf`,
      headers: { authorization: `Bearer ${key}` },
    });
    expect(JSON.parse(bad.body).error.code).toBe('format_unsupported');
  });

  it('counts under a code, and in a report filtered by the code, the orders that used it and no link clicks (issue #16)', async () => {
    // Gus's link has 4 clicks and one order through it; one order used his code. The code's row must not borrow the
    // link's clicks, and the link's order is "(no code)".
    const gus = await api('POST', '/members', { name: 'Gus' });
    const added = (
      await api('POST', `/offers/${offers[0]}/members`, {
        members: [{ memberId: gus.data.id }],
        generateLinks: true,
        generateCodes: true,
        codePattern: 'GUS{RAND4}',
      })
    ).data.members[0];
    const day = '2027-01-12';
    now = Date.parse(`${day}T15:00:00Z`);
    let clickId = '';
    for (let i = 0; i < 4; i++) {
      const res = await t.built.app.inject({
        url: `/${added.links[0].slug}`,
        headers: { 'user-agent': UA },
        remoteAddress: `198.51.100.${40 + i}`,
      });
      clickId = new URL(res.headers.location as string).searchParams.get('tp_click')!;
    }
    await t.built.tracking.flush();
    for (const q of [
      { order: 'O-gus-link', amount: '50.00', click: clickId },
      { order: 'O-gus-code', amount: '30.00', code: added.codes[0].code },
    ] as Record<string, string>[]) {
      const res = await t.built.app.inject({ url: `/postback?${new URLSearchParams({ secret, ...q })}` });
      expect(res.statusCode).toBeLessThan(300);
    }
    for (const source of ['rollups', 'raw']) {
      for (const filter of [{}, { memberId: gus.data.id }, { codeId: added.codes[0].id }] as Record<string, string>[]) {
        const qs = new URLSearchParams({ groupBy: 'code', from: day, to: day, source, ...filter });
        const r = (await api('GET', `/reports?${qs}`)).data;
        const code = r.rows.find((x: { key: string }) => x.key === added.codes[0].id);
        const none = r.rows.find((x: { key: string }) => x.key === '');
        const why = `${source} ${JSON.stringify(filter)}`;
        expect(code, why).toMatchObject({
          label: added.codes[0].code,
          clicks: null,
          uniqueClicks: null,
          conversionRate: null,
          epcMinor: null,
          redemptionRatePerClick: null,
          conversions: 1,
          codeRedemptions: 1,
          salesMinor: 3_000,
          commissionMinor: 300,
        });
        if ('codeId' in filter) expect(none, why).toBeUndefined();
        else expect(none, why).toMatchObject({ label: '(no code)', clicks: null, conversions: 1, salesMinor: 5_000 });
        // The totals are the report's: the link's clicks are there, once; filtered by the code there are none.
        expect(r.totals.clicks, why).toBe('codeId' in filter ? null : 4);
        expect(r.totals.conversions, why).toBe('codeId' in filter ? 1 : 2);
      }
      // The code's own report, by day or by member (its alert's "Open in Reports"): what the code did, never the
      // member's link clicks, in the rows and in the totals.
      for (const groupBy of ['day', 'member', 'offer', 'link']) {
        const qs = new URLSearchParams({ groupBy, from: day, to: day, source, codeId: added.codes[0].id });
        const r = (await api('GET', `/reports?${qs}`)).data;
        const why = `${source} by ${groupBy}`;
        const noClicks = {
          clicks: null,
          uniqueClicks: null,
          conversionRate: null,
          epcMinor: null,
          redemptionRatePerClick: null,
        };
        expect(r.totals, why).toMatchObject({ ...noClicks, conversions: 1, codeRedemptions: 1, salesMinor: 3_000 });
        expect(r.rows.length, why).toBeGreaterThan(0);
        for (const row of r.rows) expect(row, why).toMatchObject(noClicks);
        expect(
          r.rows.reduce((a: number, x: { salesMinor: number }) => a + x.salesMinor, 0),
          why,
        ).toBe(3_000);
      }
    }
  });

  it('rejects bad parameters with a code and reads nothing of another workspace', async () => {
    const bad = await t.api('GET', '/reports?from=2026-13-01', undefined, key);
    expect(bad.statusCode).toBe(400);
    expect(bad.data.error.code).toBe('validation_failed');
    const zone = await t.api('GET', '/reports?tz=Mars/Olympus', undefined, key);
    expect(zone.data.error.details[0].code).toBe('timezone_invalid');
    const backwards = await t.api('GET', `/reports?from=${TO}&to=${FROM}`, undefined, key);
    expect(backwards.data.error.details[0].code).toBe('range_invalid');
    const other = await t.newWorkspace('Other');
    const theirs = withData(
      await t.built.app.inject({
        url: `/api/v1/reports?groupBy=offer&from=${FROM}&to=${TO}`,
        headers: { authorization: `Bearer ${other.apiKey}` },
      }),
    );
    expect(theirs.data.rows).toEqual([]);
    expect(theirs.data.totals.clicks).toBe(0);
    const foreignCode = await t.api('GET', `/reports?codeId=${creators[0]!.codeId}`, undefined, other.apiKey);
    expect(foreignCode.statusCode).toBe(404);
  });
});
