// SPEC §2–§3 and §7 under load: two real server processes on one PostgreSQL database, over a thousand concurrent
// conversion events for a hundred orders by every path (GET and POST postbacks, the pixel with the click as a
// parameter or a cookie), duplicated and split across the processes. One order id is one conversion, whatever
// arrives; it never pays twice; every event that reached the pipeline is kept.
import fs from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { commissionFor } from '../src/core/commission.js';
import { normalizeCode } from '../src/core/codes.js';
import { freePort, spawnServer, type ServerProcess } from './helpers/server.js';
import { createPgDatabase, PG_URL, tempDir } from './helpers/stores.js';
import { mulberry32 } from './helpers/random.js';

const UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const ORDERS = 100;
const EVENTS_PER_ORDER = 11;
/** Orders whose remaining events are sent together. */
const ORDERS_PER_WAVE = 10;

type Who = 'anna' | 'ben';
interface Scenario {
  orderId: string;
  clickOf: Who | null;
  codeOf: Who | null;
  clickId: string | null;
  amount: string;
  amountMinor: number;
}
type Path = 'postback-get' | 'postback-post' | 'pixel-param' | 'pixel-cookie';
interface Shot {
  scenario: Scenario;
  /** The event's number among its order's events. */
  j: number;
  server: number;
  path: Path;
  click: string | null;
  code: string | null;
  amount: string | null;
  currency: string | null;
  withOffer: boolean;
}

