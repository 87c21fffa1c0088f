// Folded click rollups (ADR 0006): the SQLite click writer holds each batch's rollup deltas for a while and adds many
// batches' at once. Whatever happens in between — a rebuild, a crash — the rollup rows must end equal to a rebuild from
// the raw clicks: nothing lost, nothing counted twice.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { rebuildRollups } from '../src/app/rollups.js';
import { newClickId } from '../src/core/click-id.js';
import type { Store } from '../src/db/dialect/index.js';
import type { Database } from '../src/db/schema.js';
import { insertWorkspace } from '../src/db/workspaces.js';
import { openClickWriter, type ClickRow } from '../src/tracking/click-writer/index.js';
import { postgresClickWriter } from '../src/tracking/click-writer/postgres.js';
import { sqliteClickWriter } from '../src/tracking/click-writer/sqlite.js';
import { DIALECTS, freshStore, PG_URL, type TestStore } from './helpers/stores.js';

const DAY = 86_400_000;
const START = Date.parse('2026-11-02T10:00:00Z');
const TABLES = [
  ['rollup_clicks', ['day', 'link_id']],
  ['rollup_clicks_period', ['period', 'link_id']],
  ['rollup_clicks_member_period', ['period', 'offer_id', 'member_id']],
  ['rollup_clicks_offer_day', ['day', 'offer_id']],
  ['rollup_clicks_sub', ['day', 'link_id', 'sub_id']],
  ['rollup_clicks_sub_period', ['period', 'offer_id', 'member_id', 'sub_id']],
] as const;

/** Every click rollup row of the workspace, numbers as numbers. */
async function rollups(store: Store, workspaceId: string) {
  const out: Record<string, unknown[]> = {};
  for (const [table, order] of TABLES) {
    let query = (store.db as Kysely<Database>).selectFrom(table).selectAll().where('workspace_id', '=', workspaceId);
    for (const column of order) query = query.orderBy(column);
    const rows = await query.execute();
    out[table] = rows.map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^\d+$/.test(v) ? +v : v])),
    );
  }
  return out;
}

/** `n` clicks over 12 links of 3 offers and 3 days, some with a sub-id, some bots, in the given workspace. */
function clicks(workspaceId: string, tag: string, n: number, seed: number): ClickRow[] {
  return Array.from({ length: n }, (_, i) => {
    const k = i + seed;
    const at = START + (k % 3) * DAY + k * 1_000;
    const link = k % 12;
    return {
      id: newClickId(tag, at),
      workspace_id: workspaceId,
      link_id: `lnk_${link}`,
      offer_id: `off_${link % 3}`,
      member_id: link % 4 === 0 ? '' : `mem_${link % 5}`,
      created_at: at,
      tracked: 1,
      ip_hash: `ip${k % 7}`,
      ip_truncated: '198.51.100.0',
      user_agent: 'Mozilla/5.0',
      referrer_host: null,
      country: null,
      device: 'mobile',
      is_bot: k % 9 === 0 ? 1 : 0,
      bot_reason: k % 9 === 0 ? 'user_agent' : null,
      is_unique: k % 2,
      sub1: k % 5 === 0 ? `story_${k % 4}` : null,
      sub2: null,
      sub3: null,
      sub4: null,
      sub5: null,
    };
  });
}

/**
 * The workspace's rollups as the writers left them equal a rebuild from the raw clicks, once the writers have closed.
 * Returns them.
 */
async function expectRebuildEqual(store: Store, workspaceId: string, ...writers: { close(): Promise<void> }[]) {
  const maintained = await rollups(store, workspaceId);
  await Promise.all(writers.map((w) => w.close()));
  await rebuildRollups(store, workspaceId);
  expect(await rollups(store, workspaceId)).toEqual(maintained);
  return maintained;
}

let current: TestStore | null = null;
afterEach(async () => {
  await current?.cleanup();
  current = null;
});

async function setUp(kind: (typeof DIALECTS)[number]) {
  current = await freshStore(kind);
  const ws = await insertWorkspace(current.store.db, { name: 'Fold', clickTag: 'Fo1d', now: START });
  return { store: current.store, ws };
}

