// One offer: its numbers, payout options and members (link, code, payout option, numbers); add members, email
// them, export and import the code roster.
import { useEffect, useRef, useState } from 'react';
import { api } from '../../shared/api.js';
import { LazyTimeSeries } from '../../shared/charts/index.js';
import { useToast } from '../../shared/dialog.js';
import {
  describePayout,
  formatAmount,
  formatDay,
  formatShortDay,
  formatMoney,
  formatNumber,
  formatRatio,
} from '../../shared/format.js';
import { useDebounced, useResource } from '../../shared/hooks.js';
import { useListQuery } from '../../shared/list-query.js';
import { Pager } from '../../shared/pager.js';
import { usePageTitle } from '../../shared/title.js';
import { Link } from '../../shared/router.js';
import { dayOf } from '../../shared/zoned.js';
import type { Member, Offer, OfferMemberPage, OfferMemberSort } from '../../../src/contract/index.js';
import { Button, EmptyState, ErrorMessage, Loading, PageHeader, Stat, StatusBadge } from '../../shared/ui.js';
import { useCanEdit, useTimeZone } from '../auth.js';
import { AddMembersDialog } from '../offer/add-members-dialog.js';
import { EmailMembersDialog } from '../offer/email-dialog.js';
import { OfferMembersTable } from '../offer/members-table.js';
import { RosterActions } from '../offer/roster.js';
import { OfferStatusActions } from '../offer-actions.js';
import { CoverageCard } from '../reports/coverage-card.js';
import { loadReport } from '../reports.js';
import type { PageProps } from '../../shared/routes.js';

const SORTS = ['name', 'joined', 'clicks', 'conversions', 'sales', 'commission'] as const;
const DEFAULTS = {
  sort: 'joined' as OfferMemberSort,
  order: (s: OfferMemberSort) => (s === 'name' ? 'asc' : 'desc'),
} as const;

