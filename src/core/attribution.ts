// SPEC §3: who gets the credit for one conversion, and why. The caller looks the click id and the code up and
// passes what it found; storage is not this file's business. Every decision carries machine-readable reasons so a
// brand and a member can see why a sale counted or did not, and so a re-decision after new evidence is explainable.
//
// Decisions the spec leaves open (to be written down in the project docs too, as SPEC asks):
// - A click must be tracked when clicked (§3.1) AND its offer must still be tracking at the conversion, like a
//   code's (§3.2): pausing, archiving or ending an offer stops it paying, whichever way the sale arrives.
// - Clock skew: the click is stamped by our server, the order time by the shop; a click up to CLOCK_SKEW_MS after
//   the order still counts. The window is inclusive: a sale exactly cookieWindowDays after the click counts.
// - A member-specific signal beats a generic one (generic link, generic code) whatever the rule: a shared
//   discount code is a price, not a sign of who sold. The rule only chooses between two different members.
// - When click and code are on different offers, the "deciding offer" is the one the event reported if it is one
//   of the two, else the code's: the buyer typed the code at checkout, the click may be weeks old on another promo.
//   Its rule applies; one member on two offers is credited once, on the deciding offer.
// - split across two offers: each credit stays on its own offer (each paid by its own payout option); the shares
//   come from the deciding offer and still sum to 10000, so the order is paid once.

export const DAY_MS = 86_400_000;
export const CLOCK_SKEW_MS = 5 * 60_000;
export const FULL_SHARE_BPS = 10_000;
export const DEFAULT_SPLIT_CODE_SHARE_BPS = 5_000;

export type OfferStatus = 'active' | 'paused' | 'archived';
export type AttributionRule = 'code_first' | 'click_first' | 'split';

/** The offer's attribution settings as they are at the conversion. */
export interface OfferTracking {
  status: OfferStatus;
  endsAt: number | null;
  cookieWindowDays: number;
  attributionRule: AttributionRule;
  splitCodeShareBps: number;
  tracksLinks: boolean;
  tracksCodes: boolean;
}

export interface ClickEvidence {
  clickId: string;
  offerId: string;
  /** null: a generic link (credited to the offer). */
  memberId: string | null;
  linkId: string;
  clickedAt: number;
  /** false when the offer or link was not tracking at the click, or it was a bot. */
  trackedWhenClicked: boolean;
}

export interface CodeEvidence {
  codeId: string;
  code: string;
  offerId: string;
  /** null: a generic code (credited to the offer). */
  memberId: string | null;
  status: 'active' | 'disabled';
}

export type ClickLookup =
  | { lookup: 'none' }
  | { lookup: 'not_found'; clickId: string }
  | { lookup: 'other_workspace'; clickId: string }
  | { lookup: 'found'; click: ClickEvidence; offer: OfferTracking };

export type CodeLookup =
  | { lookup: 'none' }
  | { lookup: 'not_found'; code: string }
  | { lookup: 'found'; code: CodeEvidence; offer: OfferTracking };

export interface AttributionInput {
  occurredAt: number;
  /** The offer the event named, if any: it picks the deciding offer when click and code disagree. */
  reportedOfferId: string | null;
  click: ClickLookup;
  code: CodeLookup;
}

export const ATTRIBUTION_REASONS = [
  'no_click',
  'click_not_found',
  'click_other_workspace',
  'click_untracked',
  'click_offer_paused',
  'click_offer_archived',
  'click_offer_ended',
  'click_offer_links_off',
  'click_after_conversion',
  'click_outside_window',
  'click_counted',
  'no_code',
  'code_not_found',
  'code_disabled',
  'code_offer_paused',
  'code_offer_archived',
  'code_offer_ended',
  'code_offer_codes_off',
  'code_counted',
  'code_generic',
  'only_click',
  'only_code',
  'same_member',
  'both_generic',
  'member_beats_generic',
  'different_members',
  'different_offers',
  'decided_by_reported_offer',
  'decided_by_code_offer',
  'rule_code_first',
  'rule_click_first',
  'rule_split',
  'split_across_offers',
  'reported_offer_not_credited',
  'renewal_of_first_order',
  'renewal_first_order_not_credited',
  'renewal_offer_not_tracking',
] as const;
export type AttributionReason = (typeof ATTRIBUTION_REASONS)[number];

