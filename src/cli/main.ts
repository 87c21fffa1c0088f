// touchpoint: serve, migrate, workspace and API keys, demo data, import and export.
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import type { AppContext } from '../app/context.js';
import { exportRoster } from '../app/code-roster.js';
import { seedDemo } from '../app/demo.js';
import { importMembers } from '../app/members.js';
import { verifyLedger } from '../app/ledger.js';
import { rebuildRollups } from '../app/rollups.js';
import type { TabularFormat } from '../app/tabular.js';
import { createFirstOwner, createUser, resetPassword, ROLES, type OwnerLogin, type Role } from '../app/users.js';
import { createApiKey, createWorkspace } from '../app/workspaces.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { migrateToLatest, openStore, type Store } from '../db/dialect/index.js';
import { findWorkspace, listWorkspaces } from '../db/workspaces.js';
import { startServer } from '../http/server.js';
import { createProgress } from './progress.js';

function config(): Config {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`Configuration error: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
}

/**
 * Commands run maintenance work (migrations, rollup rebuilds, generated data) whose statements may rightly run for
 * minutes: the server's statement timeout (DB_STATEMENT_TIMEOUT_MS) is for requests, not for them.
 */
const MAINTENANCE_STATEMENT_TIMEOUT = 0;

/** Opens the configured store, migrated, runs `work`, and closes it. */
async function withStore<T>(work: (ctx: AppContext, store: Store) => Promise<T>): Promise<T> {
  const cfg = config();
  const store = openStore({ ...cfg, dbStatementTimeoutMs: MAINTENANCE_STATEMENT_TIMEOUT });
  try {
    await migrateToLatest(store.db);
    return await work({ store, clock: Date.now, baseUrl: cfg.baseUrl, trackingChanged: async () => {} }, store);
  } finally {
    await store.close();
  }
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function formatOf(file: string): TabularFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.xlsx') return 'xlsx';
  return fail(`Unknown file type "${ext}": use .csv or .xlsx.`);
}

async function actorFor(store: Store, workspaceId: string) {
  if (!(await findWorkspace(store.db, workspaceId))) fail(`No workspace ${workspaceId}.`);
  return { workspaceId, actor: 'cli' };
}

/** How to sign in to the dashboard with a one-time password (the dashboard then asks for a new one). */
function ownerLines(owner: Pick<OwnerLogin, 'email' | 'password'>, loginUrl: string, note = ''): string[] {
  return [
    `  Dashboard:   ${loginUrl}`,
    `  Sign in as:  ${owner.email}   one-time password: ${owner.password}   (shown once${note}; you choose your own at first sign-in)`,
  ];
}

const program = new Command('touchpoint').description('Sales tracking for influencer and affiliate programs.');

program
  .command('serve')
  .description('Start the server (dashboard, admin API and tracking surface); applies migrations first.')
  .action(async () => {
    const cfg = config();
    const server = await startServer(cfg);
    const log = server.built.app.log;
    const where = server.store.dialect.describe(server.store.location);
    const lines = [``, `Touchpoint is running at ${cfg.baseUrl} (${where}).`];
    const first = server.firstStart;
    if (first && 'demo' in first) {
      const link = first.demo.offers[0]!.members[0]!;
      lines.push(
        `First start: created the demo workspace "Demo Brand" with two offers, three creators, their links and codes.`,
        `  API key:     ${first.demo.apiKey}   (shown once; also saved in ${path.relative(process.cwd(), cfg.dataDir)}/demo.json)`,
        `  Try the API: curl -H "Authorization: Bearer ${first.demo.apiKey}" ${cfg.baseUrl}/api/v1/offers`,
        `  Click a link: ${link.link}   (${link.name}'s link for "${first.demo.offers[0]!.name}")`,
      );
    } else if (first) {
      lines.push(
        `First start: created an empty workspace ${first.workspaceId}.`,
        `  API key:     ${first.apiKey}   (shown once)`,
      );
    }
    if (server.ownerLogin) {
      const saved =
        first && 'demo' in first ? `; also saved in ${path.relative(process.cwd(), cfg.dataDir)}/demo.json` : '';
      lines.push(...ownerLines(server.ownerLogin, server.ownerLogin.loginUrl, saved));
    }
    lines.push(`  API reference: ${cfg.baseUrl}/api/v1/openapi.json`, ``);
    console.log(lines.join('\n'));
    const shutdown = async (signal: string) => {
      log.info({ signal }, 'shutting down: writing buffered clicks');
      const { lost } = await server.stop();
      if (lost) log.error({ lost }, 'clicks could not be written before exit');
      process.exit(lost ? 1 : 0);
    };
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    process.once('SIGINT', () => void shutdown('SIGINT'));
  });

