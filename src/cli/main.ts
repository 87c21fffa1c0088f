// touchpoint: serve, migrate, workspace and API keys, demo data, import and export.
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import type { AppContext } from '../app/context.js';
import { exportRoster } from '../app/code-roster.js';
import { seedDemo } from '../app/demo.js';
import { importMembers } from '../app/members.js';
import type { TabularFormat } from '../app/tabular.js';
import { createApiKey, createWorkspace } from '../app/workspaces.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { migrateToLatest, openStore, type Store } from '../db/dialect.js';
import { findWorkspace } from '../db/workspaces.js';
import { startServer } from '../http/server.js';

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

/** Opens the configured store, migrated, runs `work`, and closes it. */
async function withStore<T>(work: (ctx: AppContext, store: Store) => Promise<T>): Promise<T> {
  const cfg = config();
  const store = openStore(cfg);
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

const program = new Command('touchpoint').description('Sales tracking for influencer and affiliate programs.');

program
  .command('serve')
  .description('Start the server (dashboard, admin API and tracking surface); applies migrations first.')
  .action(async () => {
    const cfg = config();
    const server = await startServer(cfg);
    const log = server.built.app.log;
    const where = server.store.kind === 'sqlite' ? `SQLite at ${path.relative(process.cwd(), server.store.location) || server.store.location}` : `PostgreSQL ${server.store.location}`;
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
      lines.push(`First start: created an empty workspace ${first.workspaceId}.`, `  API key:     ${first.apiKey}   (shown once)`);
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
    const store = openStore(cfg);
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
  .option('--json', 'print {workspaceId, apiKey} as JSON')
  .action(async (o: { name: string; timezone: string; currency: string; json?: boolean }) => {
    const r = await withStore((ctx) => createWorkspace(ctx, o));
    if (!r.ok) fail(r.problem.details?.[0]?.message ?? r.problem.message);
    if (o.json) console.log(JSON.stringify({ workspaceId: r.value.workspace.id, apiKey: r.value.apiKey }));
    else console.log(`Workspace ${r.value.workspace.id} created.\nAPI key (shown once): ${r.value.apiKey}`);
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
    const demo = await withStore((ctx) => seedDemo(ctx));
    if (o.json) return console.log(JSON.stringify(demo, null, 2));
    console.log(`Demo workspace ${demo.workspaceId}\nAPI key (shown once): ${demo.apiKey}`);
    for (const offer of demo.offers) {
      console.log(`\n${offer.name} (${offer.id}): ${offer.payout}${offer.genericCode ? `, generic code ${offer.genericCode}` : ''}`);
      for (const m of offer.members) console.log(`  ${m.name.padEnd(15)} ${m.link}${m.code ? `  code ${m.code}` : ''}`);
    }
  });

const importCmd = program.command('import').description('Bulk import from CSV or XLSX (all or nothing).');
importCmd
  .command('members <file>')
  .description('Import members: name, email, instagram, tiktok, youtube, reach, project, tags, external_id.')
  .requiredOption('--workspace <id>', 'workspace id (ws_…)')
  .action(async (file: string, o: { workspace: string }) => {
    const body = fs.readFileSync(file);
    const r = await withStore(async (ctx, store) => importMembers(ctx, await actorFor(store, o.workspace), body, formatOf(file)));
    if (!r.ok) {
      console.error(r.problem.message);
      for (const d of r.problem.details ?? []) console.error(`  line ${d.line ?? '-'}${d.path ? ` (${d.path})` : ''}: ${d.message}`);
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
    const r = await withStore(async (ctx, store) => exportRoster(ctx, await actorFor(store, o.workspace), o.offer, formatOf(o.out)));
    if (!r.ok) fail(r.problem.message);
    fs.writeFileSync(o.out, r.value);
    console.log(`Wrote ${o.out}.`);
  });

program.parseAsync().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
