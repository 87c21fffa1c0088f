import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BASELINE_DAYS, detectLeaks, median, type CodeActivity, type LeakInput } from './leak-detection.js';
import { addDays } from './time-buckets.js';

// 2024-06-15 14:00 in Berlin: the last 24 h start on 06-14, so the baseline is 2024-05-17..2024-06-13.
const now = Date.parse('2024-06-15T12:00:00Z');
const tz = 'Europe/Berlin';
const baselineFrom = '2024-05-17';
const baselineTo = '2024-06-13';

/** counts[i] redemptions on baselineFrom + i; the series goes on to today (index 29). */
const daily = (counts: number[]) => counts.map((count, i) => ({ day: addDays(baselineFrom, i), count }));
const quiet: CodeActivity = {
  codeId: 'code_a',
  memberId: 'mem_1',
  dailyRedemptions: [],
  last24h: 0,
  ordersLast24h: 0,
  ordersWithMemberClick: 0,
};
const run = (codes: CodeActivity[], over: Partial<LeakInput> = {}) => detectLeaks({ now, tz, codes, ...over });
const rules = (codes: CodeActivity[], over: Partial<LeakInput> = {}) =>
  run(codes, over).map((a) => `${a.codeId}:${a.rule}`);

describe('spike rule', () => {
  it('flags a seeded leak (2–3 a day jumping to 60) with its evidence', () => {
    const baseline = Array.from({ length: 28 }, (_, i) => 2 + (i % 2));
    const code: CodeActivity = {
      ...quiet,
      dailyRedemptions: daily([...baseline, 22, 41]),
      last24h: 60,
      ordersLast24h: 60,
      ordersWithMemberClick: 3,
      referrers: [
        { host: 'couponfollow.example', count: 30 },
        { host: 'instagram.com', count: 3 },
        { host: 'CouponFollow.example', count: 12 },
        { host: 'a.example', count: 3 },
      ],
    };
    const [spike, noClick, ...rest] = run([code]);
    expect(rest).toEqual([]);
    expect(spike).toMatchObject({ codeId: 'code_a', rule: 'spike' });
    expect(noClick).toMatchObject({ codeId: 'code_a', rule: 'no_click' });
    const e = spike!.evidence;
    expect(e).toMatchObject({
      baselineFrom,
      baselineTo,
      baselineMedian: 2.5,
      last24h: 60,
      floor: 20,
      k: 5,
      ordersLast24h: 60,
      noClickShare: 0.95,
      topReferrers: [
        { host: 'couponfollow.example', count: 42 },
        { host: 'a.example', count: 3 },
        { host: 'instagram.com', count: 3 },
      ],
    });
    expect(e.series).toHaveLength(30);
    expect(e.series[0]).toEqual({ day: baselineFrom, count: 2 });
    expect(e.series.slice(-3)).toEqual([
      { day: baselineTo, count: 3 },
      { day: '2024-06-14', count: 22 },
      { day: '2024-06-15', count: 41 },
    ]);
    // The two alerts do not share objects: storing or trimming one leaves the other intact.
    expect(noClick!.evidence).toEqual(e);
    expect(noClick!.evidence.series).not.toBe(e.series);
  });

  it('does not flag steady growth of 10 % a day, well above the floor', () => {
    const counts = Array.from({ length: 30 }, (_, i) => Math.round(10 * 1.1 ** i));
    expect(rules([{ ...quiet, dailyRedemptions: daily(counts), last24h: Math.round(10 * 1.1 ** 29) }])).toEqual([]);
  });

  it('does not flag a one-off bump below the floor, even at 15× the median', () => {
    expect(rules([{ ...quiet, dailyRedemptions: daily(Array(28).fill(1)), last24h: 15 }])).toEqual([]);
    expect(rules([{ ...quiet, dailyRedemptions: daily(Array(28).fill(1)), last24h: 20 }])).toEqual([]); // must exceed
    expect(rules([{ ...quiet, dailyRedemptions: daily(Array(28).fill(1)), last24h: 21 }])).toEqual(['code_a:spike']);
  });

  it('does not flag a bump above the floor but within k× the median', () => {
    const code = { ...quiet, dailyRedemptions: daily(Array(28).fill(10)) };
    expect(rules([{ ...code, last24h: 45 }])).toEqual([]);
    expect(rules([{ ...code, last24h: 50 }])).toEqual([]);
    expect(rules([{ ...code, last24h: 51 }])).toEqual(['code_a:spike']);
    expect(rules([{ ...code, last24h: 45 }], { k: 4 })).toEqual(['code_a:spike']);
    expect(rules([{ ...code, last24h: 51 }], { floor: 60 })).toEqual([]);
  });

  it('counts missing days as 0, so a code used on few days is judged by the floor alone', () => {
    const sparse = {
      ...quiet,
      dailyRedemptions: [
        { day: '2024-05-20', count: 9 },
        { day: '2024-06-01', count: 9 },
      ],
    };
    expect(run([{ ...sparse, last24h: 21 }])[0]!.evidence.baselineMedian).toBe(0);
    expect(rules([{ ...sparse, last24h: 21 }])).toEqual(['code_a:spike']);
  });

  it('keeps the last 24 h and old days out of the baseline: a spike cannot raise its own bar', () => {
    const counts = [...Array(28).fill(2), 400, 400];
    const withOldDays = [{ day: '2024-05-01', count: 500 }, { day: '2024-05-16', count: 500 }, ...daily(counts)];
    const [alert] = run([{ ...quiet, dailyRedemptions: withOldDays, last24h: 600 }]);
    expect(alert!.evidence.baselineMedian).toBe(2);
    expect(alert!.evidence.series.map((d) => d.day)).not.toContain('2024-05-16');
    // One past bump inside the baseline does not move the median either.
    expect(rules([{ ...quiet, dailyRedemptions: daily([300, ...Array(27).fill(10)]), last24h: 45 }])).toEqual([]);
  });

  it('places the baseline in the asked zone', () => {
    const early = Date.parse('2024-06-15T02:00:00Z'); // 06-14 22:00 in New York
    const evidence = (zone: string) =>
      detectLeaks({ now: early, tz: zone, codes: [{ ...quiet, last24h: 30 }] })[0]!.evidence;
    expect(evidence('America/New_York')).toMatchObject({ baselineTo: '2024-06-12', baselineFrom: '2024-05-16' });
    expect(evidence('America/New_York').series.at(-1)!.day).toBe('2024-06-14');
    expect(evidence('UTC')).toMatchObject({ baselineTo: '2024-06-13', baselineFrom: '2024-05-17' });
  });
});

