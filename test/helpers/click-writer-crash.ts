// A process that writes click batches through the SQLite click writer and dies before its rollup deltas are folded
// (test/click-rollup-fold.test.ts). Reads { file, batches } as JSON on stdin; exits with 9 once every batch is written.
import { openSqlite } from '../../src/db/dialect/index.js';
import { sqliteClickWriter } from '../../src/tracking/click-writer/sqlite.js';
import type { ClickRow } from '../../src/tracking/click-writer/index.js';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const { file, batches } = JSON.parse(input) as { file: string; batches: ClickRow[][] };
const store = openSqlite(file);
const writer = sqliteClickWriter(store, 2_000, 3_600_000);
for (const batch of batches) await writer.write(batch);
// No settle, no close: what a kill -9 leaves.
process.exit(9);
