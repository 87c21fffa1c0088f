// The browser's CSV reading must number rows exactly as the server does (src/app/tabular.ts), or the import
// preview would mark the wrong row; this checks both on the same files.
import { describe, expect, it } from 'vitest';
import { readSheet } from '../../src/app/tabular.js';
import { parseCsv, toCsv } from '../../web/shared/csv.js';

const FILES = {
  plain: 'name,email\r\nAnna,anna@example.com\r\nBen,ben@example.com\r\n',
  'semicolons, BOM and a blank line': '\uFEFFName;E-Mail\n\nAnna;anna@example.com\n;\nBen;ben@example.com\n',
  'quotes, commas and line breaks in cells': 'name,note\n"Lee, Anna","said ""hi""\nthen left"\nBen,\n',
  tabs: 'name\temail\nAnna\tanna@example.com\n',
};

describe('parseCsv', () => {
  for (const [what, text] of Object.entries(FILES)) {
    it(`reads ${what} with the server's header names and line numbers`, async () => {
      const server = await readSheet(Buffer.from(text), 'csv');
      if (!server.ok) throw new Error(server.problem.message);
      const browser = parseCsv(text);
      expect(browser.keys).toEqual(server.value.header);
      expect(browser.rows.map((r) => r.line)).toEqual(server.value.rows.map((r) => r.line));
      expect(browser.rows.map((r) => r.cells)).toEqual(
        server.value.rows.map((r) => server.value.header.map((h) => r.cells[h])),
      );
    });
  }

  it('keeps the original header text for display', () => {
    expect(parseCsv('External ID,Full Name\n1,A\n').header).toEqual(['External ID', 'Full Name']);
    expect(parseCsv('External ID,Full Name\n1,A\n').keys).toEqual(['external_id', 'full_name']);
  });
});

describe('toCsv', () => {
  it('writes edited rows back so that the server reads the same cells on the same lines, gaps included', async () => {
    const rows = [
      { line: 2, cells: ['Anna', 'anna@example.com'] },
      { line: 5, cells: ['Lee, "Ben"', 'multi\nline'] },
      { line: 3, cells: [' padded ', '=SUM(A1)'] },
    ];
    const server = await readSheet(Buffer.from(toCsv(['name', 'email'], rows)), 'csv');
    if (!server.ok) throw new Error(server.problem.message);
    expect(server.value.rows).toEqual([
      { line: 2, cells: { name: 'Anna', email: 'anna@example.com' } },
      { line: 3, cells: { name: 'padded', email: '=SUM(A1)' } },
      { line: 5, cells: { name: 'Lee, "Ben"', email: 'multi\nline' } },
    ]);
  });
});
