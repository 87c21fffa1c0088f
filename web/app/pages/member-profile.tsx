// One member: who they are (edit), the offers they are on with payout option, links and codes, their numbers over a
// period, their commissions and the payout batches that paid them. Every read names this member's id.
import { useState } from 'react';
import { api } from '../../shared/api.js';
import { useToast } from '../../shared/dialog.js';
import { formatAmount, formatDate, formatDay, formatMoney, formatNumber } from '../../shared/format.js';
import { useResource } from '../../shared/hooks.js';
import { Link, useQueryParam } from '../../shared/router.js';
import { usePageTitle } from '../../shared/title.js';
import { dayOf } from '../../shared/zoned.js';
import type { Commission, Member, MemberOffer, Page, PayoutBatch, Report } from '../../../src/contract/index.js';
import {
  Button,
  CopyButton,
  EmptyState,
  ErrorMessage,
  Loading,
  PageHeader,
  SelectField,
  Stat,
  StatusBadge,
} from '../../shared/ui.js';
import { useCanEdit, useTimeZone } from '../auth.js';
import { handles } from '../members/handles.js';
import { MemberDialog } from '../members/member-dialog.js';
import type { PageProps } from '../../shared/routes.js';

const PERIODS = [
  { value: '7', label: 'Last 7 days' },
  { value: '30', label: 'Last 30 days' },
  { value: '90', label: 'Last 90 days' },
  { value: '365', label: 'Last 365 days' },
] as const;

function daysBefore(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d - n)).toISOString().slice(0, 10);
}

