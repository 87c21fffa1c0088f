import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  keptCommission,
  mayRedecide,
  planAdjust,
  planApprove,
  planOrder,
  planPayout,
  planReverse,
  verifyEntries,
  type LedgerCommission,
  type OrderMoney,
  type PlannedEntry,
} from './ledger.js';

const money = (m: Partial<OrderMoney> = {}): OrderMoney => ({
  saleMinor: 10_000,
  refundedMinor: 0,
  fullyRefunded: false,
  cancelled: false,
  ...m,
});
const pending = (amount: number, c: Partial<LedgerCommission> = {}): LedgerCommission => ({
  amountMinor: amount,
  status: 'pending',
  accruedMinor: amount,
  adjustedMinor: 0,
  adminTouched: false,
  inDecision: true,
  ...c,
});
const sum = (entries: PlannedEntry[]) => entries.reduce((n, e) => n + e.deltaMinor, 0);

describe('planOrder', () => {
  it('accrues a new credit, then settles refunds on top', () => {
    const plan = planOrder(new Map(), new Map([['m1', 1_000]]), money({ refundedMinor: 4_000 }));
    expect(plan.redecided).toBe(true);
    const [c] = plan.changes;
    expect(c!.entries.map((e) => e.kind)).toEqual(['accrual', 'refund']);
    expect(c!.after.amountMinor).toBe(600);
    expect(sum(c!.entries)).toBe(600);
  });

  it('a cancelled order stays reversed through a re-decision, without flapping through pending', () => {
    const cancelled = pending(0, { status: 'reversed', accruedMinor: 1_000 });
    const plan = planOrder(
      new Map([['m1', cancelled]]),
      new Map([
        ['m1', 1_000],
        ['m2', 500],
      ]),
      money({ cancelled: true }),
    );
    expect(plan.changes.map((c) => [c.key, c.entries.map((e) => e.kind), c.after.status, c.after.amountMinor])).toEqual(
      [['m2', ['accrual', 'reversal'], 'reversed', 0]],
    );
  });

  it('a later event never undoes a partial refund (the pixel-after-refund case)', () => {
    const afterRefund = pending(600, { accruedMinor: 1_000 });
    const plan = planOrder(new Map([['m1', afterRefund]]), new Map([['m1', 1_000]]), money({ refundedMinor: 4_000 }));
    expect(plan.changes).toEqual([]);
  });

  it('never revives a commission a person reversed, nor re-decides one a person adjusted', () => {
    const reversed = pending(0, { status: 'reversed', adminTouched: true });
    expect(planOrder(new Map([['m1', reversed]]), new Map([['m1', 2_000]]), money()).changes).toEqual([]);
    const adjusted = pending(1_200, { accruedMinor: 1_000, adjustedMinor: 200, adminTouched: true });
    const plan = planOrder(new Map([['m1', adjusted]]), new Map([['m2', 1_000]]), money());
    expect(plan.redecided).toBe(false);
    expect(plan.changes).toEqual([]);
  });

  it('re-applies an adjustment on top of a later refund', () => {
    const adjusted = pending(1_200, { accruedMinor: 1_000, adjustedMinor: 200, adminTouched: true });
    const plan = planOrder(new Map([['m1', adjusted]]), null, money({ refundedMinor: 5_000 }));
    expect(plan.changes[0]!.after.amountMinor).toBe(500 + 200);
  });

  it('moves the credit: reversal by re-decision, revived by a later one', () => {
    const moved = planOrder(new Map([['a', pending(1_000)]]), new Map([['b', 1_000]]), money());
    const a = moved.changes.find((c) => c.key === 'a')!;
    expect(a.after).toMatchObject({ amountMinor: 0, status: 'reversed', inDecision: false });
    const back = planOrder(
      new Map([
        ['a', a.after],
        ['b', pending(1_000)],
      ]),
      new Map([['a', 1_000]]),
      money(),
    );
    expect(back.changes.find((c) => c.key === 'a')!.after).toMatchObject({
      amountMinor: 1_000,
      status: 'pending',
      inDecision: true,
    });
    expect(back.changes.find((c) => c.key === 'b')!.after).toMatchObject({ amountMinor: 0, status: 'reversed' });
  });

  it('cancellation reverses pending and approved, and claws back paid', () => {
    for (const status of ['pending', 'approved'] as const) {
      const plan = planOrder(new Map([['m', pending(1_000, { status })]]), null, money({ cancelled: true }));
      expect(plan.changes[0]!.entries).toEqual([
        expect.objectContaining({ kind: 'reversal', deltaMinor: -1_000, statusAfter: 'reversed' }),
      ]);
    }
    const paid = planOrder(new Map([['m', pending(1_000, { status: 'paid' })]]), null, money({ refundedMinor: 2_500 }));
    expect(paid.changes[0]!.entries).toEqual([
      expect.objectContaining({ kind: 'clawback', deltaMinor: -250, statusAfter: 'paid' }),
    ]);
  });

  it('does not re-decide once a credit is approved, but still applies refunds', () => {
    const approved = pending(1_000, { status: 'approved' });
    expect(mayRedecide([approved])).toBe(false);
    expect(mayRedecide([pending(0, { status: 'reversed' })])).toBe(true);
    expect(mayRedecide([pending(0, { status: 'reversed', adminTouched: true })])).toBe(false);
    const plan = planOrder(new Map([['a', approved]]), new Map([['b', 1_000]]), money({ refundedMinor: 1_000 }));
    expect(plan.redecided).toBe(false);
    expect(plan.changes.map((c) => [c.key, c.after.amountMinor])).toEqual([['a', 900]]);
  });

  it('ends in the same amount whatever order refunds and re-decisions arrive in', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 0, max: 500_000 }),
        fc.array(fc.integer({ min: 1, max: 300_000 }), { maxLength: 4 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 2 ** 32 }),
        (sale, accrued, refunds, cancel, seed) => {
          const events: ({ refund: number } | { cancel: true } | { decide: number })[] = [
            { decide: accrued },
            ...refunds.map((refund) => ({ refund })),
            ...(cancel ? [{ cancel: true as const }] : []),
          ];
          const run = (order: typeof events) => {
            let m: OrderMoney = { saleMinor: sale, refundedMinor: 0, fullyRefunded: false, cancelled: false };
            const book = new Map<string, LedgerCommission>();
            let decided: Map<string, number> | null = null;
            for (const e of order) {
              if ('refund' in e) m = { ...m, refundedMinor: m.refundedMinor + e.refund };
              else if ('cancel' in e) m = { ...m, cancelled: true };
              else decided = new Map([['m', e.decide]]);
              const plan = planOrder(book, decided, m);
              for (const c of plan.changes) book.set(c.key, c.after);
            }
            return book.get('m');
          };
          const shuffled = [...events].sort(
            (x, y) =>
              ((JSON.stringify(x).length * 2_654_435_761 + seed) % 7) -
              ((JSON.stringify(y).length * 2_654_435_761 + seed) % 7),
          );
          const a = run(events);
          const b = run(shuffled);
          expect(b?.amountMinor).toBe(a?.amountMinor);
          expect(b?.status).toBe(a?.status);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('people and the lifecycle', () => {
  it('adjust, reverse, approve and pay follow the transition table', () => {
    expect(planAdjust(pending(1_000, { status: 'paid' }), 5, 'x')).toMatchObject({
      ok: false,
      reason: 'commission_final',
    });
    expect(planReverse(pending(1_000), 'fraud')).toMatchObject({
      ok: true,
      after: { amountMinor: 0, status: 'reversed', adminTouched: true },
    });
    expect(planApprove(pending(1_000), 'hold', 'Hold period ended.')).toMatchObject({
      ok: true,
      after: { status: 'approved', adminTouched: false },
    });
    expect(planApprove(pending(1_000), 'person', 'early')).toMatchObject({ ok: true, after: { adminTouched: true } });
    expect(planPayout(pending(1_000), 'batch')).toMatchObject({ ok: false, reason: 'not_approved' });
    expect(planPayout(pending(1_000, { status: 'approved' }), 'batch')).toMatchObject({
      ok: true,
      entry: { deltaMinor: 0, statusAfter: 'paid' },
    });
  });

  it('keptCommission rounds once from the accrued amount', () => {
    expect(keptCommission(1_000, money({ refundedMinor: 4_000 }))).toBe(600);
    expect(keptCommission(333, money({ saleMinor: 3, refundedMinor: 1 }))).toBe(222);
    expect(keptCommission(500, money({ saleMinor: 0, refundedMinor: 0 }))).toBe(500);
    expect(keptCommission(500, money({ saleMinor: 0, refundedMinor: 1 }))).toBe(0);
  });
});

describe('verifyEntries', () => {
  const e = (kind: string, before: number, delta: number, sb: string, sa: string) => ({
    kind,
    deltaMinor: delta,
    amountBefore: before,
    amountAfter: before + delta,
    statusBefore: sb,
    statusAfter: sa,
  });
  it('accepts a consistent history and names each kind of drift', () => {
    const history = [
      e('accrual', 0, 1_000, 'pending', 'pending'),
      e('approval', 1_000, 0, 'pending', 'approved'),
      e('payout', 1_000, 0, 'approved', 'paid'),
      e('clawback', 1_000, -400, 'paid', 'paid'),
    ];
    expect(verifyEntries({ amountMinor: 600, status: 'paid' }, history)).toEqual([]);
    expect(verifyEntries({ amountMinor: 700, status: 'paid' }, history)).toEqual(['amount 700 ≠ sum of entries 600']);
    expect(
      verifyEntries({ amountMinor: 600, status: 'paid' }, [...history, e('adjustment', 600, 100, 'paid', 'paid')])[0],
    ).toMatch(/after the payout/);
    expect(verifyEntries({ amountMinor: 1_000, status: 'pending' }, [])).toEqual(['no entries']);
  });
});
