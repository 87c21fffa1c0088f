// Reports: the numbers of a date range grouped by member, code, link, offer, sub-id, day or week, with a trend chart,
// a sortable table, the totals and CSV/Excel exports of exactly what is shown. The filters live in the address so a
// report can be bookmarked or shared.
import { useEffect, useMemo, useState } from 'react';
import { api, download, getAll, type Query } from '../../shared/api.js';
import { LazyTimeSeries } from '../../shared/charts/index.js';
import { formatDay, formatMoney, formatNumber, formatRatio, formatShortDay, formatSmallRatio } from '../../shared/format.js';
import { useAction, useResource } from '../../shared/hooks.js';
import { useQueryParam } from '../../shared/router.js';
import { friendlyMessage } from '../../shared/errors.js';
import { dayOf } from '../../shared/zoned.js';
import type { Code, Member, Offer, Page, Report, ReportGroup, ReportMetrics } from '../../../src/contract/index.js';
import { Button, EmptyState, ErrorMessage, Field, Loading, PageHeader, SelectField, TextField } from '../../shared/ui.js';
import type { PageProps } from '../routes.js';

type Row = ReportMetrics & { key: string; label: string };

const GROUPS: { value: ReportGroup; label: string }[] = [
  { value: 'member', label: 'Member' },
  { value: 'code', label: 'Promo code' },
  { value: 'link', label: 'Tracking link' },
  { value: 'offer', label: 'Offer' },
  { value: 'sub_id', label: 'Sub-ID' },
  { value: 'day', label: 'Day' },
  { value: 'week', label: 'Week' },
];

/** Only conversions whose credited commission has this status; clicks have no status and are all counted. */
const STATUSES = [
  { value: '', label: 'Any status' },
  { value: 'pending', label: 'Pending' },
  { value: 'approved', label: 'Approved' },
  { value: 'paid', label: 'Paid' },
  { value: 'reversed', label: 'Reversed' },
];

type Kind = 'count' | 'money' | 'ratio' | 'smallRatio';
interface Column { key: keyof ReportMetrics; label: string; kind: Kind }
const COLUMNS: Column[] = [
  { key: 'clicks', label: 'Clicks', kind: 'count' },
  { key: 'uniqueClicks', label: 'Unique clicks', kind: 'count' },
  { key: 'conversions', label: 'Conversions', kind: 'count' },
  { key: 'conversionRate', label: 'Conversion rate', kind: 'ratio' },
  { key: 'salesMinor', label: 'Sales', kind: 'money' },
  { key: 'refundsMinor', label: 'Refunds', kind: 'money' },
  { key: 'netSalesMinor', label: 'Net sales', kind: 'money' },
  { key: 'commissionMinor', label: 'Commission', kind: 'money' },
  { key: 'epcMinor', label: 'EPC', kind: 'money' },
  { key: 'codeRedemptions', label: 'Code redemptions', kind: 'count' },
  { key: 'redemptionRatePerClick', label: 'Redemption rate', kind: 'ratio' },
  { key: 'reach', label: 'Reach', kind: 'count' },
  { key: 'redemptionRatePerReach', label: 'Redemptions per reach', kind: 'smallRatio' },
  { key: 'codedRevenueShare', label: 'Coded revenue share', kind: 'ratio' },
];

/**
 * Rows drawn at a time. A workspace with thousands of creators has thousands of rows by member, code or link; drawing
 * them all took seconds per load and per sort in Chromium, while the API answers in under 100 ms. Sorting still runs
 * over every row, and the totals are the server's, so only the drawing is cut.
 */
const ROWS_SHOWN = 100;

