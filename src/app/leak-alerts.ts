// SPEC §5 leak detection, from raw rows to alerts people act on (ADR 0009-leak-alerts).
// The job gathers each code's recent activity, lets core/leak-detection judge it, and turns what fired into alerts
// with core/leak-alerts' lifecycle. Every write is conditional or guarded by the unique index leak_alerts_live, so any
// number of instances may run it at the same moment; the actions (acknowledge, disable, rotate) are idempotent.
import { checkCode, generateCode, normalizeCode } from '../core/codes.js';
import { rotationPattern } from '../core/code-style.js';
import { newId } from '../core/ids.js';
import {
  BASELINE_DAYS,
  LEAK_DEFAULTS,
  detectLeaks,
  type CodeActivity,
  type LeakEvidence,
  type LeakRule,
} from '../core/leak-detection.js';
import { QUIET_MS, cardStatus, nextAlertStep, sameCard, type AlertState, type CardAlert } from '../core/leak-alerts.js';
import { fail, ok, type Result } from '../core/result.js';
import { addDays, bucketRange, dayKey } from '../core/time-buckets.js';
import { recordAudit } from '../db/audit.js';
import { uniqueViolation } from '../db/dialect/index.js';
import * as repo from '../db/leak-alerts.js';
import { findMember } from '../db/members.js';
import { findOfferMembers } from '../db/offer-members.js';
import { findOffer } from '../db/offers.js';
import * as codes from '../db/promo-codes.js';
import type { Database, PromoCodeTable } from '../db/schema.js';
import { enqueueWebhook } from '../db/webhooks.js';
import { findWorkspace, listWorkspaces } from '../db/workspaces.js';
import { codeRow } from './codes.js';
import { decodeCursor, toPage, type Actor, type AppContext, type Page } from './context.js';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Alert, AlertFinding } from '../contract/alerts.js';

/** The job's period (jobs/index.ts: one instance per period); runs are idempotent besides, so a repeat only repeats work. */
export const LEAK_JOB_INTERVAL_MS = 5 * 60_000;

const DAY_MS = 86_400_000;
const SYSTEM = 'system:leak_detection';

export interface LeakSettings {
  floor?: number;
  k?: number;
  minOrdersForClickRule?: number;
  noClickShare?: number;
}

export interface LeakRunResult {
  workspaces: number;
  /** Codes whose last 24 h could fire a rule, and were judged. */
  codesChecked: number;
  raised: number;
  /** Codes whose alert was raised or reopened by this run: one alert per code, however many of its rules fired. */
  codesAlerted: number;
  refreshed: number;
  reopened: number;
  subsided: number;
}

/** An alert as the API answers it (contract/alerts.ts). */
export type AlertView = Alert;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const cardOf = (a: repo.LeakAlertRow): CardAlert => ({
  codeId: a.code_id,
  status: a.status,
  resolvedAt: a.resolved_at === null ? null : Number(a.resolved_at),
});

/**
 * The alert `a` as one card of its code: `card` holds the alerts shown with it (itself included; ADR 0009, "One card
 * per code"), each rule with its own numbers, and the card's status is open while any of them is.
 */
export function alertView(
  a: repo.LeakAlertRow,
  opts: { evidence?: boolean; newCode?: string | null; card?: repo.LeakAlertRow[] } = {},
): AlertView {
  const evidence = JSON.parse(a.evidence) as LeakEvidence;
  const card = [...(opts.card ?? [a])].sort((x, y) => (x.rule < y.rule ? 1 : x.rule > y.rule ? -1 : 0));
  return {
    id: a.id,
    codeId: a.code_id,
    code: a.code,
    offerId: a.offer_id,
    memberId: a.member_id,
    rule: a.rule,
    status: cardStatus(card.map((c) => c.status)),
    resolution: a.resolution,
    last24h: Number(a.last24h),
    baselineMedian: evidence.baselineMedian,
    noClickShare: evidence.noClickShare ?? null,
    raisedAt: iso(a.raised_at)!,
    lastSeenAt: iso(a.last_fired_at)!,
    acknowledgedAt: iso(a.acknowledged_at),
    acknowledgedBy: a.acknowledged_by,
    resolvedAt: iso(a.resolved_at),
    resolvedBy: a.resolved_by,
    newCodeId: a.new_code_id,
    ...(opts.newCode !== undefined ? { newCode: opts.newCode } : {}),
    ...(opts.evidence ? { evidence } : {}),
    rules: card.map((c) => finding(c, opts.evidence ?? false)),
  };
}

