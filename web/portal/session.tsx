// The signed-in member. The session lives in the HttpOnly tp_member cookie set by /p/auth (the emailed magic link);
// the page only asks who that is (GET /api/portal/me) and sends tp_csrf back as X-CSRF-Token (web/shared/api.ts).
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, setApiBase, setUnauthorizedHandler } from '../shared/api.js';
import { ApiError } from '../shared/errors.js';
import type { PortalMe } from './types.js';

setApiBase('/api/portal');

export type SessionState =
  | { status: 'loading' }
  | { status: 'signed-out' }
  /** The server could not tell (down, or unreachable): shown as an error with a retry. */
  | { status: 'unknown'; error: unknown }
  | { status: 'signed-in'; me: PortalMe };

interface Session {
  state: SessionState;
  logout(): Promise<void>;
  retry(): void;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    api.get<PortalMe>('/me').then(
      (me) => live && setState({ status: 'signed-in', me }),
      (e: unknown) => {
        if (!live) return;
        setState(e instanceof ApiError && e.status === 401 ? { status: 'signed-out' } : { status: 'unknown', error: e });
      },
    );
    return () => {
      live = false;
    };
  }, [tick]);

  // A session that ends while a page is open (signed out in another tab, expired) sends the member to sign in.
  useEffect(() => setUnauthorizedHandler(() => setState({ status: 'signed-out' })), []);

  const logout = useCallback(async () => {
    try {
      await api.post('/logout');
    } finally {
      setState({ status: 'signed-out' });
    }
  }, []);

  const value = useMemo<Session>(
    () => ({
      state,
      logout,
      retry: () => {
        setState({ status: 'loading' });
        setTick((t) => t + 1);
      },
    }),
    [state, logout],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** The signed-in member; pages behind the sign-in gate only. */
export function useMe(): PortalMe {
  const { state } = useSession();
  if (state.status !== 'signed-in') throw new Error('useMe while signed out');
  return state.me;
}