program
  .command('migrate')
  .description('Apply pending database migrations.')
  .action(async () => {
    const cfg = config();
    const store = openStore({ ...cfg, dbStatementTimeoutMs: MAINTENANCE_STATEMENT_TIMEOUT });
    const applied = await migrateToLatest(store.db);
    await store.close();
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
  });

const workspace = program.command('workspace').description('Workspaces (one per brand).');
workspace
  .command('create')
  .description('Create a workspace and its first API key.')
  .requiredOption('--name <name>', 'brand name')
  .option('--timezone <tz>', 'IANA time zone for reports', 'UTC')
  .option('--currency <code>', 'default currency', 'USD')
  .option('--owner-email <email>', 'the owner who signs in to the dashboard (default: OWNER_EMAIL or owner@localhost)')
  .option('--json', 'print {workspaceId, apiKey, owner} as JSON')
  .action(async (o: { name: string; timezone: string; currency: string; ownerEmail?: string; json?: boolean }) => {
    const cfg = config();
    const made = await withStore(async (ctx) => {
      const r = await createWorkspace(ctx, o);
      // An email signs in to one workspace: when it already has one, the new workspace gets its owner later (user create).
      return r.ok
        ? { ...r.value, owner: await createFirstOwner(ctx, r.value.workspace.id, o.ownerEmail ?? cfg.ownerEmail) }
        : r;
    });
    if ('problem' in made) return fail(made.problem.details?.[0]?.message ?? made.problem.message);
    const owner = made.owner && { email: made.owner.email, password: made.owner.password };
    if (o.json) return console.log(JSON.stringify({ workspaceId: made.workspace.id, apiKey: made.apiKey, owner }));
    console.log(`Workspace ${made.workspace.id} created.\nAPI key (shown once): ${made.apiKey}`);
    if (owner) console.log(ownerLines(owner, `${cfg.baseUrl}/app/login`).join('\n'));
    else
      console.log(
        `No owner login made: ${o.ownerEmail ?? cfg.ownerEmail} already signs in to another workspace. Add one with\n  touchpoint user create --workspace ${made.workspace.id} --email <email> --role owner`,
      );
  });

program
  .command('api-key')
  .description('Create an API key for a workspace (shown once).')
  .requiredOption('--workspace <id>', 'workspace id (ws_…)')
  .option('--name <name>', 'what the key is for', 'CLI key')
  .option('--json', 'print as JSON')
  .action(async (o: { workspace: string; name: string; json?: boolean }) => {
    const key = await withStore(async (ctx, store) => createApiKey(ctx, await actorFor(store, o.workspace), o.name));
    console.log(o.json ? JSON.stringify(key) : `API key (shown once): ${key.key}`);
  });

program
  .command('demo')
  .description('Create a demo workspace: two offers, three members, their links and codes.')
  .option('--json', 'print everything (API key, offers, links, codes) as JSON')
  .action(async (o: { json?: boolean }) => {
    const cfg = config();
    const demo = await withStore((ctx) => seedDemo(ctx, { ownerEmail: cfg.ownerEmail }));
    if (o.json) return console.log(JSON.stringify(demo, null, 2));
    console.log(`Demo workspace ${demo.workspaceId}\nAPI key (shown once): ${demo.apiKey}`);
    if (demo.owner) console.log(ownerLines(demo.owner, `${cfg.baseUrl}/app/login`).join('\n'));
    for (const offer of demo.offers) {
      console.log(
        `\n${offer.name} (${offer.id}): ${offer.payout}${offer.genericCode ? `, generic code ${offer.genericCode}` : ''}`,
      );
      for (const m of offer.members) console.log(`  ${m.name.padEnd(15)} ${m.link}${m.code ? `  code ${m.code}` : ''}`);
    }
  });