function finding(a: repo.LeakAlertRow, withEvidence: boolean): AlertFinding {
  const evidence = JSON.parse(a.evidence) as LeakEvidence;
  return {
    alertId: a.id,
    rule: a.rule,
    status: a.status,
    last24h: Number(a.last24h),
    baselineMedian: evidence.baselineMedian,
    noClickShare: evidence.noClickShare ?? null,
    raisedAt: iso(a.raised_at)!,
    lastSeenAt: iso(a.last_fired_at)!,
    ...(withEvidence ? { evidence } : {}),
  };
}

/** The alerts shown on the same card as each of `rows`, read in one query. */
async function cardsOf(db: Kysely<Database>, workspaceId: string, rows: repo.LeakAlertRow[]) {
  const all = await repo.alertsOfCodes(db, workspaceId, [...new Set(rows.map((r) => r.code_id))]);
  return (r: repo.LeakAlertRow) => all.filter((o) => sameCard(cardOf(o), cardOf(r)));
}

// ---------------------------------------------------------------------------------------------------------------
// The job

/** Runs detection for one workspace (the API's "run now") or all of them (the periodic job). */
export async function runLeakDetection(
  ctx: AppContext,
  opts: { workspaceId?: string; settings?: LeakSettings } = {},
): Promise<LeakRunResult> {
  const total: LeakRunResult = {
    workspaces: 0,
    codesChecked: 0,
    raised: 0,
    codesAlerted: 0,
    refreshed: 0,
    reopened: 0,
    subsided: 0,
  };
  const workspaces = opts.workspaceId
    ? [await findWorkspace(ctx.store.db, opts.workspaceId)].filter((w) => w !== undefined)
    : await listWorkspaces(ctx.store.db);
  let failure: unknown = null;
  for (const ws of workspaces) {
    let r: Awaited<ReturnType<typeof runForWorkspace>>;
    try {
      r = await runForWorkspace(ctx, ws.id, ws.timezone, opts.settings ?? {});
    } catch (e) {
      // One workspace's failure must not keep the others unwatched; the first one is reported after the loop.
      failure ??= e;
      continue;
    }
    total.workspaces++;
    total.codesChecked += r.codesChecked;
    total.raised += r.raised;
    total.codesAlerted += r.alerted.size;
    total.refreshed += r.refreshed;
    total.reopened += r.reopened;
    total.subsided += r.subsided;
  }
  if (failure) throw failure;
  return total;
}

interface Tally {
  codes: Map<string, number>;
  members: Map<string, Map<string, number>>;
  referrers: Map<string, Map<string, number>>;
}

function tally(rows: repo.CodeClickRow[]): Tally {
  const t: Tally = { codes: new Map(), members: new Map(), referrers: new Map() };
  const add = (m: Map<string, Map<string, number>>, code: string, key: string, n: number) => {
    let inner = m.get(code);
    if (!inner) m.set(code, (inner = new Map()));
    inner.set(key, (inner.get(key) ?? 0) + n);
  };
  for (const r of rows) {
    t.codes.set(r.code, (t.codes.get(r.code) ?? 0) + r.n);
    if (r.click_member) add(t.members, r.code, r.click_member, r.n);
    if (r.referrer_host) add(t.referrers, r.code, r.referrer_host, r.n);
  }
  return t;
}

/**
 * The code a string's orders belong to: the one attribution would look up now (the active one, else the newest
 * disabled one). A string issued again after its first code was disabled counts only from the new code's creation,
 * so the new owner is not judged by the old owner's history.
 */
