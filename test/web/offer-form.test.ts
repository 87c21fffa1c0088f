// The offer wizard's form logic against the real API: what the form sends is what the server accepts, an offer read
// back into the form and sent again changes nothing, and the payout plan turns the saved options into the edited ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkStep,
  createBody,
  dayOf,
  draftFromOffer,
  emptyDraft,
  endOfDay,
  newPayout,
  payoutPlan,
  settingsPatch,
  stepOfField,
  type OfferDraft,
} from '../../web/app/offer-form.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/stores.js';

function filled(): OfferDraft {
  const d = emptyDraft();
  return {
    ...d,
    name: 'Spring',
    destinationUrl: 'https://shop.example.com/spring',
    currency: 'eur',
    endsOn: '2030-06-30',
    payouts: [
      { ...d.payouts[0]!, value: '10' },
      {
        ...newPayout(false),
        title: 'VIP',
        type: 'fixed',
        value: '5.00',
        tiers: [{ fromConversion: '20', value: '7.5' }],
      },
    ],
    extraDomains: 'blog.example.com\n*.example.org',
  };
}

describe('offer form checks', () => {
  it('finds what is missing on each step, by the API field path', () => {
    const d = emptyDraft();
    expect(checkStep(0, d)).toEqual({
      name: 'Give the offer a name.',
      destinationUrl: 'Where should the links send shoppers?',
    });
    expect(checkStep(0, { ...d, name: 'x', destinationUrl: 'shop.example.com' }).destinationUrl).toMatch(
      /full address/,
    );
    expect(checkStep(0, { ...d, name: 'x', destinationUrl: 'https://s.example.com/?c={click_id}' })).toEqual({});
    const bad = {
      ...d,
      trackByLink: false,
      trackByCode: false,
      payouts: [{ ...newPayout(true), value: '101', tiers: [{ fromConversion: '1', value: '5' }] }],
    };
    expect(Object.keys(checkStep(1, bad)).sort()).toEqual([
      'payoutOptions.0.tiers.0.fromConversion',
      'payoutOptions.0.value',
      'trackingMethods',
    ]);
    expect(checkStep(1, { ...d, payouts: [{ ...newPayout(false), title: 'A', value: '1' }] }).payoutOptions).toBe(
      'Pick one default payout option.',
    );
    expect(checkStep(2, { ...d, utm: [...d.utm, { key: 'x', name: 'utm_source', value: 'again' }] })).toEqual({
      'utm.4': 'This parameter is already listed.',
    });
    expect(checkStep(1, filled())).toEqual({});
  });

  it('checks the browser-evidence settings and sends them only when they differ from the defaults', () => {
    const d = filled();
    expect(checkStep(1, { ...d, browserAmountLimit: 'lots' }).browserAmountLimit).toMatch(/500\.00/);
    expect(checkStep(1, { ...d, browserAmountLimit: ' 500 ' })).toEqual({});
    expect(createBody(d)).not.toHaveProperty('browserCodeCredit');
    expect(createBody(d)).not.toHaveProperty('browserAmountLimit');
    expect(createBody({ ...d, browserCodeCredit: true, browserAmountLimit: '500.00' })).toMatchObject({
      browserCodeCredit: true,
      browserAmountLimit: '500.00',
    });
    expect(stepOfField('browserAmountLimit')).toBe(1);
  });

  it('checks the recurring settings and sends them only when renewals pay', () => {
    const d = filled();
    expect(createBody(d)).not.toHaveProperty('recurring');
    expect(checkStep(1, { ...d, recurringMode: 'months', recurringMonths: '0' })['recurring.months']).toMatch(/120/);
    const capped = checkStep(1, { ...d, recurringMode: 'lifetime', recurringMaxInvoices: 'x' });
    expect(capped['recurring.maxInvoices']).toMatch(/1000/);
    const months = createBody({ ...d, recurringMode: 'months', recurringMonths: '6', recurringMaxInvoices: '' });
    expect(months.recurring).toEqual({ mode: 'months', months: 6, maxInvoices: null });
    expect(stepOfField('recurring.months')).toBe(1);
  });

  it('knows which step shows a field', () => {
    expect(stepOfField('destinationUrl')).toBe(0);
    expect(stepOfField('payoutOptions.1.tiers.0.value')).toBe(1);
    expect(stepOfField('codeAppend.param')).toBe(1);
    expect(stepOfField('utm.utm_source')).toBe(2);
    expect(stepOfField('somethingElse')).toBe(2);
  });

  it('ends the offer at the last instant of the chosen day in the workspace zone, across DST changes', () => {
    expect(endOfDay('2030-06-30', 'Europe/Paris')).toBe('2030-06-30T21:59:59.999Z');
    expect(endOfDay('2030-12-31', 'America/New_York')).toBe('2031-01-01T04:59:59.999Z');
    expect(endOfDay('2030-03-31', 'Europe/Paris')).toBe('2030-03-31T21:59:59.999Z'); // the day summer time starts
    expect(endOfDay('2030-11-03', 'America/New_York')).toBe('2030-11-04T04:59:59.999Z'); // the day it ends
    expect(endOfDay('2030-06-30', 'Asia/Kolkata')).toBe('2030-06-30T18:29:59.999Z');
    expect(endOfDay('2030-06-30', 'UTC')).toBe('2030-06-30T23:59:59.999Z');
    expect(dayOf('2030-06-30T21:59:59.999Z', 'Europe/Paris')).toBe('2030-06-30');
    expect(dayOf('2030-06-30T22:00:00.000Z', 'Europe/Paris')).toBe('2030-07-01');
    expect(dayOf('2030-06-30T22:00:00.000Z', 'America/New_York')).toBe('2030-06-30');
    // Without a zone (or with one Intl does not know): the browser's own.
    const local = endOfDay('2030-06-30')!;
    expect(new Date(local).getTime() + 1).toBe(new Date(2030, 6, 1).getTime());
    expect(endOfDay('2030-06-30', 'Not/AZone')).toBe(local);
    expect(dayOf(local)).toBe('2030-06-30');
    expect(endOfDay('30/06/2030')).toBeNull();
  });
});

