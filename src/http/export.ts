// Table exports (SPEC §5, issue #5): any table of cells streamed to the reply as CSV or XLSX, never held whole.
//
// The caller gives column names and an async iterable of rows; `sendExport` pulls one row at a time as the client
// reads, so a million-row export costs a page of rows and a few buffers, not the file. Backpressure:
//  - CSV: lines are batched into ~64 KiB chunks and handed to a Readable that Fastify pipes to the socket; the
//    Readable asks for the next chunk only when the socket has room.
//  - XLSX: exceljs' streaming WorkbookWriter serializes each committed row into a zip stream (archiver); its
//    internal streams do not propagate backpressure to the row source, so the producer checks what is buffered
//    between itself and the reply every few rows and waits for the reply to drain (see `inflight`).
// Either way the export yields to the event loop every few hundred rows (see `turn`).
// Formula injection: text cells starting with = + - @ tab or CR get a leading ' in both formats (csvCell/safeCell);
// numbers are written as numbers, negative ones included, so spreadsheets can sum them.
// Failure: the first row is read before any byte is sent, so a database that is down answers a plain error. A failure
// after that destroys the response (the chunked body never terminates, the client sees an aborted download), never a
// silently truncated file that looks complete.
import { PassThrough, Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type ExcelJS from 'exceljs';
import type { FastifyReply } from 'fastify';
import { CONTENT_TYPES, loadExcel, safeCell } from '../app/tabular.js';
import { CSV_BOM, csvCell, type CsvCell } from '../core/csv-stream.js';
import { fail, ok, type Result } from '../core/result.js';

export const EXPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export type ExportCell = CsvCell;

export interface ExportColumn {
  name: string;
  /**
   * Numbers in this column are money or rates with a fixed number of decimals: CSV prints them padded ("50.00"),
   * XLSX stores the number with a matching number format. Without it a number prints as JavaScript does ("49.9").
   */
  decimals?: number;
}

export interface ExportTable {
  /** The download's name without extension; reduced to [A-Za-z0-9._-]. */
  filename: string;
  columns: readonly (string | ExportColumn)[];
  /** Pulled one at a time as the client reads; returned (closed) early if the client goes away. */
  rows: AsyncIterable<readonly ExportCell[]> | Iterable<readonly ExportCell[]>;
  /** CSV only, default true: false for machine formats that take no header line (PayPal's bulk payout file). */
  header?: boolean;
  /** CSV only, default true: the UTF-8 byte-order mark Excel needs to read UTF-8. */
  bom?: boolean;
}

export interface ExportLimits {
  /** XLSX rows per sheet, header included; past it the table continues on a new sheet with the header again. */
  sheetRows?: number;
}

/** Excel's limits: 1,048,576 rows per sheet and 32,767 characters per cell. */
const XLSX_MAX_ROWS = 1_048_576;
const XLSX_MAX_CELL = 32_767;
const CSV_CHUNK = 64 * 1024;
/** Bytes allowed between the XLSX producer and the socket before it waits (archiver alone buffers up to ~2 MiB). */
const XLSX_MAX_BACKLOG = 4 * 1024 * 1024;
/** Rows between two backlog checks (and turns of the event loop). */
const XLSX_CHECK_EVERY = 256;

/** The `format` query parameter of an export route; checked by `exportFormat` so anything else has its own code. */
export function formatQuery(allowed: readonly string[] = EXPORT_FORMATS) {
  return Type.Optional(Type.String({ maxLength: 16, description: `${allowed.join(', ')} (default ${allowed[0]})` }));
}

/** Documents an export route's 200: a file, CSV or XLSX. */
export const exportResponse = {
  produces: [CONTENT_TYPES.csv.split(';')[0]!, CONTENT_TYPES.xlsx],
  fileSchema: {
    type: 'string',
    format: 'binary',
    description: 'The file, streamed: CSV (UTF-8 with a byte-order mark) or XLSX',
  },
} as const;

export function exportFormat<F extends string = ExportFormat>(
  value: string | undefined,
  allowed: readonly F[] = EXPORT_FORMATS as unknown as readonly F[],
): Result<F> {
  const format = (value ?? allowed[0]!).trim().toLowerCase() as F;
  if (allowed.includes(format)) return ok(format);
  const list = allowed.join(' or ');
  return fail('format_unsupported', `Exports come as ${list}.`, [
    { path: 'format', code: 'format_unsupported', message: `Use format=${allowed.join(' or format=')}.` },
  ]);
}

export function safeFilename(name: string): string {
  return (
    name
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '')
      .slice(0, 100) || 'export'
  );
}

