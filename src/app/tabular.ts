// Reads and writes the spreadsheets people actually send: CSV (comma, semicolon or tab) and XLSX.
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

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') {
    if ('text' in value && typeof value.text === 'string') return value.text;
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    if ('result' in value) return cellText(value.result as ExcelJS.CellValue);
    if (value instanceof Date) return value.toISOString();
    if ('hyperlink' in value) return String(value.hyperlink);
  }
  return String(value);
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
      const wb = new (await loadExcel()).Workbook();
      await wb.xlsx.load(body as unknown as ArrayBuffer);
      const ws = wb.worksheets[0];
      if (!ws) return fail('file_invalid', 'The workbook has no sheet.');
      table = [];
      ws.eachRow({ includeEmpty: true }, (row, n) => {
        const values = row.values as ExcelJS.CellValue[];
        table[n - 1] = values.slice(1).map(cellText);
      });
      for (let i = 0; i < table.length; i++) table[i] ??= [];
    }
  } catch (e) {
    return fail('file_invalid', `The file could not be read as ${format.toUpperCase()}: ${(e as Error).message}`);
  }
  const [head, ...rest] = table;
  if (!head || head.every((h) => !h.trim())) return fail('file_invalid', 'The file has no header row.');
  const header = head.map((h) => h.trim().toLowerCase().replace(/[\s-]+/g, '_'));
  if (rest.length > MAX_IMPORT_ROWS) return fail('file_too_large', `At most ${MAX_IMPORT_ROWS} rows per import.`);
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