describe('no-click rule', () => {
  const personal = {
    ...quiet,
    codeId: 'code_p',
    memberId: 'mem_7',
    dailyRedemptions: daily(Array(28).fill(12)),
    last24h: 12,
  };

  it('fires when most orders of a personalized code arrive without the member’s click', () => {
    const [alert] = run([{ ...personal, ordersLast24h: 12, ordersWithMemberClick: 2 }]);
    expect(alert).toMatchObject({
      codeId: 'code_p',
      rule: 'no_click',
      evidence: { noClickShare: 0.8333, ordersLast24h: 12 },
    });
    expect(rules([{ ...personal, ordersLast24h: 10, ordersWithMemberClick: 2 }])).toEqual(['code_p:no_click']); // 0.8 exactly
  });

  it('does not fire below the share or below the minimum number of orders', () => {
    expect(rules([{ ...personal, ordersLast24h: 12, ordersWithMemberClick: 3 }])).toEqual([]);
    expect(rules([{ ...personal, ordersLast24h: 9, ordersWithMemberClick: 0 }])).toEqual([]);
    expect(rules([{ ...personal, ordersLast24h: 9, ordersWithMemberClick: 0 }], { minOrdersForClickRule: 5 })).toEqual([
      'code_p:no_click',
    ]);
  });

  it('never fires for a generic code, which has no member to click', () => {
    const alerts = run([{ ...personal, memberId: null, ordersLast24h: 50, ordersWithMemberClick: 0 }]);
    expect(alerts).toEqual([]);
    const spike = run([{ ...personal, memberId: null, last24h: 100, ordersLast24h: 100, ordersWithMemberClick: 0 }]);
    expect(spike.map((a) => a.rule)).toEqual(['spike']);
    expect(spike[0]!.evidence).not.toHaveProperty('noClickShare');
  });
});

describe('output and input checks', () => {
  it('orders alerts by code, spike before no_click, whatever the input order', () => {
    const codes: CodeActivity[] = [
      { ...quiet, codeId: 'c', last24h: 30 },
      { ...quiet, codeId: 'a', last24h: 30, ordersLast24h: 30, ordersWithMemberClick: 0 },
      { ...quiet, codeId: 'B', last24h: 5 },
      { ...quiet, codeId: 'b', memberId: null, last24h: 25 },
    ];
    const expected = ['a:spike', 'a:no_click', 'b:spike', 'c:spike'];
    expect(rules(codes)).toEqual(expected);
    expect(rules([...codes].reverse())).toEqual(expected);
    expect(run(codes)).toEqual(run([codes[2]!, codes[0]!, codes[3]!, codes[1]!]));
  });

  it.each<[string, Partial<CodeActivity>[] | Partial<LeakInput>]>([
    ['a code listed twice', [{}, {}]],
    [
      'a day listed twice',
      [
        {
          dailyRedemptions: [
            { day: '2024-06-01', count: 1 },
            { day: '2024-06-01', count: 2 },
          ],
        },
      ],
    ],
    ['a malformed day', [{ dailyRedemptions: [{ day: '2024-6-1', count: 1 }] }]],
    ['a negative count', [{ dailyRedemptions: [{ day: '2024-06-01', count: -1 }] }]],
    ['more clicked orders than orders', [{ ordersLast24h: 2, ordersWithMemberClick: 3 }]],
    ['k of 0', { k: 0 }],
    ['a share above 1', { noClickShare: 1.5 }],
    ['a fractional minimum', { minOrdersForClickRule: 2.5 }],
    ['an unknown zone', { tz: 'Nowhere/Else' }],
  ])('refuses %s', (_, bad) => {
    const input = Array.isArray(bad) ? { codes: bad.map((c) => ({ ...quiet, ...c })) } : { codes: [quiet], ...bad };
    expect(() => detectLeaks({ now, tz, ...input })).toThrow(RangeError);
  });

  it('takes medians of odd, even and empty lists', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBe(0);
  });
});

describe('properties', () => {
  it('never flags steady growth up to 10 %/day, from any level, with any noise-free history', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5_000 }), fc.double({ min: 0, max: 0.1, noNaN: true }), (start, rate) => {
        const counts = Array.from({ length: BASELINE_DAYS + 2 }, (_, i) => Math.round(start * (1 + rate) ** i));
        return run([{ ...quiet, dailyRedemptions: daily(counts), last24h: counts.at(-1)! }]).length === 0;
      }),
      { numRuns: 500 },
    );
  });

  it('always flags a jump past both the floor and k× any baseline of 0–5 a day', () => {
    const baseline = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 28, maxLength: 28 });
    fc.assert(
      fc.property(baseline, fc.integer({ min: 26, max: 10_000 }), (counts, jump) => {
        return rules([{ ...quiet, dailyRedemptions: daily(counts), last24h: jump }]).includes('code_a:spike');
      }),
      { numRuns: 300 },
    );
  });
});
