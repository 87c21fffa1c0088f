// What the brand has paid the member: one line per payout, with how many commissions it covered.
import { api } from '../../shared/api.js';
import { formatDate, formatMoney, formatNumber } from '../../shared/format.js';
import { useResource } from '../../shared/hooks.js';
import { Link } from '../../shared/router.js';
import { EmptyState, ErrorMessage, Loading, PageHeader } from '../../shared/ui.js';
import type { PageProps } from '../../shared/routes.js';
import { useMe } from '../session.js';
import type { PortalPayout } from '../../../src/contract/index.js';

export default function Payouts(_: PageProps) {
  const { workspace } = useMe();
  const payouts = useResource((signal) => api.get<{ data: PortalPayout[] }>('/payouts', undefined, signal), []);
  return (
    <>
      <PageHeader
        title="Payouts"
        subtitle={`Money ${workspace.name} has paid you for approved commissions.`}
        zone={workspace.timezone}
      />
      {payouts.error && <ErrorMessage error={payouts.error} onRetry={payouts.reload} />}
      {!payouts.data ? (
        !payouts.error && <Loading />
      ) : payouts.data.data.length === 0 ? (
        <div className="card">
          <EmptyState title="No payouts yet">
            When {workspace.name} pays your approved commissions, each payment shows up here.{' '}
            <Link to="/commissions?status=approved">See what is approved</Link>.
          </EmptyState>
        </div>
      ) : (
        <div className="table-wrap">
          <table className="table responsive" data-testid="payouts">
            <thead>
              <tr>
                <th>Paid on</th>
                <th className="num">Amount</th>
                <th className="num">Commissions</th>
              </tr>
            </thead>
            <tbody>
              {payouts.data.data.map((p) => (
                <tr key={p.id}>
                  <td data-label="Paid on">{formatDate(p.paidAt, undefined, workspace.timezone)}</td>
                  <td data-label="Amount" className="num strong">
                    {formatMoney(p.amountMinor, p.currency)}
                  </td>
                  <td data-label="Commissions" className="num">
                    {formatNumber(p.commissions)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
