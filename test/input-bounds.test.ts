// Every number that comes in is finite and within its bounds: the validator refuses what Ajv's coercion let through
// ("Infinity", "1e309"), the hand-parsed inputs refuse it too, and the database refuses it from any other writer.
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueLoginLink } from '../src/app/portal-sign-in.js';
import { newWorkspaceTag } from '../src/core/click-id.js';
import { newId } from '../src/core/ids.js';
import { loadConfig } from '../src/config.js';
import { migrateToLatest } from '../src/db/dialect/index.js';
import { migrations } from '../src/db/migrations/index.js';
import { insertApiKey } from '../src/db/workspaces.js';
import { buildApp } from '../src/http/app.js';
import { samplePercentOffer, startTestApp, type TestApp, withData } from './helpers/app.js';
import { listen, newBrowser } from './helpers/browser.js';
import { DIALECTS, freshStore } from './helpers/stores.js';

const NOT_FINITE = ['Infinity', '-Infinity', '1e309', '-1e309'];
const FAKE = (prefix: string) => `${prefix}_${'0'.repeat(26)}`;

describe.each(DIALECTS)('numeric input bounds on %s', (kind) => {
  let t: TestApp;
  let base: string;
  let offerId: string;
  let memberId: string;
  beforeAll(async () => {
    t = await startTestApp(kind);
    base = await listen(t);
    const offer = await t.api('POST', '/offers', {
      ...samplePercentOffer,
      deepLinks: { allowCreators: true, extraDomains: [] },
    });
    offerId = offer.data.id;
    const member = await t.api('POST', '/members', { name: 'Ava', email: 'ava@creators.test' });
    memberId = member.data.id;
    await t.api('POST', `/offers/${offerId}/members`, { members: [{ memberId }] });
  });
  afterAll(() => t.close());

  const lists = () => [
    '/alerts',
    '/codes',
    '/conversions',
    '/conversion-events',
    '/commissions',
    '/emails',
    '/links',
    '/members',
    '/offers',
    `/offers/${offerId}/members`,
    '/payout-batches',
    `/webhook-endpoints/${FAKE('whk')}/messages`,
  ];

  it('refuses a page size that is not a finite number within 1-200 on every paginated list', async () => {
    for (const path of lists()) {
      for (const limit of [...NOT_FINITE, '0', '201', '1e308']) {
        const res = await t.api('GET', `${path}?limit=${limit}`);
        expect([path, limit, res.statusCode, res.data?.error?.code]).toEqual([path, limit, 400, 'validation_failed']);
      }
      expect([path, (await t.api('GET', `${path}?limit=200`)).statusCode]).not.toEqual([path, 400]);
    }
  });

  it("refuses them on the portal's commissions too", async () => {
    const browser = newBrowser(base);
    const link = await issueLoginLink(t.built.ctx, t.workspaceId, memberId);
    expect((await browser.open(new URL(link).pathname + new URL(link).search)).status).toBe(302);
    for (const limit of NOT_FINITE) {
      const res = await browser.request('GET', `/api/portal/commissions?limit=${limit}`);
      expect([limit, res.status, res.data?.error?.code]).toEqual([limit, 400, 'validation_failed']);
    }
    expect((await browser.request('GET', '/api/portal/commissions?limit=5')).status).toBe(200);
  });

  it('refuses non-finite hold and cookie days on create and update, and stores nothing', async () => {
    const before = await t.api('GET', '/offers?limit=200');
    for (const field of ['holdDays', 'cookieWindowDays']) {
      for (const value of [...NOT_FINITE, 1e308, -1e308]) {
        const created = await t.api('POST', '/offers', { ...samplePercentOffer, [field]: value });
        expect([field, value, created.statusCode, created.data.error.details[0].path]).toEqual([
          field,
          value,
          400,
          field,
        ]);
        const updated = await t.api('PATCH', `/offers/${offerId}`, { [field]: value });
        expect([field, value, updated.statusCode]).toEqual([field, value, 400]);
      }
      // JSON's own overflow: 1e309 parses to Infinity.
      const raw = withData(
        await t.built.app.inject({
          method: 'POST',
          url: '/api/v1/offers',
          payload: `{"name":"x","destinationUrl":"https://shop.example.com","payoutOptions":[{"title":"a","type":"percent","value":"1"}],"${field}":1e309}`,
          headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' },
        }),
      );
      expect([field, raw.statusCode, raw.data.error.code]).toEqual([field, 400, 'validation_failed']);
    }
    const after = await t.api('GET', '/offers?limit=200');
    expect(after.statusCode).toBe(200);
    expect(after.data).toEqual(before.data);
    const offer = await t.api('GET', `/offers/${offerId}`);
    expect([offer.statusCode, offer.data.holdDays, offer.data.cookieWindowDays]).toEqual([200, 30, 28]);
    expect((await t.api('GET', '/commissions')).statusCode).toBe(200);
  });

  it('refuses tier thresholds beyond a million conversions and non-finite ones', async () => {
    for (const fromConversion of [1e308, 'Infinity', 1_000_001]) {
      const res = await t.api('POST', '/offers', {
        ...samplePercentOffer,
        payoutOptions: [{ title: 'Tiered', type: 'percent', value: '10', tiers: [{ fromConversion, value: '20' }] }],
      });
      expect([fromConversion, res.statusCode, res.data.error.details[0].path]).toEqual([
        fromConversion,
        400,
        'payoutOptions.0.tiers.0.fromConversion',
      ]);
    }
    const ok = await t.api('POST', '/offers', {
      ...samplePercentOffer,
      payoutOptions: [
        { title: 'Tiered', type: 'percent', value: '10', tiers: [{ fromConversion: 1_000_000, value: '20' }] },
      ],
    });
    expect(ok.statusCode).toBe(201);
  });

  it("refuses a member's reach that is not finite or beyond ten billion, by API and by import", async () => {
    for (const reach of [...NOT_FINITE, 10_000_000_001]) {
      const res = await t.api('POST', '/members', { name: 'Bo', reach });
      expect([reach, res.statusCode, res.data.error.details[0].path]).toEqual([reach, 400, 'reach']);
    }
    for (const reach of ['1e309', 'Infinity', '10000000001']) {
      const res = withData(
        await t.built.app.inject({
          method: 'POST',
          url: '/api/v1/members/import',
          payload: `name,reach\nCy,${reach}\n`,
          headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'text/csv' },
        }),
      );
      expect([reach, res.statusCode, res.data.error.details[0]]).toEqual([
        reach,
        400,
        expect.objectContaining({ line: 2, path: 'reach' }),
      ]);
    }
    const members = await t.api('GET', '/members?limit=200');
    expect(members.data.data.map((m: { name: string }) => m.name)).toEqual(['Ava']);
  });

  it('refuses decimal strings that overflow: minimum payout and payout values', async () => {
    for (const amount of ['1e309', 'Infinity', '100000000.01', '-1']) {
      const res = await t.api('PUT', '/workspace/minimum-payout', { amount });
      expect([amount, res.statusCode]).toEqual([amount, 400]);
    }
    for (const value of ['1e309', 'Infinity', '100.01']) {
      const res = await t.api('POST', '/offers', {
        ...samplePercentOffer,
        payoutOptions: [{ title: 'P', type: 'percent', value }],
      });
      expect([value, res.statusCode, res.data.error.details[0].path]).toEqual([value, 400, 'payoutOptions.0.value']);
    }
  });

  describe('the database refuses out-of-range numbers from any writer', () => {
    const refused = async (statement: string) => {
      await expect(sql.raw(statement).execute(t.db.store.db)).rejects.toThrow(
        /check|constraint|out of range|invalid input/i,
      );
    };
    it('offers: hold days, cookie window days, split share', async () => {
      const where = `where id = '${offerId}'`;
      for (const set of [
        'hold_days = 366',
        'hold_days = -1',
        'cookie_window_days = 0',
        'cookie_window_days = 366',
        'split_code_share_bps = 10001',
        'split_code_share_bps = -1',
      ]) {
        await refused(`update offers set ${set} ${where}`);
      }
      if (kind === 'sqlite') await refused(`update offers set hold_days = 9e999 ${where}`);
      const offer = await t.api('GET', `/offers/${offerId}`);
      expect([offer.data.holdDays, offer.data.cookieWindowDays, offer.data.splitCodeShare]).toEqual([30, 28, '50']);
    });
    it('payout options: values and tier thresholds; workspaces: minimum payout', async () => {
      for (const set of [
        'value = 10001',
        'value = -1',
        `tiers = '[{"fromConversion":1e308,"value":1}]'`,
        `tiers = '[{"fromConversion":1,"value":1}]'`,
        `tiers = '[{"fromConversion":5,"value":-1}]'`,
        `tiers = '[{"value":1}]'`,
      ]) {
        await refused(`update payout_options set ${set} where offer_id = '${offerId}' and type = 'percent'`);
      }
      await sql
        .raw(`update payout_options set tiers = '[{"fromConversion":5,"value":2000}]' where offer_id = '${offerId}'`)
        .execute(t.db.store.db);
      await refused(`update workspaces set min_payout_minor = -1 where id = '${t.workspaceId}'`);
      await refused(`update workspaces set min_payout_minor = 1000000000001 where id = '${t.workspaceId}'`);
    });
  });
});

