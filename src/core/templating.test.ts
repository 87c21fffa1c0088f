import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildDestination, checkTemplate, renderTemplate, TEMPLATE_MAX, type TemplateVars } from './templating.js';

const VARS: TemplateVars = {
  creatorName: 'Marie Curie',
  creatorIgUsername: 'marie.c',
  creatorTiktokUsername: null,
  memberId: 'mem_01',
  projectName: 'Spring',
  offerName: 'Summer Sale',
  offerId: 'off_01',
  clickId: 'CLICK123',
};
const NONE = { mode: 'none', param: '', code: null } as const;
const build = (
  url: string,
  utm: Record<string, string> = {},
  vars: TemplateVars = VARS,
  appendCode: Parameters<typeof buildDestination>[0]['appendCode'] = NONE,
) => buildDestination({ url, utm, vars, appendCode });

describe('checkTemplate', () => {
  it.each([
    '',
    'touchpoint',
    '{creator_name}',
    '{creator_ig_username}-{creator_tiktok_username}',
    '{member_id}',
    '{project_name}',
    '{link_offer_name}',
    'https://shop.com/?c={click_id}&t={transaction_id}&a={aff_id}&o={offer_id}',
    '%7Bclick_id%7D',
    '{ not a macro }',
    '{}',
    '{creator_name',
  ])('accepts %j', (t) => expect(checkTemplate(t)).toBeNull());
  it.each([
    '{creator}',
    '{Creator_Name}',
    'x{foo}y',
    '{click_id}{nope}',
    '%7Bnope%7D',
    '{constructor}',
    '{__proto__}',
    '{toString}',
  ])('rejects %j as an unknown macro', (t) => expect(checkTemplate(t)).toBe('template_unknown_macro'));
  it('bounds the length', () => {
    expect(checkTemplate('a'.repeat(TEMPLATE_MAX))).toBeNull();
    expect(checkTemplate('a'.repeat(TEMPLATE_MAX + 1))).toBe('template_too_long');
  });
});

