import { WifiOffIcon } from 'lucide-react';
import { useConnectivity } from '../../hooks/useConnectivity';
import { formatDateTime, useI18n } from '../../i18n';

/** Shown while the server cannot be reached: the panel is read-only and says how old its data is. */
export function OfflineBanner() {
  const { t } = useI18n();
  const { online, dataFrom } = useConnectivity();
  if (online) return null;
  return (
    <div
      role="status"
      data-testid="offline-banner"
      className="border-b border-amber-300 bg-amber-100 text-amber-950 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
    >
      <p className="mx-auto flex max-w-7xl items-center gap-2 px-4 py-2 text-sm font-medium">
        <WifiOffIcon className="size-4 shrink-0" aria-hidden />
        {t('offline.banner')}{' '}
        {dataFrom !== null && (
          <span data-testid="data-age">
            {t('offline.data_from', { time: formatDateTime(new Date(dataFrom).toISOString()) })}
          </span>
        )}
      </p>
    </div>
  );
}
