// recordConversion: one order's event, from any ingestion path, through named steps to a decision and commissions.
// The order's row is created or locked first, under the (workspace, order) unique index, so concurrent events for
// one order, on one process or many, are decided one after another and never pay twice.
import type { Kysely } from 'kysely';
import { attribute, DAY_MS, mergeEvidence, type AttributionDecision, type ClickLookup, type CodeLookup, type OfferTracking, type OrderEvidence } from '../core/attribution.js';
import { commissionFor, monthKey } from '../core/commission.js';
import type { ConversionInput } from '../core/conversion-input.js';
import { newId } from '../core/ids.js';
import { formatAmount } from '../core/money.js';
import { enqueueWebhook } from '../db/webhooks.js';
import { inOfferCurrency } from './fx-rates.js';
import * as repo from '../db/conversions.js';
import type { ConversionSource, Database } from '../db/schema.js';
import type { Workspace } from '../db/workspaces.js';
import type { AppContext } from './context.js';
import { loadOfferTracking, payoutFor, type OfferFacts } from './conversion-facts.js';

/** Where a click id is looked up: the click buffer first (a click is written within a flush interval), then the table. */
export interface ClickFinder {
  /**
   * `wait`: for a click made moments ago, wait one flush before calling it unknown (never inside a transaction).
   * `db`: inside a transaction, the transaction itself: a second pooled connection per transaction exhausts the pool
   * under load, every transaction waiting for a connection that only a finished one frees.
   */
  find(clickId: string, opts?: { wait: boolean; db?: Kysely<Database> }): Promise<{ workspaceId: string; offerId: string; memberId: string | null; linkId: string; clickedAt: number; tracked: boolean } | null>;
}

export interface RecordResult {
  outcome: 'created' | 'filled_in' | 'duplicate';
  conversionId: string;
  status: 'credited' | 'unattributed';
  isTest: boolean;
  reasons: string[];
  commissions: { memberId: string; offerId: string; amountMinor: number; currency: string }[];
}

export interface ResolvedAmount {
  minor: number;
  currency: string;
}

/**
 * Stored on the conversion: the attribution decision, the commissions it gave, notes such as no_fx_rate, and the link
 * and code the evidence pointed to, so reports can group a credit by link or code without re-deciding it.
 */
export type DecisionRecord = AttributionDecision & { commissions: RecordResult['commissions']; notes: string[]; linkId?: string | null; codeId?: string | null };
type StoredDecision = { reasons?: string[]; commissions?: RecordResult['commissions'] };

