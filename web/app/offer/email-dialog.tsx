// Emails members their link(s) and code(s) for the offer, with an optional note from the brand.
import { useState } from 'react';
import { api } from '../../shared/api.js';
import { Dialog } from '../../shared/dialog.js';
import { fieldErrors } from '../../shared/errors.js';
import type { EmailMembersResult as EmailResult, Offer } from '../../../src/contract/index.js';
import { Button, ErrorMessage, TextAreaField } from '../../shared/ui.js';

interface Props {
  offer: Offer;
  /** The members ticked in the table; empty: everyone on the offer. */
  selected: { id: string; name: string; email: string | null }[];
  /** How many members of the offer have no email address (when known). */
  withoutEmail: number | null;
  open: boolean;
  onClose: () => void;
  onSent: (text: string) => void;
}

const SKIP_TEXT: Record<string, string> = {
  no_email: 'no email address',
  not_on_offer: 'not on this offer',
  nothing_to_send: 'no active link or code',
};

export function EmailMembersDialog({ offer, selected, withoutEmail, open, onClose, onSent }: Props) {
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const noEmail = selected.length ? selected.filter((m) => !m.email).length : withoutEmail;
  const send = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<EmailResult>(`/offers/${offer.id}/members/email`, {
        ...(selected.length ? { memberIds: selected.map((m) => m.id) } : {}),
        ...(message.trim() ? { message: message.trim() } : {}),
      });
      const sent = r.queued.length;
      const skipped = r.skipped.length;
      setMessage('');
      onSent(
        `${sent ? `Emails are on their way to ${sent} member${sent === 1 ? '' : 's'}` : 'No email was sent'}` +
          `${skipped ? `; ${skipped} skipped (${[...new Set(r.skipped.map((x) => SKIP_TEXT[x.reason] ?? x.reason))].join(', ')})` : ''}.`,
      );
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const who = selected.length
    ? `the ${selected.length} selected member${selected.length === 1 ? '' : 's'}`
    : 'every member of this offer';
  return (
    <Dialog
      open={open}
      title="Email members their links and codes"
      onClose={onClose}
      onSubmit={() => void send()}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={busy}>
            Send emails
          </Button>
        </>
      }
    >
      <p>
        Sends {who} an email with their tracking link, their promo code and what they earn on “{offer.name}”.
      </p>
      {!!noEmail && (
        <p className="notice notice-warning">
          {noEmail} of them ha{noEmail === 1 ? 's' : 've'} no email address and will be skipped.
        </p>
      )}
      <TextAreaField
        label="Your note (optional)"
        value={message}
        onChange={setMessage}
        rows={4}
        error={fieldErrors(error).message}
        placeholder="Thanks for joining our spring campaign! Your code gives your followers 15% off."
      />
      <ErrorMessage error={error} />
    </Dialog>
  );
}
