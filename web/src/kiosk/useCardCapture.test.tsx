import { fireEvent, render, renderHook } from '@testing-library/react';
import { useLayoutEffect } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CARD_IDLE_MS, useCardCapture } from './useCardCapture';

function type(text: string, target: Element | Window = document.body) {
  for (const key of text) fireEvent.keyDown(target, { key });
}
function enter(target: Element | Window = document.body) {
  return fireEvent.keyDown(target, { key: 'Enter' });
}

describe('useCardCapture', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('submits the typed characters on Enter and starts a new buffer', () => {
    const onCard = vi.fn();
    renderHook(() => {
      useCardCapture(onCard, true);
    });

    type('04A1B2C3D4');
    expect(onCard).not.toHaveBeenCalled();
    const notCancelled = enter();

    expect(onCard).toHaveBeenCalledExactlyOnceWith('04A1B2C3D4');
    expect(notCancelled).toBe(false);
    type('77');
    enter();
    expect(onCard).toHaveBeenLastCalledWith('77');
  });

  it('takes a card read in the same commit that turns it on', () => {
    const onCard = vi.fn();
    function Capture({ enabled }: { enabled: boolean }) {
      useCardCapture(onCard, enabled);
      return null;
    }
    // A parent's layout effect runs after its child's, in the same commit: a reader that sends
    // the card the moment the screen waiting for it is in the page.
    function Screen({ enabled }: { enabled: boolean }) {
      useLayoutEffect(() => {
        if (!enabled) return;
        type('04A1B2C3D4');
        enter();
      }, [enabled]);
      return <Capture enabled={enabled} />;
    }
    const { rerender } = render(<Screen enabled={false} />);
    rerender(<Screen enabled />);

    expect(onCard).toHaveBeenCalledExactlyOnceWith('04A1B2C3D4');
  });

  it('ignores Enter with nothing typed, and non-printable or modified keys', () => {
    const onCard = vi.fn();
    renderHook(() => {
      useCardCapture(onCard, true);
    });

    expect(enter()).toBe(true);
    fireEvent.keyDown(document.body, { key: 'Shift' });
    fireEvent.keyDown(document.body, { key: 'c', ctrlKey: true });
    type('12');
    fireEvent.keyDown(document.body, { key: 'ArrowLeft' });
    enter();

    expect(onCard).toHaveBeenCalledExactlyOnceWith('12');
  });

  it('clears a half-read number after 2 s without a key', () => {
    const onCard = vi.fn();
    renderHook(() => {
      useCardCapture(onCard, true);
    });

    type('0000');
    vi.advanceTimersByTime(CARD_IDLE_MS - 1);
    type('11');
    vi.advanceTimersByTime(CARD_IDLE_MS - 1);
    enter();
    expect(onCard).toHaveBeenLastCalledWith('000011');

    type('9999');
    vi.advanceTimersByTime(CARD_IDLE_MS);
    type('AB');
    enter();
    expect(onCard).toHaveBeenLastCalledWith('AB');
    expect(onCard).toHaveBeenCalledTimes(2);
  });

  it('leaves keys typed into an input or a textarea alone', () => {
    const onCard = vi.fn();
    renderHook(() => {
      useCardCapture(onCard, true);
    });
    const { getByRole } = render(
      <div>
        <input aria-label="note" />
        <textarea aria-label="long note" />
      </div>,
    );

    type('1234', getByRole('textbox', { name: 'note' }));
    enter(getByRole('textbox', { name: 'note' }));
    type('5678', getByRole('textbox', { name: 'long note' }));
    enter(getByRole('textbox', { name: 'long note' }));
    expect(onCard).not.toHaveBeenCalled();

    type('42');
    enter();
    expect(onCard).toHaveBeenCalledExactlyOnceWith('42');
  });

  it('drops another card while the previous scan is still in flight', async () => {
    let finish: () => void = () => undefined;
    const onCard = vi.fn(
      () =>
        new Promise<void>((resolve) => {
          finish = resolve;
        }),
    );
    renderHook(() => {
      useCardCapture(onCard, true);
    });

    type('111');
    enter();
    type('222');
    enter();
    expect(onCard).toHaveBeenCalledExactlyOnceWith('111');

    finish();
    await vi.waitFor(() => {
      type('333');
      enter();
      expect(onCard).toHaveBeenLastCalledWith('333');
    });
    expect(onCard).toHaveBeenCalledTimes(2);
  });

  it('listens only while enabled', () => {
    const onCard = vi.fn();
    const { rerender } = renderHook(
      ({ enabled }) => {
        useCardCapture(onCard, enabled);
      },
      { initialProps: { enabled: false } },
    );

    type('55');
    enter();
    expect(onCard).not.toHaveBeenCalled();

    rerender({ enabled: true });
    type('66');
    enter();
    expect(onCard).toHaveBeenCalledExactlyOnceWith('66');
  });
});
