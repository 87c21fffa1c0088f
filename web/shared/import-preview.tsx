// Importing a spreadsheet (members, a code roster): pick a CSV or XLSX file, see its rows and which columns are
// recognised, import. The server's imports are all or nothing and name every bad row by its line, so a failed
// import is the preview of its errors: nothing was written, each bad row is marked, and a CSV's cells can be
// fixed right here and imported again (lines keep their numbers, see csv.ts).
import { useCallback, useMemo, useState, type ReactNode } from 'react';
import { parseCsv, toCsv, type CsvSheet } from './csv.js';
import { Dialog } from './dialog.js';
import { ApiError, lineErrors, type ProblemDetail } from './errors.js';
import { Button, Checkbox, ErrorMessage } from './ui.js';

export interface ImportColumn {
  field: string;
  label: string;
  /** Header names (as normalised by the server: lower case, underscores) that mean this column. */
  names: string[];
  required?: boolean;
}

interface Props<R> {
  open: boolean;
  onClose: () => void;
  title: string;
  intro: ReactNode;
  columns: ImportColumn[];
  upload: (file: Blob, contentType: string) => Promise<R>;
  onDone: (result: R) => void;
  /** Problems visible before any upload, by field (e.g. an empty name). */
  checkRow?: (value: (field: string) => string) => ProblemDetail[];
}

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const SHOWN_ROWS = 200;

type Loaded =
  | { kind: 'csv'; name: string; file: File; sheet: CsvSheet; edited: boolean }
  | { kind: 'xlsx'; name: string; file: File };

