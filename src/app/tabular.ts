// Reads and writes the spreadsheets people actually send: CSV (comma, semicolon or tab) and XLSX.
//
// An XLSX file is a zip: a few hundred kilobytes can expand to hundreds of megabytes, and a spreadsheet library
// holds every cell of it as an object (a 572 KB workbook of 168 MB once held every request for 14 s and took the
// process to 1.4 GB). So a workbook is measured from its zip directory before anything is inflated (total size and
// compression ratio), then on a worker thread its files are inflated no larger than they declared, its rows, columns
// and cells counted, and only then parsed: the event loop keeps answering redirects meanwhile.
import { Worker } from 'node:worker_threads';
import { parse } from 'csv-parse/sync';
import type ExcelJS from 'exceljs';

/**
 * exceljs, loaded on first use: importing it costs about half a second of CPU, which every start of the server and
 * every CLI command would pay for the few requests that read or write a workbook.
 */
export async function loadExcel(): Promise<typeof ExcelJS> {
  return (await import('exceljs')).default;
}
import { fail, ok, type Result } from '../core/result.js';

export type TabularFormat = 'csv' | 'xlsx';

export interface Sheet {
  /** Lower-cased, trimmed header names. */
  header: string[];
  /** Each row with its 1-based line in the file (the header is line 1). */
  rows: { line: number; cells: Record<string, string> }[];
}

export const MAX_IMPORT_ROWS = 50_000;
/** Far more than any import has (members have 11 columns, the roster fewer); a column past it is usually formatting. */
export const MAX_IMPORT_COLUMNS = 200;
/** 50,000 rows of 20 cells. */
export const MAX_IMPORT_CELLS = 1_000_000;
/** The largest import (50,000 rows of a dozen columns) is about 30 MB of XML. */
export const MAX_XLSX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024;
/** Spreadsheet XML deflates about 5 to 20 times; a file packed hundreds of times over is built to expand. */
export const MAX_XLSX_RATIO = 200;
/** The ratio is not held against small files, which compress unevenly and cost nothing to inflate. */
const RATIO_FROM_BYTES = 1024 * 1024;
/** The worker's heap: a backstop under the limits above, so a parser surprise ends the worker, not the process. */
const WORKER_HEAP_MB = 1024;

/** Where one file of the zip is and how big it says it is. */
export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const MB = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;
const tooLarge = (message: string) => fail('import_too_large', message);

/**
 * The files of a zip as its central directory lists them, checked against the limits without inflating anything.
 * Only the directory is read (ZIP64 sizes included), so a bomb costs what its directory does.
 */
export function inspectWorkbook(body: Buffer): Result<ZipEntry[]> {
  const invalid = fail('file_invalid', 'The file could not be read as XLSX: it is not a zip file.');
  let end = -1;
  for (let i = body.length - 22; i >= Math.max(0, body.length - 22 - 0xffff); i--) {
    if (body.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) return invalid;
  const count = body.readUInt16LE(end + 10);
  let at = body.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  let total = 0;
  for (let n = 0; n < count; n++) {
    if (at + 46 > body.length || body.readUInt32LE(at) !== 0x02014b50) return invalid;
    const nameLength = body.readUInt16LE(at + 28);
    const extraLength = body.readUInt16LE(at + 30);
    const entry: ZipEntry = {
      name: body.toString('utf8', at + 46, at + 46 + nameLength),
      method: body.readUInt16LE(at + 10),
      compressedSize: body.readUInt32LE(at + 20),
      size: body.readUInt32LE(at + 24),
      localHeaderOffset: body.readUInt32LE(at + 42),
    };
    // ZIP64: a size of 0xFFFFFFFF is in the extra field (id 1), in the order size, compressed size, offset.
    for (let x = at + 46 + nameLength; x + 4 <= at + 46 + nameLength + extraLength;) {
      const id = body.readUInt16LE(x);
      const length = body.readUInt16LE(x + 2);
      if (id === 1) {
        let f = x + 4;
        const next = () => {
          const v = f + 8 <= x + 4 + length ? Number(body.readBigUInt64LE(f)) : NaN;
          f += 8;
          return v;
        };
        if (entry.size === 0xffffffff) entry.size = next();
        if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
        if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = next();
      }
      x += 4 + length;
    }
    if (![entry.size, entry.compressedSize, entry.localHeaderOffset].every(Number.isSafeInteger)) return invalid;
    total += entry.size;
    if (total > MAX_XLSX_UNCOMPRESSED_BYTES) {
      return tooLarge(
        `The workbook is larger than ${MB(MAX_XLSX_UNCOMPRESSED_BYTES)} uncompressed; split it, or import it as CSV.`,
      );
    }
    if (entry.size >= RATIO_FROM_BYTES && entry.size > MAX_XLSX_RATIO * Math.max(1, entry.compressedSize)) {
      return tooLarge(
        `The workbook's ${entry.name} is compressed more than ${MAX_XLSX_RATIO} times over, which no spreadsheet is; save it again from a spreadsheet application, or import it as CSV.`,
      );
    }
    entries.push(entry);
    at += 46 + nameLength + extraLength + body.readUInt16LE(at + 32);
  }
  return ok(entries);
}

type WorkerAnswer = { ok: true; table: string[][] } | { ok: false; code: string; message: string };

/** Inflates, counts and parses the workbook on a worker thread (xlsx-worker.js). */
function parseOffThread(body: Buffer, entries: ZipEntry[]): Promise<Result<string[][]>> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./xlsx-worker.js', import.meta.url), {
      workerData: {
        body,
        entries,
        limits: { rows: MAX_IMPORT_ROWS + 1, columns: MAX_IMPORT_COLUMNS, cells: MAX_IMPORT_CELLS },
        messages: {
          rows: `At most ${MAX_IMPORT_ROWS} rows per import.`,
          columns: `At most ${MAX_IMPORT_COLUMNS} columns per import.`,
          cells: `At most ${MAX_IMPORT_CELLS.toLocaleString('en')} cells per import.`,
          lying: 'The workbook is larger than it declares; save it again from a spreadsheet application.',
        },
      },
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    let settled = false;
    const settle = (r: Result<string[][]>) => {
      if (settled) return;
      settled = true;
      resolve(r);
      void worker.terminate();
    };
    worker.once('message', (m: WorkerAnswer) => settle(m.ok ? ok(m.table) : fail(m.code, m.message)));
    worker.once('error', (e: Error & { code?: string }) =>
      settle(
        e.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? tooLarge('The workbook takes too much memory to read; split it, or import it as CSV.')
          : fail('file_invalid', `The file could not be read as XLSX: ${e.message}`),
      ),
    );
    worker.once('exit', () => settle(fail('file_invalid', 'The file could not be read as XLSX.')));
  });
}

