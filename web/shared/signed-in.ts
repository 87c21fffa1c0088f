// Who is signed in, for both surfaces: the session itself lives in an HttpOnly cookie the page cannot read, so the
// page asks the server (the dashboard's /auth/me, the portal's /me) and treats 401 as signed out.
import { useCallback, useEffect, useState, type Dispatch, type SetStateAction } from 'react';
import { api, setUnauthorizedHandler } from './api.js';
import { ApiError } from './errors.js';

export type SignedInState<Me> =
  | { status: 'loading' }
  | { status: 'signed-out' }
  /** The server could not tell (down, unreachable, or too old to have sign-in): shown as an error with a retry. */
  | { status: 'unknown'; error: unknown }
  | { status: 'signed-in'; me: Me };

export interface SignedInProbe<Me> {
  state: SignedInState<Me>;
  /** For what a surface adds (signing in, a forced password change): the server's answer replaces what we knew. */
  setState: Dispatch<SetStateAction<SignedInState<Me>>>;
  logout(): Promise<void>;
  /** Asks the server again (after `unknown`). */
  retry(): void;
}

export function useSignedInProbe<Me>(paths: { me: string; logout: string }): SignedInProbe<Me> {
  const { me: mePath, logout: logoutPath } = paths;
  const [state, setState] = useState<SignedInState<Me>>({ status: 'loading' });
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    api.get<Me>(mePath).then(
      (me) => live && setState({ status: 'signed-in', me }),
      (e: unknown) => {
        if (!live) return;
        setState(
          e instanceof ApiError && e.status === 401 ? { status: 'signed-out' } : { status: 'unknown', error: e },
        );
      },
    );
    return () => {
      live = false;
    };
  }, [mePath, tick]);

  // A session that ends while a page is open (signed out in another tab, expired) sends the user to sign in.
  useEffect(() => setUnauthorizedHandler(() => setState({ status: 'signed-out' })), []);

  const logout = useCallback(async () => {
    try {
      await api.post(logoutPath);
    } finally {
      setState({ status: 'signed-out' });
    }
  }, [logoutPath]);

  const retry = useCallback(() => {
    setState({ status: 'loading' });
    setTick((t) => t + 1);
  }, []);

  return { state, setState, logout, retry };
}

/** The signed-in user or member; pages behind the sign-in gate only. */
export function signedInMe<Me>(state: SignedInState<Me>): Me {
  if (state.status !== 'signed-in') throw new Error('useMe while signed out');
  return state.me;
}
