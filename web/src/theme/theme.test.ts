import { afterEach, describe, expect, it } from 'vitest';
import { applyTheme, getTheme, setTheme } from './theme';

afterEach(() => {
  setTheme('system');
  localStorage.clear();
});

describe('theme', () => {
  it('puts the dark class on <html> and remembers the choice', () => {
    setTheme('dark');
    expect(document.documentElement.classList.contains('dark')).toBe(true);
    expect(localStorage.getItem('kioskhub.theme')).toBe('dark');
    setTheme('light');
    expect(document.documentElement.classList.contains('dark')).toBe(false);
    expect(getTheme()).toBe('light');
  });

  it('follows the system when the choice is "system"', () => {
    setTheme('system');
    applyTheme();
    // jsdom has no matchMedia: the system counts as light.
    expect(document.documentElement.classList.contains('dark')).toBe(false);
  });
});
