import { useState } from 'react';
import { fieldErrors } from '../../shared/errors.js';
import { navigate, useLocation } from '../../shared/router.js';
import { Button, ErrorMessage, TextField } from '../../shared/ui.js';
import { useAuth } from '../auth.js';
import { HOME, type PageProps } from '../routes.js';

/** Only paths inside the dashboard: `next` comes from the URL and must not send anyone elsewhere. */
function safeNext(next: string | null): string {
  return next && /^\/[A-Za-z0-9/_\-?=&.%]*$/.test(next) && !next.startsWith('//') ? next : HOME;
}

export default function Login(_: PageProps) {
  const { login } = useAuth();
  const { query } = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email, password);
      navigate(safeNext(query.get('next')), { replace: true });
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
        <p className="subtitle">Sign in to your brand’s dashboard.</p>
        <TextField label="Email" type="email" autoComplete="username" value={email} onChange={setEmail} error={fields.email} required autoFocus />
        <TextField label="Password" type="password" autoComplete="current-password" value={password} onChange={setPassword} error={fields.password} required />
        <ErrorMessage error={error} />
        <Button type="submit" variant="primary" busy={busy} className="wide">Sign in</Button>
        <p className="hint">Forgot your password? Ask an owner of your workspace to send you a new setup link.</p>
      </form>
    </div>
  );
}
