// Light, dark or the system's preference (PRODUCT.md §12), remembered on this device. The choice
// is applied as the `dark` class on <html>, which Tailwind's `dark:` variant follows.

import { useSyncExternalStore } from 'react';

export const THEMES = ['system', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

const STORAGE_KEY = 'kioskhub.theme';
const DARK_QUERY = '(prefers-color-scheme: dark)';

function isTheme(value: unknown): value is Theme {
  return value === 'system' || value === 'light' || value === 'dark';
}

function readStored(): Theme {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return isTheme(value) ? value : 'system';
  } catch {
    return 'system';
  }
}

/** The system's dark-mode query, where the platform has one (test DOMs may not). */
function darkQuery(): MediaQueryList | undefined {
  return typeof window.matchMedia === 'function' ? window.matchMedia(DARK_QUERY) : undefined;
}

function systemPrefersDark(): boolean {
  return darkQuery()?.matches ?? false;
}

let current: Theme = readStored();
const listeners = new Set<() => void>();

/** Whether `theme` shows dark right now. */
export function resolvesDark(theme: Theme): boolean {
  return theme === 'dark' || (theme === 'system' && systemPrefersDark());
}

/** Puts the class on <html>; called once before the first render and on every change. */
export function applyTheme(theme: Theme = current): void {
  if (typeof document === 'undefined') return;
  const dark = resolvesDark(theme);
  document.documentElement.classList.toggle('dark', dark);
  document.documentElement.style.colorScheme = dark ? 'dark' : 'light';
}

export function getTheme(): Theme {
  return current;
}

export function setTheme(theme: Theme): void {
  current = theme;
  try {
    localStorage.setItem(STORAGE_KEY, theme);
  } catch {
    // Private mode: the choice lasts until the page is closed.
  }
  applyTheme(theme);
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  // Follow the system while the choice is "system".
  const media = darkQuery();
  const onSystemChange = () => {
    if (current === 'system') {
      applyTheme();
      listener();
    }
  };
  media?.addEventListener('change', onSystemChange);
  return () => {
    listeners.delete(listener);
    media?.removeEventListener('change', onSystemChange);
  };
}

/** The chosen theme and whether it is dark now. */
export function useTheme(): { theme: Theme; dark: boolean; setTheme: (theme: Theme) => void } {
  const theme = useSyncExternalStore(subscribe, getTheme, getTheme);
  return { theme, dark: resolvesDark(theme), setTheme };
}
