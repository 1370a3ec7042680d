// The card-flow screens: start (idle), choose a locker, second-scan decision, opened, error and
// pairing. They only show state and report taps; KioskApp owns the flow.

import { useState, type SyntheticEvent } from 'react';
import { useI18n, upper, type KioskKey } from './i18n';
import { AlertIcon, CardIcon, CheckIcon, StaffIcon } from './icons';
import { LANGS, TEXT_SIZES, type KioskSettings, type TextSize } from './settings';
import type { LockerView, OfferedLocker } from './types';
import { Button, Countdown, LockerBadge, Screen } from './ui';

const TEXT_SIZE_KEYS: Record<TextSize, KioskKey> = {
  normal: 'settings.text.normal',
  large: 'settings.text.large',
  xlarge: 'settings.text.xlarge',
};
const LANG_NAMES = { tr: 'Türkçe', en: 'English' } as const;

function Notice({ text, tone = 'note' }: { text: string; tone?: 'note' | 'bad' }) {
  const colours = tone === 'bad' ? 'bg-bad text-on-bad' : 'bg-note text-on-note';
  return (
    <p role="status" className={`rounded-2xl px-6 py-4 text-2xl font-semibold ${colours}`}>
      {text}
    </p>
  );
}

export function IdleScreen({
  busy,
  notice,
  settings,
  onSettings,
  onStaff,
}: {
  busy: boolean;
  notice: KioskKey | undefined;
  settings: KioskSettings;
  onSettings: (change: Partial<KioskSettings>) => void;
  onStaff: () => void;
}) {
  const { t } = useI18n();
  return (
    <Screen testId="kiosk-idle" title={t('idle.scan')} hero>
      <div className="flex flex-1 flex-col items-center justify-center gap-6 py-6 text-center">
        <CardIcon className="size-36 text-accent" />
        <p className="text-3xl font-semibold text-muted">{busy ? t('idle.reading') : t('idle.hint')}</p>
        {notice && <Notice text={t(notice)} />}
      </div>
      <div className="flex flex-wrap items-end justify-between gap-6 border-t-2 border-line pt-5">
        <fieldset className="flex flex-col gap-2">
          <legend className="mb-2 text-lg font-semibold">{t('settings.language')}</legend>
          <div className="flex gap-2">
            {LANGS.map((lang) => (
              <Button
                key={lang}
                lang={lang}
                tone={settings.lang === lang ? 'primary' : 'secondary'}
                aria-pressed={settings.lang === lang}
                onClick={() => {
                  onSettings({ lang });
                }}
                data-testid={`lang-${lang}`}
              >
                {LANG_NAMES[lang]}
              </Button>
            ))}
          </div>
        </fieldset>
        <fieldset className="flex flex-col gap-2">
          <legend className="mb-2 text-lg font-semibold">{t('settings.text_size')}</legend>
          <div className="flex gap-2">
            {TEXT_SIZES.map((size) => (
              <Button
                key={size}
                tone={settings.textSize === size ? 'primary' : 'secondary'}
                aria-pressed={settings.textSize === size}
                onClick={() => {
                  onSettings({ textSize: size });
                }}
                data-testid={`text-${size}`}
              >
                {t(TEXT_SIZE_KEYS[size])}
              </Button>
            ))}
          </div>
        </fieldset>
        <Button
          tone={settings.highContrast ? 'primary' : 'secondary'}
          aria-pressed={settings.highContrast}
          onClick={() => {
            onSettings({ highContrast: !settings.highContrast });
          }}
          data-testid="contrast"
        >
          {t('settings.contrast')}
        </Button>
        <Button tone="plain" onClick={onStaff} data-testid="kiosk-staff" className="text-lg">
          <StaffIcon className="size-6" />
          {t('idle.staff')}
        </Button>
      </div>
    </Screen>
  );
}

