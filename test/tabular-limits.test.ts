// XLSX imports are zip files: a few hundred kilobytes can expand to hundreds of megabytes (a 572 KB workbook of
// 168 MB held every request for 14 s and took the process from 192 MB to 1.4 GB). A workbook is measured from its
// zip directory before anything is inflated, its real sizes are held to what it declares, its rows, columns and
// cells are counted before the spreadsheet library sees it, and it is parsed on a worker thread.
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  inspectWorkbook,
  MAX_IMPORT_CELLS,
  MAX_IMPORT_COLUMNS,
  MAX_IMPORT_ROWS,
  MAX_XLSX_RATIO,
  MAX_XLSX_UNCOMPRESSED_BYTES,
  readSheet,
  writeSheet,
} from '../src/app/tabular.js';
import { DIALECTS } from './helpers/stores.js';
import { startTestApp } from './helpers/app.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A zip of these files, deflated; `declare` overrides the uncompressed size the zip states for a file (a lying zip). */
function zip(files: Record<string, Buffer | string>, declare: Record<string, number> = {}): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content);
    const packed = zlib.deflateRawSync(data, { level: 9 });
    const nameBytes = Buffer.from(name);
    const size = declare[name] ?? data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(zlib.crc32(data), 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(8, 10);
    entry.writeUInt32LE(zlib.crc32(data), 16);
    entry.writeUInt32LE(packed.length, 20);
    entry.writeUInt32LE(size, 24);
    entry.writeUInt16LE(nameBytes.length, 28);
    entry.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    central.push(entry, nameBytes);
    offset += 30 + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The smallest workbook a spreadsheet library reads: one sheet whose XML is `sheetData` (the <row> elements). */
function workbook(sheetData: string | Buffer, declare: Record<string, number> = {}): Buffer {
  const sheet = Buffer.isBuffer(sheetData)
    ? sheetData
    : `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${sheetData}</sheetData></worksheet>`;
  return zip(
    {
      '[Content_Types].xml':
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
      '_rels/.rels':
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
      'xl/workbook.xml':
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' +
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
      'xl/_rels/workbook.xml.rels':
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
      'xl/worksheets/sheet1.xml': sheet,
    },
    declare,
  );
}

const cell = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;

/** A sheet of `rows` rows (the header and then identical rows) of `perRow` empty cells: it compresses to almost nothing. */
function emptyCells(rows: number, perRow: number): Buffer {
  const row = `<row>${'<c/>'.repeat(perRow)}</row>`;
  return Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
      `<row r="1">${cell('A1', 'name')}</row>${row.repeat(rows - 1)}</sheetData></worksheet>`,
  );
}

