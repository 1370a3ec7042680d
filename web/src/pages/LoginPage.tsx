import { useEffect, useId, useRef, useState, type SubmitEvent } from 'react';
import { Navigate, useLocation } from 'react-router';
import { isApiError } from '../api/client';
import type { LoginRequest } from '../api/types';
import { redirectTarget, Splash, useAuth } from '../auth/auth';
import { Button } from '../components/ui/button';
import { Card } from '../components/ui/card';
import { Input, Label } from '../components/ui/input';
import { t, useI18n } from '../i18n';

export function LoginPage() {
  const { state, signIn } = useAuth();
  const location = useLocation();
  if (state.status === 'signed_in') return <Navigate to={redirectTarget(location.state)} replace />;
  if (state.status === 'loading') return <Splash />;
  return <LoginScreen onSubmit={signIn} />;
}

function LoginScreen({ onSubmit }: { onSubmit: (credentials: LoginRequest) => Promise<void> }) {
  const { t } = useI18n();
  return (
    <main className="grid min-h-dvh place-items-center px-4 py-8">
      <div className="w-full max-w-sm">
        <p className="mb-4 text-center text-lg font-semibold tracking-tight">{t('app.name')}</p>
        <Card className="p-6">
          <h1 className="text-xl font-semibold">{t('login.title')}</h1>
          <p className="mb-6 text-sm text-slate-600 dark:text-slate-400">{t('login.subtitle')}</p>
          <LoginForm onSubmit={onSubmit} />
        </Card>
      </div>
    </main>
  );
}

/** Why the last attempt failed; a rate limit keeps the moment it ends for the countdown. */
type Failure =
  | { kind: 'invalid_credentials' }
  | { kind: 'rate_limited'; retryAt: number | null }
  | { kind: 'message'; text: string };

function failureFrom(error: unknown, now: number): Failure {
  if (!isApiError(error)) return { kind: 'message', text: t('login.error.network') };
  if (error.status === 429 || error.code === 'rate_limited') {
    return {
      kind: 'rate_limited',
      retryAt: error.retryAfter === undefined ? null : now + error.retryAfter * 1000,
    };
  }
  if (error.status === 401 || error.code === 'invalid_credentials') {
    return { kind: 'invalid_credentials' };
  }
  if (error.code === 'invalid_body') return { kind: 'message', text: t('login.error.invalid_body') };
  if (error.code === 'network_error') return { kind: 'message', text: t('login.error.network') };
  return { kind: 'message', text: t('login.error.other', { message: error.message }) };
}

export function LoginForm({ onSubmit }: { onSubmit: (credentials: LoginRequest) => Promise<void> }) {
  const { t, seconds } = useI18n();
  const ids = useId();
  const errorId = `${ids}-error`;
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [pending, setPending] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [now, setNow] = useState(0);
  const passwordRef = useRef<HTMLInputElement>(null);

  const waitSeconds =
    failure?.kind === 'rate_limited' && failure.retryAt !== null
      ? Math.max(0, Math.ceil((failure.retryAt - now) / 1000))
      : 0;
  const waiting = waitSeconds > 0;

  // Tick once a second while a rate limit lasts, so the message counts down and the button
  // comes back when the server will accept another attempt.
  useEffect(() => {
    if (!waiting) return;
    const timer = window.setInterval(() => {
      setNow(Date.now());
    }, 1000);
    return () => {
      window.clearInterval(timer);
    };
  }, [waiting]);

  let message: string | null = null;
  if (failure?.kind === 'invalid_credentials') message = t('login.error.invalid_credentials');
  else if (failure?.kind === 'message') message = failure.text;
  else if (failure?.kind === 'rate_limited') {
    if (failure.retryAt === null) message = t('login.error.rate_limited_soon');
    else if (waiting) message = t('login.error.rate_limited', { wait: seconds(waitSeconds) });
  }
  const invalid = failure?.kind === 'invalid_credentials';

  async function handleSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending || waiting) return;
    setPending(true);
    setFailure(null);
    try {
      await onSubmit({ username, password });
    } catch (error) {
      const at = Date.now();
      const next = failureFrom(error, at);
      setNow(at);
      setFailure(next);
      if (next.kind === 'invalid_credentials') {
        setPassword('');
        passwordRef.current?.focus();
      }
    } finally {
      setPending(false);
    }
  }

  return (
    <form
      className="space-y-4"
      onSubmit={(event) => {
        void handleSubmit(event);
      }}
    >
      <div className="space-y-1">
        <Label htmlFor={`${ids}-username`}>{t('login.username')}</Label>
        <Input
          id={`${ids}-username`}
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          value={username}
          onChange={(event) => {
            setUsername(event.target.value);
          }}
          aria-invalid={invalid || undefined}
          aria-describedby={message ? errorId : undefined}
        />
      </div>
      <div className="space-y-1">
        <Label htmlFor={`${ids}-password`}>{t('login.password')}</Label>
        <Input
          id={`${ids}-password`}
          ref={passwordRef}
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => {
            setPassword(event.target.value);
          }}
          aria-invalid={invalid || undefined}
          aria-describedby={message ? errorId : undefined}
        />
      </div>
      {message && (
        <p
          id={errorId}
          role="alert"
          className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
        >
          {message}
        </p>
      )}
      <Button type="submit" className="w-full" disabled={pending || waiting}>
        {pending ? t('login.submitting') : t('login.submit')}
      </Button>
    </form>
  );
}
