// The kiosk screen (PRODUCT.md §12 Kiosk, §3.2 card flow): who this device is, the card flow
// driven by a keyboard-wedge reader, help, the master screen, heartbeat and the offline banner.
// Screens only render; every transition of the flow happens here.

import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { isKioskApiError, kioskApi } from './api';
import { isOnline, subscribeOnline } from './connection';
import { codeOf, errorText } from './errors';
import type { HelpQueue } from './helpQueue';
import { HelpScreen } from './HelpScreen';
import { I18nContext, makeI18n, upper, type KioskKey } from './i18n';
import { HelpIcon } from './icons';
import { MasterScreen } from './MasterScreen';
import { ChooseScreen, DecideScreen, ErrorScreen, IdleScreen, OpenedScreen, PairScreen, RESULT_SECONDS } from './screens';
import { useKioskSettings } from './settings';
import { beep } from './sound';
import type { KioskIdentity, LockerView, OfferedLocker, ScanOutcome } from './types';
import { Button } from './ui';
import { useCardCapture } from './useCardCapture';

/** Reported in the heartbeat. */
export const APP_VERSION = 'kiosk-web/1';
/** Heartbeat and reconnect period while the hub does not answer. */
const RETRY_SECONDS = 5;
/** Hold the kiosk name this long to open the master screen. */
const LONG_PRESS_MS = 3000;
/** Screens without a server timer (help, master) return to the start after this long untouched. */
export const INACTIVE_MS = 90_000;

type Flow =
  | { kind: 'idle'; notice?: KioskKey | undefined }
  | { kind: 'choose'; session: string; lockers: OfferedLocker[]; deadline: number; notice?: KioskKey }
  | { kind: 'decide'; decision: string; locker: LockerView; openOnlyAllowed: boolean; deadline: number }
  | { kind: 'opened'; locker: LockerView; assigned: boolean; released: boolean; deadline: number }
  | { kind: 'error'; error: unknown; deadline: number }
  | { kind: 'master' };

type Identity = { kind: 'loading' } | { kind: 'unpaired' } | { kind: 'paired'; kiosk: KioskIdentity };

const IDLE: Flow = { kind: 'idle' };

function KioskName({ name, onLongPress }: { name: string; onLongPress: () => void }) {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const stop = () => {
    clearTimeout(timer.current);
  };
  return (
    <p
      className="text-2xl font-bold"
      data-testid="kiosk-name"
      onPointerDown={() => {
        stop();
        timer.current = setTimeout(onLongPress, LONG_PRESS_MS);
      }}
      onPointerUp={stop}
      onPointerLeave={stop}
      onPointerCancel={stop}
      onContextMenu={(event) => {
        event.preventDefault();
      }}
    >
      {name}
    </p>
  );
}

function useIdentity() {
  const [identity, setIdentity] = useState<Identity>({ kind: 'loading' });
  const load = useCallback(async () => {
    try {
      const kiosk = await kioskApi.me();
      setIdentity({ kind: 'paired', kiosk });
      return true;
    } catch (error) {
      if (isKioskApiError(error) && error.status === 401) {
        setIdentity({ kind: 'unpaired' });
        return true;
      }
      return false;
    }
  }, []);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const attempt = async () => {
      if (!(await load()) && !stopped) timer = setTimeout(() => void attempt(), RETRY_SECONDS * 1000);
    };
    void attempt();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [load]);
  const unpair = useCallback(() => {
    setIdentity({ kind: 'unpaired' });
  }, []);
  return { identity, reload: load, unpair };
}

/**
 * `POST /api/kiosk/heartbeat` every `next_in` seconds, or every few seconds while the hub does
 * not answer (it also tells when the connection is back). Starts again when `online` flips.
 */
function useHeartbeat(enabled: boolean, online: boolean, onUnpaired: () => void) {
  const onUnpairedRef = useRef(onUnpaired);
  useEffect(() => {
    onUnpairedRef.current = onUnpaired;
  }, [onUnpaired]);
  useEffect(() => {
    if (!enabled) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const beat = async () => {
      let next = RETRY_SECONDS;
      try {
        const reply = await kioskApi.heartbeat({
          app_version: APP_VERSION,
          uptime_s: Math.round(performance.now() / 1000),
        });
        next = reply.next_in > 0 ? reply.next_in : 30;
      } catch (error) {
        if (isKioskApiError(error) && error.status === 401) onUnpairedRef.current();
      }
      if (!stopped) timer = setTimeout(() => void beat(), next * 1000);
    };
    void beat();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [enabled, online]);
}

/** Calls `onInactive` once nobody has touched or typed for `INACTIVE_MS` while `active`. */
function useInactivity(active: boolean, onInactive: () => void) {
  const onInactiveRef = useRef(onInactive);
  useEffect(() => {
    onInactiveRef.current = onInactive;
  }, [onInactive]);
  useEffect(() => {
    if (!active) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const restart = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        onInactiveRef.current();
      }, INACTIVE_MS);
    };
    restart();
    window.addEventListener('pointerdown', restart);
    window.addEventListener('keydown', restart);
    return () => {
      clearTimeout(timer);
      window.removeEventListener('pointerdown', restart);
      window.removeEventListener('keydown', restart);
    };
  }, [active]);
}

