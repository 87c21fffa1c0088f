import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTION_REASONS,
  attribute,
  attributeRenewal,
  CLOCK_SKEW_MS,
  DAY_MS,
  type AttributionInput,
  type AttributionRule,
  type ClickLookup,
  type CodeLookup,
  type Credit,
  type OfferTracking,
} from './attribution.js';

const T = Date.UTC(2025, 5, 15, 12);
const offer = (over: Partial<OfferTracking> = {}): OfferTracking => ({
  status: 'active',
  endsAt: null,
  cookieWindowDays: 28,
  attributionRule: 'code_first',
  splitCodeShareBps: 5000,
  tracksLinks: true,
  tracksCodes: true,
  ...over,
});
const click = (
  memberId: string | null,
  o: Partial<OfferTracking> = {},
  ago = DAY_MS,
  offerId = 'off_A',
  tracked = true,
): ClickLookup => ({
  lookup: 'found',
  offer: offer(o),
  click: { clickId: 'clk1', offerId, memberId, linkId: 'lnk1', clickedAt: T - ago, trackedWhenClicked: tracked },
});
const code = (
  memberId: string | null,
  o: Partial<OfferTracking> = {},
  offerId = 'off_A',
  status: 'active' | 'disabled' = 'active',
): CodeLookup => ({
  lookup: 'found',
  offer: offer(o),
  code: { codeId: 'cod1', code: 'MARIE10', offerId, memberId, status },
});
const NO_CLICK: ClickLookup = { lookup: 'none' };
const NO_CODE: CodeLookup = { lookup: 'none' };
const input = (c: ClickLookup, k: CodeLookup, reportedOfferId: string | null = null): AttributionInput => ({
  occurredAt: T,
  reportedOfferId,
  click: c,
  code: k,
});
const cr = (offerId: string, memberId: string | null, source: Credit['source'], shareBps = 10_000): Credit => ({
  offerId,
  memberId,
  source,
  shareBps,
});

