import { useCallback, useEffect, useRef } from 'react';

/**
 * A trailing debounce: calls `fn` once `waitMs` after the last call of a burst, but no later than
 * `maxWaitMs` after its first call, so a steady stream of calls cannot postpone it forever.
 * `fn` should be stable (from `useCallback`).
 */
export function useDebouncedCallback(fn: () => void, waitMs: number, maxWaitMs = waitMs * 4): () => void {
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const firstCall = useRef<number | null>(null);

  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
      timer.current = null;
      firstCall.current = null;
    },
    [fn],
  );

  return useCallback(() => {
    const now = Date.now();
    firstCall.current ??= now;
    const delay = Math.max(0, Math.min(waitMs, firstCall.current + maxWaitMs - now));
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      timer.current = null;
      firstCall.current = null;
      fn();
    }, delay);
  }, [fn, waitMs, maxWaitMs]);
}
