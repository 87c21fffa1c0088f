// The signed-in user of the dashboard. The session lives in the HttpOnly tp_session cookie; the page only knows
// who is signed in (GET /auth/me) and sends the tp_csrf cookie back as X-CSRF-Token (web/shared/api.ts).
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, setPasswordChangeHandler, setUnauthorizedHandler } from '../shared/api.js';
import { ApiError } from '../shared/errors.js';
import type { SignedIn, User } from '../shared/types.js';

export type AuthState =
  | { status: 'loading' }
  | { status: 'signed-out' }
  /** The server could not tell (down, or too old to have sign-in): shown as an error with a retry. */
  | { status: 'unknown'; error: unknown }
  | { status: 'signed-in'; me: SignedIn };

interface Auth {
  state: AuthState;
  login(email: string, password: string): Promise<SignedIn>;
  /** After /auth/setup or a password change: the server's answer replaces what we knew. */
  signedIn(me: SignedIn): void;
  updateUser(user: User): void;
  logout(): Promise<void>;
  retry(): void;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: 'loading' });
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    api.get<SignedIn>('/auth/me').then(
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

  useEffect(() => setUnauthorizedHandler(() => setState({ status: 'signed-out' })), []);
  // The server holds a one-time password to the password change; the shell then shows only that screen.
  useEffect(() => setPasswordChangeHandler(() => setState((s) => (
    s.status === 'signed-in' && !s.me.user.mustChangePassword ? { status: 'signed-in', me: { ...s.me, user: { ...s.me.user, mustChangePassword: true } } } : s
  ))), []);

  const login = useCallback(async (email: string, password: string) => {
    const me = await api.post<SignedIn>('/auth/login', { email, password });
    setState({ status: 'signed-in', me });
    return me;
  }, []);

  const logout = useCallback(async () => {
    try {
      await api.post('/auth/logout');
    } finally {
      setState({ status: 'signed-out' });
    }
  }, []);

  const value = useMemo<Auth>(
    () => ({
      state,
      login,
      logout,
      signedIn: (me) => setState({ status: 'signed-in', me }),
      updateUser: (user) => setState((s) => (s.status === 'signed-in' ? { status: 'signed-in', me: { ...s.me, user } } : s)),
      retry: () => {
        setState({ status: 'loading' });
        setTick((t) => t + 1);
      },
    }),
    [state, login, logout],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside AuthProvider');
  return auth;
}

/** The signed-in user; pages behind the sign-in gate only. */
export function useMe(): SignedIn {
  const { state } = useAuth();
  if (state.status !== 'signed-in') throw new Error('useMe while signed out');
  return state.me;
}

/** Viewers read; owners and managers change things. The server enforces it too; the UI only hides what would fail. */
export function useCanEdit(): boolean {
  return useMe().user.role !== 'viewer';
}
