// The optional beep for new help requests: a short Web Audio tone (no audio files), switched on
// or off per device and remembered in localStorage.

import { useSyncExternalStore } from 'react';

const STORAGE_KEY = 'kioskhub.help.sound';
const listeners = new Set<() => void>();

function read(): boolean {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'on';
  } catch {
    return false;
  }
}

let enabled = read();

export function helpSoundEnabled(): boolean {
  return enabled;
}

export function setHelpSound(on: boolean): void {
  enabled = on;
  try {
    localStorage.setItem(STORAGE_KEY, on ? 'on' : 'off');
  } catch {
    // Private mode: the choice lasts until the page is closed.
  }
  for (const listener of listeners) listener();
  // A click is the user gesture browsers want before audio may play; warm the context up now.
  if (on) audioContext()?.resume().catch(() => undefined);
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Whether the beep is on, and the switch. */
export function useHelpSound(): [boolean, (on: boolean) => void] {
  const on = useSyncExternalStore(subscribe, helpSoundEnabled, helpSoundEnabled);
  return [on, setHelpSound];
}

let context: AudioContext | null | undefined;

function audioContext(): AudioContext | null {
  if (context !== undefined) return context;
  const Ctor = typeof window === 'undefined' ? undefined : window.AudioContext;
  try {
    context = Ctor ? new Ctor() : null;
  } catch {
    context = null;
  }
  return context;
}

/** Two short tones (880 Hz then 660 Hz), quiet enough for a front desk. */
export function playHelpBeep(): void {
  const ctx = audioContext();
  if (!ctx) return;
  const start = ctx.currentTime + 0.01;
  [880, 660].forEach((frequency, i) => {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    const at = start + i * 0.18;
    osc.type = 'sine';
    osc.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.2, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.15);
    osc.connect(gain).connect(ctx.destination);
    osc.start(at);
    osc.stop(at + 0.16);
  });
}
