import { KioskCard } from '../../components/KioskCard';
import { PageHeader } from '../../components/layout/PageHeader';
import { Button } from '../../components/ui/button';
import { useDebouncedCallback } from '../../hooks/useDebouncedCallback';
import { useKiosks } from '../../hooks/useKiosks';
import { useI18n } from '../../i18n';
import { useRealtime } from '../../realtime/useRealtime';

/** Locker changes arriving within this window cause one refetch. */
const REFRESH_DEBOUNCE_MS = 150;

export function DashboardPage() {
  const { t } = useI18n();
  return (
    <>
      <PageHeader title={t('nav.dashboard')} />
      <KioskList />
    </>
  );
}

function KioskList() {
  const { t } = useI18n();
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
