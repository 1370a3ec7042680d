import { useCallback, useEffect, useState } from 'react';
import { ApiError, isApiError } from '../api/client';
import { useApi } from '../api/context';
import type { Kiosk } from '../api/types';
import { useAuth } from '../auth/auth';

export type KiosksState =
  | { status: 'loading' }
  | { status: 'ready'; kiosks: Kiosk[] }
  | { status: 'error'; error: ApiError };

/**
 * Loads `GET /api/kiosks` once (live updates will come over the WebSocket hub).
 * A 401 means the session ended, so the user is sent back to the login page.
 */
export function useKiosks(): { state: KiosksState; reload: () => void } {
  const api = useApi();
  const { expire } = useAuth();
  const [attempt, setAttempt] = useState(0);
  const [state, setState] = useState<KiosksState>({ status: 'loading' });

  useEffect(() => {
    let active = true;
    api.listKiosks().then(
      (kiosks) => {
        if (active) setState({ status: 'ready', kiosks });
      },
      (error: unknown) => {
        if (!active) return;
        if (isApiError(error) && error.status === 401) {
          expire();
          return;
        }
        setState({
          status: 'error',
          error: isApiError(error)
            ? error
            : new ApiError({ status: 0, code: 'unexpected_response', message: String(error) }),
        });
      },
    );
    return () => {
      active = false;
    };
  }, [api, expire, attempt]);

  const reload = useCallback(() => {
    setState({ status: 'loading' });
    setAttempt((n) => n + 1);
  }, []);

  return { state, reload };
}
