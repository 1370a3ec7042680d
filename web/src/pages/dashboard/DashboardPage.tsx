import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  ClockAlertIcon,
  LifeBuoyIcon,
  TriangleAlertIcon,
  WifiOffIcon,
  type LucideIcon,
} from 'lucide-react';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { useApi } from '../../api/context';
import type { KioskItem } from '../../api/kiosks';
import { listEvents, type PanelLocker } from '../../api/lockers';
import { EventLine } from '../../components/EventLine';
import { KioskCard } from '../../components/KioskCard';
import { LiveKioskStatus } from '../../components/LiveKioskStatus';
import { PageHeader } from '../../components/layout/PageHeader';
import { STATE_LOOK } from '../../components/lockerStates';
import { Button } from '../../components/ui/button';
import { Card } from '../../components/ui/card';
import { useHelpSummary } from '../../hooks/useHelpSummary';
import { useKiosks, useLiveKioskCounts } from '../../hooks/useKiosks';
import { RECENT_EVENTS_KEY, lockersQuery, useLockerStream } from '../../hooks/useLockers';
import { useI18n } from '../../i18n';
import { cn } from '../../lib/cn';
import { useRealtime } from '../../realtime/useRealtime';

const RECENT_EVENTS = 10;

export function DashboardPage() {
  const { t } = useI18n();
  const kiosks = useKiosks();
  useLiveKioskCounts();
  useLockerStream();
  return (
    <>
      <PageHeader title={t('nav.dashboard')} />
      <LiveKioskStatus />
      {kiosks.isPending ? (
        <p role="status" className="text-slate-700 dark:text-slate-300">
          {t('panel.loading')}
        </p>
      ) : kiosks.isError ? (
        <div role="alert" className="space-y-3">
          <p>{t('panel.load_error', { message: kiosks.error.message })}</p>
          <Button variant="secondary" onClick={() => void kiosks.refetch()}>
            {t('panel.retry')}
          </Button>
        </div>
      ) : kiosks.data.length === 0 ? (
        <p>{t('panel.empty')}</p>
      ) : (
        <div className="space-y-6">
          <Tiles kiosks={kiosks.data} />
          <section aria-labelledby="dash-kiosks" className="space-y-3">
            <h2 id="dash-kiosks" className="text-lg font-semibold">
              {t('dashboard.kiosks')}
            </h2>
            <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
              {kiosks.data.map((kiosk) => (
                <KioskCard key={kiosk.id} kiosk={kiosk} />
              ))}
            </div>
          </section>
          <div className="grid items-start gap-6 lg:grid-cols-2">
            <Attention kiosks={kiosks.data} />
            <RecentEvents kioskNames={new Map(kiosks.data.map((k) => [k.id, k.name]))} />
          </div>
        </div>
      )}
    </>
  );
}

function Tile({
  testId,
  icon: Icon,
  label,
  value,
  detail,
  tone,
  to,
}: {
  testId: string;
  icon: LucideIcon;
  label: string;
  value: string;
  detail?: ReactNode;
  tone: 'ok' | 'warn' | 'bad';
  to?: string;
}) {
  const body = (
    <>
      <span className="flex items-center gap-2 text-sm font-medium text-slate-800 dark:text-slate-200">
        <Icon
          aria-hidden
          className={cn(
            'size-5',
            tone === 'ok' && 'text-emerald-700 dark:text-emerald-300',
            tone === 'warn' && 'text-orange-700 dark:text-orange-300',
            tone === 'bad' && 'text-red-700 dark:text-red-300',
          )}
        />
        {label}
      </span>
      <span data-testid={`${testId}-value`} className="text-3xl font-semibold tabular-nums">
        {value}
      </span>
      {detail && <span className="text-xs text-slate-700 dark:text-slate-300">{detail}</span>}
    </>
  );
  return (
    <Card data-testid={testId} className="p-0">
      {to ? (
        <Link
          to={to}
          className="flex h-full flex-col gap-1 rounded-lg p-4 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600 dark:hover:bg-slate-800 dark:focus-visible:outline-blue-300"
        >
          {body}
        </Link>
      ) : (
        <div className="flex h-full flex-col gap-1 p-4">{body}</div>
      )}
    </Card>
  );
}

