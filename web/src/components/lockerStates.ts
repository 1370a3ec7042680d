// How each locker state looks: a label, an icon and a colour that never carries the meaning alone
// (PRODUCT.md §12: colour-blind safe). Every state has its own icon and its own border style, and
// the label is always written out; the colour pairs meet WCAG AA contrast in both themes.

import {
  BanIcon,
  CrownIcon,
  LoaderCircleIcon,
  LockIcon,
  LockOpenIcon,
  TriangleAlertIcon,
  type LucideIcon,
} from 'lucide-react';
import type { LockerState, PanelLocker } from '../api/lockers';
import type { MessageKey } from '../i18n';

/** What a tile shows: a stored state, `vip`, or `opening` while a pulse is in flight. */
export type DisplayState = LockerState | 'opening';

export interface StateLook {
  label: MessageKey;
  icon: LucideIcon;
  /** Tile background, border and text. */
  tile: string;
  /** The icon's colour on that background. */
  accent: string;
}

export const STATE_LOOK: Record<DisplayState, StateLook> = {
  free: {
    label: 'locker.free',
    icon: LockOpenIcon,
    tile: 'border-solid border-emerald-700 bg-white text-slate-900 dark:border-emerald-500 dark:bg-slate-900 dark:text-slate-50',
    accent: 'text-emerald-800 dark:text-emerald-300',
  },
  owned: {
    label: 'locker.owned',
    icon: LockIcon,
    tile: 'border-solid border-blue-700 bg-blue-50 text-blue-950 dark:border-blue-400 dark:bg-blue-950 dark:text-blue-50',
    accent: 'text-blue-800 dark:text-blue-300',
  },
  blocked: {
    label: 'locker.blocked',
    icon: BanIcon,
    tile: 'border-dashed border-slate-700 bg-slate-200 text-slate-950 dark:border-slate-300 dark:bg-slate-800 dark:text-slate-50',
    accent: 'text-slate-800 dark:text-slate-200',
  },
  error: {
    label: 'locker.error',
    icon: TriangleAlertIcon,
    tile: 'border-double border-red-700 bg-red-50 text-red-950 dark:border-red-400 dark:bg-red-950 dark:text-red-50',
    accent: 'text-red-800 dark:text-red-300',
  },
  vip: {
    label: 'locker.vip',
    icon: CrownIcon,
    tile: 'border-dotted border-amber-700 bg-amber-50 text-amber-950 dark:border-amber-400 dark:bg-amber-950 dark:text-amber-50',
    accent: 'text-amber-800 dark:text-amber-300',
  },
  opening: {
    label: 'lockers.state.opening',
    icon: LoaderCircleIcon,
    tile: 'border-solid border-violet-700 bg-violet-50 text-violet-950 dark:border-violet-400 dark:bg-violet-950 dark:text-violet-50',
    accent: 'text-violet-800 dark:text-violet-300 motion-safe:animate-spin',
  },
};

/** The state a tile shows now. */
export function displayState(locker: Pick<PanelLocker, 'state' | 'opening'>): DisplayState {
  return locker.opening ? 'opening' : locker.state;
}
