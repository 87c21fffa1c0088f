// SPEC §5 CSV export, streamed: a report of a million rows goes out one line at a time, never a million rows in memory.
// Formula injection: a spreadsheet runs a cell that starts with = + - @ (and tab or CR, which some strip first) as a
// formula, so "=HYPERLINK(...)" in a sub-id or a member's name would run on the reader's machine. Such text gets a
// leading ' (the same rule as safeCell in app/tabular.ts; core cannot import app), which spreadsheets show as text.
//
// Numbers are never escaped, negative ones included: String(number) can only be digits, '.', 'e' and a sign, so
// "-37.5" is a number to the spreadsheet, not a formula, and prefixing it would turn refunds and clawbacks into text
// that SUM skips. Only *strings* that look negative ("-2+3", "-5") get the quote: text is text, whatever it resembles.
// So callers pass money and counts as numbers (see reportCells) and everything user-typed as strings.

/**
 * A number printed with a set number of decimals ("59.90", "5000", "12.500"): money whose currency, and so whose
 * decimals, can differ from row to row. Like a number, never escaped.
 */
export interface FixedDecimal {
  value: number;
  decimals: number;
}

export type CsvCell = string | number | FixedDecimal | null;

/** Money in its currency's decimals, from the amount as a number of currency units. */
export const fixedDecimal = (value: number, decimals: number): FixedDecimal => ({ value, decimals });

function finite(value: number): number {
  // NaN or Infinity would reach the sheet as text; either is a bug upstream, not a value to export.
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  return value;
}

/** Excel reads a CSV as the machine's legacy code page unless it starts with a UTF-8 byte-order mark. */
export const CSV_BOM = '\uFEFF';

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One cell: formula-escaped if text, then quoted per RFC 4180 if it holds a quote, comma or line break. */
export function csvCell(cell: CsvCell): string {
  if (cell === null) return '';
  if (typeof cell === 'number') return String(finite(cell));
  if (typeof cell === 'object') return finite(cell.value).toFixed(cell.decimals);
  const text = FORMULA_START.test(cell) ? `'${cell}` : cell;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, CRLF-terminated as RFC 4180 asks. */
export function csvLine(cells: readonly CsvCell[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}

/**
 * The BOM and header line, then one line per row, pulled from `rows` only when the consumer asks for the next line:
 * at most one row is held at a time, and a slow client slows the query instead of filling memory. When the consumer
 * stops early (client gone; Readable.from calls return()), `for await` returns the source too, so a cursor behind it
 * is closed. A row whose width differs from the header's throws: a shifted column is worse than a failed export.
 */
export async function* csvRows(
  header: readonly string[],
  rows: AsyncIterable<readonly CsvCell[]> | Iterable<readonly CsvCell[]>,
): AsyncGenerator<string, void, undefined> {
  yield CSV_BOM + csvLine(header);
  let n = 0;
  for await (const row of rows) {
    n += 1;
    if (row.length !== header.length)
      throw new RangeError(`row ${n} has ${row.length} cells, the header ${header.length}`);
    yield csvLine(row);
  }
}
