import type { PanelLocker } from '../../api/lockers';

export const LOCKER_FILTER_STATES = ['all', 'free', 'owned', 'blocked', 'error', 'vip'] as const;

export interface LockerFilter {
  /** Matches the number, the name or the owner's card hint. */
  text: string;
  state: (typeof LOCKER_FILTER_STATES)[number];
  vip: boolean;
  overdue: boolean;
}

/** Whether a locker passes the grid's search and filters. */
export function matchesFilter(locker: PanelLocker, filter: LockerFilter): boolean {
  if (filter.state !== 'all' && locker.state !== filter.state) return false;
  if (filter.vip && !locker.vip) return false;
  if (filter.overdue && !locker.overdue) return false;
  const text = filter.text.trim().toLocaleLowerCase();
  if (text === '') return true;
  const hint = (locker.owner_hint ?? '').replace(/^\u2026/, '').toLocaleLowerCase();
  // A card hint is four characters: a shorter query would match half the room by accident.
  const card = text.replace(/^\u2026|^\.\.\./, '');
  return (
    String(locker.number).startsWith(text) ||
    (locker.name ?? '').toLocaleLowerCase().includes(text) ||
    (hint !== '' && card.length >= 3 && hint.includes(card))
  );
}
