// The offer's code roster: export the members with an empty new_code column, fill it in, import it back.
import { useState } from 'react';
import { api, download } from '../../shared/api.js';
import { useToast } from '../../shared/dialog.js';
import { ImportDialog, type ImportColumn } from '../../shared/import-preview.js';
import type { Offer } from '../../../src/contract/index.js';
import { Button, ErrorMessage } from '../../shared/ui.js';

const ROSTER_COLUMNS: ImportColumn[] = [
  { field: 'member', label: 'member_id (or email)', names: ['member_id', 'email'], required: true },
  { field: 'name', label: 'name', names: ['name'] },
  { field: 'instagram', label: 'instagram', names: ['instagram'] },
  { field: 'tiktok', label: 'tiktok', names: ['tiktok'] },
  { field: 'current_code', label: 'current_code', names: ['current_code'] },
  { field: 'new_code', label: 'new_code', names: ['new_code', 'code'], required: true },
];

export function RosterActions({
  offer,
  canEdit,
  onImported,
}: {
  offer: Offer;
  canEdit: boolean;
  onImported: () => void;
}) {
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<'' | 'csv' | 'xlsx'>('');
  const exportAs = async (format: 'csv' | 'xlsx') => {
    setBusy(format);
    setError(null);
    try {
      await download(`/offers/${offer.id}/code-roster`, { format }, `code-roster-${offer.id}.${format}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy('');
    }
  };
  return (
    <>
      <div className="button-group" role="group" aria-label="Code roster">
        <Button className="btn-small" busy={busy === 'csv'} onClick={() => void exportAs('csv')}>
          Export codes (CSV)
        </Button>
        <Button className="btn-small" busy={busy === 'xlsx'} onClick={() => void exportAs('xlsx')}>
          Export codes (Excel)
        </Button>
        {canEdit && offer.status !== 'archived' && (
          <Button className="btn-small" onClick={() => setOpen(true)}>
            Import codes
          </Button>
        )}
      </div>
      <ErrorMessage error={error} />
      <ImportDialog
        open={open}
        onClose={() => setOpen(false)}
        title="Import promo codes"
        intro={
          <p>
            Export the roster, type each member’s code in the <code>new_code</code> column, and import the file here. A
            member’s earlier code on this offer is switched off when they get a new one. Rows with an empty{' '}
            <code>new_code</code> are left alone. Nothing changes until every row is right.
          </p>
        }
        columns={ROSTER_COLUMNS}
        upload={(file, type) =>
          api.upload<{ assigned: number; unchanged: number }>(`/offers/${offer.id}/code-roster`, file, type)
        }
        onDone={(r) => {
          setOpen(false);
          toast(
            `${r.assigned} code${r.assigned === 1 ? '' : 's'} assigned${r.unchanged ? `, ${r.unchanged} unchanged` : ''}.`,
          );
          onImported();
        }}
      />
    </>
  );
}
