import { describe, expect, it } from 'vitest';
import { AliasTable, apportion, hourFactor, isWeekend, Rng, WEEKDAY_FACTOR, zipfWeights } from './synthetic.js';

describe('Rng', () => {
  it('is reproducible from its seed and stream, and streams of one seed differ', () => {
    const draw = (seed: number, stream: string) => {
      const r = new Rng(seed, stream);
      return Array.from({ length: 5 }, () => r.next());
    };
    expect(draw(7, 'clicks')).toEqual(draw(7, 'clicks'));
    expect(draw(7, 'clicks')).not.toEqual(draw(7, 'orders'));
    expect(draw(7, 'clicks')).not.toEqual(draw(8, 'clicks'));
  });

  it('draws uniformly in [0, 1) and integers in [0, n)', () => {
    const r = new Rng(1);
    const buckets = new Array<number>(10).fill(0);
    let min = 1;
    let max = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = r.next();
      min = Math.min(min, x);
      max = Math.max(max, x);
      buckets[r.int(10)]!++;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    for (const b of buckets) expect(Math.abs(b - 10_000)).toBeLessThan(500);
  });

  it('log-normal draws centre on their median', () => {
    const r = new Rng(3);
    const xs = Array.from({ length: 20_001 }, () => r.logNormal(58, 0.5)).sort((a, b) => a - b);
    expect(xs[10_000]!).toBeGreaterThan(55);
    expect(xs[10_000]!).toBeLessThan(61);
  });
});

describe('AliasTable', () => {
  it('draws indexes in proportion to their weights, never a zero-weight one', () => {
    const table = new AliasTable([1, 0, 3, 6]);
    const r = new Rng(11);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 100_000; i++) counts[table.sample(r)]!++;
    expect(counts[1]).toBe(0);
    expect(counts[0]! / 100_000).toBeCloseTo(0.1, 1);
    expect(counts[2]! / 100_000).toBeCloseTo(0.3, 1);
    expect(counts[3]! / 100_000).toBeCloseTo(0.6, 1);
  });

  it('refuses weights it cannot draw from', () => {
    expect(() => new AliasTable([0, 0])).toThrow(RangeError);
    expect(() => new AliasTable([1, -1])).toThrow(RangeError);
    expect(() => new AliasTable([1, Number.NaN])).toThrow(RangeError);
  });
});

describe('apportion', () => {
  it('splits a total into whole parts that sum to it exactly, in proportion', () => {
    const parts = apportion(1_000, [1, 1, 1]);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(1_000);
    expect(parts).toEqual([334, 333, 333]);
    expect(apportion(10, [0, 5, 5])).toEqual([0, 5, 5]);
    expect(apportion(0, [1, 2])).toEqual([0, 0]);
    const many = apportion(
      12_345,
      Array.from({ length: 97 }, (_, i) => (i % 7) + 0.3),
    );
    expect(many.reduce((a, b) => a + b, 0)).toBe(12_345);
  });

  it('refuses a fractional total and weights that sum to nothing', () => {
    expect(() => apportion(1.5, [1])).toThrow(RangeError);
    expect(() => apportion(3, [0, 0])).toThrow(RangeError);
  });
});

describe('shapes', () => {
  it('Zipf weights give the top tenth of 2,000 creators most of the weight', () => {
    const w = zipfWeights(2_000, 1.05);
    const total = w.reduce((a, b) => a + b, 0);
    const top = w.slice(0, 200).reduce((a, b) => a + b, 0);
    expect(top / total).toBeGreaterThan(0.6);
    expect(w[0]).toBe(1);
    expect(w[1]).toBeLessThan(w[0]!);
  });

  it('weekends are quieter than weekdays, and nights than evenings', () => {
    const weekend = (WEEKDAY_FACTOR[0]! + WEEKDAY_FACTOR[6]!) / 2;
    const weekday = WEEKDAY_FACTOR.slice(1, 6).reduce((a, b) => a + b, 0) / 5;
    expect(weekend).toBeLessThan(weekday * 0.8);
    expect(isWeekend(0) && isWeekend(6) && !isWeekend(3)).toBe(true);
    for (const weekendDay of [false, true])
      expect(hourFactor(4, weekendDay)).toBeLessThan(hourFactor(20, weekendDay) / 3);
    expect(hourFactor(24, false)).toBe(0);
  });
});
