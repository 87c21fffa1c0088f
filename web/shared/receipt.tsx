// A commission's receipt as a timeline a brand and a creator can both read: what arrived (each event with how far it is
// trusted), what was decided from it under which rule and offer settings, then every ledger entry with its change,
// the running balance, who or what made it and why. The dashboard and the creator portal draw the same component.
import type { PayoutConversionType } from '../../src/core/payout-words.js';
import { currencyDigits, describePayout, formatAmount, formatDateTime } from './format.js';
import { reasonWords } from './reasons.js';
import {
  actorWords,
  CREDIT_SOURCE_WORDS,
  entriesInOrder,
  entryWords,
  outcomeWords,
  payoutValue,
  RULE_WORDS,
  signed,
  sourceWords,
  statusWords,
  type Receipt,
  type ReceiptCredit,
  type ReceiptEvent,
  type ReceiptSettings,
} from './receipt-words.js';

export interface ReceiptViewProps {
  receipt: Receipt;
  /** Names a credit's member (the dashboard knows every member; the portal only "you"). */
  creditName: (credit: ReceiptCredit) => string;
  /** Names the workspace's people by user id (the dashboard, where it may know them). */
  people?: ReadonlyMap<string, string>;
  timeZone?: string;
  /** What the offer counts (sale, lead…), to word its payout; the portal does not know it here ("conversion"). */
  conversionType?: PayoutConversionType;
}

const when = (iso: string | null, timeZone?: string) => formatDateTime(iso, undefined, timeZone);

/** A reason code is put in words; Touchpoint's own sentences are shown as they are, a person's quoted as written. */
function why(reason: string | null, actor: string): string {
  if (!reason) return '';
  if (/^[a-z][a-z0-9_]*$/.test(reason)) return reasonWords(reason);
  return actorWords(actor) === 'Touchpoint' ? reason : `“${reason}”`;
}

function Evidence({ e, currency, timeZone }: { e: ReceiptEvent; currency: string; timeZone?: string }) {
  const ev = e.evidence;
  if (!ev) return null;
  const parts: string[] = [];
  if (ev.amount) parts.push(`amount ${formatAmount(ev.amount, ev.currency ?? currency)}`);
  if (ev.code) parts.push(`code ${ev.code}`);
  if (ev.clickId) parts.push('a tracking-link click');
  if (ev.occurredAt) parts.push(`ordered ${when(ev.occurredAt, timeZone)}`);
  if (!parts.length) return null;
  return <div className="muted small">Said: {parts.join(' · ')}</div>;
}

function Change({ amount, currency }: { amount: string; currency: string }) {
  const { sign, size } = signed(amount);
  if (!sign) return <span className="muted">no change</span>;
  return (
    <span className={sign === '+' ? 'receipt-plus' : 'receipt-minus'}>
      {sign}
      {formatAmount(size, currency)}
    </span>
  );
}

function payoutText(
  p: NonNullable<ReceiptSettings['payout']>,
  currency: string,
  conversionType?: PayoutConversionType,
): string {
  const digits = currencyDigits(currency);
  // The API documents the stored payout type as a string; a payout option is only ever percent or fixed.
  const type = p.type as 'percent' | 'fixed';
  return describePayout(
    {
      type,
      value: payoutValue(p.value, type, digits),
      tiers: p.tiers.map((t) => ({ fromConversion: t.fromConversion, value: payoutValue(t.value, type, digits) })),
    },
    currency,
    conversionType,
  );
}

