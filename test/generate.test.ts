// touchpoint generate (issue #5): a small synthetic data set on each database, checked for its counts, its shape
// (power law, weekly seasonality), its consistency with what the app would have written (click ids, uniques,
// decisions and commissions from the real rules), its leaked code, its rollups, and its determinism.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../src/app/context.js';
import { generateDataset, type GenerateOptions, type GenerateSummary } from '../src/generate/index.js';
import { parseClickId } from '../src/core/click-id.js';
import { commissionFor, type Payout } from '../src/core/commission.js';
import { detectLeaks, type CodeActivity } from '../src/core/leak-detection.js';
import { dayKey } from '../src/core/time-buckets.js';
import { loadConfig } from '../src/config.js';
import type { DialectKind, Store } from '../src/db/dialect/index.js';
import { buildApp } from '../src/http/app.js';
import { createPgDatabase, DIALECTS, freshStore, tempDir, type TestStore } from './helpers/stores.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SLOW = { timeout: 240_000 };
const DAY = 86_400_000;
const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * Ids are minted in time order within a process (core/ids.ts is monotonic), so each dialect's first data set ends
 * well before the next one starts: the PostgreSQL run's ids then carry their own times too.
 */
const NOW: Record<DialectKind, number> = {
  sqlite: Date.UTC(2031, 2, 12, 14, 30),
  postgres: Date.UTC(2031, 8, 10, 9, 15),
};

type Options = Required<Pick<GenerateOptions, 'clicks' | 'conversions' | 'members' | 'days' | 'seed' | 'now'>>;

function options(kind: DialectKind, over: Partial<Options> = {}): Options {
  return { clicks: 12_000, conversions: 900, members: 120, days: 70, seed: 7, now: NOW[kind], ...over };
}

function context(store: Store, now: number): AppContext {
  return { store, clock: () => now, baseUrl: 'http://tp.test', trackingChanged: async () => {} };
}

async function generate(store: Store, o: GenerateOptions): Promise<GenerateSummary> {
  const r = await generateDataset(context(store, o.now!), o);
  if (!r.ok) throw new Error(r.problem.message);
  return r.value;
}

function idTime(id: string): number {
  return [...id.split('_')[1]!.slice(0, 10)].reduce((t, c) => t * 32 + CROCKFORD.indexOf(c), 0);
}

/** Everything a seed decides, keyed by names and times rather than ids (ids and slugs are fresh every run). */
async function fingerprint(store: Store, workspaceId: string): Promise<string[]> {
  const { db } = store;
  const clicks = await db
    .selectFrom('clicks as k')
    .innerJoin('offers as o', 'o.id', 'k.offer_id')
    .leftJoin('members as m', 'm.id', 'k.member_id')
    .select([
      'o.name as offer',
      'm.name as member',
      'k.created_at',
      'k.tracked',
      'k.is_bot',
      'k.is_unique',
      'k.referrer_host',
      'k.country',
      'k.device',
      'k.sub1',
      'k.user_agent',
    ])
    .where('k.workspace_id', '=', workspaceId)
    .execute();
  const conversions = await db
    .selectFrom('conversions as c')
    .leftJoin('clicks as k', 'k.id', 'c.click_id')
    .select([
      'c.order_id',
      'c.occurred_at',
      'c.created_at',
      'c.status',
      'c.code',
      'c.amount_minor',
      'c.refunded_minor',
      'c.cancelled_at',
      'c.decision',
      'k.created_at as clicked_at',
    ])
    .where('c.workspace_id', '=', workspaceId)
    .execute();
  const commissions = await db
    .selectFrom('commissions as m')
    .innerJoin('conversions as c', 'c.id', 'm.conversion_id')
    .innerJoin('members as p', 'p.id', 'm.member_id')
    .select([
      'c.order_id',
      'p.name',
      'm.amount_minor',
      'm.status',
      'm.source',
      'm.share_bps',
      'm.approved_at',
      'm.paid_at',
      'm.reversed_at',
    ])
    .where('m.workspace_id', '=', workspaceId)
    .execute();
  const members = await db
    .selectFrom('members')
    .select(['name', 'email', 'reach', 'instagram', 'tiktok'])
    .where('workspace_id', '=', workspaceId)
    .execute();
  const codes = await db.selectFrom('promo_codes').select('code').where('workspace_id', '=', workspaceId).execute();
  const decisionShape = (d: string) => {
    const { reasons, commissions: paid } = JSON.parse(d) as {
      reasons: string[];
      commissions: { amountMinor: number }[];
    };
    return `${reasons.join(',')}:${paid.map((c) => c.amountMinor).join(',')}`;
  };
  return [
    ...clicks.map((r) => `click ${Object.values(r).join('|')}`),
    ...conversions.map((r) => `order ${Object.values({ ...r, decision: decisionShape(r.decision) }).join('|')}`),
    ...commissions.map((r) => `commission ${Object.values(r).join('|')}`),
    ...members.map((r) => `member ${Object.values(r).join('|')}`),
    ...codes.map((r) => `code ${r.code}`),
  ].sort();
}

