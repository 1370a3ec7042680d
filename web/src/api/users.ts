// Staff accounts and sessions (PRODUCT.md §7), admin only.

import type { ApiClient } from './client';
import type { Role } from './types';

export const ROLES: readonly Role[] = ['admin', 'staff', 'auditor'];

/** Passwords are at least this long (server rule). */
export const MIN_PASSWORD_LENGTH = 10;

export interface StaffAccount {
  id: string;
  username: string;
  role: Role;
  active: boolean;
  created_at: string;
  last_login_at: string | null;
}

export interface StaffSession {
  id: string;
  user: { id: string; username: string };
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
  /** The session this browser is using. */
  current: boolean;
}

export interface NewStaffAccount {
  username: string;
  role: Role;
  password: string;
}

export async function listUsers(api: ApiClient): Promise<StaffAccount[]> {
  return (await api.request<{ items: StaffAccount[] }>('GET', '/api/users')).items;
}

export function createUser(api: ApiClient, account: NewStaffAccount): Promise<StaffAccount> {
  return api.request<StaffAccount>('POST', '/api/users', account);
}

export function updateUser(
  api: ApiClient,
  id: string,
  change: { role?: Role; active?: boolean },
): Promise<StaffAccount> {
  return api.request<StaffAccount>('PATCH', `/api/users/${encodeURIComponent(id)}`, change);
}

export function setPassword(api: ApiClient, id: string, password: string): Promise<void> {
  return api.request<undefined>('POST', `/api/users/${encodeURIComponent(id)}/password`, { password });
}

export async function listSessions(api: ApiClient): Promise<StaffSession[]> {
  return (await api.request<{ items: StaffSession[] }>('GET', '/api/sessions')).items;
}

export function revokeSession(api: ApiClient, id: string): Promise<void> {
  return api.request<undefined>('POST', `/api/sessions/${encodeURIComponent(id)}/revoke`);
}
