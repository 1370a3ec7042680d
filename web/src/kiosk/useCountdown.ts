// A countdown to a deadline (epoch milliseconds) that calls `onExpire` once when it reaches
// zero. It ticks four times a second so the shown number never lags the server's timer by a
// whole second; only the component that shows it re-renders.

import { useEffect, useRef, useState } from 'react';

const TICK_MS = 250;

export function secondsLeft(deadline: number, now: number = Date.now()): number {
  return Math.max(0, Math.ceil((deadline - now) / 1000));
}

/** Whole seconds left until `deadline`; `onExpire` runs once when it reaches zero. */
export function useCountdown(deadline: number, onExpire?: () => void): number {
  const [left, setLeft] = useState(() => secondsLeft(deadline));
  const onExpireRef = useRef(onExpire);
  useEffect(() => {
    onExpireRef.current = onExpire;
  }, [onExpire]);

  useEffect(() => {
    let fired = false;
    const tick = () => {
      const next = secondsLeft(deadline);
      setLeft(next);
      if (next === 0 && !fired) {
        fired = true;
        clearInterval(timer);
        onExpireRef.current?.();
      }
    };
    const timer = setInterval(tick, TICK_MS);
    tick();
    return () => {
      clearInterval(timer);
    };
  }, [deadline]);

  return left;
}
