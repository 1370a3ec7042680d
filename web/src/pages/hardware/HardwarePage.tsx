import { useQuery } from '@tanstack/react-query';
import { useCallback } from 'react';
import { useApi } from '../../api/context';
import { getHardware, type BoardStatus, type BusStatus, type ReaderStatus } from '../../api/hardware';
import { PageHeader } from '../../components/layout/PageHeader';
import { Badge } from '../../components/ui/badge';
import { Button } from '../../components/ui/button';
import { Card } from '../../components/ui/card';
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from '../../components/ui/table';
import { useDebouncedCallback } from '../../hooks/useDebouncedCallback';
import { formatDateTime, useI18n } from '../../i18n';
import { useRealtime } from '../../realtime/useRealtime';

const HARDWARE_KEY = ['hardware'] as const;
/** Health figures (latency, error rate) change without events; refresh them this often. */
const REFRESH_MS = 10_000;

export function HardwarePage() {
  const api = useApi();
  const { t } = useI18n();
  const hardware = useQuery({
    queryKey: HARDWARE_KEY,
    queryFn: () => getHardware(api),
    refetchInterval: REFRESH_MS,
  });
  const refetch = useCallback(() => void hardware.refetch(), [hardware]);
  const refreshSoon = useDebouncedCallback(refetch, 150);
  // A board or kiosk going online or offline arrives at once.
  useRealtime('events', { type: 'system_status', onEvent: refreshSoon, onResync: refreshSoon });

  return (
    <>
      <PageHeader title={t('nav.hardware')} description={t('hardware.description')} />
      {hardware.isPending ? (
        <p role="status" className="text-slate-700 dark:text-slate-300">
          {t('common.loading')}
        </p>
      ) : hardware.isError ? (
        <div role="alert" className="space-y-3">
          <p>{t('common.error', { message: hardware.error.message })}</p>
          <Button variant="secondary" onClick={refetch}>
            {t('common.retry')}
          </Button>
        </div>
      ) : (
        <div className="space-y-6">
          {hardware.data.buses.length === 0 && <p>{t('hardware.no_buses')}</p>}
          {hardware.data.buses.map((bus) => (
            <Bus key={bus.name} bus={bus} />
          ))}
          <Readers readers={hardware.data.readers} />
        </div>
      )}
    </>
  );
}

function Bus({ bus }: { bus: BusStatus }) {
  const { t, number } = useI18n();
  const offline = bus.boards.filter((b) => !b.online).length;
  return (
    <Card aria-labelledby={`bus-${bus.name}`} data-testid={`bus-${bus.name}`}>
      <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
        <h2 id={`bus-${bus.name}`} className="text-lg font-semibold">
          {t('hardware.bus', { name: bus.name })}
        </h2>
        <p className="text-sm text-slate-700 dark:text-slate-300">
          {bus.port === 'sim' ? t('hardware.simulated') : bus.port}
          {bus.baud > 0 && ` · ${t('hardware.baud', { baud: number(bus.baud) })}`}
          {' · '}
          {offline === 0
            ? bus.boards.length === 1
              ? t('hardware.all_online_one')
              : t('hardware.all_online', { count: number(bus.boards.length) })
            : t('hardware.some_offline', { offline: number(offline), count: number(bus.boards.length) })}
        </p>
      </div>
      <ul className="grid gap-3 sm:grid-cols-2 md:hidden">
        {bus.boards.map((board) => (
          <BoardCard key={board.slave} board={board} />
        ))}
      </ul>
      <div className="hidden md:block">
      <Table scrollLabel={t('hardware.bus', { name: bus.name })}>
        <TableHeader>
          <TableRow>
            <TableHead scope="col">{t('hardware.field.board')}</TableHead>
            <TableHead scope="col">{t('hardware.field.status')}</TableHead>
            <TableHead scope="col">{t('hardware.field.last_success')}</TableHead>
            <TableHead scope="col">{t('hardware.field.error_rate')}</TableHead>
            <TableHead scope="col">{t('hardware.field.consecutive_failures')}</TableHead>
            <TableHead scope="col">{t('hardware.field.latency')}</TableHead>
            <TableHead scope="col" className="hidden md:table-cell">
              {t('hardware.field.transactions')}
            </TableHead>
            <TableHead scope="col" className="hidden lg:table-cell">
              {t('hardware.field.last_error')}
            </TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {bus.boards.map((board) => (
            <BoardRow key={board.slave} board={board} />
          ))}
        </TableBody>
      </Table>
      </div>
      {bus.boards.map((board) => (
        <Channels key={board.slave} board={board} />
      ))}
    </Card>
  );
}

function BoardRow({ board }: { board: BoardStatus }) {
  const { t, number } = useI18n();
  return (
    <TableRow data-testid={`board-${String(board.slave)}`} data-online={board.online}>
      <TableCell className="font-medium whitespace-nowrap">
        {t('hardware.slave', { slave: board.slave })} <span className="text-xs text-slate-700 dark:text-slate-300">{board.kind}</span>
      </TableCell>
      <TableCell>
        <Badge tone={board.online ? 'success' : 'danger'}>
          {board.online ? t('hardware.online') : t('hardware.offline')}
        </Badge>
      </TableCell>
      <TableCell className="whitespace-nowrap">
        {board.last_success ? formatDateTime(board.last_success) : t('common.never')}
      </TableCell>
      <TableCell>{number(board.error_rate, { style: 'percent', maximumFractionDigits: 1 })}</TableCell>
      <TableCell>{number(board.consecutive_failures)}</TableCell>
      <TableCell className="whitespace-nowrap">
        {board.last_latency_us === null
          ? '—'
          : t('hardware.ms', { ms: number(board.last_latency_us / 1000, { maximumFractionDigits: 1 }) })}
      </TableCell>
      <TableCell className="hidden whitespace-nowrap md:table-cell">
        {t('hardware.ok_errors', { ok: number(board.successes), errors: number(board.errors) })}
      </TableCell>
      <TableCell className="hidden max-w-xs truncate lg:table-cell" title={board.last_error ?? undefined}>
        {board.last_error ?? '—'}
      </TableCell>
    </TableRow>
  );
}

