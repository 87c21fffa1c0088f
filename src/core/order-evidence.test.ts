import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { orderFacts, sameFacts, type EvidenceEvent, type EvidenceRecord, type Trust } from './order-evidence.js';

const T = Date.UTC(2025, 5, 15, 12);
const ev = (trust: Trust, over: Partial<EvidenceRecord> = {}): EvidenceEvent => ({
  trust,
  evidence: {
    reportedOfferId: null,
    clickId: null,
    code: null,
    amount: null,
    occurredAt: T,
    timeGiven: false,
    ...over,
  },
});
const USD = (minor: number) => ({ minor, currency: 'USD' });

describe('orderFacts: filling in within one trust level', () => {
  it.each<[string, EvidenceEvent[], Partial<EvidenceRecord>]>([
    [
      'a code after a click',
      [ev('server', { clickId: 'c1' }), ev('server', { code: 'MARIE10' })],
      { clickId: 'c1', code: 'MARIE10' },
    ],
    [
      'an amount after a pixel without one',
      [ev('browser', { clickId: 'c1' }), ev('browser', { amount: USD(4990) })],
      { clickId: 'c1', amount: USD(4990) },
    ],
    [
      'a blank parameter is missing, not a value',
      [ev('server', { code: ' ' }), ev('server', { code: 'X' })],
      { code: 'X' },
    ],
  ])('%s', (_n, events, expected) => {
    expect(orderFacts(events, T).evidence).toMatchObject(expected);
  });

  it('the same code in another case is one code, not a conflict', () => {
    expect(orderFacts([ev('server', { code: 'marie10' }), ev('server', { code: 'MARIE10' })], T).conflicts).toEqual([]);
  });
});

describe('orderFacts: server evidence outranks the browser', () => {
  it('a pixel neither pre-empts nor amends the brand server', () => {
    const forged = ev('browser', { code: 'SOFIA10', amount: USD(999_900) });
    const server = ev('server', { clickId: 'c1', amount: USD(10_000) });
    for (const events of [
      [forged, server],
      [server, forged],
    ]) {
      const f = orderFacts(events, T);
      expect(f.trust).toBe('server');
      expect(f.evidence).toMatchObject({ clickId: 'c1', code: null, amount: USD(10_000) });
      expect(f.outranked).toBe(1);
    }
  });
  it('with no event at all there is no trust and the fallback time', () => {
    expect(orderFacts([], T)).toMatchObject({ trust: null, evidence: { occurredAt: T } });
  });
});

describe('orderFacts: conflicts and time', () => {
  it('the earliest order time wins a conflict, whatever arrives first', () => {
    const early = ev('server', { code: 'A10', occurredAt: T - 60_000, timeGiven: true });
    const late = ev('server', { code: 'B10', occurredAt: T });
    expect(orderFacts([late, early], T).evidence.code).toBe('A10');
    expect(orderFacts([early, late], T).conflicts).toEqual([{ field: 'code', kept: 'A10', ignored: 'B10' }]);
  });
  it('a stated time beats receipt times; without one the order dates from when it was first seen', () => {
    const stated = ev('server', { code: 'A10', occurredAt: T - 3_600_000, timeGiven: true });
    const received = ev('server', { code: 'A10', occurredAt: T - 7_200_000 });
    expect(orderFacts([stated, received], T).evidence.occurredAt).toBe(T - 3_600_000);
    expect(orderFacts([received], T).evidence.occurredAt).toBe(T);
    // A repeat received earlier on another instance (its clock read before the first one committed) changes nothing.
    const one = orderFacts([ev('server', { code: 'A10' })], T);
    const again = orderFacts([ev('server', { code: 'A10' }), ev('server', { code: 'A10', occurredAt: T - 5_000 })], T);
    expect(sameFacts(one, again)).toBe(true);
  });
});

describe('orderFacts: properties', () => {
  const record = fc.record({
    reportedOfferId: fc.option(fc.constantFrom('off_A', 'off_B'), { nil: null }),
    clickId: fc.option(fc.constantFrom('c1', 'c2', ''), { nil: null }),
    code: fc.option(fc.constantFrom('A10', 'a10', 'B10'), { nil: null }),
    amount: fc.option(fc.constantFrom(USD(100), USD(200), { minor: 100, currency: 'EUR' }), { nil: null }),
    occurredAt: fc.integer({ min: T - 10, max: T + 10 }),
    timeGiven: fc.boolean(),
  });
  const event = fc.record({ trust: fc.constantFrom<Trust>('server', 'browser'), evidence: record });
  it('depends on the set of events, not on their order; adding an event already there changes nothing', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 6 }), fc.integer(), (events, seed) => {
        const shuffled = [...events]
          .map((e, i) => ({ e, k: (i * 7919 + seed) % 13 }))
          .sort((a, b) => a.k - b.k)
          .map((x) => x.e);
        const a = orderFacts(events, T);
        expect(sameFacts(a, orderFacts(shuffled, T))).toBe(true);
        if (events.length) expect(sameFacts(a, orderFacts([...events, events[0]!], T))).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });
});
