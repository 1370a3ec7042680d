// Kiosk devices (PRODUCT.md §5.1, §5.2): the list with locker counts, heartbeat and telemetry,
// one-time pairing codes and device credentials. Typed after server/src/http/kiosks.rs.

import type { ApiClient } from './client';
import type { Kiosk } from './types';

/**
 * What a kiosk reported with its last heartbeat. Every field is optional: kiosks send what they
 * know (app version, uptime, screen, language, user agent, reader and hardware figures).
 */
export interface Telemetry {
  app_version?: string | null;
  uptime_s?: number | null;
  user_agent?: string | null;
  screen?: string | { width: number; height: number } | null;
  language?: string | null;
  memory_mb?: number | null;
  disk_free_mb?: number | null;
  cpu_temp_c?: number | null;
  reader_status?: string | null;
  last_error?: string | null;
  [key: string]: unknown;
}

/** A paired device (a credential), as `paired_devices` or `GET …/credentials` lists it. */
export interface PairedDevice {
  id: string;
  created_at?: string | null;
  last_used_at?: string | null;
  revoked_at?: string | null;
  [key: string]: unknown;
}

/** An item of `GET /api/kiosks`; `telemetry` and `paired_devices` appear when the server has them. */
export interface KioskItem extends Kiosk {
  telemetry?: Telemetry | null;
  /** How many live credentials the kiosk has (the server counts them; the list is `…/credentials`). */
  paired_devices?: number | PairedDevice[] | null;
}

export interface Pairing {
  kiosk: string;
  /** The one-time code, e.g. `7H93-SBY8`. */
  code: string;
  /** RFC 3339. */
  expires_at: string;
  /** `/kiosk/pair?code=…`, relative to the panel's origin. */
  url: string;
}

const enc = encodeURIComponent;

export async function listKiosks(api: ApiClient): Promise<KioskItem[]> {
  const body = await api.request<{ items: KioskItem[] }>('GET', '/api/kiosks');
  return body.items;
}

/** Admin: a one-time pairing code, valid 10 minutes. */
export function createPairing(api: ApiClient, kiosk: string): Promise<Pairing> {
  return api.request<Pairing>('POST', `/api/kiosks/${enc(kiosk)}/pairing`);
}

/** Admin: a kiosk's device credentials, live and revoked. */
export async function listCredentials(api: ApiClient, kiosk: string): Promise<PairedDevice[]> {
  const body = await api.request<{ items: PairedDevice[] }>('GET', `/api/kiosks/${enc(kiosk)}/credentials`);
  return body.items;
}

/** Admin: the device must be paired again. */
export function revokeCredential(api: ApiClient, kiosk: string, id: string): Promise<undefined> {
  return api.request<undefined>('POST', `/api/kiosks/${enc(kiosk)}/credentials/${enc(id)}/revoke`);
}