const user = program.command('user').description('People who sign in to the dashboard.');
user
  .command('create')
  .description('Add a user to a workspace and print their setup link (single use, valid 72 hours).')
  .requiredOption('--workspace <id>', 'workspace id (ws_…)')
  .requiredOption('--email <email>', 'their email address (one user per address)')
  .option('--role <role>', `${ROLES.join(', ')}`, 'manager')
  .option('--name <name>', 'their name (default: the email address)')
  .option('--json', 'print {user, setupUrl, expiresAt} as JSON')
  .action(async (o: { workspace: string; email: string; role: string; name?: string; json?: boolean }) => {
    if (!ROLES.includes(o.role as Role)) fail(`Unknown role "${o.role}": use ${ROLES.join(', ')}.`);
    const r = await withStore(async (ctx, store) =>
      createUser(ctx, await actorFor(store, o.workspace), {
        email: o.email,
        name: o.name ?? o.email,
        role: o.role as Role,
      }),
    );
    if (!r.ok) fail(r.problem.details?.[0]?.message ?? r.problem.message);
    if (o.json) return console.log(JSON.stringify(r.value));
    console.log(
      `User ${r.value.user.email} (${r.value.user.role}) created.\nSetup link (single use, until ${r.value.expiresAt}):\n  ${r.value.setupUrl}`,
    );
  });
user
  .command('reset-password')
  .description(
    'Give a user a new one-time password (their sessions and setup links end); they choose a new one at sign-in.',
  )
  .requiredOption('--email <email>', "the user's email address")
  .option('--json', 'print {email, password} as JSON')
  .action(async (o: { email: string; json?: boolean }) => {
    const cfg = config();
    const r = await withStore((ctx) => resetPassword(ctx, o.email));
    if (!r.ok) fail(r.problem.message);
    if (o.json) return console.log(JSON.stringify({ email: r.value.email, password: r.value.password }));
    console.log(
      `New one-time password for ${r.value.email}.\n${ownerLines(r.value, `${cfg.baseUrl}/app/login`).join('\n')}`,
    );
  });

const importCmd = program.command('import').description('Bulk import from CSV or XLSX (all or nothing).');
importCmd
  .command('members <file>')
  .description('Import members: name, email, instagram, tiktok, youtube, reach, project, tags, external_id.')
  .requiredOption('--workspace <id>', 'workspace id (ws_…)')
  .action(async (file: string, o: { workspace: string }) => {
    const body = fs.readFileSync(file);
    const r = await withStore(async (ctx, store) =>
      importMembers(ctx, await actorFor(store, o.workspace), body, formatOf(file)),
    );
    if (!r.ok) {
      console.error(r.problem.message);
      for (const d of r.problem.details ?? [])
        console.error(`  line ${d.line ?? '-'}${d.path ? ` (${d.path})` : ''}: ${d.message}`);
      process.exit(1);
    }
    console.log(`Imported: ${r.value.created} created, ${r.value.updated} updated.`);
  });

const exportCmd = program.command('export').description('Export to CSV or XLSX.');
exportCmd
  .command('roster')
  .description("Export an offer's code roster with an empty new_code column to fill in.")
  .requiredOption('--workspace <id>', 'workspace id (ws_…)')
  .requiredOption('--offer <id>', 'offer id (off_…)')
  .requiredOption('--out <file>', 'output file, .csv or .xlsx')
  .action(async (o: { workspace: string; offer: string; out: string }) => {
    const r = await withStore(async (ctx, store) =>
      exportRoster(ctx, await actorFor(store, o.workspace), o.offer, formatOf(o.out)),
    );
    if (!r.ok) fail(r.problem.message);
    fs.writeFileSync(o.out, r.value);
    console.log(`Wrote ${o.out}.`);
  });

/** "10000000", "10_000_000", "10,000,000", "10M" and "250k" are all accepted. */
function count(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(raw.replace(/[_,]/g, ''));
  const n = m ? Number(m[1]) * (m[2]?.toLowerCase() === 'm' ? 1e6 : m[2]?.toLowerCase() === 'k' ? 1e3 : 1) : NaN;
  if (!Number.isSafeInteger(n)) fail(`"${raw}" is not a whole number.`);
  return n;
}

