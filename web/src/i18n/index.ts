// Dictionaries, the chosen language and formatting (PRODUCT.md §12). Each panel domain keeps its
// own pair of dictionaries (`<domain>.en.json` / `<domain>.tr.json`); they are merged here into one
// typed dictionary per language. Placeholders are written `{name}`. The kiosk screen has its own
// dictionaries (`kiosk.*.json`) and loads none of these.

import { useMemo, useSyncExternalStore } from 'react';
import adminEn from './admin.en.json';
import adminTr from './admin.tr.json';
import en from './en.json';
import helpEn from './help.en.json';
import helpTr from './help.tr.json';
import lockersEn from './lockers.en.json';
import lockersTr from './lockers.tr.json';
import tr from './tr.json';

const english = { ...en, ...lockersEn, ...helpEn, ...adminEn };

export type MessageKey = keyof typeof english;
export type Dictionary = Record<MessageKey, string>;
export type Params = Record<string, string | number>;

// Typed as `Dictionary`, so a key missing from a Turkish file fails the typecheck.
const turkish: Dictionary = { ...tr, ...lockersTr, ...helpTr, ...adminTr };

export const dictionaries: Record<Lang, Dictionary> = { en: english, tr: turkish };

export const LANGS = ['tr', 'en'] as const;
export type Lang = (typeof LANGS)[number];

const STORAGE_KEY = 'kioskhub.lang';

function isLang(value: unknown): value is Lang {
  return value === 'en' || value === 'tr';
}

function storedLang(): Lang | undefined {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return isLang(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The remembered choice, else the browser's language when it is Turkish, else English. */
function initialLang(): Lang {
  const stored = storedLang();
  if (stored) return stored;
  // Node (unit tests, server-side tools) has no navigator.
  const browser = typeof navigator === 'undefined' ? 'en' : navigator.language.toLowerCase();
  return browser.startsWith('tr') ? 'tr' : 'en';
}

let current: Lang = initialLang();
const listeners = new Set<() => void>();

export function getLang(): Lang {
  return current;
}

/** Switches the language everywhere and remembers it on this device. */
export function setLang(lang: Lang): void {
  if (lang === current) return;
  current = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Private mode: the choice lasts until the page is closed.
  }
  if (typeof document !== 'undefined') document.documentElement.lang = lang;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Replaces `{name}` placeholders; unknown placeholders are left as they are. */
export function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) => {
    const value = params[name];
    return value === undefined ? match : String(value);
  });
}

export function translate(dictionary: Dictionary, key: MessageKey, params?: Params): string {
  return interpolate(dictionary[key], params);
}

/** The message for `key` in the current language (outside React; components use `useI18n`). */
export function t(key: MessageKey, params?: Params): string {
  return translate(dictionaries[current], key, params);
}

/** BCP 47 tag for `Intl` formatting. */
export function intlLocale(lang: Lang): string {
  return lang === 'tr' ? 'tr-TR' : 'en-GB';
}

/** "1 second", "42 seconds" (or "42 saniye"), using the platform's plural rules. */
export function formatSeconds(seconds: number, lang: Lang = current): string {
  return new Intl.NumberFormat(intlLocale(lang), {
    style: 'unit',
    unit: 'second',
    unitDisplay: 'long',
  }).format(seconds);
}

/** Numbers with the language's separators: `1.250,5` in Turkish, `1,250.5` in English. */
export function formatNumber(
  value: number,
  lang: Lang = current,
  options?: Intl.NumberFormatOptions,
): string {
  return new Intl.NumberFormat(intlLocale(lang), options).format(value);
}

/** Turkish lira: `₺1.250,00` in Turkish. */
export function formatMoney(value: number, lang: Lang = current): string {
  return new Intl.NumberFormat(intlLocale(lang), { style: 'currency', currency: 'TRY' }).format(
    value,
  );
}

/** Upper case with the language's rules (Turkish `i` → `İ`, `ı` → `I`). */
export function upperCase(text: string, lang: Lang = current): string {
  return text.toLocaleUpperCase(intlLocale(lang));
}

/** Lower case with the language's rules (Turkish `İ` → `i`, `I` → `ı`), for searching. */
export function lowerCase(text: string, lang: Lang = current): string {
  return text.toLocaleLowerCase(intlLocale(lang));
}

/** DD.MM.YYYY HH:mm in local time (PRODUCT.md §12); the input is an RFC 3339 timestamp. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(date.getDate())}.${pad(date.getMonth() + 1)}.${String(date.getFullYear())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/** DD.MM.YYYY for a date without its time. */
export function formatDate(iso: string): string {
  return formatDateTime(iso).slice(0, 10);
}

export interface I18n {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: (key: MessageKey, params?: Params) => string;
  number: (value: number, options?: Intl.NumberFormatOptions) => string;
  seconds: (seconds: number) => string;
  upper: (text: string) => string;
}

/** The current language and its message and number helpers; re-renders when the language changes. */
export function useI18n(): I18n {
  const lang = useSyncExternalStore(subscribe, getLang, getLang);
  return useMemo(
    () => ({
      lang,
      setLang,
      t: (key, params) => translate(dictionaries[lang], key, params),
      number: (value, options) => formatNumber(value, lang, options),
      seconds: (seconds) => formatSeconds(seconds, lang),
      upper: (text) => upperCase(text, lang),
    }),
    [lang],
  );
}