function chooseCodes(rows: PromoCodeTable[]): Map<string, { code: PromoCodeTable; since: number | undefined }> {
  const byString = new Map<string, PromoCodeTable[]>();
  for (const r of rows) byString.set(r.code_normalized, [...(byString.get(r.code_normalized) ?? []), r]);
  const out = new Map<string, { code: PromoCodeTable; since: number | undefined }>();
  for (const [s, list] of byString) {
    const code = list.find((r) => r.status === 'active') ?? [...list].sort((a, b) => (a.id < b.id ? 1 : -1))[0]!;
    out.set(s, { code, since: list.length > 1 ? Number(code.created_at) : undefined });
  }
  return out;
}

async function runForWorkspace(ctx: AppContext, workspaceId: string, tz: string, settings: LeakSettings) {
  const { db } = ctx.store;
  const now = ctx.clock();
  const floor = settings.floor ?? LEAK_DEFAULTS.floor;
  const minOrders = settings.minOrdersForClickRule ?? LEAK_DEFAULTS.minOrdersForClickRule;
  const result = { codesChecked: 0, raised: 0, refreshed: 0, reopened: 0, subsided: 0, alerted: new Set<string>() };

  // 1. The last 24 h, grouped in SQL: only codes that could fire a rule go further.
  const recent = tally(await repo.codedOrdersByClick(db, workspaceId, now - DAY_MS, now));
  const candidates = [...recent.codes].filter(([, n]) => n > floor || n >= minOrders).map(([s]) => s);
  const chosen = chooseCodes(await repo.codesByString(db, workspaceId, candidates));
  // A reissued string created within the window: its 24 h are counted again from the new code's creation.
  for (const [s, c] of chosen) {
    if (c.since === undefined || c.since <= now - DAY_MS) continue;
    const again = tally(await repo.codedOrdersByClick(db, workspaceId, now - DAY_MS, now, { code: s, since: c.since }));
    recent.codes.set(s, again.codes.get(s) ?? 0);
    recent.members.set(s, again.members.get(s) ?? new Map());
    recent.referrers.set(s, again.referrers.get(s) ?? new Map());
  }

  // 2. Daily redemptions of those codes over the baseline and the last 24 h, in the workspace's zone.
  const today = dayKey(now, tz);
  const baselineFrom = addDays(addDays(dayKey(now - DAY_MS, tz), -1), 1 - BASELINE_DAYS);
  const buckets = bucketRange(baselineFrom, today, tz, 'day');
  const starts = buckets.map((b) => b.startMs);
  const end = buckets[buckets.length - 1]!.endMs;
  const daily = new Map<string, { day: string; count: number }[]>();
  const plain = [...chosen].filter(([, c]) => c.since === undefined).map(([s]) => s);
  const perBucket = await repo.codedOrdersPerBucket(db, workspaceId, plain, starts, end);
  for (const [s, c] of chosen) {
    if (c.since !== undefined)
      perBucket.push(...(await repo.codedOrdersPerBucket(db, workspaceId, [s], starts, end, c.since)));
  }
  for (const r of perBucket)
    daily.set(r.code, [...(daily.get(r.code) ?? []), { day: buckets[r.bucket]!.key, count: r.n }]);

  const activity: CodeActivity[] = [];
  const codeOf = new Map<string, PromoCodeTable>();
  for (const [s, { code }] of chosen) {
    const n = recent.codes.get(s) ?? 0;
    codeOf.set(code.id, code);
    activity.push({
      codeId: code.id,
      memberId: code.member_id,
      dailyRedemptions: daily.get(s) ?? [],
      last24h: n,
      ordersLast24h: n,
      ordersWithMemberClick: code.member_id ? Math.min(n, recent.members.get(s)?.get(code.member_id) ?? 0) : 0,
      referrers: [...(recent.referrers.get(s) ?? [])].map(([host, count]) => ({ host, count })),
    });
  }
  result.codesChecked = activity.length;
  const fired = detectLeaks({ now, tz, codes: activity, ...settings });

  // 3. Alerts: what fired, against the newest alert of each code and rule.
  const latest = new Map<string, repo.LeakAlertRow>();
  for (const a of await repo.alertsOfCodes(db, workspaceId, [...new Set(fired.map((f) => f.codeId))])) {
    if (!latest.has(`${a.code_id}|${a.rule}`)) latest.set(`${a.code_id}|${a.rule}`, a);
  }
  for (const f of fired) {
    const code = codeOf.get(f.codeId)!;
    const prior = latest.get(`${f.codeId}|${f.rule}`) ?? null;
    const state: AlertState | null = prior && {
      status: prior.status,
      referenceCount: prior.reference_count === null ? null : Number(prior.reference_count),
      lastFiredAt: Number(prior.last_fired_at),
    };
    const step = nextAlertStep(state, { last24h: f.evidence.last24h }, now);
    const fresh = {
      evidence: JSON.stringify(f.evidence),
      last24h: f.evidence.last24h,
      last_fired_at: now,
      updated_at: now,
    };
    if (step === 'raise') {
      const row: repo.LeakAlertRow = {
        id: newId('alr', now),
        workspace_id: workspaceId,
        code_id: code.id,
        offer_id: code.offer_id,
        member_id: code.member_id,
        code: code.code,
        rule: f.rule,
        status: 'open',
        resolution: null,
        reference_count: null,
        raised_at: now,
        acknowledged_at: null,
        acknowledged_by: null,
        resolved_at: null,
        resolved_by: null,
        new_code_id: null,
        created_at: now,
        ...fresh,
      };
      const inserted = await ctx.store.writeTransaction(async (tx) => {
        if (!(await repo.insertAlertIfNone(tx, row))) return false;
        await announce(tx, row, 'raised', now);
        return true;
      });
      if (inserted) {
        result.raised++;
        result.alerted.add(code.id);
      }
      // Another instance raised it a moment ago: this run's numbers are as good as its.
      else if (await refreshLive(db, workspaceId, code.id, f.rule, fresh)) result.refreshed++;
    } else if (step === 'refresh') {
      if (await repo.updateAlertIf(db, workspaceId, prior!.id, ['open', 'acknowledged'], fresh)) result.refreshed++;
    } else if (step === 'reopen') {
      const reopened = await ctx.store.writeTransaction(async (tx) => {
        const patch = {
          ...fresh,
          status: 'open' as const,
          raised_at: now,
          acknowledged_at: null,
          acknowledged_by: null,
        };
        if (!(await repo.updateAlertIf(tx, workspaceId, prior!.id, ['acknowledged'], patch))) return false;
        await announce(tx, { ...prior!, ...patch }, 'reopened', now);
        return true;
      });
      if (reopened) {
        result.reopened++;
        result.alerted.add(code.id);
      }
    } else if (step === 'track') {
      await repo.updateAlertIf(db, workspaceId, prior!.id, ['resolved'], { last_fired_at: now });
    }
  }

  // 4. Acknowledged episodes that have been quiet for a day are over.
  const subsided = await ctx.store.writeTransaction(async (tx) => {
    const ids = await repo.subsideQuietAlerts(tx, workspaceId, now - QUIET_MS, now);
    for (const id of ids)
      await recordAudit(tx, { workspaceId, actor: SYSTEM, entity: 'alert', entityId: id, action: 'subsided', now });
    return ids.length;
  });
  result.subsided = subsided;
  return result;
}

