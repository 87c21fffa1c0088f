// recordConversion: one order's event, from any ingestion path, through named steps to a decision and ledger entries.
// A new order is inserted with its decision under the (workspace, test, order) unique index; an order seen before is
// locked first and decided again from the set of its evidence (ADR 0011). Concurrent events for one order, on one
// process or many, are therefore decided one after another and never pay twice.
import type { CompiledQuery, Kysely, Transaction } from 'kysely';
import type { ConversionInput } from '../core/conversion-input.js';
import { newId } from '../core/ids.js';
import { planOrder, refundedTotal } from '../core/ledger.js';
import { formatAmount } from '../core/money.js';
import {
  orderFacts,
  sameFacts,
  type EvidenceEvent,
  type EvidenceRecord,
  type OrderFacts,
  type Trust,
} from '../core/order-evidence.js';
import { webhookInserts } from '../db/webhooks.js';
import * as repo from '../db/conversions.js';
import type { ConversionSource, ConversionStatus, Database } from '../db/schema.js';
import type { Workspace } from '../db/workspaces.js';
import type { ClickFinder } from './click-finder.js';
import type { AppContext } from './context.js';
import { uncachedFacts, type ConversionFacts } from './conversion-facts.js';
import { appendEntries, entryRows, ledgerState, orderMoney, type EntryContext } from './ledger.js';
import {
  decideOrder,
  type CreditedCommission,
  type DecisionRecord,
  type OrderDecision,
  type TierLocks,
} from './order-decision.js';

export interface RecordResult {
  outcome: 'created' | 'filled_in' | 'duplicate';
  conversionId: string;
  status: ConversionStatus;
  isTest: boolean;
  reasons: string[];
  /** What each credited member's commission is now (a test or held order: what it would be). */
  commissions: CreditedCommission[];
}

export interface ResolvedAmount {
  minor: number;
  currency: string;
}

/** SPEC §4 trust levels: what a shopper's browser reports is evidence of a lower rank than the brand's server. */
export function trustOf(source: ConversionSource): Trust {
  return source === 'pixel' || source === 'tag' ? 'browser' : 'server';
}

