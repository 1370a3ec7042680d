// The member-facing preferences remembered on the device (PRODUCT.md §12 Kiosk): language
// (Turkish by default), text size and high contrast. Stored in localStorage so they survive a
// reload or a power cut; anything unreadable falls back to the default.

import { useCallback, useState } from 'react';

export type Lang = 'tr' | 'en';
export type TextSize = 'normal' | 'large' | 'xlarge';

export interface KioskSettings {
  lang: Lang;
  textSize: TextSize;
  highContrast: boolean;
}

export const LANGS: readonly Lang[] = ['tr', 'en'];
export const TEXT_SIZES: readonly TextSize[] = ['normal', 'large', 'xlarge'];
export const DEFAULT_SETTINGS: KioskSettings = { lang: 'tr', textSize: 'normal', highContrast: false };
export const SETTINGS_KEY = 'kioskhub.kiosk.settings';

export function loadSettings(storage: Storage): KioskSettings {
  let stored: unknown;
  try {
    stored = JSON.parse(storage.getItem(SETTINGS_KEY) ?? 'null');
  } catch {
    stored = null;
  }
  if (typeof stored !== 'object' || stored === null) return DEFAULT_SETTINGS;
  const value = stored as Record<string, unknown>;
  return {
    lang: LANGS.find((l) => l === value.lang) ?? DEFAULT_SETTINGS.lang,
    textSize: TEXT_SIZES.find((s) => s === value.textSize) ?? DEFAULT_SETTINGS.textSize,
    highContrast: value.highContrast === true,
  };
}

export function saveSettings(storage: Storage, settings: KioskSettings): void {
  try {
    storage.setItem(SETTINGS_KEY, JSON.stringify(settings));
  } catch {
    // A full or disabled storage only loses the preference, never the screen.
  }
}

/** Reflects the settings on `<html>`: `lang`, `data-text-size` and `data-contrast`. */
export function applySettings(root: HTMLElement, settings: KioskSettings): void {
  root.lang = settings.lang;
  root.dataset.textSize = settings.textSize;
  root.dataset.contrast = settings.highContrast ? 'high' : 'normal';
}

/** The current settings and a function that changes, stores and applies some of them. */
export function useKioskSettings(
  storage: Storage = window.localStorage,
): [KioskSettings, (change: Partial<KioskSettings>) => void] {
  const [settings, setSettings] = useState(() => {
    const loaded = loadSettings(storage);
    applySettings(document.documentElement, loaded);
    return loaded;
  });
  const update = useCallback(
    (change: Partial<KioskSettings>) => {
      setSettings((previous) => {
        const next = { ...previous, ...change };
        saveSettings(storage, next);
        applySettings(document.documentElement, next);
        return next;
      });
    },
    [storage],
  );
  return [settings, update];
}