/**
 * Streams the table as the reply. Reads the first row before answering, so a failure there is an ordinary error
 * reply; later failures destroy the response. Returns the reply for the route handler to return.
 */
export async function sendExport(
  reply: FastifyReply,
  format: ExportFormat,
  table: ExportTable,
  limits: ExportLimits = {},
): Promise<FastifyReply> {
  const rows = await primed(table.rows);
  const stream = exportStream(format, { ...table, rows }, limits);
  return (
    reply
      .code(200)
      .type(CONTENT_TYPES[format])
      .header('content-disposition', `attachment; filename="${safeFilename(table.filename)}.${format}"`)
      // Exports carry names and emails: no cache keeps a copy.
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .send(stream)
  );
}

/** The file as a Readable, for a reply or anything else that consumes streams (a CLI writing to disk). */
export function exportStream(format: ExportFormat, table: ExportTable, limits: ExportLimits = {}): Readable {
  const columns = table.columns.map((c) => (typeof c === 'string' ? { name: c } : c));
  return format === 'csv'
    ? csvStream(columns, table)
    : xlsxStream(columns, table.rows, limits.sheetRows ?? XLSX_MAX_ROWS);
}

/**
 * Lets the event loop run other work. On SQLite every query is synchronous, and a socket that keeps up never makes the
 * writer wait: without this an export would hold the process (redirects included) until its last row.
 */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function checkWidth(row: readonly ExportCell[], n: number, width: number): void {
  if (row.length !== width) throw new RangeError(`row ${n} has ${row.length} cells, the header ${width}`);
}

function finite(value: number): number {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  return value;
}

function fixed(value: number, decimals: number): string {
  return finite(value).toFixed(decimals);
}

function csvStream(columns: ExportColumn[], table: ExportTable): Readable {
  const decimals = columns.map((c) => c.decimals);
  const header = table.header ?? true;
  const bom = table.bom ?? true;
  // A padded number is digits, a point and maybe a sign: never quoted, never a formula (see csv-stream.ts).
  const line = (row: readonly ExportCell[]) =>
    row
      .map((cell, i) =>
        typeof cell === 'number' && decimals[i] !== undefined ? fixed(cell, decimals[i]) : csvCell(cell),
      )
      .join(',') + '\r\n';
  async function* chunks(): AsyncGenerator<string, void, undefined> {
    // The header goes out alone, at once: the download starts before the second page of rows is read.
    const head = (bom ? CSV_BOM : '') + (header ? line(columns.map((c) => c.name)) : '');
    if (head) yield head;
    let buffer = '';
    let n = 0;
    for await (const row of table.rows) {
      checkWidth(row, ++n, columns.length);
      buffer += line(row);
      if (buffer.length >= CSV_CHUNK) {
        yield buffer;
        buffer = '';
        await turn();
      }
    }
    if (buffer) yield buffer;
  }
  return Readable.from(chunks(), { objectMode: false, highWaterMark: CSV_CHUNK });
}

type Buffered = {
  _readableState?: { length?: number };
  _writableState?: { length?: number };
  writableNeedDrain?: boolean;
};
const queued = (s: unknown) =>
  ((s as Buffered | undefined)?._readableState?.length ?? 0) +
  ((s as Buffered | undefined)?._writableState?.length ?? 0);

/**
 * What the XLSX producer has written that the reply has not taken yet. exceljs 4.4 writes each sheet into a StreamBuf
 * (`sheet.stream`) that ignores backpressure and feeds archiver's entry stream (its `pipes[0]`, before deflate), and
 * archiver (`workbook.zip`) keeps accepting while its reader is paused: without this count a slow client would make
 * the whole file pile up in those buffers. These are internals of the pinned exceljs version; test/exports.test.ts
 * fails if an upgrade stops the producer from waiting.
 */
function inflight(workbook: ExcelJS.stream.xlsx.WorkbookWriter, sheet: ExcelJS.Worksheet, out: PassThrough) {
  const input = (sheet as unknown as { stream?: { buffers?: { length: number }[]; pipes?: unknown[] } }).stream;
  const entry = input?.pipes?.[0] as Buffered | undefined;
  const bytes =
    (input?.buffers ?? []).reduce((n, b) => n + b.length, 0) +
    queued(entry) +
    queued((workbook as unknown as { zip?: unknown }).zip) +
    out.writableLength +
    out.readableLength;
  return { bytes, entry: entry?.writableNeedDrain ? (entry as unknown as NodeJS.EventEmitter) : null };
}

