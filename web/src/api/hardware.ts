// Relay buses, boards and card readers (`GET /api/hardware`, PRODUCT.md §4).

import type { ApiClient } from './client';

export interface ChannelStatus {
  channel: number;
  /** Confirmed pulses, all time. */
  pulses: number;
  pulses_since_start: number;
  locker: { kiosk: string; number: number } | null;
}

export interface BoardStatus {
  slave: number;
  kind: string;
  online: boolean;
  last_success: string | null;
  successes: number;
  errors: number;
  last_error: string | null;
  last_latency_us: number | null;
  consecutive_failures: number;
  /** 0–1. */
  error_rate: number;
  last_probe: string | null;
  channels: ChannelStatus[];
}

export interface BusStatus {
  name: string;
  port: string;
  baud: number;
  boards: BoardStatus[];
}

export interface ReaderStatus {
  kiosk: string;
  reader: string;
  kind: string;
  path: string;
  connected: boolean;
  reads: number;
  last_read: string | null;
  last_error: string | null;
}

export interface HardwareStatus {
  buses: BusStatus[];
  readers: ReaderStatus[];
}

export function getHardware(api: ApiClient): Promise<HardwareStatus> {
  return api.request<HardwareStatus>('GET', '/api/hardware');
}
