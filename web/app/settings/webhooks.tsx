// Settings → Outgoing webhooks: endpoints (URL, the events they subscribe to, the signing secret for owners and
// managers: the server leaves it out for viewers), adding and deleting one, and each endpoint's delivery log with the
// receiver's response code and time of every attempt, and "Send again" for a message not delivered.
import { useState, type FormEvent } from 'react';
import { api } from '../../shared/api.js';
import { useToast } from '../../shared/dialog.js';
import { friendlyMessage } from '../../shared/errors.js';
import { formatDateTime } from '../../shared/format.js';
import { useResource } from '../../shared/hooks.js';
import { Button, Checkbox, CopyButton, EmptyState, ErrorMessage, Field, Loading, TextField } from '../../shared/ui.js';
import { WEBHOOK_EVENTS, WEBHOOK_EVENT_TEXT, type WebhookEvent } from '../../../src/core/webhook-events.js';
import type { Page, WebhookEndpoint, WebhookMessage } from '../../../src/contract/index.js';
import { useCanEdit, useTimeZone } from '../auth.js';
import { FormActions, RemoveButton, useSettingsForm } from './settings-form.js';
import { SettingsPage } from './settings-nav.js';

export default function Webhooks() {
  const canEdit = useCanEdit();
  const endpoints = useResource(
    (signal) => api.get<{ data: WebhookEndpoint[] }>('/webhook-endpoints', undefined, signal),
    [],
  );
  const list = endpoints.data?.data ?? [];
  const active = list.filter((e) => e.active);
  const disabled = list.filter((e) => !e.active);
  return (
    <SettingsPage subtitle="Signed messages to your systems when something happens in Touchpoint">
      {canEdit && <EndpointForm onAdded={endpoints.reload} />}
      {endpoints.loading && !endpoints.data && <Loading />}
      <ErrorMessage error={endpoints.error} onRetry={endpoints.reload} />
      {endpoints.data && !active.length && (
        <EmptyState title="No webhook endpoints">
          {canEdit ? 'Add a URL above and pick the events it should receive.' : 'An owner or a manager can add one.'}
        </EmptyState>
      )}
      {active.map((e) => (
        <Endpoint key={e.id} endpoint={e} canEdit={canEdit} onDeleted={endpoints.reload} />
      ))}
      {disabled.length > 0 && (
        <details className="card">
          <summary>Deleted endpoints ({disabled.length})</summary>
          {disabled.map((e) => (
            <Endpoint key={e.id} endpoint={e} canEdit={canEdit} onDeleted={endpoints.reload} />
          ))}
        </details>
      )}
    </SettingsPage>
  );
}

function EndpointForm({ onAdded }: { onAdded: () => void }) {
  const toast = useToast();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<Set<WebhookEvent>>(new Set(['conversion.created']));
  const form = useSettingsForm();
  const { errors } = form;
  const add = (e: FormEvent) => {
    e.preventDefault();
    const local: Record<string, string> = {};
    if (!/^https?:\/\/\S+$/i.test(url.trim())) local.url = 'A full http(s) URL, such as https://example.com/hooks.';
    if (!events.size) local.events = 'Pick at least one event.';
    void form.submit(local, async () => {
      await api.post<WebhookEndpoint>('/webhook-endpoints', { url: url.trim(), events: [...events] });
      toast('Webhook endpoint added.');
      setUrl('');
      onAdded();
    });
  };
  const toggle = (ev: WebhookEvent, on: boolean) =>
    setEvents((s) => {
      const next = new Set(s);
      if (on) next.add(ev);
      else next.delete(ev);
      return next;
    });
  return (
    <form className="card" onSubmit={add} noValidate aria-label="Add an endpoint">
      <h2>Add an endpoint</h2>
      <TextField
        label="Endpoint URL"
        type="url"
        inputMode="url"
        value={url}
        onChange={setUrl}
        error={errors.url}
        placeholder="https://example.com/touchpoint-hooks"
      />
      <Field label="Events" error={errors.events}>
        <div className="webhook-events">
          {WEBHOOK_EVENTS.map((ev) => (
            <Checkbox
              key={ev}
              label={<code>{ev}</code>}
              hint={WEBHOOK_EVENT_TEXT[ev]}
              checked={events.has(ev)}
              onChange={(on) => toggle(ev, on)}
            />
          ))}
        </div>
      </Field>
      <FormActions failure={form.failure} busy={form.busy} label="Add endpoint" />
    </form>
  );
}

