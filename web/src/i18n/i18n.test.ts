import { describe, expect, it } from 'vitest';
import en from './en.json';
import tr from './tr.json';
import { formatDateTime, formatSeconds, interpolate, t, translate } from './index';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('dictionaries', () => {
  it('have the same keys in English and Turkish', () => {
    expect(Object.keys(tr).sort()).toEqual(Object.keys(en).sort());
  });

  it('use the same placeholders in both languages', () => {
    for (const [key, text] of Object.entries(en)) {
      expect(placeholders(tr[key as keyof typeof tr]), key).toEqual(placeholders(text));
    }
  });

  it('have no empty messages', () => {
    for (const dictionary of [en, tr]) {
      for (const [key, text] of Object.entries(dictionary)) expect(text.trim(), key).not.toBe('');
    }
  });
});

describe('t', () => {
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(t('panel.load_error', { message: 'boom' })).toBe('Could not load the kiosks: boom');
    expect(translate(tr, 'login.error.rate_limited', { wait: formatSeconds(5, 'tr') })).toBe(
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