describe('attribute: the spec, case by case', () => {
  it.each<[string, AttributionInput, unknown]>([
    ['neither', input(NO_CLICK, NO_CODE), { outcome: 'unattributed', reasons: ['no_click', 'no_code'] }],
    [
      'click only',
      input(click('mem_1'), NO_CODE),
      {
        outcome: 'credited',
        credits: [cr('off_A', 'mem_1', 'click')],
        reasons: ['click_counted', 'no_code', 'only_click'],
      },
    ],
    [
      'code only',
      input(NO_CLICK, code('mem_2')),
      {
        outcome: 'credited',
        credits: [cr('off_A', 'mem_2', 'code')],
        reasons: ['no_click', 'code_counted', 'only_code'],
      },
    ],
    [
      'generic code only → the offer',
      input(NO_CLICK, code(null)),
      {
        outcome: 'credited',
        credits: [cr('off_A', null, 'code')],
        reasons: ['no_click', 'code_counted', 'code_generic', 'only_code'],
      },
    ],
    [
      'generic link only → the offer',
      input(click(null), NO_CODE),
      {
        outcome: 'credited',
        credits: [cr('off_A', null, 'click')],
        reasons: ['click_counted', 'no_code', 'only_click'],
      },
    ],
    [
      'same member',
      input(click('mem_1'), code('mem_1')),
      {
        outcome: 'credited',
        credits: [cr('off_A', 'mem_1', 'click+code')],
        reasons: ['click_counted', 'code_counted', 'same_member'],
      },
    ],
    [
      'code_first',
      input(click('mem_1'), code('mem_2')),
      {
        outcome: 'credited',
        credits: [cr('off_A', 'mem_2', 'code')],
        reasons: ['click_counted', 'code_counted', 'different_members', 'rule_code_first'],
      },
    ],
    [
      'click_first',
      input(click('mem_1', { attributionRule: 'click_first' }), code('mem_2', { attributionRule: 'click_first' })),
      {
        outcome: 'credited',
        credits: [cr('off_A', 'mem_1', 'click')],
        reasons: ['click_counted', 'code_counted', 'different_members', 'rule_click_first'],
      },
    ],
    [
      'click_first: the code fills in without a click',
      input(NO_CLICK, code('mem_2', { attributionRule: 'click_first' })),
      {
        outcome: 'credited',
        credits: [cr('off_A', 'mem_2', 'code')],
        reasons: ['no_click', 'code_counted', 'only_code'],
      },
    ],
    [
      'split 50/50',
      input(click('mem_1'), code('mem_2', { attributionRule: 'split' })),
      {
        outcome: 'credited',
        credits: [cr('off_A', 'mem_1', 'click', 5000), cr('off_A', 'mem_2', 'code', 5000)],
        reasons: ['click_counted', 'code_counted', 'different_members', 'rule_split'],
      },
    ],
    [
      'split 30 % to the code',
      input(click('mem_1'), code('mem_2', { attributionRule: 'split', splitCodeShareBps: 3000 })),
      {
        outcome: 'credited',
        credits: [cr('off_A', 'mem_1', 'click', 7000), cr('off_A', 'mem_2', 'code', 3000)],
        reasons: ['click_counted', 'code_counted', 'different_members', 'rule_split'],
      },
    ],
    [
      'split 100 % to the code is one credit',
      input(click('mem_1'), code('mem_2', { attributionRule: 'split', splitCodeShareBps: 10_000 })),
      {
        outcome: 'credited',
        credits: [cr('off_A', 'mem_2', 'code')],
        reasons: ['click_counted', 'code_counted', 'different_members', 'rule_split'],
      },
    ],
    [
      'split with a corrupt share uses 50 %',
      input(click('mem_1'), code('mem_2', { attributionRule: 'split', splitCodeShareBps: 12_000 })),
      {
        outcome: 'credited',
        credits: [cr('off_A', 'mem_1', 'click', 5000), cr('off_A', 'mem_2', 'code', 5000)],
        reasons: ['click_counted', 'code_counted', 'different_members', 'rule_split'],
      },
    ],
    [
      "generic code never takes a member's sale",
      input(click('mem_1'), code(null)),
      {
        outcome: 'credited',
        credits: [cr('off_A', 'mem_1', 'click')],
        reasons: ['click_counted', 'code_counted', 'code_generic', 'member_beats_generic'],
      },
    ],
    [
      'generic link yields to a personalized code, even click_first',
      input(click(null, { attributionRule: 'click_first' }), code('mem_2', { attributionRule: 'click_first' })),
      {
        outcome: 'credited',
        credits: [cr('off_A', 'mem_2', 'code')],
        reasons: ['click_counted', 'code_counted', 'member_beats_generic'],
      },
    ],
    [
      'generic link and generic code → the offer, once',
      input(click(null), code(null)),
      {
        outcome: 'credited',
        credits: [cr('off_A', null, 'click+code')],
        reasons: ['click_counted', 'code_counted', 'code_generic', 'both_generic'],
      },
    ],
    [
      'different offers, reported = click offer → its rule (click_first)',
      input(click('mem_1', { attributionRule: 'click_first' }), code('mem_2', {}, 'off_B'), 'off_A'),
      {
        outcome: 'credited',
        credits: [cr('off_A', 'mem_1', 'click')],
        reasons: [
          'click_counted',
          'code_counted',
          'different_members',
          'different_offers',
          'decided_by_reported_offer',
          'rule_click_first',
        ],
      },
    ],
    [
      'different offers, reported elsewhere → code offer rule',
      input(click('mem_1', { attributionRule: 'click_first' }), code('mem_2', {}, 'off_B'), 'off_C'),
      {
        outcome: 'credited',
        credits: [cr('off_B', 'mem_2', 'code')],
        reasons: [
          'click_counted',
          'code_counted',
          'different_members',
          'different_offers',
          'decided_by_code_offer',
          'rule_code_first',
          'reported_offer_not_credited',
        ],
      },
    ],
    [
      'different offers, split: each credit on its own offer, shares from the deciding offer',
      input(click('mem_1'), code('mem_2', { attributionRule: 'split', splitCodeShareBps: 2500 }, 'off_B'), 'off_B'),
      {
        outcome: 'credited',
        credits: [cr('off_A', 'mem_1', 'click', 7500), cr('off_B', 'mem_2', 'code', 2500)],
        reasons: [
          'click_counted',
          'code_counted',
          'different_members',
          'different_offers',
          'decided_by_reported_offer',
          'rule_split',
          'split_across_offers',
        ],
      },
    ],
    [
      'same member on two offers → once, on the deciding offer',
      input(click('mem_1'), code('mem_1', {}, 'off_B'), 'off_A'),
      {
        outcome: 'credited',
        credits: [cr('off_A', 'mem_1', 'click+code')],
        reasons: ['click_counted', 'code_counted', 'same_member', 'different_offers', 'decided_by_reported_offer'],
      },
    ],
    [
      'generic link and generic code on two offers → the deciding offer, no member on either side',
      input(click(null), code(null, {}, 'off_B')),
      {
        outcome: 'credited',
        credits: [cr('off_B', null, 'click+code')],
        reasons: [
          'click_counted',
          'code_counted',
          'code_generic',
          'both_generic',
          'different_offers',
          'decided_by_code_offer',
        ],
      },
    ],
    [
      'click not found, code counts',
      input({ lookup: 'not_found', clickId: 'x' }, code('mem_2')),
      {
        outcome: 'credited',
        credits: [cr('off_A', 'mem_2', 'code')],
        reasons: ['click_not_found', 'code_counted', 'only_code'],
      },
    ],
    [
      'click of another workspace',
      input({ lookup: 'other_workspace', clickId: 'x' }, NO_CODE),
      { outcome: 'unattributed', reasons: ['click_other_workspace', 'no_code'] },
    ],
    [
      'unknown code',
      input(NO_CLICK, { lookup: 'not_found', code: 'NOPE' }),
      { outcome: 'unattributed', reasons: ['no_click', 'code_not_found'] },
    ],
    [
      'disabled code on a paused offer: both reasons',
      input(NO_CLICK, code('mem_2', { status: 'paused' }, 'off_A', 'disabled')),
      { outcome: 'unattributed', reasons: ['no_click', 'code_disabled', 'code_offer_paused'] },
    ],
    [
      'untracked click outside the window: both reasons',
      input(click('mem_1', {}, 40 * DAY_MS, 'off_A', false), NO_CODE),
      { outcome: 'unattributed', reasons: ['click_untracked', 'click_outside_window', 'no_code'] },
    ],
    [
      'offer stopped tracking codes',
      input(NO_CLICK, code('mem_2', { tracksCodes: false })),
      { outcome: 'unattributed', reasons: ['no_click', 'code_offer_codes_off'] },
    ],
    [
      'offer stopped tracking links',
      input(click('mem_1', { tracksLinks: false }), NO_CODE),
      { outcome: 'unattributed', reasons: ['click_offer_links_off', 'no_code'] },
    ],
  ])('%s', (_name, inp, expected) => expect(attribute(inp)).toEqual(expected));
});