export type CreditSource = 'click' | 'code' | 'click+code';

export interface Credit {
  offerId: string;
  memberId: string | null;
  source: CreditSource;
  shareBps: number;
}

export type AttributionDecision =
  | { outcome: 'credited'; credits: Credit[]; reasons: AttributionReason[] }
  | { outcome: 'unattributed'; reasons: AttributionReason[] };

interface Verdict<E> {
  counted: { evidence: E; offer: OfferTracking } | null;
  reasons: AttributionReason[];
}

const OFFER_REASONS = {
  click: {
    paused: 'click_offer_paused',
    archived: 'click_offer_archived',
    ended: 'click_offer_ended',
    off: 'click_offer_links_off',
  },
  code: {
    paused: 'code_offer_paused',
    archived: 'code_offer_archived',
    ended: 'code_offer_ended',
    off: 'code_offer_codes_off',
  },
} as const satisfies Record<'click' | 'code', Record<'paused' | 'archived' | 'ended' | 'off', AttributionReason>>;

/** Every reason the offer is not tracking this kind of evidence at `at`; empty when it is. */
function offerProblems(offer: OfferTracking, at: number, side: 'click' | 'code'): AttributionReason[] {
  const r = OFFER_REASONS[side];
  const out: AttributionReason[] = [];
  if (offer.status === 'paused') out.push(r.paused);
  if (offer.status === 'archived') out.push(r.archived);
  // Same boundary as the redirect: tracking while `now < endsAt`.
  if (offer.endsAt !== null && !(at < offer.endsAt)) out.push(r.ended);
  if (!(side === 'click' ? offer.tracksLinks : offer.tracksCodes)) out.push(r.off);
  return out;
}

/** SPEC §3.1. All failing reasons are reported, not just the first, so a brand fixes everything at once. */
export function judgeClick(occurredAt: number, click: ClickLookup): Verdict<ClickEvidence> {
  if (click.lookup === 'none') return { counted: null, reasons: ['no_click'] };
  if (click.lookup === 'not_found') return { counted: null, reasons: ['click_not_found'] };
  if (click.lookup === 'other_workspace') return { counted: null, reasons: ['click_other_workspace'] };
  const reasons: AttributionReason[] = [];
  if (!click.click.trackedWhenClicked) reasons.push('click_untracked');
  reasons.push(...offerProblems(click.offer, occurredAt, 'click'));
  const age = occurredAt - click.click.clickedAt;
  // Written as !(x <= y) so a NaN from bad data fails closed instead of counting.
  if (!(age >= -CLOCK_SKEW_MS)) reasons.push('click_after_conversion');
  else if (!(age <= click.offer.cookieWindowDays * DAY_MS)) reasons.push('click_outside_window');
  if (reasons.length > 0) return { counted: null, reasons };
  return { counted: { evidence: click.click, offer: click.offer }, reasons: ['click_counted'] };
}

/** SPEC §3.2. */
export function judgeCode(occurredAt: number, code: CodeLookup): Verdict<CodeEvidence> {
  if (code.lookup === 'none') return { counted: null, reasons: ['no_code'] };
  if (code.lookup === 'not_found') return { counted: null, reasons: ['code_not_found'] };
  const reasons: AttributionReason[] = [];
  if (code.code.status !== 'active') reasons.push('code_disabled');
  reasons.push(...offerProblems(code.offer, occurredAt, 'code'));
  if (reasons.length > 0) return { counted: null, reasons };
  return {
    counted: { evidence: code.code, offer: code.offer },
    reasons: code.code.memberId === null ? ['code_counted', 'code_generic'] : ['code_counted'],
  };
}

/** A bad stored share must not mint money or drop an order: anything but an integer 0..10000 is the default. */
function codeShare(offer: OfferTracking): number {
  const s = offer.splitCodeShareBps;
  return Number.isInteger(s) && s >= 0 && s <= FULL_SHARE_BPS ? s : DEFAULT_SPLIT_CODE_SHARE_BPS;
}

function whole(offerId: string, memberId: string | null, source: CreditSource): Credit {
  return { offerId, memberId, source, shareBps: FULL_SHARE_BPS };
}

