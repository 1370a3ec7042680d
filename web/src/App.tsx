import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { isApiError, type ApiClient } from './api/client';
import { ApiProvider } from './api/context';
import { AuthProvider, RequireAuth, useAuth } from './auth/auth';
import { AppShell } from './components/layout/AppShell';
import { DashboardPage } from './pages/dashboard/DashboardPage';
import { EventsPage } from './pages/events/EventsPage';
import { HardwarePage } from './pages/hardware/HardwarePage';
import { HelpPage } from './pages/help/HelpPage';
import { KiosksPage } from './pages/kiosks/KiosksPage';
import { LockersPage } from './pages/lockers/LockersPage';
import { LoginPage } from './pages/LoginPage';
import { SettingsPage } from './pages/settings/SettingsPage';
import { UsersPage } from './pages/users/UsersPage';

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
              <Route path="help/:id?" element={<HelpPage />} />
              <Route path="kiosks" element={<KiosksPage />} />
              <Route path="events" element={<EventsPage />} />
              <Route path="users" element={<UsersPage />} />
              <Route path="settings" element={<SettingsPage />} />
              <Route path="hardware" element={<HardwarePage />} />
            </Route>
            <Route path="*" element={<Navigate to="/" replace />} />
          </Routes>
        </AuthProvider>
      </QueryClientProvider>
    </ApiProvider>
  );
}