/** Resolves on the first of these events. */
function first(...waits: [NodeJS.EventEmitter, string][]): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      for (const [emitter, event] of waits) emitter.off(event, done);
      resolve();
    };
    for (const [emitter, event] of waits) emitter.once(event, done);
  });
}

function xlsxStream(columns: ExportColumn[], rows: ExportTable['rows'], sheetRows: number): Readable {
  const out = new PassThrough({ highWaterMark: CSV_CHUNK });
  let workbook!: ExcelJS.stream.xlsx.WorkbookWriter;
  const cell = (value: ExportCell): ExcelJS.CellValue => {
    if (typeof value === 'number') return finite(value);
    if (value !== null && typeof value === 'object') return finite(value.value);
    return value === null ? null : safeCell(value).slice(0, XLSX_MAX_CELL);
  };
  // One style object per column (and per number of decimals), shared by every cell: exceljs renders the style of each
  // distinct object, which would cost more than the cell itself; a shared object is looked up once.
  const fixedStyles = new Map<number, Partial<ExcelJS.Style>>();
  const fixedStyle = (decimals: number) => {
    let style = fixedStyles.get(decimals);
    if (!style) fixedStyles.set(decimals, (style = { numFmt: decimals > 0 ? `0.${'0'.repeat(decimals)}` : '0' }));
    return style;
  };
  const styles: Partial<ExcelJS.Style>[] = columns.map((c) => (c.decimals === undefined ? {} : fixedStyle(c.decimals)));
  const bold: Partial<ExcelJS.Style> = { font: { bold: true } };
  const addRow = (sheet: ExcelJS.Worksheet, cells: readonly ExportCell[], style?: Partial<ExcelJS.Style>) => {
    const row = sheet.addRow(cells.map(cell));
    row.eachCell((c, col) => {
      const value = cells[col - 1];
      c.style = style ?? (value !== null && typeof value === 'object' ? fixedStyle(value!.decimals) : styles[col - 1]!);
    });
    row.commit();
  };
  let sheets = 0;
  const addSheet = () => {
    const sheet = workbook.addWorksheet(sheets++ === 0 ? 'Export' : `Export ${sheets}`, {
      views: [{ state: 'frozen', ySplit: 1 }],
    });
    sheet.columns = columns.map((c) => ({ width: Math.min(40, Math.max(12, c.name.length + 2)) }));
    addRow(
      sheet,
      columns.map((c) => c.name),
      bold,
    );
    return sheet;
  };
  const room = async (sheet: ExcelJS.Worksheet) => {
    await turn();
    for (;;) {
      const now = inflight(workbook, sheet, out);
      if (out.destroyed || now.bytes <= XLSX_MAX_BACKLOG) return;
      // Wait for the reply to drain (or close: client gone), or for deflate to take the queued sheet data.
      if (out.writableNeedDrain) await first([out, 'drain'], [out, 'close']);
      else if (now.entry) await first([now.entry, 'drain'], [out, 'close']);
      else await turn();
    }
  };
  const produce = async () => {
    workbook = new (await loadExcel()).stream.xlsx.WorkbookWriter({
      stream: out,
      useStyles: true,
      useSharedStrings: false,
    });
    let sheet = addSheet();
    let inSheet = 1;
    let n = 0;
    for await (const row of rows) {
      if (out.destroyed) return; // the client went away; leaving the loop closes the row source
      checkWidth(row, ++n, columns.length);
      if (inSheet === sheetRows) {
        sheet.commit();
        sheet = addSheet();
        inSheet = 1;
      }
      addRow(sheet, row);
      inSheet++;
      if (n % XLSX_CHECK_EVERY === 0) await room(sheet);
    }
    if (out.destroyed) return;
    sheet.commit();
    await workbook.commit();
  };
  produce().catch((err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))));
  return out;
}

/**
 * The same rows, with the first one already read: a source that fails at once fails here, before any byte is sent.
 * Closing the result early closes the source.
 */
async function primed(rows: ExportTable['rows']): Promise<AsyncIterable<readonly ExportCell[]>> {
  const it: AsyncIterator<readonly ExportCell[]> | Iterator<readonly ExportCell[]> =
    Symbol.asyncIterator in rows ? rows[Symbol.asyncIterator]() : rows[Symbol.iterator]();
  const head = await it.next();
  async function* rest(): AsyncGenerator<readonly ExportCell[], void, undefined> {
    let done = head.done ?? false;
    try {
      if (done) return;
      yield head.value;
      for (;;) {
        const next = await it.next();
        if (next.done) {
          done = true;
          return;
        }
        yield next.value;
      }
    } finally {
      if (!done) await it.return?.();
    }
  }
  return rest();
}
