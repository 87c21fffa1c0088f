// The fuzz of test/fuzz-api.test.ts for as long as asked: hostile requests to every operation of the OpenAPI
// document and to the public tracking endpoints, on a seeded workspace, over real HTTP on this machine only.
//   npx tsx bench/fuzz.ts [--runs 5000] [--seed 1] [--db sqlite|postgres|both]
// PostgreSQL: TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres); a database is made and dropped.
// Prints each kind of failure once with a count and the first request that showed it; exits 1 when there was any.
const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const runs = Number(opt('runs', '5000'));
const seed = Number(opt('seed', String(Date.now() % 1_000_000)));
const db = opt('db', 'sqlite');
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed) || !['sqlite', 'postgres', 'both'].includes(db)) {
  console.error('usage: npx tsx bench/fuzz.ts [--runs N] [--seed S] [--db sqlite|postgres|both]');
  process.exit(2);
}
process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';

const { startTestApp } = await import('../test/helpers/app.js');
const { seedWorld } = await import('../test/helpers/openapi.js');
const { findingLines, runFuzz } = await import('../test/helpers/fuzz.js');

let failed = false;
for (const kind of db === 'both' ? (['sqlite', 'postgres'] as const) : [db as 'sqlite' | 'postgres']) {
  let now = Date.UTC(2026, 3, 1, 12);
  const t = await startTestApp(kind, {}, () => now);
  try {
    const world = await seedWorld(t, (ms) => {
      now += ms;
    });
    const started = Date.now();
    const report = await runFuzz(t, world, {
      runs,
      seed,
      onProgress: (done) => {
        if (done % 500 === 0) process.stderr.write(`  ${kind}: ${done}/${runs}\n`);
      },
    });
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `${kind}: ${report.requests} requests, seed ${seed}, ${seconds.toFixed(1)} s (${(report.requests / seconds).toFixed(0)}/s)`,
    );
    console.log(
      `  statuses: ${Object.entries(report.statuses)
        .map(([s, n]) => `${s}×${n}`)
        .join(' ')}`,
    );
    const slow = Object.entries(report.timeByTarget)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8);
    console.log(`  most time: ${slow.map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`).join('; ')}`);
    const lines = findingLines(report);
    console.log(
      lines.length
        ? `  ${lines.length} kinds of failure:\n${lines.map((l) => `  - ${l}`).join('\n')}`
        : '  no failures',
    );
    failed ||= lines.length > 0;
  } finally {
    await t.close();
  }
}
process.exit(failed ? 1 : 0);
