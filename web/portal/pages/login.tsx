// Sign-in for creators: no password, a link by email (single use, 15 minutes). The answer is the same whether or not
// the address is known, so this page cannot be used to find out who works with the brand.
import { useState, type FormEvent } from 'react';
import { api } from '../../shared/api.js';
import { Link, useLocation } from '../../shared/router.js';
import { Button, ErrorMessage, TextField } from '../../shared/ui.js';
import type { PageProps } from '../../shared/routes.js';
import { useSession } from '../session.js';

const LINK_ERRORS: Record<string, string> = {
  link_invalid:
    'This sign-in link has expired or was already used. Each link works once, for 15 minutes. Ask for a new one below.',
};

export default function Login(_: PageProps) {
  const { query } = useLocation();
  const { state } = useSession();
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [fieldError, setFieldError] = useState('');
  const [sentTo, setSentTo] = useState('');
  const linkError = LINK_ERRORS[query.get('error') ?? ''];

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const value = email.trim();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) {
      setFieldError('Enter the email address the brand has for you, e.g. name@example.com.');
      return;
    }
    setFieldError('');
    setBusy(true);
    try {
      await api.post('/login-link', { email: value });
      setSentTo(value);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="center-screen">
      <div className="card narrow">
        <h1 className="brand-title">Creator portal</h1>
        {linkError && !sentTo && (
          <div className="notice notice-warning" role="alert" data-testid="link-error">
            {linkError}
          </div>
        )}
        {state.status === 'signed-in' && (
          <p>
            You are still signed in as <strong>{state.me.member.name}</strong>. <Link to="/">Go to my offers</Link>
          </p>
        )}
        {sentTo ? (
          <div role="status">
            <h2>Check your email</h2>
            <p>
              If <strong className="break">{sentTo}</strong> belongs to a creator of a brand that uses this portal, a
              sign-in link is on its way.
            </p>
            <p className="muted">
              The link works once, for 15 minutes. Nothing arrived? Check your spam folder, or ask for another link.
            </p>
            <Button onClick={() => setSentTo('')}>Use another address or send again</Button>
          </div>
        ) : (
          <form onSubmit={submit} noValidate>
            <p className="subtitle">
              See your links, promo codes, sales and commissions. Enter your email and we will send you a sign-in link.
            </p>
            <TextField
              label="Email"
              type="email"
              autoComplete="email"
              inputMode="email"
              value={email}
              onChange={setEmail}
              error={fieldError || undefined}
              required
              autoFocus
            />
            <ErrorMessage error={error} />
            <Button type="submit" variant="primary" busy={busy} className="wide">
              Email me a sign-in link
            </Button>
          </form>
        )}
      </div>
    </div>
  );
}
