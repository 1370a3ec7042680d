// Lockers, staff commands and the event log (PRODUCT.md §3.3, §14), typed after the server's
// `LockerView` and `CommandView` (server/src/lockers/view.rs) and `GET /api/events`
// (server/src/http/system.rs). Every staff action is a command: single-locker commands answer once
// they finished (200), bulk open and end of day answer 202 while they run and report through
// `command_applied` and `GET /api/commands/{id}`.

import type { ApiClient } from './client';
import type { LogItem } from '../realtime/events';

/** The states the panel shows: the stored ones, and `vip` for a locker bound to a VIP contract. */
export const LOCKER_STATES = ['free', 'owned', 'blocked', 'error', 'vip'] as const;
export type LockerState = (typeof LOCKER_STATES)[number];
export type StoredLockerState = Exclude<LockerState, 'vip'>;

export interface Wiring {
  bus: string;
  slave: number;
  channel: number;
}

/** `GET /api/kiosks/{kiosk}/lockers/{n}`. */
export interface LockerView {
  kiosk: string;
  number: number;
  name: string | null;
  state: LockerState;
  stored_state: StoredLockerState;
  vip: boolean;
  /** The owner's card, masked to its last four digits (`…C3D4`). */
  owner_hint: string | null;
  /** RFC 3339. */
  owned_at: string | null;
  held_seconds: number | null;
  overdue: boolean;
  last_opened_at: string | null;
  version: number;
  wiring: Wiring;
  /** The door sensor as last read; null without sensors. */
  door: 'open' | 'closed' | null;
}

/** A locker as the panel holds it: the view plus what the stream says is happening right now. */
export interface PanelLocker extends LockerView {
  /** A relay pulse is in flight (the transient `opening` message). */
  opening?: boolean;
}

export const COMMAND_STATES = ['queued', 'running', 'succeeded', 'failed', 'expired', 'cancelled'] as const;
export type CommandState = (typeof COMMAND_STATES)[number];

/** One locker's line in a bulk open or end-of-day report. */
export interface BatchRow {
  kiosk: string;
  locker: number;
  owner_hint: string | null;
  result:
    | 'opened'
    | 'opened_and_freed'
    | 'skipped_vip'
    | 'skipped_blocked'
    | 'busy'
    | 'not_found'
    | 'failed';
  error?: string;
  held_ms?: number | null;
}

export interface BatchResult {
  rows: BatchRow[];
  failed: number;
  total: number;
}

/** `GET /api/commands/{id}` and the answer of every action. */
export interface CommandView {
  id: string;
  type: string;
  kiosk: string;
  locker: number | null;
  state: CommandState;
  requested_by: string;
  created_at: string;
  finished_at: string | null;
  params: unknown;
  /** `{locker}` for a single-locker command, a `BatchResult` for bulk open and end of day. */
  result: unknown;
  error: string | null;
}

/** The command is over (whatever its outcome). */
export function isFinished(command: Pick<CommandView, 'state'>): boolean {
  return command.state !== 'queued' && command.state !== 'running';
}

export function isBatchResult(value: unknown): value is BatchResult {
  return (
    typeof value === 'object' &&
    value !== null &&
    'rows' in value &&
    Array.isArray(value.rows)
  );
}

export type EventItem = LogItem;

export interface EventPage {
  items: EventItem[];
  next_cursor: string | null;
}

export interface EventQuery {
  kiosk?: string;
  locker?: number;
  type?: string;
  limit?: number;
  cursor?: string;
}

const enc = encodeURIComponent;

function lockerPath(kiosk: string, number: number, action?: string): string {
  const base = `/api/kiosks/${enc(kiosk)}/lockers/${String(number)}`;
  return action === undefined ? base : `${base}/${action}`;
}

export async function listLockers(api: ApiClient, kiosk: string): Promise<LockerView[]> {
  const body = await api.request<{ items: LockerView[] }>('GET', `/api/kiosks/${enc(kiosk)}/lockers`);
  return body.items;
}

export function getLocker(api: ApiClient, kiosk: string, number: number): Promise<LockerView> {
  return api.request<LockerView>('GET', lockerPath(kiosk, number));
}

