// What a bulk open will do, worked out before it is confirmed, in the same terms the server uses
// (server/src/lockers/commands.rs `run_batch`): blocked lockers are skipped, VIP lockers are
// skipped unless `exclude_vip` is off, every other locker is opened; with `release` an owned
// locker is freed, otherwise its owner keeps it. Lockers in error would only fail (the error is
// resolved first), so they are left out and named.

import type { PanelLocker } from '../../api/lockers';
import type { MessageKey, Params } from '../../i18n';

export interface BulkPlan {
  /** The lockers that will be pulsed, in order. */
  open: number[];
  /** Of those, the ones with an owner (who keeps or loses them). */
  owned: number[];
  skippedVip: number[];
  skippedBlocked: number[];
  skippedError: number[];
}

export function planBulkOpen(lockers: readonly PanelLocker[], excludeVip: boolean): BulkPlan {
  const plan: BulkPlan = { open: [], owned: [], skippedVip: [], skippedBlocked: [], skippedError: [] };
  for (const l of [...lockers].sort((a, b) => a.number - b.number)) {
    if (l.vip && excludeVip) plan.skippedVip.push(l.number);
    else if (l.stored_state === 'blocked') plan.skippedBlocked.push(l.number);
    else if (l.stored_state === 'error') plan.skippedError.push(l.number);
    else {
      plan.open.push(l.number);
      if (l.stored_state === 'owned' || l.owner_hint !== null) plan.owned.push(l.number);
    }
  }
  return plan;
}

type Translate = (key: MessageKey, params?: Params) => string;

/**
 * The sentences of the confirmation: "Open 5 lockers in Men's changing room: 3, 7, 12, 15, 21 —
 * owners keep them." and what is skipped. The first names exactly the lockers that will open.
 */
export function bulkOpenSummary(
  t: Translate,
  kioskName: string,
  plan: BulkPlan,
  release: boolean,
  formatNumber: (n: number) => string = String,
): string[] {
  // Locker numbers are names, not quantities: no digit grouping.
  const list = (numbers: number[]) => numbers.map(String).join(', ');
  const lines: string[] = [];
  if (plan.open.length === 0) {
    lines.push(t('lockers.bulk.nothing'));
  } else {
    const params = { count: formatNumber(plan.open.length), kiosk: kioskName, lockers: list(plan.open) };
    const head = t(plan.open.length === 1 ? 'lockers.bulk.open_one' : 'lockers.bulk.open_other', params);
    const tail =
      plan.owned.length === 0
        ? t('lockers.bulk.none_owned')
        : release
          ? t('lockers.bulk.owners_lose')
          : t('lockers.bulk.owners_keep');
    lines.push(`${head} — ${tail}`);
  }
  if (plan.skippedVip.length > 0) lines.push(t('lockers.bulk.skip_vip', { lockers: list(plan.skippedVip) }));
  if (plan.skippedBlocked.length > 0) {
    lines.push(t('lockers.bulk.skip_blocked', { lockers: list(plan.skippedBlocked) }));
  }
  if (plan.skippedError.length > 0) {
    lines.push(t('lockers.bulk.skip_error', { lockers: list(plan.skippedError) }));
  }
  return lines;
}
