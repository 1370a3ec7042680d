import type { BatchRow, CommandView } from '../../api/lockers';
import { Button } from '../../components/ui/button';
import { useI18n, type MessageKey } from '../../i18n';

/** A bulk open or end of day: running, finished with its report, or refused. */
export type BulkRun =
  | { status: 'running'; lockers: number[] }
  | { status: 'done'; command: CommandView; rows: BatchRow[] }
  | { status: 'failed'; message: string };

const RESULT_TEXT: Record<BatchRow['result'], MessageKey> = {
  opened: 'lockers.result.opened',
  opened_and_freed: 'lockers.result.opened_and_freed',
  skipped_vip: 'lockers.result.skipped_vip',
  skipped_blocked: 'lockers.result.skipped_blocked',
  busy: 'lockers.result.busy',
  not_found: 'lockers.result.not_found',
  failed: 'lockers.result.failed',
};

/** Where a batch command stands, then what happened to each locker. */
export function BulkResult({ run, onDismiss }: { run: BulkRun; onDismiss: () => void }) {
  const { t, number } = useI18n();
  return (
    <div
      data-testid="bulk-result"
      data-status={run.status}
      role="status"
      className="rounded-lg border border-slate-300 bg-white p-3 text-sm dark:border-slate-600 dark:bg-slate-900"
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="font-medium">
          {run.status === 'running'
            ? t('lockers.bulk.running_list', { lockers: run.lockers.join(', ') })
            : run.status === 'failed'
              ? t('lockers.command.failed_with', { reason: run.message })
              : t('lockers.bulk.finished', {
                  opened: number(
                    run.rows.filter((r) => r.result === 'opened' || r.result === 'opened_and_freed').length,
                  ),
                  failed: number(run.rows.filter((r) => r.result === 'failed').length),
                })}
        </p>
        {run.status !== 'running' && (
          <Button variant="ghost" size="sm" onClick={onDismiss}>
            {t('common.close')}
          </Button>
        )}
      </div>
      {run.status === 'done' && run.rows.length > 0 && (
        <ul className="mt-2 flex flex-wrap gap-2">
          {run.rows.map((row) => (
            <li
              key={row.locker}
              data-result={row.result}
              className="rounded bg-slate-100 px-2 py-0.5 dark:bg-slate-800"
            >
              {t('lockers.result.row', { number: row.locker, result: t(RESULT_TEXT[row.result]) })}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
