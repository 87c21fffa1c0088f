// Attribution coverage (GET /reports/coverage): how the period's orders were backed — a click, a promo code, both,
// or nothing anyone could be credited for — as one bar, then by the path they came in on, then per browser family
// the clicks made in it and the orders that came back with one of them. A low rate in one browser (an in-app
// browser, Safari) is where click ids are lost on the way to checkout.
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
          <div className="table-wrap">
            <table className="table responsive">
              <caption className="visually-hidden">Orders by the path they came in on</caption>
              <thead>
                <tr>
                  <th scope="col">Came in by</th>
                  <th scope="col" className="num">
                    Orders
                  </th>
                  <th scope="col" className="num">
                    With a click
                  </th>
                  <th scope="col" className="num">
                    Code only
                  </th>
                  <th scope="col" className="num">
                    No evidence
                  </th>
                </tr>
              </thead>
              <tbody>
                {c.bySource.map((s) => (
                  <tr key={s.source}>
                    <td className="strong" data-label="Came in by">
                      {SOURCE_WORDS[s.source] ?? s.source}
                    </td>
                    <td className="num" data-label="Orders">
                      {formatNumber(s.orders)}
                    </td>
                    <td className="num" data-label="With a click">
                      {formatRatio(s.clickShare)}
                    </td>
                    <td className="num" data-label="Code only">
                      {formatNumber(s.codeOnly)}
                    </td>
                    <td className="num" data-label="No evidence">
                      {formatNumber(s.neither)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {c.byBrowser.length > 0 && (
            <div className="table-wrap">
              <table className="table responsive">
                <caption className="visually-hidden">
                  Clicks and the orders that came back with them, by browser
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Clicked in</th>
                    <th scope="col" className="num">
                      Clicks
                    </th>
                    <th scope="col" className="num">
                      Orders with the click
                    </th>
                    <th scope="col" className="num">
                      Rate
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {c.byBrowser.map((b) => (
                    <tr key={b.family}>
                      <td className="strong" data-label="Clicked in">
                        {b.family} {b.inApp && <span className="tag">in-app</span>}
                      </td>
                      <td className="num" data-label="Clicks">
                        {formatNumber(b.clicks)}
                      </td>
                      <td className="num" data-label="Orders with the click">
                        {formatNumber(b.orders)}
                      </td>
                      <td className="num" data-label="Rate">
                        {formatRatio(b.orderRate)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
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
