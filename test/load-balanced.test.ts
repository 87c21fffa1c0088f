// Several stateless instances behind a real load balancer on one PostgreSQL database: Debian's nginx round-robins two
// `touchpoint serve` processes. Redirects land on both and every click is written once; postbacks credit an order once
// whichever instance gets which copy; pausing an offer on one instance stops the other crediting within a second or
// two (LISTEN/NOTIFY); each `once` job runs each period on exactly one instance; and SIGTERM to one instance under a
// steady stream loses nothing it acknowledged while nginx keeps serving through the other.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noNginx, startNginx, type Nginx } from './helpers/nginx.js';
import { freePort, spawnServer, type ServerProcess } from './helpers/server.js';
import { createPgDatabase, PG_URL, tempDir } from './helpers/stores.js';

const UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
/** JOB_PERIOD_MS: every periodic job runs once a second here, so a few seconds show several periods. */
const JOB_PERIOD_MS = 1_000;
/** The `once` jobs of src/jobs/index.ts (the `each` ones, dispatchers and SQLite statistics, claim nothing). */
const ONCE_JOBS = ['approve-due', 'purge-expired', 'leak-detection', 'rollups', 'partitions', 'month-counts'];

/**
 * The load balancer as a production config would have it (docs/scaling.md): round-robin, upstream keep-alive, and a
 * request moved to the other instance when one refuses the connection, resets it, or answers 502/503 (an instance
 * that is stopping answers 503 and does nothing). POST bodies are not moved on an error (nginx's default for
 * non-idempotent requests), except postbacks: one order id is one conversion, so a repeat is harmless.
 */
function nginxConfig(port: number, upstreams: string[]): string {
  const proxy = `
      proxy_pass http://touchpoint;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_connect_timeout 2s;
      proxy_next_upstream_tries 2;
      proxy_next_upstream_timeout 10s;`;
  return `
  upstream touchpoint {
${upstreams.map((u) => `    server ${u} max_fails=1 fail_timeout=2s;`).join('\n')}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${port};
    location / {${proxy}
      proxy_next_upstream error timeout http_502 http_503;
    }
    location = /postback {${proxy}
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
    }
  }`;
}