/** Sends queued help requests when the hub answers again, and every few seconds meanwhile. */
function useHelpQueueFlush(queue: HelpQueue, online: boolean, pending: number) {
  useEffect(() => {
    if (pending === 0) return;
    if (online) void queue.flush();
    const timer = setInterval(() => void queue.flush(), RETRY_SECONDS * 3 * 1000);
    return () => {
      clearInterval(timer);
    };
  }, [queue, online, pending]);
}

export function KioskApp({ helpQueue }: { helpQueue: HelpQueue }) {
  const [settings, updateSettings] = useKioskSettings();
  const i18n = useMemo(() => makeI18n(settings.lang), [settings.lang]);
  const { t, lang } = i18n;
  const online = useSyncExternalStore(subscribeOnline, isOnline);
  const pending = useSyncExternalStore(helpQueue.subscribe, () => helpQueue.pending().length);
  const { identity, reload, unpair } = useIdentity();
  const paired = identity.kind === 'paired';
  const [flow, setFlow] = useState<Flow>(IDLE);
  const [help, setHelp] = useState(false);
  const [busy, setBusy] = useState(false);
  const [pairing, setPairing] = useState<{ busy: boolean; error?: string }>({ busy: false });
  const [lastLocker, setLastLocker] = useState<number | undefined>();

  useHeartbeat(paired, online, unpair);
  useHelpQueueFlush(helpQueue, online, pending);

  const kioskName = paired ? identity.kiosk.name : '';
  useEffect(() => {
    document.title = kioskName ? `${kioskName} · ${t('app.title')}` : t('app.title');
  }, [kioskName, t]);

  const goIdle = useCallback((notice?: KioskKey) => {
    setFlow(notice ? { kind: 'idle', notice } : IDLE);
  }, []);

  const show = useCallback((outcome: ScanOutcome) => {
    const now = Date.now();
    switch (outcome.action) {
      case 'choose':
        setFlow({ kind: 'choose', session: outcome.session, lockers: outcome.lockers, deadline: now + outcome.expires_in * 1000 });
        return;
      case 'decide':
        setLastLocker(outcome.locker.number);
        setFlow({
          kind: 'decide',
          decision: outcome.decision,
          locker: outcome.locker,
          openOnlyAllowed: outcome.open_only_allowed,
          deadline: now + outcome.expires_in * 1000,
        });
        return;
      case 'opened':
        setLastLocker(outcome.locker.number);
        beep('success');
        setFlow({
          kind: 'opened',
          locker: outcome.locker,
          assigned: outcome.assigned === true,
          released: outcome.released === true,
          deadline: now + RESULT_SECONDS * 1000,
        });
        return;
      case 'confirm_read':
        setFlow({ kind: 'idle', notice: 'idle.read_again' });
        return;
      case 'ignored':
        return;
    }
  }, []);

  const fail = useCallback(
    (error: unknown) => {
      if (isKioskApiError(error) && error.status === 401) {
        unpair();
        return;
      }
      beep('error');
      setFlow({ kind: 'error', error, deadline: Date.now() + RESULT_SECONDS * 1000 });
    },
    [unpair],
  );

  const run = useCallback(
    async (action: () => Promise<ScanOutcome>, onError: (error: unknown) => void = fail) => {
      setBusy(true);
      try {
        show(await action());
      } catch (error) {
        onError(error);
      } finally {
        setBusy(false);
      }
    },
    [show, fail],
  );

  const scan = useCallback((card: string) => run(() => kioskApi.scan(card)), [run]);
  const masterOpen = flow.kind === 'master';
  useInactivity(help || masterOpen, () => {
    if (masterOpen) void kioskApi.masterEnd().catch(() => undefined);
    setHelp(false);
    goIdle();
  });
  useCardCapture(scan, paired && !help && flow.kind !== 'master');

  const pick = (session: string, locker: number) =>
    void run(
      () => kioskApi.select(session, locker),
      (error) => {
        if (codeOf(error) !== 'locker_taken') {
          fail(error);
          return;
        }
        // The server withdrew that locker from the session: offer the others.
        setFlow((current) => {
          if (current.kind !== 'choose') return current;
          const lockers = current.lockers.filter((l) => l.number !== locker);
          return lockers.length === 0
            ? { kind: 'idle', notice: 'choose.none_left' }
            : { ...current, lockers, notice: 'choose.taken' };
        });
      },
    );

  const pair = async (code: string) => {
    setPairing({ busy: true });
    try {
      await kioskApi.pair(code);
      await reload();
      setPairing({ busy: false });
    } catch (error) {
      let message = t('pair.failed', { message: error instanceof Error ? error.message : String(error) });
      if (isKioskApiError(error) && error.code === 'rate_limited') {
        message = t('pair.rate_limited', { seconds: error.retryAfter ?? 60 });
      } else if (isKioskApiError(error) && error.status >= 400 && error.status < 500) {
        message = t('pair.invalid');
      } else if (codeOf(error) === 'network_error') {
        message = t('error.network');
      }
      setPairing({ busy: false, error: message });
    }
  };

  const openMaster = () => {
    setHelp(false);
    setFlow({ kind: 'master' });
  };

  let content;
  if (identity.kind === 'loading') {
    content = (
      <p className="mt-20 text-center text-3xl" role="status">
        {t('app.loading')}
      </p>
    );
  } else if (identity.kind === 'unpaired') {
    content = <PairScreen onPair={(code) => void pair(code)} busy={pairing.busy} error={pairing.error} />;
  } else if (help) {
    content = (
      <HelpScreen
        queue={helpQueue}
        knownLocker={lastLocker}
        onBack={() => {
          setHelp(false);
        }}
        onCancel={() => {
          setHelp(false);
          goIdle();
        }}
      />
    );
  } else {
    content = renderFlow();
  }

  function renderFlow() {
    const cancel = () => {
      goIdle();
    };
    switch (flow.kind) {
      case 'idle':
        return (
          <IdleScreen busy={busy} notice={flow.notice} settings={settings} onSettings={updateSettings} onStaff={openMaster} />
        );
      case 'choose': {
        const { session } = flow;
        return (
          <ChooseScreen
            lockers={flow.lockers}
            deadline={flow.deadline}
            notice={flow.notice}
            busy={busy}
            onPick={(locker) => {
              pick(session, locker);
            }}
            onExpire={() => {
              goIdle('idle.timed_out');
            }}
            onBack={cancel}
            onCancel={cancel}
          />
        );
      }
      case 'decide': {
        const { decision } = flow;
        return (
          <DecideScreen
            locker={flow.locker}
            openOnlyAllowed={flow.openOnlyAllowed}
            deadline={flow.deadline}
            busy={busy}
            onChoose={(choice) => void run(() => kioskApi.decide(decision, choice))}
            onExpire={() => {
              goIdle('idle.timed_out');
            }}
            onBack={cancel}
            onCancel={cancel}
          />
        );
      }
      case 'opened':
        return (
          <OpenedScreen
            locker={flow.locker}
            assigned={flow.assigned}
            released={flow.released}
            deadline={flow.deadline}
            onDone={cancel}
          />
        );
      case 'error':
        return <ErrorScreen message={errorText(flow.error, i18n)} code={codeOf(flow.error)} deadline={flow.deadline} onDone={cancel} />;
      case 'master':
        return <MasterScreen lockers={paired ? identity.kiosk.lockers : 0} onExit={cancel} />;
    }
  }

  const otherHelp = lang === 'tr' ? 'Help' : 'Yardım';
  return (
    <I18nContext.Provider value={i18n}>
      <div className="flex h-dvh flex-col">
        {!online && (
          <div data-testid="kiosk-offline" role="status" className="bg-note px-6 py-3 text-xl font-semibold text-on-note">
            {t('offline.banner')}
          </div>
        )}
        <header className="flex items-center justify-between gap-4 border-b-2 border-line bg-card px-6 py-2">
          <KioskName name={kioskName} onLongPress={openMaster} />
          <div className="flex items-center gap-4">
            {pending > 0 && (
              <span className="text-lg font-semibold" data-testid="help-pending">
                {t('offline.queued', { count: pending })}
              </span>
            )}
            {paired && (
              <Button
                tone="primary"
                aria-pressed={help}
                onClick={() => {
                  setHelp(true);
                }}
                data-testid="kiosk-help-button"
                className="text-2xl"
              >
                <HelpIcon />
                <span>
                  {upper(t('common.help'), lang)}
                  <span lang={lang === 'tr' ? 'en' : 'tr'} className="font-normal">
                    {' / '}
                    {upper(otherHelp, lang === 'tr' ? 'en' : 'tr')}
                  </span>
                </span>
              </Button>
            )}
          </div>
        </header>
        <main className="flex-1 overflow-y-auto px-6 py-5">{content}</main>
      </div>
    </I18nContext.Provider>
  );
}