export async function recordConversion(
  ctx: AppContext,
  clicks: ClickFinder,
  ws: Workspace,
  source: ConversionSource,
  input: ConversionInput,
  amount: ResolvedAmount | null,
  detail: Record<string, unknown>,
): Promise<RecordResult> {
  const { dialect } = ctx.store;
  const now = ctx.clock();
  const trust = trustOf(source);
  const said: EvidenceRecord = {
    reportedOfferId: input.offerId,
    clickId: input.clickId,
    code: input.code,
    amount,
    occurredAt: input.occurredAt,
    timeGiven: input.timeGiven,
    ...(input.renewalOf ? { renewalOf: input.renewalOf } : {}),
  };
  const thisEvent: EvidenceEvent = { trust, evidence: said };
  // Looked up before the transaction, which must not wait on a flush; a click id that only the stored order has
  // is an old one, long written, and is read inside.
  const fresh = input.clickId
    ? { clickId: input.clickId, click: await clicks.find(input.clickId, { wait: true }) }
    : null;
  const isTest = input.isTest ? 1 : 0;
  const eventRow = (conversionId: string, outcome: string, reason: string | null): repo.ConversionEventRow => ({
    id: newId('evt', now),
    workspace_id: ws.id,
    conversion_id: conversionId,
    received_at: now,
    source,
    order_id: input.orderId,
    is_test: isTest,
    outcome,
    reason,
    detail: JSON.stringify(detail),
    trust,
    evidence: JSON.stringify(said),
    event_key: null,
  });
  const entryContext = (endpoints?: EntryContext['endpoints']): EntryContext => ({
    workspaceId: ws.id,
    actor: 'system',
    now,
    endpoints,
  });
  const decider =
    (tx: Transaction<Database>, facts: ConversionFacts, locks: TierLocks) =>
    (order: OrderFacts, conversionId: string | null, review: repo.ConversionRow['review']) =>
      decideOrder(
        tx,
        facts,
        clicks,
        ws,
        { isTest: input.isTest, unusableClickId: input.unusableClickId, review },
        fresh,
        order,
        conversionId,
        locks,
      );

  // Step 1, the common case: a new order. It is decided first and written with its decision in one insert; the
  // unique index on (workspace, test, order) says whether it was new. Another event for the same order, here or on
  // another instance, waits on that index until this one's write ends, then takes step 2.
  const newOrder = async (tx: Transaction<Database>, facts: ConversionFacts, locks: TierLocks) => {
    const id = newId('cnv', now);
    const order = orderFacts([thisEvent], now);
    const first = await decider(tx, facts, locks)(order, null, null);
    const insert = repo.conversionInsertIfNew(tx, {
      id,
      workspace_id: ws.id,
      order_id: input.orderId,
      is_test: isTest,
      status: first.status,
      occurred_at: order.evidence.occurredAt,
      reported_offer_id: order.evidence.reportedOfferId,
      click_id: order.evidence.clickId,
      code: order.evidence.code,
      amount_minor: amount?.minor ?? null,
      currency: amount?.currency ?? null,
      refunded_minor: 0,
      refunded_full: 0,
      cancelled_at: null,
      review: null,
      decision: JSON.stringify(first.record),
      created_at: now,
      updated_at: now,
    });
    // The order's other rows, once it is known to be new.
    const writes: CompiledQuery[] = [];
    for (const w of first.writes) {
      const commission = newCommission(ws.id, id, w, now);
      writes.push(repo.commissionInsert(tx, commission));
      for (const e of entryRows(entryContext(), { ...commission, amount_minor: 0 }, [
        { kind: 'accrual', deltaMinor: w.accruedMinor, statusAfter: 'pending', reason: 'Conversion credited.' },
      ])) {
        writes.push(repo.adjustmentInsert(tx, e));
      }
    }
    writes.push(repo.eventInsert(tx, eventRow(id, 'created', first.eventReason)));
    const result: RecordResult = {
      outcome: 'created',
      conversionId: id,
      status: first.status,
      isTest: input.isTest,
      reasons: first.reasons,
      commissions: first.commissions,
    };
    const announcement = input.isTest ? null : createdAnnouncement(id, input.orderId, first, order, amount);
    return { insert, writes, result, announcement };
  };

  // Where one statement can write a new order with all its rows (PostgreSQL), it goes without a transaction: one
  // round trip instead of four. What needs the transaction takes it below: an order seen before (the insert did
  // nothing, so nothing was written) and a payout with volume tiers (counted under a lock held until commit).
  const insertIfNewWith = ctx.store.insertIfNewWith;
  if (insertIfNewWith) {
    const db = ctx.store.db;
    const facts = withoutVolumeTiers(ctx.conversionFacts?.forWorkspace(ws.id) ?? uncachedFacts(ws.id), input.isTest);
    try {
      // decideOrder only reads through it here: the locks it takes in a transaction are volume tiers', refused above.
      const n = await newOrder(db as unknown as Transaction<Database>, facts, { held: new Set() });
      const announce = n.announcement
        ? webhookInserts(db, ws.id, 'conversion.created', n.announcement, now, await facts.webhookEndpoints(db))
        : [];
      if (await insertIfNewWith(n.insert, [...n.writes, ...announce])) return n.result;
    } catch (e) {
      if (e !== NEEDS_TRANSACTION) throw e;
    }
  }

  return ctx.store.orderTransaction(async (tx) => {
    // Taken inside the transaction: a change the admin API answered before this order's turn is already in it.
    const facts = ctx.conversionFacts?.forWorkspace(ws.id) ?? uncachedFacts(ws.id);
    const locks: TierLocks = { held: new Set() };
    const decide = decider(tx, facts, locks);

    const n = await newOrder(tx, facts, locks);
    const announce = n.announcement
      ? webhookInserts(tx, ws.id, 'conversion.created', n.announcement, now, await facts.webhookEndpoints(tx))
      : [];
    // The order and its rows in one round trip on PostgreSQL: a volume-tier count taken by the decision is a row lock
    // that the member's next order waits on until this commits, so each round trip in between slows a hot creator.
    if (await dialect.insertIfNewTogether(tx, n.insert, [...n.writes, ...announce])) return n.result;

    // Step 2: the order exists. Locked (PostgreSQL; SQLite has one writer), then decided again from all its evidence.
    // Volume-tier locks come before the row lock on every path: a first look without the lock learns which it needs.
    // A repeat needs no decision, so no lock (it is classified again under the row lock below).
    if (dialect.concurrentWriters) {
      const peek = await repo.findConversionByOrder(tx, ws.id, input.isTest, input.orderId);
      if (peek) {
        const known = await storedEvidence(tx, peek);
        const withThis = orderFacts([...known, thisEvent], Number(peek.created_at));
        if (peek.status === 'awaiting_order' || !sameFacts(orderFacts(known, Number(peek.created_at)), withThis))
          await decide(withThis, peek.id, peek.review);
      }
    }
    const row = await repo.lockConversionByOrder(tx, ws.id, input.isTest, input.orderId);
    const stored = await storedEvidence(tx, row);
    const before = orderFacts(stored, Number(row.created_at));
    const after = orderFacts([...stored, thisEvent], Number(row.created_at));
    const existing = await repo.commissionsOf(tx, row.id, { lock: true });
    const done = async (outcome: RecordResult['outcome'], reason: string): Promise<RecordResult> => {
      await repo.insertEvent(tx, eventRow(row.id, outcome, reason));
      const previous = JSON.parse(row.decision) as Partial<DecisionRecord>;
      return {
        outcome,
        conversionId: row.id,
        status: row.status,
        isTest: input.isTest,
        reasons: [...(previous.reasons ?? []), ...(previous.notes ?? [])],
        commissions: current(existing, previous),
      };
    };
    if (row.status !== 'awaiting_order' && sameFacts(before, after)) {
      // Nothing that could change the decision: a repeat, or browser evidence where the brand's server has spoken.
      return done('duplicate', before.trust === 'server' && trust === 'browser' ? 'outranked_by_server' : 'duplicate');
    }
    const endpoints = input.isTest ? undefined : await facts.webhookEndpoints(tx);
    const redecided = await redecide(
      tx,
      { ws, now, actor: 'system', endpoints, existing, detail: { events: stored.length + 1, trust: after.trust } },
      row,
      after,
      (order) => decide(order, row.id, row.review),
    );
    if (!redecided) return done('duplicate', 'decision_final');
    const again = redecided;
    await repo.insertEvent(tx, eventRow(row.id, 'filled_in', again.eventReason));
    const nowCommissions = await repo.commissionsOf(tx, row.id);
    return {
      outcome: 'filled_in',
      conversionId: row.id,
      status: again.status,
      isTest: input.isTest,
      reasons: again.reasons,
      commissions:
        input.isTest || again.status !== 'credited' ? again.commissions : current(nowCommissions, again.record),
    };
  });
}