/** Requests of a route answered with a status, as the process counts them itself (GET /metrics). */
async function served(server: ServerProcess, route: string, status: number): Promise<number> {
  const text = await (await fetch(`${server.base}/metrics`)).text();
  const line = `touchpoint_http_requests_total{method="GET",route="${route}",status="${status}"} `;
  return text
    .split('\n')
    .filter((l) => l.startsWith(line))
    .reduce((n, l) => n + Number(l.slice(line.length)), 0);
}
const served302 = (server: ServerProcess) => served(server, '/:slug', 302);
const servedEither = async (server: ServerProcess) =>
  (await served302(server)) + (await served(server, '/postback', 200));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(PG_URL && !noNginx)('two instances behind nginx on one PostgreSQL database', () => {
  let database: Awaited<ReturnType<typeof createPgDatabase>>;
  let db: pg.Client;
  let nginx: Nginx;
  let a: ServerProcess;
  let b: ServerProcess;
  let lb: string;
  let apiKey: string;
  let secret: string;
  let slug: string;
  let code: string;
  const outputs = () => `--- A ---\n${a?.output()}\n--- B ---\n${b?.output()}\n--- nginx ---\n${nginx?.errors()}`;

  const api = async (server: ServerProcess, method: string, url: string, body?: unknown) => {
    const res = await fetch(`${server.base}/api/v1${url}`, {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    expect(res.status, `${method} ${url}: ${text}`).toBeLessThan(300);
    return JSON.parse(text) as any;
  };
  /** A member with a link and a code on a new offer. */
  const offerWithMember = async (name: string) => {
    const offer = await api(a, 'POST', '/offers', {
      name,
      destinationUrl: 'https://shop.example.com/',
      payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
    });
    const member = await api(b, 'POST', '/members', { name: `${name} creator` });
    const added = await api(a, 'POST', `/offers/${offer.id}/members`, {
      members: [{ memberId: member.id }],
      generateLinks: true,
      generateCodes: true,
    });
    return {
      offerId: offer.id as string,
      slug: added.members[0].links[0].slug as string,
      code: added.members[0].codes[0].code as string,
    };
  };
  const click = async (base: string, path: string) => {
    const res = await fetch(`${base}/${path}`, { redirect: 'manual', headers: { 'user-agent': UA } });
    await res.arrayBuffer();
    const location = res.headers.get('location');
    return { status: res.status, clickId: location ? new URL(location).searchParams.get('tp_click') : null };
  };
  const postback = async (base: string, params: Record<string, string>) => {
    const p = new URLSearchParams({ secret, amount: '50.00', currency: 'USD', ...params });
    const res = await fetch(`${base}/postback?${p}`);
    const text = await res.text();
    return { status: res.status, body: res.status === 200 ? (JSON.parse(text) as { status: string }) : null, text };
  };
  const count = async (query: string, values: unknown[] = []) =>
    Number((await db.query<{ n: string }>(query, values)).rows[0]!.n);
  /** Waits until the clicks are written (both instances buffer them for CLICK_FLUSH_MS). */
  const clicksWritten = async (ids: string[]) => {
    for (let tries = 0; ; tries++) {
      const n = await count('select count(*) as n from clicks where id = any($1)', [ids]);
      if (n === ids.length || tries >= 100) return n;
      await sleep(100);
    }
  };

  beforeAll(async () => {
    database = await createPgDatabase();
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
    const ports = [await freePort(), await freePort()];
    nginx = await startNginx((port) =>
      nginxConfig(
        port,
        ports.map((p) => `127.0.0.1:${p}`),
      ),
    );
    lb = `http://127.0.0.1:${nginx.port}`;
    const env = (dir: string) => ({
      DATABASE_URL: database.url,
      DATA_DIR: dir,
      BASE_URL: lb,
      TRUST_PROXY: 'true',
      CLICK_FLUSH_MS: '100',
      JOB_PERIOD_MS: String(JOB_PERIOD_MS),
    });
    // Nothing is shared but the database: each instance has a data directory of its own.
    a = spawnServer(ports[0]!, env(tempDir()));
    const printed = await a.ready;
    apiKey = /API key:\s+(tpk_\w+)/.exec(printed)?.[1] ?? '';
    expect(apiKey, printed).toBeTruthy();
    b = spawnServer(ports[1]!, env(tempDir()));
    expect(await b.ready).not.toContain('created an empty workspace');
    secret = (await api(b, 'GET', '/workspace')).postbackSecret;
    ({ slug, code } = await offerWithMember('Serum'));
  }, 120_000);

  afterAll(async () => {
    for (const s of [a, b]) if (s && s.child.exitCode === null) s.child.kill('SIGKILL');
    await nginx?.stop();
    await db?.end();
    await database?.drop();
  });

  it('spreads redirects over both instances and writes every click once', async () => {
    const before = [await served302(a), await served302(b)];
    const answers = [];
    for (let i = 0; i < 200; i += 20)
      answers.push(...(await Promise.all(Array.from({ length: 20 }, () => click(lb, slug)))));
    expect(answers.every((r) => r.status === 302 && r.clickId)).toBe(true);
    const ids = answers.map((r) => r.clickId!);
    expect(new Set(ids).size).toBe(200);
    // Each process counts what it served itself: round-robin gives each a share, and the shares add up.
    const after = [await served302(a), await served302(b)];
    const shares = [after[0]! - before[0]!, after[1]! - before[1]!];
    expect(shares[0], outputs()).toBeGreaterThan(40);
    expect(shares[1], outputs()).toBeGreaterThan(40);
    expect(shares[0]! + shares[1]!).toBe(200);
    expect(await clicksWritten(ids)).toBe(200);
    expect(await count('select count(*) as n from clicks')).toBe(200);
  });

  it('credits distinct orders once each, and an order sent many times across instances once', async () => {
    const clicks = await Promise.all(Array.from({ length: 20 }, () => click(lb, slug)));
    const clickIds = clicks.map((c) => c.clickId!);
    expect(await clicksWritten(clickIds)).toBe(20);
    // Distinct orders through nginx: each lands on one instance or the other.
    const distinct = await Promise.all(clickIds.map((c, i) => postback(lb, { order: `D-${i}`, click: c })));
    for (const r of distinct) expect([r.status, r.body?.status], r.text).toEqual([200, 'created']);
    // Ten orders, each sent eight times at once: through nginx and straight to each instance.
    const targets = [lb, a.base, b.base, lb, a.base, b.base, lb, lb];
    const dupes = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const sent = await Promise.all(targets.map((t) => postback(t, { order: `R-${i}`, code })));
        for (const r of sent) expect(r.status, r.text).toBe(200);
        return sent.map((r) => r.body!.status);
      }),
    );
    for (const statuses of dupes) {
      expect(statuses.filter((s) => s === 'created')).toHaveLength(1);
      expect(statuses.filter((s) => s !== 'created' && s !== 'duplicate')).toEqual([]);
    }
    const orders = (
      await db.query<{ order_id: string; n: string; commissions: string }>(
        `select c.order_id, count(distinct c.id) as n, count(m.id) as commissions
           from conversions c left join commissions m on m.conversion_id = c.id
          where c.order_id like 'D-%' or c.order_id like 'R-%' group by c.order_id`,
      )
    ).rows;
    expect(orders).toHaveLength(30);
    for (const o of orders) expect([o.order_id, Number(o.n), Number(o.commissions)]).toEqual([o.order_id, 1, 1]);
  });

  it('stops crediting on the other instance soon after an offer is paused on one', async () => {
    const other = await offerWithMember('Launch');
    // B has the link cached and credits it.
    expect((await click(b.base, other.slug)).clickId).toBeTruthy();
    await api(a, 'POST', `/offers/${other.offerId}/pause`);
    const paused = Date.now();
    let waited: number;
    for (;;) {
      const r = await click(b.base, other.slug);
      expect(r.status).toBe(302);
      waited = Date.now() - paused;
      if (!r.clickId) break;
      expect(waited, 'B still credits the paused offer').toBeLessThan(2_000);
      await sleep(20);
    }
    // And through nginx, whichever instance answers.
    for (let i = 0; i < 6; i++) expect((await click(lb, other.slug)).clickId).toBeNull();
    console.info(`load-balanced: B stopped crediting ${waited} ms after the pause on A`);
  });

  it('runs each `once` job once per period across both instances', async () => {
    const from = Math.ceil(Date.now() / JOB_PERIOD_MS) * JOB_PERIOD_MS;
    await sleep(6 * JOB_PERIOD_MS);
    const to = Math.floor(Date.now() / JOB_PERIOD_MS) * JOB_PERIOD_MS - JOB_PERIOD_MS;
    const runs = (
      await db.query<{ name: string; period_start: string; claimed_by: string }>(
        'select name, period_start, claimed_by from job_runs where period_start between $1 and $2',
        [from, to],
      )
    ).rows;
    const periods: number[] = [];
    for (let p = from; p <= to; p += JOB_PERIOD_MS) periods.push(p);
    expect(periods.length).toBeGreaterThanOrEqual(4);
    for (const name of ONCE_JOBS) {
      const mine = runs.filter((r) => r.name === name).map((r) => Number(r.period_start));
      // Every period of the window once: none missed, none twice.
      expect(
        mine.sort((x, y) => x - y),
        name,
      ).toEqual(periods);
    }
    expect(runs).toHaveLength(ONCE_JOBS.length * periods.length);
    // Claimed by the two instances (host:pid:tag), and by nobody else.
    const pids = new Set(runs.map((r) => Number(r.claimed_by.split(':')[1])));
    expect([...pids].every((p) => p === a.child.pid || p === b.child.pid)).toBe(true);
    console.info(
      `load-balanced: ${runs.length} job periods claimed, by A ${runs.filter((r) => Number(r.claimed_by.split(':')[1]) === a.child.pid).length}, by B ${runs.filter((r) => Number(r.claimed_by.split(':')[1]) === b.child.pid).length}`,
    );
  });

  it('loses nothing it acknowledged when one instance is stopped under load, and keeps serving', async () => {
    const acked = { clicks: [] as string[], orders: [] as string[] };
    const failed: string[] = [];
    let afterExit = 0;
    let bExited = false;
    let stop = false;
    let n = 0;
    const bServedBefore = await servedEither(b);
    const worker = async () => {
      while (!stop) {
        const i = n++;
        // Chosen at random: alternating would line up with nginx's round-robin (every redirect to one instance).
        if (Math.random() < 0.5) {
          const r = await click(lb, slug).catch((e: Error) => ({ status: 0, clickId: null, error: e.message }));
          if (r.status === 302 && r.clickId) acked.clicks.push(r.clickId);
          else failed.push(`redirect ${JSON.stringify(r)}`);
        } else {
          const order = `S-${i}`;
          const r = await postback(lb, { order, code }).catch((e: Error) => ({
            status: 0,
            body: null,
            text: e.message,
          }));
          if (r.status === 200 && r.body?.status === 'created') acked.orders.push(order);
          else failed.push(`postback ${r.status} ${r.text}`);
        }
        if (bExited) afterExit++;
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    // B serves part of the stream before it is told to stop.
    for (let tries = 0; (await servedEither(b)) < bServedBefore + 20; tries++) {
      expect(tries, `B served none of the stream\n${outputs()}`).toBeLessThan(100);
      await sleep(100);
    }
    const termAt = Date.now();
    b.child.kill('SIGTERM');
    const exitCode = await b.exited;
    const stopMs = Date.now() - termAt;
    bExited = true;
    await sleep(1_500);
    stop = true;
    await Promise.all(workers);

    expect(exitCode, outputs()).toBe(0);
    expect(afterExit, 'nginx kept serving through A').toBeGreaterThan(10);
    expect(acked.clicks.length).toBeGreaterThan(20);
    expect(acked.orders.length).toBeGreaterThan(20);
    // The stop is prompt: the load balancer's keep-alive connections do not hold it (see buildApp's preClose).
    expect(stopMs, outputs()).toBeLessThan(10_000);
    // Every acknowledged click and order is in the database (A's last clicks after its next flush).
    expect(await clicksWritten(acked.clicks)).toBe(acked.clicks.length);
    expect(await count('select count(*) as n from conversions where order_id = any($1)', [acked.orders])).toBe(
      acked.orders.length,
    );
    // nginx moved what B could no longer take to A: no request failed.
    expect(failed, outputs()).toEqual([]);
    // The `once` jobs go on with one instance: A claims the periods after B's exit.
    const since = Math.ceil(Date.now() / JOB_PERIOD_MS) * JOB_PERIOD_MS;
    await sleep(2.5 * JOB_PERIOD_MS);
    const later = (
      await db.query<{ claimed_by: string }>('select claimed_by from job_runs where period_start >= $1', [since])
    ).rows;
    expect(later.length).toBeGreaterThanOrEqual(ONCE_JOBS.length);
    expect(later.every((r) => Number(r.claimed_by.split(':')[1]) === a.child.pid)).toBe(true);
    console.info(
      `load-balanced: stream of ${acked.clicks.length} clicks and ${acked.orders.length} orders acknowledged, ${afterExit} answered after B exited ${stopMs} ms after SIGTERM`,
    );
  }, 60_000);
});
