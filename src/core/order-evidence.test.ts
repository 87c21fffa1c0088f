import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeEvidence, type OrderEvidence } from './order-evidence.js';

const T = Date.UTC(2025, 5, 15, 12);
const ev = (over: Partial<OrderEvidence> = {}): OrderEvidence => ({
  reportedOfferId: null, clickId: null, code: null, amount: null, occurredAt: T, ...over,
});
const USD = (minor: number) => ({ minor, currency: 'USD' });

describe('mergeEvidence: filling in', () => {
  it.each<[string, OrderEvidence, OrderEvidence, OrderEvidence, string[]]>([
    ['a code after a click', ev({ clickId: 'c1' }), ev({ code: 'MARIE10' }), ev({ clickId: 'c1', code: 'MARIE10' }), ['code']],
    ['a click after a code', ev({ code: 'MARIE10' }), ev({ clickId: 'c1' }), ev({ clickId: 'c1', code: 'MARIE10' }), ['clickId']],
    ['an amount after a pixel without one', ev({ clickId: 'c1' }), ev({ amount: USD(4990) }), ev({ clickId: 'c1', amount: USD(4990) }), ['amount']],
    ['the offer after an event that named none', ev(), ev({ reportedOfferId: 'off_A' }), ev({ reportedOfferId: 'off_A' }), ['reportedOfferId']],
    ['everything at once', ev(), ev({ reportedOfferId: 'off_A', clickId: 'c1', code: 'X', amount: USD(1) }),
      ev({ reportedOfferId: 'off_A', clickId: 'c1', code: 'X', amount: USD(1) }), ['reportedOfferId', 'clickId', 'code', 'amount']],
    ['a blank parameter is missing, not a value', ev({ code: '' }), ev({ code: 'X' }), ev({ code: 'X' }), ['code']],
    ['a later blank does not erase', ev({ code: 'X' }), ev({ code: '  ' }), ev({ code: 'X' }), []],
    ['a repeat adds nothing', ev({ clickId: 'c1', amount: USD(5) }), ev({ clickId: 'c1', amount: USD(5) }), ev({ clickId: 'c1', amount: USD(5) }), []],
    ['the same code in another case is the same code', ev({ code: 'marie10' }), ev({ code: 'MARIE10' }), ev({ code: 'marie10' }), []],
  ])('%s', (_n, prev, next, merged, filled) => {
    const m = mergeEvidence(prev, next);
    expect(m.evidence).toEqual(merged);
    expect(m.filled).toEqual(filled);
    expect(m.conflicts).toEqual([]);
    expect(m.changed).toBe(filled.length > 0);
  });
});

describe('mergeEvidence: conflicts keep the earlier value', () => {
  it.each<[string, OrderEvidence, OrderEvidence, unknown]>([
    ['another click', ev({ clickId: 'c1' }), ev({ clickId: 'c2' }), { field: 'clickId', kept: 'c1', ignored: 'c2' }],
    ['another code', ev({ code: 'A10' }), ev({ code: 'B10' }), { field: 'code', kept: 'A10', ignored: 'B10' }],
    ['another offer', ev({ reportedOfferId: 'off_A' }), ev({ reportedOfferId: 'off_B' }), { field: 'reportedOfferId', kept: 'off_A', ignored: 'off_B' }],
    ['another amount', ev({ amount: USD(4990) }), ev({ amount: USD(5990) }), { field: 'amount', kept: USD(4990), ignored: USD(5990) }],
    ['the same amount in another currency', ev({ amount: USD(4990) }), ev({ amount: { minor: 4990, currency: 'EUR' } }),
      { field: 'amount', kept: USD(4990), ignored: { minor: 4990, currency: 'EUR' } }],
  ])('%s', (_n, prev, next, conflict) => {
    const m = mergeEvidence(prev, next);
    expect(m.evidence).toEqual(prev);
    expect(m.conflicts).toEqual([conflict]);
    expect(m.changed).toBe(false);
  });

  it('fills what is missing and reports what disagrees in one merge', () => {
    const m = mergeEvidence(ev({ clickId: 'c1' }), ev({ clickId: 'c2', code: 'X' }));
    expect(m.evidence).toEqual(ev({ clickId: 'c1', code: 'X' }));
    expect(m.filled).toEqual(['code']);
    expect(m.conflicts).toEqual([{ field: 'clickId', kept: 'c1', ignored: 'c2' }]);
  });
});

describe('mergeEvidence: time', () => {
  it('keeps the earlier occurredAt and says the decision may change', () => {
    expect(mergeEvidence(ev({ occurredAt: T }), ev({ occurredAt: T - 1000 }))).toMatchObject({ evidence: { occurredAt: T - 1000 }, changed: true });
    expect(mergeEvidence(ev({ occurredAt: T }), ev({ occurredAt: T + 1000 }))).toMatchObject({ evidence: { occurredAt: T }, changed: false });
  });
});

const arbEvidence: fc.Arbitrary<OrderEvidence> = fc.record({
  reportedOfferId: fc.option(fc.constantFrom('off_A', 'off_B', '')),
  clickId: fc.option(fc.constantFrom('c1', 'c2', ' ')),
  code: fc.option(fc.constantFrom('A10', 'a10', 'B10', '')),
  amount: fc.option(fc.record({ minor: fc.integer({ min: 0, max: 3 }), currency: fc.constantFrom('USD', 'EUR') })),
  occurredAt: fc.integer({ min: T - 10_000, max: T + 10_000 }),
});

describe('mergeEvidence: properties', () => {
  it('never replaces a present value; merging with itself changes nothing; idempotent', () => {
    fc.assert(fc.property(arbEvidence, arbEvidence, (a, b) => {
      const m = mergeEvidence(a, b);
      for (const f of ['reportedOfferId', 'clickId', 'code'] as const) {
        if (a[f] !== null && a[f]!.trim() !== '') expect(m.evidence[f]).toBe(a[f]);
      }
      if (a.amount) expect(m.evidence.amount).toEqual(a.amount);
      expect(mergeEvidence(m.evidence, b).filled).toEqual([]);
      expect(mergeEvidence(m.evidence, m.evidence)).toMatchObject({ filled: [], conflicts: [], changed: false });
    }));
  });
});
