// Attribution coverage (GET /reports/coverage): how the period's orders were backed — a click, a promo code, both,
// or nothing anyone could be credited for — as one bar, then by the path they came in on, then per browser family
// the clicks made in it and the orders that came back with one of them. A low rate in one browser (an in-app
// browser, Safari) is where click ids are lost on the way to checkout.
import type { ReactNode } from 'react';
import { api } from '../../shared/api.js';
import { formatDay, formatNumber, formatRatio } from '../../shared/format.js';
import { useResource } from '../../shared/hooks.js';
import { SOURCE_WORDS } from '../../shared/receipt-words.js';
import type { AttributionCoverage } from '../../../src/contract/index.js';
import { ErrorMessage, Loading } from '../../shared/ui.js';

const PARTS = [
  { key: 'both', label: 'Click and code', color: '#3730a3' },
  { key: 'clickOnly', label: 'Click only', color: '#6366f1' },
  { key: 'codeOnly', label: 'Code only', color: '#059669' },
  { key: 'neither', label: 'No evidence', color: '#d1d5db' },
] as const;

type Counts = AttributionCoverage['totals'];

function CoverageBar({ counts, label }: { counts: Counts; label: string }) {
  return (
    <div className="coverage-bar" role="img" aria-label={label}>
      {PARTS.map((p) =>
        counts[p.key] ? (
          <span
            key={p.key}
            style={{ flexGrow: counts[p.key], background: p.color }}
            title={`${p.label}: ${counts[p.key]}`}
          />
        ) : null,
      )}
    </div>
  );
}

/** A column of a coverage table: its heading and how a row's cell reads; the first column names the row. */
interface CoverageColumn<R> {
  label: string;
  cell: (row: R) => ReactNode;
}

const SOURCE_COLUMNS: CoverageColumn<AttributionCoverage['bySource'][number]>[] = [
  { label: 'Came in by', cell: (s) => SOURCE_WORDS[s.source] ?? s.source },
  { label: 'Orders', cell: (s) => formatNumber(s.orders) },
  { label: 'With a click', cell: (s) => formatRatio(s.clickShare) },
  { label: 'Code only', cell: (s) => formatNumber(s.codeOnly) },
  { label: 'No evidence', cell: (s) => formatNumber(s.neither) },
];

const BROWSER_COLUMNS: CoverageColumn<AttributionCoverage['byBrowser'][number]>[] = [
  {
    label: 'Clicked in',
    cell: (b) => (
      <>
        {b.family} {b.inApp && <span className="tag">in-app</span>}
      </>
    ),
  },
  { label: 'Clicks', cell: (b) => formatNumber(b.clicks) },
  { label: 'Orders with the click', cell: (b) => formatNumber(b.orders) },
  { label: 'Rate', cell: (b) => formatRatio(b.orderRate) },
];

/** A coverage table: the first column names the row, the others are numbers. */
function CoverageTable<R>({
  caption,
  columns,
  rows,
  rowKey,
}: {
  caption: string;
  columns: CoverageColumn<R>[];
  rows: R[];
  rowKey: (row: R) => string;
}) {
  return (
    <div className="table-wrap">
      <table className="table responsive">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((col, i) => (
              <th key={col.label} scope="col" className={i ? 'num' : undefined}>
                {col.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={rowKey(r)}>
              {columns.map((col, i) => (
                <td key={col.label} className={i ? 'num' : 'strong'} data-label={col.label}>
                  {col.cell(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const share = (n: number, of: number) => (of ? formatRatio(String(n / of)) : '—');

export function CoverageCard({ offerId, from, to }: { offerId?: string; from?: string; to?: string }) {
  const coverage = useResource(
    (signal) =>
      api.get<AttributionCoverage>(
        '/reports/coverage',
        { ...(offerId ? { offerId } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}) },
        signal,
      ),
    [offerId, from, to],
  );
  const c = coverage.data;
  return (
    <section className="card coverage-card" data-testid="coverage">
      <div className="section-head">
        <h2>Attribution coverage</h2>
        {c && (
          <span className="muted small">
            {formatDay(c.from)} – {formatDay(c.to)}
          </span>
        )}
      </div>
      {coverage.error ? (
        <ErrorMessage error={coverage.error} />
      ) : !c ? (
        <Loading />
      ) : c.totals.orders === 0 ? (
        <p className="muted">No orders in this period yet: coverage shows once sales arrive.</p>
      ) : (
        <>
          <p>
            <strong>{formatRatio(c.totals.clickShare)}</strong> of {formatNumber(c.totals.orders)} orders came back with
            the creator&rsquo;s click; {share(c.totals.codeOnly, c.totals.orders)} with only a promo code;{' '}
            {share(c.totals.neither, c.totals.orders)} with nothing anyone could be credited for.
          </p>
          <CoverageBar counts={c.totals} label="Orders by evidence" />
          <ul className="coverage-legend">
            {PARTS.map((p) => (
              <li key={p.key}>
                <span className="swatch" style={{ background: p.color }} aria-hidden="true" />
                {p.label} <span className="muted">{formatNumber(c.totals[p.key])}</span>
              </li>
            ))}
          </ul>
          <CoverageTable
            caption="Orders by the path they came in on"
            columns={SOURCE_COLUMNS}
            rows={c.bySource}
            rowKey={(r) => r.source}
          />
          {c.byBrowser.length > 0 && (
            <CoverageTable
              caption="Clicks and the orders that came back with them, by browser"
              columns={BROWSER_COLUMNS}
              rows={c.byBrowser}
              rowKey={(r) => r.family}
            />
          )}
          <p className="muted small">
            Orders that arrive with only a code (or nothing) after a click was made were likely stripped of their click
            id: in-app browsers and Safari keep cookies the shortest. Carrying the click id on the order (Shopify cart
            attributes, WooCommerce order attribution, Stripe&rsquo;s client_reference_id) keeps it.
          </p>
        </>
      )}
    </section>
  );
}
