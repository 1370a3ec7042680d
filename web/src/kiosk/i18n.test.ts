import { describe, expect, it } from 'vitest';
import en from '../i18n/kiosk.en.json';
import tr from '../i18n/kiosk.tr.json';
import { clock, translate, upper } from './i18n';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('kiosk dictionaries', () => {
  it('have the same keys in Turkish and English', () => {
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

describe('kiosk text helpers', () => {
  it('fill placeholders', () => {
    expect(translate('en', 'help.sent', { id: 12 })).toBe('Request #12 sent — staff are on the way');
    expect(translate('tr', 'common.locker', { number: 7 })).toBe('Dolap 7');
  });

  it('upper-case Turkish with Turkish rules', () => {
    expect(upper('Kartınızı okutun', 'tr')).toBe('KARTINIZI OKUTUN');
    expect(upper('iptal', 'tr')).toBe('İPTAL');
    expect(upper('iptal', 'en')).toBe('IPTAL');
  });

  it('formats countdowns as m:ss or h:mm:ss', () => {
    expect(clock(59)).toBe('0:59');
    expect(clock(300)).toBe('5:00');
    expect(clock(3600)).toBe('1:00:00');
    expect(clock(-3)).toBe('0:00');
  });
});
