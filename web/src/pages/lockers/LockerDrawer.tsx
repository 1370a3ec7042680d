import { useQuery } from '@tanstack/react-query';
import { useApi } from '../../api/context';
import { getHardware, listEvents, relayOf, type PanelLocker } from '../../api/lockers';
import { STATE_LOOK, displayState } from '../../components/lockerStates';
import { Badge } from '../../components/ui/badge';
import { Sheet, SheetContent, SheetDescription, SheetTitle } from '../../components/ui/sheet';
import { lockerEventsKey } from '../../hooks/useLockers';
import { formatDateTime, useI18n } from '../../i18n';
import { cn } from '../../lib/cn';
import { EventLine } from '../../components/EventLine';
import { LockerActions } from './LockerActions';

const HISTORY_LIMIT = 20;

/** Hours and minutes held: "5 h 12 min" / "5 sa 12 dk". */
export function useHeldText(): (seconds: number) => string {
  const { t } = useI18n();
  return (seconds) => {
    const minutes = Math.floor(seconds / 60);
    const hours = Math.floor(minutes / 60);
    return hours > 0
      ? t('lockers.held.hours', { hours, minutes: minutes % 60 })
      : t('lockers.held.minutes', { minutes });
  };
}

/** A locker's details, history and actions, in a drawer from the right. */
export function LockerDrawer({
  locker,
  kioskName,
  onClose,
}: {
  locker: PanelLocker | undefined;
  kioskName: string;
  onClose: () => void;
}) {
  return (
    <Sheet
      open={locker !== undefined}
      onOpenChange={(open) => {
        if (!open) onClose();
      }}
    >
      {locker && (
        <SheetContent data-testid="locker-drawer" aria-describedby={undefined}>
          <DrawerBody locker={locker} kioskName={kioskName} />
        </SheetContent>
      )}
    </Sheet>
  );
}

function DrawerBody({ locker, kioskName }: { locker: PanelLocker; kioskName: string }) {
  const { t, number } = useI18n();
  const api = useApi();
  const held = useHeldText();
  const look = STATE_LOOK[displayState(locker)];
  const Icon = look.icon;
  const hardware = useQuery({
    queryKey: ['hardware'],
    queryFn: () => getHardware(api),
    staleTime: 5_000,
  });
  const relay = relayOf(hardware.data, locker.wiring);
  const history = useQuery({
    queryKey: lockerEventsKey(locker.kiosk, locker.number),
    queryFn: () => listEvents(api, { kiosk: locker.kiosk, locker: locker.number, limit: HISTORY_LIMIT }),
  });

  const facts: [string, React.ReactNode][] = [
    [t('lockers.drawer.state'), (
      <span className="inline-flex items-center gap-1.5">
        <Icon className={cn('size-4', look.accent)} aria-hidden />
        {t(look.label)}
        {locker.vip && locker.state !== 'vip' && <Badge tone="warning">{t('locker.vip')}</Badge>}
        {locker.overdue && <Badge tone="warning">{t('locker.overdue')}</Badge>}
      </span>
    )],
    [t('lockers.drawer.owner'), locker.owner_hint ? <span className="font-mono">{locker.owner_hint}</span> : '—'],
    [
      t('lockers.drawer.owned_since'),
      locker.owned_at
        ? `${formatDateTime(locker.owned_at)}${locker.held_seconds !== null ? ` (${held(locker.held_seconds)})` : ''}`
        : '—',
    ],
    [t('lockers.drawer.last_opened'), locker.last_opened_at ? formatDateTime(locker.last_opened_at) : t('common.never')],
    [
      t('lockers.drawer.door'),
      locker.door === null ? t('lockers.door.unknown') : t(locker.door === 'open' ? 'lockers.door.open' : 'lockers.door.closed'),
    ],
    [
      t('lockers.drawer.relay'),
      t('lockers.drawer.relay_value', {
        bus: locker.wiring.bus,
        board: locker.wiring.slave,
        channel: locker.wiring.channel,
      }),
    ],
    [
      t('lockers.drawer.board'),
      relay ? (relay.board.online ? t('kiosk.online') : t('kiosk.offline')) : '—',
    ],
    [
      t('lockers.drawer.pulses'),
      relay?.channel ? (
        <span data-testid="relay-pulses" className="tabular-nums">
          {number(relay.channel.pulses)}
        </span>
      ) : (
        '—'
      ),
    ],
  ];

  return (
    <>
      <div className="pr-8">
        <SheetTitle className="text-xl font-semibold">
          {t('lockers.tile.number', { number: locker.number })}
          {locker.name && <span className="ml-2 text-base font-medium">{locker.name}</span>}
        </SheetTitle>
        <SheetDescription className="text-sm text-slate-700 dark:text-slate-300">{kioskName}</SheetDescription>
      </div>
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
        {facts.map(([term, value]) => (
          <div key={term} className="contents">
            <dt className="text-slate-700 dark:text-slate-300">{term}</dt>
            <dd className="font-medium">{value}</dd>
          </div>
        ))}
      </dl>
      <section aria-labelledby="locker-actions-heading" className="space-y-2">
        <h3 id="locker-actions-heading" className="text-sm font-semibold">
          {t('lockers.drawer.actions')}
        </h3>
        <LockerActions locker={locker} kioskName={kioskName} />
      </section>
      <section aria-labelledby="locker-history-heading" className="space-y-2">
        <h3 id="locker-history-heading" className="text-sm font-semibold">
          {t('lockers.drawer.history')}
        </h3>
        {history.isPending ? (
          <p role="status" className="text-sm">{t('common.loading')}</p>
        ) : history.isError ? (
          <p role="alert" className="text-sm text-red-700 dark:text-red-300">
            {t('common.error', { message: history.error.message })}
          </p>
        ) : history.data.items.length === 0 ? (
          <p className="text-sm">{t('lockers.drawer.no_history')}</p>
        ) : (
          <ol className="space-y-2 text-sm" data-testid="locker-history">
            {history.data.items.map((item) => (
              <li key={item.seq} className="border-l-2 border-slate-300 pl-3 dark:border-slate-600">
                <EventLine item={item} showLocker={false} />
              </li>
            ))}
          </ol>
        )}
      </section>
    </>
  );
}
