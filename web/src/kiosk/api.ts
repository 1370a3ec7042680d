// The kiosk's own small client for the kiosk device API. The device credential is an HttpOnly
// cookie set by pairing, so requests only need `credentials: 'same-origin'`; device requests
// carry no CSRF token. Errors arrive as the server's `{"error":{code,message}}` envelope and
// become a `KioskApiError`; a request that gets no reply becomes status 0, `network_error`.

import { reportReachable } from './connection';
import type {
  HeartbeatReply,
  HelpRequestBody,
  KioskIdentity,
  MasterOpenReply,
  MasterVerifyReply,
  ScanOutcome,
} from './types';

export class KioskApiError extends Error {
  override readonly name = 'KioskApiError';
  /** HTTP status; 0 when no reply arrived. */
  readonly status: number;
  readonly code: string;
  /** Seconds from a `Retry-After` header (429, 423). */
  readonly retryAfter: number | undefined;

  constructor(status: number, code: string, message: string, retryAfter?: number) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

export function isKioskApiError(value: unknown): value is KioskApiError {
  return value instanceof KioskApiError;
}

async function errorOf(response: Response): Promise<KioskApiError> {
  const header = response.headers.get('Retry-After');
  const retryAfter = header !== null && /^\d+$/.test(header.trim()) ? Number(header) : undefined;
  let code = 'unexpected_response';
  let message = `HTTP ${String(response.status)}`;
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string') code = body.error.code;
    if (typeof body.error?.message === 'string') message = body.error.message;
  } catch {
    // Not the error envelope (e.g. a proxy's HTML page): keep the generic code.
  }
  return new KioskApiError(response.status, code, message, retryAfter);
}

/** Sends one JSON request; resolves with the parsed body (`undefined` for an empty reply). */
export async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers:
        body === undefined
          ? { Accept: 'application/json' }
          : { Accept: 'application/json', 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (cause) {
    reportReachable(false);
    throw new KioskApiError(0, 'network_error', cause instanceof Error ? cause.message : String(cause));
  }
  reportReachable(true);
  if (!response.ok) throw await errorOf(response);
  const text = await response.text();
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

export const kioskApi = {
  me: () => request<KioskIdentity>('GET', '/api/kiosk/me'),
  pair: (code: string) => request<{ kiosk: string }>('POST', '/api/kiosk/pair', { code }),
  scan: (card: string) => request<ScanOutcome>('POST', '/api/kiosk/scan', { card }),
  select: (session: string, locker: number) =>
    request<ScanOutcome>('POST', '/api/kiosk/select', { session, locker }),
  decide: (decision: string, choice: 'finish' | 'open_only') =>
    request<ScanOutcome>('POST', '/api/kiosk/decide', { decision, choice }),
  heartbeat: (beat: Record<string, string | number>) =>
    request<HeartbeatReply>('POST', '/api/kiosk/heartbeat', beat),
  masterVerify: (pin: string) => request<MasterVerifyReply>('POST', '/api/kiosk/master/verify', { pin }),
  masterOpen: (locker: number, release: boolean) =>
    request<MasterOpenReply>('POST', '/api/kiosk/master/open', { locker, release }),
  masterEnd: () => request<undefined>('POST', '/api/kiosk/master/end'),
  help: (body: HelpRequestBody) => request<{ id?: unknown }>('POST', '/api/help', body),
};
