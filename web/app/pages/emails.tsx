// Emails: the outbox and send log. Every email Touchpoint sent or will send (members' links and codes, portal sign-in
// links, new codes, team invitations), with what happened to it in words and the mail server's own reply beside them,
// the message as it was sent, and "Send again" for a failed or bounced one. A bounce or an SMTP error is always shown.
import { useEffect, useState } from 'react';
import { api, type Query } from '../../shared/api.js';
import { Dialog, useToast } from '../../shared/dialog.js';
import { formatDateTime, formatNumber } from '../../shared/format.js';
import { useAction, useResource } from '../../shared/hooks.js';
import { useQueryParam } from '../../shared/router.js';
import type { Email as EmailWithBodies, EmailSummary, Page } from '../../../src/contract/index.js';
import { Button, EmptyState, ErrorMessage, Loading, PageHeader, Tabs } from '../../shared/ui.js';
import { useCanEdit, useTimeZone } from '../auth.js';
import { emailKindWords, emailProblem, emailStatusWords, type EmailStatus } from '../email-words.js';
import type { PageProps } from '../../shared/routes.js';
import '../emails.css';

/** The API documents status and deliveredVia as strings; these are the values the server writes. */
type Narrowed = { status: EmailStatus; deliveredVia: 'smtp' | 'outbox' | null };
type Email = Omit<EmailSummary, keyof Narrowed> & Narrowed;
type EmailDetail = Omit<EmailWithBodies, keyof Narrowed> & Narrowed;

type Filter = '' | 'queued' | 'sent' | 'outbox' | 'failed' | 'bounced';
/** "Sent" means a mail server took it; an email only written to the local outbox reached nobody, so it has its own tab. */
const FILTERS: { value: Filter; label: string; query: Query }[] = [
  { value: '', label: 'All', query: {} },
  { value: 'queued', label: 'Waiting to send', query: { status: 'queued' } },
  { value: 'sent', label: 'Sent', query: { status: 'sent', deliveredVia: 'smtp' } },
  { value: 'outbox', label: 'Saved to outbox', query: { status: 'sent', deliveredVia: 'outbox' } },
  { value: 'failed', label: 'Failed', query: { status: 'failed' } },
  { value: 'bounced', label: 'Bounced', query: { status: 'bounced' } },
];
const BADGE: Record<EmailStatus, string> = {
  queued: 'pending',
  sending: 'pending',
  sent: 'active',
  failed: 'failed',
  bounced: 'failed',
};
const PAGE = 50;

/** A failed or bounced email whose link (if it has one) still works can be sent again; the server checks it too. */
const canRetry = (e: Email, now: number) =>
  (e.status === 'failed' || e.status === 'bounced') && (!e.expiresAt || Date.parse(e.expiresAt) > now);