interface RedecideContext {
  ws: Workspace;
  now: number;
  actor: string;
  endpoints?: EntryContext['endpoints'];
  /** The order's commissions, locked. */
  existing: repo.CommissionRow[];
  detail: unknown;
}

/**
 * Decides a locked order again from its facts and brings its commissions there through the ledger; null when the
 * decision is final (a credit approved, paid or touched by a person), in which case nothing is written.
 */
export async function redecide(
  tx: Transaction<Database>,
  rc: RedecideContext,
  row: repo.ConversionRow,
  order: OrderFacts,
  decide: (order: OrderFacts) => Promise<OrderDecision>,
): Promise<OrderDecision | null> {
  const again = await decide(order);
  const byMember = new Map(rc.existing.map((c) => [c.member_id, c]));
  const accruals = new Map(again.writes.map((w) => [w.memberId, w]));
  const amountMinor = order.evidence.amount?.minor ?? null;
  const money = orderMoney({
    ...row,
    amount_minor: amountMinor,
    refunded_minor: refundedTotal(row.refunded_full === 1, Number(row.refunded_minor), amountMinor),
  });
  const plan = planOrder(
    new Map([...byMember].map(([m, c]) => [m, ledgerState(c)])),
    new Map(again.writes.map((w) => [w.memberId, w.accruedMinor])),
    money,
  );
  if (!plan.redecided) return null;
  const ectx: EntryContext = {
    workspaceId: rc.ws.id,
    actor: rc.actor,
    now: rc.now,
    endpoints: rc.endpoints,
    detail: rc.detail,
  };
  for (const change of plan.changes) {
    const w = accruals.get(change.key);
    if (change.isNew) {
      const commission = newCommission(rc.ws.id, row.id, w!, rc.now);
      await repo.insertCommission(tx, { ...commission, amount_minor: 0 });
      await appendEntries(tx, ectx, { ...commission, amount_minor: 0 }, change.entries, change.after);
    } else {
      await appendEntries(tx, ectx, byMember.get(change.key)!, change.entries, change.after, w ? w.values : {});
    }
  }
  // Decision columns of credits whose amount did not move (a new source or share) still follow the decision.
  for (const w of again.writes) {
    const c = byMember.get(w.memberId);
    if (!c || plan.changes.some((x) => x.key === w.memberId)) continue;
    const patch = Object.fromEntries(
      Object.entries(w.values).filter(([k, v]) => (c as unknown as Record<string, unknown>)[k] !== v),
    );
    if (Object.keys(patch).length) await repo.updateCommission(tx, c.id, { ...patch, updated_at: rc.now });
  }
  const evidence = order.evidence;
  await repo.updateConversion(tx, row.id, {
    status: again.status,
    decision: JSON.stringify(again.record),
    occurred_at: evidence.occurredAt,
    reported_offer_id: evidence.reportedOfferId,
    click_id: evidence.clickId,
    code: evidence.code,
    amount_minor: amountMinor,
    currency: evidence.amount?.currency ?? null,
    refunded_minor: money.refundedMinor,
    updated_at: rc.now,
  });
  return again;
}

