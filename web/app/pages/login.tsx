import { useState } from 'react';
import { navigate, useLocation } from '../../shared/router.js';
import { TextField } from '../../shared/ui.js';
import { useAuth } from '../auth.js';
import type { PageProps } from '../../shared/routes.js';
import { HOME } from '../home.js';
import { SignedOutForm } from '../signed-out-form.js';

/** Only paths inside the dashboard: `next` comes from the URL and must not send anyone elsewhere. */
function safeNext(next: string | null): string {
  return next && /^\/[A-Za-z0-9/_\-?=&.%]*$/.test(next) && !next.startsWith('//') ? next : HOME;
}

export default function Login(_: PageProps) {
  const { login } = useAuth();
  const { query } = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const submit = async () => {
    await login(email, password);
    navigate(safeNext(query.get('next')), { replace: true });
  };
  return (
    <SignedOutForm
      subtitle="Sign in to your brand’s dashboard."
      submitLabel="Sign in"
      submit={submit}
      after={<p className="hint">Forgot your password? Ask an owner of your workspace to send you a new setup link.</p>}
    >
      {(fields) => (
        <>
          <TextField
            label="Email"
            type="email"
            autoComplete="username"
            value={email}
            onChange={setEmail}
            error={fields.email}
            required
            autoFocus
          />
          <TextField
            label="Password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={setPassword}
            error={fields.password}
            required
          />
        </>
      )}
    </SignedOutForm>
  );
}
