import { useCallback, useMemo, useState } from 'react';
import { NavLink, useParams, useSearchParams } from 'react-router';
import { useApi } from '../../api/context';
import type { KioskItem } from '../../api/kiosks';
import { bulkOpen, endOfDay, isBatchResult, type CommandView } from '../../api/lockers';
import { LockerTile } from '../../components/LockerTile';
import { PageHeader } from '../../components/layout/PageHeader';
import { Button } from '../../components/ui/button';
import { Checkbox } from '../../components/ui/checkbox';
import { ConfirmDialog } from '../../components/ui/confirm-dialog';
import { Label } from '../../components/ui/input';
import { toast } from '../../components/ui/toaster';
import { useErrorText, waitForCommand } from '../../hooks/useCommandRunner';
import { useKiosks, useLiveKioskCounts } from '../../hooks/useKiosks';
import { useLockerStream, useLockers } from '../../hooks/useLockers';
import { useCan } from '../../hooks/useRole';
import { useI18n } from '../../i18n';
import { cn } from '../../lib/cn';
import { BulkOpenDialog, type BulkChoice } from './BulkOpenDialog';
import { BulkResult, type BulkRun } from './BulkResult';
import { matchesFilter, type LockerFilter } from './filter';
import { LockerFilters } from './LockerFilters';
import { LockerDrawer } from './LockerDrawer';

