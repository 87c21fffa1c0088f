// Conversions: every order the store reported, credited or not, with why; the detail of one order (decision,
// commissions, every event received, adjustments) in a drawer; approve, reverse or adjust a commission with a
// reason; each commission's receipt; orders held for review (a browser-reported code without a click, a browser
// amount above the offer's limit) approved or rejected with a reason; exports with the list's filters. Filters
// live in the address so a view can be shared.
import { useState } from 'react';
import { api, download, getAll, type Query } from '../../shared/api.js';
import { Dialog, useToast } from '../../shared/dialog.js';
import { formatAmount, formatDateTime } from '../../shared/format.js';
import { useAction, useResource } from '../../shared/hooks.js';
import { Link, useQueryParam } from '../../shared/router.js';
import { ReceiptView } from '../../shared/receipt.js';
import { actorWords, outcomeWords, statusWords, type Receipt } from '../../shared/receipt-words.js';
import { FILTER_REASONS, reasonWords } from '../../shared/reasons.js';
import type {
  Commission,
  ConversionDetail,
  ConversionListItem,
  ConversionStatus,
  Member,
  Offer,
  Page,
} from '../../../src/contract/index.js';
import {
  Button,
  EmptyState,
  ErrorMessage,
  Loading,
  PageHeader,
  SelectField,
  StatusBadge,
  Tabs,
  TextField,
} from '../../shared/ui.js';
import { dayBounds } from '../../shared/zoned.js';
import { useCanEdit, useMe, useTimeZone } from '../auth.js';
import type { PageProps } from '../../shared/routes.js';

/** The list names each credit (memberName null: a generic link or code, or a deleted member); the detail does not. */
type ListedCredit = ConversionListItem['credits'][number];
type Credit = Omit<ListedCredit, 'memberName' | 'offerName'> & Partial<Pick<ListedCredit, 'memberName' | 'offerName'>>;
type Conversion = Omit<ConversionListItem, 'credits'> & { credits: Credit[] };

type Status = '' | ConversionStatus;
const STATUSES: { value: Status; label: string }[] = [
  { value: '', label: 'All' },
  { value: 'credited', label: 'Credited' },
  { value: 'unattributed', label: 'Not credited' },
  { value: 'unverified', label: 'Unverified' },
  { value: 'rejected', label: 'Rejected' },
  { value: 'awaiting_order', label: 'Refund before the order' },
];
const BADGE: Record<ConversionStatus, string> = {
  credited: 'active',
  unattributed: 'paused',
  unverified: 'unverified',
  rejected: 'rejected',
  awaiting_order: 'archived',
};
function ConversionBadge({ status }: { status: ConversionStatus }) {
  return <span className={`badge badge-${BADGE[status] ?? 'paused'}`}>{statusWords(status)}</span>;
}
const SOURCES: Record<string, string> = { click: 'link', code: 'code', 'click+code': 'link and code' };
const OUTCOMES: Record<string, string> = {
  created: 'Order received',
  filled_in: 'Details filled in',
  duplicate: 'Duplicate ignored',
  rejected: 'Refused',
};
const PAGE = 50;
const KINDS: Record<string, string> = {
  created: 'Commission created',
  approve: 'Approved',
  reverse: 'Reversed',
  adjust: 'Amount changed',
  paid: 'Paid',
  refund: 'Refund applied',
  cancel: 'Order cancelled',
  accrual: 'Commission earned',
  redecision: 'Recalculated from new evidence',
  reversal: 'Reversed',
  adjustment: 'Amount changed',
  approval: 'Approved',
  payout: 'Paid',
  clawback: 'Taken back after payout',
  opening: 'Opening balance',
};

/** Why an unverified order is held: the decision's browser-evidence reasons (all of its reasons if it names none). */
function heldBecause(reasons: string[]): string[] {
  const held = reasons.filter((r) => r.startsWith('browser_'));
  return held.length ? held : reasons;
}

