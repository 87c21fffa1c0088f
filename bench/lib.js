// Shared pieces of the benchmarks: seeding through the built application code, child processes, memory.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * Creates a workspace, an offer and `links` members with one link each, using the compiled use cases. The offer pays
 * 10 %, or, with `tiers`, 10 % rising with the member's approved conversions of the month (volume tiers).
 */
export async function seedLinks({ dataDir, databaseUrl, links, cli, tiers = false }) {
  const dist = path.resolve(path.dirname(cli), '..');
  const { openStore, migrateToLatest } = await import(path.join(dist, 'db/dialect/index.js'));
  const { createWorkspace } = await import(path.join(dist, 'app/workspaces.js'));
  const { createOffer } = await import(path.join(dist, 'app/offers.js'));
  const { addMembersToOffer } = await import(path.join(dist, 'app/offer-members.js'));
  const { insertMembers } = await import(path.join(dist, 'db/members.js'));
  const { newId } = await import(path.join(dist, 'core/ids.js'));
  const store = openStore({ databaseUrl, dataDir });
  await migrateToLatest(store.db);
  const ctx = { store, clock: Date.now, baseUrl: 'http://127.0.0.1', trackingChanged: async () => {} };
  const ws = await createWorkspace(ctx, { name: 'Bench' });
  const actor = { workspaceId: ws.value.workspace.id, actor: 'bench' };
  const offer = await createOffer(ctx, actor, {
    name: 'Bench offer',
    destinationUrl: 'https://shop.example.com/products/item?aff={aff_id}',
    codeAppend: { mode: 'query', param: 'discount' },
    payoutOptions: [
      {
        title: 'Standard',
        type: 'percent',
        value: '10',
        ...(tiers
          ? {
              tiers: [
                { fromConversion: 50, value: '12' },
                { fromConversion: 500, value: '15' },
              ],
            }
          : {}),
      },
    ],
  });
  const now = Date.now();
  const members = Array.from({ length: links }, (_, i) => ({
    id: newId('mem', now),
    workspace_id: actor.workspaceId,
    name: `Creator ${i}`,
    email: `c${i}@example.com`,
    instagram: `creator${i}`,
    tiktok: null,
    youtube: null,
    reach: 1000 + i,
    project: 'Bench',
    tags: '[]',
    external_id: null,
    created_at: now,
    updated_at: now,
  }));
  await insertMembers(store.db, members);
  const slugs = [];
  const codes = [];
  for (let i = 0; i < members.length; i += 500) {
    const added = await addMembersToOffer(ctx, actor, offer.value.id, {
      members: members.slice(i, i + 500).map((m) => ({ memberId: m.id })),
      generateLinks: true,
      generateCodes: true,
    });
    for (const m of added.value.members) {
      slugs.push(m.links[0].slug);
      codes.push(m.codes[0].code);
    }
  }
  const slugsFile = path.join(dataDir, 'slugs.json');
  fs.writeFileSync(slugsFile, JSON.stringify(slugs));
  return { store, slugs, slugsFile, codes, secret: ws.value.workspace.postbackSecret, offerId: offer.value.id };
}

export async function countClicks(store) {
  const r = await store.db
    .selectFrom('clicks')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function startChild(cmd, argv, env) {
  const child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  return child;
}

export async function waitForHttp(url, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function stopChild(child, signal) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

/** Peak resident set size of a process (VmHWM), in MB. */
export function peakRssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * CPU time (user + system, all threads) a process has used so far, in microseconds, from /proc (Linux). Divided by
 * the requests served, it is less sensitive to other load on the machine than requests per second.
 */
export function cpuMicros(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the command name; clock ticks of 1/100 s.
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/**
 * CPU time (µs) of every PostgreSQL process on this machine so far (the live ones, and through the postmaster's
 * children times those that ended), from /proc; null where the server is not local or not readable.
 */
export function postgresCpuMicros() {
  try {
    const dir = '/var/run/postgresql';
    const pidFile = fs.readdirSync(dir).find((f) => f.endsWith('.pid'));
    const postmaster = fs.readFileSync(path.join(dir, pidFile), 'utf8').split('\n')[0].trim();
    let ticks = 0;
    for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      let stat;
      try {
        stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue;
      }
      if (!stat.includes('(postgres)')) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]) + (pid === postmaster ? Number(f[13]) + Number(f[14]) : 0);
    }
    return ticks * 10_000;
  } catch {
    return null;
  }
}
