// `touchpoint generate` (issue #5): a realistic synthetic data set written into the configured store, for demos, load
// tests and report benchmarks. The program (offers, members, links, codes) is set up through the app's use cases;
// the traffic and the orders are bulk-written as the app would have written them, then the report rollups are rebuilt.
// Same seed, same options, same range end: the same data set (names, codes, times, amounts, decisions, statuses);
// ids, slugs, IP hash keys and API keys are fresh each run (they come from the CSPRNG, as they must).
import { performance } from 'node:perf_hooks';
import { monthsBetween } from '../core/click-retention.js';
import { fail, ok, type ProblemDetail, type Result } from '../core/result.js';
import { Rng } from '../core/synthetic.js';
import { openBulkWriter, bulkColumns, type BulkPart, type BulkTable, type BulkWriter } from '../db/bulk-insert.js';
import { findWorkspace } from '../db/workspaces.js';
import type { Actor, AppContext } from '../app/context.js';
import { BOT_VISITORS, ClickFactory, streamClicks } from './clicks.js';
import { replay, type Ledger } from './ledger.js';
import { leakSize, OrderPlanner, UNKNOWN_CODES, type PlannedOrder } from './orders.js';
import { buildWorld, DAY_MS, type World } from './world.js';
import { rebuildRollups } from '../app/rollups.js';
import { createApiKey, createWorkspace } from '../app/workspaces.js';

/** Unset counts take GENERATE_DEFAULTS; the seed defaults to 1. */
export interface GenerateOptions {
  clicks?: number;
  conversions?: number;
  members?: number;
  days?: number;
  /** Generate into this workspace; by default a new one named "Generated". */
  workspaceId?: string;
  seed?: number;
  /** End of the range (epoch ms); by default the context's clock, so the last 24 h are "now". */
  now?: number;
  onProgress?: (p: GenerateProgress) => void;
}

export interface GenerateProgress {
  phase: string;
  done: number;
  total: number;
}

export interface GenerateSummary {
  workspaceId: string;
  workspaceName: string;
  apiKey: string;
  seed: number;
  from: string;
  to: string;
  counts: {
    members: number;
    offers: number;
    links: number;
    codes: number;
    clicks: number;
    uniqueClicks: number;
    botClicks: number;
    untrackedClicks: number;
    conversions: number;
    unattributed: number;
    refunded: number;
    cancelled: number;
    commissions: Record<'pending' | 'approved' | 'paid' | 'reversed', number>;
    payoutBatches: number;
  };
  leakedCode: { codeId: string; code: string; memberId: string; ordersLast24h: number } | null;
  elapsedMs: number;
}

export const GENERATE_DEFAULTS = { clicks: 1_000_000, conversions: 50_000, members: 2_000, days: 90 } as const;
/** Rows per write of orders: a conversion with its events, commissions and adjustments. */
const ORDERS_PER_WRITE = 2_000;
const ACTOR = 'cli:generate';

type Settled = Required<Pick<GenerateOptions, 'clicks' | 'conversions' | 'members' | 'days' | 'seed'>> &
  GenerateOptions;

function check(o: Settled): ProblemDetail[] {
  const problems: ProblemDetail[] = [];
  const whole = (path: 'clicks' | 'conversions' | 'members' | 'days' | 'seed', min: number, max: number) => {
    const v = o[path];
    if (!Number.isSafeInteger(v) || v < min || v > max)
      problems.push({ path, code: 'out_of_range', message: `${path} must be a whole number from ${min} to ${max}.` });
  };
  whole('clicks', 0, 500_000_000);
  whole('conversions', 0, 2_000_000);
  whole('members', 1, 200_000);
  whole('days', 1, 365);
  whole('seed', 0, 2 ** 32 - 1);
  return problems;
}

