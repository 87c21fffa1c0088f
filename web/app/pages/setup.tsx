// A setup link (/app/setup?token=…): a new user, or one whose password an owner reset, chooses a password.
import { useState } from 'react';
import { api } from '../../shared/api.js';
import { navigate, useLocation } from '../../shared/router.js';
import type { SignedIn } from '../../../src/contract/index.js';
import { EmptyState, TextField } from '../../shared/ui.js';
import { useAuth } from '../auth.js';
import type { PageProps } from '../../shared/routes.js';
import { HOME } from '../home.js';
import { SignedOutCard, SignedOutForm } from '../signed-out-form.js';
import { MIN_PASSWORD, passwordHint } from './change-password.js';

export default function Setup(_: PageProps) {
  const { signedIn } = useAuth();
  const token = useLocation().query.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [tooShort, setTooShort] = useState(false);
  if (!token) {
    return (
      <SignedOutCard>
        <EmptyState title="This link is incomplete">
          Open the setup link from your invitation email again, or ask an owner of your workspace for a new one.
        </EmptyState>
      </SignedOutCard>
    );
  }
  const submit = async () => {
    // Checked here first: the link stays usable, and the person sees both problems at once.
    setMismatch(password !== repeat);
    setTooShort(password.length < MIN_PASSWORD);
    if (password !== repeat || password.length < MIN_PASSWORD) return false;
    signedIn(await api.post<SignedIn>('/auth/setup', { token, password }));
    navigate(HOME, { replace: true });
  };
  return (
    <SignedOutForm
      subtitle="Choose a password to finish setting up your account."
      submitLabel="Save and sign in"
      submit={submit}
    >
      {(fields) => (
        <>
          <TextField
            label="New password"
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={setPassword}
            hint={passwordHint}
            error={tooShort ? `Use at least ${MIN_PASSWORD} characters.` : fields.password}
            autoFocus
          />
          <TextField
            label="Repeat the password"
            type="password"
            autoComplete="new-password"
            value={repeat}
            onChange={setRepeat}
            error={mismatch ? 'The two passwords are not the same.' : undefined}
          />
        </>
      )}
    </SignedOutForm>
  );
}