describe('attribute: the window and the clock', () => {
  const at = (ago: number, days = 28) =>
    attribute(input(click('mem_1', { cookieWindowDays: days }, ago), NO_CODE)).outcome;
  it.each([
    ['exactly at the window edge', 28 * DAY_MS, 'credited'],
    ['one ms past the window', 28 * DAY_MS + 1, 'unattributed'],
    ['the same ms', 0, 'credited'],
    ['within the clock skew', -CLOCK_SKEW_MS, 'credited'],
    ['beyond the skew', -CLOCK_SKEW_MS - 1, 'unattributed'],
  ])('%s', (_n, ago, outcome) => expect(at(ago as number)).toBe(outcome));
  it("uses the click offer's window: 1 day", () => expect(at(DAY_MS + 1, 1)).toBe('unattributed'));
  it('a click after the conversion says so', () =>
    expect(attribute(input(click('mem_1', {}, -DAY_MS), NO_CODE)).reasons).toContain('click_after_conversion'));
  it('an offer ends at endsAt exactly, like the redirect', () => {
    expect(attribute(input(NO_CLICK, code('m', { endsAt: T }))).reasons).toContain('code_offer_ended');
    expect(attribute(input(NO_CLICK, code('m', { endsAt: T + 1 }))).outcome).toBe('credited');
  });
});

// The whole matrix: rule × member relation × click state × code state × same/different offers, against the spec
// restated as plainly as possible.
type ClickState =
  | 'none'
  | 'not_found'
  | 'other_workspace'
  | 'in_window'
  | 'out_of_window'
  | 'untracked'
  | 'paused'
  | 'archived'
  | 'ended';
type CodeState = 'none' | 'not_found' | 'active' | 'disabled' | 'paused' | 'archived' | 'ended';
type Members = 'same' | 'different' | 'generic_code' | 'generic_link';
const RULES: AttributionRule[] = ['code_first', 'click_first', 'split'];
const CLICKS: ClickState[] = [
  'none',
  'not_found',
  'other_workspace',
  'in_window',
  'out_of_window',
  'untracked',
  'paused',
  'archived',
  'ended',
];
const CODES: CodeState[] = ['none', 'not_found', 'active', 'disabled', 'paused', 'archived', 'ended'];
const MEMBERS: Members[] = ['same', 'different', 'generic_code', 'generic_link'];
const statusOf = (s: string): Partial<OfferTracking> =>
  s === 'paused' || s === 'archived' ? { status: s } : s === 'ended' ? { endsAt: T - 1 } : {};

