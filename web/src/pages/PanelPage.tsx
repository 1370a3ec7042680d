import { useState } from 'react';
import type { User } from '../api/types';
import { useAuth } from '../auth/auth';
import { KioskCard } from '../components/KioskCard';
import { LiveStatus } from '../components/LiveStatus';
import { Button } from '../components/ui/button';
import { useDebouncedCallback } from '../hooks/useDebouncedCallback';
import { useKiosks } from '../hooks/useKiosks';
import { t } from '../i18n';
import { useRealtime } from '../realtime/useRealtime';

/** Locker changes arriving within this window cause one refetch. */
const REFRESH_DEBOUNCE_MS = 150;

export function PanelPage({ user }: { user: User }) {
  const { signOut, expire } = useAuth();
  const [signingOut, setSigningOut] = useState(false);
  // The kiosk list below shares this connection; a 4401 close means the session ended.
  const { state: live } = useRealtime('lockers', { onSignedOut: expire });

  return (
    <div className="min-h-dvh">
      <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-3 px-4 py-3">
          <p className="text-lg font-semibold tracking-tight">{t('app.name')}</p>
          <div className="flex items-center gap-3 text-sm">
            <p>
              <span className="text-slate-600 dark:text-slate-400">{t('panel.signed_in_as')} </span>
              <span data-testid="current-user" className="font-medium">
                {user.username}
              </span>{' '}
              <span
                data-testid="current-role"
                className="rounded-full bg-slate-200 px-2 py-0.5 text-xs font-medium text-slate-800 dark:bg-slate-700 dark:text-slate-100"
              >
                {t(`role.${user.role}`)}
              </span>
            </p>
            <Button
              variant="secondary"
              disabled={signingOut}
              onClick={() => {
                setSigningOut(true);
                void signOut();
              }}
            >
              {t('panel.sign_out')}
            </Button>
          </div>
        </div>
      </header>
      <main className="mx-auto max-w-6xl px-4 py-6">
        <div className="mb-4 flex items-center justify-between gap-3">
          <h1 className="text-xl font-semibold">{t('panel.title')}</h1>
          <LiveStatus state={live} />
        </div>
        <KioskList />
      </main>
    </div>
  );
}

function KioskList() {
  const { state, reload, refresh } = useKiosks();
  const refreshSoon = useDebouncedCallback(refresh, REFRESH_DEBOUNCE_MS);
  // Counts change when a stored locker change commits; the transient `opening` changes nothing.
  useRealtime('lockers', {
    type: 'locker_state_changed',
    onEvent: (event) => {
      if (event.data.transient !== true) refreshSoon();
    },
    onResync: refreshSoon,
  });
  if (state.status === 'loading') {
    return (
      <p role="status" className="text-slate-600 dark:text-slate-400">
        {t('panel.loading')}
      </p>
    );
  }
  if (state.status === 'error') {
    return (
      <div role="alert" className="space-y-3">
        <p>{t('panel.load_error', { message: state.error.message })}</p>
        <Button variant="secondary" onClick={reload}>
          {t('panel.retry')}
        </Button>
      </div>
    );
  }
  if (state.kiosks.length === 0) return <p>{t('panel.empty')}</p>;
  return (
    <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
      {state.kiosks.map((kiosk) => (
        <KioskCard key={kiosk.id} kiosk={kiosk} />
      ))}
    </div>
  );
}
