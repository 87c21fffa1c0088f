// The README's shell examples, run as a reader runs them: Touchpoint started with `npm start` on a fresh, empty data
// directory, then every ```sh block from "## Try it" to "## Configuration" (the command line's examples included)
// pasted into one bash, in order, in that directory. Only the port changes (the machine is shared, 3000 may be
// taken). A block that stops working, or stops doing what its comments say, fails here before a reader finds it.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/server.js';
import { tempDir } from './helpers/stores.js';

const ROOT = path.resolve(import.meta.dirname, '..');
/** What a checkout has that `npm start` and the examples use, linked into the reader's directory. */
const LINKED = ['bin', 'dist', 'node_modules', 'package.json', 'scripts'];
/** `npm start` builds first when the sources changed since the last build: minutes on a busy 2-core machine. */
const START_TIMEOUT = 600_000;

function readmeBlocks(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const from = readme.indexOf('\n## Try it');
  const to = readme.indexOf('\n## Configuration');
  expect(from, 'README has "## Try it"').toBeGreaterThan(0);
  expect(to, 'README has "## Configuration" after it').toBeGreaterThan(from);
  return [...readme.slice(from, to).matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

/** The environment of a fresh terminal: nothing of the test runner's, nor of a database or data dir set elsewhere. */
function terminalEnv(port: number): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) =>
        !/^(npm_|VITEST)/i.test(k) &&
        !['NODE_ENV', 'DATABASE_URL', 'TEST_DATABASE_URL', 'DATA_DIR', 'BASE_URL', 'HOST', 'SMTP_URL'].includes(k),
    ),
  );
  return { ...env, PORT: String(port), HOST: '127.0.0.1' };
}

