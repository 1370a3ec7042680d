// Lockers in the query cache, kept live by `/ws/lockers`.
//
// A `locker_state_changed` message is applied straight to the cached list of its kiosk
// (`setQueryData`), so a tile changes the moment the message arrives, without a request. The
// transient `opening` marks the tile while the pulse is in flight. Afterwards the one locker is
// fetched again in the background to pick up what the message does not carry (owned since, last
// opened). Versions decide: an answer or a replayed message older than what the cache holds is
// ignored. A resync (the stream could not tell everything) refetches every locker list.

import { useQuery, useQueryClient, type QueryClient, type UseQueryResult } from '@tanstack/react-query';
import { useCallback, useEffect, useRef } from 'react';
import type { ApiClient } from '../api/client';
import { useApi } from '../api/context';
import {
  getLocker,
  listLockers,
  type LockerView,
  type PanelLocker,
  type StoredLockerState,
} from '../api/lockers';
import type { LockerStateChangedData, RealtimeMessage } from '../realtime/events';
import { useRealtime } from '../realtime/useRealtime';

export const lockersKey = (kiosk: string) => ['lockers', kiosk] as const;
export const lockerEventsKey = (kiosk: string, locker: number) => ['events', 'locker', kiosk, locker] as const;
export const RECENT_EVENTS_KEY = ['events', 'recent'] as const;

/** An `opening` mark that no stored change followed (a lost message) is dropped after this. */
const OPENING_TIMEOUT_MS = 15_000;
/** A changed locker is fetched again this long after its last message. */
const RECONCILE_MS = 250;

/** `door_changed` data (server/src/realtime/event.rs). */
export interface DoorChangedData {
  kiosk_id: string;
  locker: number;
  /** `door_opened`, `door_closed`, `door_forced`, `door_jam`. */
  event: string;
  door?: 'open' | 'closed';
}

/** Keeps what is newer: the cached locker unless the fetched one has a version at least as new. */
function newer(cached: PanelLocker | undefined, fetched: LockerView): PanelLocker {
  if (cached && cached.version > fetched.version) return cached;
  return cached?.opening ? { ...fetched, opening: true } : fetched;
}

/** Merges a fetched list into the cached one, locker by locker. */
export function mergeLockers(cached: readonly PanelLocker[] | undefined, fetched: LockerView[]): PanelLocker[] {
  if (!cached) return fetched;
  const byNumber = new Map(cached.map((l) => [l.number, l]));
  return fetched.map((l) => newer(byNumber.get(l.number), l));
}

/** The locker without its in-flight mark. */
function settle(locker: PanelLocker): PanelLocker {
  const settled = { ...locker };
  delete settled.opening;
  return settled;
}

function replace(list: readonly PanelLocker[], index: number, locker: PanelLocker): PanelLocker[] {
  const next = list.slice();
  next[index] = locker;
  return next;
}

/**
 * A locker list after one `locker_state_changed` message (pure). Returns the same array when the
 * message changes nothing (another kiosk's list, an unknown locker, an old replayed version).
 */
export function applyLockerChange(
  list: readonly PanelLocker[] | undefined,
  data: LockerStateChangedData,
  ts: string,
): PanelLocker[] | undefined {
  if (!list) return undefined;
  const index = list.findIndex((l) => l.kiosk === data.kiosk_id && l.number === data.locker);
  const current = list[index];
  if (!current) return list as PanelLocker[];
  if (data.transient === true || data.new_state === 'opening') {
    return current.opening ? (list as PanelLocker[]) : replace(list, index, { ...current, opening: true });
  }
  const version = typeof data.version === 'number' ? data.version : undefined;
  if (version !== undefined && version <= current.version) {
    // Already known (a replay, or the fetch was quicker): only the in-flight mark is over.
    if (!current.opening) return list as PanelLocker[];
    return replace(list, index, settle(current));
  }
  const stored: StoredLockerState = data.new_state;
  const freed = stored === 'free';
  const taken = stored === 'owned' && data.old_state !== 'owned';
  const ownerHint = freed ? null : (data.owner_hint ?? current.owner_hint);
  const next: PanelLocker = {
    ...settle(current),
    stored_state: stored,
    state: current.vip && (stored === 'free' || stored === 'owned') ? 'vip' : stored,
    version: version ?? current.version,
    owner_hint: current.vip && freed ? current.owner_hint : ownerHint,
    owned_at: freed ? null : taken ? ts || new Date().toISOString() : current.owned_at,
    held_seconds: freed ? null : taken ? 0 : current.held_seconds,
    overdue: freed || taken ? false : current.overdue,
  };
  return replace(list, index, next);
}

/** A locker list after a `door_changed` message (pure). */
export function applyDoorChange(
  list: readonly PanelLocker[] | undefined,
  data: DoorChangedData,
): PanelLocker[] | undefined {
  if (!list) return undefined;
  const index = list.findIndex((l) => l.kiosk === data.kiosk_id && l.number === data.locker);
  const current = list[index];
  const door = data.door ?? (data.event === 'door_closed' || data.event === 'door_jam' ? 'closed' : 'open');
  if (!current || current.door === door) return list as PanelLocker[];
  return replace(list, index, { ...current, door });
}