function Endpoint({
  endpoint: e,
  canEdit,
  onDeleted,
}: {
  endpoint: WebhookEndpoint;
  canEdit: boolean;
  onDeleted: () => void;
}) {
  const [open, setOpen] = useState(false);
  return (
    <section className="card webhook-endpoint" aria-label={e.url} data-testid="webhook-endpoint">
      <div className="section-head">
        <h2 className="webhook-url">{e.url}</h2>
        {e.active ? (
          canEdit && (
            <RemoveButton
              label="Delete"
              title="Delete this endpoint?"
              body={`${e.url} receives no more messages; messages not yet delivered are given up.`}
              confirm="Delete endpoint"
              path={`/webhook-endpoints/${e.id}`}
              done="Webhook endpoint deleted."
              onRemoved={onDeleted}
            />
          )
        ) : (
          <span className="badge badge-disabled">Deleted</span>
        )}
      </div>
      <p>
        {e.events.map((ev) => (
          <code key={ev} className="webhook-event">
            {ev}
          </code>
        ))}
      </p>
      {e.secret && (
        <p className="webhook-secret">
          <span className="muted">Signing secret </span>
          <code data-testid="webhook-secret">{e.secret}</code> <CopyButton text={e.secret} what="the signing secret" />
          <span className="hint block">
            Each message carries X-Touchpoint-Signature: t=&lt;unix time&gt;,v1=&lt;HMAC-SHA256 of
            &quot;t.body&quot;&gt;; check it with this secret.
          </span>
        </p>
      )}
      <Button className="btn-small" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        {open ? 'Hide delivery log' : 'Delivery log'}
      </Button>
      {open && <DeliveryLog endpointId={e.id} canEdit={canEdit} />}
    </section>
  );
}

const STATUS_TEXT: Record<string, string> = {
  pending: 'Waiting to retry',
  delivered: 'Delivered',
  failed: 'Failed',
};

function DeliveryLog({ endpointId, canEdit }: { endpointId: string; canEdit: boolean }) {
  const timeZone = useTimeZone();
  const toast = useToast();
  const messages = useResource(
    (signal) => api.get<Page<WebhookMessage>>(`/webhook-endpoints/${endpointId}/messages`, { limit: 50 }, signal),
    [endpointId],
  );
  const [rowError, setRowError] = useState<{ id: string; text: string } | null>(null);
  const sendAgain = async (m: WebhookMessage) => {
    setRowError(null);
    try {
      await api.post(`/webhook-messages/${m.id}/retry`);
      toast('The message will be sent again within a minute.');
    } catch (err) {
      setRowError({ id: m.id, text: friendlyMessage(err) });
    }
    messages.reload();
  };
  const list = messages.data?.data ?? [];
  const when = (iso: string | null) => formatDateTime(iso, undefined, timeZone);
  return (
    <div className="delivery-log">
      <div className="section-head">
        <h3>Delivery log</h3>
        <Button className="btn-small" variant="ghost" onClick={messages.reload} busy={messages.loading}>
          Refresh
        </Button>
      </div>
      <ErrorMessage error={messages.error} onRetry={messages.reload} />
      {messages.data && !list.length && <EmptyState title="No messages yet" />}
      {list.length > 0 && (
        <table className="table responsive compact">
          <thead>
            <tr>
              <th>Event</th>
              <th>Status</th>
              <th className="num">Response</th>
              <th>Attempts (response, time)</th>
              <th>Created</th>
              <th>Delivered / next try</th>
              <th>
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((m) => (
              <tr key={m.id} data-testid="webhook-message">
                <td data-label="Event">
                  <code>{m.eventType}</code>
                </td>
                <td data-label="Status">
                  {STATUS_TEXT[m.status] ?? m.status}
                  {m.lastError && <div className="muted small">{m.lastError}</div>}
                  {rowError?.id === m.id && (
                    <p className="field-error" role="alert">
                      {rowError.text}
                    </p>
                  )}
                </td>
                <td data-label="Response" className="num" data-testid="webhook-response">
                  {m.lastStatus ?? '—'}
                </td>
                <td data-label="Attempts">
                  {m.attemptLog.length ? (
                    <ol className="webhook-attempts">
                      {m.attemptLog.map((a) => (
                        <li key={a.attempt} data-testid="webhook-attempt">
                          <span className="mono">{a.status ?? a.error ?? '—'}</span> {when(a.at)}
                        </li>
                      ))}
                    </ol>
                  ) : (
                    'None yet'
                  )}
                </td>
                <td data-label="Created">{when(m.createdAt)}</td>
                <td data-label="Delivered / next try">
                  {m.deliveredAt ? when(m.deliveredAt) : m.nextAttemptAt ? `Next: ${when(m.nextAttemptAt)}` : '—'}
                </td>
                <td className="row-actions">
                  {canEdit && m.status !== 'delivered' && (
                    <Button className="btn-small" onClick={() => void sendAgain(m)}>
                      Send again
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
