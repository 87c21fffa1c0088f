// How a creator is paid, in one sentence: the portal (app/portal.ts), the links email (email/templates.ts) and the
// dashboard (web) all say it with this function, so a creator and the brand read the same words.

/** What an offer counts as a conversion. */
export type PayoutConversionType = 'sale' | 'lead' | 'email_signup' | 'download';

export interface PayoutTerms {
  type: 'percent' | 'fixed';
  /** As the API shows it: "10" (percent) or "4.00" (amount in the offer currency). */
  value: string;
  tiers: readonly { fromConversion: number; value: string }[];
}

export interface PayoutWordsOptions {
  /** What the offer counts; unknown (a receipt in the portal): "conversion". */
  conversionType?: PayoutConversionType;
  currency: string;
  /** Writes a fixed amount; default "4.00 EUR". The dashboard passes its locale's money format ("€4.00"). */
  amount?: (value: string, currency: string) => string;
}

const WHAT_COUNTS: Record<PayoutConversionType, string> = {
  sale: 'sale',
  lead: 'lead',
  email_signup: 'sign-up',
  download: 'download',
};

export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix =
    tens >= 11 && tens <= 13 ? 'th' : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/**
 * "10% of each sale", "4.00 EUR per sign-up"; volume tiers (which count approved conversions of the member in a calendar
 * month) follow lowest first: "10% of each sale; 15% from the 50th approved sale in a calendar month".
 */
export function payoutWords(p: PayoutTerms, options: PayoutWordsOptions): string {
  const what = options.conversionType ? WHAT_COUNTS[options.conversionType] : 'conversion';
  const amount = options.amount ?? ((value: string, currency: string) => `${value} ${currency}`);
  const rate = (value: string) => (p.type === 'percent' ? `${value}%` : amount(value, options.currency));
  const base = p.type === 'percent' ? `${rate(p.value)} of each ${what}` : `${rate(p.value)} per ${what}`;
  const tiers = [...p.tiers]
    .sort((a, b) => a.fromConversion - b.fromConversion)
    .map((t) => `${rate(t.value)} from the ${ordinal(t.fromConversion)} approved ${what} in a calendar month`);
  return [base, ...tiers].join('; ');
}
