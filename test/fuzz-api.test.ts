// A short, seeded fuzz of the whole surface: every operation of the OpenAPI document and the public tracking
// endpoints, with hostile values generated from each schema (test/helpers/fuzz.ts). bench/fuzz.ts runs the same
// for as long as asked. Invariants: no 5xx, every JSON error in the one shape, nothing stored by a refused request,
// and a server that keeps answering.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { findingLines, runFuzz, type FuzzReport } from './helpers/fuzz.js';
import { seedWorld, type World } from './helpers/openapi.js';
import { DIALECTS } from './helpers/stores.js';

const RUNS = 150;
const SEED = 20261207;

describe.each(DIALECTS)('hostile requests to every operation and tracking endpoint on %s', (kind) => {
  let t: TestApp;
  let world: World;
  let now = Date.UTC(2026, 3, 1, 12);
  let report: FuzzReport;

  beforeAll(async () => {
    t = await startTestApp(kind, {}, () => now);
    world = await seedWorld(t, (ms) => {
      now += ms;
    });
    report = await runFuzz(t, world, { runs: RUNS, seed: SEED });
  }, 120_000);
  afterAll(() => t.close());

  it(`sent the sweep and ${RUNS} generated requests and reached the handlers (not only refusals)`, () => {
    expect(report.requests).toBeGreaterThan(RUNS);
    const reached = Object.entries(report.statuses)
      .filter(([s]) => Number(s) < 400)
      .reduce((n, [, c]) => n + c, 0);
    expect(reached).toBeGreaterThan(report.requests / 10);
  });

  it('answers no 5xx, every error in the one shape, stores nothing it refused, and keeps answering', () => {
    expect(findingLines(report)).toEqual([]);
  });
});
