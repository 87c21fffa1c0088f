// Replays the planned orders through time as the app would have processed them: each order decided by the real
// attribution (core/attribution.ts attribute) and paid by the real commission rules (commissionFor, monthKey, volume
// tiers counted at that moment), then refunds and cancellations, approvals when the hold period ends and monthly
// payout batches, every amount and status change planned by the ledger (core/ledger.ts) as the app's use cases do.
// Every row gets an id minted at its own time, in time order, so ids stay time-ordered and match created_at.
import { attribute, type ClickLookup, type CodeLookup } from '../core/attribution.js';
import { commissionFor, monthKey, splitAmount } from '../core/commission.js';
import { newId } from '../core/ids.js';
import {
  planApprove,
  planOrder,
  planPayout,
  refundedTotal,
  type LedgerCommission,
  type PlannedEntry,
} from '../core/ledger.js';
import { formatAmount } from '../core/money.js';
import { Rng } from '../core/synthetic.js';
import { bucketStart, dayKey } from '../core/time-buckets.js';
import type {
  CommissionAdjustmentTable,
  CommissionTable,
  ConversionEventTable,
  ConversionTable,
  PayoutBatchTable,
} from '../db/schema.js';
import { cachedColumns, entryRows, ledgerState, orderMoney } from '../app/ledger.js';
import type { DecisionRecord } from '../app/order-decision.js';
import { trustOf } from '../app/record-conversion.js';
import type { PlannedOrder } from './orders.js';
import { DAY_MS, type World } from './world.js';

/** Who creates the monthly payout batches in a generated workspace (the audit trail's actor). */
export const PAYOUT_ACTOR = 'cli:generate';

export interface Ledger {
  conversions: ConversionTable[];
  /** Per conversion (same index): its events, commissions and adjustments. */
  events: ConversionEventTable[][];
  commissions: CommissionTable[][];
  adjustments: CommissionAdjustmentTable[][];
  batches: PayoutBatchTable[];
}

type Step =
  | { at: number; kind: 0; order: number }
  | { at: number; kind: 1; order: number }
  | { at: number; kind: 2; order: number; commission: CommissionTable }
  | { at: number; kind: 3 };

/** The local months' first days at 15:00 (a person runs the payout after lunch) within (from, to]. */
function payoutTimes(from: number, to: number, tz: string): number[] {
  const out: number[] = [];
  let key = `${dayKey(from, tz).slice(0, 7)}-01`;
  for (;;) {
    const at = bucketStart(key, tz) + 15 * 3_600_000;
    if (at > to) return out;
    if (at > from) out.push(at);
    const d = new Date(`${key}T00:00:00Z`);
    d.setUTCMonth(d.getUTCMonth() + 1);
    key = d.toISOString().slice(0, 10);
  }
}

