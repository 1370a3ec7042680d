import { act, renderHook } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, SETTINGS_KEY, loadSettings, saveSettings, useKioskSettings } from './settings';

beforeEach(() => {
  localStorage.clear();
});

describe('kiosk settings', () => {
  it('default to Turkish, normal text and normal contrast', () => {
    expect(loadSettings(localStorage)).toEqual({ lang: 'tr', textSize: 'normal', highContrast: false });
  });

  it('survive a save and a load', () => {
    saveSettings(localStorage, { lang: 'en', textSize: 'xlarge', highContrast: true });
    expect(loadSettings(localStorage)).toEqual({ lang: 'en', textSize: 'xlarge', highContrast: true });
  });

  it('fall back to the default for anything unreadable', () => {
    localStorage.setItem(SETTINGS_KEY, '{not json');
    expect(loadSettings(localStorage)).toEqual(DEFAULT_SETTINGS);
    localStorage.setItem(SETTINGS_KEY, JSON.stringify({ lang: 'de', textSize: 'huge', highContrast: 'yes' }));
    expect(loadSettings(localStorage)).toEqual(DEFAULT_SETTINGS);
  });

  it('are stored and applied to <html> when changed, and read back by a new screen', () => {
    const first = renderHook(() => useKioskSettings(localStorage));
    expect(document.documentElement.lang).toBe('tr');

    act(() => {
      first.result.current[1]({ lang: 'en' });
    });
    act(() => {
      first.result.current[1]({ textSize: 'large', highContrast: true });
    });

    expect(first.result.current[0]).toEqual({ lang: 'en', textSize: 'large', highContrast: true });
    const root = document.documentElement;
    expect(root.lang).toBe('en');
    expect(root.dataset.textSize).toBe('large');
    expect(root.dataset.contrast).toBe('high');
    first.unmount();

    root.lang = '';
    const reloaded = renderHook(() => useKioskSettings(localStorage));
    expect(reloaded.result.current[0]).toEqual({ lang: 'en', textSize: 'large', highContrast: true });
    expect(root.lang).toBe('en');
  });
});