export default function MemberProfile({ params }: PageProps) {
  const id = params.id!;
  const canEdit = useCanEdit();
  const timeZone = useTimeZone();
  const toast = useToast();
  const [editing, setEditing] = useState(false);
  const [period, setPeriod] = useQueryParam('days');
  const days = PERIODS.some((p) => p.value === period) ? Number(period) : 30;
  const member = useResource((signal) => api.get<Member>(`/members/${id}`, undefined, signal), [id]);
  const offers = useResource(
    (signal) => api.get<{ data: MemberOffer[] }>(`/members/${id}/offers`, undefined, signal),
    [id],
  );
  const report = useResource(
    (signal) => {
      const to = dayOf(new Date().toISOString(), timeZone);
      return api.get<Report>(
        '/reports',
        { groupBy: 'offer', memberId: id, from: daysBefore(to, days - 1), to },
        signal,
      );
    },
    [id, days, timeZone],
  );
  const [more, setMore] = useState<{ rows: Commission[]; cursor: string | null } | null>(null);
  const commissions = useResource(
    (signal) => {
      setMore(null);
      return api.get<Page<Commission>>('/commissions', { memberId: id, limit: 25 }, signal);
    },
    [id],
  );
  const payouts = useResource(
    (signal) => api.get<Page<PayoutBatch>>('/payout-batches', { memberId: id, limit: 100 }, signal),
    [id],
  );
  usePageTitle(member.data?.name);

  if (member.error) return <ErrorMessage error={member.error} onRetry={member.reload} />;
  if (!member.data) return <Loading label="Loading the member…" />;
  const m = member.data;
  const offerName = new Map((offers.data?.data ?? []).map((o) => [o.offer.id, o.offer.name]));
  const commissionRows = [...(commissions.data?.data ?? []), ...(more?.rows ?? [])];
  const cursor = more ? more.cursor : (commissions.data?.nextCursor ?? null);
  const loadMore = async () => {
    const page = await api.get<Page<Commission>>('/commissions', { memberId: id, limit: 25, cursor });
    setMore({ rows: [...(more?.rows ?? []), ...page.data], cursor: page.nextCursor });
  };
  const totals = report.data?.totals;
  const currency = report.data?.currency ?? '';

  return (
    <>
      <PageHeader
        back={<Link to="/members">← Members</Link>}
        title={<span data-testid="profile-name">{m.name}</span>}
        subtitle={[m.email, handles(m)].filter(Boolean).join(' · ') || 'No email or handle'}
        zone={timeZone}
        actions={canEdit && <Button onClick={() => setEditing(true)}>Edit</Button>}
      />
      {(m.project || m.tags.length > 0 || m.reach !== null) && (
        <p className="muted small">
          {[
            m.reach !== null ? `${formatNumber(m.reach)} followers` : '',
            m.project ? `Project ${m.project}` : '',
            m.tags.length ? `Tags: ${m.tags.join(', ')}` : '',
          ]
            .filter(Boolean)
            .join(' · ')}
        </p>
      )}

      <section className="card">
        <div className="section-head">
          <h2>Performance</h2>
          <div className="profile-period">
            <SelectField label="Period" value={String(days)} onChange={setPeriod} options={[...PERIODS]} />
          </div>
        </div>
        <ErrorMessage error={report.error} onRetry={report.reload} />
        {report.loading && !report.data && <Loading label="Loading numbers…" />}
        {report.data && (
          <>
            <p className="muted small">
              {formatDay(report.data.from)} – {formatDay(report.data.to)}
            </p>
            <div className="stats" data-testid="profile-stats">
              <Stat label="Clicks" value={formatNumber(totals?.clicks ?? 0)} />
              <Stat label="Orders" value={formatNumber(totals?.conversions ?? 0)} />
              <Stat label="Sales" value={formatMoney(totals?.netSalesMinor ?? 0, currency)} hint="Net of refunds" />
              <Stat label="Commission" value={formatMoney(totals?.commissionMinor ?? 0, currency)} />
            </div>
          </>
        )}
      </section>

      <section className="card">
        <h2>Offers</h2>
        <ErrorMessage error={offers.error} onRetry={offers.reload} />
        {offers.loading && !offers.data && <Loading label="Loading offers…" />}
        {offers.data && !offers.data.data.length && (
          <EmptyState title="Not on any offer">Add this member to an offer from the offer’s page.</EmptyState>
        )}
        {offers.data && offers.data.data.length > 0 && (
          <div className="table-wrap">
            <table className="table responsive" data-testid="profile-offers">
              <thead>
                <tr>
                  <th>Offer</th>
                  <th>Payout</th>
                  <th>Links</th>
                  <th>Codes</th>
                  <th>Joined</th>
                </tr>
              </thead>
              <tbody>
                {offers.data.data.map((o) => (
                  <tr key={o.offer.id}>
                    <td data-label="Offer">
                      <Link to={`/offers/${o.offer.id}`} className="strong">
                        {o.offer.name}
                      </Link>{' '}
                      {o.offer.status !== 'active' && <StatusBadge status={o.offer.status} />}
                    </td>
                    <td data-label="Payout">
                      {/* One block: on a phone the cell is a row of label and value, and two values would collide. */}
                      <div>
                        <span className="strong">{o.payoutOption.title}</span>
                        <div className="muted small">{o.payoutOption.description}</div>
                      </div>
                    </td>
                    <td data-label="Links">
                      {o.links.length ? (
                        o.links.map((l) => (
                          <div key={l.id} className="link-cell">
                            <code className="link-url">{l.url.replace(/^https?:\/\//, '')}</code>
                            {l.status === 'active' ? (
                              <CopyButton text={l.url} what={`the ${o.offer.name} link`} />
                            ) : (
                              <StatusBadge status={l.status} />
                            )}
                            <div className="muted small">{formatNumber(l.clicks ?? 0)} clicks</div>
                          </div>
                        ))
                      ) : (
                        <span className="muted">No link</span>
                      )}
                    </td>
                    <td data-label="Codes">
                      {o.codes.length ? (
                        o.codes.map((c) => (
                          <div key={c.id}>
                            <code className="code">{c.code}</code>{' '}
                            {c.status !== 'active' && <StatusBadge status={c.status} />}
                          </div>
                        ))
                      ) : (
                        <span className="muted">No code</span>
                      )}
                    </td>
                    <td data-label="Joined">{formatDate(o.joinedAt, undefined, timeZone)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="card">
        <h2>Commissions</h2>
        <ErrorMessage error={commissions.error} onRetry={commissions.reload} />
        {commissions.loading && !commissions.data && <Loading label="Loading commissions…" />}
        {commissions.data && !commissionRows.length && (
          <EmptyState title="No commissions yet">They appear here when a sale is credited to this member.</EmptyState>
        )}
        {commissionRows.length > 0 && (
          <div className="table-wrap">
            <table className="table responsive" data-testid="profile-commissions">
              <thead>
                <tr>
                  <th>Date</th>
                  <th>Offer</th>
                  <th className="num">Sale</th>
                  <th className="num">Commission</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {commissionRows.map((c) => (
                  <tr key={c.id}>
                    <td data-label="Date">{formatDate(c.createdAt, undefined, timeZone)}</td>
                    <td data-label="Offer">{offerName.get(c.offerId) ?? c.offerId}</td>
                    <td data-label="Sale" className="num">
                      {formatAmount(c.sale, c.currency)}
                    </td>
                    <td data-label="Commission" className="num">
                      {formatAmount(c.amount, c.currency)}
                    </td>
                    <td data-label="Status">
                      <StatusBadge status={c.status} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {cursor && (
          <div className="more">
            <Button onClick={() => void loadMore()}>Show more commissions</Button>
          </div>
        )}
      </section>

      <section className="card">
        <h2>Payouts</h2>
        <ErrorMessage error={payouts.error} onRetry={payouts.reload} />
        {payouts.loading && !payouts.data && <Loading label="Loading payouts…" />}
        {payouts.data && !payouts.data.data.length && (
          <EmptyState title="Not paid yet">Payout batches that include this member are listed here.</EmptyState>
        )}
        {payouts.data && payouts.data.data.length > 0 && (
          <div className="table-wrap">
            <table className="table responsive" data-testid="profile-payouts">
              <thead>
                <tr>
                  <th>Paid</th>
                  <th className="num">Commissions</th>
                  <th className="num">Amount</th>
                  <th>Note</th>
                </tr>
              </thead>
              <tbody>
                {payouts.data.data.map((b) => {
                  const line = b.lines?.[0];
                  return (
                    <tr key={b.id}>
                      <td data-label="Paid">{formatDate(b.createdAt, undefined, timeZone)}</td>
                      <td data-label="Commissions" className="num">
                        {formatNumber(line?.commissions ?? 0)}
                      </td>
                      <td data-label="Amount" className="num">
                        {line ? formatAmount(line.amount, b.currency) : '—'}
                      </td>
                      <td data-label="Note">{b.note || <span className="muted">—</span>}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {canEdit && (
        <MemberDialog
          member={m}
          open={editing}
          onClose={() => setEditing(false)}
          onSaved={(saved) => {
            setEditing(false);
            member.set(saved);
            toast(`${saved.name} saved.`);
          }}
        />
      )}
    </>
  );
}
