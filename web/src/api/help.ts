// Help requests (PRODUCT.md §8): list, summary, detail with history, assign, resolve, reopen,
// photo and CSV export. Shapes follow server/src/help/view.rs.

import type { ApiClient } from './client';

export const HELP_CATEGORIES = ['access_issue', 'card_issue', 'payment_issue', 'other'] as const;
export type HelpCategory = (typeof HELP_CATEGORIES)[number];

export const HELP_STATUSES = ['open', 'assigned', 'resolved'] as const;
export type HelpStatus = (typeof HELP_STATUSES)[number];

export const HELP_SORTS = ['-created_at', 'created_at', '-updated_at', 'updated_at', 'status'] as const;
export type HelpSort = (typeof HELP_SORTS)[number];

export interface UserRef {
  id: string;
  username: string;
}

export interface HelpRequest {
  /** Shown to members as `#42`. */
  id: number;
  kiosk: string;
  kiosk_name: string;
  category: HelpCategory;
  note: string | null;
  locker: number | null;
  status: HelpStatus;
  source: 'kiosk' | 'automatic';
  has_photo: boolean;
  assigned_to: UserRef | null;
  resolution_notes: string | null;
  /** RFC 3339. */
  created_at: string;
  updated_at: string;
  resolved_at: string | null;
}

export interface HelpHistoryEntry {
  at: string;
  action: 'created' | 'assigned' | 'resolved' | 'reopened';
  /** Null for the kiosk or the system. */
  by: UserRef | null;
  /** Resolution notes, or the reason given for reopening. */
  note: string | null;
  assigned_to?: UserRef;
}

export interface HelpDetail extends HelpRequest {
  history: HelpHistoryEntry[];
}

export interface HelpPage {
  items: HelpRequest[];
  total: number;
  page: number;
  per_page: number;
}

export interface HelpSummary {
  open: number;
  assigned: number;
  /** `open + assigned`. */
  unresolved: number;
}

/** The list's filters; empty strings mean "any". Dates are `YYYY-MM-DD` in local time. */
export interface HelpFilters {
  status: HelpStatus | '';
  category: HelpCategory | '';
  kiosk: string;
  from: string;
  to: string;
  q: string;
  sort: HelpSort;
}

export const DEFAULT_HELP_FILTERS: HelpFilters = {
  status: '',
  category: '',
  kiosk: '',
  from: '',
  to: '',
  q: '',
  sort: '-created_at',
};

export const HELP_PER_PAGE = 25;

/** A local calendar day as the RFC 3339 instant it starts at (or, with `end`, the next one). */
export function dayBoundary(day: string, end = false): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return undefined;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + (end ? 1 : 0));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/**
 * The query string for the list and the export: only the filters that are set, `to` as the end
 * of its day (inclusive), the sort unless it is the default.
 */
export function helpQuery(filters: HelpFilters, page?: { page: number; perPage: number }): string {
  const params = new URLSearchParams();
  if (filters.status) params.set('status', filters.status);
  if (filters.category) params.set('category', filters.category);
  if (filters.kiosk) params.set('kiosk', filters.kiosk);
  const from = dayBoundary(filters.from);
  if (from) params.set('from', from);
  const to = dayBoundary(filters.to, true);
  if (to) params.set('to', to);
  const q = filters.q.trim();
  if (q) params.set('q', q);
  if (filters.sort !== DEFAULT_HELP_FILTERS.sort) params.set('sort', filters.sort);
  if (page) {
    params.set('page', String(page.page));
    params.set('per_page', String(page.perPage));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function listHelp(api: ApiClient, filters: HelpFilters, page: number): Promise<HelpPage> {
  return api.request<HelpPage>('GET', `/api/help${helpQuery(filters, { page, perPage: HELP_PER_PAGE })}`);
}

export function helpSummary(api: ApiClient): Promise<HelpSummary> {
  return api.request<HelpSummary>('GET', '/api/help/summary');
}

export function getHelp(api: ApiClient, id: number): Promise<HelpDetail> {
  return api.request<HelpDetail>('GET', `/api/help/${String(id)}`);
}

/** Assigns to `userId`, or to the caller when it is undefined. */
export function assignHelp(api: ApiClient, id: number, userId?: string): Promise<HelpRequest> {
  return api.request<HelpRequest>(
    'POST',
    `/api/help/${String(id)}/assign`,
    userId === undefined ? {} : { user_id: userId },
  );
}

export function resolveHelp(api: ApiClient, id: number, notes: string): Promise<HelpRequest> {
  return api.request<HelpRequest>('POST', `/api/help/${String(id)}/resolve`, { notes });
}

export function reopenHelp(api: ApiClient, id: number, reason?: string): Promise<HelpRequest> {
  return api.request<HelpRequest>(
    'POST',
    `/api/help/${String(id)}/reopen`,
    reason ? { reason } : {},
  );
}

export function helpPhotoUrl(api: ApiClient, id: number): string {
  return `${api.baseUrl}/api/help/${String(id)}/photo`;
}

export function helpExportUrl(api: ApiClient, filters: HelpFilters): string {
  return `${api.baseUrl}/api/help/export.csv${helpQuery(filters)}`;
}

/** Resolution notes are required and at most this long (server `ResolveHelp`). */
export const MAX_RESOLUTION_NOTES = 1000;
/** A reopening reason is optional and at most this long. */
export const MAX_REOPEN_REASON = 500;