export function ImportDialog<R>({ open, onClose, title, intro, columns, upload, onDone, checkRow }: Props<R>) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [readError, setReadError] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [serverLines, setServerLines] = useState<Map<number, ProblemDetail[]>>(new Map());
  const [onlyProblems, setOnlyProblems] = useState(false);
  const [busy, setBusy] = useState(false);

  const reset = () => {
    setLoaded(null);
    setReadError(null);
    setFailure(null);
    setServerLines(new Map());
    setOnlyProblems(false);
  };
  const close = () => {
    reset();
    onClose();
  };

  const choose = async (file: File | undefined) => {
    reset();
    if (!file) return;
    const isXlsx = /\.xlsx$/i.test(file.name) || file.type === XLSX;
    if (isXlsx) return setLoaded({ kind: 'xlsx', name: file.name, file });
    if (!/\.(csv|txt|tsv)$/i.test(file.name) && file.type && !/csv|text/.test(file.type)) {
      return setReadError('Choose a CSV file or an Excel workbook (.xlsx).');
    }
    const sheet = parseCsv(await file.text());
    if (!sheet.header.length) return setReadError('The file is empty.');
    setLoaded({ kind: 'csv', name: file.name, file, sheet, edited: false });
  };

  const fieldOfKey = useCallback((key: string) => columns.find((c) => c.names.includes(key))?.field, [columns]);
  const sheet = loaded?.kind === 'csv' ? loaded.sheet : null;
  const missing = sheet ? columns.filter((c) => c.required && !sheet.keys.some((k) => c.names.includes(k))) : [];

  const problems = useMemo(() => {
    const out = new Map<number, ProblemDetail[]>();
    if (sheet && checkRow) {
      for (const row of sheet.rows) {
        const value = (field: string) => {
          const i = sheet.keys.findIndex((k) => fieldOfKey(k) === field);
          return i < 0 ? '' : (row.cells[i] ?? '');
        };
        const found = checkRow(value);
        if (found.length) out.set(row.line, found);
      }
    }
    for (const [line, list] of serverLines) out.set(line, [...(out.get(line) ?? []), ...list]);
    return out;
  }, [sheet, serverLines, checkRow, fieldOfKey]);

  const editCell = (line: number, col: number, value: string) => {
    if (loaded?.kind !== 'csv') return;
    const rows = loaded.sheet.rows.map((r) =>
      r.line === line ? { ...r, cells: r.cells.map((c, j) => (j === col ? value : c)) } : r,
    );
    setLoaded({ ...loaded, sheet: { ...loaded.sheet, rows }, edited: true });
    // The server's verdict on this row is stale once it is edited; it is checked again on the next import.
    if (serverLines.has(line)) {
      const next = new Map(serverLines);
      next.delete(line);
      setServerLines(next);
    }
  };

  const run = async () => {
    if (!loaded) return;
    setBusy(true);
    setFailure(null);
    try {
      const body =
        loaded.kind === 'csv' && loaded.edited
          ? new Blob([toCsv(loaded.sheet.header, loaded.sheet.rows)], { type: 'text/csv' })
          : loaded.file;
      const result = await upload(body, loaded.kind === 'csv' ? 'text/csv' : XLSX);
      reset();
      onDone(result);
    } catch (e) {
      setFailure(e);
      const lines = lineErrors(e);
      setServerLines(lines);
      if (lines.size) setOnlyProblems(true);
    } finally {
      setBusy(false);
    }
  };

  const fileLevel =
    failure instanceof ApiError ? failure.details.filter((d) => d.line === undefined || d.line === 1) : [];
  const rows = sheet ? sheet.rows.filter((r) => !onlyProblems || problems.has(r.line)) : [];
  const shown = rows.filter((r, i) => i < SHOWN_ROWS || problems.has(r.line));
  const rowCount = sheet?.rows.length ?? 0;
  const blocked =
    missing.length > 0 || (loaded?.kind === 'csv' && [...problems.keys()].some((l) => !serverLines.has(l)));

  return (
    <Dialog
      open={open}
      title={title}
      onClose={close}
      wide
      onSubmit={() => void run()}
      footer={
        <>
          <Button onClick={close}>Cancel</Button>
          {loaded && (
            <Button type="submit" variant="primary" busy={busy} disabled={blocked}>
              {loaded.kind === 'csv' ? `Import ${rowCount} row${rowCount === 1 ? '' : 's'}` : 'Check and import'}
            </Button>
          )}
        </>
      }
    >
      <div className="import-intro">{intro}</div>
      <label className="file-pick">
        <span className="btn">{loaded ? 'Choose another file' : 'Choose a file'}</span>
        <input
          type="file"
          accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
          onChange={(e) => void choose(e.target.files?.[0])}
        />
        <span className="muted">{loaded ? loaded.name : 'CSV or Excel (.xlsx)'}</span>
      </label>
      {readError && (
        <p className="notice notice-error" role="alert">
          {readError}
        </p>
      )}
      {missing.length > 0 && (
        <p className="notice notice-error" role="alert">
          The file has no {missing.map((c) => `“${c.label}”`).join(' or ')} column. Add it to the first row and choose
          the file again.
        </p>
      )}
      <ErrorMessage error={failure} />
      {fileLevel.length > 0 && (
        <ul className="problems">
          {fileLevel.map((d, i) => (
            <li key={i}>{d.message}</li>
          ))}
        </ul>
      )}
      {loaded?.kind === 'xlsx' && serverLines.size > 0 && (
        <div className="table-wrap">
          <table className="table compact">
            <thead>
              <tr>
                <th>Row</th>
                <th>Problem</th>
              </tr>
            </thead>
            <tbody>
              {[...serverLines].map(([line, list]) => (
                <tr key={line} className="row-invalid">
                  <td>{line}</td>
                  <td>{list.map((d) => d.message).join(' ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="hint">Fix these rows in the workbook, save it, and choose it again.</p>
        </div>
      )}
      {sheet && (
        <>
          <div className="import-summary">
            <span>
              {rowCount} row{rowCount === 1 ? '' : 's'}
              {problems.size > 0 && <strong className="text-error"> · {problems.size} with problems</strong>}
            </span>
            {problems.size > 0 && (
              <Checkbox label="Only rows with problems" checked={onlyProblems} onChange={setOnlyProblems} />
            )}
          </div>
          {problems.size > 0 && (
            <>
              <p className="hint">
                {serverLines.size ? 'Nothing has been imported. ' : ''}Fix the marked cells below (or in your file, and
                choose it again), then import.
              </p>
              <ul className="problems" aria-label="Rows with problems">
                {[...problems]
                  .sort((a, b) => a[0] - b[0])
                  .slice(0, 10)
                  .map(([line, list]) => (
                    <li key={line}>
                      Row {line}: {list.map((d) => d.message).join(' ')}
                    </li>
                  ))}
                {problems.size > 10 && <li>…and {problems.size - 10} more rows.</li>}
              </ul>
            </>
          )}
          <div className="table-wrap preview">
            <table className="table compact">
              <thead>
                <tr>
                  <th>Row</th>
                  {sheet.header.map((h, j) => {
                    const field = fieldOfKey(sheet.keys[j]!);
                    return (
                      <th
                        key={j}
                        className={field ? '' : 'ignored'}
                        title={field ? undefined : 'Not a known column; it is ignored'}
                      >
                        {h}
                        {!field && ' (ignored)'}
                      </th>
                    );
                  })}
                  <th>Problems</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((r) => {
                  const list = problems.get(r.line) ?? [];
                  const badFields = new Set(list.map((d) => d.path));
                  return (
                    <tr key={r.line} className={list.length ? 'row-invalid' : ''} data-line={r.line}>
                      <td className="muted">{r.line}</td>
                      {r.cells.map((c, j) => {
                        const key = sheet.keys[j]!;
                        const bad = badFields.has(key) || badFields.has(fieldOfKey(key));
                        return (
                          <td key={j} className={bad ? 'cell-invalid' : ''}>
                            <input
                              aria-label={`Row ${r.line}, ${sheet.header[j]}`}
                              value={c}
                              onChange={(e) => editCell(r.line, j, e.target.value)}
                              aria-invalid={bad || undefined}
                            />
                          </td>
                        );
                      })}
                      <td className="problems-cell">
                        {list.map((d, i) => (
                          <div key={i}>{d.message}</div>
                        ))}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {rows.length > shown.length && (
            <p className="hint">
              Showing the first {SHOWN_ROWS} rows of {rows.length}; every row is imported.
            </p>
          )}
        </>
      )}
    </Dialog>
  );
}
