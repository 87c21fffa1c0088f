// Money is integer minor units plus an ISO-4217 currency. Amounts arrive as decimal strings ("49.90").

// Currencies whose minor unit is not 2 digits; every other ISO-4217 code uses 2.
const EXPONENTS: Record<string, number> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

// The ISO-4217 active codes; anything else is a typo, not a currency.
const ISO_4217 = new Set(
  (
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD ' +
    'CAD CDF CHF CLF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP ' +
    'GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD ' +
    'KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK ' +
    'NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS ' +
    'SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYI UYU UYW UZS VED VES VND ' +
    'VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG'
  ).split(' '),
);

/** Largest amount accepted in major units; anything above is a data error, not a sale. */
export const MAX_MAJOR_UNITS = 100_000_000;

export function isCurrency(code: string): boolean {
  return ISO_4217.has(code);
}

export function currencyExponent(currency: string): number {
  return EXPONENTS[currency] ?? 2;
}

export type AmountError =
  'amount_invalid' | 'amount_negative' | 'amount_too_precise' | 'amount_too_large' | 'currency_invalid';

export type ParsedAmount = { ok: true; minor: number } | { ok: false; error: AmountError };

/** Parses "49.90" (or "49,90"-free plain decimals) into minor units of the currency, exactly, without floats. */
export function parseAmount(input: string, currency: string): ParsedAmount {
  if (!isCurrency(currency)) return { ok: false, error: 'currency_invalid' };
  const s = input.trim();
  if (s.startsWith('-'))
    return /^-\d/.test(s) ? { ok: false, error: 'amount_negative' } : { ok: false, error: 'amount_invalid' };
  const m = /^(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) return { ok: false, error: 'amount_invalid' };
  const whole = m[1]!.replace(/^0+(?=\d)/, '');
  let frac = m[2] ?? '';
  const exp = currencyExponent(currency);
  // Trailing zeros beyond the currency's precision are harmless ("10.500" EUR); real digits are not.
  if (frac.length > exp) {
    if (!/^0*$/.test(frac.slice(exp))) return { ok: false, error: 'amount_too_precise' };
    frac = frac.slice(0, exp);
  }
  const overMax = Number(whole) > MAX_MAJOR_UNITS || (Number(whole) === MAX_MAJOR_UNITS && /[1-9]/.test(frac));
  if (whole.length > String(MAX_MAJOR_UNITS).length || overMax) {
    return { ok: false, error: 'amount_too_large' };
  }
  return { ok: true, minor: Number(whole) * 10 ** exp + Number(frac.padEnd(exp, '0') || '0') };
}

/** "4990", "USD" -> "49.90" */
export function formatAmount(minor: number, currency: string): string {
  const exp = currencyExponent(currency);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  if (exp === 0) return sign + String(abs);
  const s = String(abs).padStart(exp + 1, '0');
  return `${sign}${s.slice(0, -exp)}.${s.slice(-exp)}`;
}

/** A percentage held as basis points (1 % = 100 bps) applied to minor units, rounded half-up. */
export function applyBasisPoints(minor: number, bps: number): number {
  return Math.floor((minor * bps + 5_000) / 10_000);
}

/** "12.5" (percent) -> 1250 bps; at most two decimals, 0..100. */
export function parsePercent(input: string): number | null {
  const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(input.trim());
  if (!m) return null;
  const bps = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return bps <= 10_000 ? bps : null;
}

export function formatPercent(bps: number): string {
  const whole = Math.floor(bps / 100);
  const frac = bps % 100;
  return frac === 0 ? String(whole) : `${whole}.${String(frac).padStart(2, '0').replace(/0$/, '')}`;
}

/** Exact sum of decimal strings ("12.50" + "0.125" = "12.625"), for senders that split one amount in parts. */
export function sumDecimals(values: string[]): string | null {
  let scale = 0;
  for (const v of values) {
    const m = /^\s*(\d+)(?:\.(\d+))?\s*$/.exec(v);
    if (!m) return null;
    scale = Math.max(scale, m[2]?.length ?? 0);
  }
  let total = 0n;
  for (const v of values) {
    const [whole, frac = ''] = v.trim().split('.');
    total += BigInt(whole! + frac.padEnd(scale, '0'));
  }
  const digits = total.toString().padStart(scale + 1, '0');
  return scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
}
