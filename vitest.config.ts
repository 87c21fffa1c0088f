import { defineConfig } from 'vitest/config';

// Four projects, so a change can be checked at the speed its tests allow: `unit` (no database, no browser; seconds),
// `store` (SQLite, and PostgreSQL when TEST_DATABASE_URL is set), `browser` (Debian's Chromium) and `slow` (the
// generator, the ledger's model test, the code checks' own test and the README's examples run against `npm start`;
// minutes). `npm test` runs them all; `vitest run --project unit` one.
const UNIT = ['src/**/*.test.ts', 'test/web/**/*.test.ts'];
const BROWSER = ['test/browser/**/*.test.ts'];
const SLOW = [
  'test/generate.test.ts',
  'test/ledger-model.test.ts',
  'test/code-checks.test.ts',
  'test/readme.test.ts',
  'test/load-balanced.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: more workers only contend for the CPU and PostgreSQL connections.
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      // Pure tests share their workers' module cache (no isolation) and run in threads: less start-up per file.
      { extends: true, test: { name: 'unit', include: UNIT, pool: 'threads', isolate: false } },
      // The global setup says whether the PostgreSQL half runs: only where a database is used.
      {
        extends: true,
        test: { name: 'store', include: ['test/*.test.ts'], exclude: SLOW, globalSetup: ['test/global-setup.ts'] },
      },
      { extends: true, test: { name: 'browser', include: BROWSER } },
      { extends: true, test: { name: 'slow', include: SLOW, globalSetup: ['test/global-setup.ts'] } },
    ],
  },
});