describe('XLSX import limits', () => {
  it('reads a hand-built workbook (the builder makes real workbooks)', async () => {
    const sheet = await readSheet(
      workbook(
        `<row r="1">${cell('A1', 'Name')}${cell('B1', 'Email')}</row><row r="2">${cell('A2', 'Ana')}${cell('B2', 'ana@example.com')}</row>`,
      ),
      'xlsx',
    );
    expect(sheet).toEqual({
      ok: true,
      value: { header: ['name', 'email'], rows: [{ line: 2, cells: { name: 'Ana', email: 'ana@example.com' } }] },
    });
  });

  it('refuses a zip bomb from its zip directory, before inflating it', async () => {
    // About 80 MB of empty cells in a few hundred kilobytes.
    const xml = emptyCells(1_400_000, 12);
    const bomb = workbook(xml);
    expect(xml.length).toBeGreaterThan(MAX_XLSX_UNCOMPRESSED_BYTES);
    expect(bomb.length).toBeLessThan(xml.length / 100);

    const inspected = inspectWorkbook(bomb);
    expect(inspected.ok).toBe(false);
    if (!inspected.ok) {
      expect(inspected.problem.code).toBe('import_too_large');
      expect(inspected.problem.message).toMatch(/MB uncompressed/);
    }
    const before = process.memoryUsage().rss;
    const read = await readSheet(bomb, 'xlsx');
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.problem.code).toBe('import_too_large');
    // Nothing was inflated: the process did not grow by the bomb's size, let alone the parser's many times that.
    expect(process.memoryUsage().rss - before).toBeLessThan(xml.length / 2);
  });

  it('refuses a file compressed far beyond what spreadsheets compress to, even when small enough', async () => {
    const xml = Buffer.alloc(Math.floor(MAX_XLSX_UNCOMPRESSED_BYTES / 2), ' ');
    const read = await readSheet(workbook(xml), 'xlsx');
    expect(read.ok).toBe(false);
    if (!read.ok) {
      expect(read.problem.code).toBe('import_too_large');
      expect(read.problem.message).toContain(`${MAX_XLSX_RATIO}`);
    }
  });

  it('refuses a workbook whose files are larger than its zip directory says', async () => {
    const xml = emptyCells(200_000, 12);
    expect(xml.length).toBeLessThan(MAX_XLSX_UNCOMPRESSED_BYTES);
    // Declared: a few kilobytes, as a modest sheet would be.
    const lying = workbook(xml, { 'xl/worksheets/sheet1.xml': 4_000 });
    expect(inspectWorkbook(lying).ok).toBe(true);
    const read = await readSheet(lying, 'xlsx');
    expect(read.ok).toBe(false);
    if (!read.ok) {
      expect(read.problem.code).toBe('import_too_large');
      expect(read.problem.message).toMatch(/larger than it declares/);
    }
  });

  it('counts rows, columns and cells before parsing, each limit with its own message', async () => {
    // A single far-away row makes a spreadsheet library build every row before it.
    const farRow = await readSheet(
      workbook(
        `<row r="1">${cell('A1', 'name')}</row><row r="${MAX_IMPORT_ROWS + 2}">${cell(`A${MAX_IMPORT_ROWS + 2}`, 'x')}</row>`,
      ),
      'xlsx',
    );
    expect(farRow).toMatchObject({
      ok: false,
      problem: { code: 'import_too_large', message: `At most ${MAX_IMPORT_ROWS} rows per import.` },
    });

    const farColumn = await readSheet(workbook(`<row r="1">${cell('A1', 'name')}${cell('XFD1', 'far')}</row>`), 'xlsx');
    expect(farColumn).toMatchObject({
      ok: false,
      problem: { code: 'import_too_large', message: `At most ${MAX_IMPORT_COLUMNS} columns per import.` },
    });

    const rows = Math.ceil(MAX_IMPORT_CELLS / 30) + 10;
    expect(rows).toBeLessThan(MAX_IMPORT_ROWS);
    // Each cell with its address, as spreadsheet applications write them (and as compresses like a real sheet).
    const letters = Array.from({ length: 30 }, (_, i) => (i < 26 ? '' : 'A') + String.fromCharCode(65 + (i % 26)));
    const addressed = Array.from(
      { length: rows - 1 },
      (_, i) => `<row r="${i + 2}">${letters.map((l) => `<c r="${l}${i + 2}"/>`).join('')}</row>`,
    ).join('');
    const manyCells = await readSheet(workbook(`<row r="1">${cell('A1', 'name')}</row>${addressed}`), 'xlsx');
    expect(manyCells).toMatchObject({
      ok: false,
      problem: {
        code: 'import_too_large',
        message: `At most ${MAX_IMPORT_CELLS.toLocaleString('en')} cells per import.`,
      },
    });

    // Exactly at the row limit is fine.
    const header = `<row r="1">${cell('A1', 'name')}</row>`;
    const atLimit = await readSheet(
      workbook(`${header}<row r="${MAX_IMPORT_ROWS + 1}">${cell(`A${MAX_IMPORT_ROWS + 1}`, 'last')}</row>`),
      'xlsx',
    );
    expect(atLimit.ok && atLimit.value.rows).toEqual([{ line: MAX_IMPORT_ROWS + 1, cells: { name: 'last' } }]);
  }, 120_000);

  it('parses a large workbook off the event loop: timers keep running while it is read', async () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => [
      `Creator ${i}`,
      `creator${i}@example.com`,
      `creator${i}`,
      String(1000 + i),
      'beauty|video',
      `crm-${i}`,
    ]);
    const file = await writeSheet('xlsx', ['name', 'email', 'instagram', 'reach', 'tags', 'external_id'], rows);
    // What a redirect needs is a turn of the event loop: count the turns taken while the workbook is read.
    let turns = 0;
    let reading = true;
    const tick = () => {
      turns++;
      if (reading) setImmediate(tick);
    };
    setImmediate(tick);
    const read = await readSheet(file, 'xlsx');
    reading = false;
    expect(read.ok && read.value.rows.length).toBe(10_000);
    expect(read.ok && read.value.rows[9_999]).toEqual({
      line: 10_001,
      cells: {
        name: 'Creator 9999',
        email: 'creator9999@example.com',
        instagram: 'creator9999',
        reach: '10999',
        tags: 'beauty|video',
        external_id: 'crm-9999',
      },
    });
    // Read on the event loop, the same workbook let it turn about 80 times; read on a worker, tens of thousands.
    expect(turns).toBeGreaterThan(1_000);
  }, 120_000);
});

describe.each(DIALECTS)('XLSX import limits through the API on %s', (kind) => {
  it('answers 413 import_too_large to a zip bomb, for members and for the code roster, and imports nothing', async () => {
    const t = await startTestApp(kind);
    try {
      const bomb = workbook(emptyCells(1_400_000, 12));
      const upload = (url: string) =>
        t.built.app.inject({
          method: 'POST',
          url: `/api/v1${url}`,
          headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': XLSX },
          payload: bomb,
        });
      const members = await upload('/members/import');
      expect(members.statusCode).toBe(413);
      expect(members.json().error.code).toBe('import_too_large');
      const offer = await t.api('POST', '/offers', {
        name: 'O',
        destinationUrl: 'https://shop.example.com/',
        payoutOptions: [{ title: 'P', type: 'percent', value: '10' }],
      });
      const roster = await upload(`/offers/${offer.data.id}/code-roster`);
      expect(roster.statusCode).toBe(413);
      expect(roster.json().error.code).toBe('import_too_large');
      expect((await t.api('GET', '/members')).data.data).toEqual([]);
    } finally {
      await t.close();
    }
  }, 120_000);
});
