// Leak alerts: promo codes redeemed far above their usual rate (or mostly without their member's clicks), each with
// its daily redemptions against the baseline, the numbers that raised it, and what to do: acknowledge, disable the
// code, or rotate it (the member gets a new code). "Run detection now" does not wait for the 5-minute job.
import { useState } from 'react';
import { api, getAll } from '../../shared/api.js';
import { LazyTimeSeries } from '../../shared/charts/index.js';
import { useConfirm, useToast } from '../../shared/dialog.js';
import { formatDateTime, formatNumber, formatShortDay } from '../../shared/format.js';
import { useAction, useResource } from '../../shared/hooks.js';
import { dayOf } from '../../shared/zoned.js';
import { Link, useQueryParam } from '../../shared/router.js';
import type { Alert, AlertFinding, LeakRun, Member, Offer, Page } from '../../../src/contract/index.js';
import { Button, EmptyState, ErrorMessage, Loading, PageHeader, Tabs } from '../../shared/ui.js';
import { useCanEdit, useTimeZone } from '../auth.js';
import type { PageProps } from '../../shared/routes.js';

type Status = '' | 'open' | 'acknowledged' | 'resolved';
const STATUSES: { value: Status; label: string }[] = [
  { value: '', label: 'All' },
  { value: 'open', label: 'Open' },
  { value: 'acknowledged', label: 'Acknowledged' },
  { value: 'resolved', label: 'Resolved' },
];
const STATUS_WORDS: Record<Alert['status'], string> = {
  open: 'Open',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
};
const RESOLUTION_WORDS: Record<string, string> = {
  code_disabled: 'code disabled',
  code_rotated: 'code replaced',
  subsided: 'redemptions back to normal',
};
const percent = (share: number) => `${Math.round(share * 100)}%`;
const RULE_TITLES: Record<AlertFinding['rule'], string> = {
  spike: 'Redemption spike',
  no_click: 'Orders without the member’s clicks',
};

export default function Alerts(_: PageProps) {
  const canEdit = useCanEdit();
  const timeZone = useTimeZone();
  const toast = useToast();
  const [status, setStatus] = useQueryParam('status');
  // Names are read with the alerts: an alert can name a member or offer created since the page opened.
  const list = useResource(
    async (signal) => {
      const [page, offers, members] = await Promise.all([
        api.get<Page<Alert>>('/alerts', { limit: 50, status: status || undefined }, signal),
        getAll<Offer>('/offers', { limit: 100 }),
        getAll<Member>('/members', { limit: 100 }),
      ]);
      return {
        ...page,
        offers: new Map(offers.map((o) => [o.id, o.name])),
        members: new Map(members.map((m) => [m.id, m.name])),
      };
    },
    [status],
  );
  const names = { data: list.data };
  const run = useAction(async () => {
    const r = await api.post<LeakRun>('/alerts/run', {});
    // Per code, as the cards are: a code that tripped both rules is one new alert.
    const news = r.codesAlerted;
    toast(
      `Checked ${formatNumber(r.codesChecked)} busy code${r.codesChecked === 1 ? '' : 's'}: ${news ? `${news} new alert${news === 1 ? '' : 's'}` : 'nothing new'}${r.subsided ? `, ${r.subsided} back to normal` : ''}.`,
    );
    list.reload();
  });

  const alerts = list.data?.data ?? [];
  return (
    <>
      <PageHeader
        title="Code leak alerts"
        subtitle="Promo codes redeemed far more than usual: often a code shared on a coupon site"
        zone={timeZone}
        actions={
          canEdit && (
            <Button variant="primary" onClick={() => void run.run()} busy={run.busy}>
              Run detection now
            </Button>
          )
        }
      />
      <ErrorMessage error={run.error} />
      <Tabs label="Show alerts" value={status as Status} options={STATUSES} onChange={setStatus} />
      {list.loading && !list.data && <Loading label="Loading alerts…" />}
      <ErrorMessage error={list.error} onRetry={list.reload} />
      {list.data && !alerts.length && (
        <EmptyState
          title={status ? `No ${STATUS_WORDS[status as Alert['status']].toLowerCase()} alerts` : 'No leak alerts'}
        >
          Touchpoint checks every promo code every 5 minutes and raises an alert when one is redeemed far above its
          usual daily rate, or mostly without its member’s clicks.
        </EmptyState>
      )}
      {alerts.map((a) => (
        <AlertCard
          key={a.id}
          alert={a}
          canEdit={canEdit}
          member={a.memberId ? (names.data?.members.get(a.memberId) ?? 'A member') : 'No member (generic code)'}
          offer={names.data?.offers.get(a.offerId) ?? 'An offer'}
          onChanged={(text) => {
            toast(text);
            list.reload();
          }}
        />
      ))}
    </>
  );
}

