// The card the signed-out pages share (login.tsx, setup.tsx): the brand, one line saying what this is for, the
// fields, the API's error and one wide button. It owns the submit cycle (busy, error) so both pages behave alike.
import { useState, type FormEvent, type ReactNode } from 'react';
import { fieldErrors } from '../shared/errors.js';
import { Button, ErrorMessage } from '../shared/ui.js';

/** A centred card on an empty screen, without the navigation. */
export function SignedOutCard({ children }: { children: ReactNode }) {
  return (
    <div className="center-screen">
      <div className="card narrow">
        <h1 className="brand-title">Touchpoint</h1>
        {children}
      </div>
    </div>
  );
}

export function SignedOutForm({
  subtitle,
  submitLabel,
  submit,
  children,
  after,
}: {
  subtitle: ReactNode;
  submitLabel: string;
  /**
   * Sends the form; throws the API's error to show it. Resolves false when the page's own checks stopped it before
   * sending; otherwise the page has moved on, so the button stays busy (no second request while it goes).
   */
  submit: () => Promise<boolean | void>;
  /** The fields, given the API's field errors by path ("email", "password"). */
  children: (fields: Record<string, string>) => ReactNode;
  after?: ReactNode;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if ((await submit()) === false) setBusy(false);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <div className="center-screen">
      <form className="card narrow" onSubmit={onSubmit} noValidate>
        <h1 className="brand-title">Touchpoint</h1>
        <p className="subtitle">{subtitle}</p>
        {children(fieldErrors(error))}
        <ErrorMessage error={error} />
        <Button type="submit" variant="primary" busy={busy} className="wide">
          {submitLabel}
        </Button>
        {after}
      </form>
    </div>
  );
}