/** SPEC §3 steps 3–6. Deterministic: the same input always gives the same credits and reasons, in the same order. */
export function attribute(input: AttributionInput): AttributionDecision {
  const clickV = judgeClick(input.occurredAt, input.click);
  const codeV = judgeCode(input.occurredAt, input.code);
  const reasons = [...clickV.reasons, ...codeV.reasons];
  const credited = (credits: Credit[], why: AttributionReason[]): AttributionDecision => {
    const all = [...reasons, ...why];
    if (input.reportedOfferId !== null && !credits.some((c) => c.offerId === input.reportedOfferId)) {
      all.push('reported_offer_not_credited');
    }
    return { outcome: 'credited', credits, reasons: all };
  };

  const click = clickV.counted;
  const code = codeV.counted;
  if (!click && !code) return { outcome: 'unattributed', reasons };
  if (click && !code)
    return credited([whole(click.evidence.offerId, click.evidence.memberId, 'click')], ['only_click']);
  if (!click && code) return credited([whole(code.evidence.offerId, code.evidence.memberId, 'code')], ['only_code']);
  const k = click!.evidence;
  const c = code!.evidence;

  const sameOffer = k.offerId === c.offerId;
  const byClickOffer = !sameOffer && input.reportedOfferId === k.offerId;
  const decider = byClickOffer ? click!.offer : code!.offer;
  const offerWhy: AttributionReason[] = sameOffer
    ? []
    : [
        'different_offers',
        byClickOffer || input.reportedOfferId === c.offerId ? 'decided_by_reported_offer' : 'decided_by_code_offer',
      ];

  if (k.memberId === c.memberId) {
    // A generic link and a generic code agree on no one: the offer is credited once, and the reason says so.
    const agree: AttributionReason = c.memberId === null ? 'both_generic' : 'same_member';
    return credited([whole(byClickOffer ? k.offerId : c.offerId, c.memberId, 'click+code')], [agree, ...offerWhy]);
  }
  if (k.memberId === null)
    return credited([whole(c.offerId, c.memberId, 'code')], ['member_beats_generic', ...offerWhy]);
  if (c.memberId === null)
    return credited([whole(k.offerId, k.memberId, 'click')], ['member_beats_generic', ...offerWhy]);

  const why: AttributionReason[] = ['different_members', ...offerWhy];
  switch (decider.attributionRule) {
    case 'click_first':
      return credited([whole(k.offerId, k.memberId, 'click')], [...why, 'rule_click_first']);
    case 'split': {
      const share = codeShare(decider);
      const credits = (
        [
          { offerId: k.offerId, memberId: k.memberId, source: 'click', shareBps: FULL_SHARE_BPS - share },
          { offerId: c.offerId, memberId: c.memberId, source: 'code', shareBps: share },
        ] satisfies Credit[]
      ).filter((x) => x.shareBps > 0);
      return credited(credits, sameOffer ? [...why, 'rule_split'] : [...why, 'rule_split', 'split_across_offers']);
    }
    case 'code_first':
    default:
      // An unknown stored rule falls back to the product default, code_first.
      return credited([whole(c.offerId, c.memberId, 'code')], [...why, 'rule_code_first']);
  }
}

/** What a renewal's first order was credited to, and each credited offer's settings now. */
export interface RenewalLookup {
  /** The first order's credits (null: it was not credited, or is not recorded). */
  credits: Credit[] | null;
  offers: Record<string, OfferTracking>;
}

/**
 * A subscription's renewal follows its first order's credit: same members, offers, sources and shares; the click
 * window does not apply (the customer is locked to whoever won the first order). An offer paused, archived or ended
 * since pays nothing more. Whether the renewal is within the offer's recurring window is decided before it is
 * recorded (core/stripe-payload.ts renewalVerdict).
 */
export function attributeRenewal(occurredAt: number, first: RenewalLookup): AttributionDecision {
  if (!first.credits?.length) return { outcome: 'unattributed', reasons: ['renewal_first_order_not_credited'] };
  const tracking = first.credits.filter((c) => {
    const offer = first.offers[c.offerId];
    return offer && offer.status === 'active' && (offer.endsAt === null || occurredAt < offer.endsAt);
  });
  if (tracking.length !== first.credits.length)
    return { outcome: 'unattributed', reasons: ['renewal_of_first_order', 'renewal_offer_not_tracking'] };
  return { outcome: 'credited', credits: first.credits.map((c) => ({ ...c })), reasons: ['renewal_of_first_order'] };
}