export async function generateDataset(ctx: AppContext, options: GenerateOptions): Promise<Result<GenerateSummary>> {
  const o: Settled = {
    ...GENERATE_DEFAULTS,
    seed: 1,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  };
  const problems = check(o);
  if (problems.length) return fail('validation_failed', 'Some options are not valid.', problems);
  const started = performance.now();
  const progress = o.onProgress ?? (() => {});
  const to = o.now ?? ctx.clock();
  const from = to - o.days * DAY_MS;
  // The program was set up a few days before the first click; the use cases stamp what they make with this clock.
  let clock = from - 3 * DAY_MS;
  const gen: AppContext = { ...ctx, clock: () => clock };

  progress({ phase: 'setup', done: 0, total: 1 });
  let ws;
  let apiKey: string | null = null;
  if (o.workspaceId) {
    ws = await findWorkspace(ctx.store.db, o.workspaceId);
    if (!ws) return fail('not_found', `No workspace ${o.workspaceId}.`);
  } else {
    const created = await createWorkspace(gen, { name: 'Generated', timezone: 'UTC', currency: 'USD' });
    if (!created.ok) return created;
    apiKey = created.value.apiKey;
    ws = (await findWorkspace(ctx.store.db, created.value.workspace.id))!;
  }
  const actor: Actor = { workspaceId: ws.id, actor: ACTOR };
  const world = await buildWorld(gen, ws, actor, { members: o.members, rangeStart: from, rangeEnd: to, seed: o.seed });
  progress({ phase: 'setup', done: 1, total: 1 });

  // The range's months get their partitions (PostgreSQL, ADR 0012), as a server running through them would have made.
  await ctx.store.dialect.preparePartitions(ctx.store.db, monthsBetween(clock, to));
  // Until the rebuild at the end, reports read raw rows and a running server's click writer leaves rollups alone.
  await ctx.store.db.updateTable('workspaces').set({ rollup_timezone: null }).where('id', '=', ws.id).execute();

  const leak = leakSize(o.conversions);
  // The leak's coupon-site clicks are part of --clicks; with too few clicks to spare, the leak comes without any.
  const clickedGeneric = Math.round(leak * 0.35);
  const clickedMember = Math.round(leak * 0.1);
  const leakable = [...world.codeOf.keys()].some(
    (k) => k.startsWith('0:') && world.members[Number(k.slice(2))]!.weight > 0,
  );
  const couponClicks =
    leakable && 2 * (clickedGeneric + clickedMember) * 20 <= o.clicks ? 2 * (clickedGeneric + clickedMember) : 0;
  const normal = o.conversions - leak;

  const writer = openBulkWriter(ctx.store);
  let ledger: Ledger;
  let factory: ClickFactory;
  let leaked: { code: number; orders: number } | null = null;
  try {
    factory = new ClickFactory(
      world,
      writer,
      Math.min(400_000, Math.max(50, Math.round(o.clicks * 0.3))),
      o.seed,
      (written) => progress({ phase: 'clicks', done: written, total: o.clicks }),
    );
    progress({ phase: 'clicks', done: 0, total: o.clicks });
    const stream = await streamClicks(world, factory, {
      from,
      to,
      total: o.clicks - couponClicks,
      wantedCandidates: Math.round(normal * 0.75),
      seed: o.seed,
    });

    const taken = new Set(
      (
        await ctx.store.db
          .selectFrom('promo_codes')
          .select('code_normalized')
          .where('workspace_id', '=', ws.id)
          .where('code_normalized', 'in', UNKNOWN_CODES)
          .execute()
      ).map((r) => r.code_normalized),
    );
    const planner = new OrderPlanner(
      world,
      stream.slots,
      { from, to },
      o.seed,
      UNKNOWN_CODES.filter((c) => !taken.has(c)),
    );
    const orders = planner.plan(normal, stream.candidates);
    const chosen = planner.chooseLeak(orders, leak);
    if (chosen) {
      const plan = planner.planLeak(
        chosen.code,
        leak,
        couponClicks ? { generic: clickedGeneric, member: clickedMember } : { generic: 0, member: 0 },
      );
      await couponSiteClicks(world, factory, plan, couponClicks, chosen.code, { to, seed: o.seed });
      orders.push(...plan.orders);
      leaked = { code: chosen.code, orders: chosen.already + leak };
    } else {
      // No personalized code to leak (the main offer has no active creator): the leak's orders are ordinary ones.
      orders.push(...planner.plan(leak, []));
    }
    progress({ phase: 'orders', done: 0, total: o.conversions });
    orders.sort((a, b) => a.createdAt - b.createdAt || a.occurredAt - b.occurredAt);
    const orderIds = orders.map((_, i) => `${world.tag}-${100_001 + i}`);
    ledger = replay(world, orders, { from, to }, orderIds, o.seed);
    await writeLedger(writer, ledger, (done) => progress({ phase: 'orders', done, total: o.conversions }));
  } finally {
    await writer.close();
  }

  // Every conversion written above marked its day dirty; the rebuild below recomputes every day anyway.
  await clearDirtyMarks(ctx, ws.id);
  await rebuildRollups(ctx.store, ws.id, {
    onProgress: (p) => progress({ phase: `rollups (${p.phase})`, done: p.done, total: p.total }),
  });

  if (!apiKey) {
    clock = to;
    apiKey = (await createApiKey(gen, actor, 'generate')).key;
  }
  const commissions = { pending: 0, approved: 0, paid: 0, reversed: 0 };
  for (const list of ledger.commissions) for (const c of list) commissions[c.status]++;
  const leakedCode = leaked ? world.codes[leaked.code]! : null;
  return ok({
    workspaceId: ws.id,
    workspaceName: ws.name,
    apiKey,
    seed: o.seed,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    counts: {
      members: world.members.length,
      offers: world.offers.length,
      links: world.links.length,
      codes: world.codes.length,
      clicks: factory.stats.clicks,
      uniqueClicks: factory.stats.unique,
      botClicks: factory.stats.bots,
      untrackedClicks: factory.stats.untracked,
      conversions: ledger.conversions.length,
      unattributed: ledger.conversions.filter((c) => c.status === 'unattributed').length,
      refunded: ledger.conversions.filter((c) => c.refunded_minor > 0 && c.cancelled_at === null).length,
      cancelled: ledger.conversions.filter((c) => c.cancelled_at !== null).length,
      commissions,
      payoutBatches: ledger.batches.length,
    },
    leakedCode:
      leakedCode && leaked
        ? {
            codeId: leakedCode.id,
            code: leakedCode.code,
            memberId: world.members[leakedCode.member]!.id,
            ordersLast24h: leaked.orders,
          }
        : null,
    elapsedMs: Math.round(performance.now() - started),
  });
}