/** A board's health as a card, for phones. */
function BoardCard({ board }: { board: BoardStatus }) {
  const { t, number } = useI18n();
  const fact = (label: string, value: string) => (
    <div className="flex justify-between gap-2">
      <dt className="text-slate-700 dark:text-slate-300">{label}</dt>
      <dd className="text-right font-medium">{value}</dd>
    </div>
  );
  return (
    <li
      className="rounded-md border border-slate-200 p-3 text-sm dark:border-slate-700"
      data-testid={`board-card-${String(board.slave)}`}
      data-online={board.online}
    >
      <div className="mb-2 flex items-center justify-between gap-2">
        <p className="font-semibold">
          {t('hardware.slave', { slave: board.slave })} <span className="text-xs font-normal">{board.kind}</span>
        </p>
        <Badge tone={board.online ? 'success' : 'danger'}>
          {board.online ? t('hardware.online') : t('hardware.offline')}
        </Badge>
      </div>
      <dl className="space-y-1">
        {fact(t('hardware.field.last_success'), board.last_success ? formatDateTime(board.last_success) : t('common.never'))}
        {fact(t('hardware.field.error_rate'), number(board.error_rate, { style: 'percent', maximumFractionDigits: 1 }))}
        {fact(t('hardware.field.consecutive_failures'), number(board.consecutive_failures))}
        {fact(
          t('hardware.field.latency'),
          board.last_latency_us === null
            ? '—'
            : t('hardware.ms', { ms: number(board.last_latency_us / 1000, { maximumFractionDigits: 1 }) }),
        )}
        {fact(t('hardware.field.transactions'), t('hardware.ok_errors', { ok: number(board.successes), errors: number(board.errors) }))}
        {board.last_error && fact(t('hardware.field.last_error'), board.last_error)}
      </dl>
    </li>
  );
}

function Channels({ board }: { board: BoardStatus }) {
  const { t, number } = useI18n();
  return (
    <details className="mt-3">
      <summary className="cursor-pointer rounded-sm text-sm font-medium focus-visible:outline-2 focus-visible:outline-blue-600">
        {t('hardware.channels_of', { slave: board.slave })}
      </summary>
      <div className="mt-2">
        <Table scrollLabel={t('hardware.channels_of', { slave: board.slave })}>
          <TableHeader>
            <TableRow>
              <TableHead scope="col">{t('hardware.field.channel')}</TableHead>
              <TableHead scope="col">{t('hardware.field.locker')}</TableHead>
              <TableHead scope="col">{t('hardware.field.pulses')}</TableHead>
              <TableHead scope="col">{t('hardware.field.pulses_since_start')}</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {board.channels.map((ch) => (
              <TableRow key={ch.channel}>
                <TableCell>{ch.channel}</TableCell>
                <TableCell>{ch.locker ? `${ch.locker.kiosk} #${String(ch.locker.number)}` : '—'}</TableCell>
                <TableCell>{number(ch.pulses)}</TableCell>
                <TableCell>{number(ch.pulses_since_start)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
    </details>
  );
}

function Readers({ readers }: { readers: ReaderStatus[] }) {
  const { t, number } = useI18n();
  return (
    <Card aria-labelledby="hardware-readers">
      <h2 id="hardware-readers" className="mb-3 text-lg font-semibold">
        {t('hardware.readers')}
      </h2>
      {readers.length === 0 ? (
        <p className="text-sm">{t('hardware.no_readers')}</p>
      ) : (
        <Table scrollLabel={t('hardware.readers')}>
          <TableHeader>
            <TableRow>
              <TableHead scope="col">{t('hardware.field.kiosk')}</TableHead>
              <TableHead scope="col">{t('hardware.field.reader')}</TableHead>
              <TableHead scope="col">{t('hardware.field.status')}</TableHead>
              <TableHead scope="col">{t('hardware.field.reads')}</TableHead>
              <TableHead scope="col" className="hidden md:table-cell">
                {t('hardware.field.last_read')}
              </TableHead>
              <TableHead scope="col" className="hidden lg:table-cell">
                {t('hardware.field.last_error')}
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {readers.map((r) => (
              <TableRow key={`${r.kiosk}-${r.reader}`}>
                <TableCell>{r.kiosk}</TableCell>
                <TableCell>
                  {r.reader} <span className="text-xs text-slate-700 dark:text-slate-300">{r.kind} · {r.path}</span>
                </TableCell>
                <TableCell>
                  <Badge tone={r.connected ? 'success' : 'danger'}>
                    {r.connected ? t('hardware.connected') : t('hardware.disconnected')}
                  </Badge>
                </TableCell>
                <TableCell>{number(r.reads)}</TableCell>
                <TableCell className="hidden whitespace-nowrap md:table-cell">
                  {r.last_read ? formatDateTime(r.last_read) : t('common.never')}
                </TableCell>
                <TableCell className="hidden max-w-xs truncate lg:table-cell">{r.last_error ?? '—'}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Card>
  );
}