export function replay(
  world: World,
  orders: PlannedOrder[],
  range: { from: number; to: number },
  orderIds: string[],
  seed: number,
): Ledger {
  const rng = new Rng(seed, 'ledger');
  const { ws } = world;
  const ledger: Ledger = { conversions: [], events: [], commissions: [], adjustments: [], batches: [] };
  const steps: Step[] = [];
  orders.forEach((o, i) => {
    steps.push({ at: o.createdAt, kind: 0, order: i });
    if (o.refund) steps.push({ at: Math.max(o.refund.at, o.createdAt + 1), kind: 1, order: i });
  });
  for (const at of payoutTimes(range.from, range.to, ws.timezone)) steps.push({ at, kind: 3 });
  // Volume tiers count the member's commissions on the offer in the month that are not reversed at that moment.
  const live = new Map<string, number>();
  const liveKey = (c: CommissionTable) => `${c.offer_id}|${c.member_id}|${c.month_key}`;
  // Month boundaries fall on quarter hours in every zone: one Intl call per quarter hour, not per order.
  const months = new Map<number, string>();
  const monthOf = (ms: number) => {
    const q = Math.floor(ms / 900_000);
    let m = months.get(q);
    if (m === undefined) months.set(q, (m = monthKey(ms, ws.timezone)));
    return m;
  };
  const offerIndexOf = new Map(world.offers.map((o, i) => [o.id, i]));
  const memberIndexOf = new Map(world.members.map((m, i) => [m.id, i]));
  const approved: CommissionTable[] = [];

  /** Appends planned entries to a commission and caches the state after them on it, as app/ledger.ts appendEntries. */
  const book = (
    i: number,
    c: CommissionTable,
    at: number,
    entries: PlannedEntry[],
    after: LedgerCommission,
    actor = 'system',
  ) => {
    ledger.adjustments[i]!.push(...entryRows({ workspaceId: ws.id, actor, now: at }, c, entries));
    const stamp =
      after.status === c.status
        ? {}
        : after.status === 'approved'
          ? { approved_at: at }
          : after.status === 'reversed'
            ? { reversed_at: at }
            : after.status === 'paid'
              ? { paid_at: at }
              : {};
    Object.assign(c, cachedColumns(after), stamp, { updated_at: at });
  };

  const create = (i: number, queue: StepQueue) => {
    const o = orders[i]!;
    const now = o.createdAt;
    const id = newId('cnv', now);
    const offerOf = (k: number) => world.offers[k]!;
    const clickLookup: ClickLookup = o.click
      ? {
          lookup: 'found',
          click: {
            clickId: o.click.id,
            offerId: offerOf(world.links[o.click.link]!.offer).id,
            memberId: memberId(world.links[o.click.link]!.member),
            linkId: world.links[o.click.link]!.id,
            clickedAt: o.click.at,
            trackedWhenClicked: true,
          },
          offer: offerOf(world.links[o.click.link]!.offer).tracking,
        }
      : { lookup: 'none' };
    const code = typeof o.code === 'number' ? world.codes[o.code]! : null;
    const codeString = code ? code.code : typeof o.code === 'string' ? o.code : null;
    const codeLookup: CodeLookup = code
      ? {
          lookup: 'found',
          code: {
            codeId: code.id,
            code: code.code,
            offerId: offerOf(code.offer).id,
            memberId: memberId(code.member),
            status: 'active',
          },
          offer: offerOf(code.offer).tracking,
        }
      : codeString
        ? { lookup: 'not_found', code: codeString }
        : { lookup: 'none' };
    const reported = o.reported === null ? null : offerOf(o.reported).id;
    const decision = attribute({
      occurredAt: o.occurredAt,
      reportedOfferId: reported,
      click: clickLookup,
      code: codeLookup,
    });
    const rows: CommissionTable[] = [];
    const commissions: DecisionRecord['commissions'] = [];
    ledger.adjustments[i] = [];
    if (decision.outcome === 'credited') {
      const shares = decision.credits.map((c) => c.shareBps);
      const whole = shares.reduce((a, b) => a + b, 0) === 10_000;
      for (const [k, credit] of decision.credits.entries()) {
        if (!credit.memberId) continue;
        const offerIndex = offerIndexOf.get(credit.offerId)!;
        const offer = offerOf(offerIndex);
        const member = memberIndexOf.get(credit.memberId)!;
        const payoutId = world.payoutOf.get(`${offerIndex}:${member}`) ?? offer.defaultPayoutId;
        const key = `${credit.offerId}|${credit.memberId}|${monthOf(o.occurredAt)}`;
        const earlier = live.get(key) ?? 0;
        const sale = o.amountMinor ?? 0;
        const c = commissionFor({
          payout: offer.payouts.get(payoutId)!,
          saleMinor: sale,
          shareBps: credit.shareBps,
          conversionNumberInMonth: earlier + 1,
        });
        commissions.push({
          memberId: credit.memberId,
          offerId: credit.offerId,
          amountMinor: c.amountMinor,
          currency: offer.currency,
        });
        const row: CommissionTable = {
          id: newId('com', now),
          workspace_id: ws.id,
          conversion_id: id,
          offer_id: credit.offerId,
          member_id: credit.memberId,
          payout_option_id: payoutId,
          source: credit.source,
          share_bps: credit.shareBps,
          sale_minor: whole ? splitAmount(sale, shares)[k]! : Math.floor((sale * credit.shareBps) / 10_000),
          amount_minor: 0,
          currency: offer.currency,
          rate_applied: c.rateApplied,
          tier_from: c.tierFromConversion,
          month_key: key.split('|')[2]!,
          status: 'pending',
          approve_after: o.occurredAt + offer.holdDays * DAY_MS,
          approved_at: null,
          reversed_at: null,
          paid_at: null,
          payout_batch_id: null,
          created_at: now,
          updated_at: now,
          accrued_minor: c.amountMinor,
          adjusted_minor: 0,
          admin_touched: 0,
          in_decision: 1,
        };
        const accrual = planOrder(new Map(), new Map([[row.member_id, c.amountMinor]]), {
          saleMinor: o.amountMinor,
          refundedMinor: 0,
          fullyRefunded: false,
          cancelled: false,
        }).changes[0]!;
        book(i, row, now, accrual.entries, accrual.after);
        rows.push(row);
        live.set(key, earlier + 1);
        // The hold job runs every minute: approval lands in the minute after the hold ends.
        const approveAt = Math.ceil(row.approve_after / 60_000) * 60_000 + rng.int(2_500);
        if (approveAt <= range.to) queue.push({ at: approveAt, kind: 2, order: i, commission: row });
      }
    }
    const record: DecisionRecord = {
      ...decision,
      commissions,
      notes: [],
      trust: trustOf(o.source),
      linkId: clickLookup.lookup === 'found' ? clickLookup.click.linkId : null,
      codeId: codeLookup.lookup === 'found' ? codeLookup.code.codeId : null,
    };
    const amount = o.amountMinor === null ? null : { minor: o.amountMinor, currency: world.offers[o.offer]!.currency };
    ledger.conversions[i] = {
      id,
      workspace_id: ws.id,
      order_id: orderIds[i]!,
      is_test: 0,
      status: decision.outcome === 'credited' ? 'credited' : 'unattributed',
      occurred_at: o.occurredAt,
      reported_offer_id: reported,
      click_id: o.click?.id ?? null,
      code: codeString,
      amount_minor: amount?.minor ?? null,
      currency: amount?.currency ?? null,
      refunded_minor: 0,
      refunded_full: 0,
      cancelled_at: null,
      review: null,
      decision: JSON.stringify(record),
      created_at: now,
      updated_at: now,
    };
    ledger.commissions[i] = rows;
    // What the ingestion path received, as ingest.ts keeps it; a leaked code's orders also say which page sent them.
    const input: Record<string, string> = { order: orderIds[i]! };
    if (reported) input.offer = reported;
    if (o.click) input.click = o.click.id;
    if (amount)
      Object.assign(input, { amount: formatAmount(amount.minor, amount.currency), currency: amount.currency });
    if (codeString) input.code = codeString;
    const detail = {
      input,
      ...(o.source === 'shopify' ? { topic: 'orders/paid' } : {}),
      ...(o.referrer ? { referrer: o.referrer } : {}),
    };
    ledger.events[i] = [
      {
        id: newId('evt', now),
        workspace_id: ws.id,
        conversion_id: id,
        received_at: now,
        source: o.source,
        order_id: orderIds[i]!,
        is_test: 0,
        outcome: 'created',
        reason: decision.outcome === 'credited' ? null : 'unattributed',
        detail: JSON.stringify(detail),
        trust: trustOf(o.source),
        evidence: JSON.stringify({
          reportedOfferId: reported,
          clickId: o.click?.id ?? null,
          code: codeString,
          amount,
          occurredAt: o.occurredAt,
          timeGiven: o.occurredAt !== now,
        }),
        event_key: null,
      },
    ];
  };

  const refund = (i: number, at: number) => {
    const o = orders[i]!;
    const row = ledger.conversions[i]!;
    const r = o.refund!;
    const refunded = row.refunded_minor + (r.kind === 'partial' ? r.minor : 0);
    const full = r.kind === 'full' || r.kind === 'cancel';
    Object.assign(row, {
      refunded_minor: refundedTotal(full || row.refunded_full === 1, refunded, row.amount_minor),
      refunded_full: full ? 1 : row.refunded_full,
      updated_at: at,
      ...(r.kind === 'cancel' ? { cancelled_at: at } : {}),
    });
    const commissions = ledger.commissions[i]!;
    const plan = planOrder(new Map(commissions.map((c) => [c.id, ledgerState(c)])), null, orderMoney(row));
    for (const change of plan.changes) {
      const c = commissions.find((x) => x.id === change.key)!;
      const wasLive = c.status !== 'reversed';
      book(i, c, at, change.entries, change.after);
      if (wasLive && c.status === 'reversed') live.set(liveKey(c), live.get(liveKey(c))! - 1);
    }
    const refundInput =
      r.kind === 'cancel' ? 'cancel' : r.kind === 'full' ? 'full' : formatAmount(r.minor, row.currency!);
    ledger.events[i]!.push({
      id: newId('evt', at),
      workspace_id: ws.id,
      conversion_id: row.id,
      received_at: at,
      source: o.source,
      order_id: row.order_id,
      is_test: 0,
      outcome: r.kind === 'cancel' ? 'cancelled' : 'refunded',
      reason: null,
      detail: JSON.stringify({ refund: refundInput, eventKey: null }),
      trust: null,
      evidence: null,
      event_key: null,
    });
  };

  const approve = (i: number, c: CommissionTable, at: number) => {
    const planned = planApprove(ledgerState(c), 'hold', 'Hold period ended.');
    if (!planned.ok) return;
    book(i, c, at, [planned.entry], planned.after);
    approved.push(c);
  };

  const index = new Map<string, number>();
  const pay = (at: number) => {
    // As createPayoutBatch, per currency: members whose approved, unpaid total is positive and at least the minimum.
    const open = approved.filter((c) => c.status === 'approved' && c.payout_batch_id === null);
    for (const currency of [...new Set(open.map((c) => c.currency))].sort()) {
      const mine = open.filter((c) => c.currency === currency);
      const totals = new Map<string, number>();
      for (const c of mine) totals.set(c.member_id, (totals.get(c.member_id) ?? 0) + c.amount_minor);
      const minimum = currency === ws.currency ? ws.min_payout_minor : 0;
      const members = new Set([...totals].filter(([, t]) => t > 0 && t >= minimum).map(([m]) => m));
      if (!members.size) continue;
      const id = newId('pob', at);
      const claimed = mine.filter((c) => members.has(c.member_id));
      for (const c of claimed) {
        const i = index.get(c.conversion_id)!;
        const planned = planPayout(ledgerState(c), `Paid in batch ${id}.`);
        if (!planned.ok) continue;
        book(i, c, at, [planned.entry], planned.after, PAYOUT_ACTOR);
        c.payout_batch_id = id;
      }
      ledger.batches.push({
        id,
        workspace_id: ws.id,
        currency,
        total_minor: claimed.reduce((n, c) => n + c.amount_minor, 0),
        members: members.size,
        commissions: claimed.length,
        note: `Monthly payout ${new Date(at).toISOString().slice(0, 7)}`,
        actor: PAYOUT_ACTOR,
        created_at: at,
      });
    }
  };

  // Approvals are scheduled while replaying (when their commission is created), so the steps are a priority queue.
  const queue = new StepQueue(steps);
  for (let s = queue.pop(); s; s = queue.pop()) {
    if (s.kind === 0) {
      create(s.order, queue);
      index.set(ledger.conversions[s.order]!.id, s.order);
    } else if (s.kind === 1) refund(s.order, s.at);
    else if (s.kind === 2) approve(s.order, s.commission, s.at);
    else pay(s.at);
  }
  return ledger;

  function memberId(m: number): string | null {
    return m >= 0 ? world.members[m]!.id : null;
  }
}

function byTime(a: Step, b: Step): number {
  return a.at - b.at || a.kind - b.kind || ('order' in a && 'order' in b ? a.order - b.order : 0);
}

/** A binary min-heap of steps by (time, kind, order): the replay's clock. */
class StepQueue {
  private readonly heap: Step[] = [];

  constructor(steps: Step[]) {
    for (const s of steps) this.push(s);
  }

  push(s: Step): void {
    const h = this.heap;
    h.push(s);
    for (let i = h.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (byTime(h[p]!, h[i]!) <= 0) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  pop(): Step | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length && last) {
      h[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && byTime(h[l]!, h[m]!) < 0) m = l;
        if (r < h.length && byTime(h[r]!, h[m]!) < 0) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
}
