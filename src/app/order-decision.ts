// One order's decision, before anything is written: what its click id and code point to, who gets the credit
// (core/attribution.ts, pure), whether browser-only evidence may credit it (SPEC §4), and the commission each
// credited member accrues (core/commission.ts). The ledger (core/ledger.ts) turns accruals into entries.
import type { Transaction } from 'kysely';
import {
  attribute,
  attributeRenewal,
  DAY_MS,
  type AttributionDecision,
  type ClickLookup,
  type Credit,
  type CodeLookup,
  type OfferTracking,
} from '../core/attribution.js';
import type { EvidenceConflict, OrderFacts } from '../core/order-evidence.js';
import { commissionFor, monthKey, splitAmount } from '../core/commission.js';
import type { Trust } from '../core/order-evidence.js';
import * as repo from '../db/conversions.js';
import type { ConversionStatus, Database } from '../db/schema.js';
import type { Workspace } from '../db/workspaces.js';
import type { ClickFinder } from './click-finder.js';
import type { ConversionFacts, OfferFacts } from './conversion-facts.js';
import { inOfferCurrency } from './fx-rates.js';

type FoundClick = NonNullable<Awaited<ReturnType<ClickFinder['find']>>>;

/** A credited member's commission on an order (a test or held order: what it would be). */
export interface CreditedCommission {
  memberId: string;
  offerId: string;
  amountMinor: number;
  currency: string;
}

/**
 * Stored on the conversion: the attribution decision, the commissions it gave, notes (no_fx_rate, holds), the trust
 * level and conflicts of the evidence, the offer settings it was made under, and the link and code the evidence
 * pointed to, so reports can group a credit by link or code without re-deciding it.
 */
export type DecisionRecord = AttributionDecision & {
  commissions: CreditedCommission[];
  notes: string[];
  trust?: Trust | null;
  conflicts?: EvidenceConflict[];
  settings?: Record<string, SettingsSnapshot>;
  linkId?: string | null;
  codeId?: string | null;
};

/** A commission's decision columns (who, on what terms); its amount and status are the ledger's. */
export type CommissionValues = Pick<
  repo.CommissionRow,
  | 'offer_id'
  | 'payout_option_id'
  | 'source'
  | 'share_bps'
  | 'sale_minor'
  | 'currency'
  | 'rate_applied'
  | 'tier_from'
  | 'month_key'
  | 'approve_after'
>;

export interface OrderDecision {
  decision: AttributionDecision;
  status: ConversionStatus;
  record: DecisionRecord;
  /** What each credited member accrues (on a held or test order: what would be paid). */
  commissions: CreditedCommission[];
  reasons: string[];
  /** Stored on the order's event: a note (no_fx_rate) for a credited order, the hold or `unattributed` otherwise. */
  eventReason: string | null;
  /** The commission each credited member accrues; none for a test, held or rejected order, which pays nothing. */
  writes: { memberId: string; accruedMinor: number; values: CommissionValues }[];
  /** The volume-tier counts this decision took (see TierLocks). */
  tierKeys: string[];
}

/**
 * The volume-tier counts a transaction has taken (see repo.takeMonthCount: on PostgreSQL each is a row lock held to
 * the end of the transaction). A decision takes its counts in key order, so two transactions never wait on each
 * other in a cycle: a decision of an existing order is made once without the order's row lock to learn its keys.
 */
export interface TierLocks {
  held: Set<string>;
}

export const tierKey = (offerId: string, memberId: string, month: string) => `tier:${offerId}:${memberId}:${month}`;

export interface DecideInput {
  isTest: boolean;
  /** A malformed click id the event carried, to explain the decision. */
  unusableClickId: string | null;
  /** A person's review of an order held for browser-only evidence. */
  review: 'approved' | 'rejected' | null;
}

/** Offer settings a decision was made under, kept with it for the receipt. */
export interface SettingsSnapshot {
  offerName: string;
  attributionRule: string;
  cookieWindowDays: number;
  splitCodeShareBps: number;
  holdDays: number;
  browserCodeCredit: boolean;
  browserAmountLimitMinor: number | null;
  /** The offer's version: when its settings last changed. */
  version: number;
  payouts: Record<
    string,
    { id: string; title: string; type: string; value: number; tiers: { fromConversion: number; value: number }[] }
  >;
}