describe.each(DIALECTS)('click rollups on %s', (kind) => {
  it('end equal to a rebuild from the raw clicks after many small batches', async () => {
    const { store, ws } = await setUp(kind);
    const writer = openClickWriter(store);
    for (let b = 0; b < 20; b++) await writer.write(clicks(ws.id, 'Fo1d', 25, b * 25));
    await writer.settle();
    const maintained = await expectRebuildEqual(store, ws.id, writer);
    expect((maintained.rollup_clicks as { clicks: number }[]).reduce((n, r) => n + r.clicks, 0)).toBeGreaterThan(400);
  });

  it('count the batches after a rebuild in the new zone in that zone', async () => {
    const { store, ws } = await setUp(kind);
    const writer = openClickWriter(store);
    await writer.write(clicks(ws.id, 'Fo1d', 60, 0));
    await writer.settle();
    // The workspace moves to another zone and its rollups are rebuilt there; a writer that remembered the old zone
    // would count the next batch's clicks on the old zone's days.
    await store.db.updateTable('workspaces').set({ timezone: 'Pacific/Kiritimati' }).where('id', '=', ws.id).execute();
    await rebuildRollups(store, ws.id);
    await writer.write(clicks(ws.id, 'Fo1d', 60, 60));
    await writer.settle();
    await expectRebuildEqual(store, ws.id, writer);
  });
});

const NEVER = 3_600_000;

describe.each(DIALECTS)('folded click rollups on %s', (kind) => {
  // A writer that folds only when asked (settle), and where each dialect keeps what it has not folded yet: SQLite a
  // journal row per batch (the deltas are in memory), PostgreSQL a row of deltas per batch and workspace.
  const heldWriter = (store: Store) =>
    kind === 'sqlite'
      ? sqliteClickWriter(store, 2_000, NEVER)
      : postgresClickWriter(store, { foldMs: NEVER, orphanedMs: NEVER });
  const heldRows = (store: Store) =>
    store.db
      .selectFrom(kind === 'sqlite' ? 'click_rollup_journal' : 'click_rollup_deltas')
      .select('id')
      .execute();

  it('holds the deltas of several batches and adds them at once', async () => {
    const { store, ws } = await setUp(kind);
    const writer = heldWriter(store);
    const empty = await rollups(store, ws.id);
    for (let b = 0; b < 5; b++) await writer.write(clicks(ws.id, 'Fo1d', 40, b * 40));
    // Written, with what they add to the rollups kept, not yet folded.
    expect(await rollups(store, ws.id)).toEqual(empty);
    expect(await heldRows(store)).toHaveLength(5);
    await writer.settle();
    expect(await heldRows(store)).toHaveLength(0);
    const folded = await expectRebuildEqual(store, ws.id, writer);
    expect((folded.rollup_clicks as { clicks: number }[]).reduce((n, r) => n + r.clicks, 0)).toBeGreaterThan(100);
  });

  it('drops what it holds of a workspace rebuilt meanwhile, and keeps what came after', async () => {
    const { store, ws } = await setUp(kind);
    const writer = heldWriter(store);
    await writer.write(clicks(ws.id, 'Fo1d', 60, 0));
    // The rebuild counts these 60 from the raw rows; folding the held deltas too would count them twice.
    await rebuildRollups(store, ws.id);
    await writer.write(clicks(ws.id, 'Fo1d', 60, 60));
    await writer.settle();
    await expectRebuildEqual(store, ws.id, writer);
  });
});

