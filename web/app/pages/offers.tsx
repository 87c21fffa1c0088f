// Offers: every promotion with its status and the last 30 days' numbers; create, pause, resume, archive.
import { api, type Query } from '../../shared/api.js';
import { formatDay, formatMoney, formatNumber } from '../../shared/format.js';
import { useResource } from '../../shared/hooks.js';
import { Link, useQueryParam } from '../../shared/router.js';
import type { Offer, Page, ReportMetrics } from '../../../src/contract/index.js';
import { EmptyState, ErrorMessage, Loading, PageHeader, StatusBadge, Tabs } from '../../shared/ui.js';
import { useCanEdit } from '../auth.js';
import { OfferStatusActions } from '../offer-actions.js';
import { GetStarted } from '../setup-checklist.js';
import { loadReport, rowsByKey } from '../reports.js';
import type { PageProps } from '../../shared/routes.js';
import { useState } from 'react';

/** An offer with no activity in the report's range has no row: it did nothing, which is zero, not unknown. */
const NOTHING: Pick<ReportMetrics, 'clicks' | 'conversions' | 'netSalesMinor' | 'commissionMinor'> = {
  clicks: 0,
  conversions: 0,
  netSalesMinor: 0,
  commissionMinor: 0,
};

type Filter = '' | 'active' | 'paused' | 'archived';
const FILTERS: { value: Filter; label: string }[] = [
  { value: '', label: 'All' },
  { value: 'active', label: 'Active' },
  { value: 'paused', label: 'Paused' },
  { value: 'archived', label: 'Archived' },
];

function host(url: string): string {
  try {
    return new URL(url.replace(/\{[a-z_]+\}/g, 'x')).host;
  } catch {
    return url;
  }
}

export default function Offers(_: PageProps) {
  const canEdit = useCanEdit();
  const [status, setStatus] = useQueryParam('status');
  const [extra, setExtra] = useState<{ offers: Offer[]; cursor: string | null } | null>(null);
  const offers = useResource(
    async (signal) => {
      setExtra(null);
      const q: Query = { limit: 100, status: status || undefined };
      const [page, report] = await Promise.all([
        api.get<Page<Offer>>('/offers', q, signal),
        loadReport('offer', {}, signal),
      ]);
      return { page, report };
    },
    [status],
  );

  const list = [...(offers.data?.page.data ?? []), ...(extra?.offers ?? [])];
  const cursor = extra ? extra.cursor : (offers.data?.page.nextCursor ?? null);
  const numbers = rowsByKey(offers.data?.report ?? null);
  const report = offers.data?.report ?? null;
  const replace = (o: Offer) => {
    if (!offers.data) return;
    const page = { ...offers.data.page, data: offers.data.page.data.map((x) => (x.id === o.id ? o : x)) };
    offers.set({ ...offers.data, page });
    if (extra) setExtra({ ...extra, offers: extra.offers.map((x) => (x.id === o.id ? o : x)) });
  };
  const more = async () => {
    const page = await api.get<Page<Offer>>('/offers', { limit: 100, status: status || undefined, cursor });
    setExtra({ offers: [...(extra?.offers ?? []), ...page.data], cursor: page.nextCursor });
  };

  return (
    <>
      <PageHeader
        title="Offers"
        subtitle={
          report
            ? `Numbers from ${formatDay(report.from)} to ${formatDay(report.to)}`
            : 'The promotions your creators drive sales to'
        }
        actions={
          canEdit && (
            <Link to="/offers/new" className="btn btn-primary">
              New offer
            </Link>
          )
        }
      />
      <GetStarted onProgress={offers.reload} />
      <Tabs label="Show offers" value={status as Filter} options={FILTERS} onChange={setStatus} />
      {offers.loading && !offers.data && <Loading label="Loading offers…" />}
      <ErrorMessage error={offers.error} onRetry={offers.reload} />
      {offers.data &&
        !list.length &&
        (status ? (
          <EmptyState title={`No ${status} offers`}>
            Offers you {status === 'active' ? 'create or resume' : status === 'paused' ? 'pause' : 'archive'} show up
            here.
          </EmptyState>
        ) : (
          <EmptyState
            title="No offers yet"
            action={
              canEdit && (
                <Link to="/offers/new" className="btn btn-primary">
                  Create your first offer
                </Link>
              )
            }
          >
            An offer is a promotion your creators send traffic to: a destination, how sales are tracked, and what
            creators earn.
          </EmptyState>
        ))}
      {list.length > 0 && (
        <div className="table-wrap">
          <table className="table responsive">
            <thead>
              <tr>
                <th>Offer</th>
                <th>Status</th>
                <th className="num">Clicks</th>
                <th className="num">Conversions</th>
                <th className="num">Sales</th>
                <th className="num">Commission</th>
                {canEdit && (
                  <th>
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {list.map((o) => {
                const n = report ? (numbers.get(o.id) ?? NOTHING) : undefined;
                return (
                  <tr key={o.id}>
                    <td data-label="Offer">
                      <Link to={`/offers/${o.id}`} className="strong">
                        {o.name}
                      </Link>
                      <div className="muted small">{host(o.destinationUrl)}</div>
                    </td>
                    <td data-label="Status">
                      <StatusBadge status={o.status} />
                    </td>
                    <td data-label="Clicks" className="num">
                      {formatNumber(n ? n.clicks : (o.clicks ?? null))}
                    </td>
                    <td data-label="Conversions" className="num">
                      {n ? formatNumber(n.conversions) : '—'}
                    </td>
                    <td data-label="Sales" className="num">
                      {n && report ? formatMoney(n.netSalesMinor, report.currency) : '—'}
                    </td>
                    <td data-label="Commission" className="num">
                      {n && report ? formatMoney(n.commissionMinor, report.currency) : '—'}
                    </td>
                    {canEdit && (
                      <td className="row-actions">
                        <Link to={`/offers/${o.id}/edit`} className="btn btn-small">
                          Edit
                        </Link>
                        <OfferStatusActions offer={o} onChange={replace} compact />
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {cursor && (
        <div className="more">
          <button type="button" className="btn" onClick={() => void more()}>
            Show more offers
          </button>
        </div>
      )}
      {offers.data && !report && list.length > 0 && (
        <p className="muted small">
          Conversions and sales appear here once reports are available on this server; clicks are counted since the
          offer began.
        </p>
      )}
    </>
  );
}
