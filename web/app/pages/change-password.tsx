// Changing one's password; also the screen a first sign-in with a one-time password is held on.
import { useState } from 'react';
import { api } from '../../shared/api.js';
import { fieldErrors } from '../../shared/errors.js';
import { navigate } from '../../shared/router.js';
import { useToast } from '../../shared/dialog.js';
import type { User } from '../../../src/contract/index.js';
import { Button, ErrorMessage, TextField } from '../../shared/ui.js';
import { useAuth, useMe } from '../auth.js';
import type { PageProps } from '../../shared/routes.js';
import { HOME } from '../home.js';

export const MIN_PASSWORD = 10;
export const passwordHint = `At least ${MIN_PASSWORD} characters. A short sentence is easy to remember and hard to guess.`;

export default function ChangePassword(_: PageProps) {
  const { user } = useMe();
  const { updateUser, logout } = useAuth();
  const toast = useToast();
  const forced = user.mustChangePassword;
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [local, setLocal] = useState<Record<string, string>>({});
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const problems: Record<string, string> = {};
    if (next.length < MIN_PASSWORD) problems.newPassword = `Use at least ${MIN_PASSWORD} characters.`;
    if (next !== repeat) problems.repeat = 'The two passwords are not the same.';
    if (next && next === current) problems.newPassword = 'Choose a password different from the current one.';
    setLocal(problems);
    if (Object.keys(problems).length) return;
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<{ user: User }>('/auth/password', { currentPassword: current, newPassword: next });
      updateUser(r.user ?? { ...user, mustChangePassword: false });
      toast('Your password is changed. Other browsers signed in as you were signed out.');
      navigate(HOME, { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const fields = { ...fieldErrors(error), ...local };
  return (
    <form className={forced ? 'card narrow' : 'card form-page'} onSubmit={submit} noValidate>
      <h1>{forced ? 'Choose your own password' : 'Change your password'}</h1>
      {forced && (
        <p className="subtitle">You signed in with a one-time password. Choose a password of your own to continue.</p>
      )}
      <TextField
        label={forced ? 'One-time password' : 'Current password'}
        type="password"
        autoComplete="current-password"
        value={current}
        onChange={setCurrent}
        error={fields.currentPassword}
        autoFocus
      />
      <TextField
        label="New password"
        type="password"
        autoComplete="new-password"
        value={next}
        onChange={setNext}
        hint={passwordHint}
        error={fields.newPassword}
      />
      <TextField
        label="Repeat the new password"
        type="password"
        autoComplete="new-password"
        value={repeat}
        onChange={setRepeat}
        error={fields.repeat}
      />
      <ErrorMessage error={error} />
      <div className="form-actions">
        {forced ? (
          <Button onClick={() => void logout()}>Sign out</Button>
        ) : (
          <Button onClick={() => history.back()}>Cancel</Button>
        )}
        <Button type="submit" variant="primary" busy={busy}>
          Save password
        </Button>
      </div>
    </form>
  );
}
