// The Reports page's filters: range, offer, member, promo code, commission status and grouping. The page keeps them
// in the address; this bar only shows and changes them.
import type { Member, Offer, ReportGroup } from '../../../src/contract/index.js';
import { SelectField, TextField } from '../../shared/ui.js';
import { CodeFilter } from './code-filter.js';
import { GROUPS, STATUSES } from './report-table.js';

export interface FilterValues {
  from: string;
  to: string;
  offerId: string;
  memberId: string;
  codeId: string;
  status: string;
  groupBy: ReportGroup;
}

export function FiltersBar({
  values: f,
  set,
  badRange,
  offers,
  members,
}: {
  values: FilterValues;
  /** Why the range cannot be reported, or ''. */
  badRange: string;
  offers: Offer[];
  members: Member[];
  /** How each filter is changed. */
  set: { [K in keyof FilterValues]: (value: string) => void };
}) {
  return (
    <div className="toolbar report-filters">
      <TextField label="From" type="date" value={f.from} onChange={set.from} error={badRange || undefined} />
      <TextField label="To" type="date" value={f.to} onChange={set.to} />
      <SelectField
        label="Offer"
        value={f.offerId}
        onChange={set.offerId}
        options={[{ value: '', label: 'All offers' }, ...offers.map((o) => ({ value: o.id, label: o.name }))]}
      />
      <SelectField
        label="Member"
        value={f.memberId}
        onChange={set.memberId}
        options={[{ value: '', label: 'All members' }, ...members.map((m) => ({ value: m.id, label: m.name }))]}
      />
      <CodeFilter codeId={f.codeId} onChange={set.codeId} offers={offers} members={members} />
      <SelectField label="Commission status" value={f.status} onChange={set.status} options={STATUSES} />
      <SelectField label="Group by" value={f.groupBy} onChange={set.groupBy} options={GROUPS} />
    </div>
  );
}
