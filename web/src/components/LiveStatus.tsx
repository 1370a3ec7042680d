import { cn } from '../lib/cn';
import type { ConnectionState } from '../realtime/client';
import { useI18n } from '../i18n';

const DOT: Record<ConnectionState, string> = {
  open: 'bg-emerald-500',
  polling: 'bg-amber-500',
  connecting: 'bg-slate-400 motion-safe:animate-pulse',
  closed: 'bg-red-600',
};

/** A small dot and word for the real-time connection: live, polling, connecting or offline. */
export function LiveStatus({ state }: { state: ConnectionState }) {
  const { t } = useI18n();
  const word = t(`live.${state}`);
  return (
    <span
      data-testid="live-status"
      data-state={state}
      role="status"
      aria-label={t('live.label', { state: word })}
      title={t('live.label', { state: word })}
      className="inline-flex items-center gap-1.5 text-xs font-medium text-slate-700 dark:text-slate-300"
    >
      <span aria-hidden="true" className={cn('size-2 rounded-full', DOT[state])} />
      {word}
    </span>
  );
}
