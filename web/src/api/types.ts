// Shapes of the server's JSON bodies (PRODUCT.md §7, §14). Keep in step with the OpenAPI
// document at /api/openapi.json once it exists.

export type Role = 'admin' | 'staff' | 'auditor';

export interface User {
  id: string;
  username: string;
  role: Role;
}

/** Body of `POST /auth/login` and `GET /auth/me`. */
export interface Session {
  user: User;
  csrf_token: string;
}

export interface LoginRequest {
  username: string;
  password: string;
}

export interface LockerCounts {
  total: number;
  free: number;
  owned: number;
  blocked: number;
  error: number;
  vip: number;
  overdue: number;
}

export interface Kiosk {
  id: string;
  name: string;
  online: boolean;
  /** RFC 3339 timestamp (UTC), or null when the kiosk never checked in. */
  last_heartbeat: string | null;
  lockers: LockerCounts;
}

export interface KioskList {
  items: Kiosk[];
}

/** The error envelope every failing endpoint answers with. */
export interface ErrorEnvelope {
  error: {
    code: string;
    message: string;
    field?: string;
  };
}
