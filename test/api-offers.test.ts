import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/stores.js';
import { samplePercentOffer, startTestApp, type TestApp } from './helpers/app.js';

describe.each(DIALECTS)('offers API on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(() => t.close());

  it('creates an offer with percent payouts and tiers, and reads it back', async () => {
    const res = await t.api('POST', '/offers', samplePercentOffer);
    expect(res.statusCode).toBe(201);
    const offer = res.data;
    expect(offer.id).toMatch(/^off_[0-9a-z]{26}$/);
    expect(offer).toMatchObject({
      status: 'active',
      currency: 'USD',
      cookieWindowDays: 28,
      holdDays: 30,
      attributionRule: 'code_first',
      splitCodeShare: '50',
    });
    expect(offer.payoutOptions).toEqual([
      expect.objectContaining({ title: 'Standard', type: 'percent', value: '10', default: true, tiers: [] }),
      expect.objectContaining({
        title: 'VIP',
        type: 'percent',
        value: '15',
        default: false,
        tiers: [{ fromConversion: 50, value: '20' }],
      }),
    ]);
    const read = await t.api('GET', `/offers/${offer.id}`);
    expect(read.data).toEqual({ ...offer, clicks: 0, uniqueClicks: 0 });
  });

  it('stores a fixed payout in minor units of the offer currency', async () => {
    const res = await t.api('POST', '/offers', {
      name: 'Leads',
      destinationUrl: 'https://shop.example.com/join',
      currency: 'JPY',
      conversionType: 'lead',
      payoutOptions: [{ title: 'Per lead', type: 'fixed', value: '500' }],
    });
    expect(res.statusCode).toBe(201);
    expect(res.data.payoutOptions[0]).toMatchObject({ type: 'fixed', value: '500', default: true });
    const bad = await t.api('POST', '/offers', {
      name: 'Leads',
      destinationUrl: 'https://shop.example.com/join',
      currency: 'JPY',
      payoutOptions: [{ title: 'Per lead', type: 'fixed', value: '5.50' }],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.data.error.details).toEqual([
      expect.objectContaining({ path: 'payoutOptions.0.value', code: 'payout_value_invalid' }),
    ]);
  });

  it('rejects bad input with field paths and changes nothing', async () => {
    const before = (await t.api('GET', '/offers?limit=200')).data.data.length;
    const res = await t.api('POST', '/offers', {
      name: 'X',
      destinationUrl: 'ftp://shop.example.com',
      utm: { utm_source: '{nope}' },
      deepLinks: { allowCreators: true, extraDomains: ['not a domain'] },
      payoutOptions: [{ title: 'A', type: 'percent', value: '120' }],
    });
    expect(res.statusCode).toBe(400);
    expect(res.data.error.code).toBe('validation_failed');
    const paths = res.data.error.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(['deepLinks.extraDomains.0', 'destinationUrl', 'payoutOptions.0.value', 'utm.utm_source']);
    expect((await t.api('GET', '/offers?limit=200')).data.data.length).toBe(before);
  });

  it('edits an offer, keeps the history, and moves through pause, resume and archive', async () => {
    const offer = (await t.api('POST', '/offers', samplePercentOffer)).data;
    const edited = await t.api('PATCH', `/offers/${offer.id}`, { name: 'Summer sale', cookieWindowDays: 7 });
    expect(edited.statusCode).toBe(200);
    expect(edited.data).toMatchObject({ name: 'Summer sale', cookieWindowDays: 7 });
    expect((await t.api('POST', `/offers/${offer.id}/pause`)).data.status).toBe('paused');
    expect((await t.api('POST', `/offers/${offer.id}/pause`)).data.status).toBe('paused');
    expect((await t.api('POST', `/offers/${offer.id}/archive`)).data.status).toBe('archived');
    const conflict = await t.api('POST', `/offers/${offer.id}/pause`);
    expect(conflict.statusCode).toBe(409);
    expect(conflict.data.error.code).toBe('offer_status_conflict');
    expect((await t.api('POST', `/offers/${offer.id}/resume`)).data.status).toBe('active');
    const audit = await t.built.ctx.store.db
      .selectFrom('audit_log')
      .select(['action', 'detail'])
      .where('entity_id', '=', offer.id)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['created', 'updated', 'pause', 'archive', 'resume']);
    expect(JSON.parse(audit[1]!.detail)).toEqual({
      before: { name: 'Spring sale', cookie_window_days: 28 },
      after: { name: 'Summer sale', cookie_window_days: 7 },
    });
  });

  it('pages through offers with a cursor', async () => {
    for (let i = 0; i < 5; i++) await t.api('POST', '/offers', { ...samplePercentOffer, name: `Page ${i}` });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: any = await t.api('GET', `/offers?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.data.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.data.data.map((o: { id: string }) => o.id));
      cursor = res.data.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const all = (await t.api('GET', '/offers?limit=200')).data.data.map((o: { id: string }) => o.id);
    expect(seen).toEqual(all);
  });
});
