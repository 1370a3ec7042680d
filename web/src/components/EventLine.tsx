import { Link } from 'react-router';
import type { EventItem } from '../api/lockers';
import { formatDateTime, useI18n, type MessageKey } from '../i18n';

/** Sentences for the event types staff meet most; others show their type. */
const EVENT_TEXT: Record<string, MessageKey> = {
  locker_assigned: 'lockers.event.locker_assigned',
  locker_released: 'lockers.event.locker_released',
  locker_opened: 'lockers.event.locker_opened',
  locker_freed: 'lockers.event.locker_freed',
  locker_blocked: 'lockers.event.locker_blocked',
  locker_unblocked: 'lockers.event.locker_unblocked',
  locker_error: 'lockers.event.locker_error',
  locker_resolved: 'lockers.event.locker_resolved',
  locker_renamed: 'lockers.event.locker_renamed',
  locker_transferred: 'lockers.event.locker_transferred',
  locker_vip_bound: 'lockers.event.locker_vip_bound',
  locker_auto_released: 'lockers.event.locker_auto_released',
  command_finished: 'lockers.event.command_finished',
  kiosk_paired: 'lockers.event.kiosk_paired',
  kiosk_credential_revoked: 'lockers.event.kiosk_credential_revoked',
  kiosk_online: 'lockers.event.kiosk_online',
  kiosk_offline: 'lockers.event.kiosk_offline',
  door_opened: 'lockers.event.door_opened',
  door_closed: 'lockers.event.door_closed',
  door_forced: 'lockers.event.door_forced',
  door_jam: 'lockers.event.door_jam',
  help_requested: 'lockers.event.help_requested',
  master_pin_changed: 'lockers.event.master_pin_changed',
};

function text(data: unknown, key: string): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const value = (data as Record<string, unknown>)[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** One event-log entry: when, what, where, who (and why, when a reason was given). */
export function EventLine({
  item,
  showLocker = true,
  kioskNames,
}: {
  item: EventItem;
  showLocker?: boolean;
  /** Kiosk names by id, to say "Men's changing room" rather than "men". */
  kioskNames?: ReadonlyMap<string, string>;
}) {
  const { t } = useI18n();
  const key = EVENT_TEXT[item.type];
  const what = key
    ? t(key, { state: text(item.data, 'state') ?? '', name: text(item.data, 'name') ?? '—' })
    : item.type.replaceAll('_', ' ');
  const reason = text(item.data, 'reason') ?? text(item.data, 'note') ?? text(item.data, 'message');
  return (
    <div className="flex flex-col gap-0.5" data-event-type={item.type}>
      <span className="flex flex-wrap items-baseline gap-x-2">
        <time dateTime={item.ts} className="text-xs text-slate-700 tabular-nums dark:text-slate-300">
          {formatDateTime(item.ts)}
        </time>
        <span className="font-medium">{what}</span>
        {showLocker && item.kiosk !== null && item.locker !== null && (
          <Link
            to={`/lockers/${encodeURIComponent(item.kiosk)}?locker=${String(item.locker)}`}
            className="text-blue-800 underline underline-offset-2 hover:no-underline focus-visible:outline-2 focus-visible:outline-blue-600 dark:text-blue-300"
          >
            {t('lockers.event.where', { kiosk: kioskNames?.get(item.kiosk) ?? item.kiosk, number: item.locker })}
          </Link>
        )}
      </span>
      <span className="text-xs text-slate-700 dark:text-slate-300">
        {t('lockers.event.by', { actor: item.actor })}
        {reason && ` · ${reason}`}
      </span>
    </div>
  );
}
