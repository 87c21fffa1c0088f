// A commission's receipt (GET /api/v1/commissions/{id}/receipt, and the portal's /api/portal/commissions/{id}/receipt)
// and the words it is read in: what arrived, what was decided under which rule, and each ledger entry. Pure: no DOM,
// unit-tested on Node (test/web/receipt-words.test.ts). docs/adr/0011-commission-ledger.md describes the ledger.

import type { CommissionReceipt } from '../../src/contract/index.js';

export type Receipt = CommissionReceipt;
export type ReceiptEvent = Receipt['events'][number];
export type ReceiptCredit = Receipt['decision']['credits'][number];
export type ReceiptSettings = NonNullable<Receipt['settings']>;
export type ReceiptEntry = Receipt['entries'][number];

/** Where an event came from, and so how far it is trusted (SPEC §4: the brand's server outranks the browser). */
export const SOURCE_WORDS: Record<string, string> = {
  postback: 'Postback from the brand’s server',
  shopify: 'Shopify webhook',
  woocommerce: 'WooCommerce webhook',
  stripe: 'Stripe webhook',
  tune: 'TUNE-style postback',
  everflow: 'Everflow-style postback',
  pixel: 'Conversion pixel in the shopper’s browser',
  tag: 't.js tag in the shopper’s browser',
};

export const OUTCOME_WORDS: Record<string, string> = {
  created: 'Order received',
  filled_in: 'Details filled in',
  redecided: 'Decision recalculated',
  duplicate: 'Duplicate, changed nothing',
  refund: 'Refund received',
  refunded: 'Refund received',
  cancelled: 'Order cancelled',
  kept: 'Kept, changed nothing',
  rejected: 'Refused',
};

/** The conversion's status, and a decision's outcome, in plain words. */
export const CONVERSION_STATUS_WORDS: Record<string, string> = {
  credited: 'Credited',
  unattributed: 'Not credited',
  unverified: 'Waiting for review',
  rejected: 'Rejected',
  awaiting_order: 'Refund received before the order',
};

export const ENTRY_WORDS: Record<string, string> = {
  accrual: 'Commission earned',
  redecision: 'Recalculated from new evidence',
  refund: 'Refund',
  reversal: 'Reversed',
  adjustment: 'Amount changed by hand',
  approval: 'Approved',
  payout: 'Paid out',
  clawback: 'Taken back after payout',
  opening: 'Opening balance (before the ledger)',
};

export const RULE_WORDS: Record<string, string> = {
  code_first: 'when a link and a code of different creators both count, the code’s creator gets the credit',
  click_first: 'when a link and a code of different creators both count, the link’s creator gets the credit',
  split: 'when a link and a code of different creators both count, the credit is split',
};

export const CREDIT_SOURCE_WORDS: Record<string, string> = {
  click: 'link',
  code: 'code',
  'click+code': 'link and code',
};

/**
 * A payout value of the settings snapshot as the offer API writes it: a string is already so; a number is the stored
 * form, basis points of the sale for percent (1250 -> "12.5") and minor units for fixed (500, 2 digits -> "5.00").
 */
export function payoutValue(value: string | number, type: 'percent' | 'fixed', digits: number): string {
  if (typeof value === 'string') return value;
  const n = Math.trunc(value);
  if (type === 'percent') {
    const whole = Math.trunc(n / 100);
    const frac = String(Math.abs(n % 100))
      .padStart(2, '0')
      .replace(/0+$/, '');
    return frac ? `${whole}.${frac}` : String(whole);
  }
  const s = String(Math.abs(n)).padStart(digits + 1, '0');
  return `${n < 0 ? '-' : ''}${digits ? `${s.slice(0, -digits)}.${s.slice(-digits)}` : s}`;
}

export const entryWords = (kind: string) => ENTRY_WORDS[kind] ?? kind.replace(/_/g, ' ');
export const sourceWords = (source: string) => SOURCE_WORDS[source] ?? source;
export const outcomeWords = (outcome: string) => OUTCOME_WORDS[outcome] ?? outcome.replace(/_/g, ' ');
export const statusWords = (status: string) => CONVERSION_STATUS_WORDS[status] ?? status.replace(/_/g, ' ');

/**
 * Who made an entry: "system" is Touchpoint itself; "user:usr_…" a person of the workspace, named when `names` knows
 * them; "api_key:key_…" an integration's key, shown by the end of its id. The portal already says "Touchpoint" or
 * "The brand".
 */
export function actorWords(actor: string, names?: ReadonlyMap<string, string>): string {
  if (!actor || actor === 'system') return 'Touchpoint';
  const [kind, id] = actor.includes(':')
    ? [actor.slice(0, actor.indexOf(':')), actor.slice(actor.indexOf(':') + 1)]
    : ['', actor];
  if (kind === 'user') return names?.get(id) ?? 'A team member';
  if (kind === 'api_key') return `API key …${id.slice(-4)}`;
  return actor;
}

/** A signed decimal change as "+", "−" (a real minus sign) or nothing, and its size without the sign. */
export function signed(amount: string): { sign: '+' | '−' | ''; size: string } {
  const negative = amount.trim().startsWith('-');
  const size = amount.trim().replace(/^[-+]/, '');
  if (/^0*(\.0*)?$/.test(size)) return { sign: '', size };
  return { sign: negative ? '−' : '+', size };
}

/** The receipt's entries in the order they were made (the API lists them so; kept stable for equal times). */
export function entriesInOrder(entries: ReceiptEntry[]): ReceiptEntry[] {
  return entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.at.localeCompare(b.e.at) || a.i - b.i)
    .map((x) => x.e);
}

/** The sum of the entries' changes in minor units: what the commission's amount must equal (SPEC §4). */
export function entriesTotal(entries: ReceiptEntry[]): number {
  return entries.reduce((sum, e) => sum + e.amountMinor, 0);
}
