// The signed-in member. The session lives in the HttpOnly tp_member cookie set by /p/auth (the emailed magic link);
// the page only asks who that is (GET /api/portal/me) and sends tp_csrf back as X-CSRF-Token (web/shared/api.ts).
import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { setApiBase } from '../shared/api.js';
import { signedInMe, useSignedInProbe, type SignedInState } from '../shared/signed-in.js';
import type { PortalMe } from '../../src/contract/index.js';

setApiBase('/api/portal');

export type SessionState = SignedInState<PortalMe>;

interface Session {
  state: SessionState;
  logout(): Promise<void>;
  retry(): void;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const { state, logout, retry } = useSignedInProbe<PortalMe>({ me: '/me', logout: '/logout' });
  const value = useMemo<Session>(() => ({ state, logout, retry }), [state, logout, retry]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** The signed-in member; pages behind the sign-in gate only. */
export function useMe(): PortalMe {
  return signedInMe(useSession().state);
}

/**
 * The brand's time zone: the portal dates everything on its clock, as the brand's dashboard does, so an order is the
 * same day (and a hold ends the same day) for the creator and the brand, whatever the creator's own zone.
 */
export function useTimeZone(): string {
  return useMe().workspace.timezone;
}