/** The code's own report by day, from four weeks before the alert to today: the run-up and what followed. */
function reportOf(a: Alert, timeZone: string): string {
  const from = dayOf(new Date(Date.parse(a.raisedAt) - 28 * 86_400_000).toISOString(), timeZone);
  return `/reports?${new URLSearchParams({ codeId: a.codeId, groupBy: 'day', from })}`;
}

function AlertCard({
  alert: a,
  canEdit,
  member,
  offer,
  onChanged,
}: {
  alert: Alert;
  canEdit: boolean;
  member: string;
  offer: string;
  onChanged: (text: string) => void;
}) {
  const confirm = useConfirm();
  const timeZone = useTimeZone();
  const [open, setOpen] = useState(a.status !== 'resolved');
  const detail = useResource(
    async (signal) => (open ? api.get<Alert>(`/alerts/${a.id}`, undefined, signal) : null),
    [a.id, a.status, open],
  );
  const ev = detail.data?.evidence;
  const rules = detail.data?.rules ?? [];
  const act = (kind: 'acknowledge' | 'disable-code' | 'rotate-code') => {
    const text = {
      acknowledge: {
        title: `Acknowledge the alert on ${a.code}?`,
        body: 'The code keeps working. The alert comes back only if its redemptions in 24 hours double, or another rule fires for it.',
        confirm: 'Acknowledge',
        done: 'Alert acknowledged.',
      },
      'disable-code': {
        title: `Disable the code ${a.code}?`,
        body: `Orders with ${a.code} will no longer earn ${member} a commission (they are kept, marked "Code was disabled"). This cannot be undone from here.`,
        confirm: 'Disable code',
        done: `Code ${a.code} disabled.`,
      },
      'rotate-code': {
        title: `Replace the code ${a.code}?`,
        body: `${member} gets a new code in the same style and an email with it; ${a.code} is disabled.`,
        confirm: 'Replace code',
        done: '',
      },
    }[kind];
    confirm({
      title: text.title,
      body: text.body,
      confirm: text.confirm,
      danger: kind !== 'acknowledge',
      action: async () => {
        const r = await api.post<Alert>(`/alerts/${a.id}/${kind}`, {});
        onChanged(
          kind === 'rotate-code' ? `Code ${a.code} replaced${r.newCode ? ` by ${r.newCode}` : ''}.` : text.done,
        );
      },
    });
  };

  return (
    <section className="card alert-card" data-testid="alert">
      <div className="section-head">
        <div>
          <h2>
            <span className="mono">{a.code}</span>{' '}
            <span
              className={`badge badge-${a.status === 'open' ? 'paused' : a.status === 'resolved' ? 'active' : 'pending'}`}
            >
              {STATUS_WORDS[a.status]}
            </span>
          </h2>
          <p className="muted small">
            {member} · {offer} · raised {formatDateTime(a.raisedAt, undefined, timeZone)}
            {a.resolution && ` · resolved: ${RESOLUTION_WORDS[a.resolution] ?? a.resolution}`}
          </p>
        </div>
        <div className="actions">
          {canEdit && a.status === 'open' && <Button onClick={() => act('acknowledge')}>Acknowledge</Button>}
          {canEdit && a.status !== 'resolved' && (
            <Button variant="danger" onClick={() => act('disable-code')}>
              Disable code
            </Button>
          )}
          {canEdit && a.status !== 'resolved' && <Button onClick={() => act('rotate-code')}>Rotate code</Button>}
          {a.status === 'resolved' && (
            <Button onClick={() => setOpen(!open)}>{open ? 'Hide details' : 'Show details'}</Button>
          )}
          <Link to={reportOf(a, timeZone)} className="btn btn-ghost">
            Open in Reports
          </Link>
        </div>
      </div>
      {/* One card per code: every rule that fired for it, each with the numbers that made it fire. */}
      <ul className="alert-why">
        {a.rules.map((r) => (
          <li key={r.alertId} data-testid="alert-rule">
            <strong>{RULE_TITLES[r.rule]}</strong>
            {r.status !== a.status && <span className="muted small"> ({STATUS_WORDS[r.status].toLowerCase()})</span>}
            {': '}
            {r.rule === 'spike' ? (
              <>
                <strong>{formatNumber(r.last24h)}</strong> redemptions in the last 24 hours, against a usual{' '}
                <strong>{formatNumber(r.baselineMedian)}</strong> a day.
              </>
            ) : (
              <>
                <strong>{percent(r.noClickShare ?? 0)}</strong> of the last 24 hours’ orders with this code came without
                a click on {member}’s link: the code is probably shared somewhere else.
              </>
            )}
          </li>
        ))}
      </ul>
      {open && detail.loading && !ev && <Loading label="Loading the evidence…" />}
      <ErrorMessage error={detail.error} onRetry={detail.reload} />
      {open && ev && (
        <>
          {rules.map(
            (r) =>
              r.evidence && (
                <div className="stats" key={r.alertId} data-testid={`alert-evidence-${r.rule}`}>
                  {r.rule === 'spike' ? (
                    <>
                      <div className="stat">
                        <div className="stat-label">Last 24 hours</div>
                        <div className="stat-value">{formatNumber(r.evidence.last24h)}</div>
                      </div>
                      <div className="stat">
                        <div className="stat-label">Usual per day</div>
                        <div className="stat-value">{formatNumber(r.evidence.baselineMedian)}</div>
                        <div className="hint">
                          median, {formatShortDay(r.evidence.baselineFrom)} – {formatShortDay(r.evidence.baselineTo)}
                        </div>
                      </div>
                      <div className="stat">
                        <div className="stat-label">Alert threshold</div>
                        <div className="stat-value">
                          {formatNumber(Math.max(r.evidence.floor, r.evidence.k * r.evidence.baselineMedian))}
                        </div>
                        <div className="hint">
                          at least {formatNumber(r.evidence.floor)} and {formatNumber(r.evidence.k)}× usual
                        </div>
                      </div>
                    </>
                  ) : (
                    <>
                      <div className="stat">
                        <div className="stat-label">Without a member click</div>
                        <div className="stat-value">{percent(r.evidence.noClickShare ?? 0)}</div>
                        <div className="hint">of {formatNumber(r.evidence.ordersLast24h)} orders in 24 hours</div>
                      </div>
                    </>
                  )}
                </div>
              ),
          )}
          <LazyTimeSeries
            rows={ev.series as unknown as Record<string, unknown>[]}
            x="day"
            formatX={formatShortDay}
            height={220}
            series={[{ key: 'count', label: 'Redemptions per day', color: '#4338ca' }]}
            reference={{ value: ev.baselineMedian, label: `usual: ${formatNumber(ev.baselineMedian)}/day` }}
          />
          {!!ev.topReferrers?.length && (
            <p className="muted small">
              Where the clicks came from:{' '}
              {ev.topReferrers.map((r) => `${r.host} (${formatNumber(r.count)})`).join(', ')}
            </p>
          )}
        </>
      )}
    </section>
  );
}
