// Short sound cues made with the Web Audio API (no audio files): two rising tones for success,
// one low buzz for an error. Silently does nothing where audio is unavailable.

export type Cue = 'success' | 'error';

let context: AudioContext | undefined;

function audio(): AudioContext | undefined {
  if (context) return context;
  const Ctor = (globalThis as { AudioContext?: typeof AudioContext }).AudioContext;
  if (!Ctor) return undefined;
  context = new Ctor();
  return context;
}

function tone(ctx: AudioContext, frequency: number, start: number, length: number, type: OscillatorType) {
  const oscillator = ctx.createOscillator();
  const gain = ctx.createGain();
  oscillator.type = type;
  oscillator.frequency.value = frequency;
  // A quick fade in and out avoids clicks.
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(0.25, start + 0.01);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
  oscillator.connect(gain).connect(ctx.destination);
  oscillator.start(start);
  oscillator.stop(start + length + 0.02);
}

export function beep(cue: Cue): void {
  try {
    const ctx = audio();
    if (!ctx) return;
    if (ctx.state === 'suspended') void ctx.resume();
    const now = ctx.currentTime;
    if (cue === 'success') {
      tone(ctx, 880, now, 0.12, 'sine');
      tone(ctx, 1320, now + 0.14, 0.16, 'sine');
    } else {
      tone(ctx, 220, now, 0.4, 'square');
    }
  } catch {
    // Sound is a courtesy; the screen already says what happened.
  }
}