/**
 * The evidence events stored for an order. An order recorded before the ledger has none: its stored columns stand
 * for one event of the trust level of the path that created it.
 */
export async function storedEvidence(tx: Kysely<Database>, row: repo.ConversionRow): Promise<EvidenceEvent[]> {
  const events = await repo.evidenceOf(tx, row.id);
  const out: EvidenceEvent[] = [];
  for (const e of events)
    if (e.evidence && e.trust) out.push({ trust: e.trust, evidence: JSON.parse(e.evidence) as EvidenceRecord });
  if (out.length || row.status === 'awaiting_order') return out;
  const created = events.find((e) => e.outcome === 'created');
  return [
    {
      trust: created ? trustOf(created.source) : 'server',
      evidence: {
        reportedOfferId: row.reported_offer_id,
        clickId: row.click_id,
        code: row.code,
        occurredAt: Number(row.occurred_at),
        timeGiven: true,
        amount:
          row.amount_minor !== null && row.currency
            ? { minor: Number(row.amount_minor), currency: row.currency }
            : null,
      },
    },
  ];
}

/** The order's commissions as they stand (ledger balances), for an answer; a held order answers what it would pay. */
function current(rows: repo.CommissionRow[], decision: Partial<DecisionRecord>): RecordResult['commissions'] {
  const live = rows.filter((c) => c.in_decision === 1);
  if (!live.length) return decision.commissions ?? [];
  return live.map((c) => ({
    memberId: c.member_id,
    offerId: c.offer_id,
    amountMinor: Number(c.amount_minor),
    currency: c.currency,
  }));
}

/** A member's commission on the order, before its first entry. */
function newCommission(
  workspaceId: string,
  conversionId: string,
  w: OrderDecision['writes'][number],
  now: number,
): repo.CommissionRow {
  return {
    id: newId('com', now),
    workspace_id: workspaceId,
    conversion_id: conversionId,
    member_id: w.memberId,
    status: 'pending',
    approved_at: null,
    reversed_at: null,
    paid_at: null,
    payout_batch_id: null,
    created_at: now,
    updated_at: now,
    ...w.values,
    amount_minor: w.accruedMinor,
    accrued_minor: w.accruedMinor,
    adjusted_minor: 0,
    admin_touched: 0,
    in_decision: 1,
  };
}

/** The `conversion.created` webhook's data. */
function createdAnnouncement(
  id: string,
  orderId: string,
  first: OrderDecision,
  order: OrderFacts,
  amount: ResolvedAmount | null,
) {
  return {
    id,
    orderId,
    status: first.status,
    occurredAt: new Date(order.evidence.occurredAt).toISOString(),
    amount: amount ? formatAmount(amount.minor, amount.currency) : null,
    currency: amount?.currency ?? null,
    credits: first.decision.outcome === 'credited' ? first.decision.credits : [],
    commissions: first.commissions.map((c) => ({ ...c, amount: formatAmount(c.amountMinor, c.currency) })),
  };
}

/** Thrown where a decision outside a transaction meets what only a transaction can decide. */
const NEEDS_TRANSACTION = new Error('this order needs a transaction');

/**
 * The facts, refusing a paid order whose payout has volume tiers: its count of the month's orders is serialized by a
 * lock on its counter row held until the transaction commits (takeMonthCount). A test order pays nothing and counts nothing.
 */
function withoutVolumeTiers(facts: ConversionFacts, isTest: boolean): ConversionFacts {
  if (isTest) return facts;
  return {
    ...facts,
    payout: async (db, offerId, memberId) => {
      const p = await facts.payout(db, offerId, memberId);
      if (p.payout.tiers.length) throw NEEDS_TRANSACTION;
      return p;
    },
  };
}