describe.each(DIALECTS)('touchpoint generate on %s', (kind) => {
  let t: TestStore;
  let summary: GenerateSummary;
  const o = options(kind);
  const ws = () => summary.workspaceId;

  beforeAll(async () => {
    t = await freshStore(kind);
    summary = await generate(t.store, o);
  }, 240_000);
  afterAll(() => t?.cleanup());

  it('writes exactly the clicks, conversions and members asked for, and says so', async () => {
    const { db } = t.store;
    const count = async (table: 'clicks' | 'conversions' | 'members' | 'commissions' | 'conversion_events') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('workspace_id', '=', ws())
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count('clicks')).toBe(o.clicks);
    expect(await count('conversions')).toBe(o.conversions);
    expect(await count('members')).toBe(o.members);
    expect(summary.counts).toMatchObject({
      clicks: o.clicks,
      conversions: o.conversions,
      members: o.members,
      offers: 4,
    });
    expect(await count('commissions')).toBe(Object.values(summary.counts.commissions).reduce((a, b) => a + b, 0));
    // One 'created' event per order, plus one per refund or cancellation.
    const events = await db
      .selectFrom('conversion_events')
      .select(['outcome', (eb) => eb.fn.countAll<number>().as('n')])
      .where('workspace_id', '=', ws())
      .groupBy('outcome')
      .execute();
    const byOutcome = Object.fromEntries(events.map((e) => [e.outcome, Number(e.n)]));
    expect(byOutcome.created).toBe(o.conversions);
    expect(byOutcome.refunded).toBe(summary.counts.refunded);
    expect(byOutcome.cancelled).toBe(summary.counts.cancelled);
    // A realistic mix: bots near 3 %, some untracked clicks (the ended offer), every commission status present.
    expect(summary.counts.botClicks / o.clicks).toBeGreaterThan(0.02);
    expect(summary.counts.botClicks / o.clicks).toBeLessThan(0.04);
    expect(summary.counts.untrackedClicks).toBeGreaterThan(0);
    for (const status of ['pending', 'approved', 'paid', 'reversed'] as const)
      expect(summary.counts.commissions[status]).toBeGreaterThan(0);
    expect(summary.counts.unattributed).toBeGreaterThan(0);
    expect(summary.counts.payoutBatches).toBeGreaterThan(0);
    // The API key printed in the summary opens the workspace.
    const config = loadConfig({ BASE_URL: 'http://tp.test', DATA_DIR: t.dataDir });
    const built = await buildApp(config, { store: t.store, logger: false });
    try {
      const res = await built.app.inject({
        method: 'GET',
        url: '/api/v1/offers?limit=50',
        headers: { authorization: `Bearer ${summary.apiKey}` },
      });
      expect(res.statusCode).toBe(200);
      expect(
        JSON.parse(res.body)
          .data.map((x: { name: string }) => x.name)
          .sort(),
      ).toEqual(['Best-seller bundle', 'Flash sale', 'Newsletter sign-ups', 'Spring collection']);
    } finally {
      await built.close();
    }
  });

  it('a few members drive most of the traffic: the top 10 % of members get the majority of clicks', async () => {
    const rows = await t.store.db
      .selectFrom('members as m')
      .leftJoin('clicks as k', 'k.member_id', 'm.id')
      .select(['m.id', (eb) => eb.fn.count<number>('k.id').as('n')])
      .where('m.workspace_id', '=', ws())
      .groupBy('m.id')
      .execute();
    const counts = rows.map((r) => Number(r.n)).sort((a, b) => b - a);
    expect(counts).toHaveLength(o.members);
    const top = counts.slice(0, Math.ceil(o.members / 10)).reduce((a, b) => a + b, 0);
    const all = counts.reduce((a, b) => a + b, 0);
    expect(top / all).toBeGreaterThan(0.5);
    // …and a long tail: some members had no clicks at all.
    expect(counts.at(-1)).toBe(0);
  });

  it('weekly seasonality: a weekend day gets clearly fewer clicks than a weekday, and nights fewer than evenings', async () => {
    const times = await t.store.db.selectFrom('clicks').select('created_at').where('workspace_id', '=', ws()).execute();
    const perWeekday = new Array<number>(7).fill(0);
    const perHour = new Array<number>(24).fill(0);
    for (const { created_at } of times) {
      perWeekday[new Date(created_at).getUTCDay()]!++;
      perHour[new Date(created_at).getUTCHours()]!++;
    }
    const weekend = (perWeekday[0]! + perWeekday[6]!) / 2;
    const weekday = perWeekday.slice(1, 6).reduce((a, b) => a + b, 0) / 5;
    expect(weekend / weekday).toBeLessThan(0.85);
    expect(perHour[4]! * 3).toBeLessThan(perHour[20]!);
  });

  it('clicks are what the redirect writes: click ids at their times, one unique per visitor and link per 24 h, bots flagged', async () => {
    const rows = await t.store.db
      .selectFrom('clicks')
      .selectAll()
      .where('workspace_id', '=', ws())
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const tag = (
      await t.store.db.selectFrom('workspaces').select('click_tag').where('id', '=', ws()).executeTakeFirstOrThrow()
    ).click_tag;
    const lastUnique = new Map<string, number>();
    let mismatches = 0;
    for (const c of rows) {
      expect(parseClickId(c.id)).toEqual({ workspaceTag: tag, createdAt: c.created_at });
      const key = `${c.link_id}|${c.ip_hash}|${c.user_agent}`;
      const last = lastUnique.get(key);
      const expected = c.tracked === 1 && c.is_bot === 0 && (last === undefined || c.created_at - last >= DAY);
      if (expected) lastUnique.set(key, c.created_at);
      if ((c.is_unique === 1) !== expected) mismatches++;
      if (c.is_bot === 1) expect(c.bot_reason).toBeTruthy();
      expect(c.created_at).toBeGreaterThanOrEqual(o.now! - o.days * DAY);
      expect(c.created_at).toBeLessThanOrEqual(o.now!);
    }
    expect(mismatches).toBe(0);
    expect(rows.filter((c) => c.is_unique === 1).length).toBe(summary.counts.uniqueClicks);
    expect(rows.filter((c) => c.tracked === 0).length).toBe(summary.counts.untrackedClicks);
    expect(rows.some((c) => c.sub1 === 'ig_story' || c.sub1 === 'yt_desc' || c.sub1 === 'tt_bio')).toBe(true);
    // Time-ordered ids whose time is their row's creation time, for every kind the generator mints.
    for (const table of ['conversions', 'commissions', 'commission_adjustments', 'payout_batches'] as const) {
      const ids = await t.store.db
        .selectFrom(table)
        .select(['id', 'created_at'])
        .where('workspace_id', '=', ws())
        .execute();
      expect(ids.length).toBeGreaterThan(0);
      expect(ids.filter((r) => idTime(r.id) !== r.created_at)).toEqual([]);
    }
  });

  it('every decision parses, and every commission is what commissionFor gives for its payout, share and place in the month', async () => {
    const { db } = t.store;
    const conversions = await db.selectFrom('conversions').selectAll().where('workspace_id', '=', ws()).execute();
    const commissions = await db
      .selectFrom('commissions')
      .selectAll()
      .where('workspace_id', '=', ws())
      .orderBy('id')
      .execute();
    const payouts = new Map(
      (await db.selectFrom('payout_options').selectAll().where('workspace_id', '=', ws()).execute()).map((p) => [
        p.id,
        { type: p.type, value: p.value, tiers: JSON.parse(p.tiers) } as Payout,
      ]),
    );
    const byConversion = new Map(conversions.map((c) => [c.id, c]));
    const sources = new Set<string>();
    for (const c of conversions) {
      const d = JSON.parse(c.decision);
      expect(d.outcome === 'credited' ? 'credited' : 'unattributed').toBe(c.status);
      expect(d).toHaveProperty('notes');
      expect(d).toHaveProperty('linkId');
      expect(d).toHaveProperty('codeId');
      if (d.outcome === 'credited') {
        expect(d.credits.reduce((n: number, x: { shareBps: number }) => n + x.shareBps, 0)).toBe(10_000);
        d.credits.forEach((x: { source: string }) => sources.add(x.source));
      }
      if (c.click_id) expect(d.linkId).toMatch(/^lnk_/);
    }
    // Links alone, codes alone, both for one member, and split credit between two members all occur.
    expect([...sources].sort()).toEqual(['click', 'click+code', 'code']);
    expect(conversions.some((c) => JSON.parse(c.decision).reasons.includes('rule_split'))).toBe(true);

    const seen = new Map<string, typeof commissions>();
    for (const m of commissions) {
      const conversion = byConversion.get(m.conversion_id)!;
      const key = `${m.offer_id}|${m.member_id}|${m.month_key}`;
      // Volume tiers count the member's earlier commissions in the month that were not reversed at that moment.
      const earlier = (seen.get(key) ?? []).filter(
        (e) => e.reversed_at === null || e.reversed_at > m.created_at,
      ).length;
      seen.set(key, [...(seen.get(key) ?? []), m]);
      const expected = commissionFor({
        payout: payouts.get(m.payout_option_id)!,
        saleMinor: conversion.amount_minor ?? 0,
        shareBps: m.share_bps,
        conversionNumberInMonth: earlier + 1,
      });
      const stored = JSON.parse(conversion.decision).commissions.find(
        (x: { memberId: string }) => x.memberId === m.member_id,
      );
      expect(stored.amountMinor).toBe(expected.amountMinor);
      expect(m.rate_applied).toBe(expected.rateApplied);
      expect(m.tier_from).toBe(expected.tierFromConversion);
      if (conversion.refunded_minor === 0) expect(m.amount_minor).toBe(expected.amountMinor);
      else expect(m.amount_minor).toBeLessThanOrEqual(expected.amountMinor);
      if (m.status === 'reversed') expect(m.amount_minor).toBe(0);
      // Statuses follow the hold period: approved (or paid) only after it, pending only while it lasts.
      if (m.status === 'pending') expect(m.approve_after).toBeGreaterThan(o.now! - 60_000);
      if (m.approved_at !== null) expect(m.approved_at).toBeGreaterThanOrEqual(m.approve_after);
      if (m.status === 'paid') expect(m.paid_at).toBeGreaterThan(m.approved_at!);
    }
    // Paid commissions sum to their batches' totals.
    const batches = await db.selectFrom('payout_batches').selectAll().where('workspace_id', '=', ws()).execute();
    for (const b of batches) {
      const paid = commissions.filter((m) => m.payout_batch_id === b.id);
      expect(paid.length).toBe(b.commissions);
      expect(paid.reduce((n, m) => n + m.amount_minor, 0)).toBe(b.total_minor);
    }
  });

  it('the leaked code stands out: detectLeaks, fed the generated daily series, raises spike and no-click alerts for it alone', async () => {
    const { db } = t.store;
    const leaked = summary.leakedCode!;
    expect(leaked).not.toBeNull();
    const tz = (await db.selectFrom('workspaces').select('timezone').where('id', '=', ws()).executeTakeFirstOrThrow())
      .timezone;
    const codes = await db
      .selectFrom('promo_codes')
      .select(['id', 'code_normalized', 'member_id'])
      .where('workspace_id', '=', ws())
      .execute();
    const orders = await db
      .selectFrom('conversions as c')
      .leftJoin('clicks as k', 'k.id', 'c.click_id')
      .select(['c.code', 'c.occurred_at', 'k.member_id as click_member', 'k.referrer_host'])
      .where('c.workspace_id', '=', ws())
      .where('c.code', 'is not', null)
      .execute();
    const activity: CodeActivity[] = codes.map((code) => {
      const mine = orders.filter((r) => r.code === code.code_normalized);
      const recent = mine.filter((r) => r.occurred_at > o.now! - DAY && r.occurred_at <= o.now!);
      const days = new Map<string, number>();
      for (const r of mine) days.set(dayKey(r.occurred_at, tz), (days.get(dayKey(r.occurred_at, tz)) ?? 0) + 1);
      const referrers = new Map<string, number>();
      for (const r of recent)
        if (r.referrer_host) referrers.set(r.referrer_host, (referrers.get(r.referrer_host) ?? 0) + 1);
      return {
        codeId: code.id,
        memberId: code.member_id,
        dailyRedemptions: [...days].map(([day, count]) => ({ day, count })),
        last24h: recent.length,
        ordersLast24h: recent.length,
        ordersWithMemberClick: recent.filter((r) => r.click_member !== null && r.click_member === code.member_id)
          .length,
        referrers: [...referrers].map(([host, count]) => ({ host, count })),
      };
    });
    const alerts = detectLeaks({ now: o.now!, tz, codes: activity });
    expect(alerts.map((a) => `${a.codeId}:${a.rule}`).sort()).toEqual([
      `${leaked.codeId}:no_click`,
      `${leaked.codeId}:spike`,
    ]);
    const spike = alerts.find((a) => a.rule === 'spike')!;
    expect(spike.evidence.last24h).toBe(leaked.ordersLast24h);
    expect(spike.evidence.last24h).toBeGreaterThan(5 * spike.evidence.baselineMedian);
    expect(spike.evidence.topReferrers?.[0]?.host).toMatch(/retailmenot|couponfollow|honey/);
    expect(codes.find((c) => c.id === leaked.codeId)!.member_id).toBe(leaked.memberId);
  });

  it('rebuilds the report rollups from the raw rows and leaves no dirty marks behind', async () => {
    const { db } = t.store;
    const w = await db
      .selectFrom('workspaces')
      .select(['timezone', 'rollup_timezone'])
      .where('id', '=', ws())
      .executeTakeFirstOrThrow();
    expect(w.rollup_timezone).toBe(w.timezone);
    const dirty = await db
      .selectFrom('rollup_dirty')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', ws())
      .executeTakeFirstOrThrow();
    expect(Number(dirty.n)).toBe(0);
    const rolled = await db
      .selectFrom('rollup_clicks')
      .select((eb) => [eb.fn.sum<number>('clicks').as('clicks'), eb.fn.sum<number>('unique_clicks').as('uniques')])
      .where('workspace_id', '=', ws())
      .executeTakeFirstOrThrow();
    const counted = await db
      .selectFrom('clicks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', ws())
      .where('tracked', '=', 1)
      .where('is_bot', '=', 0)
      .executeTakeFirstOrThrow();
    expect(Number(rolled.clicks)).toBe(Number(counted.n));
    expect(Number(rolled.uniques)).toBe(summary.counts.uniqueClicks);
    const orders = await db
      .selectFrom('rollup_conversions')
      .select((eb) => eb.fn.sum<number>('orders').as('n'))
      .where('workspace_id', '=', ws())
      .executeTakeFirstOrThrow();
    expect(Number(orders.n)).toBe(o.conversions);
  });

  it('the same seed gives the same data set; another seed another one', SLOW, async () => {
    const again = await freshStore(kind);
    const other = await freshStore(kind);
    try {
      const a = await generate(again.store, o);
      const b = await generate(other.store, { ...o, seed: 8 });
      const mine = await fingerprint(t.store, ws());
      expect(await fingerprint(again.store, a.workspaceId)).toEqual(mine);
      const different = await fingerprint(other.store, b.workspaceId);
      expect(different).not.toEqual(mine);
      expect(different.filter((line) => line.startsWith('click ')).length).toBe(o.clicks);
    } finally {
      await again.cleanup();
      await other.cleanup();
    }
  });

  it('rejects bad options and an unknown workspace without writing anything', async () => {
    const before = await fingerprint(t.store, ws());
    const bad = await generateDataset(context(t.store, o.now!), { ...o, clicks: -1, days: 0 });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problem.details?.map((d) => d.path).sort()).toEqual(['clicks', 'days']);
    const unknown = await generateDataset(context(t.store, o.now!), {
      ...o,
      workspaceId: 'ws_00000000000000000000000000',
    });
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.problem.code).toBe('not_found');
    expect(await fingerprint(t.store, ws())).toEqual(before);
  });

  it(
    'the CLI generates into the configured store with a plain progress log on a non-terminal stderr and a JSON summary',
    SLOW,
    async () => {
      const dataDir = tempDir('tp-gen-');
      const pg = kind === 'postgres' ? await createPgDatabase() : null;
      try {
        const env = {
          ...(process.env as Record<string, string>),
          DATA_DIR: dataDir,
          BASE_URL: 'http://gen.test',
          LOG_LEVEL: 'silent',
          DATABASE_URL: pg?.url ?? '',
        };
        const run = (...args: string[]) =>
          new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
            execFile(
              process.execPath,
              ['--import', 'tsx', 'src/cli/main.ts', ...args],
              { cwd: ROOT, env, timeout: 200_000 },
              (err, stdout, stderr) =>
                resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
            );
          });
        const res = await run(
          'generate',
          '--clicks',
          '3k',
          '--conversions',
          '300',
          '--members',
          '40',
          '--days',
          '35',
          '--seed',
          '3',
        );
        expect(res.stderr.split('\n').filter((l) => !/^(setup|clicks|orders|rollups)/.test(l))).toEqual(['']);
        expect(res.code).toBe(0);
        const out = JSON.parse(res.stdout);
        expect(out).toMatchObject({
          workspaceId: expect.stringMatching(/^ws_/),
          apiKey: expect.stringMatching(/^tpk_/),
          seed: 3,
          counts: { clicks: 3000, conversions: 300, members: 40 },
        });
        expect(out.elapsedMs).toEqual(expect.any(Number));
        // Not a terminal: plain lines, no carriage returns or escape codes; each phase ends with a final line.
        expect(res.stderr).not.toMatch(/\r|\x1b/);
        expect(res.stderr).toMatch(/^clicks 3,000\/3,000 {2}100\.0% .* in \d+s$/m);
        expect(res.stderr).toMatch(/^orders 300\/300 {2}100\.0% /m);
        expect(res.stderr).toMatch(/^rollups \(conversions\) /m);

        const into = await run(
          'generate',
          '--clicks',
          '1000',
          '--conversions',
          '50',
          '--members',
          '10',
          '--days',
          '10',
          '--workspace',
          out.workspaceId,
        );
        expect(into.code).toBe(0);
        const second = JSON.parse(into.stdout);
        expect(second.workspaceId).toBe(out.workspaceId);
        expect(second.apiKey).not.toBe(out.apiKey);

        const bad = await run('generate', '--clicks', 'lots');
        expect(bad.code).not.toBe(0);
        expect(bad.stderr).toMatch(/"lots" is not a whole number/);
      } finally {
        await pg?.drop();
      }
    },
  );
});
