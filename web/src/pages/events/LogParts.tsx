import { DownloadIcon } from 'lucide-react';
import type { ComponentProps, ReactNode } from 'react';
import { Button } from '../../components/ui/button';
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from '../../components/ui/table';
import { useI18n, type MessageKey } from '../../i18n';

/** Loading, error and "load more" around a list that grows page by page. */
function LogFooter({
  count,
  hasMore,
  loadingMore,
  onMore,
}: {
  count: number;
  hasMore: boolean;
  loadingMore: boolean;
  onMore: () => void;
}) {
  const { t, number } = useI18n();
  return (
    <div className="mt-3 flex flex-wrap items-center justify-between gap-2">
      <p className="text-sm text-slate-700 dark:text-slate-300" aria-live="polite">
        {t('events.shown', { count: number(count) })}
      </p>
      {hasMore && (
        <Button variant="secondary" disabled={loadingMore} aria-busy={loadingMore} onClick={onMore}>
          {loadingMore ? t('common.loading') : t('events.load_more')}
        </Button>
      )}
    </div>
  );
}

function ExportButton({ disabled, onClick }: { disabled: boolean; onClick: () => void }) {
  const { t } = useI18n();
  return (
    <Button variant="secondary" disabled={disabled} onClick={onClick}>
      <DownloadIcon aria-hidden />
      {t('events.export_loaded')}
    </Button>
  );
}

function LogState({
  pending,
  error,
  onRetry,
  children,
}: {
  pending: boolean;
  error: Error | null;
  onRetry: () => void;
  children: ReactNode;
}) {
  const { t } = useI18n();
  if (pending) {
    return (
      <p role="status" className="text-slate-700 dark:text-slate-300">
        {t('common.loading')}
      </p>
    );
  }
  if (error) {
    return (
      <div role="alert" className="space-y-3">
        <p>{t('common.error', { message: error.message })}</p>
        <Button variant="secondary" onClick={onRetry}>
          {t('common.retry')}
        </Button>
      </div>
    );
  }
  return children;
}

/** A short one-line rendering of an event's data. */
export function summarize(data: unknown): string {
  if (data === null || data === undefined) return '';
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return text === '{}' ? '' : text;
}

/** One column of a log table: its heading, the cell of a row, and classes for both. */
export interface LogColumn<Row> {
  header: MessageKey;
  /** Also on the cells, e.g. `hidden sm:table-cell` to drop the column on phones. */
  className?: string;
  cellClassName?: string;
  cell: (row: Row) => ReactNode;
  /** The full text as a tooltip, for cells that truncate. */
  title?: (row: Row) => string | undefined;
}

interface LogTableProps<Row> {
  rows: Row[];
  columns: LogColumn<Row>[];
  empty: string;
  label: string;
  testId: string;
  /** The row's key and its test attributes. */
  rowProps: (row: Row) => { key: string | number } & ComponentProps<'tr'> & Record<`data-${string}`, string>;
}

/** What a log tab needs of its paged query (TanStack Query's infinite query gives all of it). */
interface PagedQuery {
  isPending: boolean;
  error: Error | null;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  refetch: () => Promise<unknown>;
  fetchNextPage: () => Promise<unknown>;
}

/**
 * Everything a log tab shows under its filters: the export of the loaded rows, then the rows (or
 * the loading or error state) and the "load more" footer.
 */
export function LogResults<Row>({
  query,
  onExport,
  ...table
}: LogTableProps<Row> & { query: PagedQuery; onExport: () => void }) {
  return (
    <>
      <div className="flex justify-end">
        <ExportButton disabled={table.rows.length === 0} onClick={onExport} />
      </div>
      <LogState pending={query.isPending} error={query.error} onRetry={() => void query.refetch()}>
        <LogTable {...table} />
        <LogFooter
          count={table.rows.length}
          hasMore={query.hasNextPage}
          loadingMore={query.isFetchingNextPage}
          onMore={() => void query.fetchNextPage()}
        />
      </LogState>
    </>
  );
}

/** The loaded rows of a log as a table, or the empty text when there are none. */
function LogTable<Row>({ rows, columns, empty, label, testId, rowProps }: LogTableProps<Row>) {
  const { t } = useI18n();
  if (rows.length === 0) {
    return (
      <p className="rounded-lg border border-dashed border-slate-300 p-6 text-center dark:border-slate-600">
        {empty}
      </p>
    );
  }
  return (
    <Table data-testid={testId} scrollLabel={label}>
      <TableHeader>
        <TableRow>
          {columns.map((column) => (
            <TableHead key={column.header} scope="col" className={column.className}>
              {t(column.header)}
            </TableHead>
          ))}
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((row) => {
          const { key, ...props } = rowProps(row);
          return (
            <TableRow key={key} {...props}>
              {columns.map((column) => (
                <TableCell
                  key={column.header}
                  className={[column.className, column.cellClassName].filter(Boolean).join(' ')}
                  title={column.title?.(row)}
                >
                  {column.cell(row)}
                </TableCell>
              ))}
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
