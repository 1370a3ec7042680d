// The master screen (PRODUCT.md §3.4): staff enter the site's master PIN on an on-screen keypad
// (masked), then open a locker and free it or keep its owner. The server enforces the lockout
// after wrong PINs and ends the master session after a minute without a master action; this
// screen shows both as countdowns.

import { useState } from 'react';
import { isKioskApiError, kioskApi } from './api';
import { codeOf, errorText } from './errors';
import { clock, useI18n } from './i18n';
import { Button, Countdown, Screen } from './ui';

const MAX_PIN = 8;
const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'clear', '0', 'delete'] as const;

type Message = { text: string; tone: 'ok' | 'bad' } | undefined;

function secondsFrom(error: unknown): number {
  if (isKioskApiError(error) && error.retryAfter !== undefined) return error.retryAfter;
  const match = isKioskApiError(error) ? /(\d+) s/.exec(error.message) : null;
  return match?.[1] ? Number(match[1]) : 60;
}

export function MasterScreen({ lockers, onExit }: { lockers: number; onExit: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [pin, setPin] = useState('');
  const [session, setSession] = useState<number | undefined>();
  const [lockedUntil, setLockedUntil] = useState<number | undefined>();
  const [selected, setSelected] = useState<number | undefined>();
  const [message, setMessage] = useState<Message>();
  const [busy, setBusy] = useState(false);
  /** The server's master-session idle limit, in seconds. */
  const [idleLimit, setIdleLimit] = useState(60);

  const exit = () => {
    if (session !== undefined) void kioskApi.masterEnd().catch(() => undefined);
    onExit();
  };

  const press = (key: (typeof KEYS)[number]) => {
    setMessage(undefined);
    if (key === 'clear') setPin('');
    else if (key === 'delete') setPin((p) => p.slice(0, -1));
    else setPin((p) => (p.length < MAX_PIN ? p + key : p));
  };

  const verify = async () => {
    if (pin.length < 4 || busy) return;
    setBusy(true);
    try {
      const reply = await kioskApi.masterVerify(pin);
      setIdleLimit(reply.expires_in);
      setSession(Date.now() + reply.expires_in * 1000);
      setMessage(undefined);
    } catch (error) {
      const code = codeOf(error);
      if (code === 'master_pin_wrong' && isKioskApiError(error)) {
        const left = /(\d+) attempts/.exec(error.message)?.[1];
        setMessage({ text: left ? t('master.wrong_pin', { count: left }) : t('master.wrong_pin_plain'), tone: 'bad' });
      } else if (code === 'master_locked' || code === 'rate_limited') {
        setLockedUntil(Date.now() + secondsFrom(error) * 1000);
        setMessage(undefined);
      } else if (code === 'master_pin_not_set') {
        setMessage({ text: t('master.not_set'), tone: 'bad' });
      } else {
        setMessage({ text: errorText(error, i18n), tone: 'bad' });
      }
    } finally {
      setPin('');
      setBusy(false);
    }
  };

  const open = async (release: boolean) => {
    if (selected === undefined || busy) return;
    setBusy(true);
    try {
      const reply = await kioskApi.masterOpen(selected, release);
      const number = reply.locker.number;
      setMessage({ text: t(release ? 'master.opened_free' : 'master.opened_keep', { number }), tone: 'ok' });
      setSession(Date.now() + idleLimit * 1000);
      setSelected(undefined);
    } catch (error) {
      if (codeOf(error) === 'master_session_required') {
        setSession(undefined);
        setMessage({ text: t('master.expired'), tone: 'bad' });
      } else {
        setMessage({ text: errorText(error, i18n), tone: 'bad' });
      }
    } finally {
      setBusy(false);
    }
  };

  const notice = message && (
    <p
      role={message.tone === 'bad' ? 'alert' : 'status'}
      data-testid="master-message"
      className={`rounded-2xl px-6 py-4 text-2xl font-semibold ${message.tone === 'bad' ? 'bg-bad text-on-bad' : 'bg-ok text-on-ok'}`}
    >
      {message.text}
    </p>
  );

  if (session !== undefined) {
    return (
      <Screen
        testId="kiosk-master"
        title={t('master.choose_locker')}
        nav={{
          onBack: () => {
            if (selected === undefined) exit();
            else setSelected(undefined);
          },
          onCancel: exit,
        }}
      >
        <div className="mt-2 flex flex-wrap items-center justify-between gap-4">
          <p className="text-xl text-muted" role="timer">
            <Countdown
              deadline={session}
              onExpire={() => {
                setSession(undefined);
                setSelected(undefined);
                setMessage({ text: t('master.expired'), tone: 'bad' });
              }}
              render={(s) => t('master.session', { seconds: s })}
            />
          </p>
          <Button onClick={exit} data-testid="master-exit">
            {t('master.exit')}
          </Button>
        </div>
        <div className="mt-4">{notice}</div>
        <ul className="mt-4 grid grid-cols-[repeat(auto-fill,minmax(5rem,1fr))] gap-3">
          {Array.from({ length: lockers }, (_, i) => i + 1).map((n) => (
            <li key={n}>
              <Button
                tone={selected === n ? 'primary' : 'secondary'}
                aria-pressed={selected === n}
                aria-label={t('common.locker', { number: n })}
                className="w-full text-2xl tabular-nums"
                onClick={() => {
                  setSelected(n);
                  setMessage(undefined);
                }}
                data-testid={`master-locker-${String(n)}`}
              >
                {n}
              </Button>
            </li>
          ))}
        </ul>
        {selected !== undefined && (
          <div className="mt-6 flex flex-wrap items-center gap-4" data-testid="master-actions">
            <p className="text-2xl font-bold">{t('master.selected', { number: selected })}</p>
            <Button tone="bad" disabled={busy} onClick={() => void open(true)} data-testid="master-open-free">
              {t('master.open_free')}
            </Button>
            <Button tone="primary" disabled={busy} onClick={() => void open(false)} data-testid="master-open-keep">
              {t('master.open_keep')}
            </Button>
          </div>
        )}
      </Screen>
    );
  }

  const locked = lockedUntil !== undefined;
  return (
    <Screen testId="kiosk-master" title={t('master.title')} nav={{ onBack: exit, onCancel: exit }}>
      <div className="mx-auto mt-4 grid w-full max-w-4xl items-start gap-6 md:grid-cols-2">
        <div className="flex flex-col gap-4">
          <p className="text-2xl">{t('master.enter_pin')}</p>
          <output
            aria-label={t('master.pin_label')}
            data-testid="master-pin"
            className="flex min-h-[60px] items-center justify-center rounded-2xl border-2 border-line bg-card text-4xl tracking-[0.5em]"
          >
            <span aria-hidden="true">{'●'.repeat(pin.length)}</span>
            <span className="sr-only">{t('master.pin_entered', { count: pin.length })}</span>
          </output>
          {locked && (
            <p role="alert" data-testid="master-lockout" className="rounded-2xl bg-bad px-6 py-4 text-2xl font-semibold text-on-bad">
              <Countdown
                deadline={lockedUntil}
                onExpire={() => {
                  setLockedUntil(undefined);
                }}
                render={(s) => t('master.locked', { time: clock(s) })}
              />
            </p>
          )}
          {notice}
          <Button
            tone="primary"
            disabled={locked || busy || pin.length < 4}
            className="min-h-20 text-2xl"
            onClick={() => void verify()}
            data-testid="key-ok"
          >
            {t('master.key.ok')}
          </Button>
        </div>
        <div className="grid grid-cols-3 gap-3">
          {KEYS.map((key) => (
            <Button
              key={key}
              disabled={locked || busy}
              className={`min-h-20 ${key.length === 1 ? 'text-4xl tabular-nums' : 'text-xl'}`}
              onClick={() => {
                press(key);
              }}
              data-testid={`key-${key}`}
            >
              {key === 'clear' ? t('master.key.clear') : key === 'delete' ? t('master.key.delete') : key}
            </Button>
          ))}
        </div>
      </div>
    </Screen>
  );
}
