import { useInfiniteQuery } from '@tanstack/react-query';
import { useId, useMemo, useState } from 'react';
import { useApi } from '../../api/context';
import {
  auditTime,
  EMPTY_AUDIT_FILTERS,
  type AuditEntry,
  listAudit,
  type AuditFilters,
} from '../../api/events';
import { DateRangeFields } from '../../components/DateRangeFields';
import { Badge } from '../../components/ui/badge';
import { Input, Label } from '../../components/ui/input';
import { formatDateTime, useI18n } from '../../i18n';
import { csvFilename, downloadCsv, toCsv } from './csv';
import { LogResults, type LogColumn } from './LogParts';
import { useDebouncedValue } from './useDebouncedValue';

const AUDIT_COLUMNS: LogColumn<AuditEntry>[] = [
  { header: 'events.field.time', cellClassName: 'whitespace-nowrap', cell: (r) => formatDateTime(auditTime(r)) },
  { header: 'events.field.user', cell: (r) => r.username ?? '—' },
  { header: 'events.field.action', cellClassName: 'font-mono text-xs', cell: (r) => r.action },
  { header: 'events.field.target', className: 'hidden sm:table-cell', cell: (r) => r.target ?? '—' },
  {
    header: 'events.field.outcome',
    cell: (r) => (
      <Badge tone={r.outcome === 'succeeded' ? 'success' : r.outcome === 'denied' || r.outcome === 'failed' ? 'danger' : 'neutral'}>
        {r.outcome}
      </Badge>
    ),
  },
  { header: 'events.field.ip', className: 'hidden md:table-cell', cell: (r) => r.ip ?? '—' },
  {
    header: 'events.field.detail',
    className: 'hidden lg:table-cell',
    cellClassName: 'max-w-xs truncate',
    cell: (r) => r.detail ?? '',
    title: (r) => r.detail ?? undefined,
  },
];

/** The audit trail, filtered by the server: action, user and dates. */
export function AuditTab() {
  const api = useApi();
  const { t } = useI18n();
  const id = useId();
  const [draft, setDraft] = useState<AuditFilters>(EMPTY_AUDIT_FILTERS);
  const filters = useDebouncedValue(draft, 300);

  const query = useInfiniteQuery({
    queryKey: ['events', 'audit', filters],
    queryFn: ({ pageParam }) => listAudit(api, filters, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
  const rows = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
  const actions = useMemo(() => [...new Set(rows.map((r) => r.action))].sort(), [rows]);

  const set = <K extends keyof AuditFilters>(key: K, value: AuditFilters[K]) => {
    setDraft((d) => ({ ...d, [key]: value }));
  };
  const exportRows = () => {
    const header = ['id', 'time', 'user', 'action', 'target', 'outcome', 'ip', 'user_agent', 'detail'];
    const body = rows.map((r) => [
      r.id,
      auditTime(r),
      r.username,
      r.action,
      r.target,
      r.outcome,
      r.ip,
      r.user_agent,
      r.detail,
    ]);
    downloadCsv(csvFilename('audit'), toCsv(header, body));
  };

  return (
    <section aria-label={t('events.tab.audit')} className="space-y-4">
      <form
        role="search"
        aria-label={t('events.audit_filters')}
        className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4"
        onSubmit={(e) => {
          e.preventDefault();
        }}
      >
        <div>
          <Label htmlFor={`${id}-action`}>{t('events.field.action')}</Label>
          <Input
            id={`${id}-action`}
            list={`${id}-actions`}
            value={draft.action}
            placeholder={t('events.action_placeholder')}
            onChange={(e) => {
              set('action', e.target.value);
            }}
          />
          <datalist id={`${id}-actions`}>
            {actions.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </div>
        <div>
          <Label htmlFor={`${id}-user`}>{t('events.field.user')}</Label>
          <Input
            id={`${id}-user`}
            value={draft.user}
            onChange={(e) => {
              set('user', e.target.value);
            }}
          />
        </div>
        <DateRangeFields id={id} from={draft.from} to={draft.to} onChange={set} />
      </form>
      <LogResults
        query={query}
        onExport={exportRows}
        rows={rows}
        columns={AUDIT_COLUMNS}
        empty={t('events.audit_empty')}
        label={t('events.tab.audit')}
        testId="audit-table"
        rowProps={(row) => ({ key: row.id, 'data-testid': 'audit-row', 'data-action': row.action })}
      />
    </section>
  );
}
