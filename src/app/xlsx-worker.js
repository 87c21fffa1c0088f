// The XLSX side of app/tabular.ts, on a worker thread: inflates each file of the workbook no larger than the zip
// directory said (tabular.ts has checked those sizes), counts the sheets' rows, columns and cells, and only then
// lets the spreadsheet library parse it. Plain JavaScript: it runs unchanged from the sources and the build (as
// tracking/click-writer/sqlite-worker.js).
import { parentPort, workerData } from 'node:worker_threads';
import zlib from 'node:zlib';

const { body, entries, limits, messages } = workerData;
const file = Buffer.from(body.buffer, body.byteOffset, body.byteLength);

class Refusal extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function inflate(entry) {
  const at = entry.localHeaderOffset;
  if (at + 30 > file.length || file.readUInt32LE(at) !== 0x04034b50)
    throw new Error(`${entry.name} is missing from the zip`);
  const start = at + 30 + file.readUInt16LE(at + 26) + file.readUInt16LE(at + 28);
  const data = file.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) {
    if (data.length > entry.size) throw new Refusal('import_too_large', messages.lying);
    return data;
  }
  if (entry.method !== 8)
    throw new Error(`${entry.name} uses a compression method spreadsheets do not (${entry.method})`);
  try {
    // Inflating stops at the declared size: a file that lied about it is refused there, not after it expanded.
    return zlib.inflateRawSync(data, { maxOutputLength: Math.max(1, entry.size) });
  } catch (e) {
    if (e.code === 'ERR_BUFFER_TOO_LARGE') throw new Refusal('import_too_large', messages.lying);
    throw e;
  }
}

function columnNumber(letters) {
  let n = 0;
  for (let i = 0; i < letters.length; i++) n = n * 26 + (letters.charCodeAt(i) - 64);
  return n;
}

/**
 * Rows and cells of a sheet's XML, as a spreadsheet library would lay them out: a row's or cell's r attribute places
 * it (a single row 1,000,000 makes a library build every row before it), one without follows the previous.
 */
function count(xml, totals) {
  const tag = /<(?:\w+:)?(row|c)\b([^>]*)>/g;
  let row = 0;
  let column = 0;
  for (let m; (m = tag.exec(xml));) {
    if (m[1] === 'row') {
      const r = /\br="(\d+)"/.exec(m[2]);
      row = r ? Number(r[1]) : row + 1;
      column = 0;
      if (row > limits.rows) throw new Refusal('import_too_large', messages.rows);
    } else {
      const r = /\br="([A-Z]+)\d*"/.exec(m[2]);
      column = r ? columnNumber(r[1]) : column + 1;
      if (column > limits.columns) throw new Refusal('import_too_large', messages.columns);
      if (++totals.cells > limits.cells) throw new Refusal('import_too_large', messages.cells);
    }
  }
}

function cellText(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') {
    if ('text' in value && typeof value.text === 'string') return value.text;
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    if ('result' in value) return cellText(value.result);
    if (value instanceof Date) return value.toISOString();
    if ('hyperlink' in value) return String(value.hyperlink);
  }
  return String(value);
}

async function read() {
  const totals = { cells: 0 };
  for (const entry of entries) {
    const content = inflate(entry);
    if (/^xl\/worksheets\/[^/]+\.xml$/i.test(entry.name)) count(content.toString('latin1'), totals);
  }
  const ExcelJS = (await import('exceljs')).default;
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(file);
  const ws = wb.worksheets[0];
  if (!ws) throw new Refusal('file_invalid', 'The workbook has no sheet.');
  const table = [];
  ws.eachRow({ includeEmpty: true }, (row, n) => {
    table[n - 1] = row.values.slice(1).map(cellText);
  });
  for (let i = 0; i < table.length; i++) table[i] ??= [];
  return table;
}

read().then(
  (table) => parentPort.postMessage({ ok: true, table }),
  (e) =>
    parentPort.postMessage(
      e instanceof Refusal
        ? { ok: false, code: e.code, message: e.message }
        : { ok: false, code: 'file_invalid', message: `The file could not be read as XLSX: ${e.message}` },
    ),
);
