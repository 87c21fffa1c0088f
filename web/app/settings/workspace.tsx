// Settings → Workspace: name, time zone, currency and default hold days in one form; the minimum payout; exchange
// rates. Owners and managers edit; viewers read the same values with no form. The server checks every value again
// (and answers field by field), so what is checked here is only what makes the form pleasant.
import { useId, useMemo, useState, type FormEvent } from 'react';
import { api, request } from '../../shared/api.js';
import { useToast } from '../../shared/dialog.js';
import { formatAmount, formatDateTime } from '../../shared/format.js';
import { useResource } from '../../shared/hooks.js';
import { Button, EmptyState, ErrorMessage, Field, Loading, TextField } from '../../shared/ui.js';
import type { FxRate, MinimumPayout, Workspace } from '../../../src/contract/index.js';
import { useAuth, useCanEdit, useTimeZone } from '../auth.js';
import { FormActions, useSettingsForm } from './settings-form.js';
import { SettingsPage } from './settings-nav.js';

/** Every IANA zone this browser knows, plus UTC (which some engines leave out of the list). */
function timeZones(): string[] {
  const all = Intl.supportedValuesOf('timeZone');
  return all.includes('UTC') ? all : ['UTC', ...all];
}

export default function WorkspaceSettings() {
  const canEdit = useCanEdit();
  const workspace = useResource((signal) => api.get<Workspace>('/workspace', undefined, signal), []);
  return (
    <SettingsPage subtitle="The workspace's name, clock, currency and money rules">
      {workspace.loading && !workspace.data && <Loading />}
      <ErrorMessage error={workspace.error} onRetry={workspace.reload} />
      {workspace.data &&
        (canEdit ? (
          <>
            <WorkspaceForm workspace={workspace.data} onSaved={workspace.set} />
            <MinimumPayoutForm workspace={workspace.data} onSaved={workspace.reload} />
          </>
        ) : (
          <WorkspaceSummary workspace={workspace.data} />
        ))}
      <FxRates canEdit={canEdit} />
    </SettingsPage>
  );
}

function WorkspaceSummary({ workspace: w }: { workspace: Workspace }) {
  return (
    <section className="card" aria-label="Workspace">
      <h2>Workspace</h2>
      <dl className="settings-values">
        <dt>Name</dt>
        <dd>{w.name}</dd>
        <dt>Time zone</dt>
        <dd>{w.timezone}</dd>
        <dt>Currency</dt>
        <dd>{w.currency}</dd>
        <dt>Default hold</dt>
        <dd>{holdText(w.defaultHoldDays)}</dd>
        <dt>Minimum payout</dt>
        <dd>{formatAmount(w.minimumPayout, w.currency)}</dd>
      </dl>
      <p className="muted small">Your role can see these settings; an owner or a manager can change them.</p>
    </section>
  );
}

const holdText = (days: number) => (days === 1 ? '1 day' : `${days} days`);