/**
 * The coupon site's visitors in the last 24 h: each leaked order that came through a link gets its click a few
 * minutes before it, and as many again browse without buying. Fresh visitors (numbered after the main pool).
 */
async function couponSiteClicks(
  world: World,
  factory: ClickFactory,
  plan: ReturnType<OrderPlanner['planLeak']>,
  total: number,
  code: number,
  o: { to: number; seed: number },
): Promise<void> {
  if (!total) return;
  const rng = new Rng(o.seed, 'coupon-clicks');
  const c = world.codes[code]!;
  const generic = world.genericLinks.find((l) => world.links[l]!.offer === c.offer) ?? world.genericLinks[0]!;
  const own = world.linkOf.get(`${c.offer}:${c.member}`) ?? generic;
  const clicks: { at: number; link: number; order: PlannedOrder | null }[] = [];
  for (const [list, link] of [
    [plan.withGenericClick, generic],
    [plan.withMemberClick, own],
  ] as const) {
    for (const i of list) {
      const order = plan.orders[i]!;
      clicks.push({ at: Math.floor(order.occurredAt - 30_000 - rng.exponential(6 * 60_000)), link, order });
      clicks.push({ at: Math.floor(o.to - 60_000 - (DAY_MS - 120_000) * Math.pow(rng.next(), 2)), link, order: null });
    }
  }
  clicks.sort((a, b) => a.at - b.at);
  let visitor = factory.visitors + BOT_VISITORS;
  for (const k of clicks) {
    const made = factory.add(k.link, k.at, { bot: false, visitor: visitor++, referrer: plan.site, sub1: null });
    if (k.order) k.order.click = { id: made.id, at: k.at, link: k.link };
  }
  await factory.drain();
}

async function writeLedger(writer: BulkWriter, ledger: Ledger, onWritten: (done: number) => void): Promise<void> {
  const flat = (table: BulkTable, rows: object[]): BulkPart => {
    const columns = bulkColumns(table);
    const values: unknown[] = [];
    for (const r of rows) for (const c of columns) values.push((r as Record<string, unknown>)[c]);
    return { table, values };
  };
  if (ledger.batches.length) await writer.write([flat('payout_batches', ledger.batches)]);
  for (let i = 0; i < ledger.conversions.length; i += ORDERS_PER_WRITE) {
    const end = Math.min(ledger.conversions.length, i + ORDERS_PER_WRITE);
    await writer.write([
      flat('conversions', ledger.conversions.slice(i, end)),
      flat('conversion_events', ledger.events.slice(i, end).flat()),
      flat('commissions', ledger.commissions.slice(i, end).flat()),
      flat('commission_adjustments', ledger.adjustments.slice(i, end).flat()),
    ]);
    onWritten(end);
  }
}

/** Deletes the workspace's rollup_dirty marks; a store migrated before rollups existed has no such table. */
async function clearDirtyMarks(ctx: AppContext, workspaceId: string): Promise<void> {
  try {
    await ctx.store.db.deleteFrom('rollup_dirty').where('workspace_id', '=', workspaceId).execute();
  } catch (e) {
    const message = String((e as Error)?.message ?? e);
    if (!/no such table|does not exist/i.test(message)) throw e;
  }
}
