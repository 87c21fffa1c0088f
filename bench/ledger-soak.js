// The commission ledger's model-based test (test/ledger-model.test.ts) run long, with a random seed: thousands of
// cases on SQLite and on PostgreSQL with two app instances on one database. Prints each counterexample, shrunk,
// with what failed, then starts again with a new seed until the time is up.
//   npx tsx bench/ledger-soak.js [--minutes 20] [--seed N] [--only sqlite|postgres] [--property permutation|ordered]
// PostgreSQL: TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); each world gets its own database.
// Exit code 1 when any case failed.
process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';

const fc = (await import('fast-check')).default;
const model = await import('../test/helpers/ledger-model.ts');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const minutes = Number(opt('minutes', '20'));
const only = opt('only', null);
const onlyProperty = opt('property', null);
let seed = opt('seed', null) === null ? Math.floor(Math.random() * 2 ** 31) : Number(opt('seed'));

const setups = [
  ['sqlite', 1],
  ['postgres', 2],
].filter(([kind]) => !only || only === kind);
const properties = [
  ['permutation', model.permutationCaseArb, model.runPermutationCase],
  ['ordered', model.orderedCaseArb, model.runOrderedCase],
].filter(([name]) => !onlyProperty || onlyProperty === name);

const deadline = Date.now() + minutes * 60_000;
const slice = Math.max(30_000, Math.floor((minutes * 60_000) / (setups.length * properties.length)));
const totals = [];
let failures = 0;

for (const [kind, instances] of setups) {
  const world = await model.startWorld(kind, instances);
  try {
    for (const [name, arb, run] of properties) {
      const until = Math.min(deadline, Date.now() + slice);
      let cases = 0;
      model.resetCoverage();
      const started = Date.now();
      while (Date.now() < until - 1_000) {
        const result = await fc.check(
          fc.asyncProperty(arb, (c) => run(world, c)),
          {
            seed,
            numRuns: 1_000_000,
            interruptAfterTimeLimit: until - Date.now(),
            markInterruptAsFailure: false,
          },
        );
        cases += result.numRuns;
        if (result.failed) {
          failures++;
          const error =
            result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
          console.log(
            `\n=== ${kind} ${name}: FAILED (seed ${seed}) ===\n${fc.defaultReportMessage(result)}\n--- what failed on the shrunk case ---\n${error}\n`,
          );
        }
        seed = (seed + 1) >>> 0;
      }
      const seconds = (Date.now() - started) / 1000;
      totals.push({
        kind,
        property: name,
        cases,
        seconds: Number(seconds.toFixed(1)),
        perCaseMs: cases ? Math.round((seconds * 1000) / cases) : null,
      });
      console.log(
        `${kind} ${name}: ${cases} cases in ${seconds.toFixed(1)} s; covered ${JSON.stringify({ ...model.coverage, answers: undefined })}`,
      );
    }
    const report = await model.verifyWorkspace(world);
    if (report) {
      console.log(`${kind}: verifyLedger checked ${report.checked} commissions, ${report.drift.length} drifted`);
      if (report.drift.length) {
        failures++;
        console.log(JSON.stringify(report.drift.slice(0, 20), null, 1));
      }
    }
  } finally {
    await world.close();
  }
}
console.table(totals);
console.log(failures ? `${failures} failure(s)` : 'no failures');
process.exit(failures ? 1 : 0);