async function refreshLive(
  db: Kysely<Database>,
  workspaceId: string,
  codeId: string,
  rule: LeakRule,
  patch: Partial<repo.LeakAlertRow>,
): Promise<boolean> {
  const live = (await repo.liveAlertsOfCode(db, workspaceId, codeId)).find((a) => a.rule === rule);
  return live ? repo.updateAlertIf(db, workspaceId, live.id, ['open', 'acknowledged'], patch) : false;
}

/** In the transaction that raised or reopened the alert: its audit row and the `alert.raised` webhook. */
async function announce(
  tx: Transaction<Database>,
  row: repo.LeakAlertRow,
  action: 'raised' | 'reopened',
  now: number,
): Promise<void> {
  await recordAudit(tx, {
    workspaceId: row.workspace_id,
    actor: SYSTEM,
    entity: 'alert',
    entityId: row.id,
    action,
    detail: { codeId: row.code_id, rule: row.rule, last24h: row.last24h },
    now,
  });
  await enqueueWebhook(tx, row.workspace_id, 'alert.raised', alertView(row, { evidence: true }), now);
}

// ---------------------------------------------------------------------------------------------------------------
// Reading and acting

export async function listAlerts(
  ctx: AppContext,
  actor: Actor,
  q: { status?: repo.LeakAlertRow['status']; codeId?: string; offerId?: string; cursor?: string; limit: number },
): Promise<Page<AlertView>> {
  const rows = await repo.listAlerts(ctx.store.db, actor.workspaceId, { ...q, before: decodeCursor(q.cursor) });
  const card = await cardsOf(ctx.store.db, actor.workspaceId, rows);
  return toPage(rows, q.limit, (r) => alertView(r, { card: card(r) }));
}

