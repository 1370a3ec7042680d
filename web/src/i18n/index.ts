// Dictionaries and formatting. English is the only language shown for now; `tr.json` is kept
// complete (a test checks the keys match) so switching the locale later is a small change.
// Placeholders are written `{name}`.

import en from './en.json';

export type MessageKey = keyof typeof en;
export type Dictionary = Record<MessageKey, string>;
export type Params = Record<string, string | number>;

export const locale = 'en';

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

/** The message for `key` in the current language. */
export function t(key: MessageKey, params?: Params): string {
  return translate(en, key, params);
}

/** "1 second", "42 seconds" (or "42 saniye"), using the platform's plural rules. */
export function formatSeconds(seconds: number, lang: string = locale): string {
  return new Intl.NumberFormat(lang, {
    style: 'unit',
    unit: 'second',
    unitDisplay: 'long',
  }).format(seconds);
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