describe.skipIf(!PG_URL)('folded click rollups on PostgreSQL', () => {
  const deltaRows = (store: Store) => store.db.selectFrom('click_rollup_deltas').selectAll().execute();

  it('folds what it wrote by itself, about foldMs after', async () => {
    const { store, ws } = await setUp('postgres');
    const writer = postgresClickWriter(store, { foldMs: 100, orphanedMs: NEVER });
    await writer.write(clicks(ws.id, 'Fo1d', 40, 0));
    for (let i = 0; i < 200 && (await deltaRows(store)).length; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await deltaRows(store)).toHaveLength(0);
    const folded = await expectRebuildEqual(store, ws.id, writer);
    expect(folded.rollup_clicks).not.toEqual([]);
  });

  it('folds the deltas of a writer that stopped without folding, once, even with two instances folding', async () => {
    const { store, ws } = await setUp('postgres');
    // An instance writes three batches and stops before its fold (a crash: its memory is gone, its deltas are not).
    const gone = postgresClickWriter(store, { foldMs: NEVER, orphanedMs: NEVER });
    for (let b = 0; b < 3; b++) await gone.write(clicks(ws.id, 'Fo1d', 50, b * 50));
    expect(await deltaRows(store)).toHaveLength(3);
    // Two other instances, to which those deltas are orphaned at once, fold at the same time.
    const a = postgresClickWriter(store, { foldMs: NEVER, orphanedMs: 0 });
    const b = postgresClickWriter(store, { foldMs: NEVER, orphanedMs: 0 });
    await a.write(clicks(ws.id, 'Fo1d', 20, 150));
    await b.write(clicks(ws.id, 'Fo1d', 20, 170));
    await Promise.all([a.settle(), b.settle(), a.settle(), b.settle()]);
    expect(await deltaRows(store)).toHaveLength(0);
    await expectRebuildEqual(store, ws.id, a, b);
  });

  it('leaves deltas another fold holds to it, neither waiting for them nor adding them', async () => {
    const { store, ws } = await setUp('postgres');
    const gone = postgresClickWriter(store, { foldMs: NEVER, orphanedMs: NEVER });
    for (let b = 0; b < 2; b++) await gone.write(clicks(ws.id, 'Fo1d', 50, b * 50));
    const empty = await rollups(store, ws.id);
    // Another instance's fold has taken them (its transaction holds their rows) and has not committed yet.
    const other = new pg.Client({ connectionString: current!.url });
    await other.connect();
    await other.query('begin');
    await other.query('select id from click_rollup_deltas for update');
    const b = postgresClickWriter(store, { foldMs: NEVER, orphanedMs: 0 });
    const settled = await Promise.race([
      b.settle().then(() => 'settled'),
      new Promise((r) => setTimeout(() => r('waiting on the other fold'), 10_000)),
    ]);
    expect(settled).toBe('settled');
    expect(await rollups(store, ws.id)).toEqual(empty);
    // That fold fails: the deltas are still there, for the next one.
    await other.query('rollback');
    await other.end();
    expect(await deltaRows(store)).toHaveLength(2);
    await b.settle();
    expect(await deltaRows(store)).toHaveLength(0);
    await expectRebuildEqual(store, ws.id, b);
  });
});

describe('folded click rollups on SQLite', () => {
  it(
    'rolls up after a crash what it held, once, and nothing a later rebuild counted',
    { timeout: 180_000 },
    async () => {
      for (const rebuiltBeforeRestart of [false, true]) {
        const { store, ws } = await setUp('sqlite');
        // Another process writes two batches and dies before folding them (exit without closing).
        const child = spawnSync(
          process.execPath,
          ['--import', 'tsx', path.join(import.meta.dirname, 'helpers/click-writer-crash.ts')],
          {
            input: JSON.stringify({
              file: current!.url,
              batches: [clicks(ws.id, 'Fo1d', 50, 0), clicks(ws.id, 'Fo1d', 50, 50)],
            }),
            encoding: 'utf8',
          },
        );
        expect(child.stderr).toBe('');
        expect(child.status).toBe(9);
        expect(
          await store.db
            .selectFrom('clicks')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirst(),
        ).toEqual({ n: 100 });
        expect(await store.db.selectFrom('click_rollup_journal').selectAll().execute()).toHaveLength(2);
        const held = await rollups(store, ws.id);
        expect(held.rollup_clicks).toEqual([]);
        if (rebuiltBeforeRestart) await rebuildRollups(store, ws.id);
        // The next writer rolls up the journal before its first batch.
        const writer = sqliteClickWriter(store, 2_000, NEVER);
        await writer.write(clicks(ws.id, 'Fo1d', 20, 100));
        await writer.settle();
        expect(await store.db.selectFrom('click_rollup_journal').selectAll().execute()).toHaveLength(0);
        await expectRebuildEqual(store, ws.id, writer);
        await current!.cleanup();
        current = null;
      }
    },
  );
});