export async function getAlert(ctx: AppContext, actor: Actor, id: string): Promise<Result<AlertView>> {
  const row = await repo.findAlert(ctx.store.db, actor.workspaceId, id);
  if (!row) return fail('not_found', 'Alert not found.');
  const replacement = row.new_code_id
    ? await codes.findCode(ctx.store.db, actor.workspaceId, row.new_code_id)
    : undefined;
  const card = await cardsOf(ctx.store.db, actor.workspaceId, [row]);
  return ok(alertView(row, { evidence: true, newCode: replacement?.code ?? null, card: card(row) }));
}

/**
 * Seen, not acted on: every open rule of the alert's card is acknowledged at its own count, and each comes back if
 * that count doubles (or another rule fires anew).
 */
export async function acknowledgeAlert(ctx: AppContext, actor: Actor, id: string): Promise<Result<AlertView>> {
  const { db } = ctx.store;
  const row = await repo.findAlert(db, actor.workspaceId, id);
  if (!row) return fail('not_found', 'Alert not found.');
  if (row.status !== 'resolved') {
    const now = ctx.clock();
    await ctx.store.writeTransaction(async (tx) => {
      for (const a of await repo.liveAlertsOfCode(tx, actor.workspaceId, row.code_id)) {
        if (a.status !== 'open') continue;
        const patch = {
          status: 'acknowledged' as const,
          acknowledged_at: now,
          acknowledged_by: actor.actor,
          reference_count: Number(a.last24h),
          updated_at: now,
        };
        if (await repo.updateAlertIf(tx, actor.workspaceId, a.id, ['open'], patch)) {
          await recordAudit(tx, {
            ...actor,
            entity: 'alert',
            entityId: a.id,
            action: 'acknowledged',
            detail: { last24h: Number(a.last24h) },
            now,
          });
        }
      }
    });
  }
  return getAlert(ctx, actor, id);
}

/**
 * Locks the alert's code for the rest of the transaction, so actions on one code run one at a time. A no-op update
 * first: it takes the row lock on PostgreSQL and SQLite's write lock at once (a SQLite transaction that reads first
 * and writes later fails with SQLITE_BUSY when another connection, such as the click writer, commits in between).
 */
async function lockCode(
  tx: Transaction<Database>,
  workspaceId: string,
  codeId: string,
): Promise<PromoCodeTable | undefined> {
  await tx
    .updateTable('promo_codes')
    .set({ status: sql<PromoCodeTable['status']>`status` })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', codeId)
    .execute();
  return tx
    .selectFrom('promo_codes')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', codeId)
    .executeTakeFirst();
}

/** Settles every live alert of the code (both rules) with the action taken, each with an audit row. */
async function resolveLiveAlerts(
  tx: Transaction<Database>,
  actor: Actor,
  codeId: string,
  resolution: 'code_disabled' | 'code_rotated',
  now: number,
  extra: Partial<repo.LeakAlertRow> = {},
  detail: Record<string, unknown> = {},
): Promise<void> {
  for (const a of await repo.liveAlertsOfCode(tx, actor.workspaceId, codeId)) {
    const patch = {
      status: 'resolved' as const,
      resolution,
      resolved_at: now,
      resolved_by: actor.actor,
      reference_count: Number(a.last24h),
      updated_at: now,
      ...extra,
    };
    if (await repo.updateAlertIf(tx, actor.workspaceId, a.id, ['open', 'acknowledged'], patch)) {
      await recordAudit(tx, { ...actor, entity: 'alert', entityId: a.id, action: resolution, detail, now });
    }
  }
}

