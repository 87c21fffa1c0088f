// CSV in the browser, for the import preview: read a file the way the server will (src/app/tabular.ts: the
// delimiter guessed from the header line, header names lower-cased with spaces as underscores, blank rows skipped,
// each row numbered by its line in the file with the header as line 1), and write the corrected rows back.
// Pure: no DOM, unit-tested on Node (test/web/csv.test.ts).

export interface CsvSheet {
  header: string[];
  /** Header names as the server reads them: "External ID" -> "external_id". */
  keys: string[];
  rows: { line: number; cells: string[] }[];
}

function detectDelimiter(firstLine: string): string {
  const counts = [',', ';', '\t'].map((d) => [d, firstLine.split(d).length] as const);
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
}

/** RFC 4180 records: quoted fields may hold delimiters, quotes ("") and line breaks. */
export function parseRecords(text: string, delimiter: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === delimiter) {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || record.length) {
    record.push(field);
    records.push(record);
  }
  return records;
}

export function normalizeHeader(h: string): string {
  return h
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

export function parseCsv(raw: string): CsvSheet {
  const text = raw.replace(/^\uFEFF/, '');
  const records = parseRecords(text, detectDelimiter(text.split(/\r?\n/, 1)[0] ?? ''));
  const [head = [], ...rest] = records;
  const header = head.map((h) => h.trim());
  const rows: CsvSheet['rows'] = [];
  rest.forEach((cells, i) => {
    if (cells.every((c) => !c.trim())) return;
    rows.push({ line: i + 2, cells: header.map((_, j) => (cells[j] ?? '').trim()) });
  });
  return { header, keys: header.map(normalizeHeader), rows };
}

function quote(v: string): string {
  return /[",\r\n]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * A CSV the server reads back with the same line numbers as the file the rows came from: the server numbers
 * records (blank ones included), so a gap left by a removed or blank row is written as an empty record.
 */
export function toCsv(header: string[], rows: { line: number; cells: string[] }[]): string {
  const out = [header.map(quote).join(',')];
  let next = 2;
  for (const row of [...rows].sort((a, b) => a.line - b.line)) {
    for (; next < row.line; next++) out.push('');
    out.push(row.cells.map(quote).join(','));
    next = row.line + 1;
  }
  return out.join('\r\n') + '\r\n';
}