describe.each(DIALECTS)('offer form against the API on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(() => t.close());

  it('creates what the form describes; read back, the form has nothing to change', async () => {
    const created = await t.api('POST', '/offers', createBody(filled(), 'Asia/Tokyo'));
    expect(created.statusCode, created.body).toBe(201);
    expect(created.data).toMatchObject({
      name: 'Spring',
      currency: 'EUR',
      trackingMethods: ['link', 'code'],
      attributionRule: 'code_first',
      cookieWindowDays: 28,
      holdDays: 30,
      utm: {
        utm_source: 'touchpoint',
        utm_medium: 'influencer',
        utm_campaign: '{link_offer_name}',
        utm_content: '{creator_name}',
      },
      deepLinks: { allowCreators: true, extraDomains: ['blog.example.com', '*.example.org'] },
    });
    expect(created.data.endsAt).toBe('2030-06-30T14:59:59.999Z');
    expect(created.data.payoutOptions).toMatchObject([
      { title: 'Standard', type: 'percent', value: '10', default: true },
      { title: 'VIP', type: 'fixed', value: '5.00', tiers: [{ fromConversion: 20, value: '7.50' }], default: false },
    ]);
    const again = draftFromOffer(created.data, 'Asia/Tokyo');
    expect(again.endsOn).toBe('2030-06-30');
    expect(settingsPatch(created.data, again, 'Asia/Tokyo')).toEqual({});
    expect(payoutPlan(created.data.payoutOptions, again.payouts)).toEqual({ add: [], update: [], remove: [] });
  });

  it('round-trips the browser-evidence settings: on with a limit, then off again', async () => {
    const created = await t.api(
      'POST',
      '/offers',
      createBody({ ...filled(), browserCodeCredit: true, browserAmountLimit: '500' }),
    );
    expect(created.statusCode, created.body).toBe(201);
    expect(created.data).toMatchObject({ browserCodeCredit: true, browserAmountLimit: '500.00' });
    const draft = draftFromOffer(created.data);
    expect(draft).toMatchObject({ browserCodeCredit: true, browserAmountLimit: '500.00' });
    expect(settingsPatch(created.data, { ...draft, browserAmountLimit: '500' })).toEqual({});
    const patch = settingsPatch(created.data, { ...draft, browserCodeCredit: false, browserAmountLimit: '' });
    expect(patch).toEqual({ browserCodeCredit: false, browserAmountLimit: null });
    expect((await t.api('PATCH', `/offers/${created.data.id}`, patch)).statusCode).toBe(200);
    const after = (await t.api('GET', `/offers/${created.data.id}`)).data;
    expect(after).toMatchObject({ browserCodeCredit: false, browserAmountLimit: null });
    expect(settingsPatch(after, draftFromOffer(after))).toEqual({});
  });

  it('round-trips the first-party tracking origin, and clears it', async () => {
    expect(createBody(filled())).not.toHaveProperty('trackingOrigin');
    expect(stepOfField('trackingOrigin')).toBe(2);
    const created = await t.api(
      'POST',
      '/offers',
      createBody({ ...filled(), trackingOrigin: ' https://shop.example.com/go/ ' }),
    );
    expect(created.statusCode, created.body).toBe(201);
    expect(created.data.trackingOrigin).toBe('https://shop.example.com/go');
    const draft = draftFromOffer(created.data);
    expect(draft.trackingOrigin).toBe('https://shop.example.com/go');
    expect(settingsPatch(created.data, draft)).toEqual({});
    const patch = settingsPatch(created.data, { ...draft, trackingOrigin: '' });
    expect(patch).toEqual({ trackingOrigin: null });
    expect((await t.api('PATCH', `/offers/${created.data.id}`, patch)).data.trackingOrigin).toBeNull();
  });

  it('round-trips the recurring settings', async () => {
    const created = await t.api(
      'POST',
      '/offers',
      createBody({ ...filled(), recurringMode: 'lifetime', recurringMaxInvoices: '12' }),
    );
    expect(created.statusCode, created.body).toBe(201);
    expect(created.data.recurring).toEqual({ mode: 'lifetime', months: null, maxInvoices: 12 });
    const draft = draftFromOffer(created.data);
    expect(settingsPatch(created.data, draft)).toEqual({});
    const patch = settingsPatch(created.data, { ...draft, recurringMode: 'months', recurringMonths: '3' });
    expect(patch).toEqual({ recurring: { mode: 'months', months: 3, maxInvoices: 12 } });
    expect((await t.api('PATCH', `/offers/${created.data.id}`, patch)).data.recurring).toEqual(patch.recurring);
  });

  it('applies an edit: settings patch, then payout options added, changed (new default), archived', async () => {
    const offer = await t.api('POST', '/offers', createBody(filled())).then((r) => r.data);
    const draft = draftFromOffer(offer);
    draft.name = 'Spring, extended';
    draft.endsOn = '';
    draft.utm = draft.utm.filter((u) => u.name !== 'utm_content');
    // Standard is dropped, VIP becomes the default at a new rate, and a new option is added.
    draft.payouts = [
      { ...draft.payouts[1]!, value: '6.00', default: true },
      { ...newPayout(false), title: 'Launch bonus', type: 'percent', value: '20' },
    ];
    const patch = settingsPatch(offer, draft);
    expect(patch).toEqual({
      name: 'Spring, extended',
      endsAt: null,
      utm: { utm_source: 'touchpoint', utm_medium: 'influencer', utm_campaign: '{link_offer_name}' },
    });
    expect((await t.api('PATCH', `/offers/${offer.id}`, patch)).statusCode).toBe(200);
    const plan = payoutPlan(offer.payoutOptions, draft.payouts);
    expect(plan.remove).toEqual([offer.payoutOptions[0].id]);
    for (const a of plan.add)
      expect((await t.api('POST', `/offers/${offer.id}/payout-options`, a.body)).statusCode).toBe(201);
    for (const u of plan.update)
      expect((await t.api('PATCH', `/offers/${offer.id}/payout-options/${u.id}`, u.body)).statusCode).toBe(200);
    for (const id of plan.remove) {
      const r = await t.api('DELETE', `/offers/${offer.id}/payout-options/${id}`);
      expect(r.statusCode, r.body).toBe(200);
    }
    const after = (await t.api('GET', `/offers/${offer.id}`)).data;
    expect(after).toMatchObject({ name: 'Spring, extended', endsAt: null });
    expect(
      after.payoutOptions.map((p: { title: string; value: string; default: boolean }) => [p.title, p.value, p.default]),
    ).toEqual([
      ['VIP', '6.00', true],
      ['Launch bonus', '20', false],
    ]);
    expect(settingsPatch(after, { ...draftFromOffer(after) })).toEqual({});
  });
});