/** Disables the code: later orders with it are kept with the reason code_disabled and earn nothing. */
export async function disableAlertCode(ctx: AppContext, actor: Actor, id: string): Promise<Result<AlertView>> {
  const { db } = ctx.store;
  const row = await repo.findAlert(db, actor.workspaceId, id);
  if (!row) return fail('not_found', 'Alert not found.');
  const now = ctx.clock();
  const disabledNow = await db.transaction().execute(async (tx) => {
    const code = await lockCode(tx, actor.workspaceId, row.code_id);
    let disabled = false;
    if (code?.status === 'active') {
      await codes.disableCodes(tx, actor.workspaceId, { id: code.id }, now);
      await recordAudit(tx, {
        ...actor,
        entity: 'promo_code',
        entityId: code.id,
        action: 'disabled',
        detail: { alertId: id },
        now,
      });
      disabled = true;
    }
    await resolveLiveAlerts(tx, actor, row.code_id, 'code_disabled', now, {}, { codeId: row.code_id });
    // An episode that had subsided before anyone acted: the record now says what was done.
    if (disabled && row.status === 'resolved' && row.resolution === 'subsided') {
      await repo.updateAlertIf(tx, actor.workspaceId, id, ['resolved'], {
        resolution: 'code_disabled',
        resolved_at: now,
        resolved_by: actor.actor,
        updated_at: now,
      });
      await recordAudit(tx, {
        ...actor,
        entity: 'alert',
        entityId: id,
        action: 'code_disabled',
        detail: { codeId: row.code_id },
        now,
      });
    }
    return disabled ? code!.offer_id : null;
  });
  // Links may append the member's code to their destination.
  if (disabledNow) await ctx.trackingChanged({ kind: 'offer', id: disabledNow });
  return getAlert(ctx, actor, id);
}

type Rotation =
  { rotated: false } | { rotated: true; offerId: string; memberId: string | null; oldCode: string; newCode: string };

/**
 * A new code for the same member and offer (in the old one's style, or `code`), the old one disabled, the code's
 * alerts resolved, and the member told once. A code is rotated once, whichever of its alerts asks and however often.
 */
export async function rotateAlertCode(
  ctx: AppContext,
  actor: Actor,
  id: string,
  input: { code?: string } = {},
): Promise<Result<AlertView>> {
  const { db } = ctx.store;
  const row = await repo.findAlert(db, actor.workspaceId, id);
  if (!row) return fail('not_found', 'Alert not found.');
  if (input.code !== undefined) {
    const problem = checkCode(input.code);
    if (problem)
      return fail('validation_failed', 'The code is not valid.', [
        { path: 'code', code: problem, message: 'A code is 3 to 32 letters, digits, "-" or "_".' },
      ]);
    if (normalizeCode(input.code) === normalizeCode(row.code)) {
      return fail('validation_failed', 'The new code must differ from the leaked one.', [
        { path: 'code', code: 'code_unchanged', message: 'Choose another code.' },
      ]);
    }
  }
  let rotation: Result<Rotation> | null = null;
  for (let attempt = 0; attempt < 3 && rotation === null; attempt++) {
    try {
      rotation = await db.transaction().execute((tx) => rotateInTransaction(ctx, tx, actor, row, input.code));
    } catch (e) {
      if (!uniqueViolation(e)) throw e;
      if (input.code !== undefined)
        return fail('code_taken', `The code ${normalizeCode(input.code)} is already active in this workspace.`);
      // A generated code was taken by another request meanwhile: draw again.
    }
  }
  if (rotation === null) return fail('code_generation_failed', 'No free code could be made; give one in "code".');
  if (!rotation.ok) return rotation;
  const r = rotation.value;
  if (r.rotated) {
    await ctx.trackingChanged({ kind: 'offer', id: r.offerId });
    if (r.memberId && ctx.notify?.codeRotated) {
      try {
        await ctx.notify.codeRotated({
          workspaceId: actor.workspaceId,
          memberId: r.memberId,
          offerId: r.offerId,
          oldCode: r.oldCode,
          newCode: r.newCode,
        });
      } catch (e) {
        // The rotation is committed and must not be repeated to resend; the failure is kept where people look.
        await recordAudit(db, {
          ...actor,
          entity: 'alert',
          entityId: id,
          action: 'rotation_notice_failed',
          detail: { error: (e as Error).message },
          now: ctx.clock(),
        });
      }
    }
  }
  return getAlert(ctx, actor, id);
}

