import { describe, expect, it } from 'vitest';
import {
  codeRotatedEmail,
  escapeHtml,
  magicLinkEmail,
  memberLinksEmail,
  userInviteEmail,
  type MemberLinksInput,
} from './templates.js';

const base: MemberLinksInput = {
  brand: 'Acme',
  memberName: 'Dee',
  offer: {
    name: 'Spring sale',
    conversionType: 'sale',
    destinationUrl: 'https://shop.example.com/spring',
    endsAt: null,
  },
  baseUrl: 'https://go.acme.test',
  links: [{ slug: 'AbCd1234', deepLinkUrl: null }],
  codes: ['DEE10'],
  payout: { type: 'percent', value: '10', currency: 'USD', tiers: [] },
  deepLinks: { allowed: true, domains: [] },
};

/** Text outside tags and attribute values: what a browser would treat as markup if escaping failed. */
const tagsIn = (html: string) => html.match(/<[a-z][^>]*>/gi)!.map((t) => t.toLowerCase().match(/^<([a-z0-9]+)/)![1]);

describe('member links and codes email', () => {
  it('gives the absolute link, the code, the payout and the deep-link note in both bodies', () => {
    const e = memberLinksEmail(base);
    expect(e.subject).toBe('Your Spring sale links and codes from Acme');
    for (const body of [e.text, e.html]) {
      expect(body).toContain('https://go.acme.test/AbCd1234');
      expect(body).toContain('DEE10');
      expect(body).toContain('10% of each sale');
      expect(body).toContain('https://go.acme.test/AbCd1234?to=/any-page');
    }
    expect(e.html).toContain('<a href="https://go.acme.test/AbCd1234">');
  });

  it('escapes every value a person typed in the HTML body and keeps the subject on one line', () => {
    const e = memberLinksEmail({
      ...base,
      brand: 'A&B "Shop"',
      memberName: '<script>alert(1)</script>',
      offer: { ...base.offer, name: 'Spring <b>sale</b>\r\nBcc: victim@example.com' },
      message: 'Hi <img src=x onerror=alert(1)>\n\nThanks & bye',
      links: [{ slug: 'AbCd1234', deepLinkUrl: 'https://shop.example.com/p?a=1&b="2"' }],
    });
    expect(e.html).not.toContain('<script>');
    expect(e.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(e.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(e.html).toContain('A&amp;B &quot;Shop&quot;');
    expect(e.html).toContain('p?a=1&amp;b=&quot;2&quot;');
    expect(new Set(tagsIn(e.html))).toEqual(
      new Set(['html', 'head', 'meta', 'title', 'body', 'p', 'br', 'strong', 'ul', 'li', 'a', 'code']),
    );
    expect(e.subject).not.toMatch(/[\r\n]/);
    expect(e.text).toContain('<script>alert(1)</script>'); // plain text is not HTML: shown as typed
  });

  it('leaves out what the member does not have and says when the offer ends', () => {
    const e = memberLinksEmail({
      ...base,
      links: [],
      deepLinks: { allowed: true, domains: [] },
      payout: null,
      offer: { ...base.offer, endsAt: Date.UTC(2026, 5, 30) },
    });
    expect(e.text).not.toContain('tracking link');
    expect(e.text).not.toContain('?to=');
    expect(e.text).not.toContain('What you earn');
    expect(e.text).toContain('The offer ends on 2026-06-30');
    const noDeepLinks = memberLinksEmail({ ...base, deepLinks: { allowed: false, domains: [] } });
    expect(noDeepLinks.text).not.toContain('?to=');
    expect(memberLinksEmail({ ...base, codes: ['A1X', 'B2Y'] }).text).toContain('Your promo codes:');
  });
});

describe('payout descriptions', () => {
  // The words are core/payout-words.ts' (tested there); the email says them for the offer's conversion type.
  const payoutLine = (
    payout: MemberLinksInput['payout'],
    conversionType: MemberLinksInput['offer']['conversionType'],
  ) => memberLinksEmail({ ...base, payout, offer: { ...base.offer, conversionType } }).text;

  it('spells out percent, fixed and volume tiers', () => {
    expect(payoutLine({ type: 'fixed', value: '4.00', currency: 'EUR', tiers: [] }, 'email_signup')).toContain(
      '4.00 EUR per sign-up',
    );
    expect(
      payoutLine(
        {
          type: 'percent',
          value: '10',
          currency: 'USD',
          tiers: [
            { fromConversion: 50, value: '15' },
            { fromConversion: 21, value: '12.5' },
          ],
        },
        'sale',
      ),
    ).toContain(
      '10% of each sale; 12.5% from the 21st approved sale in a calendar month; 15% from the 50th approved sale in a calendar month',
    );
    expect(
      payoutLine(
        {
          type: 'percent',
          value: '5',
          currency: 'USD',
          tiers: [
            { fromConversion: 12, value: '6' },
            { fromConversion: 102, value: '7' },
          ],
        },
        'lead',
      ),
    ).toContain(
      '5% of each lead; 6% from the 12th approved lead in a calendar month; 7% from the 102nd approved lead in a calendar month',
    );
  });
});

describe('account emails', () => {
  it('magic link: the URL, single use, 15 minutes; the member name escaped', () => {
    const url = 'https://tp.test/portal/login?token=abc&x=1';
    const e = magicLinkEmail({ brand: 'Acme', memberName: '<i>Dee</i>', url });
    expect(e.text).toContain(url);
    expect(e.html).toContain(`href="${escapeHtml(url)}"`);
    expect(e.text).toMatch(/works once and expires in 15 minutes/);
    expect(e.html).toContain('&lt;i&gt;Dee&lt;/i&gt;');
  });

  it('code rotated: says the old code stopped working and gives the new one', () => {
    const e = codeRotatedEmail({
      brand: 'Acme',
      memberName: 'Dee',
      offerName: 'Spring',
      oldCode: 'DEE10',
      newCode: 'DEE7Q2',
    });
    expect(e.subject).toBe('Your Spring promo code has changed');
    expect(e.text).toContain('DEE10 for Spring no longer works');
    expect(e.text).toContain('DEE7Q2');
    expect(e.html).toContain('<code style="font-size:20px;font-weight:bold">DEE7Q2</code>');
  });

  it('user invite: who invited, the role, the link and how long it works', () => {
    const e = userInviteEmail({
      brand: 'Acme',
      userName: 'Sam',
      url: 'https://tp.test/app/setup?token=t',
      expiresInHours: 72,
      invitedBy: 'Ann <ann@acme.test>',
      role: 'manager',
    });
    expect(e.text).toContain('Ann <ann@acme.test> invited you to Acme');
    expect(e.text).toContain('as manager');
    expect(e.text).toContain('expires in 72 hours');
    expect(e.html).toContain('Ann &lt;ann@acme.test&gt;');
    expect(e.html).toContain('href="https://tp.test/app/setup?token=t"');
  });
});