/** The list's short "why": for an order held for review, why it is held comes first. */
function whyFirst(c: Conversion): string[] {
  if (c.status !== 'unverified') return c.reasons;
  const held = heldBecause(c.reasons);
  return [...held, ...c.reasons.filter((r) => !held.includes(r))];
}

type ActionKind = 'approve' | 'reverse' | 'adjust';
const ACTION_TEXT: Record<ActionKind, string> = { approve: 'Approve', reverse: 'Reverse', adjust: 'Adjust amount' };

export default function Conversions(_: PageProps) {
  const canEdit = useCanEdit();
  const toast = useToast();
  const [status, setStatus] = useQueryParam('status');
  const [reason, setReason] = useQueryParam('reason');
  const [offerId, setOffer] = useQueryParam('offerId');
  const [memberId, setMember] = useQueryParam('memberId');
  const [from, setFrom] = useQueryParam('from');
  const [to, setTo] = useQueryParam('to');
  const [openId, setOpenId] = useState('');
  const [more, setMore] = useState<{ list: Conversion[]; cursor: string | null } | null>(null);

  const badRange = from && to && from > to ? 'The start date is after the end date.' : '';
  // Dates are the workspace's days, as Reports count them, not the browser's (a marketer in New York picking a day of a
  // UTC workspace would otherwise get the day five hours late: without its first five hours, with the next day's).
  // From the start of "from" to the end of "to"; the list reads `to` as an exclusive end.
  const timeZone = useTimeZone();
  const filters: Query = {
    status: status || undefined,
    reason: reason || undefined,
    offerId: offerId || undefined,
    memberId: memberId || undefined,
    from: from ? dayBounds(from, timeZone)?.start : undefined,
    to: to ? dayBounds(to, timeZone)?.end : undefined,
  };
  const choices = useResource(async () => {
    const [offers, members] = await Promise.all([
      getAll<Offer>('/offers', { limit: 100 }),
      getAll<Member>('/members', { limit: 100 }),
    ]);
    return { offers: new Map(offers.map((o) => [o.id, o])), members: new Map(members.map((m) => [m.id, m])) };
  }, []);
  const list = useResource(
    async (signal) => {
      setMore(null);
      if (badRange) return null;
      return api.get<Page<ConversionListItem>>('/conversions', { limit: PAGE, ...filters }, signal);
    },
    [status, reason, offerId, memberId, from, to, badRange],
  );
  const exporter = useAction((format: 'csv' | 'xlsx') =>
    download('/conversions/export', { ...filters, format }, `conversions.${format}`),
  );

  const rows = [...(list.data?.data ?? []), ...(more?.list ?? [])];
  const cursor = more ? more.cursor : (list.data?.nextCursor ?? null);
  const loadMore = async () => {
    const next = await api.get<Page<ConversionListItem>>('/conversions', { limit: PAGE, ...filters, cursor });
    setMore({ list: [...(more?.list ?? []), ...next.data], cursor: next.nextCursor });
  };
  // Names come with the list; the filters' lists (which may stop at 10,000) only back up the order drawer's commissions.
  const listed = new Map<string, string>();
  for (const c of rows)
    for (const x of c.credits) {
      if (x.memberId && x.memberName) listed.set(x.memberId, x.memberName);
      if (x.offerName) listed.set(x.offerId, x.offerName);
    }
  const memberName = (id: string | null) =>
    id ? (listed.get(id) ?? choices.data?.members.get(id)?.name ?? 'A removed member') : 'Generic link or code';
  const offerName = (id: string) => listed.get(id) ?? choices.data?.offers.get(id)?.name ?? 'An offer';
  const creditName = (x: Credit) => (x.memberId ? (x.memberName ?? memberName(x.memberId)) : 'Generic link or code');
  const offersOf = (c: Conversion) => [...new Set(c.credits.map((x) => x.offerName ?? offerName(x.offerId)))];
  const filtered = !!(status || reason || offerId || memberId || from || to);

  return (
    <>
      <PageHeader
        title="Conversions"
        subtitle={`Every order your store reported, who it was credited to, and why · times in ${timeZone}`}
        actions={
          <>
            <Link to="/payouts" className="btn">
              Payouts
            </Link>
            <Button onClick={() => void exporter.run('csv')} disabled={exporter.busy || !!badRange}>
              Export CSV
            </Button>
            <Button onClick={() => void exporter.run('xlsx')} disabled={exporter.busy || !!badRange}>
              Export Excel
            </Button>
          </>
        }
      />
      <ErrorMessage error={exporter.error} />
      <Tabs label="Show conversions" value={status as Status} options={STATUSES} onChange={setStatus} />
      <div className="toolbar report-filters">
        <SelectField
          label="Reason"
          value={reason}
          onChange={setReason}
          options={[
            { value: '', label: 'Any reason' },
            ...FILTER_REASONS.map((r) => ({ value: r, label: reasonWords(r) })),
          ]}
        />
        <SelectField
          label="Offer"
          value={offerId}
          onChange={setOffer}
          options={[
            { value: '', label: 'All offers' },
            ...[...(choices.data?.offers.values() ?? [])].map((o) => ({ value: o.id, label: o.name })),
          ]}
        />
        <SelectField
          label="Member"
          value={memberId}
          onChange={setMember}
          options={[
            { value: '', label: 'All members' },
            ...[...(choices.data?.members.values() ?? [])].map((m) => ({ value: m.id, label: m.name })),
          ]}
        />
        <TextField label="From" type="date" value={from} onChange={setFrom} error={badRange || undefined} />
        <TextField label="To" type="date" value={to} onChange={setTo} />
      </div>
      {list.loading && !list.data && <Loading label="Loading conversions…" />}
      <ErrorMessage error={list.error} onRetry={list.reload} />
      {list.data &&
        !rows.length &&
        (filtered ? (
          <EmptyState title="No conversions match these filters">
            Clear a filter or pick a longer date range.
          </EmptyState>
        ) : (
          <EmptyState title="No conversions yet">
            Orders appear here once your store sends them to Touchpoint (a postback or a webhook). Each shows who was
            credited and why.
          </EmptyState>
        ))}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table className="table responsive conversions-table">
            <thead>
              <tr>
                <th>Order</th>
                <th>When</th>
                <th className="num">Amount</th>
                <th>Status</th>
                <th>Credited to</th>
                <th className="num">Commission</th>
                <th>Offer</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((c) => (
                <tr key={c.id}>
                  <td data-label="Order">
                    <button type="button" className="link-button strong" onClick={() => setOpenId(c.id)}>
                      {c.orderId}
                    </button>
                    {c.test && <span className="tag">test</span>}
                  </td>
                  <td data-label="When">{formatDateTime(c.occurredAt, undefined, timeZone)}</td>
                  <td data-label="Amount" className="num">
                    {c.amount && c.currency ? formatAmount(c.amount, c.currency) : '—'}
                  </td>
                  <td data-label="Status">
                    <ConversionBadge status={c.status} />
                  </td>
                  <td data-label="Credited to">
                    {c.credits.length ? (
                      c.credits.map((x, i) => (
                        <div key={i}>
                          {creditName(x)}{' '}
                          <span className="muted small">
                            by {SOURCES[x.source] ?? x.source}
                            {x.shareBps !== 10_000 ? ` · ${x.shareBps / 100}%` : ''}
                            {c.status === 'unverified' ? ' · if approved' : ''}
                          </span>
                        </div>
                      ))
                    ) : (
                      <span className="muted">Nobody</span>
                    )}
                  </td>
                  <td data-label="Commission" className="num commission-cell">
                    {c.commissions.length ? (
                      c.commissions.map((m) => (
                        <div key={m.id}>
                          {formatAmount(m.amount, m.currency)} <StatusBadge status={m.status} />
                          {c.commissions.length > 1 && <div className="muted small">{memberName(m.memberId)}</div>}
                        </div>
                      ))
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td data-label="Offer">
                    {c.credits.length ? offersOf(c).join(', ') : <span className="muted">—</span>}
                  </td>
                  <td data-label="Why" className="small">
                    {whyFirst(c).slice(0, 2).map(reasonWords).join(' · ')}
                    {c.reasons.length > 2 ? ' …' : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && (
        <div className="more">
          <Button onClick={() => void loadMore()}>Show more conversions</Button>
        </div>
      )}
      {openId && (
        <ConversionDrawer
          id={openId}
          canEdit={canEdit}
          memberName={memberName}
          timeZone={timeZone}
          offerName={offerName}
          conversionTypeOf={(offerId) => choices.data?.offers.get(offerId)?.conversionType}
          onClose={() => setOpenId('')}
          onChanged={(text) => {
            toast(text);
            list.reload();
          }}
        />
      )}
    </>
  );
}

function ConversionDrawer({
  id,
  canEdit,
  memberName,
  offerName,
  conversionTypeOf,
  timeZone,
  onClose,
  onChanged,
}: {
  id: string;
  canEdit: boolean;
  memberName: (id: string | null) => string;
  offerName: (id: string) => string;
  timeZone?: string;
  conversionTypeOf: (offerId: string) => Offer['conversionType'] | undefined;
  onClose: () => void;
  onChanged: (text: string) => void;
}) {
  const detail = useResource((signal) => api.get<ConversionDetail>(`/conversions/${id}`, undefined, signal), [id]);
  const [editing, setEditing] = useState<{ commission: Commission; kind: ActionKind } | null>(null);
  const [why, setWhy] = useState('');
  const [amount, setAmount] = useState('');
  const [fieldError, setFieldError] = useState('');
  const act = useAction(async () => {
    if (!editing) return;
    if (!why.trim()) {
      setFieldError('Say why: it is kept in the commission’s history.');
      return;
    }
    if (editing.kind === 'adjust' && !/^\d+(\.\d{1,4})?$/.test(amount.trim())) {
      setFieldError('Enter the new amount, e.g. 12.50.');
      return;
    }
    setFieldError('');
    const body = editing.kind === 'adjust' ? { reason: why.trim(), amount: amount.trim() } : { reason: why.trim() };
    await api.post(`/commissions/${editing.commission.id}/${editing.kind}`, body);
    const done = {
      approve: 'Commission approved.',
      reverse: 'Commission reversed.',
      adjust: 'Commission amount changed.',
    }[editing.kind];
    setEditing(null);
    setWhy('');
    setAmount('');
    detail.reload();
    receipt.reload();
    onChanged(done);
  });
  // Review of an order held as unverified: approve credits it as decided, reject keeps it uncredited.
  const [reviewing, setReviewing] = useState<'' | 'approve' | 'reject'>('');
  const [reviewWhy, setReviewWhy] = useState('');
  const [reviewError, setReviewError] = useState('');
  const review = useAction(async () => {
    if (!reviewing) return;
    if (!reviewWhy.trim()) {
      setReviewError('Say why: it is kept with the order’s decision.');
      return;
    }
    setReviewError('');
    await api.post(`/conversions/${id}/verify`, { action: reviewing, reason: reviewWhy.trim() });
    const done = reviewing === 'approve' ? 'Order approved: it is credited.' : 'Order rejected: nobody is credited.';
    setReviewing('');
    setReviewWhy('');
    detail.reload();
    onChanged(done);
  });
  const startReview = (action: 'approve' | 'reject') => {
    setReviewing(action);
    setReviewWhy('');
    setReviewError('');
    review.clearError();
  };
  // One receipt open at a time, under the commissions.
  const [receiptOf, setReceiptOf] = useState<Commission | null>(null);
  // Who made a change: owners may list the team; everyone knows themself.
  const me = useMe().user;
  const team = useResource(
    async (signal) => {
      const users = await api.get<{ data: { id: string; name: string }[] }>('/users', undefined, signal).then(
        (r) => r.data,
        () => [],
      );
      return new Map([...users.map((u) => [u.id, u.name] as const), [me.id, `${me.name} (you)`] as const]);
    },
    [me.id],
  );
  const receipt = useResource(
    (signal) =>
      receiptOf ? api.get<Receipt>(`/commissions/${receiptOf.id}/receipt`, undefined, signal) : Promise.resolve(null),
    [receiptOf?.id],
  );
  const start = (commission: Commission, kind: ActionKind) => {
    setEditing({ commission, kind });
    setWhy('');
    setAmount(kind === 'adjust' ? commission.amount : '');
    setFieldError('');
    act.clearError();
  };
  const c = detail.data;

  return (
    <Dialog
      open
      title={c ? `Order ${c.orderId}` : 'Order'}
      onClose={onClose}
      wide
      onSubmit={() => void (reviewing ? review.run() : act.run())}
    >
      {detail.loading && !c && <Loading label="Loading the order…" />}
      <ErrorMessage error={detail.error} onRetry={detail.reload} />
      {c && (
        <div className="conversion-detail">
          <p>
            <ConversionBadge status={c.status} />{' '}
            {c.amount && c.currency ? formatAmount(c.amount, c.currency) : 'No amount yet'} ·{' '}
            {formatDateTime(c.occurredAt, undefined, timeZone)}
            {c.code && (
              <>
                {' '}
                · code <span className="mono">{c.code}</span>
              </>
            )}
            {c.refunded !== '0' && c.refunded !== '0.00' && c.currency && (
              <> · refunded {formatAmount(c.refunded, c.currency)}</>
            )}
          </p>
          {c.status === 'unverified' && (
            <div className="card review-card" data-testid="review">
              <h3>Waiting for review</h3>
              <p>
                Nobody is credited until the brand’s server confirms this order or someone here approves it. It is held
                because:
              </p>
              <ul className="reasons">
                {heldBecause(c.reasons).map((r) => (
                  <li key={r}>{reasonWords(r)}</li>
                ))}
              </ul>
              {canEdit && !reviewing && (
                <div className="actions">
                  <Button variant="primary" onClick={() => startReview('approve')}>
                    Approve
                  </Button>
                  <Button variant="danger" onClick={() => startReview('reject')}>
                    Reject
                  </Button>
                </div>
              )}
              {canEdit && reviewing && (
                <div data-testid="review-action">
                  <TextField
                    label={reviewing === 'approve' ? 'Why approve it' : 'Why reject it'}
                    value={reviewWhy}
                    onChange={setReviewWhy}
                    required
                    error={reviewError || undefined}
                  />
                  <ErrorMessage error={review.error} />
                  <div className="actions">
                    <Button
                      variant={reviewing === 'reject' ? 'danger' : 'primary'}
                      onClick={() => void review.run()}
                      busy={review.busy}
                    >
                      {reviewing === 'approve' ? 'Approve and credit' : 'Reject'}
                    </Button>
                    <Button onClick={() => setReviewing('')}>Cancel</Button>
                  </div>
                </div>
              )}
            </div>
          )}
          <h3>Why</h3>
          <ul className="reasons">
            {c.reasons.map((r) => (
              <li key={r}>{reasonWords(r)}</li>
            ))}
          </ul>

          <h3>Commissions</h3>
          {!c.commissions.length && <p className="muted">No commission: nobody was credited for this order.</p>}
          {c.commissions.length > 0 && (
            <table className="table responsive">
              <thead>
                <tr>
                  <th>Member</th>
                  <th>Offer</th>
                  <th className="num">Amount</th>
                  <th>Status</th>
                  <th>
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {c.commissions.map((m) => (
                  <tr key={m.id} data-testid="commission">
                    <td data-label="Member">
                      {memberName(m.memberId)}{' '}
                      <span className="muted small">
                        by {SOURCES[m.source] ?? m.source}
                        {m.sharePercent !== 100 ? ` · ${m.sharePercent}%` : ''}
                      </span>
                    </td>
                    <td data-label="Offer">{offerName(m.offerId)}</td>
                    <td data-label="Amount" className="num">
                      {formatAmount(m.amount, m.currency)}
                    </td>
                    <td data-label="Status">
                      {/* One box: on a phone the cell is a flex row, which stretched the badge beside the note. */}
                      <div>
                        <StatusBadge status={m.status} />
                        {m.status === 'pending' && (
                          <div className="muted small">
                            held until {formatDateTime(m.approveAfter, undefined, timeZone)}
                          </div>
                        )}
                      </div>
                    </td>
                    <td className="row-actions">
                      <Button
                        className="btn-small"
                        variant="ghost"
                        aria-expanded={receiptOf?.id === m.id}
                        onClick={() => setReceiptOf(receiptOf?.id === m.id ? null : m)}
                      >
                        Receipt
                      </Button>
                      {canEdit && m.status === 'pending' && (
                        <Button className="btn-small" onClick={() => start(m, 'approve')}>
                          Approve
                        </Button>
                      )}
                      {canEdit && (m.status === 'pending' || m.status === 'approved') && (
                        <Button className="btn-small" onClick={() => start(m, 'adjust')}>
                          Adjust
                        </Button>
                      )}
                      {canEdit && (m.status === 'pending' || m.status === 'approved') && (
                        <Button className="btn-small" variant="danger" onClick={() => start(m, 'reverse')}>
                          Reverse
                        </Button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {editing && (
            <div className="card action-card" data-testid="commission-action">
              <h3>
                {ACTION_TEXT[editing.kind]}: {memberName(editing.commission.memberId)},{' '}
                {formatAmount(editing.commission.amount, editing.commission.currency)}
              </h3>
              {editing.kind === 'adjust' && (
                <TextField
                  label={`New amount (${editing.commission.currency})`}
                  value={amount}
                  onChange={setAmount}
                  inputMode="decimal"
                />
              )}
              <TextField label="Reason" value={why} onChange={setWhy} required error={fieldError || undefined} />
              <ErrorMessage error={act.error} />
              <div className="actions">
                <Button
                  variant={editing.kind === 'reverse' ? 'danger' : 'primary'}
                  onClick={() => void act.run()}
                  disabled={act.busy}
                >
                  {ACTION_TEXT[editing.kind]}
                </Button>
                <Button onClick={() => setEditing(null)}>Cancel</Button>
              </div>
            </div>
          )}

          {receiptOf && (
            <section aria-label="Receipt">
              <h3>
                Receipt: {memberName(receiptOf.memberId)}, {offerName(receiptOf.offerId)}
              </h3>
              {receipt.loading && !receipt.data && <Loading label="Loading the receipt…" />}
              <ErrorMessage error={receipt.error} onRetry={receipt.reload} />
              {receipt.data && (
                <ReceiptView
                  receipt={receipt.data}
                  timeZone={timeZone}
                  creditName={(x) => (x.memberId ? memberName(x.memberId) : 'Generic link or code')}
                  people={team.data}
                  conversionType={conversionTypeOf(receiptOf.offerId)}
                />
              )}
            </section>
          )}

          {c.adjustments.length > 0 && (
            <>
              <h3>Changes</h3>
              <ul className="timeline">
                {c.adjustments.map((a) => (
                  <li key={a.id}>
                    <span className="muted small">{formatDateTime(a.at, undefined, timeZone)}</span>{' '}
                    {KINDS[a.kind] ?? a.kind}
                    {a.statusBefore !== a.statusAfter && (
                      <>
                        {' '}
                        ({a.statusBefore} → {a.statusAfter})
                      </>
                    )}{' '}
                    · “{a.reason}” <span className="muted small">by {actorWords(a.actor, team.data)}</span>
                  </li>
                ))}
              </ul>
            </>
          )}
          <h3>Events received</h3>
          <ul className="timeline">
            {c.events.map((e) => (
              <li key={e.id}>
                <span className="muted small">{formatDateTime(e.receivedAt, undefined, timeZone)}</span>
                {e.trust && (
                  <>
                    {' '}
                    <span className={`badge badge-trust-${e.trust}`}>{e.trust}</span>
                  </>
                )}{' '}
                {OUTCOMES[e.outcome] ?? outcomeWords(e.outcome)}{' '}
                <span className="muted small">
                  via {e.source}
                  {e.reason ? ` · ${reasonWords(e.reason)}` : ''}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </Dialog>
  );
}
