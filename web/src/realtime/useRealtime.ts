// React on top of `RealtimeClient`: one shared client per namespace per `ApiClient` (so per app),
// started while at least one component uses it and stopped a moment after the last one goes
// (the grace keeps StrictMode's double mount and page changes from reconnecting).

import { useCallback, useEffect, useEffectEvent, useSyncExternalStore } from 'react';
import type { ApiClient } from '../api/client';
import { useApi } from '../api/context';
import {
  RealtimeClient,
  type ConnectionState,
  type RealtimeEvent,
  type RealtimeEventType,
  type RealtimeNamespace,
  type ResyncInfo,
} from './client';

/** How long an unused client stays connected, waiting for the next user. */
const IDLE_MS = 1_000;

interface Shared {
  client: RealtimeClient;
  users: number;
  idle: ReturnType<typeof setTimeout> | null;
  /** Stopped for good (4401): the next user gets a new client. */
  ended: boolean;
}

const registry = new WeakMap<ApiClient, Map<RealtimeNamespace, Shared>>();

function entry(api: ApiClient, namespace: RealtimeNamespace): Shared {
  let byNamespace = registry.get(api);
  if (!byNamespace) {
    byNamespace = new Map();
    registry.set(api, byNamespace);
  }
  let shared = byNamespace.get(namespace);
  if (!shared || (shared.ended && shared.users === 0)) {
    const created: Shared = {
      client: new RealtimeClient({ namespace, api }),
      users: 0,
      idle: null,
      ended: false,
    };
    created.client.on('signed_out', () => {
      created.ended = true;
    });
    byNamespace.set(namespace, created);
    shared = created;
  }
  return shared;
}

/** The app's client for a namespace (created on first use, not started). */
export function sharedRealtimeClient(api: ApiClient, namespace: RealtimeNamespace): RealtimeClient {
  return entry(api, namespace).client;
}

function retain(api: ApiClient, namespace: RealtimeNamespace, client: RealtimeClient): () => void {
  const shared = entry(api, namespace);
  if (shared.client !== client) return () => undefined;
  shared.users += 1;
  if (shared.idle !== null) clearTimeout(shared.idle);
  shared.idle = null;
  client.start();
  return () => {
    shared.users -= 1;
    if (shared.users > 0) return;
    shared.idle = setTimeout(() => {
      shared.idle = null;
      if (shared.users > 0) return;
      client.stop();
      if (registry.get(api)?.get(namespace) === shared) registry.get(api)?.delete(namespace);
    }, IDLE_MS);
  };
}

/** Stops and forgets every shared client of an `ApiClient` (tests; a hard sign-out). */
export function stopSharedRealtimeClients(api: ApiClient): void {
  const byNamespace = registry.get(api);
  if (!byNamespace) return;
  for (const shared of byNamespace.values()) {
    if (shared.idle !== null) clearTimeout(shared.idle);
    shared.client.stop();
  }
  registry.delete(api);
}

export interface UseRealtimeOptions<K extends RealtimeEventType> {
  /** The event type(s) `onEvent` receives. */
  type?: K | readonly K[];
  /** Only messages for this room (filtered here; the shared stream is not narrowed). */
  room?: string;
  onEvent?: (event: RealtimeEvent<K>) => void;
  /** Reload your snapshot: the stream could not tell you everything. */
  onResync?: (info: ResyncInfo) => void;
  /** The session ended (close code 4401 or a 401): the client stopped. */
  onSignedOut?: () => void;
}

export interface UseRealtimeResult {
  state: ConnectionState;
  lastSeq: number | null;
  client: RealtimeClient;
}

/**
 * Connects to a namespace (shared with every other user of it) and, if `type` and `onEvent` are
 * given, delivers those events. The callbacks may change on every render.
 */
export function useRealtime<K extends RealtimeEventType = RealtimeEventType>(
  namespace: RealtimeNamespace,
  options: UseRealtimeOptions<K> = {},
): UseRealtimeResult {
  const api = useApi();
  const client = sharedRealtimeClient(api, namespace);
  const subscribe = useCallback((onChange: () => void) => client.on('change', onChange), [client]);
  const snapshot = useSyncExternalStore(subscribe, () => client.snapshot);

  useEffect(() => retain(api, namespace, client), [api, namespace, client]);

  const { type, room, onEvent, onResync, onSignedOut } = options;
  const types: readonly string[] = type === undefined ? [] : typeof type === 'string' ? [type] : type;
  const typesKey = types.join(',');
  const wantsEvents = onEvent !== undefined;
  const deliver = useEffectEvent((event: RealtimeEvent<K>) => {
    onEvent?.(event);
  });
  useEffect(() => {
    if (!wantsEvents || typesKey === '') return;
    const offs = typesKey.split(',').map((t) =>
      client.subscribe(
        t,
        (message) => {
          deliver(message as RealtimeEvent<K>);
        },
        room === undefined ? {} : { room },
      ),
    );
    return () => {
      for (const off of offs) off();
    };
  }, [client, typesKey, room, wantsEvents]);

  const resync = useEffectEvent((info: ResyncInfo) => {
    onResync?.(info);
  });
  useEffect(
    () =>
      client.on('resync', (info) => {
        resync(info);
      }),
    [client],
  );

  const signedOut = useEffectEvent(() => {
    onSignedOut?.();
  });
  useEffect(
    () =>
      client.on('signed_out', () => {
        signedOut();
      }),
    [client],
  );

  return { state: snapshot.state, lastSeq: snapshot.lastSeq, client };
}
