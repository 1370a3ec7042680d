import { useQuery, useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { useCallback } from 'react';
import { useApi } from '../api/context';
import { listKiosks, type KioskItem } from '../api/kiosks';
import { useRealtime } from '../realtime/useRealtime';
import { useDebouncedCallback } from './useDebouncedCallback';

export const KIOSKS_KEY = ['kiosks'] as const;

/** Locker changes arriving within this window cause one refetch of the counts. */
const REFRESH_DEBOUNCE_MS = 150;

/**
 * `GET /api/kiosks` (counts by state, heartbeat, telemetry) through the query cache.
 * `refetchInterval` keeps the online/offline mark and the heartbeat time current.
 */
export function useKiosks(options: { refetchInterval?: number } = {}): UseQueryResult<KioskItem[]> {
  const api = useApi();
  return useQuery({
    queryKey: KIOSKS_KEY,
    queryFn: () => listKiosks(api),
    refetchInterval: options.refetchInterval ?? 30_000,
  });
}

/**
 * Keeps the kiosk counts live: a stored locker change (not the transient `opening`) refetches
 * them once per burst, and a resync refetches them at once.
 */
export function useLiveKioskCounts(): void {
  const queryClient = useQueryClient();
  const refresh = useCallback(() => {
    void queryClient.invalidateQueries({ queryKey: KIOSKS_KEY });
  }, [queryClient]);
  const refreshSoon = useDebouncedCallback(refresh, REFRESH_DEBOUNCE_MS);
  useRealtime('lockers', {
    type: 'locker_state_changed',
    onEvent: (event) => {
      if (event.data.transient !== true) refreshSoon();
    },
    onResync: refresh,
  });
}

/**
 * Refetches the kiosks when one goes online or offline (`system_status` on `/ws/events`). Only
 * roles with `system:logs` may join that namespace; the others rely on the refetch interval.
 */
export function useLiveKioskStatus(): void {
  const queryClient = useQueryClient();
  useRealtime('events', {
    type: 'system_status',
    onEvent: (event) => {
      if (event.data.component === 'kiosk') void queryClient.invalidateQueries({ queryKey: KIOSKS_KEY });
    },
  });
}
