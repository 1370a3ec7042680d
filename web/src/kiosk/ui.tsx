// Building blocks shared by the kiosk screens: big buttons (at least 60 px tall and wide), the
// Back / Cancel bar, the frame every screen sits in, and the countdown text.

import type { ButtonHTMLAttributes, ReactNode } from 'react';
import { useI18n, upper } from './i18n';
import { BackIcon, CancelIcon } from './icons';
import { useCountdown } from './useCountdown';

export type Tone = 'primary' | 'secondary' | 'ok' | 'bad' | 'plain';

const TONES: Record<Tone, string> = {
  primary: 'bg-accent text-on-accent border-accent',
  secondary: 'bg-card text-ink border-line',
  ok: 'bg-ok text-on-ok border-ok',
  bad: 'bg-bad text-on-bad border-bad',
  plain: 'bg-transparent text-ink border-transparent',
};

export function Button({
  tone = 'secondary',
  className = '',
  type = 'button',
  ...props
}: ButtonHTMLAttributes<HTMLButtonElement> & { tone?: Tone }) {
  return (
    <button
      type={type}
      className={`inline-flex min-h-[60px] min-w-[60px] items-center justify-center gap-3 rounded-2xl border-2 px-6 py-3 text-xl font-semibold transition-[background-color,opacity,transform] duration-150 active:scale-[0.98] disabled:opacity-60 ${TONES[tone]} ${className}`}
      {...props}
    />
  );
}

/** Back and Cancel, at the bottom of every screen but the start screen. */
export function NavBar({ onBack, onCancel }: { onBack: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  return (
    <nav className="mt-6 flex flex-wrap justify-between gap-4">
      <Button onClick={onBack} className="min-w-40" data-testid="kiosk-back">
        <BackIcon />
        {t('common.back')}
      </Button>
      <Button onClick={onCancel} className="min-w-40" data-testid="kiosk-cancel">
        <CancelIcon />
        {t('common.cancel')}
      </Button>
    </nav>
  );
}

/** One screen: a test id, a heading (shown upper-cased with the language's rules), content. */
export function Screen({
  testId,
  title,
  children,
  nav,
  className = '',
}: {
  testId: string;
  title: string;
  children?: ReactNode;
  nav?: { onBack: () => void; onCancel: () => void } | undefined;
  className?: string;
}) {
  const { lang } = useI18n();
  return (
    <section
      data-testid={testId}
      aria-labelledby={`${testId}-title`}
      className={`screen-enter flex min-h-full flex-col ${className}`}
    >
      <h1 id={`${testId}-title`} className="text-3xl font-bold tracking-wide">
        {upper(title, lang)}
      </h1>
      <div className="flex flex-1 flex-col">{children}</div>
      {nav && <NavBar onBack={nav.onBack} onCancel={nav.onCancel} />}
    </section>
  );
}

/** Renders a countdown text; only this component re-renders on each tick. */
export function Countdown({
  deadline,
  onExpire,
  render,
}: {
  deadline: number;
  onExpire?: () => void;
  render: (seconds: number) => ReactNode;
}) {
  const left = useCountdown(deadline, onExpire);
  return <>{render(left)}</>;
}

/** The locker number, large, with its display name when it has one. */
export function LockerBadge({ number, name }: { number: number; name?: string | null | undefined }) {
  return (
    <div className="my-6 flex flex-col items-center" data-testid="locker-number">
      <span className="text-[7rem] leading-none font-black tabular-nums">{number}</span>
      {name ? <span className="mt-2 text-2xl font-semibold">{name}</span> : null}
    </div>
  );
}