/** Fetches a kiosk's lockers, keeping anything the stream delivered meanwhile that is newer. */
function fetchLockers(api: ApiClient, queryClient: QueryClient, kiosk: string) {
  return async () => {
    const fetched = await listLockers(api, kiosk);
    return mergeLockers(queryClient.getQueryData<PanelLocker[]>(lockersKey(kiosk)), fetched);
  };
}

/** A kiosk's lockers. The stream keeps them current; a slow refetch updates held times. */
export function useLockers(kiosk: string | undefined): UseQueryResult<PanelLocker[]> {
  const api = useApi();
  const queryClient = useQueryClient();
  return useQuery({
    queryKey: lockersKey(kiosk ?? ''),
    queryFn: fetchLockers(api, queryClient, kiosk ?? ''),
    enabled: kiosk !== undefined && kiosk !== '',
    refetchInterval: 60_000,
  });
}

/** The same lists as `useLockers`, for reading several kiosks at once (the dashboard). */
export function lockersQuery(api: ApiClient, queryClient: QueryClient, kiosk: string) {
  return {
    queryKey: lockersKey(kiosk),
    queryFn: fetchLockers(api, queryClient, kiosk),
    refetchInterval: 60_000,
  };
}

/**
 * Applies `/ws/lockers` to the cache: locker changes and door changes go into the lists at once;
 * the changed locker, its history and the recent events are refreshed in the background.
 * Mount it on every page that shows lockers (it shares the panel's one connection).
 */
export function useLockerStream(): void {
  const api = useApi();
  const queryClient = useQueryClient();
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());

  const later = useCallback((key: string, ms: number, fn: () => void) => {
    const pending = timers.current.get(key);
    if (pending !== undefined) clearTimeout(pending);
    timers.current.set(
      key,
      setTimeout(() => {
        timers.current.delete(key);
        fn();
      }, ms),
    );
  }, []);

  useEffect(() => {
    const pending = timers.current;
    return () => {
      for (const timer of pending.values()) clearTimeout(timer);
      pending.clear();
    };
  }, []);

  const reconcile = useCallback(
    (kiosk: string, number: number) => {
      later(`fetch:${kiosk}:${String(number)}`, RECONCILE_MS, () => {
        getLocker(api, kiosk, number).then(
          (fetched) => {
            queryClient.setQueryData<PanelLocker[]>(lockersKey(kiosk), (list) =>
              list?.map((l) => (l.number === number ? newer(l, fetched) : l)),
            );
          },
          () => undefined,
        );
        void queryClient.invalidateQueries({ queryKey: lockerEventsKey(kiosk, number) });
        void queryClient.invalidateQueries({ queryKey: RECENT_EVENTS_KEY });
        void queryClient.invalidateQueries({ queryKey: ['hardware'] });
      });
    },
    [api, queryClient, later],
  );

  const { client } = useRealtime('lockers', {
    type: 'locker_state_changed',
    onEvent: (event) => {
      const { data } = event;
      queryClient.setQueryData<PanelLocker[]>(lockersKey(data.kiosk_id), (list) =>
        applyLockerChange(list, data, event.ts),
      );
      const key = `opening:${data.kiosk_id}:${String(data.locker)}`;
      if (data.transient === true) {
        later(key, OPENING_TIMEOUT_MS, () => {
          queryClient.setQueryData<PanelLocker[]>(lockersKey(data.kiosk_id), (list) =>
            list?.map((l) => {
              return l.number === data.locker && l.opening ? settle(l) : l;
            }),
          );
        });
        return;
      }
      const pending = timers.current.get(key);
      if (pending !== undefined) clearTimeout(pending);
      timers.current.delete(key);
      // A VIP contract bound or ended changes what the message cannot say: fetch the list.
      if (data.action?.startsWith('locker_vip') === true) {
        void queryClient.invalidateQueries({ queryKey: lockersKey(data.kiosk_id) });
      }
      reconcile(data.kiosk_id, data.locker);
    },
    onResync: () => {
      void queryClient.invalidateQueries({ queryKey: ['lockers'] });
      void queryClient.invalidateQueries({ queryKey: ['events'] });
    },
  });

  // `door_changed` is not one of the typed events yet; subscribe to it by name.
  useEffect(
    () =>
      client.subscribe('door_changed', (message: RealtimeMessage) => {
        const data = message.data as DoorChangedData | null;
        if (!data || typeof data.kiosk_id !== 'string' || typeof data.locker !== 'number') return;
        queryClient.setQueryData<PanelLocker[]>(lockersKey(data.kiosk_id), (list) =>
          applyDoorChange(list, data),
        );
        reconcile(data.kiosk_id, data.locker);
      }),
    [client, queryClient, reconcile],
  );
}