export default function OfferDetail({ params }: PageProps) {
  const id = params.id!;
  const canEdit = useCanEdit();
  const timeZone = useTimeZone();
  const toast = useToast();
  const [dialog, setDialog] = useState<'' | 'add' | 'email'>('');
  // Chosen members by id, kept across pages and searches so "Email 3 selected" means the three ticked.
  const [selected, setSelected] = useState<Map<string, Member>>(new Map());
  const [query, setQuery] = useListQuery<OfferMemberSort>(SORTS, DEFAULTS);
  const [typed, setTyped] = useState(query.q);
  const search = useDebounced(typed, 300);
  // The debounced search goes to the address (replacing the entry, back to page 1); back or a link sets the box.
  const shownQuery = useRef(query.q);
  shownQuery.current = query.q;
  useEffect(() => {
    if (search.trim() !== shownQuery.current.trim()) setQuery({ q: search.trim(), page: 1 }, { replace: true });
  }, [search, setQuery]);
  useEffect(() => {
    if (query.q !== search.trim()) setTyped(query.q);
    // Only the address's changes (back, a link) flow into the box.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [query.q]);
  const offer = useResource((signal) => api.get<Offer>(`/offers/${id}`, undefined, signal), [id]);
  const trend = useResource((signal) => loadReport('day', { offerId: id }, signal), [id]);
  const members = useResource(
    (signal) =>
      api.get<OfferMemberPage>(
        `/offers/${id}/members`,
        {
          q: query.q || undefined,
          sort: query.sort,
          order: query.order,
          limit: query.size,
          offset: (query.page - 1) * query.size,
        },
        signal,
      ),
    [id, query.q, query.sort, query.order, query.page, query.size],
  );
  usePageTitle(offer.data?.name);
  // A page past the end (an old bookmark, members removed since) shows the last page instead of nothing.
  const pastEnd = !!members.data && !members.data.data.length && members.data.total > 0 && query.page > 1;
  const lastPage = Math.max(1, Math.ceil((members.data?.total ?? 0) / query.size));
  useEffect(() => {
    if (pastEnd) setQuery({ page: lastPage }, { replace: true });
  }, [pastEnd, lastPage, setQuery]);

  if (offer.error) return <ErrorMessage error={offer.error} onRetry={offer.reload} />;
  if (!offer.data) return <Loading label="Loading the offer…" />;
  const o = offer.data;
  const rows = members.data?.data ?? [];
  const total = members.data?.total ?? 0;
  const anyMembers = total > 0 || !!query.q;
  const select = (list: Member[], on: boolean) =>
    setSelected((cur) => {
      const next = new Map(cur);
      for (const m of list) {
        if (on) next.set(m.id, m);
        else next.delete(m.id);
      }
      return next;
    });
  const sortBy = (key: OfferMemberSort) =>
    setQuery({
      sort: key,
      order: query.sort === key ? (query.order === 'asc' ? 'desc' : 'asc') : DEFAULTS.order(key),
      page: 1,
    });
  const totals = trend.data?.totals;
  const currency = trend.data?.currency ?? o.currency;
  const chosen = [...selected.values()];
  const allLoaded = !!members.data && !query.q && rows.length === total;

  return (
    <>
      <PageHeader
        back={<Link to="/offers">← Offers</Link>}
        title={
          <>
            {o.name} <StatusBadge status={o.status} />
          </>
        }
        subtitle={
          <>
            Sends shoppers to <span className="break">{o.destinationUrl}</span>
            {o.endsAt && <> · ends {formatDay(dayOf(o.endsAt, trend.data?.timezone))}</>}
          </>
        }
        actions={
          canEdit && (
            <>
              <Link to={`/offers/${o.id}/edit`} className="btn">
                Edit
              </Link>
              <OfferStatusActions offer={o} onChange={offer.set} />
            </>
          )
        }
      />
      {o.status !== 'active' && (
        <p className="notice notice-warning">
          {o.status === 'paused' ? 'This offer is paused' : 'This offer is archived'}: links still redirect, but clicks
          and sales are not credited.
        </p>
      )}

      <section className="card">
        <div className="section-head">
          <h2>Performance</h2>
          {trend.data && (
            <span className="muted small">
              {formatDay(trend.data.from)} – {formatDay(trend.data.to)}
            </span>
          )}
        </div>
        <div className="stats">
          <Stat label="Clicks" value={formatNumber(totals ? totals.clicks : (o.clicks ?? 0))} />
          <Stat label="Conversions" value={totals ? formatNumber(totals.conversions) : '—'} />
          <Stat label="Conversion rate" value={totals ? formatRatio(totals.conversionRate) : '—'} />
          <Stat
            label="Sales"
            value={totals ? formatMoney(totals.netSalesMinor, currency) : '—'}
            hint="Net of refunds"
          />
          <Stat label="Commission" value={totals ? formatMoney(totals.commissionMinor, currency) : '—'} />
        </div>
        {trend.data && trend.data.rows.some((r) => r.clicks || r.conversions) ? (
          <LazyTimeSeries
            rows={trend.data.rows as unknown as Record<string, unknown>[]}
            x="key"
            formatX={formatShortDay}
            series={[
              { key: 'clicks', label: 'Clicks', color: '#4338ca' },
              { key: 'conversions', label: 'Conversions', color: '#059669' },
            ]}
          />
        ) : (
          !trend.loading && (
            <p className="muted">
              {trend.data
                ? 'No clicks or conversions in this period yet. Share the members’ links to get started.'
                : 'Charts appear here once reports are available on this server.'}
            </p>
          )
        )}
      </section>

      <CoverageCard offerId={id} />

      <section className="card">
        <h2>Payout options</h2>
        <ul className="payout-list">
          {o.payoutOptions.map((p) => (
            <li key={p.id}>
              <span className="strong">{p.title}</span>
              {p.default && <span className="tag">default</span>}{' '}
              <span className="muted">{describePayout(p, o.currency, o.conversionType)}</span>
            </li>
          ))}
        </ul>
        <p className="muted small">
          Commissions are held {o.holdDays} day{o.holdDays === 1 ? '' : 's'} before approval · cookie window{' '}
          {o.cookieWindowDays} days · tracked by{' '}
          {o.trackingMethods.map((m) => (m === 'link' ? 'links' : 'promo codes')).join(' and ')} · codes reported by the
          browser without a click {o.browserCodeCredit ? 'are credited' : 'wait for review'}
          {o.browserAmountLimit ? (
            <> · browser-reported orders above {formatAmount(o.browserAmountLimit, o.currency)} wait for review</>
          ) : null}
          {o.recurring && o.recurring.mode !== 'none' ? (
            <>
              {' '}
              · subscription renewals pay{' '}
              {o.recurring.mode === 'months' ? `for the first ${o.recurring.months ?? 0} months` : 'for life'}
              {o.recurring.maxInvoices ? `, at most ${o.recurring.maxInvoices} paid invoices` : ''}
            </>
          ) : null}
        </p>
      </section>

      <section className="card">
        <div className="section-head">
          <h2>Members</h2>
          <div className="actions">
            {canEdit && o.status !== 'archived' && (
              <Button variant="primary" onClick={() => setDialog('add')}>
                Add members
              </Button>
            )}
            {canEdit && anyMembers && (
              <Button onClick={() => setDialog('email')}>
                {chosen.length ? `Email ${chosen.length} selected` : 'Email members'}
              </Button>
            )}
          </div>
        </div>
        {anyMembers && <RosterActions offer={o} canEdit={canEdit} onImported={members.reload} />}
        {anyMembers && (
          <div className="toolbar">
            <input
              type="search"
              className="search"
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              placeholder="Search by name, email, handle or code"
              aria-label="Search this offer's members"
            />
            {members.data && (
              <span className="muted small">
                Numbers: {formatDay(members.data.period.from)} – {formatDay(members.data.period.to)}
              </span>
            )}
          </div>
        )}
        {members.loading && !members.data && <Loading label="Loading members…" />}
        <ErrorMessage error={members.error} onRetry={members.reload} />
        {members.data && !total && query.q && (
          <EmptyState title="No member matches">
            Nobody on this offer has a name, email, handle or code containing “{query.q}”.
          </EmptyState>
        )}
        {members.data && !anyMembers && (
          <EmptyState
            title="No members on this offer yet"
            action={
              canEdit &&
              o.status !== 'archived' && (
                <Button variant="primary" onClick={() => setDialog('add')}>
                  Add members
                </Button>
              )
            }
          >
            Add the creators who will promote it: each gets a tracking link and a promo code to share.
          </EmptyState>
        )}
        {rows.length > 0 && members.data && (
          <OfferMembersTable
            offer={o}
            rows={rows}
            currency={members.data.period.currency}
            timeZone={timeZone}
            query={query}
            onSort={sortBy}
            selectable={canEdit}
            selected={new Set(selected.keys())}
            onSelect={select}
          />
        )}
        {total > 0 && (
          <Pager
            page={query.page}
            size={query.size}
            total={total}
            offset={members.data?.offset ?? 0}
            shown={rows.length}
            label="Members"
            onPage={(page) => setQuery({ page })}
            onSize={(size) => setQuery({ size, page: 1 })}
          />
        )}
      </section>

      {canEdit && (
        <>
          <AddMembersDialog
            offer={o}
            onOffer={new Map(rows.map((r) => [r.member.id, r.payoutOptionId]))}
            open={dialog === 'add'}
            onClose={() => setDialog('')}
            onDone={(r) => {
              setDialog('');
              const links = r.members.reduce((n, m) => n + m.links.length, 0);
              const codes = r.members.reduce((n, m) => n + m.codes.length, 0);
              toast(
                `${r.added} member${r.added === 1 ? '' : 's'} added${r.updated ? `, ${r.updated} updated` : ''}: ${links} link${links === 1 ? '' : 's'} and ${codes} code${codes === 1 ? '' : 's'} created.`,
              );
              members.reload();
            }}
          />
          <EmailMembersDialog
            offer={o}
            selected={chosen}
            withoutEmail={allLoaded ? rows.filter((r) => !r.member.email).length : null}
            open={dialog === 'email'}
            onClose={() => setDialog('')}
            onSent={(text) => {
              setDialog('');
              setSelected(new Map());
              toast(text);
            }}
          />
        </>
      )}
    </>
  );
}
