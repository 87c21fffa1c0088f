// SPEC §4 and ADR 0011, model-based: random sets of events for a few orders (clicks, codes, the pixel, t.js's
// /collect, postbacks by secret and signed, TUNE, Shopify create/paid/refund/cancel, postback refunds and
// cancellations, duplicates and re-deliveries) sent to a real server, on SQLite and on PostgreSQL with two app
// instances on one database (two buildApp's on two connection pools, driven over inject), in random orders with
// some events in flight together.
//
// 1. Permutation: the same ingestion events delivered in two random orders (fresh order ids each time) pay the same:
//    per order, the same conversion facts and the same live commissions (member, source, share, status, amount).
// 2. Ordered: ingestion interleaved with admin approve/reverse/adjust, the hold job and payout batches, some steps
//    racing an event (on the other instance); after every step, what a person decided, what refunds took and what
//    was paid stay (checkStep and checkRace in helpers/ledger-model.ts).
// After each delivery: no order pays a member twice or more than 100 %; untouched commissions equal the accrual
// times what refunds left (0 when cancelled); each commission's amount is the sum of its ledger entries, its status
// the last entry's; after a payout only clawbacks; verifyLedger finds no drift.
//
// Fixed seed (printed); LEDGER_SEED and LEDGER_RUNS override it and the number of cases per property.
// bench/ledger-soak.js runs thousands with a random seed.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  coverage,
  orderedCaseArb,
  resetCoverage,
  permutationCaseArb,
  runOrderedCase,
  runPermutationCase,
  startWorld,
  verifyWorkspace,
  type World,
} from './helpers/ledger-model.js';
import { PG_URL } from './helpers/stores.js';
import type { DialectKind } from '../src/db/dialect/index.js';

const SEED = process.env.LEDGER_SEED ? Number(process.env.LEDGER_SEED) : 20261207;
const RUNS = process.env.LEDGER_RUNS ? Number(process.env.LEDGER_RUNS) : null;
/** Cases per property and database: ~500 in all within the CI budget. */
const PLAN = {
  sqlite: { permutation: 120, ordered: 220 },
  postgres: { permutation: 50, ordered: 110 },
};
/** A property stops after this long (its shrinking included) and reports what it found. */
const TIME_LIMIT_MS = 240_000;

async function check<T>(name: string, arb: fc.Arbitrary<T>, runs: number, run: (c: T) => Promise<void>): Promise<void> {
  const started = Date.now();
  resetCoverage();
  const result = await fc.check(fc.asyncProperty(arb, run), {
    seed: SEED,
    numRuns: runs,
    interruptAfterTimeLimit: TIME_LIMIT_MS,
    markInterruptAsFailure: false,
  });
  console.log(
    `ledger model ${name}: seed ${SEED}, ${result.numRuns} cases in ${((Date.now() - started) / 1000).toFixed(1)} s${result.interrupted ? ' (interrupted by the time limit)' : ''}`,
  );
  console.log(
    `  covered: ${JSON.stringify({ ...coverage, answers: undefined })}\n  answers: ${JSON.stringify(coverage.answers)}`,
  );
  if (result.failed) {
    const error = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
    expect.fail(`${fc.defaultReportMessage(result) ?? 'failed'}\n\nWhat failed on the shrunk case:\n${error}`);
  }
}

const SETUPS: [DialectKind, 1 | 2][] = [['sqlite', 1], ...(PG_URL ? [['postgres', 2] as [DialectKind, 2]] : [])];

for (const [kind, instances] of SETUPS) {
  describe(`commission ledger, model-based, on ${kind}${instances === 2 ? ' with two instances' : ''}`, () => {
    let w: World;
    beforeAll(async () => {
      w = await startWorld(kind, instances);
    });
    afterAll(() => w?.close());

    it('pays the same for any order of the same ingestion events', async () => {
      await check(`${kind} permutation`, permutationCaseArb, RUNS ?? PLAN[kind].permutation, (c) =>
        runPermutationCase(w, c),
      );
    }, 600_000);

    it('keeps what people, refunds and payouts decided, whatever ingestion comes after', async () => {
      await check(`${kind} ordered`, orderedCaseArb, RUNS ?? PLAN[kind].ordered, (c) => runOrderedCase(w, c));
    }, 600_000);

    it('finds no drift anywhere in the workspace afterwards (touchpoint ledger verify)', async () => {
      const report = await verifyWorkspace(w);
      if (!report) return; // src/app/ledger.ts has no verifyLedger yet
      expect(report.checked).toBeGreaterThan(0);
      // The volume-tier counters (migration 0031) equal the commissions after every history, where src has them.
      expect((report as { monthCountDrift?: unknown[] }).monthCountDrift ?? []).toEqual([]);
      if (report.drift.length) {
        const first = report.drift[0]!.commissionId;
        const entries = await w.store.db
          .selectFrom('commission_adjustments')
          .selectAll()
          .where('commission_id', '=', first)
          .orderBy('created_at')
          .orderBy('id')
          .execute();
        expect.fail(
          `${report.drift.length} drifted of ${report.checked}: ${JSON.stringify(report.drift.slice(0, 10), null, 1)}\nentries of ${first}:\n${entries.map((e) => JSON.stringify(e)).join('\n')}`,
        );
      }
    });
  });
}