const matrix = RULES.flatMap((rule) =>
  MEMBERS.flatMap((members) =>
    CLICKS.flatMap((cs) =>
      CODES.flatMap((ks) => [false, true].map((twoOffers) => ({ rule, members, cs, ks, twoOffers }))),
    ),
  ),
);

describe('attribute: the exhaustive matrix', () => {
  it.each(matrix)('$rule $members click=$cs code=$ks twoOffers=$twoOffers', ({ rule, members, cs, ks, twoOffers }) => {
    const clickMember = members === 'generic_link' ? null : 'mem_1';
    const codeMember = members === 'generic_code' ? null : members === 'same' ? 'mem_1' : 'mem_2';
    const codeOffer = twoOffers ? 'off_B' : 'off_A';
    const settings = { attributionRule: rule, splitCodeShareBps: 4000 };
    const c: ClickLookup =
      cs === 'none'
        ? NO_CLICK
        : cs === 'not_found' || cs === 'other_workspace'
          ? { lookup: cs, clickId: 'x' }
          : click(
              clickMember,
              { ...settings, ...statusOf(cs) },
              cs === 'out_of_window' ? 29 * DAY_MS : DAY_MS,
              'off_A',
              cs !== 'untracked',
            );
    const k: CodeLookup =
      ks === 'none'
        ? NO_CODE
        : ks === 'not_found'
          ? { lookup: 'not_found', code: 'X' }
          : code(codeMember, { ...settings, ...statusOf(ks) }, codeOffer, ks === 'disabled' ? 'disabled' : 'active');
    const d = attribute(input(c, k));

    const clickC = cr('off_A', clickMember, 'click');
    const codeC = cr(codeOffer, codeMember, 'code');
    let expected: Credit[];
    if (cs !== 'in_window' && ks !== 'active') expected = [];
    else if (ks !== 'active') expected = [clickC];
    else if (cs !== 'in_window') expected = [codeC];
    else if (members === 'same')
      expected = [cr(codeOffer, 'mem_1', 'click+code')]; // no reported offer → the code's
    else if (members === 'generic_code') expected = [clickC];
    else if (members === 'generic_link') expected = [codeC];
    else if (rule === 'code_first') expected = [codeC];
    else if (rule === 'click_first') expected = [clickC];
    else
      expected = [
        { ...clickC, shareBps: 6000 },
        { ...codeC, shareBps: 4000 },
      ];

    expect(d.outcome === 'credited' ? d.credits : []).toEqual(expected);
    expect(d.outcome).toBe(expected.length ? 'credited' : 'unattributed');
    const clickWhy = {
      none: 'no_click',
      not_found: 'click_not_found',
      other_workspace: 'click_other_workspace',
      in_window: 'click_counted',
      out_of_window: 'click_outside_window',
      untracked: 'click_untracked',
      paused: 'click_offer_paused',
      archived: 'click_offer_archived',
      ended: 'click_offer_ended',
    }[cs];
    const codeWhy = {
      none: 'no_code',
      not_found: 'code_not_found',
      active: 'code_counted',
      disabled: 'code_disabled',
      paused: 'code_offer_paused',
      archived: 'code_offer_archived',
      ended: 'code_offer_ended',
    }[ks];
    expect(d.reasons).toContain(clickWhy);
    expect(d.reasons).toContain(codeWhy);
  });
});