export function ReceiptView({ receipt, creditName, people, timeZone, conversionType }: ReceiptViewProps) {
  const { commission, conversion, events, decision, settings, entries } = receipt;
  const currency = commission.currency;
  const ordered = entriesInOrder(entries);
  return (
    <div className="receipt" data-testid="receipt">
      <p className="receipt-summary">
        Order <span className="mono">{conversion.orderId}</span>
        {conversion.amount && conversion.currency && (
          <> · {formatAmount(conversion.amount, conversion.currency)}</>
        )} · {when(conversion.occurredAt, timeZone)}
        {conversion.refunded && !/^0*(\.0*)?$/.test(conversion.refunded) && conversion.currency && (
          <> · refunded {formatAmount(conversion.refunded, conversion.currency)}</>
        )}
        <br />
        Commission now <strong>{formatAmount(commission.amount, currency)}</strong>, {entryStatus(commission.status)}
      </p>

      <ol className="receipt-steps">
        <li>
          <h4>What arrived</h4>
          {!events.length && <p className="muted">No event is recorded for this order.</p>}
          <ul className="timeline">
            {events.map((e) => (
              <li key={e.id} data-testid="receipt-event">
                <span className="muted small">{when(e.receivedAt, timeZone)}</span>{' '}
                {e.trust && (
                  <>
                    <span
                      className={`badge badge-trust-${e.trust}`}
                      title={
                        e.trust === 'server'
                          ? 'Sent by the brand’s server with its secret or signature'
                          : 'Reported by the shopper’s browser, which anyone can imitate'
                      }
                    >
                      {e.trust}
                    </span>{' '}
                  </>
                )}
                {sourceWords(e.source)}: {outcomeWords(e.outcome)}
                {e.reason && <span className="muted small"> · {reasonWords(e.reason)}</span>}
                <Evidence e={e} currency={currency} timeZone={timeZone} />
              </li>
            ))}
          </ul>
        </li>

        <li>
          <h4>What was decided</h4>
          <p data-testid="receipt-decision">
            <span className={`badge badge-${decision.outcome === 'credited' ? 'active' : 'paused'}`}>
              {statusWords(decision.outcome)}
            </span>{' '}
            {decision.credits.length
              ? decision.credits.map((c, i) => (
                  <span key={i}>
                    {i > 0 && '; '}
                    {creditName(c)} by {CREDIT_SOURCE_WORDS[c.source] ?? c.source}
                    {c.shareBps !== 10_000 ? ` (${c.shareBps / 100}%)` : ''}
                  </span>
                ))
              : 'nobody was credited'}
          </p>
          {decision.reasons.length > 0 && (
            <ul className="reasons">
              {decision.reasons.map((r) => (
                <li key={r}>{reasonWords(r)}</li>
              ))}
            </ul>
          )}
          {settings ? (
            <div className="receipt-settings" data-testid="receipt-settings">
              <div>
                Under the settings of <strong>{settings.offerName}</strong> as of {when(settings.version, timeZone)}:
              </div>
              <ul>
                <li>
                  Rule: {RULE_WORDS[settings.attributionRule] ?? settings.attributionRule}
                  {settings.attributionRule === 'split' ? ` (code’s share ${settings.splitCodeSharePercent}%)` : ''}
                </li>
                <li>
                  Cookie window {settings.cookieWindowDays} days · hold {settings.holdDays} days
                </li>
                <li>
                  Promo codes reported by the browser without a click:{' '}
                  {settings.browserCodeCredit ? 'credited' : 'held for review'}
                </li>
                {settings.payout && (
                  <li>
                    Payout “{settings.payout.title}”: {payoutText(settings.payout, currency, conversionType)}
                  </li>
                )}
              </ul>
            </div>
          ) : (
            <p className="muted small">
              The offer’s settings at the time were not recorded (this commission is older than the ledger).
            </p>
          )}
        </li>

        <li>
          <h4>Entries</h4>
          <table className="table responsive receipt-entries">
            <thead>
              <tr>
                <th>When</th>
                <th>What</th>
                <th className="num">Change</th>
                <th className="num">Balance</th>
                <th>By</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {ordered.map((e) => (
                <tr key={e.id} data-testid="receipt-entry">
                  <td data-label="When" className="small">
                    {when(e.at, timeZone)}
                  </td>
                  <td data-label="What">
                    {entryWords(e.kind)} <span className="muted small">({entryStatus(e.statusAfter)})</span>
                  </td>
                  <td data-label="Change" className="num">
                    <Change amount={e.amount} currency={currency} />
                  </td>
                  <td data-label="Balance" className="num">
                    {formatAmount(e.balance, currency)}
                  </td>
                  <td data-label="By">{actorWords(e.actor, people)}</td>
                  <td data-label="Why" className="small">
                    {why(e.reason, e.actor) || <span className="muted">—</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </li>
      </ol>
    </div>
  );
}

const COMMISSION_STATUS: Record<string, string> = {
  pending: 'pending',
  approved: 'approved',
  paid: 'paid',
  reversed: 'reversed',
};
function entryStatus(status: string): string {
  return COMMISSION_STATUS[status] ?? status.replace(/_/g, ' ');
}
