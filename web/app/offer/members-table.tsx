// One page of an offer's members with their link (copy button), code, payout option and numbers; the headings sort
// on the server (the page is one of many). On a phone a member is a short card: the name, one line of key numbers
// and a Details toggle that opens the link, code, payout, joining date and each number on its own line.
import { useState } from 'react';
import { formatDate, formatMoney, formatNumber } from '../../shared/format.js';
import { ariaSort, type ListQuery } from '../../shared/list-query.js';
import { Link } from '../../shared/router.js';
import type { Member, Offer, OfferMember, OfferMemberSort } from '../../../src/contract/index.js';
import { CopyButton } from '../../shared/ui.js';
import { handles } from '../members/handles.js';

interface Props {
  offer: Offer;
  rows: OfferMember[];
  currency: string;
  timeZone: string;
  query: ListQuery<OfferMemberSort>;
  onSort: (sort: OfferMemberSort) => void;
  selectable: boolean;
  selected: Set<string>;
  onSelect: (members: Member[], on: boolean) => void;
}

export function OfferMembersTable({
  offer,
  rows,
  currency,
  timeZone,
  query,
  onSort,
  selectable,
  selected,
  onSelect,
}: Props) {
  const payoutTitle = new Map(offer.payoutOptions.map((p) => [p.id, p.title]));
  /** The members whose details are open (phones only: wider screens show every column). */
  const [open, setOpen] = useState<Set<string>>(new Set());
  const toggle = (id: string) =>
    setOpen((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const all = rows.length > 0 && rows.every((r) => selected.has(r.member.id));
  const heading = (key: OfferMemberSort, label: string, num = false) => (
    <th className={num ? 'num' : undefined} aria-sort={ariaSort(query, key)}>
      <button type="button" className="sort" onClick={() => onSort(key)}>
        {label}
        {query.sort === key ? (query.order === 'asc' ? ' ▲' : ' ▼') : ''}
      </button>
    </th>
  );
  return (
    <div className="table-wrap">
      <table className="table responsive offer-members">
        <thead>
          <tr>
            {selectable && (
              <th className="check">
                <input
                  type="checkbox"
                  aria-label="Select every member on this page"
                  checked={all}
                  onChange={() =>
                    onSelect(
                      rows.map((r) => r.member),
                      !all,
                    )
                  }
                />
              </th>
            )}
            {heading('name', 'Member')}
            <th>Tracking link</th>
            <th>Promo code</th>
            <th>Payout</th>
            {heading('joined', 'Joined')}
            {heading('clicks', 'Clicks', true)}
            {heading('conversions', 'Conversions', true)}
            {heading('sales', 'Sales', true)}
            {heading('commission', 'Commission', true)}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const links = r.links.filter((l) => l.status === 'active');
            const codes = r.codes.filter((c) => c.status === 'active');
            const n = r.numbers;
            const isOpen = open.has(r.member.id);
            return (
              <tr key={r.member.id} data-member={r.member.id} className={isOpen ? 'open' : undefined}>
                {selectable && (
                  <td className="check">
                    <input
                      type="checkbox"
                      aria-label={`Select ${r.member.name}`}
                      checked={selected.has(r.member.id)}
                      onChange={() => onSelect([r.member], !selected.has(r.member.id))}
                    />
                  </td>
                )}
                <td data-label="Member">
                  <Link to={`/members/${r.member.id}`} className="strong member-name">
                    {r.member.name}
                  </Link>
                  <div className="muted small member-contact">
                    {[r.member.email, handles(r.member)].filter(Boolean).join(' · ') || 'No email or handle'}
                  </div>
                  <div className="phone-only member-summary">
                    <span className="small">
                      {formatNumber(n.clicks)} clicks · {formatNumber(n.conversions)} conversions ·{' '}
                      {formatMoney(n.commissionMinor, currency)} commission
                    </span>
                    <button
                      type="button"
                      className="btn btn-ghost btn-small"
                      aria-expanded={isOpen}
                      aria-label={`Details of ${r.member.name}`}
                      onClick={() => toggle(r.member.id)}
                    >
                      {isOpen ? 'Hide details' : 'Details'}
                    </button>
                  </div>
                </td>
                <td data-label="Tracking link" className="member-detail">
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
                <td data-label="Promo code" className="member-detail">
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
                <td data-label="Payout" className="member-detail">
                  {payoutTitle.get(r.payoutOptionId) ?? '—'}
                </td>
                <td data-label="Joined" className="member-detail">
                  {formatDate(r.joinedAt, undefined, timeZone)}
                </td>
                <td data-label="Clicks" className="num member-detail">
                  {formatNumber(n.clicks)}
                </td>
                <td data-label="Conversions" className="num member-detail">
                  {formatNumber(n.conversions)}
                </td>
                <td data-label="Sales" className="num member-detail">
                  {formatMoney(n.netSalesMinor, currency)}
                </td>
                <td data-label="Commission" className="num member-detail">
                  {formatMoney(n.commissionMinor, currency)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