export default function Emails(_: PageProps) {
  const canEdit = useCanEdit();
  const timeZone = useTimeZone();
  const toast = useToast();
  const [status, setStatus] = useQueryParam('status');
  const filter = FILTERS.find((f) => f.value === status) ?? FILTERS[0]!;
  const [openId, setOpenId] = useState('');
  const [more, setMore] = useState<{ list: Email[]; cursor: string | null } | null>(null);
  const list = useResource(
    async (signal) => {
      setMore(null);
      return api.get<Page<Email>>('/emails', { limit: PAGE, ...filter.query }, signal);
    },
    [filter],
  );
  const loadMore = useAction(async () => {
    const next = await api.get<Page<Email>>('/emails', {
      limit: PAGE,
      ...filter.query,
      cursor: more ? more.cursor : list.data?.nextCursor,
    });
    setMore({ list: [...(more?.list ?? []), ...next.data], cursor: next.nextCursor });
  });
  const retry = useAction(async (e: Email) => {
    await api.post<Email>(`/emails/${e.id}/retry`);
    toast(`The email to ${e.to} is queued to be sent again.`);
    list.reload();
  });

  const rows = [...(list.data?.data ?? []), ...(more?.list ?? [])];
  const cursor = more ? more.cursor : (list.data?.nextCursor ?? null);
  const now = Date.now();
  const open = rows.find((e) => e.id === openId);
  // The dispatcher sends within seconds: while an email of the first page waits, the list follows it on its own.
  const waiting = !more && !!list.data?.data.some((e) => e.status === 'queued' || e.status === 'sending');
  useEffect(() => {
    if (!waiting || list.loading) return;
    const timer = setTimeout(list.reload, 5000);
    return () => clearTimeout(timer);
  }, [waiting, list.loading, list.data, list.reload]);

  return (
    <>
      <PageHeader
        title="Emails"
        subtitle="Everything Touchpoint sent or is about to send to your members and your team, and what happened to it"
        zone={timeZone}
      />
      <Tabs label="Show emails" value={filter.value} options={FILTERS} onChange={setStatus} />
      <ErrorMessage error={retry.error} />
      {list.loading && !list.data && <Loading label="Loading emails…" />}
      <ErrorMessage error={list.error} onRetry={list.reload} />
      {list.data &&
        !rows.length &&
        (filter.value ? (
          <EmptyState title={`No ${filter.label.toLowerCase()} emails`}>
            {filter.value === 'failed' || filter.value === 'bounced'
              ? 'Every email so far reached its recipient’s mail server.'
              : 'Try another tab.'}
          </EmptyState>
        ) : (
          <EmptyState title="No emails yet">
            Emails appear here once you email members their links from an offer, invite someone to your team, or a
            member asks for a sign-in link to their portal.
          </EmptyState>
        ))}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table className="table responsive emails-table">
            <thead>
              <tr>
                <th>To</th>
                <th>Subject</th>
                <th>Status</th>
                <th className="num">Attempts</th>
                <th>When</th>
                <th>
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => {
                const problem = emailProblem(e);
                return (
                  <tr key={e.id} data-testid="email">
                    <td data-label="To" className="email-to">
                      <div>
                        {e.to}
                        <div className="muted small">{emailKindWords(e.kind)}</div>
                      </div>
                    </td>
                    <td data-label="Subject" className="email-subject">
                      {e.subject}
                    </td>
                    <td data-label="Status" className="email-status">
                      <div>
                        <span className={`badge badge-${BADGE[e.status]}`}>{emailStatusWords(e)}</span>
                        {problem && (
                          <div
                            className={`email-problem small${e.status === 'queued' || e.status === 'sending' ? ' email-problem-retrying' : ''}`}
                          >
                            {problem.summary}
                          </div>
                        )}
                        {e.status === 'queued' && e.nextAttemptAt && e.attempts > 0 && (
                          <div className="muted small">
                            next try {formatDateTime(e.nextAttemptAt, undefined, timeZone)}
                          </div>
                        )}
                      </div>
                    </td>
                    <td data-label="Attempts" className="num">
                      {formatNumber(e.attempts)}
                    </td>
                    <td data-label="When" className="email-when">
                      {formatDateTime(e.sentAt ?? e.createdAt, undefined, timeZone)}
                    </td>
                    <td className="row-actions">
                      <Button
                        className="btn-small"
                        onClick={() => setOpenId(e.id)}
                        aria-label={`View the email to ${e.to}`}
                      >
                        View
                      </Button>
                      {canEdit && canRetry(e, now) && (
                        <Button
                          className="btn-small"
                          variant="primary"
                          busy={retry.busy}
                          onClick={() => void retry.run(e)}
                          aria-label={`Send the email to ${e.to} again`}
                        >
                          Send again
                        </Button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <ErrorMessage error={loadMore.error} />
      {cursor && (
        <div className="more">
          <Button busy={loadMore.busy} onClick={() => void loadMore.run()}>
            Show more emails
          </Button>
        </div>
      )}
      {open && (
        <EmailDialog
          email={open}
          canRetry={canEdit && canRetry(open, now)}
          onClose={() => setOpenId('')}
          onRetry={async () => {
            await retry.run(open);
            setOpenId('');
          }}
        />
      )}
    </>
  );
}

function EmailDialog({
  email,
  canRetry,
  onClose,
  onRetry,
}: {
  email: Email;
  canRetry: boolean;
  onClose: () => void;
  onRetry: () => Promise<void>;
}) {
  const detail = useResource((signal) => api.get<EmailDetail>(`/emails/${email.id}`, undefined, signal), [email.id]);
  const timeZone = useTimeZone();
  const e = detail.data ?? email;
  const problem = emailProblem(e);
  return (
    <Dialog
      open
      wide
      title={e.subject}
      onClose={onClose}
      footer={
        <>
          {canRetry && (
            <Button variant="primary" onClick={() => void onRetry()}>
              Send again
            </Button>
          )}
          <Button onClick={onClose}>Close</Button>
        </>
      }
    >
      <dl className="email-facts">
        <dt>To</dt>
        <dd>{e.to}</dd>
        <dt>Kind</dt>
        <dd>{emailKindWords(e.kind)}</dd>
        <dt>Status</dt>
        <dd>
          <span className={`badge badge-${BADGE[e.status]}`}>{emailStatusWords(e)}</span> after{' '}
          {formatNumber(e.attempts)} attempt{e.attempts === 1 ? '' : 's'}
        </dd>
        <dt>Queued</dt>
        <dd>{formatDateTime(e.createdAt, undefined, timeZone)}</dd>
        {e.sentAt && (
          <>
            <dt>{e.deliveredVia === 'outbox' ? 'Saved' : 'Sent'}</dt>
            <dd>
              {formatDateTime(e.sentAt, undefined, timeZone)}
              {e.deliveredVia === 'outbox' ? ' to the local outbox (no mail server is set up)' : ''}
            </dd>
          </>
        )}
        {e.status === 'queued' && e.nextAttemptAt && (
          <>
            <dt>Next try</dt>
            <dd>{formatDateTime(e.nextAttemptAt, undefined, timeZone)}</dd>
          </>
        )}
        {e.expiresAt && (
          <>
            <dt>Link works until</dt>
            <dd>{formatDateTime(e.expiresAt, undefined, timeZone)}</dd>
          </>
        )}
      </dl>
      {problem && (
        <div
          className={`notice ${e.status === 'queued' || e.status === 'sending' ? 'notice-warning' : 'notice-error'} email-error`}
          role="status"
        >
          <div>
            <strong>{problem.summary}</strong>
            {problem.reply && (
              <div className="email-reply">
                The mail server said: <code>{problem.reply}</code>
              </div>
            )}
          </div>
        </div>
      )}
      {e.status === 'sent' && e.note && <p className="muted small email-note">{e.note}</p>}
      <h3 className="email-body-title">The message</h3>
      {detail.loading && !detail.data && <Loading label="Loading the message…" />}
      <ErrorMessage error={detail.error} onRetry={detail.reload} />
      {detail.data && (
        <pre className="email-body" data-testid="email-body">
          {detail.data.text}
        </pre>
      )}
    </Dialog>
  );
}