export function LockersPage() {
  const { t, number } = useI18n();
  const params = useParams();
  const kiosks = useKiosks();
  useLockerStream();
  useLiveKioskCounts();
  const list = kiosks.data ?? [];
  const kiosk = list.find((k) => k.id === params.kiosk) ?? (params.kiosk === undefined ? list[0] : undefined);

  return (
    <>
      <PageHeader title={t('nav.lockers')} description={t('lockers.page.description')} />
      {kiosks.isPending ? (
        <p role="status">{t('panel.loading')}</p>
      ) : kiosks.isError ? (
        <div role="alert" className="space-y-3">
          <p>{t('panel.load_error', { message: kiosks.error.message })}</p>
          <Button variant="secondary" onClick={() => void kiosks.refetch()}>
            {t('panel.retry')}
          </Button>
        </div>
      ) : list.length === 0 ? (
        <p>{t('panel.empty')}</p>
      ) : (
        <>
          <nav aria-label={t('lockers.page.kiosks')} className="mb-4 overflow-x-auto">
            <ul className="inline-flex flex-wrap items-center gap-1 rounded-lg bg-slate-200 p-1 dark:bg-slate-800">
              {list.map((k) => (
                <li key={k.id}>
                  <NavLink
                    to={`/lockers/${encodeURIComponent(k.id)}`}
                    data-testid={`kiosk-tab-${k.id}`}
                    aria-current={k.id === kiosk?.id ? 'page' : undefined}
                    className={cn(
                      'inline-flex min-h-9 items-center gap-2 rounded-md px-3 text-sm font-medium',
                      'focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600 dark:focus-visible:outline-blue-300',
                      k.id === kiosk?.id
                        ? 'bg-white text-slate-950 shadow-sm dark:bg-slate-950 dark:text-slate-50'
                        : 'text-slate-800 hover:bg-white/60 dark:text-slate-200 dark:hover:bg-slate-900/60',
                    )}
                  >
                    {k.name}
                    <span className="text-xs tabular-nums">
                      {t('lockers.page.free_of', { free: number(k.lockers.free), total: number(k.lockers.total) })}
                    </span>
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
          {kiosk ? (
            <LockerBoard key={kiosk.id} kiosk={kiosk} />
          ) : (
            <p role="alert">{t('lockers.page.unknown_kiosk', { kiosk: params.kiosk ?? '' })}</p>
          )}
        </>
      )}
    </>
  );
}

function LockerBoard({ kiosk }: { kiosk: KioskItem }) {
  const { t, number, lang } = useI18n();
  const api = useApi();
  const errorText = useErrorText();
  const lockers = useLockers(kiosk.id);
  const canBulk = useCan('lockers:bulk_open');
  const [search, setSearch] = useSearchParams();
  const [filter, setFilter] = useState<LockerFilter>({ text: '', state: 'all', vip: false, overdue: false });
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [confirming, setConfirming] = useState(false);
  const [closingDay, setClosingDay] = useState(false);
  const [bulk, setBulk] = useState<BulkRun | null>(null);

  const all = useMemo(() => lockers.data ?? [], [lockers.data]);
  const visible = useMemo(
    () => all.filter((l) => matchesFilter(l, filter, lang)),
    [all, filter, lang],
  );
  const chosen = all.filter((l) => selected.has(l.number));
  const allVisibleSelected = visible.length > 0 && visible.every((l) => selected.has(l.number));
  const someVisibleSelected = visible.some((l) => selected.has(l.number));

  const detail = Number(search.get('locker'));
  const open = all.find((l) => l.number === detail);

  const openDetails = useCallback(
    (n: number) => {
      setSearch({ locker: String(n) });
    },
    [setSearch],
  );
  const onSelectedChange = useCallback((n: number, on: boolean) => {
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(n);
      else next.delete(n);
      return next;
    });
  }, []);

  /** Follows a batch command (bulk open, end of day) to its report, with a toast and the panel. */
  const track = (accepted: CommandView, lockersOpened: number[]) => {
    setBulk({ status: 'running', lockers: lockersOpened });
    const toastId = toast.loading(t('lockers.bulk.running', { count: number(lockersOpened.length) }));
    void waitForCommand(api, accepted.id).then(
      (command) => {
        const rows = isBatchResult(command.result) ? command.result.rows : [];
        setBulk({ status: 'done', command, rows });
        const failed = rows.filter((r) => r.result === 'failed').length;
        const opened = rows.filter((r) => r.result === 'opened' || r.result === 'opened_and_freed').length;
        const message = t('lockers.bulk.finished', { opened: number(opened), failed: number(failed) });
        if (failed > 0 || command.state !== 'succeeded') toast.error(message, { id: toastId });
        else toast.success(message, { id: toastId });
      },
      (error: unknown) => {
        const message = errorText(error);
        setBulk({ status: 'failed', message });
        toast.error(t('lockers.command.failed_with', { reason: message }), { id: toastId });
      },
    );
  };

  const startBulk = async (choice: BulkChoice) => {
    const accepted = await bulkOpen(api, kiosk.id, {
      lockers: choice.plan.open,
      release: choice.release,
      exclude_vip: choice.excludeVip,
      ...(choice.staggerMs === undefined ? {} : { stagger_ms: choice.staggerMs }),
    });
    setSelected(new Set());
    track(accepted, choice.plan.open);
  };

  // End of day opens and frees every owned locker that is not VIP (PRODUCT.md §3.3).
  const endOfDayLockers = all.filter((l) => l.stored_state === 'owned' && !l.vip).map((l) => l.number);
  const startEndOfDay = async () => {
    track(await endOfDay(api, kiosk.id), endOfDayLockers);
  };

  return (
    <section aria-label={kiosk.name} className="space-y-4">
      <LockerFilters filter={filter} onChange={setFilter} />

      <div className="flex min-h-10 flex-wrap items-center gap-3 text-sm">
        {canBulk && (
          <div className="flex items-center gap-2">
            <Checkbox
              id="select-visible"
              data-testid="select-visible"
              checked={allVisibleSelected ? true : someVisibleSelected ? 'indeterminate' : false}
              disabled={visible.length === 0}
              onCheckedChange={() => {
                setSelected((current) => {
                  const next = new Set(current);
                  for (const l of visible) {
                    if (allVisibleSelected) next.delete(l.number);
                    else next.add(l.number);
                  }
                  return next;
                });
              }}
            />
            <Label htmlFor="select-visible">
              {t('lockers.select_visible', { count: number(visible.length) })}
            </Label>
          </div>
        )}
        <p role="status" aria-live="polite" className="text-slate-700 dark:text-slate-300">
          {t('lockers.shown', { shown: number(visible.length), total: number(all.length) })}
          {canBulk && selected.size > 0 && ` · ${t('lockers.selected', { count: number(selected.size) })}`}
        </p>
        {canBulk && (
          <Button
            variant="secondary"
            className="ml-auto"
            data-testid="end-of-day"
            onClick={() => {
              setClosingDay(true);
            }}
          >
            {t('lockers.eod.button')}
          </Button>
        )}
        {canBulk && selected.size > 0 && (
          <div className="flex gap-2">
            <Button
              data-testid="bulk-open"
              onClick={() => {
                setConfirming(true);
              }}
            >
              {t('lockers.bulk.button', { count: number(selected.size) })}
            </Button>
            <Button
              variant="ghost"
              onClick={() => {
                setSelected(new Set());
              }}
            >
              {t('lockers.clear_selection')}
            </Button>
          </div>
        )}
      </div>

      {bulk && <BulkResult run={bulk} onDismiss={() => { setBulk(null); }} />}

      {lockers.isPending ? (
        <p role="status">{t('common.loading')}</p>
      ) : lockers.isError ? (
        <div role="alert" className="space-y-3">
          <p>{t('common.error', { message: lockers.error.message })}</p>
          <Button variant="secondary" onClick={() => void lockers.refetch()}>
            {t('common.retry')}
          </Button>
        </div>
      ) : visible.length === 0 ? (
        <p>{t('lockers.none_match')}</p>
      ) : (
        <ul
          aria-label={t('lockers.grid_label', { kiosk: kiosk.name })}
          data-testid="locker-grid"
          className="grid grid-cols-[repeat(auto-fill,minmax(6.5rem,1fr))] gap-2"
        >
          {visible.map((l) => (
            <LockerTile
              key={l.number}
              locker={l}
              selectable={canBulk}
              selected={selected.has(l.number)}
              onSelectedChange={onSelectedChange}
              onOpenDetails={openDetails}
            />
          ))}
        </ul>
      )}

      <LockerDrawer
        locker={open}
        kioskName={kiosk.name}
        onClose={() => {
          setSearch({});
        }}
      />
      <ConfirmDialog
        open={closingDay}
        onOpenChange={setClosingDay}
        title={t('lockers.eod.title', { kiosk: kiosk.name })}
        description={
          <p data-testid="eod-summary">
            {endOfDayLockers.length === 0
              ? t('lockers.eod.none', { kiosk: kiosk.name })
              : t('lockers.eod.body', {
                  kiosk: kiosk.name,
                  count: number(endOfDayLockers.length),
                  lockers: endOfDayLockers.join(', '),
                })}
          </p>
        }
        confirmLabel={t('lockers.eod.confirm')}
        destructive
        confirmDisabled={endOfDayLockers.length === 0}
        onConfirm={startEndOfDay}
      />
      {confirming && (
        <BulkOpenDialog
          lockers={chosen}
          kioskName={kiosk.name}
          onClose={() => {
            setConfirming(false);
          }}
          onConfirm={startBulk}
        />
      )}
    </section>
  );
}
