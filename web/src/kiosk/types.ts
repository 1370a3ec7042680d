// The parts of the kiosk device API's replies the kiosk screen reads (server/src/http/kiosk.rs,
// server/src/lockers/flow.rs). Fields the screen does not use are left out.

/** A locker as the server shows it (`LockerView`). */
export interface LockerView {
  kiosk: string;
  number: number;
  name: string | null;
  state: string;
}

export interface OfferedLocker {
  number: number;
  name: string | null;
}

/** What to show after a scan, a selection or a decision (`ScanOutcome`). */
export type ScanOutcome =
  | { action: 'choose'; session: string; expires_in: number; lockers: OfferedLocker[] }
  | { action: 'opened'; locker: LockerView; assigned?: boolean; released?: boolean }
  | {
      action: 'decide';
      decision: string;
      locker: LockerView;
      open_only_allowed: boolean;
      expires_in: number;
    }
  | { action: 'confirm_read' }
  | { action: 'ignored'; reason: string };

/** `GET /api/kiosk/me`. */
export interface KioskIdentity {
  kiosk: string;
  name: string;
  /** How many lockers the kiosk has, numbered 1..lockers. */
  lockers: number;
}

export interface HeartbeatReply {
  kiosk: string;
  /** Seconds until the next heartbeat is due. */
  next_in: number;
}

export interface MasterVerifyReply {
  master: boolean;
  /** Seconds of inactivity before the master session ends. */
  expires_in: number;
}

export interface MasterOpenReply {
  action: 'opened';
  locker: LockerView;
  released: boolean;
}

export type HelpCategory = 'access_issue' | 'card_issue' | 'payment_issue' | 'other';
export const HELP_CATEGORIES: readonly HelpCategory[] = [
  'access_issue',
  'card_issue',
  'payment_issue',
  'other',
];

/** The body of `POST /api/help`. */
export interface HelpRequestBody {
  category: HelpCategory;
  client_ref: string;
  note?: string;
  locker?: number;
}
