// Why an order was credited as it was (or not at all), in a marketer's words. The codes are the attribution
// decision's reasons (src/core/attribution.ts ATTRIBUTION_REASONS) plus notes the order decision adds (no_fx_rate);
// test/web/reasons.test.ts fails when the server gains a reason this list does not word.

export const REASON_WORDS: Record<string, string> = {
  no_click: 'No tracking-link click with the order',
  click_not_found: 'Click id not recognised',
  click_other_workspace: 'Click belongs to another workspace',
  click_untracked: 'Click was not tracked (bot or blocked)',
  click_offer_paused: 'Link’s offer was paused',
  click_offer_archived: 'Link’s offer was archived',
  click_offer_ended: 'Link’s offer had ended',
  click_offer_links_off: 'Offer does not track by links',
  click_after_conversion: 'Click came after the order',
  click_outside_window: 'Click older than the cookie window',
  click_counted: 'Tracking-link click counted',
  no_code: 'No promo code on the order',
  code_not_found: 'Promo code not recognised',
  code_disabled: 'Code was disabled',
  code_offer_paused: 'Code’s offer was paused',
  code_offer_archived: 'Code’s offer was archived',
  code_offer_ended: 'Code’s offer had ended',
  code_offer_codes_off: 'Offer does not track by promo codes',
  code_counted: 'Promo code counted',
  code_generic: 'Generic code (not a member’s)',
  only_click: 'Only a link click',
  only_code: 'Only a promo code',
  same_member: 'Link and code of the same member',
  both_generic: 'Generic link and generic code (no member)',
  member_beats_generic: 'Member’s link or code beat a generic one',
  different_members: 'Link and code of different members',
  different_offers: 'Link and code of different offers',
  decided_by_reported_offer: 'Decided by the offer the store reported',
  decided_by_code_offer: 'Decided by the code’s offer',
  rule_code_first: 'Offer rule: code wins',
  rule_click_first: 'Offer rule: link wins',
  rule_split: 'Offer rule: split between link and code',
  split_across_offers: 'Split across offers',
  reported_offer_not_credited: 'Store’s offer was not credited',
  renewal_of_first_order: 'Subscription renewal: credited like its first order',
  renewal_first_order_not_credited: 'Subscription renewal whose first order was not credited',
  renewal_offer_not_tracking: 'Subscription renewal: the offer no longer tracks',
  no_fx_rate: 'No exchange rate for the order’s currency',
  // Held for review (SPEC §4: evidence has a trust level): a browser can be forged, the brand's server cannot.
  browser_code_unverified: 'Promo code reported by the browser, with no recorded click',
  browser_amount_over_limit: 'Amount reported by the browser is above the offer’s limit',
  decision_final: 'Arrived after the commission was settled: kept, changed nothing',
  unattributed: 'Nobody credited',
  awaiting_order: 'Kept until the order arrives',
};

/** Reasons that explain a lost or partial credit: the ones worth filtering by. */
export const FILTER_REASONS = [
  'click_outside_window',
  'code_disabled',
  'code_not_found',
  'click_not_found',
  'no_click',
  'no_code',
  'click_offer_paused',
  'code_offer_paused',
  'click_offer_ended',
  'code_offer_ended',
  'click_offer_archived',
  'code_offer_archived',
  'click_after_conversion',
  'click_untracked',
  'different_members',
  'rule_split',
  'code_generic',
  'no_fx_rate',
  'browser_code_unverified',
  'browser_amount_over_limit',
] as const;

export function reasonWords(code: string): string {
  return REASON_WORDS[code] ?? code.replace(/_/g, ' ');
}