program
  .command('generate')
  .description(
    'Write a realistic synthetic data set (offers, members, links, codes, clicks, orders, commissions), then rebuild the report rollups.',
  )
  .option('--clicks <n>', 'clicks to write (default 1M)')
  .option('--conversions <n>', 'conversions (orders) to write (default 50k)')
  .option('--members <n>', 'members (creators) (default 2000)')
  .option('--days <n>', 'days of history, ending now (default 90)')
  .option('--workspace <id>', 'generate into this workspace instead of a new one named "Generated"')
  .option('--seed <n>', 'random seed: the same seed gives the same data set (default 1)')
  .action(
    async (o: {
      clicks?: string;
      conversions?: string;
      members?: string;
      days?: string;
      workspace?: string;
      seed?: string;
    }) => {
      const maybe = (raw: string | undefined) => (raw === undefined ? undefined : count(raw));
      const options = {
        clicks: maybe(o.clicks),
        conversions: maybe(o.conversions),
        members: maybe(o.members),
        days: maybe(o.days),
        seed: maybe(o.seed),
      };
      // Loaded here, not at start: `serve` need not compile the generator.
      const { generateDataset } = await import('../generate/index.js');
      const progress = createProgress(process.stderr);
      const r = await withStore((ctx) =>
        generateDataset(ctx, {
          ...options,
          ...(o.workspace ? { workspaceId: o.workspace } : {}),
          onProgress: (p) => progress.update(p.phase, p.done, p.total),
        }),
      );
      progress.end();
      if (!r.ok) {
        console.error(r.problem.message);
        for (const d of r.problem.details ?? []) console.error(`  ${d.path ?? ''}: ${d.message}`);
        process.exit(1);
      }
      console.log(JSON.stringify(r.value, null, 2));
    },
  );

const rollups = program
  .command('rollups')
  .description('Report rollups (raw rows stay the truth; see docs/adr/0006-report-rollups.md).');
rollups
  .command('rebuild')
  .description("Recompute the report rollups from the raw clicks and conversions, in each workspace's time zone.")
  .option('--workspace <id>', 'only this workspace')
  .action(async (o: { workspace?: string }) => {
    await withStore(async (_ctx, store) => {
      const ids = o.workspace
        ? [(await actorFor(store, o.workspace)).workspaceId]
        : (await listWorkspaces(store.db)).map((w) => w.id);
      const progress = createProgress(process.stderr);
      for (const id of ids) {
        const started = Date.now();
        const r = await rebuildRollups(store, id, {
          onProgress: (p) => progress.update(`${id} ${p.phase} (days)`, p.done, p.total),
        });
        progress.end();
        console.log(
          `${id}: ${r.days} days rebuilt in ${r.timeZone} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
      }
    });
  });

const ledger = program.command('ledger').description('The commission ledger (docs/adr/0011-commission-ledger.md).');
ledger
  .command('verify')
  .description(
    "Recompute every commission's amount and status from its ledger entries and report any drift (exit code 1 when there is some).",
  )
  .option('--workspace <id>', 'only this workspace')
  .option('--json', 'print the result as JSON')
  .action(async (o: { workspace?: string; json?: boolean }) => {
    const report = await withStore(async (_ctx, store) => {
      const workspaceId = o.workspace ? (await actorFor(store, o.workspace)).workspaceId : undefined;
      const total = Number(
        (
          await store.db
            .selectFrom('commissions')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .$if(!!workspaceId, (q) => q.where('workspace_id', '=', workspaceId!))
            .executeTakeFirstOrThrow()
        ).n,
      );
      const progress = createProgress(process.stderr);
      const r = await verifyLedger(store.db, workspaceId, (checked) =>
        progress.update('commissions checked', checked, total),
      );
      progress.end();
      return r;
    });
    if (o.json) console.log(JSON.stringify(report, null, 2));
    else {
      for (const d of report.drift.slice(0, 100)) console.log(`${d.commissionId}: ${d.problem}`);
      if (report.drift.length > 100) console.log(`… and ${report.drift.length - 100} more`);
      console.log(`${report.checked} commissions checked, ${report.drift.length} with drift`);
      for (const d of report.monthCountDrift.slice(0, 100))
        console.log(
          `volume-tier count of offer ${d.offerId}, member ${d.memberId}, ${d.monthKey}: ${d.counter}, but ${d.commissions} commissions count`,
        );
      if (report.monthCountDrift.length) console.log(`${report.monthCountDrift.length} volume-tier counts with drift`);
    }
    if (report.drift.length || report.monthCountDrift.length) process.exit(1);
  });

program.parseAsync().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