/** Days between two YYYY-MM-DD dates, inclusive. */
function spanDays(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

function cell(row: Row | ReportMetrics, c: Column, currency: string): string {
  const v = row[c.key];
  if (c.kind === 'money') return formatMoney(v as number | null, currency);
  if (c.kind === 'ratio') return formatRatio(v as string | null);
  if (c.kind === 'smallRatio') return formatSmallRatio(v as string | null);
  return formatNumber(v as number);
}

/** Ratios arrive as decimal strings; null (no denominator) sorts below every number in either direction. */
function sortValue(row: Row, key: keyof Row): number | string | null {
  const v = row[key];
  if (v === null || v === undefined) return null;
  if (key === 'label') return String(v).toLocaleLowerCase();
  if (key === 'key') return String(v);
  return typeof v === 'string' ? Number(v) : v;
}

export default function Reports(_: PageProps) {
  // The server reads dates on the workspace's clock: "today" is the workspace's, not the browser's (a marketer in
  // New York looking at a UTC workspace after 7 pm would otherwise miss the day's sales).
  const workspace = useResource((signal) => api.get<{ timezone: string }>('/workspace', undefined, signal).catch(() => null), []);
  const today = dayOf(new Date().toISOString(), workspace.data?.timezone);
  const monthAgo = new Date(Date.parse(`${today}T12:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
  const [fromQ, setFrom] = useQueryParam('from');
  const [toQ, setTo] = useQueryParam('to');
  const [offerId, setOffer] = useQueryParam('offerId');
  const [memberId, setMember] = useQueryParam('memberId');
  const [codeId, setCodeId] = useQueryParam('codeId');
  const [statusQ, setStatus] = useQueryParam('status');
  const status = STATUSES.some((x) => x.value === statusQ) ? statusQ : '';
  const [groupQ, setGroup] = useQueryParam('groupBy');
  const from = fromQ || monthAgo;
  const to = toQ || today;
  const groupBy = (GROUPS.some((g) => g.value === groupQ) ? groupQ : 'member') as ReportGroup;
  const [sort, setSort] = useState<{ key: keyof Row; dir: 'asc' | 'desc' } | null>(null);
  const [shown, setShown] = useState(ROWS_SHOWN);

  const badRange = from > to ? 'The start date is after the end date.' : '';
  const filters: Query = { from, to, offerId: offerId || undefined, memberId: memberId || undefined, codeId: codeId || undefined, status: status || undefined };
  // Long ranges by week so the chart stays readable on a phone.
  const trendBy: ReportGroup = spanDays(from, to) > 92 ? 'week' : 'day';

  const choices = useResource(async () => {
    const [offers, members] = await Promise.all([getAll<Offer>('/offers', { limit: 100 }), getAll<Member>('/members', { limit: 100 })]);
    return { offers, members };
  }, []);
  const report = useResource(async (signal) => {
    if (badRange || workspace.loading) return null;
    const [table, trend] = await Promise.all([
      api.get<Report>('/reports', { groupBy, ...filters }, signal),
      groupBy === trendBy ? null : api.get<Report>('/reports', { groupBy: trendBy, ...filters }, signal),
    ]);
    return { table, trend: trend ?? table };
  }, [groupBy, from, to, offerId, memberId, codeId, status, trendBy, badRange, workspace.loading]);

  const exporter = useAction((format: 'csv' | 'xlsx') => download('/reports/export', { groupBy, ...filters, format }, `report.${format}`));

  const r = report.data?.table;
  const rows = useMemo(() => {
    const list = [...((r?.rows ?? []) as Row[])];
    if (!sort) return list;
    const dir = sort.dir === 'asc' ? 1 : -1;
    return list.sort((a, b) => {
      const x = sortValue(a, sort.key);
      const y = sortValue(b, sort.key);
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * dir;
    });
  }, [r, sort]);
  // A new report starts again from its first rows; a new order keeps as many rows drawn as were.
  useEffect(() => setShown(ROWS_SHOWN), [r]);
  const visible = rows.length > shown ? rows.slice(0, shown) : rows;
  const toggle = (key: keyof Row) =>
    setSort((s) => (s?.key === key ? { key, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: key === 'label' ? 'asc' : 'desc' }));
  const arrow = (key: keyof Row) => (sort?.key === key ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : '');
  const ariaSort = (key: keyof Row) => (sort?.key === key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined);

  const trend = report.data?.trend;
  const empty = !!r && !r.rows.some((x) => x.clicks || x.conversions || x.salesMinor || x.unattributed) && !r.totals.clicks && !r.totals.conversions;
  const groupLabel = GROUPS.find((g) => g.value === groupBy)!.label;

  return (
    <>
      <PageHeader
        title="Reports"
        subtitle={r ? `${formatDay(r.from)} – ${formatDay(r.to)} · ${r.timezone}` : 'Clicks, conversions, sales and commission by member, code, link, offer or time'}
        actions={
          <>
            <Button onClick={() => void exporter.run('csv')} disabled={exporter.busy || !!badRange}>Export CSV</Button>
            <Button onClick={() => void exporter.run('xlsx')} disabled={exporter.busy || !!badRange}>Export Excel</Button>
          </>
        }
      />
      <ErrorMessage error={exporter.error} />
      <div className="toolbar report-filters">
        <TextField label="From" type="date" value={from} onChange={(v) => setFrom(v)} error={badRange || undefined} />
        <TextField label="To" type="date" value={to} onChange={(v) => setTo(v)} />
        <SelectField
          label="Offer"
          value={offerId}
          onChange={setOffer}
          options={[{ value: '', label: 'All offers' }, ...(choices.data?.offers ?? []).map((o) => ({ value: o.id, label: o.name }))]}
        />
        <SelectField
          label="Member"
          value={memberId}
          onChange={setMember}
          options={[{ value: '', label: 'All members' }, ...(choices.data?.members ?? []).map((m) => ({ value: m.id, label: m.name }))]}
        />
        <CodeFilter codeId={codeId} onChange={setCodeId} offers={choices.data?.offers ?? []} members={choices.data?.members ?? []} />
        <SelectField label="Commission status" value={status} onChange={setStatus} options={STATUSES} />
        <SelectField label="Group by" value={groupBy} onChange={(v) => { setSort(null); setGroup(v); }} options={GROUPS} />
      </div>
      <ErrorMessage error={choices.error} onRetry={choices.reload} />
      {(report.loading || workspace.loading) && !report.data && <Loading label="Loading the report…" />}
      <ErrorMessage error={report.error} onRetry={report.reload} />

      {r && empty && (
        <EmptyState title="No activity in this period">
          No clicks or sales between {formatDay(r.from)} and {formatDay(r.to)}{offerId || memberId || codeId || status ? ' for these filters' : ''}. Try a longer date range, or share your members’ links to get started.
        </EmptyState>
      )}

      {r && !empty && (
        <>
          <section className="card">
            <div className="section-head">
              <h2>Trend by {trendBy}</h2>
            </div>
            {trend && (
              <LazyTimeSeries
                rows={trend.rows as unknown as Record<string, unknown>[]}
                x="key"
                formatX={formatShortDay}
                series={[
                  { key: 'clicks', label: 'Clicks', color: '#4338ca' },
                  { key: 'conversions', label: 'Conversions', color: '#059669' },
                  { key: 'salesMinor', label: 'Sales', color: '#d97706', right: true, format: (v) => formatMoney(v, trend.currency) },
                ]}
              />
            )}
          </section>

          <section className="card">
            <div className="section-head">
              <h2>By {groupLabel.toLowerCase()}</h2>
              <span className="muted small">
                {visible.length < rows.length ? `The first ${formatNumber(visible.length)} of ${formatNumber(rows.length)} rows` : `${formatNumber(rows.length)} row${rows.length === 1 ? '' : 's'}`} · click a heading to sort
              </span>
            </div>
            {/* The headings are hidden on a phone (rows become cards), so sorting there is a select. */}
            <div className="phone-only">
              <SelectField
                label="Sort by"
                value={sort ? `${String(sort.key)}:${sort.dir}` : ''}
                onChange={(v) => {
                  const [key, dir] = v.split(':');
                  setSort(key ? { key: key as keyof Row, dir: dir as 'asc' | 'desc' } : null);
                }}
                options={[
                  { value: '', label: 'As reported' },
                  { value: 'label:asc', label: `${groupLabel} (A–Z)` },
                  ...COLUMNS.map((c) => ({ value: `${c.key}:desc`, label: `${c.label} (highest first)` })),
                ]}
              />
            </div>
            <div className="table-wrap">
              <table className="table responsive report-table">
                <thead>
                  <tr>
                    <th aria-sort={ariaSort('label')}>
                      <button type="button" className="sort" onClick={() => toggle('label')}>{groupLabel}{arrow('label')}</button>
                    </th>
                    {COLUMNS.map((c) => (
                      <th key={c.key} className="num" aria-sort={ariaSort(c.key)}>
                        <button type="button" className="sort" onClick={() => toggle(c.key)}>{c.label}{arrow(c.key)}</button>
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {visible.map((row) => (
                    <tr key={row.key}>
                      <td data-label={groupLabel} className="strong">{groupBy === 'day' || groupBy === 'week' ? formatDay(row.key) : (row.label || row.key || '(none)')}</td>
                      {COLUMNS.map((c) => <td key={c.key} data-label={c.label} className="num">{cell(row, c, r.currency)}</td>)}
                    </tr>
                  ))}
                </tbody>
                <tfoot>
                  <tr className="totals">
                    <td data-label="Total" className="strong">Total</td>
                    {COLUMNS.map((c) => <td key={c.key} data-label={c.label} className="num strong">{cell(r.totals, c, r.currency)}</td>)}
                  </tr>
                </tfoot>
              </table>
            </div>
            {visible.length < rows.length && (
              <div className="more">
                <Button onClick={() => setShown((n) => n + ROWS_SHOWN)}>Show {formatNumber(Math.min(ROWS_SHOWN, rows.length - visible.length))} more rows</Button>
                {rows.length - visible.length > ROWS_SHOWN && <Button variant="ghost" onClick={() => setShown(rows.length)}>Show all {formatNumber(rows.length)} rows</Button>}
                <span className="muted small">{formatNumber(rows.length - visible.length)} not shown; the export has them all.</span>
              </div>
            )}
            {r.conversionsCount === 'credits' && (
              <p className="muted small report-note">
                Conversions here count credits: an order split between a link and a code counts once for each, so the rows can add up to more than the total.
              </p>
            )}
            {!!r.unconverted && <p className="muted small">{formatNumber(r.unconverted)} sale{r.unconverted === 1 ? '' : 's'} in other currencies are left out of the money totals: no exchange rate yet.</p>}
            {r.source === 'raw' && <p className="muted small">Counted from the raw events (this grouping or time zone has no daily summaries).</p>}
          </section>
        </>
      )}
    </>
  );
}

/**
 * The promo-code filter. A workspace can hold thousands of codes, too many for a select, so the marketer types the
 * code (as printed on the creator's post) and it is looked up on Enter or when the field is left. A code string can
 * belong to several codes over time (a disabled code's string may be issued again), so more than one match asks which.
 */
function CodeFilter({ codeId, onChange, offers, members }: { codeId: string; onChange: (id: string) => void; offers: Offer[]; members: Member[] }) {
  // The code of an id that came in the address (a bookmark, an alert's "Open in Reports").
  const chosen = useResource(async (signal) => (codeId ? api.get<Code>(`/codes/${encodeURIComponent(codeId)}`, undefined, signal) : null), [codeId]);
  const [text, setText] = useState('');
  const [matches, setMatches] = useState<Code[]>([]);
  const [error, setError] = useState('');
  useEffect(() => {
    if (chosen.data) setText(chosen.data.code);
    else if (!codeId) setText('');
  }, [chosen.data, codeId]);
  useEffect(() => {
    if (chosen.error) setError('That promo code is not in this workspace any more.');
  }, [chosen.error]);

  const lookUp = async () => {
    const wanted = text.trim();
    setMatches([]);
    setError('');
    if (!wanted) return onChange('');
    if (chosen.data && chosen.data.code.toLowerCase() === wanted.toLowerCase()) return;
    try {
      const page = await api.get<Page<Code>>('/codes', { code: wanted, limit: 50 });
      if (page.data.length === 0) setError(`No promo code “${wanted}” in this workspace.`);
      else if (page.data.length === 1) onChange(page.data[0]!.id);
      else setMatches(page.data);
    } catch (e) {
      setError(friendlyMessage(e));
    }
  };
  const describe = (c: Code) => {
    const who = c.memberId ? (members.find((m) => m.id === c.memberId)?.name ?? 'a member') : 'generic';
    const offer = offers.find((o) => o.id === c.offerId)?.name ?? 'an offer';
    return `${c.code} · ${who} · ${offer} · ${c.status}`;
  };

  return (
    <>
      <Field label="Promo code" htmlFor="report-code" error={error || undefined}>
        <input
          id="report-code"
          type="search"
          value={text}
          placeholder="Any code"
          autoComplete="off"
          spellCheck={false}
          aria-invalid={!!error || undefined}
          onChange={(e) => setText(e.target.value)}
          onBlur={() => void lookUp()}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              void lookUp();
            }
          }}
        />
      </Field>
      {matches.length > 1 && (
        <SelectField
          label={`Which ${matches[0]!.code}?`}
          value=""
          onChange={(id) => {
            setMatches([]);
            onChange(id);
          }}
          options={[{ value: '', label: `${matches.length} codes match` }, ...matches.map((c) => ({ value: c.id, label: describe(c) }))]}
        />
      )}
    </>
  );
}
