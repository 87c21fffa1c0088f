import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ratio,
  REPORT_COLUMNS,
  reportCells,
  reportMetrics,
  reportRow,
  sumAggregates,
  type ReportAggregate,
} from './report-metrics.js';

const zero: ReportAggregate = {
  clicks: 0,
  uniqueClicks: 0,
  conversions: 0,
  unattributed: 0,
  salesMinor: 0,
  refundsMinor: 0,
  commissionMinor: 0,
  codedRevenueMinor: 0,
  linkRevenueMinor: 0,
  codeRedemptions: 0,
  reach: null,
};
const agg = (over: Partial<ReportAggregate>): ReportAggregate => ({ ...zero, ...over });

describe('reportMetrics', () => {
  it('derives every metric of a typical group', () => {
    expect(
      reportMetrics(
        agg({
          clicks: 1_000,
          uniqueClicks: 800,
          conversions: 25,
          unattributed: 2,
          salesMinor: 124_750,
          refundsMinor: 4_990,
          commissionMinor: 12_475,
          codedRevenueMinor: 74_850,
          linkRevenueMinor: 49_900,
          codeRedemptions: 15,
          reach: 40_000,
        }),
      ),
    ).toEqual({
      netSalesMinor: 119_760,
      aovMinor: 4_990,
      epcMinor: 12,
      conversionRate: '0.0250',
      redemptionRatePerClick: '0.0150',
      redemptionRatePerReach: '0.00037500',
      codedRevenueShare: '0.6000',
    });
  });

  it('gives null, not 0 or NaN, for every zero denominator', () => {
    expect(reportMetrics(zero)).toEqual({
      netSalesMinor: 0,
      aovMinor: null,
      epcMinor: null,
      conversionRate: null,
      redemptionRatePerClick: null,
      redemptionRatePerReach: null,
      codedRevenueShare: null,
    });
    // Coded orders need no click: conversions and redemptions without clicks still have sales and AOV.
    const coded = reportMetrics(
      agg({ conversions: 3, salesMinor: 1_000, codeRedemptions: 3, codedRevenueMinor: 1_000, reach: 0 }),
    );
    expect(coded).toMatchObject({
      aovMinor: 333,
      conversionRate: null,
      redemptionRatePerClick: null,
      redemptionRatePerReach: null,
    });
    expect(coded.codedRevenueShare).toBe('1.0000');
  });

  it('rounds money half-up to the minor unit, and a negative EPC (clawbacks) half away from zero', () => {
    expect(reportMetrics(agg({ conversions: 2, salesMinor: 1_001 })).aovMinor).toBe(501);
    expect(reportMetrics(agg({ conversions: 3, salesMinor: 1_001 })).aovMinor).toBe(334);
    expect(reportMetrics(agg({ conversions: 4, salesMinor: 1_001 })).aovMinor).toBe(250);
    expect(reportMetrics(agg({ clicks: 4, commissionMinor: 10 })).epcMinor).toBe(3);
    expect(reportMetrics(agg({ clicks: 4, commissionMinor: -10 })).epcMinor).toBe(-3);
    expect(reportMetrics(agg({ clicks: 3, commissionMinor: -4 })).epcMinor).toBe(-1);
    expect(reportMetrics(agg({ clicks: 1_000, commissionMinor: 499 })).epcMinor).toBe(0);
  });

  it('lets net sales go negative when a period refunds earlier sales', () => {
    expect(reportMetrics(agg({ salesMinor: 1_000, refundsMinor: 5_000 })).netSalesMinor).toBe(-4_000);
  });

  it('refuses negative or fractional counts and money', () => {
    for (const bad of [
      { clicks: -1 },
      { conversions: 1.5 },
      { salesMinor: -1 },
      { refundsMinor: Number.NaN },
      { reach: -3 },
      { commissionMinor: 0.5 },
    ]) {
      expect(() => reportMetrics(agg(bad))).toThrow(RangeError);
    }
  });
});

describe('ratio', () => {
  it.each([
    [1, 3, '0.3333'],
    [2, 3, '0.6667'],
    [1, 8, '0.1250'],
    [1, 20_000, '0.0001'],
    [1, 20_001, '0.0000'],
    [5, 4, '1.2500'],
    [0, 7, '0.0000'],
    [7, 7, '1.0000'],
    [Number.MAX_SAFE_INTEGER, 1, `${Number.MAX_SAFE_INTEGER}.0000`],
  ])('%i / %i = %s', (num, den, out) => expect(ratio(num, den)).toBe(out));

  it('is null for 0 and unknown denominators', () => {
    expect(ratio(5, 0)).toBeNull();
    expect(ratio(5, null)).toBeNull();
    expect(ratio(5, 0, 8)).toBeNull();
  });

  it.each([
    [1, 210_000, '0.00000476'],
    [15, 40_000, '0.00037500'],
    [1, 200_000_001, '0.00000000'],
    [1, 200_000_000, '0.00000001'],
    [3, 2, '1.50000000'],
    [Number.MAX_SAFE_INTEGER, 3, '3002399751580330.33333333'],
  ])('%i / %i = %s to 8 decimals', (num, den, out) => expect(ratio(num, den, 8)).toBe(out));

  it("keeps one creator's redemptions per follower readable where 4 decimals would say 0", () => {
    const m = reportMetrics(agg({ codeRedemptions: 1, reach: 210_000 }));
    expect(m.redemptionRatePerReach).toBe('0.00000476');
    expect(ratio(1, 210_000)).toBe('0.0000');
  });
});

