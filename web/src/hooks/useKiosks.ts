import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, isApiError } from '../api/client';
import { useApi } from '../api/context';
import type { Kiosk } from '../api/types';
import { useAuth } from '../auth/auth';

export type KiosksState =
  | { status: 'loading' }
  | { status: 'ready'; kiosks: Kiosk[] }
  | { status: 'error'; error: ApiError };

function asApiError(error: unknown): ApiError {
  return isApiError(error)
    ? error
    : new ApiError({ status: 0, code: 'unexpected_response', message: String(error) });
}

/**
 * Loads `GET /api/kiosks`. `reload` starts over (showing the loading state); `refresh` fetches
 * again in the background and keeps showing the current list meanwhile — the real-time stream
 * calls it when lockers change. Only the newest request's answer is used.
 * A 401 means the session ended, so the user is sent back to the login page.
 */
export function useKiosks(): { state: KiosksState; reload: () => void; refresh: () => void } {
  const api = useApi();
  const { expire } = useAuth();
  const [attempt, setAttempt] = useState(0);
  const [state, setState] = useState<KiosksState>({ status: 'loading' });
  const generation = useRef(0);

  useEffect(() => {
    const id = ++generation.current;
    api.listKiosks().then(
      (kiosks) => {
        if (generation.current === id) setState({ status: 'ready', kiosks });
      },
      (error: unknown) => {
        if (generation.current !== id) return;
        if (isApiError(error) && error.status === 401) {
          expire();
          return;
        }
        setState({ status: 'error', error: asApiError(error) });
      },
    );
    return () => {
      generation.current += 1;
    };
  }, [api, expire, attempt]);

  const reload = useCallback(() => {
    setState({ status: 'loading' });
    setAttempt((n) => n + 1);
  }, []);

  const refresh = useCallback(() => {
    const id = ++generation.current;
    api.listKiosks().then(
      (kiosks) => {
        if (generation.current === id) setState({ status: 'ready', kiosks });
      },
      (error: unknown) => {
        if (generation.current !== id) return;
        if (isApiError(error) && error.status === 401) {
          expire();
          return;
        }
        // Keep showing the list we have; only a page with nothing yet shows the error.
        setState((current) =>
          current.status === 'ready' ? current : { status: 'error', error: asApiError(error) },
        );
      },
    );
  }, [api, expire]);

  return { state, reload, refresh };
}