describe.runIf(PG_URL)('two server processes on one PostgreSQL database, under concurrent conversions', () => {
  it('records one conversion per order, pays each credited member once, and keeps every event', async () => {
    const database = await createPgDatabase();
    const dirs = [tempDir(), tempDir()];
    const servers: ServerProcess[] = [];
    const outputs = () => servers.map((s, i) => `--- server ${i} ---\n${s.output()}`).join('\n');
    try {
      // The first start creates the one workspace; the second finds it and creates none.
      servers.push(spawnServer(await freePort(), { DATABASE_URL: database.url, DATA_DIR: dirs[0]! }));
      const printed = await servers[0]!.ready;
      expect(printed).toContain('created an empty workspace');
      const apiKey = /API key:\s+(tpk_\w+)/.exec(printed)?.[1];
      expect(apiKey, printed).toBeTruthy();
      servers.push(spawnServer(await freePort(), { DATABASE_URL: database.url, DATA_DIR: dirs[1]! }));
      expect(await servers[1]!.ready).not.toContain('created an empty workspace');
      const [one, two] = servers as [ServerProcess, ServerProcess];

      const api = async (server: ServerProcess, method: string, url: string, body?: unknown) => {
        const res = await fetch(`${server.base}/api/v1${url}`, {
          method,
          headers: {
            authorization: `Bearer ${apiKey}`,
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
        const text = await res.text();
        expect(res.status, `${method} ${url}: ${text}`).toBeLessThan(300);
        return JSON.parse(text) as any;
      };

      const offer = await api(one, 'POST', '/offers', {
        name: 'Serum',
        destinationUrl: 'https://shop.example.com/serum',
        attributionRule: 'split',
        payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
      });
      const offerId: string = offer.id;
      const currency: string = offer.currency;
      const people = {} as Record<Who, { id: string; slug: string; code: string }>;
      for (const [who, name] of [
        ['anna', 'Anna'],
        ['ben', 'Ben'],
      ] as const) {
        const m = await api(two, 'POST', '/members', { name });
        const added = await api(one, 'POST', `/offers/${offerId}/members`, {
          members: [{ memberId: m.id }],
          generateLinks: true,
          generateCodes: true,
        });
        people[who] = { id: m.id, slug: added.members[0].links[0].slug, code: added.members[0].codes[0].code };
        expect(people[who].slug && people[who].code, JSON.stringify(added)).toBeTruthy();
      }
      const secret: string = (await api(two, 'GET', '/workspace')).postbackSecret;
      expect(secret).toBeTruthy();

      // The orders: click only, code only, click and code of different members (split), and of the same member.
      const kinds: [Who | null, Who | null][] = [
        ['anna', null],
        ['ben', null],
        [null, 'anna'],
        [null, 'ben'],
        ['anna', 'ben'],
        ['ben', 'anna'],
        ['anna', 'anna'],
      ];
      const scenarios: Scenario[] = Array.from({ length: ORDERS }, (_, i) => {
        const [clickOf, codeOf] = kinds[i % kinds.length]!;
        const minor = 1_000 + i * 137;
        return {
          orderId: `ORD-${i}`,
          clickOf,
          codeOf,
          clickId: null,
          amount: (minor / 100).toFixed(2),
          amountMinor: minor,
        };
      });

      // Real clicks over HTTP on both servers, one per order that has a click.
      const needClicks = scenarios.filter((s) => s.clickOf);
      await Promise.all(
        needClicks.map(async (s, k) => {
          const res = await fetch(`${servers[k % 2]!.base}/${people[s.clickOf!].slug}`, {
            redirect: 'manual',
            headers: { 'user-agent': UA },
          });
          expect(res.status).toBe(302);
          s.clickId = new URL(res.headers.get('location')!).searchParams.get('tp_click');
          expect(s.clickId).toBeTruthy();
        }),
      );
      // Both processes buffer clicks; wait until every one is written, so the outcome does not hang on a flush.
      const db = new pg.Client({ connectionString: database.url });
      await db.connect();
      try {
        expect(Number((await db.query('select count(*) as n from workspaces')).rows[0].n)).toBe(1);
        const clickIds = needClicks.map((s) => s.clickId!);
        for (let tries = 0; ; tries++) {
          const { rows } = await db.query<{ n: string }>('select count(*) as n from clicks where id = any($1)', [
            clickIds,
          ]);
          if (Number(rows[0]!.n) === clickIds.length) break;
          expect(tries, 'clicks were not written within 10 s').toBeLessThan(100);
          await new Promise((r) => setTimeout(r, 100));
        }

        // Each order's events: together they carry its click, its code and its amount; each alone carries part.
        // Event 0 is the first touch (the click, else the code, no amount); event 1 only brings the amount, filling
        // in an order that already has its click; the rest mix everything, with duplicates.
        const shots: Shot[] = [];
        const paths: Path[] = ['postback-get', 'postback-post', 'pixel-param', 'pixel-cookie'];
        scenarios.forEach((s, i) => {
          const clickId = s.clickId;
          const code = s.codeOf ? people[s.codeOf].code : null;
          for (let j = 0; j < EVENTS_PER_ORDER; j++) {
            const carry = j === 0 ? 1 : j === 1 ? 3 : j % 4; // 0: both, 1: the click (else the code), 2: the code (else the click), 3: neither
            const withClick = carry === 0 || (carry === 1 && clickId !== null) || (carry === 2 && code === null);
            const withCode = carry === 0 || (carry === 2 && code !== null) || (carry === 1 && clickId === null);
            const withAmount = j === 1 || (j > 1 && j % 3 !== 1);
            shots.push({
              scenario: s,
              j,
              server: (i + j) % 2,
              path: paths[(i + j) % 4]!,
              click: withClick ? clickId : null,
              // Codes are case-insensitive: some events send the code in lower case.
              code: withCode && code ? (j % 3 === 2 ? code.toLowerCase() : code) : null,
              amount: withAmount ? s.amount : null,
              currency: withAmount && j % 2 === 0 ? currency : null,
              withOffer: j % 2 === 1,
            });
          }
        });
        expect(shots.length).toBeGreaterThanOrEqual(1_000);

        const fire = async (shot: Shot): Promise<{ shot: Shot; status?: string }> => {
          const base = servers[shot.server]!.base;
          const p = new URLSearchParams({ order: shot.scenario.orderId });
          if (shot.amount) p.set('amount', shot.amount);
          if (shot.currency) p.set('currency', shot.currency);
          if (shot.code) p.set('code', shot.code);
          if (shot.path.startsWith('pixel')) {
            p.set('offer', offerId);
            const headers: Record<string, string> = { 'user-agent': UA };
            if (shot.click && shot.path === 'pixel-param') p.set('click', shot.click);
            if (shot.click && shot.path === 'pixel-cookie') headers.cookie = `tp_click=${shot.click}`;
            const res = await fetch(`${base}/px?${p}`, { headers });
            const body = Buffer.from(await res.arrayBuffer());
            expect(res.status, `${shot.path} ${p}`).toBe(200);
            expect(res.headers.get('content-type')).toBe('image/gif');
            expect(body.subarray(0, 6).toString()).toBe('GIF89a');
            return { shot };
          }
          p.set('secret', secret);
          if (shot.withOffer) p.set('offer', offerId);
          if (shot.click) p.set('click', shot.click);
          const send = () =>
            shot.path === 'postback-get'
              ? fetch(`${base}/postback?${p}`)
              : fetch(`${base}/postback`, {
                  method: 'POST',
                  headers: { 'content-type': 'application/x-www-form-urlencoded' },
                  body: p.toString(),
                });
          // A 503 (every pooled connection busy past the connect timeout, on a loaded machine) says "try again": a
          // sender retries, as the contract asks, and the event then counts once.
          let res = await send();
          for (let tries = 0; res.status === 503 && tries < 30; tries++) {
            await res.arrayBuffer();
            await new Promise((r) => setTimeout(r, 500));
            res = await send();
          }
          const text = await res.text();
          expect(res.status, `${shot.path} ${p}: ${text}`).toBe(200);
          const body = JSON.parse(text) as { status: string };
          expect(['created', 'filled_in', 'duplicate'], text).toContain(body.status);
          return { shot, status: body.status };
        };

        // Waves, each all in flight at once on both servers: the first touch of every order, then the amount of
        // every order, then groups of ORDERS_PER_WAVE orders with the rest of their events shuffled (~9 racing on each).
        const random = mulberry32(20240611);
        const shuffle = <T>(xs: T[]): T[] => {
          for (let k = xs.length - 1; k > 0; k--) {
            const r = Math.floor(random() * (k + 1));
            [xs[k], xs[r]] = [xs[r]!, xs[k]!];
          }
          return xs;
        };
        const waves: Shot[][] = [shots.filter((s) => s.j === 0), shots.filter((s) => s.j === 1)];
        for (let w = 0; w < ORDERS / ORDERS_PER_WAVE; w++) {
          waves.push(
            shots.filter((s) => {
              const i = scenarios.indexOf(s.scenario);
              return s.j > 1 && i >= w * ORDERS_PER_WAVE && i < (w + 1) * ORDERS_PER_WAVE;
            }),
          );
        }
        const answers: { shot: Shot; status?: string }[] = [];
        for (const wave of waves) answers.push(...(await Promise.all(shuffle(wave).map(fire))));
        expect(answers.length).toBe(shots.length);

        // One conversion per order, decided on the union of what its server events carried (SPEC §4: the brand's
        // server outranks the browser; only an order no server event reported is decided on its pixels).
        const conversions = (
          await db.query(
            'select id, order_id, is_test, status, click_id, code, amount_minor, currency from conversions',
          )
        ).rows;
        expect(conversions.length).toBe(ORDERS);
        expect(conversions.every((c) => Number(c.is_test) === 0)).toBe(true);
        const byOrder = new Map(conversions.map((c) => [c.order_id as string, c]));
        const orderOf = new Map(conversions.map((c) => [c.id as string, c.order_id as string]));
        const deciding = (s: Scenario) => {
          const mine = shots.filter((x) => x.scenario === s);
          const server = mine.filter((x) => x.path.startsWith('postback'));
          const used = server.length ? server : mine;
          return {
            click: used.some((x) => x.click) ? s.clickId : null,
            code: used.some((x) => x.code) ? s.codeOf : null,
            amount: used.some((x) => x.amount) ? s.amountMinor : null,
          };
        };
        for (const s of scenarios) {
          const c = byOrder.get(s.orderId);
          expect(c, s.orderId).toBeDefined();
          const d = deciding(s);
          expect(
            {
              click: c.click_id,
              code: c.code ? normalizeCode(c.code) : null,
              amount: c.amount_minor === null ? null : Number(c.amount_minor),
              status: c.status,
            },
            s.orderId,
          ).toEqual({
            click: d.click,
            code: d.code ? normalizeCode(people[d.code].code) : null,
            amount: d.amount,
            status: d.click || d.code ? 'credited' : 'unattributed',
          });
        }

        // Commissions: never one (conversion, member) twice; the live ones are exactly what the final evidence gives.
        const payout = (await db.query('select value from payout_options where offer_id = $1', [offerId])).rows;
        expect(payout.length).toBe(1);
        const rate = Number(payout[0].value);
        const commissions = (
          await db.query(
            'select conversion_id, member_id, status, source, share_bps, sale_minor, amount_minor from commissions',
          )
        ).rows;
        const pairs = commissions.map((c) => `${c.conversion_id}/${c.member_id}`);
        expect(new Set(pairs).size).toBe(pairs.length);
        const memberName = (id: string): Who =>
          id === people.anna.id ? 'anna' : id === people.ben.id ? 'ben' : (id as Who);
        for (const s of scenarios) {
          const conversionId = byOrder.get(s.orderId).id;
          const live = commissions.filter((c) => c.conversion_id === conversionId && c.status !== 'reversed');
          const d = deciding(s);
          const clickOf = d.click ? s.clickOf : null;
          const codeOf = d.code;
          const expected: { member: Who; source: string; share: number }[] =
            clickOf && codeOf && clickOf !== codeOf
              ? [
                  { member: clickOf, source: 'click', share: 5_000 },
                  { member: codeOf, source: 'code', share: 5_000 },
                ]
              : clickOf && codeOf
                ? [{ member: clickOf, source: 'click+code', share: 10_000 }]
                : clickOf
                  ? [{ member: clickOf, source: 'click', share: 10_000 }]
                  : codeOf
                    ? [{ member: codeOf, source: 'code', share: 10_000 }]
                    : [];
          const actual = live
            .map((c) => ({
              member: memberName(c.member_id),
              source: c.source,
              share: Number(c.share_bps),
              status: c.status,
              amount: Number(c.amount_minor),
            }))
            .sort((a, b) => a.member.localeCompare(b.member));
          expect(actual, s.orderId).toEqual(
            expected
              .sort((a, b) => a.member.localeCompare(b.member))
              .map((e) => ({
                ...e,
                status: 'pending',
                amount: commissionFor({
                  payout: { type: 'percent', value: rate, tiers: [] },
                  saleMinor: d.amount ?? 0,
                  shareBps: e.share,
                  conversionNumberInMonth: 1,
                }).amountMinor,
              })),
          );
          expect(
            live.reduce((sum, c) => sum + Number(c.share_bps), 0),
            s.orderId,
          ).toBe(expected.length ? 10_000 : 0);
          // The credits' parts of the sale add up to the order exactly, as in the reports.
          if (expected.length)
            expect(
              live.reduce((sum, c) => sum + Number(c.sale_minor), 0),
              s.orderId,
            ).toBe(d.amount ?? 0);
        }

        // Every request reached the pipeline and left exactly one event, on its own order's conversion (a pixel that
        // met a busy database is held and written moments later).
        for (let tries = 0; ; tries++) {
          const { rows } = await db.query<{ n: string }>('select count(*) as n from conversion_events');
          if (Number(rows[0]!.n) >= shots.length || tries >= 100) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        const events = (await db.query('select conversion_id, order_id, source, outcome from conversion_events')).rows;
        const tally = (rows: { source?: string; outcome?: string; status?: string }[], key: (r: any) => string) =>
          rows.reduce<Record<string, number>>((t, r) => ({ ...t, [key(r)]: (t[key(r)] ?? 0) + 1 }), {});
        expect(events.filter((e) => e.outcome === 'rejected')).toEqual([]);
        expect(events.length, JSON.stringify(tally(events, (e) => `${e.source}:${e.outcome}`))).toBe(shots.length);
        for (const e of events) expect(orderOf.get(e.conversion_id), JSON.stringify(e)).toBe(e.order_id);
        const postbackAnswers = answers.filter((a) => a.status !== undefined);
        expect(
          tally(
            events.filter((e) => e.source === 'postback'),
            (e) => e.outcome,
          ),
        ).toEqual(tally(postbackAnswers, (a) => a.status));
        expect(events.filter((e) => e.source === 'pixel').length).toBe(answers.length - postbackAnswers.length);
        const created = events.filter((e) => e.outcome === 'created');
        expect(created.length).toBe(ORDERS);
        expect(new Set(created.map((e) => e.conversion_id)).size).toBe(ORDERS);
      } finally {
        await db.end();
      }

      // A graceful stop of both processes.
      for (const s of servers) s.child.kill('SIGTERM');
      const codes = await Promise.all(servers.map((s) => s.exited));
      expect(codes, outputs()).toEqual([0, 0]);
      // Nothing failed quietly (the pixel logs its failures instead of answering them).
      expect(outputs()).not.toMatch(/"level":(50|60)/);
    } catch (e) {
      console.error(outputs());
      throw e;
    } finally {
      for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
      await Promise.all(servers.map((s) => s.exited));
      await database.drop();
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    }
  }, 240_000);
});
