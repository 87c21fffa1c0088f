// GET /offers/:id/members searched, sorted and paged on the server (issue #16), and GET /members/:id/offers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/stores.js';
import { startTestApp, type TestApp } from './helpers/app.js';

interface Row {
  member: { id: string; name: string };
  joinedAt: string;
  codes: { code: string }[];
  numbers: { clicks: number; conversions: number; netSalesMinor: number; commissionMinor: number };
}

describe.each(DIALECTS)('offer members list on %s', (kind) => {
  let t: TestApp;
  let now = Date.UTC(2026, 10, 2, 12);
  let offerId = '';
  const ids: Record<string, string> = {};
  const codes: Record<string, string> = {};
  // 60 members named "Creator 01".."Creator 60", plus three with distinct handles, email and sales.
  beforeAll(async () => {
    t = await startTestApp(kind, {}, () => now);
    offerId = (
      await t.api('POST', '/offers', {
        name: 'Big',
        destinationUrl: 'https://shop.example.com/',
        payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
      })
    ).data.id;
    const csv =
      'name,email,instagram\r\n' +
      Array.from({ length: 60 }, (_, i) => `Creator ${String(i + 1).padStart(2, '0')},c${i + 1}@example.com,`).join(
        '\r\n',
      ) +
      '\r\nzoe Last,zoe@shop.example,\r\nAdam First,,@adam_bakes\r\nMia Middle,mia@example.org,\r\n';
    const imported = await t.built.app.inject({
      method: 'POST',
      url: '/api/v1/members/import',
      payload: csv,
      headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'text/csv' },
    });
    expect(imported.statusCode, imported.body).toBe(200);
    const all: { id: string; name: string }[] = [];
    for (let cursor: string | null = ''; cursor !== null;) {
      const page: { data: { id: string; name: string }[]; nextCursor: string | null } = (
        await t.api('GET', `/members?limit=200${cursor ? `&cursor=${cursor}` : ''}`)
      ).data;
      all.push(...page.data);
      cursor = page.nextCursor;
    }
    for (const m of all) ids[m.name] = m.id;
    // Joined one at a time, a minute apart, so "joined" has a known order: Creator 01 first, Mia Middle last.
    const order = [
      ...all
        .map((m) => m.name)
        .filter((n) => n.startsWith('Creator'))
        .sort(),
      'zoe Last',
      'Adam First',
    ];
    order.push('Mia Middle');
    for (const name of order) {
      now += 60_000;
      const r = await t.api('POST', `/offers/${offerId}/members`, {
        members: [{ memberId: ids[name] }],
        generateCodes: true,
      });
      expect(r.statusCode, r.body).toBe(200);
      codes[name] = r.data.members[0].codes[0].code;
    }
    const secret = (await t.api('GET', '/workspace')).data.postbackSecret;
    const sale = (name: string, order: string, amount: string) =>
      t.built.app.inject({ url: `/postback?${new URLSearchParams({ secret, code: codes[name]!, order, amount })}` });
    // Mia sells most, Adam once, Creator 07 twice but less money than Mia.
    expect((await sale('Mia Middle', 'M-1', '500.00')).statusCode).toBe(200);
    await sale('Adam First', 'A-1', '50.00');
    await sale('Creator 07', 'C-1', '100.00');
    await sale('Creator 07', 'C-2', '100.00');
  });
  afterAll(() => t.close());

  const list = async (query: string) => {
    const res = await t.api('GET', `/offers/${offerId}/members?${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.data as { data: Row[]; total: number; offset: number; nextCursor: string | null };
  };
  const names = (p: { data: Row[] }) => p.data.map((r) => r.member.name);

  it('pages by offset with the total, and the last page is short', async () => {
    const first = await list('limit=25&sort=name');
    expect(first.total).toBe(63);
    expect(first.data).toHaveLength(25);
    expect(names(first).slice(0, 3)).toEqual(['Adam First', 'Creator 01', 'Creator 02']);
    const third = await list('limit=25&sort=name&offset=50');
    expect(third.data).toHaveLength(13);
    expect(third.nextCursor).toBeNull();
    expect(names(third).slice(-2)).toEqual(['Mia Middle', 'zoe Last']);
    expect((await list('limit=25&sort=name&offset=63')).data).toEqual([]);
    expect((await list('limit=100&sort=name')).data).toHaveLength(63);
  });

  it('following nextCursor walks every member exactly once, under a sort by numbers too', async () => {
    for (const sort of ['joined', 'commission']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await list(`limit=25&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.data.map((r) => r.member.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toHaveLength(63);
      expect(new Set(seen).size).toBe(63);
    }
    const bad = await t.api('GET', `/offers/${offerId}/members?cursor=${Buffer.from('mem_x').toString('base64url')}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.data.error.details[0].code).toBe('cursor_invalid');
  });

  it('sorts by name either way, by joined (newest first by default), and by the numbers it shows', async () => {
    expect(names(await list('limit=2&sort=name&order=desc'))).toEqual(['zoe Last', 'Mia Middle']);
    expect(names(await list('limit=3'))).toEqual(['Mia Middle', 'Adam First', 'zoe Last']);
    expect(names(await list('limit=1&sort=joined&order=asc'))).toEqual(['Creator 01']);
    const bySales = await list('limit=3&sort=sales');
    expect(names(bySales)).toEqual(['Mia Middle', 'Creator 07', 'Adam First']);
    expect(bySales.data[0]!.numbers).toMatchObject({ conversions: 1, netSalesMinor: 50_000, commissionMinor: 5_000 });
    expect(names(await list('limit=2&sort=conversions'))).toEqual(['Creator 07', 'Adam First']);
    // Ascending numbers: the members without a sale first, by name; the biggest last.
    const asc = await list('limit=25&sort=commission&order=asc&offset=50');
    expect(names(asc).slice(-3)).toEqual(['Adam First', 'Creator 07', 'Mia Middle']);
    expect(names(await list('limit=1&sort=commission&order=asc'))).toEqual(['Creator 01']);
  });

  it('searches name, email, handle and code, case-insensitively, and counts the matches', async () => {
    const byName = await list('q=ZOE');
    expect([byName.total, ...names(byName)]).toEqual([1, 'zoe Last']);
    expect(names(await list('q=shop.example'))).toEqual(['zoe Last']);
    expect(names(await list('q=adam_bakes'))).toEqual(['Adam First']);
    expect(names(await list(`q=${codes['Creator 42']!.toLowerCase()}`))).toEqual(['Creator 42']);
    const many = await list('q=creator 1&sort=name&limit=5');
    expect(many.total).toBe(10);
    expect(names(many)).toEqual(['Creator 10', 'Creator 11', 'Creator 12', 'Creator 13', 'Creator 14']);
    // LIKE's wildcards are literal: "%" matches nobody, "_" only the handle that has one.
    expect((await list('q=%25')).total).toBe(0);
    expect(names(await list('q=_'))).toEqual(['Adam First']);
  });

  it('refuses a page size over 200 and an unknown sort without changing anything', async () => {
    expect((await t.api('GET', `/offers/${offerId}/members?limit=201`)).statusCode).toBe(400);
    expect((await t.api('GET', `/offers/${offerId}/members?sort=reach`)).statusCode).toBe(400);
    expect((await t.api('GET', `/offers/${offerId}/members?offset=-1`)).statusCode).toBe(400);
  });

  it("lists a member's offers with payout option in words, links and codes; no other member's", async () => {
    const r = await t.api('GET', `/members/${ids['Mia Middle']}/offers`);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.data.data).toHaveLength(1);
    const [o] = r.data.data;
    expect(o.offer).toMatchObject({ id: offerId, name: 'Big' });
    expect(o.payoutOption.title).toBe('10%');
    expect(o.payoutOption.description).toContain('10%');
    expect(o.codes.map((c: { code: string }) => c.code)).toEqual([codes['Mia Middle']]);
    expect(o.links).toHaveLength(1);
    const other = await t.newWorkspace('Other');
    expect((await t.api('GET', `/members/${ids['Mia Middle']}/offers`, undefined, other.apiKey)).statusCode).toBe(404);
  });
});
