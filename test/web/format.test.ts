import { describe, expect, it } from 'vitest';
import {
  currencyDigits,
  describePayout,
  formatAmount,
  formatDate,
  formatDateTime,
  formatMoney,
  formatRatio,
  formatShortDay,
  formatSmallRatio,
  minorToDecimal,
  zoneNote,
} from '../../web/shared/format.js';

describe('money from minor units', () => {
  it('places the decimal point by the currency, without floats', () => {
    expect(minorToDecimal(123450, 2)).toBe('1234.50');
    expect(minorToDecimal(5, 2)).toBe('0.05');
    expect(minorToDecimal(-5, 2)).toBe('-0.05');
    expect(minorToDecimal(1500, 0)).toBe('1500');
    expect(minorToDecimal(1, 3)).toBe('0.001');
    // Beyond float precision for cents: 2^53 - 1 minor units still format digit for digit.
    expect(minorToDecimal(9007199254740991, 2)).toBe('90071992547409.91');
  });

  it('formats with Intl in the currency', () => {
    expect(currencyDigits('USD')).toBe(2);
    expect(currencyDigits('JPY')).toBe(0);
    expect(currencyDigits('KWD')).toBe(3);
    expect(formatMoney(123450, 'USD', 'en-US')).toBe('$1,234.50');
    expect(formatMoney(1500, 'JPY', 'en-US')).toBe('¥1,500');
    expect(formatMoney(-99, 'EUR', 'de-DE')).toBe('-0,99\u00a0€');
    // A float of this many cents would round; the decimal string keeps every digit.
    expect(formatMoney(9007199254740991, 'USD', 'en-US')).toBe('$90,071,992,547,409.91');
    expect(formatMoney(null, 'USD', 'en-US')).toBe('—');
    expect(formatAmount('49.90', 'USD', 'en-US')).toBe('$49.90');
  });
});

describe('ratios, days, payouts', () => {
  it('shows ratio strings as percents and nothing-to-divide-by as a dash', () => {
    expect(formatRatio('0.0125', 'en-US')).toBe('1.25%');
    expect(formatRatio('1.0000', 'en-US')).toBe('100%');
    expect(formatRatio(null, 'en-US')).toBe('—');
  });

  it('shows redemptions per follower to three significant digits, where two decimals of a percent say 0%', () => {
    expect(formatRatio('0.00000476', 'en-US')).toBe('0%');
    expect(formatSmallRatio('0.00000476', 'en-US')).toBe('0.000476%');
    expect(formatSmallRatio('0.00037500', 'en-US')).toBe('0.0375%');
    expect(formatSmallRatio('0.00000000', 'en-US')).toBe('0%');
    expect(formatSmallRatio(null, 'en-US')).toBe('—');
  });

  it('shows a report day as written, whatever the zone', () => {
    expect(formatShortDay('2025-03-05', 'en-US')).toBe('Mar 5');
    expect(formatShortDay('not a day', 'en-US')).toBe('not a day');
  });

  it('describes payout options with their tiers', () => {
    expect(
      describePayout(
        { type: 'percent', value: '10', tiers: [{ fromConversion: 50, value: '15' }] },
        'USD',
        'sale',
        'en-US',
      ),
    ).toBe('10% of each sale; 15% from the 50th approved sale in a calendar month');
    expect(
      describePayout(
        {
          type: 'fixed',
          value: '5.00',
          tiers: [
            { fromConversion: 22, value: '7.50' },
            { fromConversion: 101, value: '9' },
          ],
        },
        'USD',
        'email_signup',
        'en-US',
      ),
    ).toBe(
      '$5.00 per sign-up; $7.50 from the 22nd approved sign-up in a calendar month; $9.00 from the 101st approved sign-up in a calendar month',
    );
    // A receipt in the portal does not know what the offer counts.
    expect(describePayout({ type: 'fixed', value: '5.00', tiers: [] }, 'USD', undefined, 'en-US')).toBe(
      '$5.00 per conversion',
    );
  });
});

describe('times', () => {
  it('shows an instant on the workspace clock when given its zone, the day being the one reports count it in', () => {
    const late = '2026-11-23T03:30:00Z';
    expect(formatDateTime(late, 'en-US', 'America/New_York')).toMatch(/^Nov 22, 2026.*10:30/);
    expect(formatDateTime(late, 'en-US', 'Asia/Tokyo')).toMatch(/^Nov 23, 2026.*12:30/);
    expect(formatDateTime(null, 'en-US', 'UTC')).toBe('—');
  });

  it('dates an instant on the same clock, so a portal date matches the dashboard, and names the zone', () => {
    const late = '2026-12-06T23:30:00Z';
    expect(formatDate(late, 'en-US', 'Europe/Paris')).toBe('Dec 7, 2026');
    expect(formatDate(late, 'en-US', 'America/New_York')).toBe('Dec 6, 2026');
    expect(formatDate('nonsense', 'en-US', 'UTC')).toBe('—');
    // A zone Intl does not know falls back to the browser's clock rather than failing the page.
    expect(formatDate(late, 'en-US', 'Mars/Olympus')).toMatch(/^Dec [67], 2026$/);
    expect(zoneNote('Europe/Paris')).toBe('Times in Europe/Paris');
    expect(zoneNote(undefined)).toBe('');
  });
});
