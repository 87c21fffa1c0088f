import { describe, expect, it } from 'vitest';
import { ordinal, payoutWords } from './payout-words.js';

describe('payoutWords', () => {
  it('says a percent of each conversion, or an amount per conversion, in the words of the conversion type', () => {
    expect(payoutWords({ type: 'percent', value: '10', tiers: [] }, { conversionType: 'sale', currency: 'USD' })).toBe(
      '10% of each sale',
    );
    expect(
      payoutWords({ type: 'fixed', value: '4.00', tiers: [] }, { conversionType: 'email_signup', currency: 'EUR' }),
    ).toBe('4.00 EUR per sign-up');
    expect(payoutWords({ type: 'fixed', value: '2', tiers: [] }, { conversionType: 'lead', currency: 'JPY' })).toBe(
      '2 JPY per lead',
    );
    expect(
      payoutWords({ type: 'percent', value: '3', tiers: [] }, { conversionType: 'download', currency: 'USD' }),
    ).toBe('3% of each download');
  });

  it('spells out volume tiers, lowest first', () => {
    expect(
      payoutWords(
        {
          type: 'percent',
          value: '10',
          tiers: [
            { fromConversion: 50, value: '15' },
            { fromConversion: 21, value: '12.5' },
          ],
        },
        { conversionType: 'sale', currency: 'USD' },
      ),
    ).toBe(
      '10% of each sale; 12.5% from the 21st approved sale in a calendar month; 15% from the 50th approved sale in a calendar month',
    );
  });

  it('says "conversion" when the conversion type is not known', () => {
    expect(
      payoutWords({ type: 'fixed', value: '5.00', tiers: [{ fromConversion: 3, value: '6.00' }] }, { currency: 'USD' }),
    ).toBe('5.00 USD per conversion; 6.00 USD from the 3rd approved conversion in a calendar month');
  });

  it('writes amounts with the formatter it is given', () => {
    const dollars = (value: string) => `$${Number(value).toFixed(2)}`;
    expect(
      payoutWords(
        { type: 'fixed', value: '5.00', tiers: [{ fromConversion: 22, value: '7.50' }] },
        { conversionType: 'sale', currency: 'USD', amount: dollars },
      ),
    ).toBe('$5.00 per sale; $7.50 from the 22nd approved sale in a calendar month');
  });

  it('ordinals: 1st 2nd 3rd 4th, 11th-13th, 21st, 101st, 112th', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 102, 112].map(ordinal)).toEqual([
      '1st',
      '2nd',
      '3rd',
      '4th',
      '11th',
      '12th',
      '13th',
      '21st',
      '22nd',
      '23rd',
      '101st',
      '102nd',
      '112th',
    ]);
  });
});