export function formatFromContentType(contentType: string | undefined): TabularFormat | null {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct === 'text/csv' || ct === 'application/csv' || ct === 'text/plain') return 'csv';
  if (ct === 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet') return 'xlsx';
  return null;
}

function detectDelimiter(firstLine: string): string {
  const counts = [',', ';', '\t'].map((d) => [d, firstLine.split(d).length] as const);
  return counts.sort((a, b) => b[1] - a[1])[0]![0];
}

export async function readSheet(body: Buffer, format: TabularFormat): Promise<Result<Sheet>> {
  let table: string[][];
  try {
    if (format === 'csv') {
      const text = body.toString('utf8').replace(/^\uFEFF/, '');
      table = parse(text, {
        delimiter: detectDelimiter(text.split(/\r?\n/, 1)[0] ?? ''),
        relax_column_count: true,
        skip_empty_lines: false,
      }) as string[][];
    } else {
      const entries = inspectWorkbook(body);
      if (!entries.ok) return entries;
      const parsed = await parseOffThread(body, entries.value);
      if (!parsed.ok) return parsed;
      table = parsed.value;
    }
  } catch (e) {
    return fail('file_invalid', `The file could not be read as ${format.toUpperCase()}: ${(e as Error).message}`);
  }
  const [head, ...rest] = table;
  if (!head || head.every((h) => !h.trim())) return fail('file_invalid', 'The file has no header row.');
  const header = head.map((h) =>
    h
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_'),
  );
  if (rest.length > MAX_IMPORT_ROWS) return tooLarge(`At most ${MAX_IMPORT_ROWS} rows per import.`);
  const rows: Sheet['rows'] = [];
  rest.forEach((cells, i) => {
    if (cells.every((c) => !String(c ?? '').trim())) return;
    const record: Record<string, string> = {};
    header.forEach((h, j) => (record[h] = String(cells[j] ?? '').trim()));
    rows.push({ line: i + 2, cells: record });
  });
  return ok({ header, rows });
}

/** A cell a spreadsheet would run as a formula gets a leading quote (CSV/formula injection). */
export function safeCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export async function writeSheet(format: TabularFormat, header: string[], rows: string[][]): Promise<Buffer> {
  if (format === 'csv') {
    const quote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    const lines = [header, ...rows].map((r) => r.map((v) => quote(safeCell(v))).join(','));
    return Buffer.from('\uFEFF' + lines.join('\r\n') + '\r\n');
  }
  const wb = new (await loadExcel()).Workbook();
  const ws = wb.addWorksheet('Sheet1');
  ws.addRow(header).font = { bold: true };
  for (const r of rows) ws.addRow(r.map(safeCell));
  ws.columns.forEach((c) => (c.width = 22));
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export const CONTENT_TYPES: Record<TabularFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};
