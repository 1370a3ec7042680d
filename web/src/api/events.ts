// The event log (`GET /api/events`) and the audit trail (`GET /api/audit`), newest first with
// cursor pagination (PRODUCT.md §14).

import type { ApiClient } from './client';

export interface LogEvent {
  seq: number;
  /** RFC 3339. */
  ts: string;
  type: string;
  kiosk: string | null;
  locker: number | null;
  actor: string;
  data: unknown;
}

export interface AuditEntry {
  id: number;
  /** Milliseconds since the epoch, or RFC 3339. */
  ts: number | string;
  user_id: string | null;
  username: string | null;
  ip: string | null;
  user_agent: string | null;
  action: string;
  target: string | null;
  outcome: string;
  detail: string | null;
}

export interface CursorPage<T> {
  items: T[];
  next_cursor: string | null;
}

export interface EventFilters {
  type: string;
  kiosk: string;
  locker: string;
  /** `YYYY-MM-DD`, local. */
  from: string;
  to: string;
}

export const EMPTY_EVENT_FILTERS: EventFilters = { type: '', kiosk: '', locker: '', from: '', to: '' };

export interface AuditFilters {
  action: string;
  user: string;
  from: string;
  to: string;
}

export const EMPTY_AUDIT_FILTERS: AuditFilters = { action: '', user: '', from: '', to: '' };

export const LOG_PAGE_SIZE = 100;

/** A local calendar day as the instant it starts at (or, with `end`, the next day starts at). */
export function dayStart(day: string, end = false): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return undefined;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + (end ? 1 : 0));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function eventQuery(filters: EventFilters, cursor: string | null): string {
  const params = new URLSearchParams();
  if (filters.type.trim()) params.set('type', filters.type.trim());
  if (filters.kiosk) params.set('kiosk', filters.kiosk);
  const locker = Number(filters.locker);
  if (filters.locker.trim() && Number.isInteger(locker)) params.set('locker', String(locker));
  const from = dayStart(filters.from);
  if (from) params.set('from', from.toISOString());
  const to = dayStart(filters.to, true);
  if (to) params.set('to', to.toISOString());
  params.set('limit', String(LOG_PAGE_SIZE));
  if (cursor) params.set('cursor', cursor);
  return `?${params.toString()}`;
}

export function listEvents(
  api: ApiClient,
  filters: EventFilters,
  cursor: string | null,
): Promise<CursorPage<LogEvent>> {
  return api.request<CursorPage<LogEvent>>('GET', `/api/events${eventQuery(filters, cursor)}`);
}

export function auditQuery(filters: AuditFilters, cursor: string | null): string {
  const params = new URLSearchParams();
  if (filters.action.trim()) params.set('action', filters.action.trim());
  // Usernames are stored in lower case.
  if (filters.user.trim()) params.set('user', filters.user.trim().toLowerCase());
  const from = dayStart(filters.from);
  if (from) params.set('from', from.toISOString());
  const to = dayStart(filters.to, true);
  if (to) params.set('to', new Date(to.getTime() - 1).toISOString());
  params.set('limit', String(LOG_PAGE_SIZE));
  if (cursor) params.set('cursor', cursor);
  return `?${params.toString()}`;
}

/** The audit trail, filtered by the server (action, user, dates). */
export function listAudit(
  api: ApiClient,
  filters: AuditFilters,
  cursor: string | null,
): Promise<CursorPage<AuditEntry>> {
  return api.request<CursorPage<AuditEntry>>('GET', `/api/audit${auditQuery(filters, cursor)}`);
}

/** An audit entry's time as RFC 3339. */
export function auditTime(entry: AuditEntry): string {
  return typeof entry.ts === 'number' ? new Date(entry.ts).toISOString() : entry.ts;
}