describe('renderTemplate', () => {
  it('fills every macro with plain text', () => {
    expect(
      renderTemplate(
        '{creator_name}|{creator_ig_username}|{creator_tiktok_username}|{member_id}|{project_name}|{link_offer_name}',
        VARS,
      ),
    ).toBe('Marie Curie|marie.c||mem_01|Spring|Summer Sale');
    expect(renderTemplate('{click_id}/{transaction_id}/{aff_id}/{offer_id}', VARS)).toBe(
      'CLICK123/CLICK123/mem_01/off_01',
    );
  });
  it('renders a missing value as the empty string', () => {
    const bare = { ...VARS, creatorName: null, memberId: null, projectName: null, clickId: null };
    expect(renderTemplate('[{creator_name}][{member_id}][{aff_id}][{project_name}][{click_id}]', bare)).toBe(
      '[][][][][]',
    );
  });
  it('leaves unknown macros as written and does not re-expand values', () => {
    expect(renderTemplate('{2024}-{foo}', VARS)).toBe('{2024}-{foo}');
    expect(renderTemplate('{creator_name}', { ...VARS, creatorName: '{member_id}' })).toBe('{member_id}');
  });
  it('turns a lone surrogate into U+FFFD, as a URL would', () => {
    expect(renderTemplate('{creator_name}', { ...VARS, creatorName: 'a\uD83D' })).toBe('a\uFFFD');
  });
  it('is the identity on templates without known macros (property)', () => {
    const known = [
      'creator_name',
      'creator_ig_username',
      'creator_tiktok_username',
      'member_id',
      'project_name',
      'link_offer_name',
      'click_id',
      'transaction_id',
      'aff_id',
      'offer_id',
    ];
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc
        .array(fc.constantFrom('{', '}', '%7B', '%7d', 'creator_', 'name', 'click_id', 'foo', ' ', '&', '=', '/'), {
          maxLength: 10,
        })
        .map((a) => a.join('')),
    );
    fc.assert(
      fc.property(text, (t) => {
        fc.pre(![...t.matchAll(/(?:\{|%7B)(\w+)(?:\}|%7D)/gi)].some((m) => known.includes(m[1]!)));
        return renderTemplate(t, VARS) === t;
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('buildDestination', () => {
  it('adds UTM parameters and the click id', () => {
    expect(
      build('https://shop.com/p', {
        utm_source: 'touchpoint',
        utm_medium: 'influencer',
        utm_campaign: '{creator_name}',
      }),
    ).toBe(
      'https://shop.com/p?utm_source=touchpoint&utm_medium=influencer&utm_campaign=Marie%20Curie&tp_click=CLICK123',
    );
  });
  it('replaces a same-named parameter in place and keeps the others byte for byte', () => {
    expect(build('https://shop.com/p?utm_source=old&q=a%20b&flag&utm_source=dup#frag', { utm_source: 'tp' })).toBe(
      'https://shop.com/p?utm_source=tp&q=a%20b&flag&tp_click=CLICK123#frag',
    );
    expect(build('https://shop.com/p?utm+source=x&tp_click=stale', { 'utm source': 'y' }, VARS)).toBe(
      'https://shop.com/p?utm%20source=y&tp_click=CLICK123',
    );
  });
  it('leaves out a UTM value that renders empty and keeps the destination own value', () => {
    const vars = { ...VARS, creatorTiktokUsername: null };
    expect(
      build(
        'https://shop.com/?utm_content=default',
        { utm_content: '{creator_tiktok_username}', utm_term: '{creator_tiktok_username}' },
        vars,
      ),
    ).toBe('https://shop.com/?utm_content=default&tp_click=CLICK123');
  });
  it('adds no click id when there is none', () => {
    expect(build('https://shop.com/', { utm_source: 'tp' }, { ...VARS, clickId: null })).toBe(
      'https://shop.com/?utm_source=tp',
    );
    expect(build('https://shop.com/x?', {}, { ...VARS, clickId: null })).toBe('https://shop.com/x?');
  });
  it('fills destination macros URL-encoded, in path, query and fragment', () => {
    const vars = { ...VARS, memberId: 'a/b&c', clickId: 'C1' };
    expect(
      build(
        'https://net.example/aff/{aff_id}?tid={transaction_id}&o={offer_id}&n={creator_name}#{member_id}',
        {},
        vars,
      ),
    ).toBe('https://net.example/aff/a%2Fb%26c?tid=C1&o=off_01&n=Marie%20Curie&tp_click=C1#a%2Fb%26c');
    expect(build('https://net.example/aff/%7Baff_id%7D', {}, { ...vars, clickId: null })).toBe(
      'https://net.example/aff/a%2Fb%26c',
    );
  });
  it('never templates the host', () => {
    expect(new URL(build('https://{member_id}.shop.com/', {}, VARS)).hostname).toBe('{member_id}.shop.com');
  });
  it('appends the promo code as a query parameter', () => {
    expect(build('https://shop.com/p#top', {}, VARS, { mode: 'query', param: 'discount', code: 'MARIE10' })).toBe(
      'https://shop.com/p?tp_click=CLICK123&discount=MARIE10#top',
    );
    expect(
      build(
        'https://shop.com/p?discount=OLD',
        {},
        { ...VARS, clickId: null },
        { mode: 'query', param: ' ', code: 'MARIE10' },
      ),
    ).toBe('https://shop.com/p?discount=MARIE10');
  });
  it('uses the Shopify shareable discount link', () => {
    expect(
      build('https://shop.com/products/x?variant=1#reviews', { utm_source: 'tp' }, VARS, {
        mode: 'shopify',
        param: '',
        code: 'MARIE10',
      }),
    ).toBe(
      'https://shop.com/discount/MARIE10?redirect=%2Fproducts%2Fx%3Fvariant%3D1%26utm_source%3Dtp%26tp_click%3DCLICK123%23reviews',
    );
  });
  it('appends nothing without a code or when the mode is none', () => {
    const bare = { ...VARS, clickId: null };
    expect(build('https://shop.com/', {}, bare, { mode: 'shopify', param: '', code: null })).toBe('https://shop.com/');
    expect(build('https://shop.com/', {}, bare, { mode: 'none', param: 'discount', code: 'X' })).toBe(
      'https://shop.com/',
    );
  });
  it('does not throw on a lone surrogate in a configured parameter name', () => {
    expect(build('https://shop.com/', { 'k\uD800': 'v' }, { ...VARS, clickId: null })).toBe(
      'https://shop.com/?k%EF%BF%BD=v',
    );
  });
  it('throws on a destination that is not a URL (offer validation rules it out)', () => {
    expect(() => build('not a url')).toThrow();
  });
});

describe('buildDestination properties', () => {
  const hostile = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 24 }),
    fc
      .array(fc.constantFrom('&', '=', '#', '%', '+', '?', '/', ' ', '%20', '{', '}', 'é', '😀', '中', 'a'), {
        maxLength: 12,
      })
      .map((a) => a.join('')),
  );
  const nullable = fc.option(hostile, { nil: null });
  const vars: fc.Arbitrary<TemplateVars> = fc.record({
    creatorName: nullable,
    creatorIgUsername: nullable,
    creatorTiktokUsername: nullable,
    memberId: nullable,
    projectName: nullable,
    offerName: hostile,
    offerId: fc.constant('off_01'),
    clickId: fc.option(fc.stringMatching(/^[0-9A-Za-z]{28}$/), { nil: null }),
  });
  const base = fc.constantFrom(
    'https://shop.com/',
    'https://shop.com/a/b?x=1&y=%20z#frag',
    'http://shop.com:8080/p?utm_source=old',
    'https://shop.com/?ref={creator_name}#{member_id}',
    'https://shop.com/?q=a+b&',
  );
  const utmTemplate = fc.oneof(
    fc.constantFrom(
      '{creator_name}',
      '{creator_ig_username}',
      '{project_name}',
      '{link_offer_name}',
      'x {member_id} y',
      'static',
      '',
    ),
    hostile,
  );
  const utm = fc.dictionary(
    fc.constantFrom('utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term'),
    utmTemplate,
  );
  const code = fc.record({
    mode: fc.constantFrom('none', 'query') as fc.Arbitrary<'none' | 'query'>,
    param: fc.constant('discount'),
    code: fc.option(fc.constantFrom('MARIE10', 'X-1_2'), { nil: null }),
  });

  it('round-trips rendered UTM values, keeps the host, carries tp_click iff there is a click id', () => {
    fc.assert(
      fc.property(base, utm, vars, code, (url, utmMap, v, appendCode) => {
        const out = new URL(buildDestination({ url, utm: utmMap, vars: v, appendCode }));
        const before = new URL(url);
        expect(out.host).toBe(before.host);
        expect(out.protocol).toBe(before.protocol);
        for (const [key, template] of Object.entries(utmMap)) {
          const rendered = renderTemplate(template, v);
          expect(out.searchParams.get(key)).toBe(rendered !== '' ? rendered : before.searchParams.get(key));
          if (rendered !== '') expect(out.searchParams.getAll(key)).toHaveLength(1);
        }
        expect(out.searchParams.get('tp_click')).toBe(v.clickId);
        if (appendCode.mode === 'query' && appendCode.code !== null)
          expect(out.searchParams.get('discount')).toBe(appendCode.code);
        if (url.includes('ref={creator_name}')) {
          expect(out.searchParams.get('ref')).toBe(v.creatorName ?? '');
          expect(decodeURIComponent(out.hash.slice(1))).toBe(v.memberId ?? '');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('Shopify redirect target is the path of the same URL built without the code', () => {
    fc.assert(
      fc.property(base, utm, vars, (url, utmMap, v) => {
        const plain = new URL(buildDestination({ url, utm: utmMap, vars: v, appendCode: NONE }));
        const shopify = new URL(
          buildDestination({ url, utm: utmMap, vars: v, appendCode: { mode: 'shopify', param: '', code: 'MARIE10' } }),
        );
        expect(shopify.host).toBe(plain.host);
        expect(shopify.pathname).toBe('/discount/MARIE10');
        expect(shopify.searchParams.get('redirect')).toBe(plain.pathname + plain.search + plain.hash);
      }),
      { numRuns: 300 },
    );
  });
});
