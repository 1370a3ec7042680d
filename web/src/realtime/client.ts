// A WebSocket client for the server's real-time namespaces (PRODUCT.md §6), with no dependency
// beyond the browser's WebSocket.
//
// What it guarantees to subscribers:
// - stored messages (`seq` a number) arrive at most once and in increasing order: anything at or
//   below the last seen `seq` is dropped, and a jump in the sequence (possible only on a
//   connection that joined no rooms) is reported as a resync instead of being papered over;
// - after a drop it reconnects with exponential backoff and full jitter, with a fresh one-use
//   ticket, and `?since=<last seq>` so the server replays what was missed before live messages;
// - `resync_required` (and a gap, and the first connection without a known position) calls the
//   resync listeners: reload the snapshot over HTTP; the stream continues from the server's seq;
// - close code 4401 (session or credential ended) stops it for good and calls the signed-out
//   listeners; any other close reconnects;
// - when WebSockets look blocked (N attempts in a row fail before the welcome message while the
//   ticket request works) it polls over HTTP at an interval, and keeps trying WebSockets in the
//   background; the first successful connection ends polling.

import { isApiError, type ApiClient } from '../api/client';
import {
  messagesFromLog,
  parseMessage,
  roomsOf,
  type LogItem,
  type RealtimeEvent,
  type RealtimeEventType,
  type RealtimeMessage,
  type RealtimeNamespace,
  type ResyncRequiredData,
  type ServerErrorData,
  type WelcomeData,
} from './events';

export * from './events';

export type ConnectionState = 'connecting' | 'open' | 'polling' | 'closed';

/** What a `useSyncExternalStore` reads. A new object whenever either field changes. */
export interface RealtimeSnapshot {
  readonly state: ConnectionState;
  /** The newest stored `seq` seen (or the server's position at the first welcome). */
  readonly lastSeq: number | null;
}

/** Close code for "credential revoked or session ended" (server `CLOSE_UNAUTHORIZED`). */
export const CLOSE_SIGNED_OUT = 4401;
/** Close code the client uses when it gives up on a socket (no welcome, no pong). */
export const CLOSE_UNRESPONSIVE = 4000;

/** The part of the WebSocket interface the client uses (the browser's, or `ws` in tests). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
}

export type WebSocketFactory = (url: string) => WebSocketLike;

export type ResyncReason =
  /** First connection with no known position: a snapshot loaded before it may be stale. */
  | 'initial'
  /** The server no longer keeps what came after our `since` (or it is in the future). */
  | 'since_unavailable'
  /** The server dropped us for reading too slowly. */
  | 'too_slow'
  /** A stored `seq` skipped one or more numbers. */
  | 'gap'
  /** Polling started, or the poller could not tell what changed. */
  | 'polling'
  | (string & {});

export interface ResyncInfo {
  reason: ResyncReason;
  /** The position the stream continues from. */
  lastSeq: number | null;
}

export interface RetryInfo {
  /** 0 for the first retry after a drop. */
  retry: number;
  delayMs: number;
}

export interface PollContext {
  namespace: RealtimeNamespace;
  /** The first poll of this polling spell (a poller sets its baseline). */
  first: boolean;
  signal: AbortSignal;
}

export interface PollResult {
  /** Delivered like socket messages (stored ones go through the same `seq` checks). */
  messages?: readonly RealtimeMessage[];
  /** Something changed that the messages cannot describe: reload the snapshot. */
  resync?: boolean;
}

export type PollFunction = (context: PollContext) => Promise<PollResult | undefined>;

export interface BackoffOptions {
  /** Ceiling of the first retry's delay. */
  baseMs: number;
  /** The delay never exceeds this. */
  capMs: number;
}