function Tiles({ kiosks }: { kiosks: KioskItem[] }) {
  const { t, number } = useI18n();
  const help = useHelpSummary();
  const overdue = kiosks.reduce((n, k) => n + k.lockers.overdue, 0);
  const errors = kiosks.reduce((n, k) => n + k.lockers.error, 0);
  const offline = kiosks.filter((k) => !k.online);
  return (
    <section aria-label={t('dashboard.summary')} className="grid grid-cols-2 gap-4 lg:grid-cols-4">
      <Tile
        testId="tile-overdue"
        icon={ClockAlertIcon}
        label={t('locker.overdue')}
        value={number(overdue)}
        tone={overdue > 0 ? 'warn' : 'ok'}
      />
      <Tile
        testId="tile-errors"
        icon={TriangleAlertIcon}
        label={t('dashboard.errors')}
        value={number(errors)}
        tone={errors > 0 ? 'bad' : 'ok'}
      />
      <Tile
        testId="tile-offline"
        icon={WifiOffIcon}
        label={t('dashboard.offline')}
        value={t('dashboard.of', { count: number(offline.length), total: number(kiosks.length) })}
        detail={offline.length > 0 ? offline.map((k) => k.name).join(', ') : t('dashboard.all_online')}
        tone={offline.length > 0 ? 'warn' : 'ok'}
        to="/kiosks"
      />
      {help.summary && (
        <Tile
          testId="tile-help"
          icon={LifeBuoyIcon}
          label={t('dashboard.help')}
          value={number(help.summary.unresolved)}
          detail={t('dashboard.help_detail', {
            open: number(help.summary.open),
            assigned: number(help.summary.assigned),
          })}
          tone={help.summary.open > 0 ? 'bad' : help.summary.unresolved > 0 ? 'warn' : 'ok'}
          to="/help"
        />
      )}
    </section>
  );
}

/** Overdue and error lockers of every kiosk, each a link into its grid. */
function Attention({ kiosks }: { kiosks: KioskItem[] }) {
  const { t } = useI18n();
  const api = useApi();
  const queryClient = useQueryClient();
  const lists = useQueries({ queries: kiosks.map((k) => lockersQuery(api, queryClient, k.id)) });
  const names = new Map(kiosks.map((k) => [k.id, k.name]));
  const lockers: PanelLocker[] = lists.flatMap((q) => (q.data ?? []).filter((l) => l.overdue || l.stored_state === 'error'));
  const pending = lists.some((q) => q.isPending);
  return (
    <Card aria-labelledby="dash-attention" className="space-y-3">
      <h2 id="dash-attention" className="text-lg font-semibold">
        {t('dashboard.attention')}
      </h2>
      {pending ? (
        <p role="status">{t('common.loading')}</p>
      ) : lockers.length === 0 ? (
        <p className="text-sm text-slate-700 dark:text-slate-300">{t('dashboard.attention_none')}</p>
      ) : (
        <ul className="divide-y divide-slate-200 dark:divide-slate-700" data-testid="attention-list">
          {lockers.map((l) => {
            const look = STATE_LOOK[l.stored_state === 'error' ? 'error' : l.state];
            const Icon = l.stored_state === 'error' ? look.icon : ClockAlertIcon;
            return (
              <li key={`${l.kiosk}:${String(l.number)}`}>
                <Link
                  to={`/lockers/${encodeURIComponent(l.kiosk)}?locker=${String(l.number)}`}
                  className="flex min-h-10 items-center gap-2 py-2 text-sm hover:underline focus-visible:outline-2 focus-visible:outline-blue-600 dark:focus-visible:outline-blue-300"
                >
                  <Icon
                    aria-hidden
                    className={cn(
                      'size-4',
                      l.stored_state === 'error' ? 'text-red-700 dark:text-red-300' : 'text-orange-700 dark:text-orange-300',
                    )}
                  />
                  <span className="font-medium">
                    {t('lockers.event.where', { kiosk: names.get(l.kiosk) ?? l.kiosk, number: l.number })}
                  </span>
                  <span className="text-slate-700 dark:text-slate-300">
                    {l.stored_state === 'error' ? t('locker.error') : t('locker.overdue')}
                    {l.owner_hint && ` · ${l.owner_hint}`}
                  </span>
                </Link>
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}

function RecentEvents({ kioskNames }: { kioskNames: ReadonlyMap<string, string> }) {
  const { t } = useI18n();
  const api = useApi();
  const queryClient = useQueryClient();
  const events = useQuery({
    queryKey: RECENT_EVENTS_KEY,
    queryFn: () => listEvents(api, { limit: RECENT_EVENTS }),
  });
  useRealtime('lockers', {
    type: 'command_applied',
    onEvent: () => {
      void queryClient.invalidateQueries({ queryKey: RECENT_EVENTS_KEY });
    },
  });
  return (
    <Card aria-labelledby="dash-events" className="space-y-3">
      <div className="flex items-center justify-between gap-2">
        <h2 id="dash-events" className="text-lg font-semibold">
          {t('dashboard.recent')}
        </h2>
        <Link
          to="/events"
          className="text-sm text-blue-800 underline underline-offset-2 hover:no-underline focus-visible:outline-2 focus-visible:outline-blue-600 dark:text-blue-300"
        >
          {t('dashboard.all_events')}
        </Link>
      </div>
      {events.isPending ? (
        <p role="status">{t('common.loading')}</p>
      ) : events.isError ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {t('common.error', { message: events.error.message })}
        </p>
      ) : events.data.items.length === 0 ? (
        <p className="text-sm">{t('common.empty')}</p>
      ) : (
        <ol className="space-y-3" data-testid="recent-events">
          {events.data.items.map((item) => (
            <li key={item.seq}>
              <EventLine item={item} kioskNames={kioskNames} />
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}
