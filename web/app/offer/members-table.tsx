// The members of an offer with their link (copy button), code, payout option and numbers.
import { formatMoney, formatNumber } from '../../shared/format.js';
import type { Offer, OfferMember, ReportRow } from '../../../src/contract/index.js';
import { CopyButton } from '../../shared/ui.js';
import { handles } from '../members/handles.js';

interface Props {
  offer: Offer;
  rows: OfferMember[];
  /** The offer's report by member (key = member id); null when reports are not available. */
  numbers: Map<string, ReportRow> | null;
  currency: string;
  selectable: boolean;
  selected: Set<string>;
  onSelect: (s: Set<string>) => void;
}

export function OfferMembersTable({ offer, rows, numbers, currency, selectable, selected, onSelect }: Props) {
  const payoutTitle = new Map(offer.payoutOptions.map((p) => [p.id, p.title]));
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    onSelect(next);
  };
  const all = rows.length > 0 && rows.every((r) => selected.has(r.member.id));
  return (
    <div className="table-wrap">
      <table className="table responsive offer-members">
        <thead>
          <tr>
            {selectable && (
              <th className="check">
                <input
                  type="checkbox"
                  aria-label="Select every member"
                  checked={all}
                  onChange={() => onSelect(all ? new Set() : new Set(rows.map((r) => r.member.id)))}
                />
              </th>
            )}
            <th>Member</th>
            <th>Tracking link</th>
            <th>Promo code</th>
            <th>Payout</th>
            <th className="num">Clicks</th>
            <th className="num">Conversions</th>
            <th className="num">Sales</th>
            <th className="num">Commission</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const links = r.links.filter((l) => l.status === 'active');
            const codes = r.codes.filter((c) => c.status === 'active');
            const n = numbers?.get(r.member.id);
            const clicks = n ? n.clicks : r.links.reduce((sum, l) => sum + (l.clicks ?? 0), 0);
            return (
              <tr key={r.member.id} data-member={r.member.id}>
                {selectable && (
                  <td className="check">
                    <input
                      type="checkbox"
                      aria-label={`Select ${r.member.name}`}
                      checked={selected.has(r.member.id)}
                      onChange={() => toggle(r.member.id)}
                    />
                  </td>
                )}
                <td data-label="Member">
                  <span className="strong member-name">{r.member.name}</span>
                  <div className="muted small">
                    {[r.member.email, handles(r.member)].filter(Boolean).join(' · ') || 'No email or handle'}
                  </div>
                </td>
                <td data-label="Tracking link">
                  {links.length ? (
                    links.map((l) => (
                      <div key={l.id} className="link-cell">
                        <code className="link-url" title={l.deepLinkUrl ? `Opens ${l.deepLinkUrl}` : undefined}>
                          {l.url.replace(/^https?:\/\//, '')}
                        </code>
                        <CopyButton text={l.url} what={`${r.member.name}’s link`} />
                        {l.deepLinkUrl && <div className="muted small">deep link</div>}
                      </div>
                    ))
                  ) : (
                    <span className="muted">No link</span>
                  )}
                </td>
                <td data-label="Promo code">
                  {codes.length ? (
                    codes.map((c) => (
                      <code key={c.id} className="code">
                        {c.code}
                      </code>
                    ))
                  ) : (
                    <span className="muted">No code</span>
                  )}
                </td>
                <td data-label="Payout">{payoutTitle.get(r.payoutOptionId) ?? '—'}</td>
                <td data-label="Clicks" className="num">
                  {formatNumber(clicks)}
                </td>
                <td data-label="Conversions" className="num">
                  {numbers ? formatNumber(n?.conversions ?? 0) : '—'}
                </td>
                <td data-label="Sales" className="num">
                  {numbers ? formatMoney(n?.netSalesMinor ?? 0, currency) : '—'}
                </td>
                <td data-label="Commission" className="num">
                  {numbers ? formatMoney(n?.commissionMinor ?? 0, currency) : '—'}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