export async function decideOrder(
  tx: Transaction<Database>,
  facts: ConversionFacts,
  clicks: ClickFinder,
  ws: Workspace,
  input: DecideInput,
  fresh: { clickId: string; click: FoundClick | null } | null,
  order: OrderFacts,
  conversionId: string | null,
  locks: TierLocks = { held: new Set() },
): Promise<OrderDecision> {
  const evidence = order.evidence;
  const click = !evidence.clickId
    ? null
    : evidence.clickId === fresh?.clickId
      ? fresh.click
      : await clicks.find(evidence.clickId, { wait: false, db: tx });
  const codeRow = evidence.code ? await facts.code(tx, evidence.code) : undefined;
  // A renewal follows its first order's credit (read under this transaction: the first order is long recorded).
  const firstOrder = evidence.renewalOf
    ? await repo.findConversionByOrder(tx, ws.id, input.isTest, evidence.renewalOf)
    : undefined;
  const firstCredits =
    firstOrder?.status === 'credited'
      ? ((JSON.parse(firstOrder.decision) as { credits?: Credit[] }).credits?.filter((c) => c.shareBps > 0) ?? null)
      : null;
  const offers = await facts.offers(tx, [
    click?.offerId,
    evidence.reportedOfferId,
    codeRow?.offer_id,
    ...(firstCredits ?? []).map((c) => c.offerId),
  ]);
  const clickLookup: ClickLookup = !evidence.clickId
    ? input.unusableClickId
      ? { lookup: 'not_found', clickId: input.unusableClickId }
      : { lookup: 'none' }
    : !click
      ? { lookup: 'not_found', clickId: evidence.clickId }
      : click.workspaceId !== ws.id
        ? { lookup: 'other_workspace', clickId: evidence.clickId }
        : {
            lookup: 'found',
            click: {
              clickId: evidence.clickId,
              offerId: click.offerId,
              memberId: click.memberId,
              linkId: click.linkId,
              clickedAt: click.clickedAt,
              trackedWhenClicked: click.tracked,
            },
            offer: tracking(offers, click.offerId),
          };
  const codeLookup: CodeLookup = !evidence.code
    ? { lookup: 'none' }
    : !codeRow
      ? { lookup: 'not_found', code: evidence.code }
      : {
          lookup: 'found',
          code: {
            codeId: codeRow.id,
            code: codeRow.code,
            offerId: codeRow.offer_id,
            memberId: codeRow.member_id,
            status: codeRow.status,
          },
          offer: tracking(offers, codeRow.offer_id),
        };

  const decision = evidence.renewalOf
    ? attributeRenewal(evidence.occurredAt, {
        credits: firstCredits,
        offers: Object.fromEntries((firstCredits ?? []).map((c) => [c.offerId, tracking(offers, c.offerId)])),
      })
    : attribute({
        occurredAt: evidence.occurredAt,
        reportedOfferId: evidence.reportedOfferId,
        click: clickLookup,
        code: codeLookup,
      });
  const notes: string[] = [];
  const holds: string[] = [];
  const commissions: CreditedCommission[] = [];
  const accruals: OrderDecision['writes'] = [];
  const tierKeys: string[] = [];
  const settings: Record<string, SettingsSnapshot> = {};
  if (decision.outcome === 'credited') {
    const browserOnly = order.trust === 'browser' && input.review !== 'approved';
    // Each credit's part of the sale, so the parts add up to the order exactly (the reports split the same way).
    const shares = decision.credits.map((c) => c.shareBps);
    const whole = shares.reduce((a, b) => a + b, 0) === 10_000;
    const priced: {
      credit: Credit;
      i: number;
      payout: Awaited<ReturnType<ConversionFacts['payout']>>;
      sale: number;
      month: string;
      currency: string;
      holdDays: number;
      tiered: string | null;
    }[] = [];
    for (const [i, credit] of decision.credits.entries()) {
      const offer = offers[credit.offerId]!;
      settings[credit.offerId] ??= snapshot(offer);
      if (
        browserOnly &&
        credit.source === 'code' &&
        !offer.browserCodeCredit &&
        !holds.includes('browser_code_unverified')
      )
        holds.push('browser_code_unverified');
      if (!credit.memberId) continue; // a generic link or code credits the offer; nobody is paid
      // An order in another currency is converted at the workspace's rate; without one it earns nothing yet.
      const sale = evidence.amount
        ? await inOfferCurrency((from, to) => facts.fxRate(tx, from, to), evidence.amount, offer.currency)
        : 0;
      if (sale === null) {
        if (!notes.includes('no_fx_rate')) notes.push('no_fx_rate');
        continue;
      }
      if (
        browserOnly &&
        offer.browserAmountLimitMinor !== null &&
        sale > offer.browserAmountLimitMinor &&
        !holds.includes('browser_amount_over_limit')
      )
        holds.push('browser_amount_over_limit');
      const payout = await facts.payout(tx, credit.offerId, credit.memberId);
      settings[credit.offerId]!.payouts[credit.memberId] = { id: payout.id, title: payout.title, ...payout.payout };
      const month = monthOf(evidence.occurredAt, ws.timezone);
      // Only volume tiers depend on how many came before.
      const tiered =
        payout.payout.tiers.length && !input.isTest ? tierKey(credit.offerId, credit.memberId, month) : null;
      if (tiered && !tierKeys.includes(tiered)) tierKeys.push(tiered);
      priced.push({ credit, i, payout, sale, month, currency: offer.currency, holdDays: offer.holdDays, tiered });
    }
    // The counts last, after every read that does not depend on them: on PostgreSQL each is the member's counter row,
    // locked until this transaction commits, so every other order of the member in the month waits for this one from
    // here on (in key order, so that two orders never wait on each other in a cycle). An order decided again does not
    // count its own commissions (SPEC: the earlier ones).
    const earlier = new Map<string, number>();
    const keys = new Map<string, repo.MonthCountKey>();
    for (const p of priced)
      if (p.tiered)
        keys.set(p.tiered, {
          workspace_id: ws.id,
          offer_id: p.credit.offerId,
          member_id: p.credit.memberId!,
          month_key: p.month,
        });
    const own = conversionId && keys.size ? await repo.monthKeysOf(tx, conversionId) : [];
    for (const [key, k] of [...keys].sort(([, a], [, b]) => compareKeys(a, b))) {
      const counted = await repo.takeMonthCount(tx, k);
      locks.held.add(key);
      const mine = own.filter(
        (o) => o.counted && o.offer_id === k.offer_id && o.member_id === k.member_id && o.month_key === k.month_key,
      );
      earlier.set(key, counted - mine.length);
    }
    for (const { credit, i, payout, sale, month, currency, holdDays, tiered } of priced) {
      const c = commissionFor({
        payout: payout.payout,
        saleMinor: sale,
        shareBps: credit.shareBps,
        conversionNumberInMonth: (tiered ? earlier.get(tiered)! : 0) + 1,
      });
      commissions.push({ memberId: credit.memberId!, offerId: credit.offerId, amountMinor: c.amountMinor, currency });
      accruals.push({
        memberId: credit.memberId!,
        accruedMinor: c.amountMinor,
        values: {
          offer_id: credit.offerId,
          payout_option_id: payout.id,
          source: credit.source,
          share_bps: credit.shareBps,
          sale_minor: whole ? splitAmount(sale, shares)[i]! : Math.floor((sale * credit.shareBps) / 10_000),
          currency,
          rate_applied: c.rateApplied,
          tier_from: c.tierFromConversion,
          month_key: month,
          approve_after: evidence.occurredAt + holdDays * DAY_MS,
        },
      });
    }
  }
  const credited = decision.outcome === 'credited';
  const status: ConversionStatus =
    order.trust === null
      ? 'awaiting_order'
      : input.review === 'rejected'
        ? 'rejected'
        : holds.length
          ? 'unverified'
          : credited
            ? 'credited'
            : 'unattributed';
  const record: DecisionRecord = {
    ...decision,
    commissions,
    notes: [...holds, ...notes],
    trust: order.trust,
    conflicts: order.conflicts,
    settings,
    linkId: clickLookup.lookup === 'found' ? clickLookup.click.linkId : null,
    codeId: codeLookup.lookup === 'found' ? codeLookup.code.codeId : null,
  };
  const pays = status === 'credited' && !input.isTest;
  return {
    decision,
    record,
    commissions,
    writes: pays ? accruals : [],
    status,
    reasons: [...decision.reasons, ...holds, ...notes],
    tierKeys,
    eventReason:
      status === 'credited'
        ? (notes[0] ?? null)
        : status === 'unverified'
          ? holds[0]!
          : status === 'unattributed'
            ? 'unattributed'
            : status,
  };
}

/** Key order for counter locks: offer, member, month. */
function compareKeys(a: repo.MonthCountKey, b: repo.MonthCountKey): number {
  for (const f of ['offer_id', 'member_id', 'month_key'] as const) if (a[f] !== b[f]) return a[f] < b[f] ? -1 : 1;
  return 0;
}

function snapshot(offer: OfferFacts): SettingsSnapshot {
  return {
    offerName: offer.name,
    attributionRule: offer.tracking.attributionRule,
    cookieWindowDays: offer.tracking.cookieWindowDays,
    splitCodeShareBps: offer.tracking.splitCodeShareBps,
    holdDays: offer.holdDays,
    browserCodeCredit: offer.browserCodeCredit,
    browserAmountLimitMinor: offer.browserAmountLimitMinor,
    version: offer.updatedAt,
    payouts: {},
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
  return (
    f?.tracking ?? {
      status: 'archived',
      endsAt: null,
      cookieWindowDays: 0,
      attributionRule: 'code_first',
      splitCodeShareBps: 5_000,
      tracksLinks: false,
      tracksCodes: false,
    }
  );
}
