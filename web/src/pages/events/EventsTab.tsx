import { useInfiniteQuery } from '@tanstack/react-query';
import { useId, useMemo, useState } from 'react';
import { useApi } from '../../api/context';
import {
  dayStart,
  EMPTY_EVENT_FILTERS,
  listEvents,
  type EventFilters,
  type LogEvent,
} from '../../api/events';
import { DateRangeFields } from '../../components/DateRangeFields';
import { Input, Label } from '../../components/ui/input';
import { Select } from '../../components/ui/select';
import { formatDateTime, useI18n } from '../../i18n';
import { useRealtime } from '../../realtime/useRealtime';
import { useKioskList } from '../help/useKioskList';
import { csvFilename, downloadCsv, toCsv } from './csv';
import { LogResults, summarize, type LogColumn } from './LogParts';
import { useDebouncedValue } from './useDebouncedValue';

const EVENT_COLUMNS: LogColumn<LogEvent>[] = [
  { header: 'events.field.time', cellClassName: 'whitespace-nowrap', cell: (r) => formatDateTime(r.ts) },
  { header: 'events.field.type', cellClassName: 'font-mono text-xs', cell: (r) => r.type },
  { header: 'events.field.kiosk', cell: (r) => r.kiosk ?? '—' },
  { header: 'events.field.locker', cell: (r) => r.locker ?? '—' },
  { header: 'events.field.actor', className: 'hidden sm:table-cell', cell: (r) => r.actor },
  {
    header: 'events.field.data',
    className: 'hidden md:table-cell',
    cellClassName: 'max-w-md truncate font-mono text-xs',
    cell: (r) => summarize(r.data),
    title: (r) => summarize(r.data),
  },
];

/** Whether a live event belongs in the list under these filters. */
function matches(event: LogEvent, filters: EventFilters): boolean {
  if (filters.type.trim() && event.type !== filters.type.trim()) return false;
  if (filters.kiosk && event.kiosk !== filters.kiosk) return false;
  if (filters.locker.trim() && String(event.locker) !== filters.locker.trim()) return false;
  const at = new Date(event.ts).getTime();
  const from = dayStart(filters.from);
  if (from && at < from.getTime()) return false;
  const to = dayStart(filters.to, true);
  if (to && at >= to.getTime()) return false;
  return true;
}

export function EventsTab() {
  const api = useApi();
  const { t } = useI18n();
  const id = useId();
  const kiosks = useKioskList();
  const [draft, setDraft] = useState<EventFilters>(EMPTY_EVENT_FILTERS);
  const filters = useDebouncedValue(draft, 300);
  // Events pushed since the list was loaded, newest first, for the filters they arrived under.
  const [live, setLive] = useState<{ filters: EventFilters; items: LogEvent[] }>({
    filters,
    items: [],
  });

  const query = useInfiniteQuery({
    queryKey: ['events', 'log', filters],
    queryFn: ({ pageParam }) => listEvents(api, filters, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
    staleTime: Infinity,
  });

  useRealtime('events', {
    type: 'event_logged',
    onEvent: (message) => {
      const d = message.data;
      const event: LogEvent = {
        seq: d.log_seq,
        ts: message.ts,
        type: d.type,
        kiosk: d.kiosk_id,
        locker: d.locker,
        actor: d.actor,
        data: d.data,
      };
      if (!matches(event, filters)) return;
      setLive((current) => ({
        filters,
        items: [event, ...(current.filters === filters ? current.items : [])].slice(0, 500),
      }));
    },
    onResync: () => void query.refetch(),
  });

  const rows = useMemo(() => {
    const loaded = query.data?.pages.flatMap((p) => p.items) ?? [];
    const pushed = live.filters === filters ? live.items : [];
    const seen = new Set(loaded.map((e) => e.seq));
    return [...pushed.filter((e) => !seen.has(e.seq)), ...loaded];
  }, [query.data, live, filters]);
  const types = useMemo(() => [...new Set(rows.map((r) => r.type))].sort(), [rows]);

  const set = <K extends keyof EventFilters>(key: K, value: EventFilters[K]) => {
    setDraft((d) => ({ ...d, [key]: value }));
  };

  const exportRows = () => {
    const header = ['seq', 'time', 'type', 'kiosk', 'locker', 'actor', 'data'];
    const body = rows.map((r) => [r.seq, r.ts, r.type, r.kiosk, r.locker, r.actor, summarize(r.data)]);
    downloadCsv(csvFilename('events'), toCsv(header, body));
  };

  return (
    <section aria-label={t('events.tab.events')} className="space-y-4">
      <form
        role="search"
        aria-label={t('events.filters')}
        className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-6"
        onSubmit={(e) => {
          e.preventDefault();
        }}
      >
        <div className="lg:col-span-2">
          <Label htmlFor={`${id}-type`}>{t('events.field.type')}</Label>
          <Input
            id={`${id}-type`}
            list={`${id}-types`}
            value={draft.type}
            placeholder={t('events.type_placeholder')}
            onChange={(e) => {
              set('type', e.target.value);
            }}
          />
          <datalist id={`${id}-types`}>
            {types.map((type) => (
              <option key={type} value={type} />
            ))}
          </datalist>
        </div>
        <div>
          <Label htmlFor={`${id}-kiosk`}>{t('events.field.kiosk')}</Label>
          <Select
            id={`${id}-kiosk`}
            className="w-full"
            value={draft.kiosk}
            onChange={(e) => {
              set('kiosk', e.target.value);
            }}
          >
            <option value="">{t('common.all')}</option>
            {kiosks.map((k) => (
              <option key={k.id} value={k.id}>
                {k.name}
              </option>
            ))}
          </Select>
        </div>
        <div>
          <Label htmlFor={`${id}-locker`}>{t('events.field.locker')}</Label>
          <Input
            id={`${id}-locker`}
            inputMode="numeric"
            pattern="[0-9]*"
            value={draft.locker}
            onChange={(e) => {
              set('locker', e.target.value.replace(/\D/g, ''));
            }}
          />
        </div>
        <DateRangeFields id={id} from={draft.from} to={draft.to} onChange={set} />
      </form>
      <LogResults
        query={query}
        onExport={exportRows}
        rows={rows}
        columns={EVENT_COLUMNS}
        empty={t('events.empty')}
        label={t('events.tab.events')}
        testId="events-table"
        rowProps={(row) => ({ key: row.seq, 'data-testid': 'event-row', 'data-type': row.type })}
      />
    </section>
  );
}
