import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useState, type ReactNode } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { isApiError, type ApiClient } from './api/client';
import { ApiProvider } from './api/context';
import { AuthProvider, RequireAuth, Splash, useAuth } from './auth/auth';
import { AppShell } from './components/layout/AppShell';
import { DashboardPage } from './pages/dashboard/DashboardPage';
import { LockersPage } from './pages/lockers/LockersPage';
import { LoginPage } from './pages/LoginPage';

// The pages a front desk opens first load with the panel; the others are fetched on first visit
// (and precached by the service worker), keeping the initial script small.
const HelpPage = lazy(() => import('./pages/help/HelpPage').then((m) => ({ default: m.HelpPage })));
const KiosksPage = lazy(() =>
  import('./pages/kiosks/KiosksPage').then((m) => ({ default: m.KiosksPage })),
);
const EventsPage = lazy(() =>
  import('./pages/events/EventsPage').then((m) => ({ default: m.EventsPage })),
);
const UsersPage = lazy(() => import('./pages/users/UsersPage').then((m) => ({ default: m.UsersPage })));
const SettingsPage = lazy(() =>
  import('./pages/settings/SettingsPage').then((m) => ({ default: m.SettingsPage })),
);
const HardwarePage = lazy(() =>
  import('./pages/hardware/HardwarePage').then((m) => ({ default: m.HardwarePage })),
);

/** A page fetched on first visit, with a quiet placeholder meanwhile. */
function Later({ children }: { children: ReactNode }) {
  return <Suspense fallback={<Splash />}>{children}</Suspense>;
}

/** Fired when any query answers 401: the session has ended. */
const SESSION_ENDED = 'kioskhub:session-ended';

function makeQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({
      onError: (error) => {
        if (isApiError(error) && error.status === 401) window.dispatchEvent(new Event(SESSION_ENDED));
      },
    }),
    defaultOptions: {
      queries: {
        // Live data arrives over the WebSocket, which invalidates what it changes.
        staleTime: 30_000,
        retry: (count, error) => !(isApiError(error) && error.status < 500) && count < 2,
        refetchOnWindowFocus: false,
      },
      mutations: { retry: false },
    },
  });
}

/** Sends the user to the login page when a query finds the session gone. */
function SessionExpiry() {
  const { expire } = useAuth();
  useEffect(() => {
    window.addEventListener(SESSION_ENDED, expire);
    return () => {
      window.removeEventListener(SESSION_ENDED, expire);
    };
  }, [expire]);
  return null;
}

/** The panel without its router, so tests can mount it in a `MemoryRouter`. */
export function App({ client }: { client: ApiClient }) {
  const [queryClient] = useState(makeQueryClient);
  return (
    <ApiProvider client={client}>
      <QueryClientProvider client={queryClient}>
        <AuthProvider>
          <SessionExpiry />
          <Routes>
            <Route path="/login" element={<LoginPage />} />
            <Route element={<RequireAuth>{(user) => <AppShell user={user} />}</RequireAuth>}>
              <Route index element={<DashboardPage />} />
              <Route path="lockers/:kiosk?" element={<LockersPage />} />
              <Route path="help/:id?" element={
                  <Later>
                    <HelpPage />
                  </Later>
                } />
              <Route path="kiosks" element={
                  <Later>
                    <KiosksPage />
                  </Later>
                } />
              <Route path="events" element={
                  <Later>
                    <EventsPage />
                  </Later>
                } />
              <Route path="users" element={
                  <Later>
                    <UsersPage />
                  </Later>
                } />
              <Route path="settings" element={
                  <Later>
                    <SettingsPage />
                  </Later>
                } />
              <Route path="hardware" element={
                  <Later>
                    <HardwarePage />
                  </Later>
                } />
            </Route>
            <Route path="*" element={<Navigate to="/" replace />} />
          </Routes>
        </AuthProvider>
      </QueryClientProvider>
    </ApiProvider>
  );
}
