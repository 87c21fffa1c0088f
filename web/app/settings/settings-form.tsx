// What the settings pages' forms and lists share: a form's field errors, failure and busy state with its submit
// (checked here first, then by the server field by field); the error line and save button under a form; the dialog
// that shows a secret once after creating something (an API key, an invitation's setup link); and a row's
// remove button that asks first.
import { useState, type ReactNode } from 'react';
import { api } from '../../shared/api.js';
import { Dialog, useConfirm, useToast } from '../../shared/dialog.js';
import { fieldErrors } from '../../shared/errors.js';
import { Button, CopyButton, ErrorMessage } from '../../shared/ui.js';

type Errors = Record<string, string>;

/**
 * A form's state. `submit(local, send)` shows the errors found here and stops if there are any; otherwise it runs
 * `send` while busy and shows what the server refused by field (`byField` maps an answer to fields, fieldErrors by
 * default), or the whole failure when no field explains it.
 */
export function useSettingsForm(byField: (err: unknown) => Errors = fieldErrors) {
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (local: Errors, send: () => Promise<void>) => {
    setErrors(local);
    setFailure(null);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      await send();
    } catch (err) {
      const fields = byField(err);
      setErrors(fields);
      if (!Object.keys(fields).length) setFailure(err);
    } finally {
      setBusy(false);
    }
  };
  return { errors, failure, busy, submit };
}

/** The end of a form: its failure (what no field explains), then its submit button. */
export function FormActions({
  failure,
  busy,
  label,
  primary = true,
}: {
  failure: unknown;
  busy: boolean;
  label: string;
  primary?: boolean;
}) {
  return (
    <>
      <ErrorMessage error={failure} />
      <div className="form-actions">
        <Button type="submit" variant={primary ? 'primary' : 'secondary'} busy={busy}>
          {label}
        </Button>
      </div>
    </>
  );
}

/** A dialog about something just created, open while `value` is set; its body says what it is (`children`). */
export function ShownOnceDialog<T>({
  value,
  title,
  onClose,
  children,
}: {
  value: T | null;
  title: string;
  onClose: () => void;
  children: (value: T) => ReactNode;
}) {
  return (
    <Dialog
      open={value !== null}
      title={title}
      onClose={onClose}
      footer={
        <Button variant="primary" onClick={onClose}>
          Done
        </Button>
      }
    >
      {value !== null && children(value)}
    </Dialog>
  );
}

/** A secret shown only this once, with a copy button. */
export function SecretOnce({ text, what, testId }: { text: string; what: string; testId?: string }) {
  return (
    <p className="secret-once">
      <code data-testid={testId}>{text}</code> <CopyButton text={text} what={what} />
    </p>
  );
}

/**
 * A row's remove (revoke, delete) button: asks with `title` and `body`, deletes `path`, says `done` and calls
 * `onRemoved`. With `onFailure`, a refusal is handed to it (shown next to the row) and the dialog closes; without,
 * the dialog shows it.
 */
export function RemoveButton({
  label,
  title,
  body,
  confirm: confirmLabel,
  path,
  done,
  onRemoved,
  onAsk,
  onFailure,
}: {
  label: string;
  title: string;
  body: ReactNode;
  confirm: string;
  path: string;
  done: string;
  onRemoved: () => void;
  onAsk?: () => void;
  onFailure?: (err: unknown) => void;
}) {
  const confirm = useConfirm();
  const toast = useToast();
  const ask = () => {
    onAsk?.();
    confirm({
      title,
      body,
      confirm: confirmLabel,
      danger: true,
      action: async () => {
        try {
          await api.delete(path);
        } catch (err) {
          if (!onFailure) throw err;
          onFailure(err);
          return;
        }
        toast(done);
        onRemoved();
      },
    });
  };
  return (
    <Button variant="danger" className="btn-small" onClick={ask}>
      {label}
    </Button>
  );
}
