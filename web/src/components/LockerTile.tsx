import { ClockAlertIcon, CrownIcon, DoorOpenIcon } from 'lucide-react';
import { memo } from 'react';
import type { PanelLocker } from '../api/lockers';
import { useI18n } from '../i18n';
import { cn } from '../lib/cn';
import { STATE_LOOK, displayState } from './lockerStates';
import { Checkbox } from './ui/checkbox';

export interface LockerTileProps {
  locker: PanelLocker;
  /** Shows the selection checkbox (roles that may bulk open). */
  selectable: boolean;
  selected: boolean;
  onSelectedChange: (number: number, selected: boolean) => void;
  onOpenDetails: (number: number) => void;
}

/** "Locker 5 — Owned, card …C3D4, overdue": what the tile says, as one sentence. */
export function useTileLabel(): (locker: PanelLocker) => string {
  const { t } = useI18n();
  return (locker) => {
    const parts = [t(STATE_LOOK[displayState(locker)].label)];
    if (locker.vip && locker.state !== 'vip') parts.push(t('locker.vip'));
    if (locker.owner_hint) parts.push(t('lockers.tile.card', { hint: locker.owner_hint }));
    if (locker.overdue) parts.push(t('locker.overdue'));
    if (locker.door === 'open') parts.push(t('lockers.door.open'));
    const name = locker.name ? ` (${locker.name})` : '';
    return `${t('lockers.tile.number', { number: locker.number })}${name} — ${parts.join(', ')}`;
  };
}

/**
 * One locker in the grid: a button that opens its details, and beside it (for roles that may
 * bulk open) a checkbox to select it. The state shows as colour, icon, border style and word.
 */
export const LockerTile = memo(function LockerTile({
  locker,
  selectable,
  selected,
  onSelectedChange,
  onOpenDetails,
}: LockerTileProps) {
  const { t } = useI18n();
  const state = displayState(locker);
  const look = STATE_LOOK[state];
  const Icon = look.icon;
  const label = useTileLabel()(locker);
  return (
    <li
      data-testid={`locker-tile-${String(locker.number)}`}
      data-state={locker.state}
      data-opening={locker.opening ? 'true' : undefined}
      className="relative"
    >
      <button
        type="button"
        title={label}
        onClick={() => {
          onOpenDetails(locker.number);
        }}
        className={cn(
          'flex h-full min-h-20 w-full flex-col items-start gap-1 rounded-lg border-2 p-2 text-left transition-colors',
          'hover:brightness-95 focus-visible:outline-3 focus-visible:outline-offset-2 focus-visible:outline-blue-600 dark:hover:brightness-110 dark:focus-visible:outline-blue-300',
          look.tile,
          locker.opening && 'motion-safe:animate-pulse',
          selected && 'ring-3 ring-blue-600 dark:ring-blue-300',
        )}
      >
        {/* One sentence for screen readers; the visual parts below say the same. */}
        <span className="sr-only">{label}</span>
        <span aria-hidden="true" className="flex w-full items-baseline gap-1.5 pr-7">
          <span className="text-xl leading-none font-bold tabular-nums">{locker.number}</span>
          {locker.name && <span className="truncate text-xs font-medium">{locker.name}</span>}
        </span>
        <span aria-hidden="true" className="flex items-center gap-1 text-xs font-semibold">
          <Icon className={cn('size-4 shrink-0', look.accent)} aria-hidden />
          {t(look.label)}
        </span>
        <span aria-hidden="true" className="flex min-h-5 flex-wrap items-center gap-1 text-xs">
          {locker.owner_hint && <span className="font-mono">{locker.owner_hint}</span>}
          {locker.vip && locker.state !== 'vip' && (
            <span className="inline-flex items-center gap-0.5 rounded bg-amber-200 px-1 font-semibold text-amber-950 dark:bg-amber-800 dark:text-amber-50">
              <CrownIcon className="size-3" aria-hidden />
              {t('locker.vip')}
            </span>
          )}
          {locker.overdue && (
            <span className="inline-flex items-center gap-0.5 rounded bg-orange-200 px-1 font-semibold text-orange-950 dark:bg-orange-800 dark:text-orange-50">
              <ClockAlertIcon className="size-3" aria-hidden />
              {t('locker.overdue')}
            </span>
          )}
          {locker.door === 'open' && (
            <span className="inline-flex items-center gap-0.5 rounded bg-white/80 px-1 font-semibold text-slate-900 dark:bg-slate-900/80 dark:text-slate-50">
              <DoorOpenIcon className="size-3" aria-hidden />
              {t('lockers.door.open')}
            </span>
          )}
        </span>
      </button>
      {selectable && (
        <Checkbox
          checked={selected}
          onCheckedChange={(checked) => {
            onSelectedChange(locker.number, checked === true);
          }}
          aria-label={t('lockers.select_one', { number: locker.number })}
          data-testid={`locker-select-${String(locker.number)}`}
          className="absolute top-2 right-2"
        />
      )}
    </li>
  );
});
