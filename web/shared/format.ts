// Numbers, money, ratios and dates as people read them. Money arrives as integer minor units plus a currency (or as
// the API's decimal strings, "49.90") and is never turned into a float before Intl formats it for display.
// Pure: no DOM, unit-tested on Node (test/web/format.test.ts).

import { payoutWords, type PayoutConversionType, type PayoutTerms } from '../../src/core/payout-words.js';

// Read through globalThis: this module also runs in Node (its tests), which has no DOM types.
const LOCALE = (globalThis as { navigator?: { language?: string } }).navigator?.language ?? 'en-US';

// Building an Intl formatter costs far more than using one, and a report table formats thousands of cells (a
// profile of the Reports page spent ~200 ms building them), so each is built once per kind and locale and kept.
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();
function kept<F extends Intl.NumberFormat | Intl.DateTimeFormat>(key: string, build: () => F): F {
  let f = formatters.get(key) as F | undefined;
  if (!f) formatters.set(key, (f = build()));
  return f;
}
const numberFormat = (kind: string, locale: string, options: Intl.NumberFormatOptions) =>
  kept(`number ${kind}|${locale}`, () => new Intl.NumberFormat(locale, options));
const dateFormat = (kind: string, locale: string, options: Intl.DateTimeFormatOptions) =>
  kept(`date ${kind}|${locale}`, () => new Intl.DateTimeFormat(locale, options));

function moneyFormat(currency: string, locale: string): Intl.NumberFormat {
  try {
    return numberFormat(`money ${currency}`, locale, { style: 'currency', currency });
  } catch {
    // An unknown currency code: still show the amount, with the code.
    return numberFormat('money XXX', locale, { style: 'currency', currency: 'XXX' });
  }
}

const digitsOf = new Map<string, number>();
/** Decimal places of a currency's minor unit (USD 2, JPY 0, KWD 3). */
export function currencyDigits(currency: string): number {
  let digits = digitsOf.get(currency);
  if (digits === undefined) {
    try {
      digits =
        new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    digitsOf.set(currency, digits);
  }
  return digits;
}

/** "$1,234.50" from 123450 USD. Intl takes a decimal string here, so no binary float is involved. */
export function formatMoney(minor: number | null | undefined, currency: string, locale = LOCALE): string {
  if (minor === null || minor === undefined) return '—';
  return moneyFormat(currency, locale).format(minorToDecimal(minor, currencyDigits(currency)) as unknown as number);
}

/** 123450, 2 -> "1234.50"; -5, 2 -> "-0.05". */
export function minorToDecimal(minor: number, digits: number): string {
  const negative = minor < 0;
  const s = String(Math.abs(Math.trunc(minor))).padStart(digits + 1, '0');
  const whole = digits ? s.slice(0, -digits) : s;
  const frac = digits ? `.${s.slice(-digits)}` : '';
  return `${negative ? '-' : ''}${whole}${frac}`;
}

/** An API amount such as "49.90" formatted in its currency. */
export function formatAmount(decimal: string, currency: string, locale = LOCALE): string {
  if (!/^-?\d+(\.\d+)?$/.test(decimal)) return decimal;
  return moneyFormat(currency, locale).format(decimal as unknown as number);
}

export function formatNumber(n: number | null | undefined, locale = LOCALE): string {
  if (n === null || n === undefined) return '—';
  return numberFormat('number', locale, {}).format(n);
}

/** The API's ratio strings ("0.0125") as a percent ("1.25%"); null (nothing to divide by) as a dash. */
export function formatRatio(ratio: string | null | undefined, locale = LOCALE): string {
  if (ratio === null || ratio === undefined || ratio === '') return '—';
  const n = Number(ratio);
  if (!Number.isFinite(n)) return '—';
  return numberFormat('percent', locale, { style: 'percent', maximumFractionDigits: 2 }).format(n);
}

/**
 * A ratio that is usually a tiny fraction of a percent (redemptions per follower: "0.00000476" = 0.000476 %), to
 * three significant digits, where formatRatio's two decimals would show 0%.
 */
export function formatSmallRatio(ratio: string | null | undefined, locale = LOCALE): string {
  if (ratio === null || ratio === undefined || ratio === '') return '—';
  const n = Number(ratio);
  if (!Number.isFinite(n)) return '—';
  return numberFormat('small percent', locale, { style: 'percent', maximumSignificantDigits: 3 }).format(n);
}

/**
 * An instant as a date, or a date and time, on the clock of `timeZone`: the workspace's, in which both the dashboard
 * and the portal show every date (so an order is dated the same day by the brand and by the creator, and the same day
 * Reports count it in). Without a zone (or with one Intl does not know), the browser's.
 */
function zoned(kind: 'date' | 'date time', iso: string | null | undefined, locale: string, timeZone?: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  const options: Intl.DateTimeFormatOptions =
    kind === 'date' ? { dateStyle: 'medium' } : { dateStyle: 'medium', timeStyle: 'short' };
  try {
    return dateFormat(`${kind} ${timeZone ?? ''}`, locale, { ...options, ...(timeZone ? { timeZone } : {}) }).format(d);
  } catch {
    return dateFormat(kind, locale, options).format(d);
  }
}

/** "Dec 6, 2026" in `timeZone` (the workspace's), else the browser's. */
export function formatDate(iso: string | null | undefined, locale = LOCALE, timeZone?: string): string {
  return zoned('date', iso, locale, timeZone);
}

/** "Dec 6, 2026, 11:30 PM" in `timeZone` (the workspace's), else the browser's. */
export function formatDateTime(iso: string | null | undefined, locale = LOCALE, timeZone?: string): string {
  return zoned('date time', iso, locale, timeZone);
}

/** The words that name the zone of a page's dates: "Times in Europe/Paris". */
export function zoneNote(timeZone: string | undefined): string {
  return timeZone ? `Times in ${timeZone}` : '';
}

/**
 * How a creator is paid, in the words the portal and the emails use (core/payout-words.ts), with amounts in the
 * locale's money format: "10% of each sale", "$5.00 per sign-up; $7.50 from the 22nd approved sign-up in a calendar month".
 */
export function describePayout(
  p: PayoutTerms,
  currency: string,
  conversionType: PayoutConversionType | undefined,
  locale = LOCALE,
): string {
  return payoutWords(p, { conversionType, currency, amount: (value, c) => formatAmount(value, c, locale) });
}

/** A report bucket "2025-03-05" as "Mar 5" (the date as written, whatever the browser's zone). */
export function formatShortDay(day: string, locale = LOCALE): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return dateFormat('short day', locale, { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(d);
}

/** A calendar day "2031-12-31" as "Dec 31, 2031": the day as written, not an instant in the browser's zone. */
export function formatDay(day: string, locale = LOCALE): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day || '—';
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return dateFormat('day', locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(d);
}