export async function recordConversion(
  ctx: AppContext,
  clicks: ClickFinder,
  ws: Workspace,
  source: ConversionSource,
  input: ConversionInput,
  amount: ResolvedAmount | null,
  detail: Record<string, unknown>,
): Promise<RecordResult> {
  const { kind } = ctx.store;
  const now = ctx.clock();
  const next: OrderEvidence = { reportedOfferId: input.offerId, clickId: input.clickId, code: input.code, amount, occurredAt: input.occurredAt };
  // Looked up before the transaction, which must not wait on a flush; a click id that only the stored order has
  // is an old one, long written, and is read inside.
  const fresh = input.clickId ? await clicks.find(input.clickId, { wait: true }) : null;

  return ctx.store.writeTransaction(async (tx) => {
    const created = await repo.insertConversionIfNew(tx, {
      id: newId('cnv', now), workspace_id: ws.id, order_id: input.orderId, is_test: input.isTest ? 1 : 0, status: 'unattributed',
      occurred_at: input.occurredAt, reported_offer_id: input.offerId, click_id: input.clickId, code: input.code,
      amount_minor: amount?.minor ?? null, currency: amount?.currency ?? null, refunded_minor: 0, cancelled_at: null,
      decision: '{}', created_at: now, updated_at: now,
    });
    const row = await repo.lockConversionByOrder(tx, kind, ws.id, input.isTest, input.orderId);
    const existing = created ? [] : await repo.commissionsOf(tx, row.id);
    const event = (outcome: string, reason: string | null) =>
      repo.insertEvent(tx, {
        id: newId('evt', now), workspace_id: ws.id, conversion_id: row.id, received_at: now, source, order_id: input.orderId,
        is_test: input.isTest ? 1 : 0, outcome, reason, detail: JSON.stringify(detail),
      });
    const previousDecision = JSON.parse(row.decision) as StoredDecision;
    const done = (outcome: RecordResult['outcome'], decision: StoredDecision): RecordResult => ({
      outcome, conversionId: row.id, status: row.status, isTest: input.isTest, reasons: decision.reasons ?? [], commissions: decision.commissions ?? [],
    });

    // Step 1: merge with what the order already had. Nothing new: a duplicate, kept with its reason.
    let evidence = next;
    if (!created) {
      const merged = mergeEvidence(evidenceOf(row), next);
      if (!merged.changed) {
        await event('duplicate', 'duplicate');
        return done('duplicate', previousDecision);
      }
      // A decision whose commissions were approved or paid is final; later evidence is kept but changes nothing.
      if (existing.some((c) => c.status === 'approved' || c.status === 'paid')) {
        await event('duplicate', 'decision_final');
        return done('duplicate', previousDecision);
      }
      evidence = merged.evidence;
    }

    // Step 2: what the click id and the code point to.
    const click = !evidence.clickId ? null : evidence.clickId === input.clickId ? fresh : await clicks.find(evidence.clickId, { wait: false, db: tx });
    const facts = await loadOfferTracking(tx, ws.id, [click?.offerId, evidence.reportedOfferId]);
    const clickLookup: ClickLookup = !evidence.clickId
      ? input.unusableClickId ? { lookup: 'not_found', clickId: input.unusableClickId } : { lookup: 'none' }
      : !click ? { lookup: 'not_found', clickId: evidence.clickId }
      : click.workspaceId !== ws.id ? { lookup: 'other_workspace', clickId: evidence.clickId }
      : { lookup: 'found', click: { clickId: evidence.clickId, offerId: click.offerId, memberId: click.memberId, linkId: click.linkId, clickedAt: click.clickedAt, trackedWhenClicked: click.tracked }, offer: tracking(facts, click.offerId) };
    const codeRow = evidence.code ? await repo.findCodeForAttribution(tx, ws.id, evidence.code) : undefined;
    if (codeRow) Object.assign(facts, await loadOfferTracking(tx, ws.id, [codeRow.offer_id]));
    const codeLookup: CodeLookup = !evidence.code
      ? { lookup: 'none' }
      : !codeRow ? { lookup: 'not_found', code: evidence.code }
      : { lookup: 'found', code: { codeId: codeRow.id, code: codeRow.code, offerId: codeRow.offer_id, memberId: codeRow.member_id, status: codeRow.status }, offer: tracking(facts, codeRow.offer_id) };

    // Step 3: the decision (pure), then the commissions it gives.
    const decision = attribute({ occurredAt: evidence.occurredAt, reportedOfferId: evidence.reportedOfferId, click: clickLookup, code: codeLookup });
    const notes: string[] = [];
    const commissions: RecordResult['commissions'] = [];
    const keep = new Set<string>();
    if (decision.outcome === 'credited') {
      for (const credit of decision.credits) {
        if (!credit.memberId) continue; // a generic link or code credits the offer; nobody is paid
        const offer = facts[credit.offerId]!;
        // An order in another currency is converted at the workspace's rate; without one it earns nothing yet.
        const sale = evidence.amount ? await inOfferCurrency(tx, ws.id, evidence.amount, offer.currency) : 0;
        if (sale === null) {
          if (!notes.includes('no_fx_rate')) notes.push('no_fx_rate');
          continue;
        }
        const payout = await payoutFor(tx, ws.id, credit.offerId, credit.memberId);
        const month = monthKey(evidence.occurredAt, ws.timezone);
        const earlier = await repo.countMonthCommissions(tx, credit.offerId, credit.memberId, month, row.id);
        const saleMinor = sale;
        const c = commissionFor({ payout: payout.payout, saleMinor, shareBps: credit.shareBps, conversionNumberInMonth: earlier + 1 });
        commissions.push({ memberId: credit.memberId, offerId: credit.offerId, amountMinor: c.amountMinor, currency: offer.currency });
        if (input.isTest) continue; // a tracking check shows what would be paid, and pays nothing
        keep.add(credit.memberId);
        const values = {
          offer_id: credit.offerId, payout_option_id: payout.id, source: credit.source, share_bps: credit.shareBps,
          sale_minor: Math.floor((saleMinor * credit.shareBps) / 10_000), amount_minor: c.amountMinor, currency: offer.currency,
          rate_applied: c.rateApplied, tier_from: c.tierFromConversion, month_key: month, approve_after: evidence.occurredAt + offer.holdDays * DAY_MS,
        };
        const before = existing.find((e) => e.member_id === credit.memberId);
        await upsertCommission(tx, ws.id, row.id, credit.memberId, before, values, now, created ? 'created' : 'recomputed');
      }
    }
    // Members no longer credited by the new decision lose their pending commission, with a trace.
    for (const old of existing) {
      if (keep.has(old.member_id) || old.status !== 'pending') continue;
      await repo.updateCommission(tx, old.id, { status: 'reversed', reversed_at: now, updated_at: now });
      await adjustment(tx, ws.id, old, old.amount_minor, 'reversed', 'recomputed', 'A later event for the order changed who gets the credit.', now);
    }

    const record: DecisionRecord = {
      ...decision, commissions, notes,
      linkId: clickLookup.lookup === 'found' ? clickLookup.click.linkId : null,
      codeId: codeLookup.lookup === 'found' ? codeLookup.code.codeId : null,
    };
    const status = decision.outcome === 'credited' ? 'credited' : 'unattributed';
    await repo.updateConversion(tx, row.id, {
      status, decision: JSON.stringify(record), occurred_at: evidence.occurredAt, reported_offer_id: evidence.reportedOfferId,
      click_id: evidence.clickId, code: evidence.code, amount_minor: evidence.amount?.minor ?? null, currency: evidence.amount?.currency ?? null, updated_at: now,
    });
    await event(created ? 'created' : 'filled_in', decision.outcome === 'credited' ? (notes[0] ?? null) : 'unattributed');
    if (created && !input.isTest) {
      await enqueueWebhook(tx, ws.id, 'conversion.created', {
        id: row.id, orderId: input.orderId, status, occurredAt: new Date(evidence.occurredAt).toISOString(),
        amount: evidence.amount ? formatAmount(evidence.amount.minor, evidence.amount.currency) : null, currency: evidence.amount?.currency ?? null,
        credits: decision.outcome === 'credited' ? decision.credits : [], commissions: commissions.map((c) => ({ ...c, amount: formatAmount(c.amountMinor, c.currency) })),
      }, now);
    }
    return { outcome: created ? 'created' : 'filled_in', conversionId: row.id, status, isTest: input.isTest, reasons: [...decision.reasons, ...notes], commissions };
  });
}

