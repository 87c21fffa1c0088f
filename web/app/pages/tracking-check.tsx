// The tracking check: orders sent with test=1 by any path, newest first, each with what it carried and what of it was
// found (click, link, code, member), the rule and reasons of the decision, and the commission it would have paid.
// Test orders show here and nowhere else: never in reports, payouts, the portal or exports. Updates itself every few
// seconds while the tab is visible, so a test sent from a store's admin shows up without a reload.
import type { TrackingCheck, TrackingCheckOrder } from '../../../src/contract/index.js';
import { api } from '../../shared/api.js';
import { formatAmount, formatDateTime } from '../../shared/format.js';
import { usePolled } from '../../shared/poll.js';
import { reasonWords } from '../../shared/reasons.js';
import { CREDIT_SOURCE_WORDS, outcomeWords, RULE_WORDS, sourceWords, statusWords } from '../../shared/receipt-words.js';
import { Link } from '../../shared/router.js';
import type { PageProps } from '../../shared/routes.js';
import { EmptyState, ErrorMessage, Loading, PageHeader } from '../../shared/ui.js';
import { useTimeZone } from '../auth.js';

const POLL_MS = 4000;

export default function TrackingCheckPage(_: PageProps) {
  const zone = useTimeZone();
  const check = usePolled((signal) => api.get<TrackingCheck>('/tracking-check', undefined, signal), POLL_MS);
  const data = check.data;
  return (
    <>
      <PageHeader
        title="Tracking check"
        subtitle="Orders sent with test=1: what was matched and why. They are decided like real orders and never paid."
        zone={zone}
        back={<Link to="/offers">← Offers</Link>}
      />
      {!data && !check.error && <Loading label="Loading test orders…" />}
      <ErrorMessage error={check.error} />
      {data && !data.orders.length && !data.rejected.length && (
        <EmptyState title="No test orders yet" action={<Link to="/settings">Settings → Tracking setup</Link>}>
          Send an order with <code>test=1</code> by postback, pixel, t.js or a Shopify test notification. It shows up
          here within seconds.
        </EmptyState>
      )}
      {data?.orders.map((o) => (
        <TestOrder key={o.conversionId} order={o} zone={zone} />
      ))}
      {data && data.rejected.length > 0 && (
        <section className="card">
          <h2>Refused test events</h2>
          <p className="muted small">These never became an order: fix what the reason says and send them again.</p>
          <div className="table-wrap">
            <table className="table responsive">
              <thead>
                <tr>
                  <th>Received</th>
                  <th>From</th>
                  <th>Order</th>
                  <th>Reason</th>
                </tr>
              </thead>
              <tbody>
                {data.rejected.map((e) => (
                  <tr key={e.id} data-testid="rejected-test-event">
                    <td data-label="Received">{formatDateTime(e.receivedAt, undefined, zone)}</td>
                    <td data-label="From">{sourceWords(e.source)}</td>
                    <td data-label="Order" className="mono">
                      {e.orderId ?? '—'}
                    </td>
                    <td data-label="Reason">{e.reason ? e.reason.replace(/_/g, ' ') : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </>
  );
}

function TestOrder({ order: o, zone }: { order: TrackingCheckOrder; zone: string }) {
  const members = o.credits.filter((c) => c.memberId);
  return (
    <article className="card test-order" data-testid="test-order" aria-labelledby={`order-${o.conversionId}`}>
      <div className="section-head">
        <h2 id={`order-${o.conversionId}`}>
          Order <span className="mono">{o.orderId}</span> <span className="badge badge-test">Test</span>{' '}
          <span className={`badge badge-${o.status === 'credited' ? 'approved' : 'pending'}`}>
            {statusWords(o.status)}
          </span>
        </h2>
        <span className="muted small">{formatDateTime(o.receivedAt, undefined, zone)}</span>
      </div>
      <dl className="test-order-facts">
        <dt>Received from</dt>
        <dd>
          {o.source ? sourceWords(o.source) : '—'}
          {o.amount && o.currency ? ` · ${formatAmount(o.amount, o.currency)}` : ' · no amount'}
        </dd>
        <dt>Click</dt>
        <dd>
          {o.matched.clickId ? (
            o.matched.link ? (
              <>
                <span className="mono">{o.matched.clickId}</span> on link{' '}
                <span className="mono">/{o.matched.link.slug}</span>
              </>
            ) : (
              <>
                <span className="mono">{o.matched.clickId}</span> (not matched to a link)
              </>
            )
          ) : (
            'None on the order'
          )}
        </dd>
        <dt>Promo code</dt>
        <dd>
          {o.matched.code ? (
            <>
              <span className="mono">{o.matched.code}</span>
              {o.matched.codeMatched ? ' (found)' : ' (not one of your codes)'}
            </>
          ) : (
            'None on the order'
          )}
        </dd>
        <dt>Credited</dt>
        <dd>
          {o.credits.length
            ? o.credits
                .map(
                  (c) =>
                    `${c.memberName ?? (c.memberId ? 'A deleted member' : 'Nobody (generic)')} on ${c.offerName ?? 'an offer'} by ${
                      CREDIT_SOURCE_WORDS[c.source] ?? c.source
                    }${c.shareBps !== 10_000 ? ` (${c.shareBps / 100}%)` : ''}`,
                )
                .join('; ')
            : 'Nobody'}
        </dd>
        <dt>Decided by</dt>
        <dd>
          {o.rule && RULE_WORDS[o.rule] ? `The offer’s rule: ${RULE_WORDS[o.rule]}.` : 'No offer rule was needed.'}
          {o.reasons.length > 0 && (
            <ul className="reasons">
              {o.reasons.map((r) => (
                <li key={r}>{reasonWords(r)}</li>
              ))}
            </ul>
          )}
        </dd>
        <dt>Would have paid</dt>
        <dd data-testid="would-have-paid">
          {o.wouldHavePaid.length
            ? o.wouldHavePaid
                .map((p) => `${formatAmount(p.amount, p.currency)} to ${p.memberName ?? 'a deleted member'}`)
                .join('; ')
            : members.length
              ? 'Nothing (no commission computed)'
              : 'Nothing: no creator was credited'}
          <div className="muted small">A test order pays nothing and is left out of reports and payouts.</div>
        </dd>
      </dl>
      {o.events.length > 0 && (
        <details>
          <summary>Events received ({o.events.length})</summary>
          <ul className="timeline">
            {o.events.map((e) => (
              <li key={e.id}>
                {formatDateTime(e.receivedAt, undefined, zone)} · {sourceWords(e.source)} · {outcomeWords(e.outcome)}
                {e.reason ? ` (${reasonWords(e.reason)})` : ''}
              </li>
            ))}
          </ul>
        </details>
      )}
    </article>
  );
}
