// Lockers and kiosks as the server shows them, for page tests.

import type { KioskItem } from '../../api/kiosks';
import type { LockerView } from '../../api/lockers';

export function locker(number: number, fields: Partial<LockerView> = {}): LockerView {
  return {
    kiosk: 'men',
    number,
    name: null,
    state: 'free',
    stored_state: 'free',
    vip: false,
    owner_hint: null,
    owned_at: null,
    held_seconds: null,
    overdue: false,
    last_opened_at: null,
    version: 1,
    wiring: { bus: 'rs485-men', slave: number > 16 ? 2 : 1, channel: ((number - 1) % 16) + 1 },
    door: null,
    ...fields,
  };
}

export function owned(number: number, hint: string, fields: Partial<LockerView> = {}): LockerView {
  return locker(number, {
    state: 'owned',
    stored_state: 'owned',
    owner_hint: hint,
    owned_at: '2025-03-04T08:00:00Z',
    held_seconds: 600,
    ...fields,
  });
}

/** Men's room: free 1 and 21, owned 3, 7 (overdue) and 15, blocked 12, VIP 32. */
export const MEN_LOCKERS: LockerView[] = [
  locker(1),
  owned(3, '…C3D4'),
  owned(7, '…D4E5', { overdue: true, held_seconds: 18_000 }),
  locker(12, { state: 'blocked', stored_state: 'blocked' }),
  owned(15, '…1234'),
  locker(21),
  locker(32, { state: 'vip', vip: true, name: 'VIP 32' }),
];

export const KIOSKS: KioskItem[] = [
  {
    id: 'men',
    name: "Men's changing room",
    online: true,
    last_heartbeat: '2025-03-04T08:00:00Z',
    lockers: { total: 7, free: 2, owned: 3, blocked: 1, error: 0, vip: 1, overdue: 1 },
  },
];
