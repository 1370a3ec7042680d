import { DownloadIcon } from 'lucide-react';
import type { ReactNode } from 'react';
import { Button } from '../../components/ui/button';
import { useI18n } from '../../i18n';

/** Loading, error and "load more" around a list that grows page by page. */
export function LogFooter({
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

export function ExportButton({ disabled, onClick }: { disabled: boolean; onClick: () => void }) {
  const { t } = useI18n();
  return (
    <Button variant="secondary" disabled={disabled} onClick={onClick}>
      <DownloadIcon aria-hidden />
      {t('events.export_loaded')}
    </Button>
  );
}

export function LogState({
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
