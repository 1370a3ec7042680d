// Card capture from a keyboard-wedge reader: the reader "types" the card number and presses
// Enter. Printable characters build a buffer, Enter submits it, and a pause of CARD_IDLE_MS
// clears a half-read number so stray key presses never join the next card. Keys typed into a
// form field are left to that field, and one scan at a time: while the previous submission is
// still in flight, another Enter is dropped.

import { useLayoutEffect, useRef } from 'react';

/** A pause longer than this between keys throws away what was typed. */
export const CARD_IDLE_MS = 2000;
/** Longer input is not a card number (the server caps a UID at 64 characters). */
export const MAX_CARD_INPUT = 128;

function isFormField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return (
    target instanceof HTMLInputElement ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement ||
    target.isContentEditable
  );
}

/**
 * Listens on `window` while `enabled`; calls `onCard` with the buffered text on Enter. When
 * `onCard` returns a promise, further cards are ignored until it settles.
 */
export function useCardCapture(onCard: (card: string) => unknown, enabled: boolean): void {
  const onCardRef = useRef(onCard);
  // Layout effects: the listener is on, with the current handler, in the same commit that shows
  // the screen waiting for a card, so a card read the moment that screen appears is not lost.
  useLayoutEffect(() => {
    onCardRef.current = onCard;
  }, [onCard]);

  useLayoutEffect(() => {
    if (!enabled) return;
    let buffer = '';
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inFlight = false;

    const clear = () => {
      buffer = '';
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    };

    const submit = (card: string) => {
      if (inFlight) return;
      const result = onCardRef.current(card);
      if (result instanceof Promise) {
        inFlight = true;
        void result.finally(() => {
          inFlight = false;
        });
      }
    };

    const onKeyDown = (event: KeyboardEvent) => {
      if (isFormField(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === 'Enter') {
        const card = buffer.trim();
        clear();
        if (card === '') return;
        // Keep Enter from also pressing whichever button has focus.
        event.preventDefault();
        submit(card);
        return;
      }
      if (event.key.length !== 1) return;
      if (buffer.length < MAX_CARD_INPUT) buffer += event.key;
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(clear, CARD_IDLE_MS);
    };

    window.addEventListener('keydown', onKeyDown);
    return () => {
      window.removeEventListener('keydown', onKeyDown);
      clear();
    };
  }, [enabled]);
}
