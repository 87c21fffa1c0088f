import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/stores.js';
import { samplePercentOffer, startTestApp, type TestApp, withData } from './helpers/app.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const CODE_CHARS = '[34679ACDEFGHJKMNPQRTUVWXY]';
const UNKNOWN_MEMBER = 'mem_00000000000000000000000000';
const UNKNOWN_PAYOUT = 'pay_00000000000000000000000000';

type Res = Awaited<ReturnType<TestApp['api']>>;
type Api = (method: string, path: string, body?: unknown) => Promise<Res>;

interface Ws {
  api: Api;
  upload(path: string, body: Buffer | string, contentType: string): Promise<Res>;
  download(path: string): Promise<{ statusCode: number; contentType: string; body: Buffer }>;
  /** An offer on brand.test whose deep links may also go to any subdomain of example.com. */
  offer: any;
  member(name: string, extra?: object): Promise<any>;
}

async function workspace(t: TestApp): Promise<Ws> {
  const w = await t.newWorkspace();
  const headers = { authorization: `Bearer ${w.apiKey}` };
  const api: Api = (method, path, body) => t.api(method, path, body, w.apiKey);
  const offer = (
    await api('POST', '/offers', {
      ...samplePercentOffer,
      destinationUrl: 'https://brand.test/spring',
      deepLinks: { allowCreators: true, extraDomains: ['*.example.com'] },
    })
  ).data;
  expect(offer.id).toBeTruthy();
  return {
    api,
    offer,
    async upload(path, body, contentType) {
      const res = await t.built.app.inject({
        method: 'POST',
        url: `/api/v1${path}`,
        payload: body,
        headers: { ...headers, 'content-type': contentType },
      });
      return withData(res);
    },
    async download(path) {
      const res = await t.built.app.inject({ method: 'GET', url: `/api/v1${path}`, headers });
      return { statusCode: res.statusCode, contentType: String(res.headers['content-type']), body: res.rawPayload };
    },
    async member(name, extra = {}) {
      const res = await api('POST', '/members', { name, ...extra });
      expect(res.statusCode).toBe(201);
      return res.data;
    },
  };
}

