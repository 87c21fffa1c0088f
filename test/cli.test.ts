// The touchpoint CLI, run as a real child process against a real database.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { openStore, type DialectKind } from '../src/db/dialect/index.js';
import { buildApp } from '../src/http/app.js';
import { createPgDatabase, DIALECTS, tempDir } from './helpers/stores.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const BASE_URL = 'http://cli.test';
/** Each CLI run is a fresh Node process compiling TypeScript: seconds, not milliseconds, on a busy machine. */
const SLOW = { timeout: 120_000 };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A fresh database (a SQLite file in its own data dir, or a fresh PostgreSQL database) and a CLI bound to it. */
async function cliTarget(kind: DialectKind) {
  const dataDir = tempDir('tp-cli-');
  const pg = kind === 'postgres' ? await createPgDatabase() : null;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DATA_DIR: dataDir,
    BASE_URL,
    LOG_LEVEL: 'silent',
    DATABASE_URL: pg?.url ?? '',
  };
  const run = (...args: string[]) =>
    new Promise<Run>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', ...args],
        { cwd: ROOT, env, timeout: 60_000 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  /** An in-process app on the same database, to check that what the CLI made works over the API. */
  const api = async (method: string, url: string, key: string) => {
    const config = loadConfig({ DATA_DIR: dataDir, BASE_URL, ...(pg ? { DATABASE_URL: pg.url } : {}) });
    const store = openStore(config);
    const built = await buildApp(config, { store, logger: false });
    try {
      const res = await built.app.inject({
        method: method as never,
        url: `/api/v1${url}`,
        headers: { authorization: `Bearer ${key}` },
      });
      return { statusCode: res.statusCode, data: JSON.parse(res.body) };
    } finally {
      await built.close();
      await store.close();
    }
  };
  return {
    dataDir,
    databaseUrl: pg?.url ?? null,
    run,
    api,
    async cleanup() {
      await pg?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe.each(DIALECTS)('touchpoint CLI on %s', (kind) => {
  let target: Awaited<ReturnType<typeof cliTarget>>;
  beforeAll(async () => {
    target = await cliTarget(kind);
  });
  afterAll(() => target.cleanup());

  it('migrate applies the migrations once and is idempotent', SLOW, async () => {
    const fresh = await cliTarget(kind);
    try {
      const first = await fresh.run('migrate');
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^Applied: .*0001-initial/m);
      const second = await fresh.run('migrate');
      expect(second.code).toBe(0);
      expect(second.stdout.trim()).toBe('The database is up to date.');
      if (kind === 'sqlite') expect(fs.existsSync(path.join(fresh.dataDir, 'touchpoint.sqlite'))).toBe(true);
    } finally {
      await fresh.cleanup();
    }
  });

  it('workspace create --json prints a workspace id and an API key that works', SLOW, async () => {
    const res = await target.run('workspace', 'create', '--name', 'Acme', '--currency', 'EUR', '--json');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out).toEqual({
      workspaceId: expect.stringMatching(/^ws_[0-9a-z]{26}$/),
      apiKey: expect.stringMatching(/^tpk_[0-9A-Za-z]{40}$/),
      // The dashboard's first owner (see test/auth.test.ts for signing in with it).
      owner: { email: expect.any(String), password: expect.stringMatching(/^[A-Za-z0-9]{20}$/) },
    });
    const ws = await target.api('GET', '/workspace', out.apiKey);
    expect(ws.statusCode).toBe(200);
    expect(ws.data).toMatchObject({ id: out.workspaceId, name: 'Acme', currency: 'EUR' });
    expect((await target.api('GET', '/workspace', 'tpk_' + 'x'.repeat(40))).statusCode).toBe(401);

    const bad = await target.run('workspace', 'create', '--name', 'Bad', '--timezone', 'Mars/Olympus', '--json');
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/zone/i);
  });

  it('demo --json seeds a workspace with offers, members, links and codes', SLOW, async () => {
    const res = await target.run('demo', '--json');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const demo = JSON.parse(res.stdout);
    expect(demo.apiKey).toMatch(/^tpk_/);
    expect(demo.offers).toHaveLength(2);
    const [first, second] = demo.offers;
    expect(first.members).toHaveLength(3);
    for (const m of first.members) {
      expect(m.link).toMatch(new RegExp(`^${BASE_URL}/[0-9A-Za-z]{7,}$`));
      expect(m.code).toMatch(/^[A-Z0-9][A-Z0-9_-]{2,}$/);
    }
    expect(new Set(first.members.map((m: { code: string }) => m.code)).size).toBe(3);
    expect(first.genericCode).toMatch(/^[A-Z0-9]{3,}$/);

    // The same data through the API with the printed key.
    const offers = await target.api('GET', '/offers?limit=200', demo.apiKey);
    expect(offers.statusCode).toBe(200);
    expect(offers.data.data).toHaveLength(2);
    const byId = new Map(offers.data.data.map((o: any) => [o.id, o]));
    const payoutTypes = (id: string) => (byId.get(id) as any).payoutOptions.map((p: any) => p.type);
    expect(payoutTypes(first.id)).toContain('percent');
    expect(payoutTypes(second.id)).toEqual(['fixed']);
    const members = await target.api('GET', `/offers/${first.id}/members?limit=200`, demo.apiKey);
    expect(members.data.data).toHaveLength(3);
    for (const m of first.members) {
      const row = members.data.data.find((r: any) => r.member.id === m.memberId);
      expect(row.member.name).toBe(m.name);
      expect(row.links.map((l: any) => l.url)).toContain(m.link);
      expect(row.codes.map((c: any) => c.code)).toEqual([m.code]);
    }
    const generic = await target.api('GET', `/codes?code=${first.genericCode}`, demo.apiKey);
    expect(generic.data.data).toEqual([
      expect.objectContaining({ offerId: first.id, kind: 'generic', status: 'active' }),
    ]);
  });

  it(
    'ledger verify finds no drift after real orders and names a commission changed around the ledger',
    SLOW,
    async () => {
      const demo = JSON.parse((await target.run('demo', '--json')).stdout);
      const config = loadConfig({
        DATA_DIR: target.dataDir,
        BASE_URL,
        ...(target.databaseUrl ? { DATABASE_URL: target.databaseUrl } : {}),
      });
      const store = openStore(config);
      const built = await buildApp(config, { store, logger: false });
      try {
        const ws = await built.app.inject({
          url: '/api/v1/workspace',
          headers: { authorization: `Bearer ${demo.apiKey}` },
        });
        const secret = JSON.parse(ws.body).postbackSecret as string;
        const code = demo.offers[0].members[0].code as string;
        const sale = await built.app.inject({
          url: `/postback?${new URLSearchParams({ secret, code, order: 'V-1', amount: '80.00' })}`,
        });
        expect(sale.statusCode, sale.body).toBe(200);
        await built.app.inject({
          url: `/postback?${new URLSearchParams({ secret, type: 'refund', order: 'V-1', amount: '20.00' })}`,
        });

        const clean = await target.run('ledger', 'verify', '--json');
        expect(clean.code, clean.stderr).toBe(0);
        expect(JSON.parse(clean.stdout)).toMatchObject({ drift: [] });
        expect(JSON.parse(clean.stdout).checked).toBeGreaterThanOrEqual(1);

        const [c] = await store.db.selectFrom('commissions').select(['id', 'amount_minor']).execute();
        await store.db
          .updateTable('commissions')
          .set({ amount_minor: Number(c!.amount_minor) + 1 })
          .where('id', '=', c!.id)
          .execute();
        const drift = await target.run('ledger', 'verify');
        expect(drift.code).toBe(1);
        expect(drift.stdout).toContain(
          `${c!.id}: amount ${Number(c!.amount_minor) + 1} ≠ sum of entries ${Number(c!.amount_minor)}`,
        );
      } finally {
        await built.close();
        await store.close();
      }
    },
  );

  it(
    'import members reports counts, and with a bad row exits non-zero naming the line and importing nothing',
    SLOW,
    async () => {
      const ws = JSON.parse((await target.run('workspace', 'create', '--name', 'Importer', '--json')).stdout);
      const dir = tempDir('tp-cli-files-');
      try {
        const good = path.join(dir, 'members.csv');
        fs.writeFileSync(
          good,
          'name,email,instagram\nMarie Kim,marie@example.com,@Marie.K\nJamal Reed,jamal@example.com,\n',
        );
        const ok = await target.run('import', 'members', good, '--workspace', ws.workspaceId);
        expect(ok.stderr).toBe('');
        expect(ok.code).toBe(0);
        expect(ok.stdout.trim()).toBe('Imported: 2 created, 0 updated.');

        const bad = path.join(dir, 'bad.csv');
        fs.writeFileSync(bad, 'name,email\nSofia,sofia@example.com\nBroken,not-an-email\nMarie K.,MARIE@example.com\n');
        const failed = await target.run('import', 'members', bad, '--workspace', ws.workspaceId);
        expect(failed.code).not.toBe(0);
        expect(failed.stderr).toMatch(/line 3 \(email\): .*not-an-email/);
        expect(failed.stderr).not.toMatch(/line [24]\b/);

        const members = await target.api('GET', '/members?limit=200', ws.apiKey);
        expect(members.data.data.map((m: any) => m.name).sort()).toEqual(['Jamal Reed', 'Marie Kim']);
        expect(members.data.data.find((m: any) => m.name === 'Marie Kim').instagram).toBe('marie.k');

        const unknown = await target.run('import', 'members', good, '--workspace', 'ws_00000000000000000000000000');
        expect(unknown.code).not.toBe(0);
        expect(unknown.stderr).toMatch(/No workspace/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