describe.each(DIALECTS)('migration 0021 on %s', (kind) => {
  it('brings numbers stored out of range back into range, so that the workspace works again', async () => {
    const db = await freshStore(kind, { migrate: false });
    const migrator = new Migrator({
      db: db.store.db,
      provider: { getMigrations: async () => migrations },
      migrationTableName: 'touchpoint_migrations',
      migrationLockTableName: 'touchpoint_migrations_lock',
    });
    try {
      expect((await migrator.migrateTo('0020-commission-ledger')).error).toBeUndefined();
      // The workspace, offer and payout options as that version wrote them (today's app reads columns later
      // migrations added, so it starts only once the database is migrated): rows name only 0020's columns.
      const now = Date.now();
      const workspaceId = newId('ws', now);
      await db.store.db
        .insertInto('workspaces')
        .values({
          id: workspaceId,
          name: 'Acme',
          click_tag: newWorkspaceTag(),
          timezone: 'UTC',
          currency: 'USD',
          postback_secret: 'secret-of-an-older-version',
          ip_hash_key: 'a'.repeat(64),
          created_at: now,
          shopify_webhook_secret: null,
          min_payout_minor: 0,
          rollup_timezone: 'UTC',
        } as never)
        .execute();
      const { key } = await insertApiKey(db.store.db, { workspaceId, name: 'old', now });
      const offerId = newId('off', now);
      await db.store.db
        .insertInto('offers')
        .values({
          id: offerId,
          workspace_id: workspaceId,
          name: samplePercentOffer.name,
          description: '',
          image_url: null,
          status: 'active',
          destination_url: samplePercentOffer.destinationUrl,
          conversion_type: 'sale',
          tracking_methods: '["link","code"]',
          attribution_rule: 'code_first',
          split_code_share_bps: 5000,
          cookie_window_days: 28,
          hold_days: 30,
          ends_at: null,
          currency: 'USD',
          utm: '{}',
          deep_links: '{"allowCreators":true,"extraDomains":[]}',
          code_append: '{"mode":"none","param":"discount"}',
          created_at: now,
          updated_at: now,
          browser_code_credit: 0,
          browser_amount_limit_minor: null,
        } as never)
        .execute();
      const payout = (title: string, value: number, isDefault: number, position: number) => ({
        id: newId('pay', now),
        workspace_id: workspaceId,
        offer_id: offerId,
        title,
        type: 'percent',
        value,
        tiers: '[]',
        is_default: isDefault,
        position,
        created_at: now,
        archived_at: null,
      });
      await db.store.db
        .insertInto('payout_options')
        .values([payout('Standard', 1000, 1, 0), payout('VIP', 1500, 0, 1)] as never)
        .execute();
      // What an older version let in: SQLite stored Infinity; any writer could store a finite value out of range.
      const [hold, window] = kind === 'sqlite' ? ['9e999', '-9e999'] : ['100000', '-5'];
      await sql
        .raw(`update offers set hold_days = ${hold}, cookie_window_days = ${window} where id = '${offerId}'`)
        .execute(db.store.db);
      await sql
        .raw(
          `update payout_options set tiers = '[{"fromConversion":1e308,"value":2000},{"fromConversion":5,"value":1500}]' where offer_id = '${offerId}' and title = 'VIP'`,
        )
        .execute(db.store.db);

      await migrateToLatest(db.store.db);
      const built = await buildApp(loadConfig({ BASE_URL: 'http://tp.test', DATA_DIR: db.dataDir }), {
        store: db.store,
        logger: false,
      });
      const api = async (method: string, url: string) =>
        withData(
          await built.app.inject({
            method: method as 'GET',
            url: `/api/v1${url}`,
            headers: { authorization: `Bearer ${key}` },
          }),
        );
      const after = await api('GET', `/offers/${offerId}`);
      expect([after.statusCode, after.data.holdDays, after.data.cookieWindowDays]).toEqual([200, 365, 1]);
      expect(after.data.payoutOptions.find((p: { title: string }) => p.title === 'VIP').tiers).toEqual([
        { fromConversion: 5, value: '15' },
      ]);
      expect((await api('GET', '/offers')).statusCode).toBe(200);
      await built.close();
    } finally {
      await db.cleanup();
    }
  });
});
