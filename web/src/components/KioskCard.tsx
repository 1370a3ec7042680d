import { Link } from 'react-router';
import type { Kiosk, LockerCounts } from '../api/types';
import { cn } from '../lib/cn';
import { formatDateTime, useI18n, type MessageKey } from '../i18n';
import { Card } from './ui/card';

/** Locker states in display order, each with its label and colour mark. */
const COUNTS: { state: keyof LockerCounts; label: MessageKey; mark: string }[] = [
  { state: 'total', label: 'locker.total', mark: 'bg-slate-400' },
  { state: 'free', label: 'locker.free', mark: 'bg-emerald-500' },
  { state: 'owned', label: 'locker.owned', mark: 'bg-blue-500' },
  { state: 'blocked', label: 'locker.blocked', mark: 'bg-slate-600 dark:bg-slate-300' },
  { state: 'error', label: 'locker.error', mark: 'bg-red-600' },
  { state: 'vip', label: 'locker.vip', mark: 'bg-amber-500' },
  { state: 'overdue', label: 'locker.overdue', mark: 'bg-orange-600' },
];

export function KioskCard({ kiosk }: { kiosk: Kiosk }) {
  const { t } = useI18n();
  const headingId = `kiosk-${kiosk.id}-name`;
  return (
    <Card data-testid={`kiosk-card-${kiosk.id}`} aria-labelledby={headingId} className="space-y-3">
      <header className="flex items-start justify-between gap-3">
        <div>
          <h3 id={headingId} className="font-semibold">
            <Link
              to={`/lockers/${encodeURIComponent(kiosk.id)}`}
              className="hover:underline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600 dark:focus-visible:outline-blue-300"
            >
              {kiosk.name}
            </Link>
          </h3>
          <p className="text-xs text-slate-600 dark:text-slate-400">
            {kiosk.last_heartbeat
              ? t('kiosk.last_heartbeat', { time: formatDateTime(kiosk.last_heartbeat) })
              : t('kiosk.no_heartbeat')}
          </p>
        </div>
        <span
          data-testid="kiosk-status"
          className={cn(
            'inline-flex shrink-0 items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium',
            kiosk.online
              ? 'bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200'
              : 'bg-slate-200 text-slate-800 dark:bg-slate-800 dark:text-slate-200',
          )}
        >
          <span
            aria-hidden="true"
            className={cn('size-2 rounded-full', kiosk.online ? 'bg-emerald-500' : 'bg-slate-500')}
          />
          {kiosk.online ? t('kiosk.online') : t('kiosk.offline')}
        </span>
      </header>
      <dl aria-label={t('kiosk.lockers')} className="grid grid-cols-2 gap-2 text-sm sm:grid-cols-3">
        {COUNTS.map(({ state, label, mark }) => (
          <div
            key={state}
            className="flex items-center justify-between gap-2 rounded-md bg-slate-50 px-2 py-1.5 dark:bg-slate-800"
          >
            <dt className="flex items-center gap-1.5 text-slate-700 dark:text-slate-300">
              <span aria-hidden="true" className={cn('size-2 rounded-sm', mark)} />
              {t(label)}
            </dt>{' '}
            <dd data-testid={`count-${state}`} className="font-semibold tabular-nums">
              {kiosk.lockers[state]}
            </dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}
