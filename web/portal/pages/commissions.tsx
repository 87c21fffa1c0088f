// The member's commissions, newest first: what each order earned them and where it stands (pending during the
// brand's hold period, approved, paid, or reversed after a refund or cancellation). Paged by the API's cursor.
// Each has its receipt: what the brand's store and the shopper's browser reported, the decision and the offer's
// settings it was made under, and every change to the amount with who made it and why.
import { useState } from 'react';
import { api } from '../../shared/api.js';
import { Dialog } from '../../shared/dialog.js';
import { ReceiptView } from '../../shared/receipt.js';
import type { Receipt } from '../../shared/receipt-words.js';
import { formatAmount, formatDate, formatMoney } from '../../shared/format.js';
import { useResource } from '../../shared/hooks.js';
import { useQueryParam } from '../../shared/router.js';
import { Button, EmptyState, ErrorMessage, Loading, PageHeader, StatusBadge, Tabs } from '../../shared/ui.js';
import type { PageProps } from '../../shared/routes.js';
import { useMe } from '../session.js';
import type { CommissionStatus, Page, PortalCommission } from '../../../src/contract/index.js';

type Filter = '' | CommissionStatus;
const FILTERS: { value: Filter; label: string }[] = [
  { value: '', label: 'All' },
  { value: 'pending', label: 'Pending' },
  { value: 'approved', label: 'Approved' },
  { value: 'paid', label: 'Paid' },
  { value: 'reversed', label: 'Reversed' },
];

const SOURCE_TEXT: Record<string, string> = {
  click: 'Your link',
  code: 'Your code',
  'click+code': 'Your link and code',
};

/** Where a commission stands, in words: what happens next or what happened. */
function stateText(c: PortalCommission, timeZone: string): string {
  const on = (iso: string | null) => formatDate(iso, undefined, timeZone);
  switch (c.status) {
    case 'pending':
      return `Approved after ${on(c.approveAfter)} unless the order is returned`;
    case 'approved':
      return `Approved ${on(c.approvedAt)}; paid with the next payout`;
    case 'paid':
      return `Paid ${on(c.paidAt)}`;
    case 'reversed':
      return `Reversed ${on(c.reversedAt)}: the order was refunded or cancelled`;
    default:
      return '';
  }
}

const EMPTY_TEXT: Record<Filter, string> = {
  '': 'When someone orders through your link or with your code, the commission shows up here.',
  pending: 'No commission is waiting for approval.',
  approved: 'No commission is approved and waiting for a payout.',
  paid: 'No commission has been paid yet.',
  reversed: 'No commission has been reversed.',
};

const PAGE_SIZE = 50;

export default function Commissions(_: PageProps) {
  const me = useMe();
  const { workspace } = me;
  const [statusQ, setStatus] = useQueryParam('status');
  const status = (FILTERS.some((f) => f.value === statusQ) ? statusQ : '') as Filter;
  const [more, setMore] = useState<{ rows: PortalCommission[]; cursor: string | null; busy: boolean; error: unknown }>({
    rows: [],
    cursor: null,
    busy: false,
    error: null,
  });
  const first = useResource(
    async (signal) => {
      const page = await api.get<Page<PortalCommission>>(
        '/commissions',
        { status: status || undefined, limit: PAGE_SIZE },
        signal,
      );
      setMore({ rows: [], cursor: page.nextCursor, busy: false, error: null });
      return page;
    },
    [status],
  );
  const rows = [...(first.data?.data ?? []), ...more.rows];
  const [receiptOf, setReceiptOf] = useState<PortalCommission | null>(null);

  const loadMore = async () => {
    if (!more.cursor) return;
    setMore((m) => ({ ...m, busy: true, error: null }));
    try {
      const page = await api.get<Page<PortalCommission>>('/commissions', {
        status: status || undefined,
        limit: PAGE_SIZE,
        cursor: more.cursor,
      });
      setMore((m) => ({ rows: [...m.rows, ...page.data], cursor: page.nextCursor, busy: false, error: null }));
    } catch (error) {
      setMore((m) => ({ ...m, busy: false, error }));
    }
  };

  return (
    <>
      <PageHeader
        title="Commissions"
        subtitle={`What your orders with ${workspace.name} earned you. New commissions stay pending while the brand waits for returns.`}
        zone={workspace.timezone}
      />
      <Tabs label="Status" value={status} options={FILTERS} onChange={(v) => setStatus(v)} />
      {first.error && <ErrorMessage error={first.error} onRetry={first.reload} />}
      {!first.data ? (
        !first.error && <Loading />
      ) : rows.length === 0 ? (
        <div className="card">
          <EmptyState title={status ? `No ${status} commissions` : 'No commissions yet'}>
            {EMPTY_TEXT[status]}
          </EmptyState>
        </div>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table responsive" data-testid="commissions">
              <thead>
                <tr>
                  <th>Order date</th>
                  <th>Offer</th>
                  <th className="num">Sale</th>
                  <th className="num">Commission</th>
                  <th>Status</th>
                  <th>Counted through</th>
                  <th>
                    <span className="visually-hidden">Receipt</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((c) => (
                  <tr key={c.id}>
                    <td data-label="Order date">{formatDate(c.conversionDate, undefined, workspace.timezone)}</td>
                    <td data-label="Offer" className="break">
                      {c.offerName}
                    </td>
                    <td data-label="Sale" className="num">
                      {formatAmount(c.sale, c.currency)}
                    </td>
                    <td data-label="Commission" className="num strong">
                      {formatMoney(c.amountMinor, c.currency)}
                    </td>
                    <td data-label="Status">
                      <div>
                        <StatusBadge status={c.status} />
                        <div className="commission-note">{stateText(c, workspace.timezone)}</div>
                      </div>
                    </td>
                    <td data-label="Counted through">{SOURCE_TEXT[c.source] ?? c.source}</td>
                    <td className="row-actions">
                      <Button
                        className="btn-small"
                        onClick={() => setReceiptOf(c)}
                        aria-label={`Receipt of the ${formatDate(c.conversionDate, undefined, workspace.timezone)} order, ${c.offerName}`}
                      >
                        Receipt
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ErrorMessage error={more.error} onRetry={loadMore} />
          {more.cursor && (
            <div className="more">
              <Button onClick={loadMore} busy={more.busy}>
                Show older commissions
              </Button>
            </div>
          )}
        </>
      )}
      {receiptOf && (
        <ReceiptDialog
          commission={receiptOf}
          memberId={me.member.id}
          timeZone={workspace.timezone}
          onClose={() => setReceiptOf(null)}
        />
      )}
    </>
  );
}

function ReceiptDialog({
  commission,
  memberId,
  timeZone,
  onClose,
}: {
  commission: PortalCommission;
  memberId: string;
  timeZone: string;
  onClose: () => void;
}) {
  const receipt = useResource(
    (signal) => api.get<Receipt>(`/commissions/${commission.id}/receipt`, undefined, signal),
    [commission.id],
  );
  return (
    <Dialog open wide title={`Receipt: ${commission.offerName}`} onClose={onClose}>
      {receipt.loading && !receipt.data && <Loading label="Loading the receipt…" />}
      <ErrorMessage error={receipt.error} onRetry={receipt.reload} />
      {receipt.data && (
        <ReceiptView
          receipt={receipt.data}
          timeZone={timeZone}
          creditName={(x) =>
            x.memberId === memberId ? 'You' : x.memberId ? 'Another creator' : 'The brand’s generic link or code'
          }
        />
      )}
    </Dialog>
  );
}
