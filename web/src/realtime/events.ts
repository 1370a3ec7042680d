// The real-time wire format (PRODUCT.md §6), typed after server/src/realtime/{event,hub,socket}.rs.
//
// Every message is an envelope `{seq, type, ts, room, rooms, version, data}`. Stored messages have
// a contiguous per-namespace `seq`; transient ones (`seq: null`) are the welcome `connection`,
// the in-flight `opening` locker change, `room_joined`, `room_left`, `error`, `pong`,
// `resync_required` and the connection notices of `/ws/events`. Control messages built by the
// socket task carry no `rooms` field, so it is optional here.

/** The namespaces a browser may open (`/ws/agent` is for hardware agents). */
export type RealtimeNamespace = 'lockers' | 'help' | 'events' | 'queue' | 'display';

/** Schema version the server writes today (`event::VERSION`). */
export const SCHEMA_VERSION = 1;

/** Locker states a `locker_state_changed` may name; `opening` is transient (never stored). */
export type RealtimeLockerState = 'free' | 'owned' | 'blocked' | 'error' | 'opening';
const LOCKER_STATES: readonly string[] = ['free', 'owned', 'blocked', 'error', 'opening'];

/** `/ws/lockers`, rooms `kiosk:{id}` and `locker:{id}:{n}`. */
export interface LockerStateChangedData {
  kiosk_id: string;
  locker: number;
  old_state: RealtimeLockerState;
  new_state: RealtimeLockerState;
  /** The log event behind it (`locker_assigned`, `locker_released`, …). */
  action?: string;
  /** Only on the transient `opening` message, sent while the relay pulse is in flight. */
  transient?: true;
  owner_hint?: string | null;
  version?: number | null;
  actor?: string;
  reason?: string | null;
}

/** `/ws/lockers` and `/ws/events`: a staff command finished. */
export interface CommandAppliedData {
  command: { id: string | null; kiosk_id: string; locker: number | null; issued_by: string };
  result: {
    success: boolean;
    state: string;
    error: string | null;
    /** RFC 3339. */
    timestamp: string;
  };
}

/**
 * `/ws/help`: the help log entry's data, as the server stored it. The help module is still being
 * written, so only the common fields are named.
 */
export interface HelpRequestedData {
  id?: string;
  category?: 'access_issue' | 'card_issue' | 'payment_issue' | 'other';
  note?: string | null;
  locker?: number | null;
  [key: string]: unknown;
}

export interface HelpStatusUpdatedData {
  id?: string;
  status?: string;
  assigned_to?: string | null;
  [key: string]: unknown;
}

/** `/ws/events`, room `{component}:{id}` (e.g. `kiosk:men`). */
export interface SystemStatusData {
  component: string;
  id: string;
  status: 'online' | 'offline' | 'degraded';
  details: unknown;
}

/** `/ws/events`: every entry of the event log. */
export interface EventLoggedData {
  /** The event log's own sequence (not the namespace `seq`). */
  log_seq: number;
  type: string;
  kiosk_id: string | null;
  locker: number | null;
  actor: string;
  data: unknown;
}

/** Sent by an admin through `POST /api/websocket/broadcast`: any JSON object. */
export type BroadcastData = Record<string, unknown>;

/** `/ws/events`: a client connected to or left some namespace (transient). */
export interface ConnectionNoticeData {
  connection_id: number;
  namespace: string;
  owner: { user_id: string } | { credential: string } | { ip: string };
  connections: number;
}

/** Event types and their `data`. */
export interface RealtimeEventMap {
  locker_state_changed: LockerStateChangedData;
  command_applied: CommandAppliedData;
  help_requested: HelpRequestedData;
  help_status_updated: HelpStatusUpdatedData;
  system_status: SystemStatusData;
  event_logged: EventLoggedData;
  broadcast: BroadcastData;
  connection: ConnectionNoticeData;
  disconnection: ConnectionNoticeData;
}

export type RealtimeEventType = keyof RealtimeEventMap;

/** One envelope. */
export interface RealtimeMessage<Type extends string = string, Data = unknown> {
  /** Per-namespace sequence of a stored message; null for transient ones. */
  seq: number | null;
  type: Type;
  /** RFC 3339. */
  ts: string;
  /** The first of `rooms`, or null. */
  room: string | null;
  rooms?: string[];
  version: number;
  data: Data;
}

export type RealtimeEvent<K extends RealtimeEventType = RealtimeEventType> = {
  [T in K]: RealtimeMessage<T, RealtimeEventMap[T]>;
}[K];

/** Welcome `connection` message data (the first message on every socket). */
export interface WelcomeData {
  connection_id: number;
  namespace: string;
  /** The namespace's newest sequence when this client registered. */
  last_seq: number;
}

/** `resync_required` data. */
export interface ResyncRequiredData {
  reason: 'since_unavailable' | 'too_slow' | (string & {});
  last_seq: number;
}

/** The server's `error` message data (a bad client message; the socket stays open). */
export interface ServerErrorData {
  code: string;
  message: string;
}