interface Run {
  code: number | null;
  output: string;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** The lines of a block's output that are JSON answers (each curl ends its answer with a line break: -w '\n'). */
function answers(out: string): Record<string, unknown>[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

type Json = Record<string, any>;

describe('README examples, run verbatim on a fresh data directory', () => {
  let dir: string;
  let server: ChildProcess;
  let serverExited: Promise<void>;
  let serverOutput = '';
  let script: Run;
  const outputs: string[] = [];
  let blocks: string[] = [];

  beforeAll(async () => {
    dir = tempDir('tp-readme-');
    for (const name of LINKED) fs.symlinkSync(path.join(ROOT, name), path.join(dir, name));
    const port = await freePort();
    const env = terminalEnv(port);

    // "npm start": builds when the sources changed, then serves; its own process group, so that stopping it stops
    // the server npm started.
    server = spawn('npm', ['start'], { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    serverExited = new Promise((resolve) => server.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        serverOutput += d.toString();
        if (serverOutput.includes('API reference:')) resolve();
      };
      server.stdout!.on('data', onData);
      server.stderr!.on('data', onData);
      void serverExited.then(() => reject(new Error(`npm start exited before it was ready:\n${serverOutput}`)));
    });

    blocks = readmeBlocks();
    const body = blocks
      .map((b, i) => `echo; echo '@@block ${i}'\n${b.replaceAll('localhost:3000', `localhost:${port}`)}`)
      .join('\n');
    const file = path.join(tempDir('tp-readme-script-'), 'readme.sh');
    // The markers start a line of their own even after an answer that ends without a line break.
    fs.writeFileSync(file, `set -e -o pipefail\n${body}\necho; echo '@@end'\n`);
    script = await run('bash', [file], dir, env);
    // [before, index, output, index, output, …]
    const parts = script.output.split(/^@@block (\d+)\n/m);
    for (let i = 1; i < parts.length; i += 2) outputs[Number(parts[i])] = parts[i + 1]!.replace(/^@@end\n$/m, '');
  }, START_TIMEOUT);

  afterAll(async () => {
    if (server?.pid && server.exitCode === null) {
      process.kill(-server.pid, 'SIGTERM');
      await serverExited;
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const block = (i: number) => {
    expect(outputs[i], `block ${i} ran; the script printed:\n${script.output}`).toBeDefined();
    return outputs[i]!;
  };

  it('started as the README says, with the demo on a fresh data directory', () => {
    expect(serverOutput).toContain('First start: created the demo workspace');
    expect(fs.existsSync(path.join(dir, 'data', 'demo.json'))).toBe(true);
  });

  it('runs every block to its end under set -e -o pipefail', () => {
    expect(blocks.length).toBe(5);
    expect(script.code, script.output).toBe(0);
    expect(script.output.trimEnd().endsWith('@@end'), script.output).toBe(true);
  });

  it('lists the offers, redirects a click with tp_click, adds a member and imports a filled roster', () => {
    const out = block(0);
    const [offers, added, links, roster] = answers(out) as Json[];
    expect(offers!.data.map((o: Json) => o.name).sort()).toEqual(['Glow Serum launch', 'Newsletter sign-ups']);
    expect(out).toMatch(/^location: https:\/\/shop\.example\.com\/\S*[?&]tp_click=[0-9A-Za-z]+/im);
    expect(added).toMatchObject({ added: 1 });
    expect(added!.members[0].codes).toHaveLength(1);
    expect(links!.data.length).toBeGreaterThan(0);
    expect(roster).toMatchObject({ assigned: 1 });
    expect(fs.readFileSync(path.join(dir, 'roster-filled.csv'), 'utf8')).toMatch(/,Lena Park,.*,LENA15\r\n/);
  });

  it('credits a postback, shows the tracking check, a rejected event, the receipt and a held pixel order', () => {
    const [
      credited,
      duplicate,
      codeOnly,
      refund,
      test,
      explained,
      refused,
      list,
      checks,
      rejected,
      receipt,
      unverified,
    ] = answers(block(1)) as Json[];
    expect(credited).toMatchObject({
      status: 'created',
      credited: true,
      commissions: [{ amount: '5.99', currency: 'USD' }],
    });
    expect(duplicate).toMatchObject({ status: 'duplicate', conversionId: credited!.conversionId });
    expect(codeOnly).toMatchObject({ status: 'created', credited: true, commissions: [{ amount: '16.00' }] });
    expect(refund).toMatchObject({ status: 'refunded', refunded: '20.00', currency: 'USD', commissionsChanged: 1 });
    expect(test).toMatchObject({ status: 'created', test: true });
    expect(explained!.orders).toEqual([expect.objectContaining({ orderId: 'test-1' })]);
    expect(refused).toMatchObject({ error: { code: 'bad_signature' } });
    expect(list!.data.map((c: Json) => c.orderId)).toEqual(expect.arrayContaining(['1001', '1002']));
    expect(list!.data.map((c: Json) => c.orderId)).not.toContain('test-1');
    expect(checks!.data).toEqual([expect.objectContaining({ orderId: 'test-1', test: true })]);
    expect(rejected!.data).toEqual([
      expect.objectContaining({ orderId: '1004', outcome: 'rejected', reason: 'bad_signature' }),
    ]);
    expect(receipt!.commission).toMatchObject({ currency: 'USD' });
    expect(receipt!.entries.length).toBeGreaterThan(0);
    expect(unverified!.data).toEqual([expect.objectContaining({ orderId: '1003', status: 'unverified' })]);
  });

  it('reads a report with a row per creator, the attribution coverage, its CSV export and the leak check', () => {
    const out = block(2);
    const [report, coverage, run, alerts] = answers(out) as Json[];
    expect(report!.rows.map((r: Json) => r.label)).toEqual(expect.arrayContaining(['Marie Kim', 'Jamal Reed']));
    expect(coverage!.totals).toMatchObject({ orders: expect.any(Number) });
    expect(coverage!.totals.orders).toBeGreaterThan(0);
    expect(out).toMatch(/^\uFEFF?label,key,clicks/m);
    expect(out).toMatch(/^JAMAL10,cod_/m);
    expect(run).toHaveProperty('codesChecked');
    expect(alerts).toMatchObject({ data: [] });
    expect(fs.readFileSync(path.join(dir, 'conversions.xlsx')).subarray(0, 2).toString()).toBe('PK');
  });

  it('signs in through a setup link with curl as the browser and creates a user, printing no password', () => {
    const out = block(3);
    const [setUp, me, created] = answers(out) as Json[];
    expect(setUp).toMatchObject({ user: { email: 'ops@example.com', role: 'owner', mustChangePassword: false } });
    expect(me).toMatchObject({ user: { email: 'ops@example.com' } });
    expect(created).toMatchObject({ user: { email: 'sam@example.com', role: 'viewer', invited: true } });
    expect(created!.setupUrl).toMatch(/\/app\/setup\?token=/);
    expect(out).not.toMatch(/"password"/);
  });

  it('runs the command line examples: ledger verify, an API key, a user', () => {
    const out = block(4);
    expect(out).toMatch(/^\d+ commissions checked, 0 with drift$/m);
    expect(out).toMatch(/^API key \(shown once\): tpk_\w+$/m);
    expect(out).toMatch(/\/app\/setup\?token=\S+/);
  });
});
