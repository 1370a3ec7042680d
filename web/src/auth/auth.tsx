// Who is signed in. The session itself lives in an HttpOnly cookie the page cannot read, so the
// provider asks `GET /auth/me` once at start-up and then follows sign-in, sign-out and expiry.

import { createContext, use, useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useApi } from '../api/context';
import type { LoginRequest, User } from '../api/types';
import { useI18n } from '../i18n';
import { clearApiCache } from '../lib/serviceWorker';

export type AuthState =
  | { status: 'loading' }
  | { status: 'signed_out' }
  | { status: 'signed_in'; user: User };

interface AuthContextValue {
  state: AuthState;
  /** Signs in; rejects with the `ApiError` so the form can explain it. */
  signIn: (credentials: LoginRequest) => Promise<void>;
  /** Ends the session on the server (best effort) and locally. */
  signOut: () => Promise<void>;
  /** Forgets the user after the server answered 401 to some request. */
  expire: () => void;
}

const AuthContext = createContext<AuthContextValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const [state, setState] = useState<AuthState>({ status: 'loading' });

  useEffect(() => {
    let active = true;
    api.me().then(
      (session) => {
        if (active) setState({ status: 'signed_in', user: session.user });
      },
      () => {
        // 401 is the normal "not signed in"; anything else also leaves us at the login form,
        // which reports a server that cannot be reached when the user tries to sign in.
        if (active) setState({ status: 'signed_out' });
      },
    );
    return () => {
      active = false;
    };
  }, [api]);

  const signIn = useCallback(
    async (credentials: LoginRequest) => {
      const session = await api.login(credentials);
      setState({ status: 'signed_in', user: session.user });
    },
    [api],
  );

  const signOut = useCallback(async () => {
    try {
      await api.logout();
    } catch {
      // The session may already be gone (expired, revoked); the user is signed out either way.
    } finally {
      clearApiCache();
      setState({ status: 'signed_out' });
    }
  }, [api]);

  const expire = useCallback(() => {
    clearApiCache();
    setState({ status: 'signed_out' });
  }, []);

  const value = useMemo(
    () => ({ state, signIn, signOut, expire }),
    [state, signIn, signOut, expire],
  );
  return <AuthContext value={value}>{children}</AuthContext>;
}

export function useAuth(): AuthContextValue {
  const value = use(AuthContext);
  if (value === null) throw new Error('useAuth must be used inside <AuthProvider>');
  return value;
}

/** Where the login page sends the user back to, carried in the router's location state. */
export interface LoginRedirectState {
  from?: string;
}

export function redirectTarget(state: unknown): string {
  if (typeof state === 'object' && state !== null && 'from' in state) {
    const from = state.from;
    if (typeof from === 'string' && from.startsWith('/') && from !== '/login') return from;
  }
  return '/';
}

/** Renders its children for a signed-in user and sends everyone else to `/login`. */
export function RequireAuth({ children }: { children: (user: User) => ReactNode }) {
  const { state } = useAuth();
  const location = useLocation();
  if (state.status === 'loading') return <Splash />;
  if (state.status === 'signed_out') {
    const redirect: LoginRedirectState = { from: location.pathname + location.search };
    return <Navigate to="/login" replace state={redirect} />;
  }
  return children(state.user);
}

export function Splash() {
  const { t } = useI18n();
  return (
    <div role="status" className="grid min-h-dvh place-items-center text-slate-600 dark:text-slate-300">
      {t('app.loading')}
    </div>
  );
}
