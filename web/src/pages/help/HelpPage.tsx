import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { CameraIcon, DownloadIcon, Volume2Icon, VolumeXIcon } from 'lucide-react';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useApi } from '../../api/context';
import {
  DEFAULT_HELP_FILTERS,
  helpExportUrl,
  listHelp,
  type HelpFilters as Filters,
  type HelpRequest,
} from '../../api/help';
import { PageHeader } from '../../components/layout/PageHeader';
import { Badge } from '../../components/ui/badge';
import { Button, buttonVariants } from '../../components/ui/button';
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from '../../components/ui/table';
import { formatDateTime, useI18n } from '../../i18n';
import { cn } from '../../lib/cn';
import { HelpDetailSheet } from './HelpDetail';
import { HelpFilters } from './HelpFilters';
import { CATEGORY_LABEL, STATUS_LABEL, STATUS_TONE } from './labels';
import { useHelpSound } from './sound';
import { HELP_KEY, useHelpLive } from './useHelpLive';
import { useKioskList } from './useKioskList';

/** How long the search box waits for typing to pause before it searches. */
const SEARCH_DELAY_MS = 300;

export function HelpPage() {
  const api = useApi();
  const { t, number } = useI18n();
  const navigate = useNavigate();
  const params = useParams();
  const selected = params.id !== undefined && /^\d+$/.test(params.id) ? Number(params.id) : null;
  const [filters, setFilters] = useState<Filters>(DEFAULT_HELP_FILTERS);
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(1);
  const [sound, setSound] = useHelpSound();
  const kiosks = useKioskList();
  useHelpLive({ announce: false });

  useEffect(() => {
    const timer = setTimeout(() => {
      setFilters((current) => (current.q === search ? current : { ...current, q: search }));
      setPage(1);
    }, SEARCH_DELAY_MS);
    return () => {
      clearTimeout(timer);
    };
  }, [search]);

  const list = useQuery({
    queryKey: [HELP_KEY, 'list', filters, page],
    queryFn: () => listHelp(api, filters, page),
    placeholderData: keepPreviousData,
  });
  const pages = list.data ? Math.max(1, Math.ceil(list.data.total / list.data.per_page)) : 1;

  return (
    <>
      <PageHeader
        title={t('help.title')}
        description={t('help.description')}
        actions={
          <>
            <Button
              variant="secondary"
              aria-pressed={sound}
              onClick={() => {
                setSound(!sound);
              }}
            >
              {sound ? <Volume2Icon aria-hidden /> : <VolumeXIcon aria-hidden />}
              {t('help.sound')}
            </Button>
            <a
              className={buttonVariants({ variant: 'secondary' })}
              href={helpExportUrl(api, filters)}
              download
            >
              <DownloadIcon aria-hidden />
              {t('common.export_csv')}
            </a>
          </>
        }
      />
      <HelpFilters
        filters={filters}
        search={search}
        kiosks={kiosks}
        onSearch={setSearch}
        onChange={(next) => {
          setFilters(next);
          setPage(1);
        }}
      />
      {list.isPending ? (
        <p role="status" className="text-slate-700 dark:text-slate-300">
          {t('common.loading')}
        </p>
      ) : list.isError ? (
        <div role="alert" className="space-y-3">
          <p>{t('common.error', { message: list.error.message })}</p>
          <Button variant="secondary" onClick={() => void list.refetch()}>
            {t('common.retry')}
          </Button>
        </div>
      ) : (
        <>
          <HelpTable
            items={list.data.items}
            selected={selected}
            caption={
              list.data.total === 1 ? t('help.total_one') : t('help.total', { count: number(list.data.total) })
            }
            onOpen={(id) => void navigate(`/help/${String(id)}`)}
          />
          {pages > 1 && (
            <nav
              aria-label={t('help.pagination')}
              className="mt-4 flex flex-wrap items-center justify-between gap-2"
            >
              <Button
                variant="secondary"
                disabled={page <= 1}
                onClick={() => {
                  setPage((p) => Math.max(1, p - 1));
                }}
              >
                {t('common.previous')}
              </Button>
              <p className="text-sm" aria-live="polite">
                {t('common.page', { page: number(page), pages: number(pages) })}
              </p>
              <Button
                variant="secondary"
                disabled={page >= pages}
                onClick={() => {
                  setPage((p) => p + 1);
                }}
              >
                {t('common.next')}
              </Button>
            </nav>
          )}
        </>
      )}
      <HelpDetailSheet
        id={selected}
        onClose={() => void navigate('/help')}
      />
    </>
  );
}

function HelpTable({
  items,
  selected,
  caption,
  onOpen,
}: {
  items: HelpRequest[];
  selected: number | null;
  caption: string;
  onOpen: (id: number) => void;
}) {
  const { t } = useI18n();
  if (items.length === 0) {
    return <p className="rounded-lg border border-dashed border-slate-300 p-6 text-center dark:border-slate-600">{t('help.empty')}</p>;
  }
  return (
    <Table data-testid="help-list" scrollLabel={t('help.list_label')}>
      <TableCaption>{caption}</TableCaption>
      <TableHeader>
        <TableRow>
          <TableHead scope="col">#</TableHead>
          <TableHead scope="col">{t('help.field.created_at')}</TableHead>
          <TableHead scope="col" className="hidden sm:table-cell">
            {t('help.field.kiosk')}
          </TableHead>
          <TableHead scope="col" className="hidden sm:table-cell">
            {t('help.field.locker')}
          </TableHead>
          <TableHead scope="col">{t('help.field.category')}</TableHead>
          <TableHead scope="col">{t('help.field.status')}</TableHead>
          <TableHead scope="col" className="hidden md:table-cell">
            {t('help.field.assigned_to')}
          </TableHead>
          <TableHead scope="col" className="hidden lg:table-cell">
            {t('help.field.note')}
          </TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {items.map((item) => (
          <TableRow
            key={item.id}
            data-testid={`help-row-${String(item.id)}`}
            data-status={item.status}
            data-state={selected === item.id ? 'selected' : undefined}
            className="cursor-pointer"
            onClick={() => {
              onOpen(item.id);
            }}
          >
            <TableCell className="font-medium">
              <Link
                to={`/help/${String(item.id)}`}
                className="rounded-sm text-blue-800 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-blue-600 dark:text-blue-200"
                aria-label={t('help.open_request', { id: item.id })}
                onClick={(e) => {
                  e.stopPropagation();
                }}
              >
                #{item.id}
              </Link>
            </TableCell>
            <TableCell className="whitespace-nowrap">{formatDateTime(item.created_at)}</TableCell>
            <TableCell className="hidden sm:table-cell">{item.kiosk_name}</TableCell>
            <TableCell className="hidden sm:table-cell">{item.locker ?? '—'}</TableCell>
            <TableCell>
              <span className="inline-flex items-center gap-1">
                {t(CATEGORY_LABEL[item.category])}
                {item.has_photo && (
                  <CameraIcon className="size-4" aria-label={t('help.has_photo')} role="img" />
                )}
              </span>
            </TableCell>
            <TableCell>
              <Badge tone={STATUS_TONE[item.status]}>{t(STATUS_LABEL[item.status])}</Badge>
            </TableCell>
            <TableCell className="hidden md:table-cell">{item.assigned_to?.username ?? '—'}</TableCell>
            <TableCell className={cn('hidden max-w-xs truncate lg:table-cell')}>
              {item.note ?? ''}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
