import type { PanelLocker } from '../../api/lockers';
import { lowerCase, type Lang } from '../../i18n';

export const LOCKER_FILTER_STATES = ['all', 'free', 'owned', 'blocked', 'error', 'vip'] as const;

export interface LockerFilter {
  /** Matches the number, the name or the owner's card hint. */
  text: string;
  state: (typeof LOCKER_FILTER_STATES)[number];
  vip: boolean;
  overdue: boolean;
}

/** Whether a locker passes the grid's search and filters; text compares in `lang`'s casing. */
export function matchesFilter(locker: PanelLocker, filter: LockerFilter, lang?: Lang): boolean {
  if (filter.state !== 'all' && locker.state !== filter.state) return false;
  if (filter.vip && !locker.vip) return false;
  if (filter.overdue && !locker.overdue) return false;
  const text = lowerCase(filter.text.trim(), lang);
  if (text === '') return true;
  const hint = lowerCase((locker.owner_hint ?? '').replace(/^\u2026/, ''), lang);
  // A card hint is four characters: a shorter query would match half the room by accident.
  const card = text.replace(/^\u2026|^\.\.\./, '');
  return (
    String(locker.number).startsWith(text) ||
    lowerCase(locker.name ?? '', lang).includes(text) ||
    (hint !== '' && card.length >= 3 && hint.includes(card))
  );
}
