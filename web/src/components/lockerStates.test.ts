import { describe, expect, it } from 'vitest';
import { dictionaries } from '../i18n';
import { STATE_LOOK, displayState, type DisplayState } from './lockerStates';

const STATES: DisplayState[] = ['free', 'owned', 'blocked', 'error', 'vip', 'opening'];

describe('locker state looks', () => {
  it('gives every state its own icon, its own border and its own word in both languages', () => {
    const looks = STATES.map((s) => STATE_LOOK[s]);
    expect(new Set(looks.map((l) => l.icon)).size).toBe(STATES.length);
    expect(new Set(looks.map((l) => l.label)).size).toBe(STATES.length);
    expect(STATES.map((s) => dictionaries.en[STATE_LOOK[s].label])).toEqual([
      'Free',
      'Owned',
      'Blocked',
      'Error',
      'VIP',
      'Opening',
    ]);
    expect(STATES.map((s) => dictionaries.tr[STATE_LOOK[s].label])).toEqual([
      'Boş',
      'Dolu',
      'Bloke',
      'Arızalı',
      'VIP',
      'Açılıyor',
    ]);
    // Colour is never the only cue: the four stored states differ in border style too.
    const border = (s: DisplayState) => /border-(solid|dashed|double|dotted)/.exec(STATE_LOOK[s].tile)?.[1];
    expect(['free', 'blocked', 'error', 'vip'].map((s) => border(s as DisplayState))).toEqual([
      'solid',
      'dashed',
      'double',
      'dotted',
    ]);
  });

  it('shows opening while a pulse is in flight, whatever the stored state', () => {
    expect(displayState({ state: 'owned' })).toBe('owned');
    expect(displayState({ state: 'owned', opening: true })).toBe('opening');
    expect(displayState({ state: 'vip', opening: false })).toBe('vip');
  });
});
