import { Navigate, Route, Routes } from 'react-router';
import type { ApiClient } from './api/client';
import { ApiProvider } from './api/context';
import { AuthProvider, RequireAuth } from './auth/auth';
import { LoginPage } from './pages/LoginPage';
import { PanelPage } from './pages/PanelPage';

/** The panel without its router, so tests can mount it in a `MemoryRouter`. */
export function App({ client }: { client: ApiClient }) {
  return (
    <ApiProvider client={client}>
      <AuthProvider>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route
            path="/"
            element={<RequireAuth>{(user) => <PanelPage user={user} />}</RequireAuth>}
          />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </AuthProvider>
    </ApiProvider>
  );
}
