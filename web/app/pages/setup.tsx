// A setup link (/app/setup?token=…): a new user, or one whose password an owner reset, chooses a password.
import { useState } from 'react';
import { api } from '../../shared/api.js';
import { fieldErrors } from '../../shared/errors.js';
import { navigate, useLocation } from '../../shared/router.js';
import type { SignedIn } from '../../shared/types.js';
import { Button, EmptyState, ErrorMessage, TextField } from '../../shared/ui.js';
import { useAuth } from '../auth.js';
import { HOME, type PageProps } from '../routes.js';
import { MIN_PASSWORD, passwordHint } from './change-password.js';

export default function Setup(_: PageProps) {
  const { signedIn } = useAuth();
  const token = useLocation().query.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [mismatch, setMismatch] = useState(false);
  const [tooShort, setTooShort] = useState(false);
  if (!token) {
    return (
      <div className="center-screen">
        <div className="card narrow">
          <EmptyState title="This link is incomplete">Open the setup link from your invitation email again, or ask an owner of your workspace for a new one.</EmptyState>
        </div>
      </div>
    );
  }
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setMismatch(password !== repeat);
    setTooShort(password.length < MIN_PASSWORD);
    if (password !== repeat || password.length < MIN_PASSWORD) return;
    setBusy(true);
    setError(null);
    try {
      signedIn(await api.post<SignedIn>('/auth/setup', { token, password }));
      navigate(HOME, { replace: true });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  const fields = fieldErrors(error);
  return (
    <div className="center-screen">
      <form className="card narrow" onSubmit={submit} noValidate>
        <h1 className="brand-title">Touchpoint</h1>
        <p className="subtitle">Choose a password to finish setting up your account.</p>
        <TextField label="New password" type="password" autoComplete="new-password" value={password} onChange={setPassword} hint={passwordHint} error={tooShort ? `Use at least ${MIN_PASSWORD} characters.` : fields.password} autoFocus />
        <TextField label="Repeat the password" type="password" autoComplete="new-password" value={repeat} onChange={setRepeat} error={mismatch ? 'The two passwords are not the same.' : undefined} />
        <ErrorMessage error={error} />
        <Button type="submit" variant="primary" busy={busy} className="wide">Save and sign in</Button>
      </form>
    </div>
  );
}