function evidenceOf(row: repo.ConversionRow): OrderEvidence {
  return {
    reportedOfferId: row.reported_offer_id, clickId: row.click_id, code: row.code, occurredAt: row.occurred_at,
    amount: row.amount_minor !== null && row.currency ? { minor: row.amount_minor, currency: row.currency } : null,
  };
}

function tracking(facts: Record<string, OfferFacts>, offerId: string): OfferTracking {
  const f = facts[offerId];
  // A click or code whose offer is gone from this workspace cannot credit anyone: treat it as archived.
  return f?.tracking ?? { status: 'archived', endsAt: null, cookieWindowDays: 0, attributionRule: 'code_first', splitCodeShareBps: 5_000, tracksLinks: false, tracksCodes: false };
}

type Tx = Parameters<typeof repo.insertCommission>[0];

async function upsertCommission(
  tx: Tx, workspaceId: string, conversionId: string, memberId: string, before: repo.CommissionRow | undefined,
  values: Omit<repo.CommissionRow, 'id' | 'workspace_id' | 'conversion_id' | 'member_id' | 'status' | 'approved_at' | 'reversed_at' | 'paid_at' | 'payout_batch_id' | 'created_at' | 'updated_at'>,
  now: number, kind: string,
): Promise<void> {
  if (!before) {
    const row: repo.CommissionRow = {
      id: newId('com', now), workspace_id: workspaceId, conversion_id: conversionId, member_id: memberId, status: 'pending',
      approved_at: null, reversed_at: null, paid_at: null, payout_batch_id: null, created_at: now, updated_at: now, ...values,
    };
    await repo.insertCommission(tx, row);
    await adjustment(tx, workspaceId, { ...row, amount_minor: 0, status: 'pending' }, row.amount_minor, 'pending', kind, 'Conversion credited.', now);
    return;
  }
  // Unchanged only when every value is: the same amount may come with a new source, share, offer or hold date.
  const same = (Object.keys(values) as (keyof typeof values)[]).every((k) => before[k] === values[k]);
  if (same && before.status === 'pending') return;
  await repo.updateCommission(tx, before.id, { ...values, status: 'pending', reversed_at: null, updated_at: now });
  await adjustment(tx, workspaceId, before, values.amount_minor, 'pending', kind, 'A later event for the order changed the commission.', now);
}

async function adjustment(
  tx: Tx, workspaceId: string, before: Pick<repo.CommissionRow, 'id' | 'amount_minor' | 'status'>, amountAfter: number,
  statusAfter: string, kind: string, reason: string, now: number,
): Promise<void> {
  await repo.insertAdjustment(tx, {
    id: newId('adj', now), workspace_id: workspaceId, commission_id: before.id, kind, amount_before: before.amount_minor,
    amount_after: amountAfter, status_before: before.status, status_after: statusAfter, reason, actor: 'system', created_at: now,
  });
}
