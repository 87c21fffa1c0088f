// Reports: the numbers of a date range grouped by member, code, link, offer, sub-id, day or week, with a trend chart,
// a sortable table, the totals and CSV/Excel exports of exactly what is shown. The filters live in the address so a
// report can be bookmarked or shared. The parts are in ../reports/: the filters bar, the trend chart, the table, the
// export buttons, and the pure column and sort rules.
import { useState } from 'react';
import { api, getAll, type Query } from '../../shared/api.js';
import { formatDay } from '../../shared/format.js';
import { useResource } from '../../shared/hooks.js';
import { useQueryParam } from '../../shared/router.js';
import { dayOf } from '../../shared/zoned.js';
import type { Member, Offer, Report, ReportGroup } from '../../../src/contract/index.js';
import { EmptyState, ErrorMessage, Loading, PageHeader } from '../../shared/ui.js';
import { BreakdownTable } from '../reports/breakdown-table.js';
import { CoverageCard } from '../reports/coverage-card.js';
import { ExportButtons, useReportExport } from '../reports/export-buttons.js';
import { FiltersBar, type FilterValues } from '../reports/filters-bar.js';
import { GROUPS, isEmptyReport, STATUSES, trendGroup, type RowSort } from '../reports/report-table.js';
import { TrendChart } from '../reports/trend-chart.js';
import { useTimeZone } from '../auth.js';
import type { PageProps } from '../../shared/routes.js';

export default function Reports(_: PageProps) {
  // The server reads dates on the workspace's clock: "today" is the workspace's, not the browser's (a marketer in
  // New York looking at a UTC workspace after 7 pm would otherwise miss the day's sales).
  const timeZone = useTimeZone();
  const today = dayOf(new Date().toISOString(), timeZone);
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
  const [sort, setSort] = useState<RowSort>(null);

  const badRange = from > to ? 'The start date is after the end date.' : '';
  const filters: Query = {
    from,
    to,
    offerId: offerId || undefined,
    memberId: memberId || undefined,
    codeId: codeId || undefined,
    status: status || undefined,
  };
  const trendBy = trendGroup(from, to);

  const choices = useResource(async () => {
    const [offers, members] = await Promise.all([
      getAll<Offer>('/offers', { limit: 100 }),
      getAll<Member>('/members', { limit: 100 }),
    ]);
    return { offers, members };
  }, []);
  const report = useResource(
    async (signal) => {
      if (badRange) return null;
      const [table, trend] = await Promise.all([
        api.get<Report>('/reports', { groupBy, ...filters }, signal),
        groupBy === trendBy ? null : api.get<Report>('/reports', { groupBy: trendBy, ...filters }, signal),
      ]);
      return { table, trend: trend ?? table };
    },
    [groupBy, from, to, offerId, memberId, codeId, status, trendBy, badRange],
  );

  const exporter = useReportExport({ groupBy, ...filters });
  const set: { [K in keyof FilterValues]: (value: string) => void } = {
    from: setFrom,
    to: setTo,
    offerId: setOffer,
    memberId: setMember,
    codeId: setCodeId,
    status: setStatus,
    groupBy: (v) => {
      setSort(null);
      setGroup(v);
    },
  };

  const r = report.data?.table;
  const empty = !!r && isEmptyReport(r);

  return (
    <>
      <PageHeader
        title="Reports"
        subtitle={
          r
            ? `${formatDay(r.from)} – ${formatDay(r.to)} · ${r.timezone}`
            : 'Clicks, conversions, sales and commission by member, code, link, offer or time'
        }
        actions={<ExportButtons exporter={exporter} disabled={!!badRange} />}
      />
      <ErrorMessage error={exporter.error} />
      <FiltersBar
        values={{ from, to, offerId, memberId, codeId, status, groupBy }}
        set={set}
        badRange={badRange}
        offers={choices.data?.offers ?? []}
        members={choices.data?.members ?? []}
      />
      <ErrorMessage error={choices.error} onRetry={choices.reload} />
      {report.loading && !report.data && <Loading label="Loading the report…" />}
      <ErrorMessage error={report.error} onRetry={report.reload} />

      {r && empty && (
        <EmptyState title="No activity in this period">
          No clicks or sales between {formatDay(r.from)} and {formatDay(r.to)}
          {offerId || memberId || codeId || status ? ' for these filters' : ''}. Try a longer date range, or share your
          members’ links to get started.
        </EmptyState>
      )}

      {r && !empty && (
        <>
          <TrendChart trendBy={trendBy} trend={report.data?.trend} clicks={!codeId} />
          <BreakdownTable report={r} groupBy={groupBy} oneCode={!!codeId} sort={sort} onSort={setSort} />
          {!badRange && <CoverageCard offerId={offerId || undefined} from={from} to={to} />}
        </>
      )}
    </>
  );
}