describe('sumAggregates and rows', () => {
  it('derives the totals from summed counts, not from the rows’ ratios', () => {
    const a = agg({ clicks: 100, conversions: 1, salesMinor: 1_000 });
    const b = agg({ clicks: 900, conversions: 90, salesMinor: 90_000, reach: 5_000 });
    const total = sumAggregates([a, b], 12_000);
    expect(total).toMatchObject({ clicks: 1_000, conversions: 91, salesMinor: 91_000, reach: 12_000 });
    expect(reportMetrics(total).conversionRate).toBe('0.0910'); // the mean of 0.01 and 0.1 would say 0.055
    expect(sumAggregates([], null)).toEqual(zero);
  });

  it('turns a row into export cells: money as numbers (negative ones too), nulls as empty cells', () => {
    const row = reportRow(
      '2024-03-31',
      agg({ clicks: 10, conversions: 1, salesMinor: 1_250, refundsMinor: 5_000, commissionMinor: -300 }),
    );
    const cells = reportCells(row, 'EUR');
    expect(cells).toHaveLength(REPORT_COLUMNS.length);
    const byName = Object.fromEntries(REPORT_COLUMNS.map((c, i) => [c, cells[i]]));
    expect(byName).toMatchObject({
      key: '2024-03-31',
      sales: 12.5,
      refunds: 50,
      net_sales: -37.5,
      aov: 12.5,
      commission: -3,
      epc: -0.3,
      conversion_rate: 0.1,
      reach: null,
      redemption_rate_reach: null,
      coded_revenue_share: null,
    });
    expect(reportCells(reportRow('x', agg({ conversions: 1, salesMinor: 1_005 })), 'JPY')[5]).toBe(1_005);
  });
});

describe('properties', () => {
  const aggregate = fc.record({
    clicks: fc.nat({ max: 10_000_000 }),
    uniqueClicks: fc.nat({ max: 10_000_000 }),
    conversions: fc.nat({ max: 1_000_000 }),
    unattributed: fc.nat({ max: 1_000_000 }),
    salesMinor: fc.nat({ max: 1e13 }),
    refundsMinor: fc.nat({ max: 1e13 }),
    commissionMinor: fc.integer({ min: -1e12, max: 1e12 }),
    codedRevenueMinor: fc.nat({ max: 1e13 }),
    linkRevenueMinor: fc.nat({ max: 1e13 }),
    codeRedemptions: fc.nat({ max: 1_000_000 }),
    reach: fc.option(fc.nat({ max: 1e9 })),
  });

  it('net sales = sales − refunds; AOV × conversions is within conversions/2 minor units of sales', () => {
    fc.assert(
      fc.property(aggregate, (a) => {
        const m = reportMetrics(a);
        expect(m.netSalesMinor).toBe(a.salesMinor - a.refundsMinor);
        if (a.conversions === 0) return m.aovMinor === null;
        const error = BigInt(m.aovMinor!) * BigInt(a.conversions) - BigInt(a.salesMinor);
        return 2n * (error < 0n ? -error : error) <= BigInt(a.conversions);
      }),
      { numRuns: 2000 },
    );
  });

  it('EPC × clicks is within clicks/2 of commission, and every ratio string reads back within 0.00005', () => {
    fc.assert(
      fc.property(aggregate, (a) => {
        const m = reportMetrics(a);
        if (a.clicks > 0) {
          const error = BigInt(m.epcMinor!) * BigInt(a.clicks) - BigInt(a.commissionMinor);
          expect(2n * (error < 0n ? -error : error)).toBeLessThanOrEqual(BigInt(a.clicks));
          expect(m.conversionRate).toMatch(/^\d+\.\d{4}$/);
          expect(Math.abs(Number(m.conversionRate) - a.conversions / a.clicks)).toBeLessThanOrEqual(0.00005 + 1e-9);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('rounds exactly as integer arithmetic does, halves away from zero, small or past 2^53', () => {
    const divRound = (num: bigint, den: bigint) => {
      const sign = num < 0n ? -1n : 1n;
      return sign * ((2n * num * sign + den) / (2n * den));
    };
    const asRatio = (num: number, den: number, decimals = 4) => {
      const scale = 10n ** BigInt(decimals);
      const scaled = divRound(BigInt(num) * scale, BigInt(den));
      return `${scaled / scale}.${String(scaled % scale).padStart(decimals, '0')}`;
    };
    // Numerators from tiny to past 2^53, denominators that make exact halves likely.
    const amount = fc.oneof(
      fc.nat({ max: 1_000 }),
      fc.nat({ max: 2 ** 40 }),
      fc.integer({ min: 2 ** 49, max: Number.MAX_SAFE_INTEGER }),
    );
    fc.assert(
      fc.property(amount, amount, fc.boolean(), (num, den, negative) => {
        const d = den === 0 ? 1 : den;
        expect(ratio(num, d)).toBe(asRatio(num, d));
        expect(ratio(num, d, 8)).toBe(asRatio(num, d, 8));
        const commission = negative ? -num : num;
        expect(reportMetrics(agg({ commissionMinor: commission, clicks: d })).epcMinor).toBe(
          Number(divRound(BigInt(commission), BigInt(d))),
        );
        expect(reportMetrics(agg({ commissionMinor: commission, clicks: 2 })).epcMinor).toBe(
          Number(divRound(BigInt(commission), 2n)),
        );
      }),
      { numRuns: 3000 },
    );
  });
});
