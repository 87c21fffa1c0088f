// Payouts: who would be paid now (approved, unpaid commissions per member at or above the minimum), creating a
// payout batch (which marks those commissions paid), and every batch with its exports (CSV, Excel, PayPal bulk).
import { useEffect, useState } from 'react';
import { api, download } from '../../shared/api.js';
import { useConfirm, useToast } from '../../shared/dialog.js';
import { formatAmount, formatDateTime, formatMoney, formatNumber } from '../../shared/format.js';
import { useResource } from '../../shared/hooks.js';
import { Link, useQueryParam } from '../../shared/router.js';
import type { Page, PayoutBatch as Batch, PayoutLine as Line } from '../../../src/contract/index.js';
import { Button, Checkbox, EmptyState, ErrorMessage, Loading, PageHeader, TextField } from '../../shared/ui.js';
import { useCanEdit, useTimeZone } from '../auth.js';
import type { PageProps } from '../../shared/routes.js';

export default function Payouts(_: PageProps) {
  const canEdit = useCanEdit();
  const timeZone = useTimeZone();
  const confirm = useConfirm();
  const toast = useToast();
  const [asked, setCurrency] = useQueryParam('currency');
  const [note, setNote] = useState('');
  const [exportError, setExportError] = useState<unknown>(null);
  const workspace = useResource((signal) => api.get<{ currency: string }>('/workspace', undefined, signal), []);
  const currency = (asked || workspace.data?.currency || '').toUpperCase();
  const preview = useResource(
    async (signal) =>
      currency
        ? api.get<{ currency: string; lines: Line[]; totalMinor: number }>('/payouts/preview', { currency }, signal)
        : null,
    [currency],
  );
  const batches = useResource((signal) => api.get<Page<Batch>>('/payout-batches', { limit: 100 }, signal), []);
  // Everyone due is chosen until unticked; a fresh preview starts again from everyone.
  const [unticked, setUnticked] = useState<Set<string>>(new Set());
  const lines = preview.data?.lines ?? [];
  useEffect(() => setUnticked(new Set()), [preview.data]);
  const chosen = lines.filter((l) => !unticked.has(l.memberId));
  const chosenMinor = chosen.reduce((n, l) => n + l.amountMinor, 0);
  const tick = (ids: string[], on: boolean) =>
    setUnticked((cur) => {
      const next = new Set(cur);
      for (const id of ids) {
        if (on) next.delete(id);
        else next.add(id);
      }
      return next;
    });

  const create = () =>
    confirm({
      title: 'Create the payout batch?',
      body: `${chosen.length} member${chosen.length === 1 ? '' : 's'} will be paid ${formatMoney(chosenMinor, currency)} in total. Their commissions are marked paid; pay them with the batch's export.`,
      confirm: 'Create batch',
      action: async () => {
        // The chosen members by id, so exactly those are paid, even if someone else became due meanwhile.
        const b = await api.post<Batch>('/payout-batches', {
          currency,
          memberIds: chosen.map((l) => l.memberId),
          ...(note.trim() ? { note: note.trim() } : {}),
        });
        toast(
          `Payout batch created: ${formatAmount(b.total, b.currency)} to ${b.members} member${b.members === 1 ? '' : 's'}.`,
        );
        setNote('');
        preview.reload();
        batches.reload();
      },
    });
  const exportBatch = async (b: Batch, format: 'csv' | 'xlsx' | 'paypal') => {
    setExportError(null);
    try {
      await download(`/payout-batches/${b.id}/export`, { format }, `${b.id}.${format === 'xlsx' ? 'xlsx' : 'csv'}`);
    } catch (e) {
      setExportError(e);
    }
  };

  return (
    <>
      <PageHeader title="Payouts" subtitle="Pay members their approved commissions" zone={timeZone} />
      <section className="card">
        <div className="section-head">
          <h2>Ready to pay</h2>
          <div className="payout-currency">
            <TextField label="Currency" value={currency} onChange={(v) => setCurrency(v.toUpperCase().slice(0, 3))} />
          </div>
        </div>
        {preview.loading && !preview.data && <Loading label="Working out who is owed…" />}
        <ErrorMessage error={preview.error} onRetry={preview.reload} />
        {preview.data && !preview.data.lines.length && (
          <EmptyState title="Nobody to pay right now">
            Members appear here once their commissions are approved (after the hold, or approved by hand on the
            Conversions page) and reach the minimum payout.
          </EmptyState>
        )}
        {preview.data && preview.data.lines.length > 0 && (
          <>
            {/* A phone hides the headings (rows become cards), so its "everyone" box is here. */}
            {canEdit && (
              <div className="phone-only">
                <Checkbox
                  label="Everyone due"
                  checked={chosen.length === lines.length}
                  onChange={(on) =>
                    tick(
                      lines.map((l) => l.memberId),
                      on,
                    )
                  }
                />
              </div>
            )}
            <table className="table responsive">
              <thead>
                <tr>
                  {canEdit && (
                    <th className="check">
                      <input
                        type="checkbox"
                        aria-label="Select everyone due"
                        checked={chosen.length === lines.length}
                        onChange={() =>
                          tick(
                            lines.map((l) => l.memberId),
                            chosen.length !== lines.length,
                          )
                        }
                      />
                    </th>
                  )}
                  <th>Member</th>
                  <th>Email</th>
                  <th className="num">Commissions</th>
                  <th className="num">Amount</th>
                </tr>
              </thead>
              <tbody>
                {preview.data.lines.map((l) => (
                  <tr key={l.memberId} data-member={l.memberId}>
                    {canEdit && (
                      <td className="check">
                        <input
                          type="checkbox"
                          aria-label={`Pay ${l.name}`}
                          checked={!unticked.has(l.memberId)}
                          onChange={(e) => tick([l.memberId], e.target.checked)}
                        />
                      </td>
                    )}
                    <td data-label="Member" className="strong">
                      <Link to={`/members/${l.memberId}`}>{l.name}</Link>
                    </td>
                    <td data-label="Email">{l.email ?? <span className="muted">No email</span>}</td>
                    <td data-label="Commissions" className="num">
                      {formatNumber(l.commissions)}
                    </td>
                    <td data-label="Amount" className="num">
                      {formatMoney(l.amountMinor, currency)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {canEdit && (
              <div className="toolbar payout-create">
                <TextField
                  label="Note (optional)"
                  value={note}
                  onChange={setNote}
                  placeholder="e.g. November payouts"
                />
                <span className="muted small" aria-live="polite" data-testid="payout-chosen">
                  {chosen.length} of {lines.length} chosen
                </span>
                <Button variant="primary" onClick={create} disabled={!chosen.length}>
                  Create payout batch ({formatMoney(chosenMinor, currency)})
                </Button>
              </div>
            )}
          </>
        )}
      </section>

      <section className="card">
        <h2>Payout batches</h2>
        <ErrorMessage error={exportError} />
        {batches.loading && !batches.data && <Loading label="Loading payout batches…" />}
        <ErrorMessage error={batches.error} onRetry={batches.reload} />
        {batches.data && !batches.data.data.length && (
          <EmptyState title="No payout batches yet">
            Each batch you create is kept here with its exports, so you can pay members from your bank or PayPal.
          </EmptyState>
        )}
        {batches.data && batches.data.data.length > 0 && (
          <table className="table responsive">
            <thead>
              <tr>
                <th>Created</th>
                <th className="num">Members</th>
                <th className="num">Total</th>
                <th>Note</th>
                <th>
                  <span className="visually-hidden">Exports</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {batches.data.data.map((b) => (
                <tr key={b.id} data-testid="payout-batch">
                  <td data-label="Created">{formatDateTime(b.createdAt, undefined, timeZone)}</td>
                  <td data-label="Members" className="num">
                    {formatNumber(b.members)}
                  </td>
                  <td data-label="Total" className="num">
                    {formatAmount(b.total, b.currency)}
                  </td>
                  <td data-label="Note">{b.note || <span className="muted">—</span>}</td>
                  <td className="row-actions">
                    <Button className="btn-small" onClick={() => void exportBatch(b, 'csv')}>
                      CSV
                    </Button>
                    <Button className="btn-small" onClick={() => void exportBatch(b, 'xlsx')}>
                      Excel
                    </Button>
                    <Button className="btn-small" onClick={() => void exportBatch(b, 'paypal')}>
                      PayPal file
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