export interface RealtimeClientOptions {
  namespace: RealtimeNamespace;
  /** Fetches tickets (`POST /api/ws/ticket`, CSRF included) and polls `GET /api/events`. */
  api?: ApiClient;
  /** `ws(s)://host` to connect to; default: from `api.baseUrl`, else the page's origin. */
  url?: string;
  /** A fresh one-use ticket per attempt; default from `api`. Resolve null to send none. */
  ticket?: () => Promise<string | null>;
  webSocket?: WebSocketFactory;
  /** Resume after this sequence (otherwise the first welcome sets the position). */
  since?: number | null;
  /** Rooms to join (server-side narrowing); re-joined after every reconnect. */
  rooms?: readonly string[];
  /** Retry delay bounds; default 500 ms doubling up to 30 s. */
  backoff?: Partial<BackoffOptions>;
  /** The retry counter resets after a connection stays up this long (default 10 s). */
  stableMs?: number;
  /** A socket without its welcome message after this long is abandoned (default 10 s). */
  connectTimeoutMs?: number;
  /** Send `{"type":"ping"}` this often while open; 0 turns it off (default 25 s). */
  heartbeatMs?: number;
  /** Reconnect if nothing arrives this long after a ping (default 10 s). */
  heartbeatTimeoutMs?: number;
  /** Failed attempts in a row (before any welcome) that start polling (default 3). */
  fallbackAfter?: number;
  pollIntervalMs?: number;
  /** Default: `GET /api/events?limit=pollLimit` mapped onto this namespace's event types. */
  poll?: PollFunction;
  pollLimit?: number;
  /** Random source in [0, 1) for the jitter. */
  random?: () => number;
  onResync?: (info: ResyncInfo) => void;
  onSignedOut?: () => void;
  onStateChange?: (state: ConnectionState) => void;
}

/** Events of the client itself (not of the server's stream). */
export interface RealtimeClientEvents {
  change: RealtimeSnapshot;
  state: ConnectionState;
  resync: ResyncInfo;
  signed_out: undefined;
  /** The server refused a client message (`error`); the socket stays open. */
  server_error: ServerErrorData;
  retry: RetryInfo;
}

export interface SubscribeOptions {
  /** Only messages for this room (e.g. `kiosk:men`); filtered on this side. */
  room?: string;
}

const DEFAULTS = {
  baseMs: 500,
  capMs: 30_000,
  stableMs: 10_000,
  connectTimeoutMs: 10_000,
  heartbeatMs: 25_000,
  heartbeatTimeoutMs: 10_000,
  fallbackAfter: 3,
  pollIntervalMs: 5_000,
  pollLimit: 100,
};

/**
 * Full-jitter exponential backoff: a uniform delay in [0, min(cap, base · 2^retry)).
 * `retry` is 0 for the first retry after a drop.
 */
export function backoffDelay(
  retry: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(Math.max(retry, 0), 40));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.min(Math.floor(r * ceiling), Math.max(ceiling - 1, 0));
}

/** `http(s)://host[/prefix]` → `ws(s)://host[/prefix]`; the page's origin when empty. */
export function webSocketOrigin(httpBase: string): string {
  if (httpBase !== '') return httpBase.replace(/^http(s?):/i, 'ws$1:').replace(/\/$/, '');
  const { protocol, host } = globalThis.location;
  return `${protocol === 'https:' ? 'wss:' : 'ws:'}//${host}`;
}

/**
 * The default poller: `GET /api/events?limit=N` (newest first) turned into this namespace's
 * messages. Its first call sets the baseline; a page made only of new entries may have cut some
 * off, so it asks for a resync instead.
 */
export function eventLogPoller(api: ApiClient, namespace: RealtimeNamespace, limit: number): PollFunction {
  let cursor = 0;
  return async ({ first }) => {
    const page = await api.request<{ items: LogItem[] }>('GET', `/api/events?limit=${String(limit)}`);
    const items = page.items;
    const newest = items.reduce((max, item) => Math.max(max, item.seq), 0);
    if (first) {
      cursor = newest;
      return undefined;
    }
    const fresh = items.filter((item) => item.seq > cursor).sort((a, b) => a.seq - b.seq);
    cursor = Math.max(cursor, newest);
    if (fresh.length > 0 && fresh.length >= limit) return { resync: true };
    return { messages: fresh.flatMap((item) => messagesFromLog(namespace, item)) };
  };
}

type Handler = (message: RealtimeMessage) => void;
interface Subscription {
  type: string;
  room: string | undefined;
  handler: Handler;
}
type Listeners = { [E in keyof RealtimeClientEvents]: Set<(value: RealtimeClientEvents[E]) => void> };
type Timer = ReturnType<typeof setTimeout>;