const csvRows = (buf: Buffer): string[][] => parse(buf.toString('utf8').replace(/^\uFEFF/, '')) as string[][];
const toCsv = (rows: string[][]) =>
  rows.map((r) => r.map((v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',')).join('\r\n');

async function xlsxRows(buf: Buffer): Promise<string[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  const rows: string[][] = [];
  wb.worksheets[0]!.eachRow((row) =>
    rows.push((row.values as unknown[]).slice(1).map((v) => (v == null ? '' : String(v)))),
  );
  return rows;
}

async function offerMembers(w: Ws, offerId = w.offer.id): Promise<any[]> {
  const res = await w.api('GET', `/offers/${offerId}/members?limit=200`);
  expect(res.statusCode).toBe(200);
  return res.data.data;
}

async function activeCodes(w: Ws, query = ''): Promise<any[]> {
  return (await w.api('GET', `/codes?limit=200&status=active${query}`)).data.data;
}

describe.each(DIALECTS)('links, codes and payout options API on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(() => t.close());

  describe('adding members to an offer', () => {
    it('creates a link and a personalized code per member, and nothing twice', async () => {
      const w = await workspace(t);
      const marie = await w.member('Marie Kim');
      const jamal = await w.member('Jamal Reed');
      const [standard, vip] = w.offer.payoutOptions;
      const res = await w.api('POST', `/offers/${w.offer.id}/members`, {
        members: [{ memberId: marie.id }, { memberId: jamal.id, payoutOptionId: vip.id }],
        generateLinks: true,
        generateCodes: true,
        codePattern: '{NAME}{RAND4}',
      });
      expect(res.statusCode).toBe(200);
      expect(res.data).toMatchObject({ added: 2, updated: 0 });
      const forMarie = res.data.members.find((m: any) => m.memberId === marie.id);
      const forJamal = res.data.members.find((m: any) => m.memberId === jamal.id);
      expect(forMarie.payoutOptionId).toBe(standard.id);
      expect(forJamal.payoutOptionId).toBe(vip.id);
      for (const m of [forMarie, forJamal]) {
        expect(m.links).toHaveLength(1);
        expect(m.codes).toHaveLength(1);
        const [link] = m.links;
        expect(link.slug).toMatch(/^[0-9A-Za-z]{7,}$/);
        expect(link.url).toBe(`${t.config.baseUrl}/${link.slug}`);
        expect(link).toMatchObject({ offerId: w.offer.id, memberId: m.memberId, status: 'active', deepLinkUrl: null });
        expect(m.codes[0]).toMatchObject({
          offerId: w.offer.id,
          memberId: m.memberId,
          kind: 'personalized',
          status: 'active',
        });
      }
      expect(forMarie.links[0].slug).not.toBe(forJamal.links[0].slug);
      expect(forMarie.codes[0].code).toMatch(new RegExp(`^MARIE${CODE_CHARS}{4}$`));
      expect(forJamal.codes[0].code).toMatch(new RegExp(`^JAMAL${CODE_CHARS}{4}$`));
      expect((await w.api('GET', `/links/${forMarie.links[0].id}`)).data).toMatchObject({
        slug: forMarie.links[0].slug,
        clicks: 0,
      });

      // Again: Marie moves to VIP; no second link or code for anyone.
      const again = await w.api('POST', `/offers/${w.offer.id}/members`, {
        members: [{ memberId: marie.id, payoutOptionId: vip.id }, { memberId: jamal.id }],
        generateLinks: true,
        generateCodes: true,
      });
      expect(again.statusCode).toBe(200);
      expect(again.data).toMatchObject({ added: 0, updated: 2 });
      for (const m of again.data.members) {
        expect(m.links).toEqual([]);
        expect(m.codes).toEqual([]);
        expect(m.payoutOptionId).toBe(vip.id);
      }
      const listed = await offerMembers(w);
      expect(listed).toHaveLength(2);
      for (const row of listed) {
        expect(row.payoutOptionId).toBe(vip.id);
        expect(row.links).toHaveLength(1);
        expect(row.codes).toHaveLength(1);
      }
      expect((await w.api('GET', `/links?offerId=${w.offer.id}`)).data.data).toHaveLength(2);
      expect(await activeCodes(w, `&offerId=${w.offer.id}`)).toHaveLength(2);
    });

    it('rejects unknown members and payout options with their paths, and adds nobody', async () => {
      const w = await workspace(t);
      const marie = await w.member('Marie');
      const other = (await w.api('POST', '/offers', samplePercentOffer)).data;
      const res = await w.api('POST', `/offers/${w.offer.id}/members`, {
        members: [
          { memberId: marie.id, payoutOptionId: UNKNOWN_PAYOUT },
          { memberId: UNKNOWN_MEMBER },
          { memberId: marie.id, payoutOptionId: other.payoutOptions[0].id },
        ],
      });
      expect(res.statusCode).toBe(400);
      expect(res.data.error.code).toBe('validation_failed');
      const paths = res.data.error.details.map((d: { path: string }) => d.path).sort();
      expect(paths).toEqual([
        'members.0.payoutOptionId',
        'members.1.memberId',
        'members.2.memberId',
        'members.2.payoutOptionId',
      ]);
      expect(await offerMembers(w)).toEqual([]);
      expect((await w.api('GET', '/links')).data.data).toEqual([]);
    });

    it('only accepts deep links on the offer’s domain or its allowed extra domains', async () => {
      const w = await workspace(t);
      const marie = await w.member('Marie');
      const outside = await w.api('POST', `/offers/${w.offer.id}/members`, {
        members: [{ memberId: marie.id, deepLinkUrl: 'https://evil.test/phish' }],
      });
      expect(outside.statusCode).toBe(400);
      expect(outside.data.error.details).toEqual([
        expect.objectContaining({ path: 'members.0.deepLinkUrl', code: 'deep_link_not_allowed' }),
      ]);
      expect(await offerMembers(w)).toEqual([]);

      const extra = await w.api('POST', `/offers/${w.offer.id}/members`, {
        members: [{ memberId: marie.id, deepLinkUrl: 'https://blog.example.com/post?id=1' }],
      });
      expect(extra.statusCode).toBe(200);
      expect(extra.data.members[0].links).toEqual([
        expect.objectContaining({ deepLinkUrl: 'https://blog.example.com/post?id=1' }),
      ]);
      const own = await w.api('POST', `/offers/${w.offer.id}/members`, {
        members: [{ memberId: marie.id, deepLinkUrl: '/products/serum' }],
      });
      expect(own.data.members[0].links).toEqual([
        expect.objectContaining({ deepLinkUrl: 'https://brand.test/products/serum' }),
      ]);

      // POST /links answers with the problem's own code.
      const link = await w.api('POST', '/links', {
        offerId: w.offer.id,
        memberId: marie.id,
        deepLinkUrl: 'https://example.com.evil.test/',
      });
      expect(link.statusCode).toBe(400);
      expect(link.data.error.code).toBe('deep_link_not_allowed');
      const apex = await w.api('POST', '/links', {
        offerId: w.offer.id,
        memberId: marie.id,
        deepLinkUrl: 'https://example.com/',
      });
      expect(apex.statusCode).toBe(400);
      expect(apex.data.error.code).toBe('deep_link_not_allowed');
      const ok = await w.api('POST', '/links', {
        offerId: w.offer.id,
        memberId: marie.id,
        deepLinkUrl: 'https://shop.example.com/a',
      });
      expect(ok.statusCode).toBe(201);
      expect(ok.data.deepLinkUrl).toBe('https://shop.example.com/a');
    });
  });

  describe('links', () => {
    it('creates vanity, random and generic links; refuses reserved, taken and off-offer ones', async () => {
      const w = await workspace(t);
      const marie = await w.member('Marie');
      const stranger = await w.member('Not on offer');
      await w.api('POST', `/offers/${w.offer.id}/members`, { members: [{ memberId: marie.id }], generateLinks: false });
      const slug = `Marie-${kind}-${Date.now().toString(36)}`;

      const vanity = await w.api('POST', '/links', { offerId: w.offer.id, memberId: marie.id, slug });
      expect(vanity.statusCode).toBe(201);
      expect(vanity.data).toMatchObject({
        slug,
        url: `${t.config.baseUrl}/${slug}`,
        memberId: marie.id,
        offerId: w.offer.id,
        status: 'active',
      });

      for (const reserved of ['api', 'API', 'postback', 'PostBack', 'healthz', 'aff_lsr']) {
        const res = await w.api('POST', '/links', { offerId: w.offer.id, memberId: marie.id, slug: reserved });
        expect(res.statusCode, reserved).toBe(400);
        expect(res.data.error.details).toEqual([expect.objectContaining({ path: 'slug', code: 'slug_reserved' })]);
      }
      // "px" is refused too (two characters are below the vanity minimum before it is even looked up).
      const px = await w.api('POST', '/links', { offerId: w.offer.id, memberId: marie.id, slug: 'px' });
      expect(px.statusCode).toBe(400);
      expect(px.data.error.details).toEqual([expect.objectContaining({ path: 'slug' })]);
      const badChars = await w.api('POST', '/links', { offerId: w.offer.id, slug: 'no/slash' });
      expect(badChars.statusCode).toBe(400);

      for (const taken of [slug, slug.toLowerCase(), slug.toUpperCase()]) {
        const res = await w.api('POST', '/links', { offerId: w.offer.id, memberId: marie.id, slug: taken });
        expect(res.statusCode).toBe(409);
        expect(res.data.error.code).toBe('slug_taken');
      }
      // Slugs are global: another workspace cannot take it either.
      const other = await workspace(t);
      const elsewhere = await other.api('POST', '/links', { offerId: other.offer.id, slug: slug.toLowerCase() });
      expect(elsewhere.statusCode).toBe(409);
      expect(elsewhere.data.error.code).toBe('slug_taken');

      const notOnOffer = await w.api('POST', '/links', { offerId: w.offer.id, memberId: stranger.id });
      expect(notOnOffer.statusCode).toBe(409);
      expect(notOnOffer.data.error.code).toBe('member_not_on_offer');

      const generic = await w.api('POST', '/links', { offerId: w.offer.id });
      expect(generic.statusCode).toBe(201);
      expect(generic.data).toMatchObject({ memberId: null, offerId: w.offer.id, status: 'active' });
      expect(generic.data.slug).toMatch(/^[0-9A-Za-z]{7,}$/);

      const all = (await w.api('GET', `/links?offerId=${w.offer.id}`)).data.data.map((l: any) => l.id).sort();
      expect(all).toEqual([vanity.data.id, generic.data.id].sort());
    });

    it('disables a link, idempotently', async () => {
      const w = await workspace(t);
      const link = (await w.api('POST', '/links', { offerId: w.offer.id })).data;
      const off = await w.api('POST', `/links/${link.id}/disable`);
      expect(off.statusCode).toBe(200);
      expect(off.data).toMatchObject({ id: link.id, status: 'disabled', slug: link.slug });
      expect((await w.api('POST', `/links/${link.id}/disable`)).data.status).toBe('disabled');
      expect((await w.api('GET', `/links/${link.id}`)).data.status).toBe('disabled');
      expect((await w.api('GET', `/links?status=active`)).data.data).toEqual([]);
      expect((await w.api('GET', `/links?status=disabled`)).data.data.map((l: any) => l.id)).toEqual([link.id]);
    });
  });

  describe('codes', () => {
    it('creates generic codes unique case-insensitively among active ones', async () => {
      const w = await workspace(t);
      const created = await w.api('POST', '/codes', { offerId: w.offer.id, code: 'spring20' });
      expect(created.statusCode).toBe(201);
      expect(created.data).toMatchObject({
        code: 'SPRING20',
        kind: 'generic',
        memberId: null,
        status: 'active',
        offerId: w.offer.id,
      });

      const dup = await w.api('POST', '/codes', { offerId: w.offer.id, code: 'SPRING20' });
      expect(dup.statusCode).toBe(409);
      expect(dup.data.error.code).toBe('code_taken');
      const otherOffer = (await w.api('POST', '/offers', samplePercentOffer)).data;
      const dupElsewhere = await w.api('POST', '/codes', { offerId: otherOffer.id, code: ' Spring20 ' });
      expect(dupElsewhere.statusCode).toBe(409);
      expect(dupElsewhere.data.error.code).toBe('code_taken');

      const disabled = await w.api('POST', `/codes/${created.data.id}/disable`);
      expect(disabled.data).toMatchObject({ id: created.data.id, status: 'disabled' });
      const reissued = await w.api('POST', '/codes', { offerId: otherOffer.id, code: 'Spring20' });
      expect(reissued.statusCode).toBe(201);
      expect(reissued.data.id).not.toBe(created.data.id);
      expect((await w.api('GET', '/codes?code=spring20')).data.data.map((c: any) => [c.id, c.status])).toEqual([
        [reissued.data.id, 'active'],
        [created.data.id, 'disabled'],
      ]);

      for (const bad of ['SPRING 20', 'save%20', 'ÉTÉ20', 'ab', '-LEADING']) {
        const res = await w.api('POST', '/codes', { offerId: w.offer.id, code: bad });
        expect(res.statusCode, bad).toBe(400);
        expect(res.data.error.code).toBe('validation_failed');
        expect(res.data.error.details[0].path).toBe('code');
      }
      expect((await w.api('GET', '/codes?limit=200')).data.data).toHaveLength(2);
    });

    it('creates personalized codes only for members of the offer', async () => {
      const w = await workspace(t);
      const marie = await w.member('Marie');
      const stranger = await w.member('Stranger');
      await w.api('POST', `/offers/${w.offer.id}/members`, { members: [{ memberId: marie.id }] });
      const mine = await w.api('POST', '/codes', { offerId: w.offer.id, code: 'marie10', memberId: marie.id });
      expect(mine.statusCode).toBe(201);
      expect(mine.data).toMatchObject({ code: 'MARIE10', kind: 'personalized', memberId: marie.id });
      const off = await w.api('POST', '/codes', { offerId: w.offer.id, code: 'STRANGER10', memberId: stranger.id });
      expect(off.statusCode).toBe(409);
      expect(off.data.error.code).toBe('member_not_on_offer');
    });

    it('generates codes for the offer’s members who have none', async () => {
      const w = await workspace(t);
      const [a, b, c] = [await w.member('Ana Lopez'), await w.member('Ben'), await w.member('Chloé')];
      await w.api('POST', `/offers/${w.offer.id}/members`, { members: [a, b, c].map((m) => ({ memberId: m.id })) });
      const existing = (await w.api('POST', '/codes', { offerId: w.offer.id, code: 'ANA-OWN', memberId: a.id })).data;

      const res = await w.api('POST', `/offers/${w.offer.id}/codes/generate`, { pattern: '{NAME}{RAND4}' });
      expect(res.statusCode).toBe(201);
      const byMember = new Map(res.data.data.map((code: any) => [code.memberId, code.code]));
      expect([...byMember.keys()].sort()).toEqual([b.id, c.id].sort());
      expect(byMember.get(b.id)).toMatch(new RegExp(`^BEN${CODE_CHARS}{4}$`));
      expect(byMember.get(c.id)).toMatch(new RegExp(`^CHLOE${CODE_CHARS}{4}$`));

      const again = await w.api('POST', `/offers/${w.offer.id}/codes/generate`, { pattern: '{NAME}{RAND4}' });
      expect(again.statusCode).toBe(201);
      expect(again.data.data).toEqual([]);
      const active = await activeCodes(w, `&offerId=${w.offer.id}`);
      expect(active).toHaveLength(3);
      expect(active.find((x) => x.memberId === a.id).id).toBe(existing.id);

      const bad = await w.api('POST', `/offers/${w.offer.id}/codes/generate`, { pattern: '{NOPE}' });
      expect(bad.statusCode).toBe(400);
      expect(bad.data.error.details[0]).toMatchObject({ path: 'pattern', code: 'pattern_unknown_token' });
    });
  });

  describe('code roster', () => {
    /** Marie has a code, Jamal has none, and members whose names a spreadsheet would run as formulas. */
    async function rosterSetup(w: Ws) {
      const marie = await w.member('Marie Kim', { email: 'marie@example.com', instagram: 'marie.k' });
      const jamal = await w.member('Jamal Reed', { tiktok: 'jamalreed' });
      const formulas = [];
      for (const name of ['=HYPERLINK("http://evil.test","x")', '+SUM(1,2)', '-1+2', '@cmd'])
        formulas.push(await w.member(name));
      const add = await w.api('POST', `/offers/${w.offer.id}/members`, {
        members: [marie, jamal, ...formulas].map((m) => ({ memberId: m.id })),
        generateLinks: false,
      });
      expect(add.statusCode).toBe(200);
      const marieCode = (await w.api('POST', '/codes', { offerId: w.offer.id, code: 'MARIE10', memberId: marie.id }))
        .data;
      return { marie, jamal, formulas, marieCode };
    }

    it('exports CSV with current codes, an empty new_code column and escaped formula cells', async () => {
      const w = await workspace(t);
      const { marie, jamal, formulas } = await rosterSetup(w);
      const file = await w.download(`/offers/${w.offer.id}/code-roster?format=csv`);
      expect(file.statusCode).toBe(200);
      expect(file.contentType).toMatch(/^text\/csv/);
      const [header, ...rows] = csvRows(file.body);
      expect(header).toEqual(['member_id', 'name', 'email', 'instagram', 'tiktok', 'current_code', 'new_code']);
      expect(rows).toHaveLength(6);
      const row = (id: string) => rows.find((r) => r[0] === id)!;
      expect(row(marie.id)).toEqual([marie.id, 'Marie Kim', 'marie@example.com', 'marie.k', '', 'MARIE10', '']);
      expect(row(jamal.id)).toEqual([jamal.id, 'Jamal Reed', '', '', 'jamalreed', '', '']);
      for (const m of formulas) expect(row(m.id)[1]).toBe(`'${m.name}`);
      for (const r of rows) for (const cell of r) expect(cell).not.toMatch(/^[=+\-@]/);
    });

    it('exports XLSX with the same content', async () => {
      const w = await workspace(t);
      const { marie, formulas } = await rosterSetup(w);
      const file = await w.download(`/offers/${w.offer.id}/code-roster?format=xlsx`);
      expect(file.statusCode).toBe(200);
      expect(file.contentType).toBe(XLSX);
      const [header, ...rows] = await xlsxRows(file.body);
      expect(header).toEqual(['member_id', 'name', 'email', 'instagram', 'tiktok', 'current_code', 'new_code']);
      expect(rows).toHaveLength(6);
      expect(rows.find((r) => r[0] === marie.id)!.slice(0, 6)).toEqual([
        marie.id,
        'Marie Kim',
        'marie@example.com',
        'marie.k',
        '',
        'MARIE10',
      ]);
      for (const m of formulas) expect(rows.find((r) => r[0] === m.id)![1]).toBe(`'${m.name}`);
      for (const r of rows) expect(r[6] ?? '').toBe('');
    });

    it('imports the filled-in CSV: new codes active, old ones disabled', async () => {
      const w = await workspace(t);
      const { marie, jamal, marieCode } = await rosterSetup(w);
      const [header, ...rows] = csvRows((await w.download(`/offers/${w.offer.id}/code-roster?format=csv`)).body);
      for (const r of rows) {
        if (r[0] === marie.id) r[6] = 'marie-new';
        if (r[0] === jamal.id) r[6] = 'JAMAL15';
      }
      const filled = toCsv([header!, ...rows]);
      const res = await w.upload(`/offers/${w.offer.id}/code-roster`, filled, 'text/csv');
      expect(res.statusCode).toBe(200);
      expect(res.data).toEqual({ assigned: 2, unchanged: 0 });

      expect((await w.api('GET', `/codes/${marieCode.id}`)).data.status).toBe('disabled');
      const active = await activeCodes(w, `&offerId=${w.offer.id}`);
      expect(active.map((c) => [c.memberId, c.code]).sort()).toEqual(
        [
          [jamal.id, 'JAMAL15'],
          [marie.id, 'MARIE-NEW'],
        ].sort(),
      );

      // The same file again changes nothing.
      expect((await w.upload(`/offers/${w.offer.id}/code-roster`, filled, 'text/csv')).data).toEqual({
        assigned: 0,
        unchanged: 2,
      });
      const [, ...after] = csvRows((await w.download(`/offers/${w.offer.id}/code-roster?format=csv`)).body);
      expect(after.find((r) => r[0] === marie.id)![5]).toBe('MARIE-NEW');
    });

    it('swaps codes between two members of the offer in one file', async () => {
      const w = await workspace(t);
      const { marie, jamal } = await rosterSetup(w);
      const fill = async (codes: Record<string, string>) => {
        const [header, ...rows] = csvRows((await w.download(`/offers/${w.offer.id}/code-roster?format=csv`)).body);
        for (const r of rows) r[6] = codes[r[0]!] ?? '';
        return w.upload(`/offers/${w.offer.id}/code-roster`, toCsv([header!, ...rows]), 'text/csv');
      };
      expect((await fill({ [marie.id]: 'SWAPA', [jamal.id]: 'SWAPB' })).statusCode).toBe(200);
      const swapped = await fill({ [marie.id]: 'SWAPB', [jamal.id]: 'SWAPA' });
      expect(swapped.statusCode, swapped.body).toBe(200);
      expect(swapped.data).toEqual({ assigned: 2, unchanged: 0 });
      const active = await activeCodes(w, `&offerId=${w.offer.id}`);
      expect(active.map((c) => [c.memberId, c.code]).sort()).toEqual(
        [
          [jamal.id, 'SWAPA'],
          [marie.id, 'SWAPB'],
        ].sort(),
      );
      // Taking a code from a member who keeps theirs is still refused.
      const taken = await fill({ [jamal.id]: 'SWAPB' });
      expect(taken.statusCode).toBe(400);
      expect(taken.data.error.details).toEqual([expect.objectContaining({ code: 'code_taken' })]);
    });

    it('imports a filled-in XLSX', async () => {
      const w = await workspace(t);
      const { jamal } = await rosterSetup(w);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(
        (await w.download(`/offers/${w.offer.id}/code-roster?format=xlsx`)).body as unknown as ArrayBuffer,
      );
      const ws = wb.worksheets[0]!;
      ws.eachRow((row, n) => {
        if (n > 1 && row.getCell(1).value === jamal.id) row.getCell(7).value = 'jamal-xl';
      });
      const res = await w.upload(`/offers/${w.offer.id}/code-roster`, Buffer.from(await wb.xlsx.writeBuffer()), XLSX);
      expect(res.statusCode).toBe(200);
      expect(res.data).toEqual({ assigned: 1, unchanged: 0 });
      expect((await activeCodes(w, `&memberId=${jamal.id}`)).map((c) => c.code)).toEqual(['JAMAL-XL']);
    });

    it('assigns nothing when a row is bad, and lists every bad row by line', async () => {
      const w = await workspace(t);
      const { marie, jamal, formulas, marieCode } = await rosterSetup(w);
      const sofia = await w.member('Sofia');
      await w.api('POST', `/offers/${w.offer.id}/members`, { members: [{ memberId: sofia.id }], generateLinks: false });
      const outsider = await w.member('Outsider');
      await w.api('POST', '/codes', { offerId: w.offer.id, code: 'GENERIC5' });
      const csv = toCsv([
        ['member_id', 'name', 'new_code'],
        [marie.id, 'Marie', 'MARIE99'], // line 2: fine on its own
        [jamal.id, 'Jamal', 'BAD CODE!'], // line 3: invalid code
        [sofia.id, 'Sofia', 'generic5'], // line 4: active for someone else (the offer's generic code)
        [outsider.id, 'Outsider', 'OUT10'], // line 5: not on the offer
        [formulas[0].id, 'x', 'marie99'], // line 6: same code as line 2
        [formulas[1].id, 'y', ''], // line 7: nothing to assign
      ]);
      const res = await w.upload(`/offers/${w.offer.id}/code-roster`, csv, 'text/csv');
      expect(res.statusCode).toBe(400);
      expect(res.data.error.code).toBe('import_invalid');
      const byLine = new Map<number, string[]>();
      for (const d of res.data.error.details) byLine.set(d.line, [...(byLine.get(d.line) ?? []), d.code]);
      expect([...byLine.keys()].sort()).toEqual([3, 4, 5, 6]);
      expect(byLine.get(3)).toEqual(['code_invalid_characters']);
      expect(byLine.get(4)).toEqual(['code_taken']);
      expect(byLine.get(5)).toEqual(['member_not_on_offer']);
      expect(byLine.get(6)).toEqual(['duplicate_in_file']);

      const active = await activeCodes(w, `&offerId=${w.offer.id}`);
      expect(active.map((c) => c.code).sort()).toEqual(['GENERIC5', 'MARIE10']);
      expect((await w.api('GET', `/codes/${marieCode.id}`)).data.status).toBe('active');

      // A code active for another member, even on another offer, is taken too.
      const other = (await w.api('POST', '/offers', samplePercentOffer)).data;
      await w.api('POST', `/offers/${other.id}/members`, {
        members: [{ memberId: outsider.id }],
        generateLinks: false,
      });
      await w.api('POST', '/codes', { offerId: other.id, code: 'OUT10', memberId: outsider.id });
      const taken = await w.upload(
        `/offers/${w.offer.id}/code-roster`,
        toCsv([
          ['member_id', 'new_code'],
          [jamal.id, 'out10'],
        ]),
        'text/csv',
      );
      expect(taken.statusCode).toBe(400);
      expect(taken.data.error.details).toEqual([expect.objectContaining({ line: 2, code: 'code_taken' })]);
      expect(await activeCodes(w, `&memberId=${jamal.id}`)).toEqual([]);
    });
  });

  describe('payout options', () => {
    const defaults = (offer: any) => offer.payoutOptions.filter((p: any) => p.default).map((p: any) => p.id);

    it('adds and edits options, and keeps exactly one default', async () => {
      const w = await workspace(t);
      const [standard] = w.offer.payoutOptions;
      const gold = await w.api('POST', `/offers/${w.offer.id}/payout-options`, {
        title: 'Gold',
        type: 'percent',
        value: '25',
      });
      expect(gold.statusCode).toBe(201);
      expect(gold.data).toMatchObject({ title: 'Gold', type: 'percent', value: '25', tiers: [], default: false });

      const edited = await w.api('PATCH', `/offers/${w.offer.id}/payout-options/${gold.data.id}`, {
        value: '12.5',
        tiers: [
          { fromConversion: 20, value: '18' },
          { fromConversion: 100, value: '22.25' },
        ],
      });
      expect(edited.statusCode).toBe(200);
      expect(edited.data).toMatchObject({
        id: gold.data.id,
        title: 'Gold',
        value: '12.5',
        tiers: [
          { fromConversion: 20, value: '18' },
          { fromConversion: 100, value: '22.25' },
        ],
      });
      const badTier = await w.api('PATCH', `/offers/${w.offer.id}/payout-options/${gold.data.id}`, {
        tiers: [{ fromConversion: 10, value: '101' }],
      });
      expect(badTier.statusCode).toBe(400);
      expect(badTier.data.error.details).toEqual([expect.objectContaining({ path: 'tiers.0.value' })]);

      let offer = (await w.api('GET', `/offers/${w.offer.id}`)).data;
      expect(defaults(offer)).toEqual([standard.id]);
      expect(offer.payoutOptions.find((p: any) => p.id === gold.data.id)).toEqual(edited.data);

      const made = await w.api('PATCH', `/offers/${w.offer.id}/payout-options/${gold.data.id}`, { default: true });
      expect(made.statusCode).toBe(200);
      expect(made.data.default).toBe(true);
      offer = (await w.api('GET', `/offers/${w.offer.id}`)).data;
      expect(defaults(offer)).toEqual([gold.data.id]);

      const flat = await w.api('POST', `/offers/${w.offer.id}/payout-options`, {
        title: 'Flat',
        type: 'fixed',
        value: '5.00',
        default: true,
      });
      expect(flat.statusCode).toBe(201);
      expect(flat.data).toMatchObject({ type: 'fixed', value: '5.00', default: true });
      offer = (await w.api('GET', `/offers/${w.offer.id}`)).data;
      expect(defaults(offer)).toEqual([flat.data.id]);
      expect(offer.payoutOptions).toHaveLength(4);

      const unset = await w.api('PATCH', `/offers/${w.offer.id}/payout-options/${flat.data.id}`, { default: false });
      expect(unset.statusCode).toBe(409);
      expect(unset.data.error.code).toBe('default_required');
    });

    it('archives a non-default option and moves its members to the default; never the default itself', async () => {
      const w = await workspace(t);
      const [standard, vip] = w.offer.payoutOptions;
      const marie = await w.member('Marie');
      const jamal = await w.member('Jamal');
      await w.api('POST', `/offers/${w.offer.id}/members`, {
        members: [{ memberId: marie.id, payoutOptionId: vip.id }, { memberId: jamal.id }],
        generateLinks: false,
      });

      const archived = await w.api('DELETE', `/offers/${w.offer.id}/payout-options/${vip.id}`);
      expect(archived.statusCode).toBe(200);
      expect(archived.data).toEqual({ movedMembers: 1 });
      const rows = await offerMembers(w);
      expect(rows.map((r) => [r.member.id, r.payoutOptionId]).sort()).toEqual(
        [
          [marie.id, standard.id],
          [jamal.id, standard.id],
        ].sort(),
      );
      const offer = (await w.api('GET', `/offers/${w.offer.id}`)).data;
      expect(offer.payoutOptions.map((p: any) => p.id)).toEqual([standard.id]);
      expect((await w.api('DELETE', `/offers/${w.offer.id}/payout-options/${vip.id}`)).statusCode).toBe(404);
      const assign = await w.api('POST', `/offers/${w.offer.id}/members`, {
        members: [{ memberId: marie.id, payoutOptionId: vip.id }],
      });
      expect(assign.statusCode).toBe(400);

      const refused = await w.api('DELETE', `/offers/${w.offer.id}/payout-options/${standard.id}`);
      expect(refused.statusCode).toBe(409);
      expect(refused.data.error.code).toBe('default_required');
      expect((await w.api('GET', `/offers/${w.offer.id}`)).data.payoutOptions.map((p: any) => p.id)).toEqual([
        standard.id,
      ]);
    });
  });
});
