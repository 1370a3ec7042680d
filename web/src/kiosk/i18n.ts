// The kiosk's dictionaries (src/i18n/kiosk.{tr,en}.json, same keys; a test checks them) and the
// Turkish-aware casing helpers. Placeholders are written `{name}`.

import { createContext, useContext } from 'react';
import en from '../i18n/kiosk.en.json';
import tr from '../i18n/kiosk.tr.json';
import type { Lang } from './settings';

export type KioskKey = keyof typeof en;
export type Params = Record<string, string | number>;

const dictionaries: Record<Lang, Record<KioskKey, string>> = { tr, en };

/** The BCP 47 tag used for casing and number formatting. */
export function localeOf(lang: Lang): string {
  return lang === 'tr' ? 'tr-TR' : 'en-GB';
}

export function translate(lang: Lang, key: KioskKey, params?: Params): string {
  const template = dictionaries[lang][key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) => {
    const value = params[name];
    return value === undefined ? match : String(value);
  });
}

/** Upper case with the language's rules: Turkish "i" becomes "İ", not "I". */
export function upper(text: string, lang: Lang): string {
  return text.toLocaleUpperCase(localeOf(lang));
}

/** "0:45", "12:05", "1:00:00" for a countdown. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${String(h)}:${pad(m)}:${pad(s % 60)}` : `${String(m)}:${pad(s % 60)}`;
}

export interface I18n {
  lang: Lang;
  t: (key: KioskKey, params?: Params) => string;
}

export function makeI18n(lang: Lang): I18n {
  return { lang, t: (key, params) => translate(lang, key, params) };
}

export const I18nContext = createContext<I18n>(makeI18n('tr'));

export function useI18n(): I18n {
  return useContext(I18nContext);
}