export function ChooseScreen({
  lockers,
  deadline,
  notice,
  busy,
  onPick,
  onExpire,
  onBack,
  onCancel,
}: {
  lockers: OfferedLocker[];
  deadline: number;
  notice: KioskKey | undefined;
  busy: boolean;
  onPick: (locker: number) => void;
  onExpire: () => void;
  onBack: () => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  return (
    <Screen testId="kiosk-choose" title={t('choose.title')} nav={{ onBack, onCancel }}>
      <div className="mt-2 flex flex-wrap items-center justify-between gap-4">
        <p className="text-2xl text-muted">{t('choose.hint')}</p>
        <p
          className="rounded-full border-2 border-line px-5 py-2 text-2xl font-bold tabular-nums"
          data-testid="countdown"
          role="timer"
        >
          <Countdown
            deadline={deadline}
            onExpire={onExpire}
            render={(s) => t('common.seconds_left', { seconds: s })}
          />
        </p>
      </div>
      {notice && (
        <div className="mt-4">
          <Notice text={t(notice)} />
        </div>
      )}
      <ul className="mt-6 grid grid-cols-[repeat(auto-fill,minmax(7.5rem,1fr))] gap-4" aria-busy={busy}>
        {lockers.map((locker) => (
          <li key={locker.number}>
            <button
              type="button"
              disabled={busy}
              onClick={() => {
                onPick(locker.number);
              }}
              data-testid={`locker-tile-${String(locker.number)}`}
              aria-label={t('common.locker', { number: locker.number }) + (locker.name ? ` (${locker.name})` : '')}
              className="flex min-h-28 w-full flex-col items-center justify-center rounded-2xl border-2 border-ok bg-card px-2 py-3 text-ink transition-[background-color,transform] duration-150 active:scale-[0.97] disabled:opacity-60"
            >
              <span className="text-5xl font-black tabular-nums">{locker.number}</span>
              {locker.name && <span className="mt-1 text-base font-semibold">{locker.name}</span>}
            </button>
          </li>
        ))}
      </ul>
    </Screen>
  );
}

export function DecideScreen({
  locker,
  openOnlyAllowed,
  deadline,
  busy,
  onChoose,
  onExpire,
  onBack,
  onCancel,
}: {
  locker: LockerView;
  openOnlyAllowed: boolean;
  deadline: number;
  busy: boolean;
  onChoose: (choice: 'finish' | 'open_only') => void;
  onExpire: () => void;
  onBack: () => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  return (
    <Screen testId="kiosk-decide" title={t('decide.question')} nav={{ onBack, onCancel }}>
      <div className="mt-2 flex justify-end">
        <p className="rounded-full border-2 border-line px-5 py-2 text-2xl font-bold tabular-nums" role="timer">
          <Countdown deadline={deadline} onExpire={onExpire} render={(s) => t('common.seconds_left', { seconds: s })} />
        </p>
      </div>
      <LockerBadge number={locker.number} name={locker.name} caption={t('decide.title')} />
      <div className="grid gap-4 md:grid-cols-2">
        {openOnlyAllowed ? (
          <Button
            tone="primary"
            disabled={busy}
            className="min-h-32 flex-col text-3xl"
            data-testid="decide-keep"
            onClick={() => {
              onChoose('open_only');
            }}
          >
            {t('decide.keep')}
            <span className="text-xl font-normal">{t('decide.keep_hint')}</span>
          </Button>
        ) : (
          <p className="self-center rounded-2xl bg-note px-6 py-4 text-xl text-on-note" data-testid="decide-keep-unavailable">
            {t('decide.keep_unavailable')}
          </p>
        )}
        <Button
          tone="ok"
          disabled={busy}
          className="min-h-32 flex-col text-3xl"
          data-testid="decide-finish"
          onClick={() => {
            onChoose('finish');
          }}
        >
          {t('decide.finish')}
          <span className="text-xl font-normal">{t('decide.finish_hint')}</span>
        </Button>
      </div>
    </Screen>
  );
}

/** How long the opened and error screens stay before returning to the start. */
export const RESULT_SECONDS = 8;

export function OpenedScreen({
  locker,
  assigned,
  released,
  deadline,
  onDone,
}: {
  locker: LockerView;
  assigned: boolean;
  released: boolean;
  deadline: number;
  onDone: () => void;
}) {
  const { t, lang } = useI18n();
  const [title, hint]: [KioskKey, KioskKey] = released
    ? ['opened.released', 'opened.released_hint']
    : assigned
      ? ['opened.assigned', 'opened.assigned_hint']
      : ['opened.kept', 'opened.kept_hint'];
  return (
    <Screen testId="kiosk-opened" title={t(title, { number: locker.number })} nav={{ onBack: onDone, onCancel: onDone }}>
      <div className="flex flex-1 flex-col items-center justify-center gap-4 text-center">
        <CheckIcon className="size-24 text-ok" />
        <LockerBadge number={locker.number} name={locker.name} />
        <p className="text-3xl font-semibold" data-testid="opened-hint">
          {t(hint)}
        </p>
        <Button tone="primary" className="min-w-64 text-2xl" onClick={onDone} data-testid="kiosk-done">
          {upper(t('common.done'), lang)}
        </Button>
        <p className="text-xl text-muted">
          <Countdown deadline={deadline} onExpire={onDone} render={(s) => t('common.returning', { seconds: s })} />
        </p>
      </div>
    </Screen>
  );
}

export function ErrorScreen({
  message,
  code,
  deadline,
  onDone,
}: {
  message: string;
  code: string;
  deadline: number;
  onDone: () => void;
}) {
  const { t, lang } = useI18n();
  return (
    <Screen testId="kiosk-error" title={t('error.title')} nav={{ onBack: onDone, onCancel: onDone }}>
      <div className="flex flex-1 flex-col items-center justify-center gap-6 text-center" data-code={code}>
        <AlertIcon className="size-24 text-bad" />
        <p className="max-w-3xl text-3xl font-semibold" role="alert" data-testid="error-message">
          {message}
        </p>
        <Button tone="primary" className="min-w-64 text-2xl" onClick={onDone} data-testid="kiosk-done">
          {upper(t('common.done'), lang)}
        </Button>
        <p className="text-xl text-muted">
          <Countdown deadline={deadline} onExpire={onDone} render={(s) => t('common.returning', { seconds: s })} />
        </p>
      </div>
    </Screen>
  );
}

export function PairScreen({
  onPair,
  error,
  busy,
}: {
  onPair: (code: string) => void;
  error: string | undefined;
  busy: boolean;
}) {
  const { t } = useI18n();
  const [code, setCode] = useState('');
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    if (code.trim() !== '') onPair(code.trim());
  };
  return (
    <Screen testId="kiosk-pair" title={t('pair.title')}>
      <form onSubmit={submit} className="mx-auto mt-10 flex w-full max-w-xl flex-col gap-5">
        <p className="text-2xl">{t('pair.body')}</p>
        <label htmlFor="pair-code" className="text-xl font-semibold">
          {t('pair.code_label')}
        </label>
        <input
          id="pair-code"
          value={code}
          onChange={(event) => {
            setCode(event.target.value);
          }}
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          className="min-h-[60px] rounded-2xl border-2 border-line bg-card px-5 text-3xl tracking-widest text-ink"
        />
        {error && <Notice text={error} tone="bad" />}
        <Button tone="primary" type="submit" disabled={busy || code.trim() === ''} className="text-2xl">
          {t('pair.submit')}
        </Button>
      </form>
    </Screen>
  );
}