export interface OpenOptions {
  /** Open & free (true) or open & keep the owner (false). */
  release: boolean;
  /** Needed to open a VIP locker. */
  override?: boolean;
  reason?: string;
}

export function openLocker(
  api: ApiClient,
  kiosk: string,
  number: number,
  options: OpenOptions,
): Promise<CommandView> {
  return api.request<CommandView>('POST', lockerPath(kiosk, number, 'open'), {
    release: options.release,
    override: options.override ?? false,
    ...(options.reason ? { reason: options.reason } : {}),
  });
}

export function blockLocker(api: ApiClient, kiosk: string, number: number, reason?: string) {
  return api.request<CommandView>('POST', lockerPath(kiosk, number, 'block'), reason ? { reason } : {});
}

export function unblockLocker(api: ApiClient, kiosk: string, number: number) {
  return api.request<CommandView>('POST', lockerPath(kiosk, number, 'unblock'));
}

export function resolveLocker(api: ApiClient, kiosk: string, number: number, note?: string) {
  return api.request<CommandView>('POST', lockerPath(kiosk, number, 'resolve'), note ? { note } : {});
}

/** Free without opening: the reason is required. */
export function releaseLocker(api: ApiClient, kiosk: string, number: number, reason: string) {
  return api.request<CommandView>('POST', lockerPath(kiosk, number, 'release'), { reason });
}

/** An empty name clears it. */
export function renameLocker(api: ApiClient, kiosk: string, number: number, name: string) {
  const trimmed = name.trim();
  return api.request<CommandView>(
    'POST',
    lockerPath(kiosk, number, 'rename'),
    trimmed === '' ? {} : { name: trimmed },
  );
}

export function transferLocker(
  api: ApiClient,
  kiosk: string,
  number: number,
  card: string,
  reason?: string,
) {
  return api.request<CommandView>('POST', lockerPath(kiosk, number, 'transfer'), {
    card,
    ...(reason ? { reason } : {}),
  });
}

export interface BulkOpenOptions {
  lockers: number[];
  release: boolean;
  /** Leave VIP lockers closed (the server's default). */
  exclude_vip: boolean;
  /** 100–5000 ms between pulses; the kiosk's setting when left out. */
  stagger_ms?: number;
}

export function bulkOpen(api: ApiClient, kiosk: string, options: BulkOpenOptions) {
  return api.request<CommandView>('POST', `/api/kiosks/${enc(kiosk)}/bulk-open`, options);
}

export function endOfDay(api: ApiClient, kiosk: string) {
  return api.request<CommandView>('POST', `/api/kiosks/${enc(kiosk)}/end-of-day`);
}

export function getCommand(api: ApiClient, id: string) {
  return api.request<CommandView>('GET', `/api/commands/${enc(id)}`);
}

export function listEvents(api: ApiClient, query: EventQuery = {}): Promise<EventPage> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  const search = params.toString();
  return api.request<EventPage>('GET', `/api/events${search ? `?${search}` : ''}`);
}

/** One relay channel of `GET /api/hardware`. */
export interface HardwareChannel {
  channel: number;
  /** Confirmed pulses, all time. */
  pulses: number;
  pulses_since_start: number;
  locker: { kiosk: string; number: number } | null;
}

export interface HardwareBoard {
  slave: number;
  kind: string;
  online: boolean;
  last_success: string | null;
  errors: number;
  last_error: string | null;
  channels: HardwareChannel[];
}

export interface HardwareBus {
  name: string;
  port: string;
  baud: number;
  boards: HardwareBoard[];
}

export interface Hardware {
  buses: HardwareBus[];
}

export function getHardware(api: ApiClient): Promise<Hardware> {
  return api.request<Hardware>('GET', '/api/hardware');
}

/** The board and channel behind a locker, from the hardware snapshot. */
export function relayOf(
  hardware: Hardware | undefined,
  wiring: Wiring,
): { board: HardwareBoard; channel: HardwareChannel | undefined } | undefined {
  const bus = hardware?.buses.find((b) => b.name === wiring.bus);
  const board = bus?.boards.find((b) => b.slave === wiring.slave);
  if (!board) return undefined;
  return { board, channel: board.channels.find((c) => c.channel === wiring.channel) };
}