function WorkspaceForm({ workspace: w, onSaved }: { workspace: Workspace; onSaved: (w: Workspace) => void }) {
  const auth = useAuth();
  const toast = useToast();
  const zones = useMemo(timeZones, []);
  const listId = useId();
  const zoneId = useId();
  const [name, setName] = useState(w.name);
  const [timezone, setTimezone] = useState(w.timezone);
  const [currency, setCurrency] = useState(w.currency);
  const [holdDays, setHoldDays] = useState(String(w.defaultHoldDays));
  const form = useSettingsForm();
  const { errors } = form;

  const save = (e: FormEvent) => {
    e.preventDefault();
    const local: Record<string, string> = {};
    if (!name.trim()) local.name = 'The workspace needs a name.';
    if (!zones.includes(timezone)) local.timezone = 'Pick a zone from the list, such as Europe/Paris.';
    if (!/^[A-Z]{3}$/.test(currency)) local.currency = 'Three capital letters, such as EUR.';
    if (!/^\d{1,3}$/.test(holdDays) || Number(holdDays) > 365) local.defaultHoldDays = 'Whole days from 0 to 365.';
    const patch: Record<string, unknown> = {};
    if (name.trim() !== w.name) patch.name = name.trim();
    if (timezone !== w.timezone) patch.timezone = timezone;
    if (currency !== w.currency) patch.currency = currency;
    if (Number(holdDays) !== w.defaultHoldDays) patch.defaultHoldDays = Number(holdDays);
    void form.submit(local, async () => {
      if (!Object.keys(patch).length) return toast('Nothing to save: no setting changed.');
      const saved = await api.patch<Workspace>('/workspace', patch);
      onSaved(saved);
      auth.updateWorkspace({ id: saved.id, name: saved.name, timezone: saved.timezone });
      toast('Workspace settings saved.');
    });
  };

  return (
    <form className="card" onSubmit={save} noValidate aria-label="Workspace">
      <h2>Workspace</h2>
      <div className="grid-2">
        <TextField label="Name" value={name} onChange={setName} error={errors.name} required />
        <Field
          label="Time zone"
          htmlFor={zoneId}
          error={errors.timezone}
          hint="Every date and time in the dashboard, the portal and the reports is on this clock. Type to search."
        >
          <input
            id={zoneId}
            list={listId}
            value={timezone}
            onChange={(e) => setTimezone(e.target.value.trim())}
            aria-invalid={!!errors.timezone || undefined}
            autoComplete="off"
            spellCheck={false}
          />
          <datalist id={listId}>
            {zones.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </Field>
        <TextField
          label="Currency"
          value={currency}
          onChange={(v) => setCurrency(v.toUpperCase().slice(0, 3))}
          error={errors.currency}
          hint="New offers are in this currency; payouts and reports default to it."
        />
        <TextField
          label="Default hold (days)"
          type="number"
          inputMode="numeric"
          min={0}
          max={365}
          value={holdDays}
          onChange={setHoldDays}
          error={errors.defaultHoldDays}
          hint="How long a new offer's commissions wait before they are approved (an offer can set its own)."
        />
      </div>
      <FormActions failure={form.failure} busy={form.busy} label="Save workspace" />
    </form>
  );
}

function MinimumPayoutForm({ workspace: w, onSaved }: { workspace: Workspace; onSaved: () => void }) {
  const toast = useToast();
  const [amount, setAmount] = useState(w.minimumPayout);
  const form = useSettingsForm();
  const save = (e: FormEvent) => {
    e.preventDefault();
    void form.submit({}, async () => {
      const saved = await request<MinimumPayout>('PUT', '/workspace/minimum-payout', { amount: amount.trim() });
      setAmount(saved.minimumPayout);
      toast(`Minimum payout set to ${formatAmount(saved.minimumPayout, saved.currency)}.`);
      onSaved();
    });
  };
  return (
    <form className="card" onSubmit={save} noValidate aria-label="Minimum payout">
      <h2>Minimum payout</h2>
      <div className="inline-form">
        <TextField
          label={`Minimum payout (${w.currency})`}
          inputMode="decimal"
          value={amount}
          onChange={setAmount}
          error={form.errors.amount}
          hint="A member is paid once their approved commissions reach this amount; 0 pays every amount."
        />
        <Button type="submit" busy={form.busy}>
          Save minimum
        </Button>
      </div>
      <ErrorMessage error={form.failure} />
    </form>
  );
}

function FxRates({ canEdit }: { canEdit: boolean }) {
  const timeZone = useTimeZone();
  const toast = useToast();
  const rates = useResource((signal) => api.get<{ data: FxRate[] }>('/fx-rates', undefined, signal), []);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [rate, setRate] = useState('');
  const form = useSettingsForm();
  const { errors } = form;
  const save = (e: FormEvent) => {
    e.preventDefault();
    void form.submit({}, async () => {
      const saved = await request<FxRate>('PUT', '/fx-rates', { from, to, rate: rate.trim() });
      toast(`1 ${saved.from} = ${saved.rate} ${saved.to} saved.`);
      setRate('');
      rates.reload();
    });
  };
  const list = rates.data?.data ?? [];
  return (
    <section className="card" aria-label="Exchange rates">
      <h2>Exchange rates</h2>
      <p className="muted small">
        For orders in another currency than their offer's. An order without a rate earns nothing until one is set.
      </p>
      {rates.loading && !rates.data && <Loading />}
      <ErrorMessage error={rates.error} onRetry={rates.reload} />
      {rates.data && !list.length && <EmptyState title="No exchange rates yet" />}
      {list.length > 0 && (
        <table className="table responsive">
          <thead>
            <tr>
              <th>From</th>
              <th>To</th>
              <th className="num">Rate</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <tr key={`${r.from}-${r.to}`} data-testid="fx-rate">
                <td data-label="From">{r.from}</td>
                <td data-label="To">{r.to}</td>
                <td data-label="Rate" className="num">
                  1 {r.from} = {r.rate} {r.to}
                </td>
                <td data-label="Updated">{formatDateTime(r.updatedAt, undefined, timeZone)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canEdit && (
        <form onSubmit={save} noValidate aria-label="Add or update a rate">
          <h3>Add or update a rate</h3>
          <div className="grid-3">
            <TextField
              label="From"
              value={from}
              onChange={(v) => setFrom(v.toUpperCase().slice(0, 3))}
              error={errors.from}
              placeholder="EUR"
            />
            <TextField
              label="To"
              value={to}
              onChange={(v) => setTo(v.toUpperCase().slice(0, 3))}
              error={errors.to}
              placeholder="USD"
            />
            <TextField
              label="Rate"
              inputMode="decimal"
              value={rate}
              onChange={setRate}
              error={errors.rate}
              hint="Units of To for one unit of From."
            />
          </div>
          <FormActions failure={form.failure} busy={form.busy} label="Save rate" primary={false} />
        </form>
      )}
    </section>
  );
}
