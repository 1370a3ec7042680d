import { describe, expect, it } from 'vitest';
import en from './en.json';
import {
  dictionaries,
  formatDateTime,
  formatMoney,
  formatNumber,
  formatSeconds,
  getLang,
  interpolate,
  setLang,
  t,
  translate,
  upperCase,
} from './index';
import tr from './tr.json';

// Every dictionary pair in this folder, the kiosk's included.
const pairs = Object.entries(
  import.meta.glob<Record<string, string>>('./*.{en,tr}.json', { eager: true, import: 'default' }),
).reduce<Record<string, Partial<Record<'en' | 'tr', Record<string, string>>>>>(
  (acc, [path, dictionary]) => {
    const match = /\.\/(.+)\.(en|tr)\.json$/.exec(path);
    if (match) {
      const [, domain, lang] = match as unknown as [string, string, 'en' | 'tr'];
      acc[domain] = { ...acc[domain], [lang]: dictionary };
    }
    return acc;
  },
  { common: { en, tr } },
);

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('dictionaries', () => {
  it.each(Object.entries(pairs))('%s has the same keys in English and Turkish', (_, pair) => {
    expect(pair.en, 'English file').toBeDefined();
    expect(pair.tr, 'Turkish file').toBeDefined();
    expect(Object.keys(pair.tr ?? {}).sort()).toEqual(Object.keys(pair.en ?? {}).sort());
  });

  it.each(Object.entries(pairs))('%s uses the same placeholders in both languages', (_, pair) => {
    for (const [key, text] of Object.entries(pair.en ?? {})) {
      expect(placeholders(pair.tr?.[key] ?? ''), key).toEqual(placeholders(text));
    }
  });

  it.each(Object.entries(pairs))('%s has no empty messages', (_, pair) => {
    for (const dictionary of [pair.en ?? {}, pair.tr ?? {}]) {
      for (const [key, text] of Object.entries(dictionary)) expect(text.trim(), key).not.toBe('');
    }
  });

  it('panel domains never reuse a key', () => {
    const panel = Object.entries(pairs).filter(([domain]) => domain !== 'kiosk');
    const total = panel.reduce((n, [, pair]) => n + Object.keys(pair.en ?? {}).length, 0);
    expect(Object.keys(dictionaries.en)).toHaveLength(total);
  });
});

describe('t', () => {
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(t('panel.load_error', { message: 'boom' })).toBe('Could not load the kiosks: boom');
    expect(translate(dictionaries.tr, 'login.error.rate_limited', { wait: formatSeconds(5, 'tr') })).toBe(
      'Çok fazla giriş denemesi. 5 saniye sonra tekrar deneyin.',
    );
    expect(interpolate('{a} and {b}', { a: 1 })).toBe('1 and {b}');
  });

  it('formats durations with plural rules', () => {
    expect(formatSeconds(1)).toBe('1 second');
    expect(formatSeconds(42)).toBe('42 seconds');
  });

  it('formats timestamps as DD.MM.YYYY HH:mm in local time', () => {
    const local = new Date(2025, 2, 4, 5, 6, 7);
    expect(formatDateTime(local.toISOString())).toBe('04.03.2025 05:06');
    expect(formatDateTime('not a date')).toBe('not a date');
  });
});

describe('language and number formatting', () => {
  it('switches the language of t and remembers it', () => {
    const before = getLang();
    setLang('tr');
    expect(t('login.submit')).toBe('Giriş yap');
    expect(localStorage.getItem('kioskhub.lang')).toBe('tr');
    expect(document.documentElement.lang).toBe('tr');
    setLang('en');
    expect(t('login.submit')).toBe('Sign in');
    setLang(before);
  });

  it('uses the decimal comma and dot grouping in Turkish', () => {
    expect(formatNumber(1250.5, 'tr')).toBe('1.250,5');
    expect(formatNumber(1250.5, 'en')).toBe('1,250.5');
    expect(formatMoney(1250, 'tr')).toBe('₺1.250,00');
  });

  it('upper-cases with Turkish rules', () => {
    expect(upperCase('istanbul ılık', 'tr')).toBe('İSTANBUL ILIK');
    expect(upperCase('istanbul', 'en')).toBe('ISTANBUL');
  });
});
