// Building blocks shared by the kiosk screens: big buttons (at least 60 px tall and wide), the
// Back / Cancel bar, the frame every screen sits in, and the countdown text.

import type { ButtonHTMLAttributes, ReactNode } from 'react';
import { useI18n, upper } from './i18n';
import { BackIcon, CancelIcon } from './icons';
import { useCountdown } from './useCountdown';

export type Tone = 'primary' | 'secondary' | 'ok' | 'bad' | 'plain';

/** Base and tone classes live in kiosk.css (components layer), so `className` overrides them. */
const TONES: Record<Tone, string> = {
  primary: 'k-btn-primary',
  secondary: 'k-btn-secondary',
  ok: 'k-btn-ok',
  bad: 'k-btn-bad',
  plain: 'k-btn-plain',
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
      className={`k-btn ${TONES[tone]} ${className}`}
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
  hero = false,
  className = '',
}: {
  testId: string;
  title: string;
  children?: ReactNode;
  nav?: { onBack: () => void; onCancel: () => void } | undefined;
  /** A large centred heading, for the start screen. */
  hero?: boolean;
  className?: string;
}) {
  const { lang } = useI18n();
  return (
    <section
      data-testid={testId}
      aria-labelledby={`${testId}-title`}
      className={`screen-enter flex min-h-full flex-col ${className}`}
    >
      <h1
        id={`${testId}-title`}
        className={hero ? 'mt-6 text-center text-6xl font-black tracking-wide' : 'text-3xl font-bold tracking-wide'}
      >
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
export function LockerBadge({
  number,
  name,
  caption,
}: {
  number: number;
  name?: string | null | undefined;
  caption?: string;
}) {
  return (
    <div className="my-6 flex flex-col items-center">
      {caption && <span className="mb-2 text-2xl font-semibold text-muted">{caption}</span>}
      <span className="text-[7rem] leading-none font-black tabular-nums" data-testid="locker-number">
        {number}
      </span>
      {name ? <span className="mt-2 text-2xl font-semibold">{name}</span> : null}
    </div>
  );
}