async function rotateInTransaction(
  ctx: AppContext,
  tx: Transaction<Database>,
  actor: Actor,
  row: repo.LeakAlertRow,
  wanted: string | undefined,
): Promise<Result<Rotation>> {
  const now = ctx.clock();
  const old = await lockCode(tx, actor.workspaceId, row.code_id);
  const done = await repo.rotationOfCode(tx, actor.workspaceId, row.code_id);
  if (done) {
    // Rotated already (through this alert or its sibling): this alert records the same replacement.
    await resolveLiveAlerts(tx, actor, row.code_id, 'code_rotated', now, { new_code_id: done });
    await repo.updateAlertIf(
      tx,
      actor.workspaceId,
      row.id,
      ['resolved'],
      { new_code_id: done, resolution: 'code_rotated', updated_at: now },
      { newCodeIdIsNull: true },
    );
    return ok({ rotated: false });
  }
  if (!old) return fail('not_found', 'The code of this alert no longer exists.');
  const offer = await findOffer(tx, actor.workspaceId, old.offer_id);
  if (!offer) return fail('not_found', 'Offer not found.');
  if (offer.status === 'archived')
    return fail('offer_archived', 'The offer is archived; resume it before adding codes.');
  let subject: { name: string; instagram: string | null; tiktok: string | null } = {
    name: '',
    instagram: null,
    tiktok: null,
  };
  if (old.member_id) {
    const member = await findMember(tx, actor.workspaceId, old.member_id);
    if (!member) return fail('not_found', 'Member not found.');
    const [onOffer] = await findOfferMembers(tx, actor.workspaceId, offer.id, [member.id]);
    if (!onOffer) return fail('member_not_on_offer', 'The member is no longer on the offer.');
    subject = member;
  }
  let newCode: string | null;
  if (wanted !== undefined) {
    newCode = normalizeCode(wanted);
  } else {
    const taken = await codes.activeCodeSet(tx, actor.workspaceId);
    taken.add(old.code_normalized);
    newCode = generateCode(rotationPattern(old.code, subject), subject, taken);
    if (!newCode) return fail('code_generation_failed', 'No free code could be made; give one in "code".');
  }
  await codes.disableCodes(tx, actor.workspaceId, { id: old.id }, now);
  const fresh = codeRow(actor.workspaceId, offer.id, old.member_id, newCode, now);
  await codes.insertCodes(tx, [fresh]);
  const detail = { alertId: row.id, oldCodeId: old.id, oldCode: old.code, newCodeId: fresh.id, newCode: fresh.code };
  await recordAudit(tx, {
    ...actor,
    entity: 'promo_code',
    entityId: fresh.id,
    action: 'created',
    detail: { after: fresh, rotatedFrom: old.id },
    now,
  });
  if (old.status === 'active')
    await recordAudit(tx, { ...actor, entity: 'promo_code', entityId: old.id, action: 'disabled', detail, now });
  await resolveLiveAlerts(tx, actor, old.id, 'code_rotated', now, { new_code_id: fresh.id }, detail);
  // This alert, if it was already resolved (the code disabled first, or the episode subsided), records the rotation too.
  if (
    await repo.updateAlertIf(
      tx,
      actor.workspaceId,
      row.id,
      ['resolved'],
      { new_code_id: fresh.id, resolution: 'code_rotated', resolved_by: actor.actor, updated_at: now },
      { newCodeIdIsNull: true },
    )
  ) {
    await recordAudit(tx, { ...actor, entity: 'alert', entityId: row.id, action: 'code_rotated', detail, now });
  }
  return ok({ rotated: true, offerId: offer.id, memberId: old.member_id, oldCode: old.code, newCode: fresh.code });
}
