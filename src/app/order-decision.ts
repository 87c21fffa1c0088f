// One order's decision, before anything is written: what its click id and code point to, who gets the credit
// (core/attribution.ts, pure), and the commission each credited member is owed (core/commission.ts).
import type { Transaction } from 'kysely';
import { attribute, DAY_MS, type AttributionDecision, type ClickLookup, type CodeLookup, type OfferTracking, type OrderEvidence } from '../core/attribution.js';
import { commissionFor, monthKey } from '../core/commission.js';
import type { ConversionInput } from '../core/conversion-input.js';
import * as repo from '../db/conversions.js';
import type { Database } from '../db/schema.js';
import type { Workspace } from '../db/workspaces.js';
import type { ConversionFacts, OfferFacts } from './conversion-facts.js';
import { inOfferCurrency } from './fx-rates.js';
import type { ClickFinder, DecisionRecord, RecordResult } from './record-conversion.js';

type FoundClick = NonNullable<Awaited<ReturnType<ClickFinder['find']>>>;

export type CommissionValues = Omit<repo.CommissionRow, 'id' | 'workspace_id' | 'conversion_id' | 'member_id' | 'status' | 'approved_at' | 'reversed_at' | 'paid_at' | 'payout_batch_id' | 'created_at' | 'updated_at'>;

export interface OrderDecision {
  decision: AttributionDecision;
  status: 'credited' | 'unattributed';
  record: DecisionRecord;
  commissions: RecordResult['commissions'];
  reasons: string[];
  /** Stored on the order's event: a note (no_fx_rate) for a credited order, `unattributed` otherwise. */
  eventReason: string | null;
  /** The commission each credited member is owed; none for a test order, which pays nothing. */
  writes: { memberId: string; values: CommissionValues }[];
}

/** What the click id and the code point to, the decision (pure), and the commissions it gives. */
export async function decideOrder(
  tx: Transaction<Database>, facts: ConversionFacts, clicks: ClickFinder, ws: Workspace, input: ConversionInput, fresh: FoundClick | null,
  evidence: OrderEvidence, conversionId: string | null,
): Promise<OrderDecision> {
  const click = !evidence.clickId ? null : evidence.clickId === input.clickId ? fresh : await clicks.find(evidence.clickId, { wait: false, db: tx });
  const codeRow = evidence.code ? await facts.code(tx, evidence.code) : undefined;
  const offers = await facts.offers(tx, [click?.offerId, evidence.reportedOfferId, codeRow?.offer_id]);
  const clickLookup: ClickLookup = !evidence.clickId
    ? input.unusableClickId ? { lookup: 'not_found', clickId: input.unusableClickId } : { lookup: 'none' }
    : !click ? { lookup: 'not_found', clickId: evidence.clickId }
    : click.workspaceId !== ws.id ? { lookup: 'other_workspace', clickId: evidence.clickId }
    : { lookup: 'found', click: { clickId: evidence.clickId, offerId: click.offerId, memberId: click.memberId, linkId: click.linkId, clickedAt: click.clickedAt, trackedWhenClicked: click.tracked }, offer: tracking(offers, click.offerId) };
  const codeLookup: CodeLookup = !evidence.code
    ? { lookup: 'none' }
    : !codeRow ? { lookup: 'not_found', code: evidence.code }
    : { lookup: 'found', code: { codeId: codeRow.id, code: codeRow.code, offerId: codeRow.offer_id, memberId: codeRow.member_id, status: codeRow.status }, offer: tracking(offers, codeRow.offer_id) };

  const decision = attribute({ occurredAt: evidence.occurredAt, reportedOfferId: evidence.reportedOfferId, click: clickLookup, code: codeLookup });
  const notes: string[] = [];
  const commissions: RecordResult['commissions'] = [];
  const writes: OrderDecision['writes'] = [];
  if (decision.outcome === 'credited') {
    for (const credit of decision.credits) {
      if (!credit.memberId) continue; // a generic link or code credits the offer; nobody is paid
      const offer = offers[credit.offerId]!;
      // An order in another currency is converted at the workspace's rate; without one it earns nothing yet.
      const sale = evidence.amount ? await inOfferCurrency((from, to) => facts.fxRate(tx, from, to), evidence.amount, offer.currency) : 0;
      if (sale === null) {
        if (!notes.includes('no_fx_rate')) notes.push('no_fx_rate');
        continue;
      }
      const payout = await facts.payout(tx, credit.offerId, credit.memberId);
      const month = monthOf(evidence.occurredAt, ws.timezone);
      // Only volume tiers depend on how many came before; without tiers the count is not needed.
      const earlier = payout.payout.tiers.length ? await repo.countMonthCommissions(tx, credit.offerId, credit.memberId, month, conversionId ?? '') : 0;
      const c = commissionFor({ payout: payout.payout, saleMinor: sale, shareBps: credit.shareBps, conversionNumberInMonth: earlier + 1 });
      commissions.push({ memberId: credit.memberId, offerId: credit.offerId, amountMinor: c.amountMinor, currency: offer.currency });
      if (input.isTest) continue; // a tracking check shows what would be paid, and pays nothing
      writes.push({
        memberId: credit.memberId,
        values: {
          offer_id: credit.offerId, payout_option_id: payout.id, source: credit.source, share_bps: credit.shareBps,
          sale_minor: Math.floor((sale * credit.shareBps) / 10_000), amount_minor: c.amountMinor, currency: offer.currency,
          rate_applied: c.rateApplied, tier_from: c.tierFromConversion, month_key: month, approve_after: evidence.occurredAt + offer.holdDays * DAY_MS,
        },
      });
    }
  }
  const record: DecisionRecord = {
    ...decision, commissions, notes,
    linkId: clickLookup.lookup === 'found' ? clickLookup.click.linkId : null,
    codeId: codeLookup.lookup === 'found' ? codeLookup.code.codeId : null,
  };
  const credited = decision.outcome === 'credited';
  return {
    decision, record, commissions, writes, status: credited ? 'credited' : 'unattributed', reasons: [...decision.reasons, ...notes],
    eventReason: credited ? (notes[0] ?? null) : 'unattributed',
  };
}

/** monthKey formats a date in a time zone, which is slow; orders arrive in time order, so the last answer usually holds. */
const lastMonth = new Map<string, { quarter: number; key: string }>();
// Every zone's offset (for the 400 days an order may date back) is a whole number of quarter hours, so a quarter
// hour never straddles two months.
const QUARTER_HOUR_MS = 900_000;

function monthOf(ms: number, timeZone: string): string {
  const quarter = Math.floor(ms / QUARTER_HOUR_MS);
  const hit = lastMonth.get(timeZone);
  if (hit?.quarter === quarter) return hit.key;
  const key = monthKey(ms, timeZone);
  if (lastMonth.size >= 1_000) lastMonth.clear();
  lastMonth.set(timeZone, { quarter, key });
  return key;
}


function tracking(facts: Record<string, OfferFacts>, offerId: string): OfferTracking {
  const f = facts[offerId];
  // A click or code whose offer is gone from this workspace cannot credit anyone: treat it as archived.
  return f?.tracking ?? { status: 'archived', endsAt: null, cookieWindowDays: 0, attributionRule: 'code_first', splitCodeShareBps: 5_000, tracksLinks: false, tracksCodes: false };
}