/** Parses one text frame; undefined when it is not an envelope. */
export function parseMessage(text: string): RealtimeMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const seq = v.seq ?? null;
  if (typeof v.type !== 'string') return undefined;
  if (seq !== null && (typeof seq !== 'number' || !Number.isSafeInteger(seq))) return undefined;
  const rooms = Array.isArray(v.rooms)
    ? v.rooms.filter((r): r is string => typeof r === 'string')
    : undefined;
  return {
    seq,
    type: v.type,
    ts: typeof v.ts === 'string' ? v.ts : '',
    room: typeof v.room === 'string' ? v.room : null,
    ...(rooms === undefined ? {} : { rooms }),
    version: typeof v.version === 'number' ? v.version : SCHEMA_VERSION,
    data: v.data ?? null,
  };
}

/** The rooms a message is for: `rooms`, else `room`, else none (the whole namespace). */
export function roomsOf(message: RealtimeMessage): readonly string[] {
  if (message.rooms !== undefined) return message.rooms;
  return message.room === null ? [] : [message.room];
}

// --- Polling fallback: event-log entries (`GET /api/events`) as real-time messages ---------------

/** One item of `GET /api/events` (newest first). */
export interface LogItem {
  seq: number;
  ts: string;
  type: string;
  kiosk: string | null;
  locker: number | null;
  actor: string;
  data: unknown;
}

function field(data: unknown, key: string): unknown {
  return typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[key] : undefined;
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function synthetic<T extends RealtimeEventType>(
  item: LogItem,
  type: T,
  rooms: string[],
  data: RealtimeEventMap[T],
): RealtimeEvent {
  return { seq: null, type, ts: item.ts, room: rooms[0] ?? null, rooms, version: SCHEMA_VERSION, data } as RealtimeEvent;
}

/**
 * The messages a namespace would have carried for one log entry — the same mapping as the
 * server's `event::from_log`. They are transient (`seq: null`): polling has no namespace sequence.
 */
export function messagesFromLog(namespace: RealtimeNamespace, item: LogItem): RealtimeEvent[] {
  const out: RealtimeEvent[] = [];
  const { kiosk, locker } = item;
  if (namespace === 'lockers' && item.type.startsWith('locker_') && kiosk !== null && locker !== null) {
    const old = field(item.data, 'old_state');
    const oldState = typeof old === 'string' ? old : 'free';
    const next = field(item.data, 'new_state');
    const newState = typeof next === 'string' ? next : oldState;
    if (LOCKER_STATES.includes(oldState) && LOCKER_STATES.includes(newState) && locker >= 1) {
      const ownerHint = field(item.data, 'owner_hint');
      const version = field(item.data, 'version');
      const reason = field(item.data, 'reason');
      out.push(
        synthetic(item, 'locker_state_changed', [`kiosk:${kiosk}`, `locker:${kiosk}:${String(locker)}`], {
          kiosk_id: kiosk,
          locker,
          old_state: oldState as RealtimeLockerState,
          new_state: newState as RealtimeLockerState,
          action: item.type,
          owner_hint: typeof ownerHint === 'string' ? ownerHint : null,
          version: typeof version === 'number' ? version : null,
          actor: item.actor,
          reason: typeof reason === 'string' ? reason : null,
        }),
      );
    }
  }
  if ((namespace === 'lockers' || namespace === 'events') && item.type === 'command_finished' && kiosk !== null) {
    const id = field(item.data, 'command');
    const state = field(item.data, 'state');
    const error = field(item.data, 'error');
    const rooms = [`kiosk:${kiosk}`, ...(locker === null ? [] : [`locker:${kiosk}:${String(locker)}`])];
    out.push(
      synthetic(item, 'command_applied', rooms, {
        command: { id: typeof id === 'string' ? id : null, kiosk_id: kiosk, locker, issued_by: item.actor },
        result: {
          success: state === 'succeeded',
          state: typeof state === 'string' ? state : 'unknown',
          error: typeof error === 'string' ? error : null,
          timestamp: item.ts,
        },
      }),
    );
  }
  if (namespace === 'events' && kiosk !== null && (item.type === 'kiosk_online' || item.type === 'kiosk_offline')) {
    out.push(
      synthetic(item, 'system_status', [`kiosk:${kiosk}`], {
        component: 'kiosk',
        id: kiosk,
        status: item.type === 'kiosk_online' ? 'online' : 'offline',
        details: item.data,
      }),
    );
  }
  if (item.type === 'ws_broadcast') {
    if (field(item.data, 'namespace') === `/ws/${namespace}`) {
      const room = field(item.data, 'room');
      const payload = field(item.data, 'payload');
      out.push(
        synthetic(item, 'broadcast', typeof room === 'string' ? [room] : [], asObject(payload)),
      );
    }
    return out;
  }
  if (namespace === 'help' && item.type.startsWith('help_')) {
    const rooms = kiosk === null ? [] : [`kiosk:${kiosk}`];
    const data = asObject(item.data);
    out.push(
      item.type === 'help_requested'
        ? synthetic(item, 'help_requested', rooms, data)
        : synthetic(item, 'help_status_updated', rooms, data),
    );
  }
  if (namespace === 'events') {
    out.push(
      synthetic(item, 'event_logged', kiosk === null ? [] : [`kiosk:${kiosk}`], {
        log_seq: item.seq,
        type: item.type,
        kiosk_id: kiosk,
        locker,
        actor: item.actor,
        data: item.data,
      }),
    );
  }
  return out;
}
