// The Reports page's table: a row per group, sortable by any heading (on a phone by a select, since the headings are
// hidden there), the server's totals, 100 rows drawn at a time, and the notes on how the numbers were counted.
import { useEffect, useMemo, useState, type Dispatch, type SetStateAction } from 'react';
import { formatDay, formatNumber } from '../../shared/format.js';
import type { ReportGroup } from '../../../src/contract/index.js';
import { SUB_ID_CAP } from '../../../src/core/click-rollups.js';
import { Button, SelectField } from '../../shared/ui.js';
import {
  cell,
  columnsFor,
  GROUPS,
  ROWS_SHOWN,
  sortRows,
  toggledSort,
  type Row,
  type RowSort,
  type Wire,
} from './report-table.js';

export function BreakdownTable({
  report: r,
  groupBy,
  oneCode = false,
  sort,
  onSort,
}: {
  report: Wire;
  groupBy: ReportGroup;
  /** Filtered by one promo code: no clicks (see columnsFor). */
  oneCode?: boolean;
  /** Kept by the page: a new grouping starts again as reported. */
  sort: RowSort;
  onSort: Dispatch<SetStateAction<RowSort>>;
}) {
  const [shown, setShown] = useState(ROWS_SHOWN);
  const rows = useMemo(() => sortRows(r.rows as Row[], sort), [r, sort]);
  // A new report starts again from its first rows; a new order keeps as many rows drawn as were.
  useEffect(() => setShown(ROWS_SHOWN), [r]);
  const visible = rows.length > shown ? rows.slice(0, shown) : rows;
  const toggle = (key: keyof Row) => onSort((s) => toggledSort(s, key));
  const arrow = (key: keyof Row) => (sort?.key === key ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : '');
  const ariaSort = (key: keyof Row) =>
    sort?.key === key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined;
  const groupLabel = GROUPS.find((g) => g.value === groupBy)!.label;
  const columns = columnsFor(groupBy, oneCode);

  return (
    <section className="card">
      <div className="section-head">
        <h2>By {groupLabel.toLowerCase()}</h2>
        <span className="muted small">
          {visible.length < rows.length
            ? `The first ${formatNumber(visible.length)} of ${formatNumber(rows.length)} rows`
            : `${formatNumber(rows.length)} row${rows.length === 1 ? '' : 's'}`}{' '}
          · click a heading to sort
        </span>
      </div>
      {/* The headings are hidden on a phone (rows become cards), so sorting there is a select. */}
      <div className="phone-only">
        <SelectField
          label="Sort by"
          value={sort ? `${String(sort.key)}:${sort.dir}` : ''}
          onChange={(v) => {
            const [key, dir] = v.split(':');
            onSort(key ? { key: key as keyof Row, dir: dir as 'asc' | 'desc' } : null);
          }}
          options={[
            { value: '', label: 'As reported' },
            { value: 'label:asc', label: `${groupLabel} (A–Z)` },
            ...columns.map((c) => ({ value: `${c.key}:desc`, label: `${c.label} (highest first)` })),
          ]}
        />
      </div>
      <div className="table-wrap">
        <table className="table responsive report-table">
          <thead>
            <tr>
              <th aria-sort={ariaSort('label')}>
                <button type="button" className="sort" onClick={() => toggle('label')}>
                  {groupLabel}
                  {arrow('label')}
                </button>
              </th>
              {columns.map((c) => (
                <th key={c.key} className="num" aria-sort={ariaSort(c.key)}>
                  <button type="button" className="sort" onClick={() => toggle(c.key)}>
                    {c.label}
                    {arrow(c.key)}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {visible.map((row) => (
              <tr key={row.key}>
                <td data-label={groupLabel} className="strong">
                  {groupBy === 'day' || groupBy === 'week' ? formatDay(row.key) : row.label || row.key || '(none)'}
                </td>
                {columns.map((c) => (
                  <td key={c.key} data-label={c.label} className="num">
                    {cell(row, c, r.currency)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr className="totals">
              <td data-label="Total" className="strong">
                Total
              </td>
              {columns.map((c) => (
                <td key={c.key} data-label={c.label} className="num strong">
                  {cell(r.totals, c, r.currency)}
                </td>
              ))}
            </tr>
          </tfoot>
        </table>
      </div>
      {visible.length < rows.length && (
        <div className="more">
          <Button onClick={() => setShown((n) => n + ROWS_SHOWN)}>
            Show {formatNumber(Math.min(ROWS_SHOWN, rows.length - visible.length))} more rows
          </Button>
          {rows.length - visible.length > ROWS_SHOWN && (
            <Button variant="ghost" onClick={() => setShown(rows.length)}>
              Show all {formatNumber(rows.length)} rows
            </Button>
          )}
          <span className="muted small">
            {formatNumber(rows.length - visible.length)} not shown; the export has them all.
          </span>
        </div>
      )}
      {(groupBy === 'code' || oneCode) && (
        <p className="muted small report-note" data-testid="code-clicks-note">
          Clicks belong to links; a code’s {oneCode ? 'report' : 'row'} counts the orders that used it (conversions,
          sales and commission), so this table has no clicks or click-based rates. See them by tracking link or by
          member.
        </p>
      )}
      {r.conversionsCount === 'credits' && (
        <p className="muted small report-note">
          Conversions here count credits: an order split between a link and a code counts once for each, so the rows can
          add up to more than the total.
        </p>
      )}
      {r.subIdsCapped && (
        <p className="muted small report-note" data-testid="sub-ids-capped-note">
          Some links carried more than {formatNumber(SUB_ID_CAP)} different sub-ids: the rows keep each link’s first{' '}
          {formatNumber(SUB_ID_CAP)}, and its further sub-ids are added up in the “(other)” row. Totals include them.
        </p>
      )}
      {!!r.unconverted && (
        <p className="muted small">
          {formatNumber(r.unconverted)} sale{r.unconverted === 1 ? '' : 's'} in other currencies are left out of the
          money totals: no exchange rate yet.
        </p>
      )}
      {r.source === 'raw' && (
        <p className="muted small">Counted from the raw events (this grouping or time zone has no daily summaries).</p>
      )}
    </section>
  );
}
