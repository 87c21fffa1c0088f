import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/stores.js';
import { samplePercentOffer, startTestApp, type TestApp, withData } from './helpers/app.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

type Api = (method: string, path: string, body?: unknown) => ReturnType<TestApp['api']>;

/** A fresh workspace per test, so lists and searches see only what the test made. */
async function workspace(t: TestApp): Promise<{
  api: Api;
  upload: (path: string, body: Buffer | string, contentType: string) => ReturnType<TestApp['api']>;
  workspaceId: string;
}> {
  const w = await t.newWorkspace();
  const api: Api = (method, path, body) => t.api(method, path, body, w.apiKey);
  const upload = async (path: string, body: Buffer | string, contentType: string) => {
    const res = await t.built.app.inject({
      method: 'POST',
      url: `/api/v1${path}`,
      payload: body,
      headers: { authorization: `Bearer ${w.apiKey}`, 'content-type': contentType },
    });
    return withData(res);
  };
  return { api, upload, workspaceId: w.workspaceId };
}

async function allMembers(api: Api, query = ''): Promise<any[]> {
  const res = await api('GET', `/members?limit=200${query}`);
  expect(res.statusCode).toBe(200);
  return res.data.data;
}

async function xlsx(rows: (string | number | null)[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Members');
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const lines = (details: { line?: number }[]) => [...new Set(details.map((d) => d.line))].sort((a, b) => a! - b!);

describe.each(DIALECTS)('members API on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(() => t.close());

  it('creates a member with normalized handles and a lower-cased email, and reads it back', async () => {
    const { api } = await workspace(t);
    const res = await api('POST', '/members', {
      name: '  Marie Kim ',
      email: ' Marie.Kim@Example.COM ',
      instagram: '@Marie.K',
      tiktok: 'https://www.tiktok.com/@MarieK_Official?lang=en',
      youtube: 'https://www.youtube.com/c/MarieKimTV/videos',
      reach: 48000,
      project: 'Spring 2026',
      tags: ['beauty', ' beauty ', 'video'],
      externalId: 'crm-1',
    });
    expect(res.statusCode).toBe(201);
    expect(res.data.id).toMatch(/^mem_[0-9a-z]{26}$/);
    expect(res.data).toMatchObject({
      name: 'Marie Kim',
      email: 'marie.kim@example.com',
      instagram: 'marie.k',
      tiktok: 'mariek_official',
      youtube: 'mariekimtv',
      reach: 48000,
      project: 'Spring 2026',
      tags: ['beauty', 'video'],
      externalId: 'crm-1',
    });
    const viaUrl = await api('POST', '/members', { name: 'Jo', instagram: 'https://instagram.com/Jo.Writes/' });
    expect(viaUrl.data.instagram).toBe('jo.writes');
    const read = await api('GET', `/members/${res.data.id}`);
    expect(read.statusCode).toBe(200);
    expect(read.data).toEqual(res.data);
  });

  it('rejects invalid fields with their paths', async () => {
    const { api } = await workspace(t);
    const res = await api('POST', '/members', { name: '  ', email: 'not-an-email', instagram: 'has space!' });
    expect(res.statusCode).toBe(400);
    expect(res.data.error.code).toBe('validation_failed');
    expect(res.data.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['email', 'instagram', 'name']);
    expect(await allMembers(api)).toEqual([]);
  });

  it('updates a member, normalizing what it normalizes on create', async () => {
    const { api } = await workspace(t);
    const m = (await api('POST', '/members', { name: 'Jamal', email: 'jamal@example.com', tags: ['a'] })).data;
    const res = await api('PATCH', `/members/${m.id}`, {
      email: 'JAMAL.R@Example.com',
      instagram: '@JamalReed',
      tags: ['lifestyle'],
      reach: 1200,
    });
    expect(res.statusCode).toBe(200);
    expect(res.data).toMatchObject({
      id: m.id,
      name: 'Jamal',
      email: 'jamal.r@example.com',
      instagram: 'jamalreed',
      tags: ['lifestyle'],
      reach: 1200,
    });
    const cleared = await api('PATCH', `/members/${m.id}`, { email: null, reach: null });
    expect(cleared.data).toMatchObject({ email: null, reach: null, instagram: 'jamalreed' });
    expect((await api('GET', `/members/${m.id}`)).data).toEqual(cleared.data);
    expect((await api('PATCH', `/members/${m.id}`, {})).statusCode).toBe(400);
    expect((await api('PATCH', `/members/mem_00000000000000000000000000`, { name: 'x' })).statusCode).toBe(404);
  });

  it('answers 409 email_taken and external_id_taken, case-insensitively for emails, on create and update', async () => {
    const { api } = await workspace(t);
    const a = (await api('POST', '/members', { name: 'A', email: 'same@example.com', externalId: 'ext-1' })).data;
    const b = (await api('POST', '/members', { name: 'B', email: 'other@example.com', externalId: 'ext-2' })).data;

    const dupEmail = await api('POST', '/members', { name: 'C', email: 'SAME@example.com' });
    expect(dupEmail.statusCode).toBe(409);
    expect(dupEmail.data.error.code).toBe('email_taken');
    const dupExternal = await api('POST', '/members', { name: 'C', externalId: 'ext-1' });
    expect(dupExternal.statusCode).toBe(409);
    expect(dupExternal.data.error.code).toBe('external_id_taken');

    const patchEmail = await api('PATCH', `/members/${b.id}`, { email: 'Same@Example.com' });
    expect(patchEmail.statusCode).toBe(409);
    expect(patchEmail.data.error.code).toBe('email_taken');
    const patchExternal = await api('PATCH', `/members/${b.id}`, { externalId: 'ext-1' });
    expect(patchExternal.statusCode).toBe(409);
    expect(patchExternal.data.error.code).toBe('external_id_taken');

    expect((await api('GET', `/members/${b.id}`)).data).toMatchObject({
      email: 'other@example.com',
      externalId: 'ext-2',
    });
    expect((await allMembers(api)).map((m) => m.id).sort()).toEqual([a.id, b.id].sort());
  });

  it('searches name, email and handles case-insensitively, with % and _ taken literally', async () => {
    const { api } = await workspace(t);
    const mk = async (body: object) => (await api('POST', '/members', body)).data.id as string;
    const ann = await mk({ name: 'Ann Lee', email: 'ann@example.com', instagram: 'annie.styles' });
    const bob = await mk({ name: 'Bob', email: 'bob_smith@example.com' });
    const bobx = await mk({ name: 'Bobby', email: 'bobxsmith@example.com' });
    const hundred = await mk({ name: 'Carol 100% real' });
    const thousand = await mk({ name: 'Dan 1000 fans' });
    const tik = await mk({ name: 'Eve', tiktok: 'EveDances' });
    const tube = await mk({ name: 'Finn', youtube: 'FinnCooks' });
    const backslash = await mk({ name: 'Gus \\o/ Gus' });

    const search = async (q: string) => (await allMembers(api, `&q=${encodeURIComponent(q)}`)).map((m) => m.id).sort();
    expect(await search('ANN LEE')).toEqual([ann]);
    expect(await search('ANNIE.STYLES')).toEqual([ann]);
    expect(await search('Example.COM')).toEqual([ann, bob, bobx].sort());
    expect(await search('evedance')).toEqual([tik]);
    expect(await search('finncooks')).toEqual([tube]);
    expect(await search('bob_')).toEqual([bob]);
    expect(await search('100%')).toEqual([hundred]);
    expect(await search('%')).toEqual([hundred]);
    expect(await search('_')).toEqual([bob]);
    expect(await search('\\')).toEqual([backslash]);
    expect(await search('\\o/')).toEqual([backslash]);
    expect(await search('nobody')).toEqual([]);
    expect(thousand).toBeTruthy();
  });

  it('filters by tag and project', async () => {
    const { api } = await workspace(t);
    const mk = async (body: object) => (await api('POST', '/members', body)).data.id as string;
    const a = await mk({ name: 'A', tags: ['beauty', 'video'], project: 'Spring 2026' });
    const b = await mk({ name: 'B', tags: ['beauty-care'], project: 'Spring 2026' });
    const c = await mk({ name: 'C', tags: ['video'], project: 'Fall' });
    const d = await mk({ name: 'D', tags: ['50%_off'] });
    const e = await mk({ name: 'E', tags: ['VIP'] });
    const ids = async (query: string) => (await allMembers(api, query)).map((m) => m.id).sort();
    expect(await ids('&tag=beauty')).toEqual([a]);
    expect(await ids('&tag=video')).toEqual([a, c].sort());
    expect(await ids('&tag=beauty-care')).toEqual([b]);
    expect(await ids('&tag=50%25_off')).toEqual([d]);
    expect(await ids('&tag=50%25')).toEqual([]);
    // Case-insensitive like the search, and the same on both databases.
    expect(await ids('&tag=vip')).toEqual([e]);
    expect(await ids('&tag=BEAUTY')).toEqual([a]);
    expect(await ids(`&project=${encodeURIComponent('Spring 2026')}`)).toEqual([a, b].sort());
    expect(await ids('&project=Fall&tag=video')).toEqual([c]);
    expect(await ids('&project=Spring')).toEqual([]);
  });

  it('pages through members with a cursor, also under a filter', async () => {
    const { api } = await workspace(t);
    for (let i = 0; i < 7; i++) await api('POST', '/members', { name: `Page ${i}`, tags: i % 2 ? ['odd'] : [] });
    const walk = async (query: string) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: any = await api('GET', `/members?limit=2${query}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.statusCode).toBe(200);
        expect(res.data.data.length).toBeLessThanOrEqual(2);
        seen.push(...res.data.data.map((m: { id: string }) => m.id));
        cursor = res.data.nextCursor;
        pages++;
      } while (cursor && pages < 20);
      return seen;
    };
    const all = (await allMembers(api)).map((m) => m.id);
    expect(all).toHaveLength(7);
    expect(all).toEqual([...all].sort().reverse());
    expect(await walk('')).toEqual(all);
    const odd = (await allMembers(api, '&tag=odd')).map((m) => m.id);
    expect(odd).toHaveLength(3);
    expect(await walk('&tag=odd')).toEqual(odd);
  });

  it('deletes a member without activity, with their links, codes and offer membership', async () => {
    const { api } = await workspace(t);
    const offer = (await api('POST', '/offers', samplePercentOffer)).data;
    const keep = (await api('POST', '/members', { name: 'Keep' })).data;
    const gone = (await api('POST', '/members', { name: 'Gone', email: 'gone@example.com' })).data;
    const added = await api('POST', `/offers/${offer.id}/members`, {
      members: [{ memberId: keep.id }, { memberId: gone.id }],
      generateLinks: true,
      generateCodes: true,
    });
    expect(added.statusCode).toBe(200);
    const goneAdded = added.data.members.find((m: { memberId: string }) => m.memberId === gone.id);
    expect(goneAdded.links).toHaveLength(1);
    expect(goneAdded.codes).toHaveLength(1);

    const del = await api('DELETE', `/members/${gone.id}`);
    expect(del.statusCode).toBe(200);
    expect(del.data).toEqual({ deleted: true });
    expect((await api('GET', `/members/${gone.id}`)).statusCode).toBe(404);
    expect((await api('GET', `/links/${goneAdded.links[0].id}`)).statusCode).toBe(404);
    expect((await api('GET', `/codes/${goneAdded.codes[0].id}`)).statusCode).toBe(404);
    expect((await api('GET', `/links?memberId=${gone.id}`)).data.data).toEqual([]);
    expect((await api('GET', `/codes?memberId=${gone.id}`)).data.data).toEqual([]);
    const onOffer = (await api('GET', `/offers/${offer.id}/members`)).data.data.map((r: any) => r.member.id);
    expect(onOffer).toEqual([keep.id]);
    // The email and the code string are free again.
    expect((await api('POST', '/members', { name: 'New', email: 'gone@example.com' })).statusCode).toBe(201);
    expect((await api('POST', '/codes', { offerId: offer.id, code: goneAdded.codes[0].code })).statusCode).toBe(201);
    expect((await api('DELETE', `/members/${gone.id}`)).statusCode).toBe(404);
  });

  it('refuses with 409 member_has_activity to delete a member who has a click', async () => {
    const { api } = await workspace(t);
    const offer = (await api('POST', '/offers', samplePercentOffer)).data;
    const m = (await api('POST', '/members', { name: 'Clicked' })).data;
    const link = (await api('POST', `/offers/${offer.id}/members`, { members: [{ memberId: m.id }] })).data.members[0]
      .links[0];
    // Through the real redirect and click writer, so the click reaches the report rollups the link list reads.
    const res = await t.built.app.inject({
      url: `/${link.slug}`,
      headers: {
        'user-agent':
          'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
      },
    });
    expect(res.statusCode).toBe(302);
    await t.built.tracking.flush();
    const del = await api('DELETE', `/members/${m.id}`);
    expect(del.statusCode).toBe(409);
    expect(del.data.error.code).toBe('member_has_activity');
    expect((await api('GET', `/members/${m.id}`)).statusCode).toBe(200);
    expect((await api('GET', `/links/${link.id}`)).data).toMatchObject({ id: link.id, status: 'active', clicks: 1 });
    expect((await api('GET', `/offers/${offer.id}/members`)).data.data).toHaveLength(1);
  });

  describe('bulk import', () => {
    it('creates and updates from CSV, matching by email or external id', async () => {
      const { api, upload } = await workspace(t);
      const byEmail = (
        await api('POST', '/members', { name: 'Old Name', email: 'marie@example.com', reach: 10, tags: ['keep'] })
      ).data;
      const byExternal = (await api('POST', '/members', { name: 'Jamal', externalId: 'crm-7', project: 'Old project' }))
        .data;
      const csv = [
        'Name,Email,Instagram,Followers,Tags,External ID,Project',
        'Marie Kim,MARIE@example.com,@Marie.K,"48,000",,,',
        'Jamal Reed,,https://www.instagram.com/jamal.r/,,lifestyle|fitness,crm-7,',
        'Sofia,sofia@example.com,,95000,beauty;video,,Spring 2026',
        'Zoë,,,,,crm-9,',
      ].join('\r\n');
      const res = await upload('/members/import', csv, 'text/csv');
      expect(res.statusCode).toBe(200);
      expect(res.data).toEqual({ created: 2, updated: 2 });

      const members = await allMembers(api);
      expect(members).toHaveLength(4);
      const byName = (n: string) => members.find((m) => m.name === n);
      // Blank cells keep what was stored.
      expect(byName('Marie Kim')).toMatchObject({
        id: byEmail.id,
        email: 'marie@example.com',
        instagram: 'marie.k',
        reach: 48000,
        tags: ['keep'],
      });
      expect(byName('Jamal Reed')).toMatchObject({
        id: byExternal.id,
        instagram: 'jamal.r',
        tags: ['lifestyle', 'fitness'],
        project: 'Old project',
        externalId: 'crm-7',
      });
      expect(byName('Sofia')).toMatchObject({
        email: 'sofia@example.com',
        reach: 95000,
        tags: ['beauty', 'video'],
        project: 'Spring 2026',
      });
      expect(byName('Zoë')).toMatchObject({ externalId: 'crm-9', email: null });

      // Importing the same file again only updates.
      expect((await upload('/members/import', csv, 'text/csv')).data).toEqual({ created: 0, updated: 4 });
      expect(await allMembers(api)).toHaveLength(4);
    });

    it('imports XLSX the same way, with lines counted from the header', async () => {
      const { api, upload } = await workspace(t);
      await api('POST', '/members', { name: 'Existing', email: 'old@example.com' });
      const good = await xlsx([
        ['name', 'email', 'instagram', 'reach', 'tags'],
        ['Marie', 'marie@example.com', '@Marie.K', 48000, 'beauty, video'],
        ['Renamed', 'OLD@example.com', null, null, null],
      ]);
      const res = await upload('/members/import', good, XLSX);
      expect(res.statusCode).toBe(200);
      expect(res.data).toEqual({ created: 1, updated: 1 });
      const members = await allMembers(api);
      expect(members.map((m) => m.name).sort()).toEqual(['Marie', 'Renamed']);
      expect(members.find((m) => m.name === 'Marie')).toMatchObject({
        instagram: 'marie.k',
        reach: 48000,
        tags: ['beauty', 'video'],
      });

      const bad = await xlsx([
        ['name', 'email'],
        ['Fine', 'fine@example.com'],
        ['Broken', 'broken@'],
      ]);
      const badRes = await upload('/members/import', bad, XLSX);
      expect(badRes.statusCode).toBe(400);
      expect(badRes.data.error.code).toBe('import_invalid');
      expect(badRes.data.error.details).toEqual([
        expect.objectContaining({ line: 3, path: 'email', code: 'email_invalid' }),
      ]);
      expect(await allMembers(api)).toHaveLength(2);
    });

    it('is all or nothing: bad rows are listed by line and nothing is written', async () => {
      const { api, upload } = await workspace(t);
      const existing = (await api('POST', '/members', { name: 'Existing', email: 'existing@example.com' })).data;
      const csv = [
        'name,email,reach',
        'Good One,good1@example.com,10', // line 2
        'Bad Email,not-an-email,10', // line 3
        'Renamed,existing@example.com,5', // line 4: a valid update
        ',noname@example.com,1', // line 5: no name
        'Good Two,good2@example.com,20', // line 6
      ].join('\n');
      const res = await upload('/members/import', csv, 'text/csv');
      expect(res.statusCode).toBe(400);
      expect(res.data.error.code).toBe('import_invalid');
      expect(lines(res.data.error.details)).toEqual([3, 5]);
      expect(res.data.error.details).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ line: 3, path: 'email', code: 'email_invalid' }),
          expect.objectContaining({ line: 5, path: 'name', code: 'required' }),
        ]),
      );
      const members = await allMembers(api);
      expect(members).toHaveLength(1);
      expect(members[0]).toEqual(existing);
    });

    it('writes nothing when an update would take another member’s email', async () => {
      const { api, upload } = await workspace(t);
      const a = (await api('POST', '/members', { name: 'A', email: 'a@example.com', externalId: 'ext-a' })).data;
      const b = (await api('POST', '/members', { name: 'B', email: 'b@example.com' })).data;
      const csv = ['name,email,external_id', 'New,new@example.com,', 'A renamed,b@example.com,ext-a'].join('\n');
      const res = await upload('/members/import', csv, 'text/csv');
      expect(res.statusCode).toBe(400);
      expect(res.data.error.code).toBe('import_invalid');
      expect(res.data.error.details).toEqual([
        expect.objectContaining({ line: 3, path: 'email', code: 'email_taken' }),
      ]);
      const members = await allMembers(api);
      expect(members.map((m) => m.id).sort()).toEqual([a.id, b.id].sort());
      expect(members.find((m) => m.id === a.id)).toEqual(a);
    });

    it('reports an email repeated inside the file as an error of the later row', async () => {
      const { api, upload } = await workspace(t);
      const csv = ['name,email', 'A,dup@example.com', 'B,other@example.com', 'C,DUP@example.com'].join('\n');
      const res = await upload('/members/import', csv, 'text/csv');
      expect(res.statusCode).toBe(400);
      expect(res.data.error.code).toBe('import_invalid');
      expect(res.data.error.details).toEqual([
        expect.objectContaining({ line: 4, path: 'email', code: 'duplicate_in_file' }),
      ]);
      expect(await allMembers(api)).toEqual([]);
    });

    it('reads a semicolon-delimited CSV with a byte order mark', async () => {
      const { api, upload } = await workspace(t);
      const csv =
        '\uFEFFName;E-mail;TikTok;Reach\r\nMarie;marie@example.com;@marie.k;1 200\r\n"Doe; John";john@example.com;;\r\n';
      const res = await upload('/members/import', Buffer.from(csv, 'utf8'), 'text/csv; charset=utf-8');
      expect(res.statusCode).toBe(200);
      expect(res.data).toEqual({ created: 2, updated: 0 });
      const members = await allMembers(api);
      expect(members.map((m) => m.name).sort()).toEqual(['Doe; John', 'Marie']);
      expect(members.find((m) => m.name === 'Marie')).toMatchObject({
        email: 'marie@example.com',
        tiktok: 'marie.k',
        reach: 1200,
      });
    });

    it('needs a name column', async () => {
      const { api, upload } = await workspace(t);
      const res = await upload('/members/import', 'email,instagram\nmarie@example.com,marie\n', 'text/csv');
      expect(res.statusCode).toBe(400);
      expect(res.data.error.code).toBe('import_invalid');
      expect(res.data.error.details).toEqual([expect.objectContaining({ line: 1, code: 'column_missing' })]);
      expect(await allMembers(api)).toEqual([]);
    });

    it('answers 415 for a content type it cannot read', async () => {
      const { api, upload } = await workspace(t);
      const pdf = await upload('/members/import', Buffer.from('%PDF-1.4'), 'application/pdf');
      expect(pdf.statusCode).toBe(415);
      expect(pdf.data.error.code).toBe('unsupported_media_type');
      const json = await upload('/members/import', JSON.stringify([{ name: 'Marie' }]), 'application/json');
      expect(json.statusCode).toBe(415);
      expect(json.data.error.code).toBe('unsupported_media_type');
      expect(await allMembers(api)).toEqual([]);
    });

    it('accepts a CSV sent as text/plain (as curl --data-binary often does)', async () => {
      const { api, upload } = await workspace(t);
      const res = await upload('/members/import', 'name,email\nMarie,marie@example.com\n', 'text/plain');
      expect(res.statusCode).toBe(200);
      expect(res.data).toEqual({ created: 1, updated: 0 });
      expect((await allMembers(api)).map((m) => m.email)).toEqual(['marie@example.com']);
    });

    it('answers 400 file_invalid for bytes that are not a workbook', async () => {
      const { upload } = await workspace(t);
      const res = await upload('/members/import', Buffer.from('name,email\nMarie,m@example.com\n'), XLSX);
      expect(res.statusCode).toBe(400);
      expect(res.data.error.code).toBe('file_invalid');
    });
  });
});
