import { act, render, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Countdown } from './ui';
import { secondsLeft, useCountdown } from './useCountdown';

describe('useCountdown', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-01T10:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('rounds partial seconds up and never goes below zero', () => {
    const now = Date.now();
    expect(secondsLeft(now + 30_000, now)).toBe(30);
    expect(secondsLeft(now + 29_001, now)).toBe(30);
    expect(secondsLeft(now + 1, now)).toBe(1);
    expect(secondsLeft(now - 5_000, now)).toBe(0);
  });

  it('counts down to the deadline and calls onExpire exactly once', () => {
    const onExpire = vi.fn();
    const deadline = Date.now() + 3_000;
    const { result } = renderHook(() => useCountdown(deadline, onExpire));
    expect(result.current).toBe(3);

    act(() => {
      vi.advanceTimersByTime(1_000);
    });
    expect(result.current).toBe(2);
    expect(onExpire).not.toHaveBeenCalled();

    act(() => {
      vi.advanceTimersByTime(2_000);
    });
    expect(result.current).toBe(0);
    expect(onExpire).toHaveBeenCalledTimes(1);

    act(() => {
      vi.advanceTimersByTime(10_000);
    });
    expect(onExpire).toHaveBeenCalledTimes(1);
  });

  it('restarts when the deadline moves', () => {
    const onExpire = vi.fn();
    const { result, rerender } = renderHook(({ deadline }) => useCountdown(deadline, onExpire), {
      initialProps: { deadline: Date.now() + 2_000 },
    });
    act(() => {
      vi.advanceTimersByTime(1_500);
    });
    rerender({ deadline: Date.now() + 10_000 });
    expect(result.current).toBe(10);
    act(() => {
      vi.advanceTimersByTime(5_000);
    });
    expect(onExpire).not.toHaveBeenCalled();
  });

  it('shows the seconds through <Countdown>', () => {
    const { container } = render(
      <Countdown deadline={Date.now() + 5_000} render={(s) => `${String(s)} s left`} />,
    );
    expect(container.textContent).toBe('5 s left');
    act(() => {
      vi.advanceTimersByTime(2_000);
    });
    expect(container.textContent).toBe('3 s left');
  });
});