const arbOffer = fc.record({
  status: fc.constantFrom('active', 'paused', 'archived'),
  endsAt: fc.option(fc.integer({ min: T - 10 * DAY_MS, max: T + 10 * DAY_MS })),
  cookieWindowDays: fc.integer({ min: 1, max: 90 }),
  attributionRule: fc.constantFrom<AttributionRule>('code_first', 'click_first', 'split'),
  splitCodeShareBps: fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.constantFrom(-1, 10_001, 2.5, Number.NaN)),
  tracksLinks: fc.boolean(),
  tracksCodes: fc.boolean(),
}) as fc.Arbitrary<OfferTracking>;
const arbMember = fc.constantFrom(null, 'mem_1', 'mem_2', 'mem_3');
const arbOfferId = fc.constantFrom('off_A', 'off_B', 'off_C');
const arbClick: fc.Arbitrary<ClickLookup> = fc.oneof(
  fc.constant<ClickLookup>({ lookup: 'none' }),
  fc.constantFrom<ClickLookup>({ lookup: 'not_found', clickId: 'x' }, { lookup: 'other_workspace', clickId: 'y' }),
  fc
    .record({
      offerId: arbOfferId,
      memberId: arbMember,
      ago: fc.integer({ min: -DAY_MS, max: 100 * DAY_MS }),
      tracked: fc.boolean(),
      offer: arbOffer,
    })
    .map(({ offerId, memberId, ago, tracked, offer: o }): ClickLookup => ({
      lookup: 'found',
      offer: o,
      click: { clickId: 'c', offerId, memberId, linkId: 'l', clickedAt: T - ago, trackedWhenClicked: tracked },
    })),
);
const arbCode: fc.Arbitrary<CodeLookup> = fc.oneof(
  fc.constant<CodeLookup>({ lookup: 'none' }),
  fc.constant<CodeLookup>({ lookup: 'not_found', code: 'NOPE' }),
  fc
    .record({ offerId: arbOfferId, memberId: arbMember, active: fc.boolean(), offer: arbOffer })
    .map(({ offerId, memberId, active, offer: o }): CodeLookup => ({
      lookup: 'found',
      offer: o,
      code: { codeId: 'k', code: 'CODE', offerId, memberId, status: active ? 'active' : 'disabled' },
    })),
);
const arbInput = fc.record({
  occurredAt: fc.constant(T),
  reportedOfferId: fc.option(arbOfferId),
  click: arbClick,
  code: arbCode,
});

describe('attribute: properties', () => {
  it('shares sum to exactly 10000 or there are none; at most 2 credits; no member twice; only known reasons', () => {
    fc.assert(
      fc.property(arbInput, (inp) => {
        const d = attribute(inp);
        expect(d.reasons.every((r) => (ATTRIBUTION_REASONS as readonly string[]).includes(r))).toBe(true);
        if (d.outcome === 'unattributed') return;
        expect(d.credits.length).toBeGreaterThan(0);
        expect(d.credits.length).toBeLessThanOrEqual(2);
        expect(d.credits.reduce((s, c) => s + c.shareBps, 0)).toBe(10_000);
        expect(d.credits.every((c) => Number.isInteger(c.shareBps) && c.shareBps > 0)).toBe(true);
        expect(new Set(d.credits.map((c) => c.memberId)).size).toBe(d.credits.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('credits only who the evidence names', () => {
    fc.assert(
      fc.property(arbInput, (inp) => {
        const d = attribute(inp);
        if (d.outcome === 'unattributed') return;
        const named = [
          inp.click.lookup === 'found' ? inp.click.click : null,
          inp.code.lookup === 'found' ? inp.code.code : null,
        ];
        for (const c of d.credits)
          expect(named.some((e) => e && e.offerId === c.offerId && e.memberId === c.memberId)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(arbInput, (inp) => {
        expect(attribute(structuredClone(inp))).toEqual(attribute(inp));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('attributeRenewal', () => {
  const offer = {
    status: 'active' as const,
    endsAt: null,
    cookieWindowDays: 1,
    attributionRule: 'code_first' as const,
    splitCodeShareBps: 5_000,
    tracksLinks: true,
    tracksCodes: true,
  };
  const credit = { offerId: 'off_a', memberId: 'mem_a', source: 'click' as const, shareBps: 10_000 };

  it('follows the first order’s credit, whatever the cookie window', () => {
    expect(attributeRenewal(1e12, { credits: [credit], offers: { off_a: offer } })).toEqual({
      outcome: 'credited',
      credits: [credit],
      reasons: ['renewal_of_first_order'],
    });
  });

  it('pays nothing when the first order was not credited or its offer stopped tracking', () => {
    expect(attributeRenewal(1, { credits: null, offers: {} })).toEqual({
      outcome: 'unattributed',
      reasons: ['renewal_first_order_not_credited'],
    });
    expect(attributeRenewal(10, { credits: [credit], offers: { off_a: { ...offer, endsAt: 10 } } })).toEqual({
      outcome: 'unattributed',
      reasons: ['renewal_of_first_order', 'renewal_offer_not_tracking'],
    });
    expect(attributeRenewal(10, { credits: [credit], offers: { off_a: { ...offer, status: 'paused' } } }).outcome).toBe(
      'unattributed',
    );
  });
});