export class RealtimeClient {
  readonly namespace: RealtimeNamespace;
  readonly #url: string;
  readonly #ticket: () => Promise<string | null>;
  readonly #webSocket: WebSocketFactory;
  readonly #poll: PollFunction;
  readonly #random: () => number;
  readonly #backoff: BackoffOptions;
  readonly #config: typeof DEFAULTS;

  #snapshot: RealtimeSnapshot;
  #running = false;
  #rooms: Set<string>;
  #subscriptions = new Set<Subscription>();
  #listeners: Listeners = {
    change: new Set(),
    state: new Set(),
    resync: new Set(),
    signed_out: new Set(),
    server_error: new Set(),
    retry: new Set(),
  };

  // One connection attempt at a time; `#attempt` lets late async results see they are stale.
  #attempt = 0;
  #socket: WebSocketLike | null = null;
  #welcomed = false;
  /** This connection joined a room, so the server filters and gaps are expected. */
  #narrowed = false;
  #retries = 0;
  #failures = 0;
  #retryTimer: Timer | null = null;
  #stableTimer: Timer | null = null;
  #connectTimer: Timer | null = null;
  #heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  #deadlineTimer: Timer | null = null;

  #polling = false;
  #pollFirst = true;
  #pollTimer: Timer | null = null;
  #pollAbort: AbortController | null = null;

  constructor(options: RealtimeClientOptions) {
    const { api, namespace } = options;
    this.namespace = namespace;
    this.#url = options.url ?? webSocketOrigin(api?.baseUrl ?? '');
    const ticket = options.ticket ?? defaultTicket(api, namespace);
    if (!ticket) throw new TypeError(`/ws/${namespace} needs a ticket: pass api or ticket`);
    this.#ticket = ticket;
    this.#webSocket = options.webSocket ?? ((url) => new WebSocket(url));
    this.#config = {
      baseMs: options.backoff?.baseMs ?? DEFAULTS.baseMs,
      capMs: options.backoff?.capMs ?? DEFAULTS.capMs,
      stableMs: options.stableMs ?? DEFAULTS.stableMs,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      heartbeatMs: options.heartbeatMs ?? DEFAULTS.heartbeatMs,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? DEFAULTS.heartbeatTimeoutMs,
      fallbackAfter: options.fallbackAfter ?? DEFAULTS.fallbackAfter,
      pollIntervalMs: options.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
      pollLimit: options.pollLimit ?? DEFAULTS.pollLimit,
    };
    this.#backoff = { baseMs: this.#config.baseMs, capMs: this.#config.capMs };
    this.#poll =
      options.poll ??
      (api && (namespace === 'lockers' || namespace === 'help' || namespace === 'events')
        ? eventLogPoller(api, namespace, this.#config.pollLimit)
        : () => Promise.resolve({ resync: true }));
    this.#random = options.random ?? Math.random;
    this.#rooms = new Set(options.rooms);
    this.#snapshot = { state: 'closed', lastSeq: options.since ?? null };
    if (options.onResync) this.on('resync', options.onResync);
    const { onSignedOut } = options;
    if (onSignedOut) this.on('signed_out', () => { onSignedOut(); });
    if (options.onStateChange) this.on('state', options.onStateChange);
  }

  get state(): ConnectionState {
    return this.#snapshot.state;
  }

  get lastSeq(): number | null {
    return this.#snapshot.lastSeq;
  }

  get snapshot(): RealtimeSnapshot {
    return this.#snapshot;
  }

  /** Rooms joined on the server (re-joined after every reconnect). */
  get rooms(): readonly string[] {
    return [...this.#rooms];
  }

  /** Starts connecting; does nothing if already running. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#retries = 0;
    this.#failures = 0;
    if (typeof window !== 'undefined') window.addEventListener('online', this.#onOnline);
    void this.#connect();
  }

  /** Closes the socket, stops polling and every timer. `start()` may be called again. */
  stop(): void {
    this.#halt();
    this.#setState('closed');
  }

  /** Skips the wait before the next reconnection attempt (e.g. the browser came back online). */
  reconnectNow(): void {
    if (!this.#running || this.#retryTimer === null) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    void this.#connect();
  }

  /** Narrow the stream to a room on the server (all rooms' messages while no room is joined). */
  join(room: string): void {
    if (this.#rooms.has(room)) return;
    this.#rooms.add(room);
    if (this.#welcomed) {
      this.#narrowed = true;
      this.#send({ type: 'join_room', room });
    }
  }

  leave(room: string): void {
    if (!this.#rooms.delete(room)) return;
    if (this.#welcomed) this.#send({ type: 'leave_room', room });
  }

  /** Messages of one type (or `'*'` for all), optionally of one room. Returns the unsubscribe. */
  subscribe<K extends RealtimeEventType>(
    type: K,
    handler: (event: RealtimeEvent<K>) => void,
    options?: SubscribeOptions,
  ): () => void;
  subscribe(type: string, handler: (message: RealtimeMessage) => void, options?: SubscribeOptions): () => void;
  subscribe(type: string, handler: Handler, options: SubscribeOptions = {}): () => void {
    const subscription: Subscription = { type, room: options.room, handler };
    this.#subscriptions.add(subscription);
    return () => {
      this.#subscriptions.delete(subscription);
    };
  }

  /** Listens to the client's own events. Returns the removal. */
  on<E extends keyof RealtimeClientEvents>(
    event: E,
    listener: (value: RealtimeClientEvents[E]) => void,
  ): () => void {
    const set = this.#listeners[event] as Set<typeof listener>;
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  // --- connection ---------------------------------------------------------------------------

  async #connect(): Promise<void> {
    const attempt = ++this.#attempt;
    this.#retryTimer = null;
    if (!this.#polling) this.#setState('connecting');
    let ticket: string | null;
    try {
      ticket = await this.#ticket();
    } catch (error) {
      if (attempt !== this.#attempt || !this.#running) return;
      if (isApiError(error) && error.status === 401) {
        this.#signedOut();
        return;
      }
      // The server is unreachable or refused for now: not a sign that WebSockets are blocked.
      this.#scheduleReconnect();
      return;
    }
    if (attempt !== this.#attempt || !this.#running) return;

    let socket: WebSocketLike;
    try {
      socket = this.#webSocket(this.#socketUrl(ticket));
    } catch {
      this.#lost(false);
      return;
    }
    this.#socket = socket;
    this.#welcomed = false;
    this.#narrowed = false;
    socket.addEventListener('message', (event) => {
      if (this.#socket === socket) this.#onFrame(event.data);
    });
    socket.addEventListener('close', (event) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.#onClose(event.code);
    });
    // Errors are followed by a close event; a listener keeps Node's `ws` from throwing.
    socket.addEventListener('error', () => undefined);
    this.#connectTimer = setTimeout(() => {
      this.#abandon(socket, 'no welcome');
    }, this.#config.connectTimeoutMs);
  }

  #socketUrl(ticket: string | null): string {
    const params = new URLSearchParams();
    if (ticket !== null) params.set('ticket', ticket);
    const since = this.#snapshot.lastSeq;
    if (since !== null) params.set('since', String(since));
    const query = params.toString();
    return `${this.#url}/ws/${this.namespace}${query === '' ? '' : `?${query}`}`;
  }

  /** Gives up on a socket that stopped answering and handles it as closed. */
  #abandon(socket: WebSocketLike, reason: string): void {
    if (this.#socket !== socket) return;
    this.#socket = null;
    try {
      socket.close(CLOSE_UNRESPONSIVE, reason);
    } catch {
      // Already closing.
    }
    this.#onClose(CLOSE_UNRESPONSIVE);
  }

  #onClose(code: number): void {
    const wasOpen = this.#welcomed;
    this.#welcomed = false;
    this.#clearConnectionTimers();
    if (!this.#running) return;
    if (code === CLOSE_SIGNED_OUT) {
      this.#signedOut();
      return;
    }
    this.#lost(wasOpen);
  }

  /** A connection ended or never came up: maybe poll, then retry after a jittered delay. */
  #lost(wasOpen: boolean): void {
    if (!wasOpen) {
      this.#failures += 1;
      if (this.#failures >= this.#config.fallbackAfter && !this.#polling) this.#startPolling();
    }
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (!this.#running) return;
    const retry = this.#retries;
    const delayMs = backoffDelay(retry, this.#backoff, this.#random);
    this.#retries += 1;
    if (!this.#polling) this.#setState('connecting');
    this.#emit('retry', { retry, delayMs });
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => void this.#connect(), delayMs);
  }

  #onOnline = (): void => {
    this.reconnectNow();
  };

  #signedOut(): void {
    this.#halt();
    this.#setState('closed');
    this.#emit('signed_out', undefined);
  }

  #halt(): void {
    this.#running = false;
    this.#attempt += 1;
    if (typeof window !== 'undefined') window.removeEventListener('online', this.#onOnline);
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#clearConnectionTimers();
    this.#stopPolling();
    const socket = this.#socket;
    this.#socket = null;
    this.#welcomed = false;
    if (socket) {
      try {
        socket.close(1000, 'client stopped');
      } catch {
        // Already closing.
      }
    }
  }

  #clearConnectionTimers(): void {
    if (this.#connectTimer !== null) clearTimeout(this.#connectTimer);
    if (this.#stableTimer !== null) clearTimeout(this.#stableTimer);
    if (this.#heartbeatTimer !== null) clearInterval(this.#heartbeatTimer);
    if (this.#deadlineTimer !== null) clearTimeout(this.#deadlineTimer);
    this.#connectTimer = this.#stableTimer = this.#heartbeatTimer = this.#deadlineTimer = null;
  }

  #send(message: { type: string; room?: string }): void {
    const socket = this.#socket;
    if (socket === null || socket.readyState !== 1) return;
    try {
      socket.send(JSON.stringify(message));
    } catch {
      // The close event follows.
    }
  }

  // --- messages -----------------------------------------------------------------------------

  #onFrame(data: unknown): void {
    if (typeof data !== 'string') return;
    if (this.#deadlineTimer !== null) {
      clearTimeout(this.#deadlineTimer);
      this.#deadlineTimer = null;
    }
    const message = parseMessage(data);
    if (!message) return;
    if (!this.#welcomed && message.type === 'connection' && message.seq === null) {
      this.#onWelcome(message.data as WelcomeData);
      return;
    }
    this.#ingest(message);
  }

  #onWelcome(data: WelcomeData): void {
    const socket = this.#socket;
    this.#welcomed = true;
    this.#failures = 0;
    if (this.#connectTimer !== null) clearTimeout(this.#connectTimer);
    this.#connectTimer = null;
    this.#stableTimer = setTimeout(() => {
      this.#retries = 0;
    }, this.#config.stableMs);
    if (this.#config.heartbeatMs > 0 && socket) {
      this.#heartbeatTimer = setInterval(() => {
        this.#send({ type: 'ping' });
        this.#deadlineTimer ??= setTimeout(() => {
          this.#abandon(socket, 'no pong');
        }, this.#config.heartbeatTimeoutMs);
      }, this.#config.heartbeatMs);
    }
    for (const room of this.#rooms) {
      this.#narrowed = true;
      this.#send({ type: 'join_room', room });
    }
    this.#stopPolling();
    const fresh = this.#snapshot.lastSeq === null;
    const lastSeq = typeof data.last_seq === 'number' ? data.last_seq : null;
    // Without `since` nothing is replayed: the stream starts after the server's position.
    this.#snapshot = {
      state: 'open',
      lastSeq: fresh ? lastSeq : this.#snapshot.lastSeq,
    };
    this.#emit('state', 'open');
    this.#emit('change', this.#snapshot);
    if (fresh) this.#emit('resync', { reason: 'initial', lastSeq });
  }

  /** One message from the socket or the poller. */
  #ingest(message: RealtimeMessage): void {
    if (message.seq !== null) {
      const seq = message.seq;
      const last = this.#snapshot.lastSeq;
      if (last !== null && seq <= last) return;
      this.#setLastSeq(seq);
      if (last !== null && seq !== last + 1 && !this.#narrowed) {
        this.#emit('resync', { reason: 'gap', lastSeq: seq });
      }
      this.#deliver(message);
      return;
    }
    switch (message.type) {
      case 'resync_required': {
        const data = message.data as Partial<ResyncRequiredData> | null;
        const lastSeq = typeof data?.last_seq === 'number' ? data.last_seq : this.#snapshot.lastSeq;
        this.#setLastSeq(lastSeq);
        this.#emit('resync', { reason: data?.reason ?? 'unknown', lastSeq });
        return;
      }
      case 'error':
        this.#emit('server_error', message.data as ServerErrorData);
        return;
      case 'room_joined':
      case 'room_left':
      case 'pong':
        return;
      default:
        this.#deliver(message);
    }
  }

  #deliver(message: RealtimeMessage): void {
    // Mirror the server: a client in rooms gets only those rooms' messages (replay included).
    const rooms = roomsOf(message);
    if (this.#rooms.size > 0 && !rooms.some((room) => this.#rooms.has(room))) return;
    for (const subscription of [...this.#subscriptions]) {
      if (subscription.type !== '*' && subscription.type !== message.type) continue;
      if (subscription.room !== undefined && !rooms.includes(subscription.room)) continue;
      try {
        subscription.handler(message);
      } catch (error) {
        console.error('realtime subscriber failed', error);
      }
    }
  }

  // --- polling ------------------------------------------------------------------------------

  #startPolling(): void {
    this.#polling = true;
    this.#pollFirst = true;
    this.#setState('polling');
    void this.#pollOnce();
  }

  #stopPolling(): void {
    this.#polling = false;
    this.#pollAbort?.abort();
    this.#pollAbort = null;
    if (this.#pollTimer !== null) clearTimeout(this.#pollTimer);
    this.#pollTimer = null;
  }

  async #pollOnce(): Promise<void> {
    this.#pollTimer = null;
    const abort = new AbortController();
    this.#pollAbort = abort;
    try {
      const first = this.#pollFirst;
      const result = await this.#poll({ namespace: this.namespace, first, signal: abort.signal });
      if (abort.signal.aborted) return;
      this.#pollFirst = false;
      // After the first poll the poller has its baseline: a snapshot loaded now misses nothing.
      if (first || result?.resync) this.#emit('resync', { reason: 'polling', lastSeq: this.#snapshot.lastSeq });
      for (const message of result?.messages ?? []) this.#ingest(message);
    } catch (error) {
      if (abort.signal.aborted) return;
      if (isApiError(error) && error.status === 401) {
        this.#signedOut();
        return;
      }
      // Try again at the next interval.
    }
    if (this.#pollAbort === abort && this.#polling) {
      this.#pollTimer = setTimeout(() => void this.#pollOnce(), this.#config.pollIntervalMs);
    }
  }

  // --- state --------------------------------------------------------------------------------

  #setState(state: ConnectionState): void {
    if (this.#snapshot.state === state) return;
    this.#snapshot = { ...this.#snapshot, state };
    this.#emit('state', state);
    this.#emit('change', this.#snapshot);
  }

  #setLastSeq(lastSeq: number | null): void {
    if (this.#snapshot.lastSeq === lastSeq) return;
    this.#snapshot = { ...this.#snapshot, lastSeq };
    this.#emit('change', this.#snapshot);
  }

  #emit<E extends keyof RealtimeClientEvents>(event: E, value: RealtimeClientEvents[E]): void {
    for (const listener of [...(this.#listeners[event] as Set<(v: RealtimeClientEvents[E]) => void>)]) {
      try {
        listener(value);
      } catch (error) {
        console.error(`realtime ${event} listener failed`, error);
      }
    }
  }
}

function defaultTicket(
  api: ApiClient | undefined,
  namespace: RealtimeNamespace,
): (() => Promise<string | null>) | undefined {
  if (namespace === 'display') return () => Promise.resolve(null);
  if (!api) return undefined;
  return async () => {
    const body = await api.request<{ ticket: string; expires_in: number }>('POST', '/api/ws/ticket');
    return body.ticket;
  };
}
