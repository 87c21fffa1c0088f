// The signed-in user of the dashboard. The session lives in the HttpOnly tp_session cookie; the page only knows
// who is signed in (GET /auth/me) and sends the tp_csrf cookie back as X-CSRF-Token (web/shared/api.ts).
import { createContext, useCallback, useContext, useEffect, useMemo, type ReactNode } from 'react';
import { api, setPasswordChangeHandler } from '../shared/api.js';
import { signedInMe, useSignedInProbe, type SignedInState } from '../shared/signed-in.js';
import type { SignedIn, User } from '../../src/contract/index.js';

export type AuthState = SignedInState<SignedIn>;

interface Auth {
  state: AuthState;
  login(email: string, password: string): Promise<SignedIn>;
  /** After /auth/setup or a password change: the server's answer replaces what we knew. */
  signedIn(me: SignedIn): void;
  updateUser(user: User): void;
  /** After the workspace's name or time zone changed: every page's dates follow at once. */
  updateWorkspace(workspace: SignedIn['workspace']): void;
  logout(): Promise<void>;
  retry(): void;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const { state, setState, logout, retry } = useSignedInProbe<SignedIn>({ me: '/auth/me', logout: '/auth/logout' });

  // The server holds a one-time password to the password change; the shell then shows only that screen.
  useEffect(
    () =>
      setPasswordChangeHandler(() =>
        setState((s) =>
          s.status === 'signed-in' && !s.me.user.mustChangePassword
            ? { status: 'signed-in', me: { ...s.me, user: { ...s.me.user, mustChangePassword: true } } }
            : s,
        ),
      ),
    [setState],
  );

  const login = useCallback(
    async (email: string, password: string) => {
      const me = await api.post<SignedIn>('/auth/login', { email, password });
      setState({ status: 'signed-in', me });
      return me;
    },
    [setState],
  );

  const value = useMemo<Auth>(
    () => ({
      state,
      login,
      logout,
      signedIn: (me) => setState({ status: 'signed-in', me }),
      updateUser: (user) =>
        setState((s) => (s.status === 'signed-in' ? { status: 'signed-in', me: { ...s.me, user } } : s)),
      updateWorkspace: (workspace) =>
        setState((s) => (s.status === 'signed-in' ? { status: 'signed-in', me: { ...s.me, workspace } } : s)),
      retry,
    }),
    [state, setState, login, logout, retry],
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
  return signedInMe(useAuth().state);
}

/** The workspace's time zone: every date and time the dashboard shows is on its clock (and named on the page). */
export function useTimeZone(): string {
  return useMe().workspace.timezone;
}

/** Viewers read; owners and managers change things. The server enforces it too; the UI only hides what would fail. */
export function useCanEdit(): boolean {
  return useMe().user.role !== 'viewer';
}
