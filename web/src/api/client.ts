// A small typed fetch client for the Kioskhub server.
//
// It owns three rules every caller would otherwise repeat: JSON in and out with the session
// cookie (`credentials: 'same-origin'`), the `X-CSRF-Token` header on every mutating request
// (the token comes from `POST /auth/login` or `GET /auth/me`), and turning the server's error
// envelope `{"error":{"code","message","field"}}` into one `ApiError` type.
// It does not know about React; `src/auth/` and the pages use it through `useApi()`.

import { t } from '../i18n';
import { Connectivity, OFFLINE_HEADER } from './connectivity';
import type { ErrorEnvelope, Kiosk, KioskList, LoginRequest, Session } from './types';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A request the server refused, or one that never reached it (`status` 0). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** HTTP status; 0 when the request failed before a response arrived. */
  readonly status: number;
  /** The server's snake_case code, or a client-side one (`network_error`, `unexpected_response`). */
  readonly code: string;
  /** The request field the error is about, when the server names one. */
  readonly field: string | undefined;
  /** Seconds to wait before retrying, from a `Retry-After` header (429, 503). */
  readonly retryAfter: number | undefined;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    field?: string | undefined;
    retryAfter?: number | undefined;
  }) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.field = init.field;
    this.retryAfter = init.retryAfter;
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

export const CSRF_HEADER = 'X-CSRF-Token';

/** Methods that change state and therefore carry the CSRF token (PRODUCT.md §7). */
const SAFE_METHODS: ReadonlySet<Method> = new Set(['GET']);

type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  /** Prefix for every path; empty for the same origin (the normal case). */
  baseUrl?: string;
  /** The fetch implementation; defaults to the global one, looked up per call. */
  fetch?: FetchLike;
}

export class ApiClient {
  readonly #baseUrl: string;
  readonly #fetch: FetchLike;
  #csrfToken: string | null = null;

  /** Whether the server answers; the panel is read-only while it does not. */
  readonly connectivity: Connectivity;

  constructor(options: ApiClientOptions = {}) {
    this.#baseUrl = options.baseUrl ?? '';
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.connectivity = new Connectivity(this.#baseUrl + '/health', this.#fetch);
  }

  /** The prefix of every path; empty for the same origin. */
  get baseUrl(): string {
    return this.#baseUrl;
  }

  /** The CSRF token of the current session, if signed in. */
  get csrfToken(): string | null {
    return this.#csrfToken;
  }

  async login(credentials: LoginRequest): Promise<Session> {
    const session = await this.request<Session>('POST', '/auth/login', credentials);
    this.#csrfToken = session.csrf_token;
    return session;
  }

  /** The signed-in session; rejects with an `ApiError` of status 401 when there is none. */
  async me(): Promise<Session> {
    try {
      const session = await this.request<Session>('GET', '/auth/me');
      this.#csrfToken = session.csrf_token;
      return session;
    } catch (error) {
      if (isApiError(error) && error.status === 401) this.#csrfToken = null;
      throw error;
    }
  }

  async logout(): Promise<void> {
    try {
      await this.request<undefined>('POST', '/auth/logout');
    } finally {
      this.#csrfToken = null;
    }
  }

  async listKiosks(): Promise<Kiosk[]> {
    const list = await this.request<KioskList>('GET', '/api/kiosks');
    return list.items;
  }

  /**
   * Sends one request and returns the parsed JSON body (`undefined` for 204).
   * The body type is the caller's promise about the server contract; it is not checked here.
   */
  async request<T>(method: Method, path: string, body?: unknown): Promise<T> {
    if (!SAFE_METHODS.has(method) && !this.connectivity.get().online && !path.startsWith('/auth/')) {
      throw new ApiError({
        status: 0,
        code: 'offline',
        message: t('offline.read_only_error'),
      });
    }
    const headers = new Headers({ Accept: 'application/json' });
    if (body !== undefined) headers.set('Content-Type', 'application/json');
    if (!SAFE_METHODS.has(method) && this.#csrfToken !== null) {
      headers.set(CSRF_HEADER, this.#csrfToken);
    }

    let response: Response;
    try {
      response = await this.#fetch(this.#baseUrl + path, {
        method,
        headers,
        credentials: 'same-origin',
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (cause) {
      this.connectivity.offline();
      throw new ApiError({
        status: 0,
        code: 'network_error',
        message: cause instanceof Error ? cause.message : String(cause),
      });
    }

    if (response.headers.has(OFFLINE_HEADER)) {
      const fetched = Date.parse(response.headers.get('Date') ?? '');
      this.connectivity.offline(Number.isNaN(fetched) ? undefined : fetched);
    } else {
      this.connectivity.online();
    }
    if (!response.ok) throw await errorFromResponse(response);
    if (response.status === 204) return undefined as T;
    return (await readJson(response)) as T;
  }
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError({
      status: response.status,
      code: 'unexpected_response',
      message: `The server sent a response that is not JSON (HTTP ${String(response.status)}).`,
    });
  }
}

/** Builds the `ApiError` for a non-2xx response, from the error envelope when there is one. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
  let envelope: ErrorEnvelope['error'] | undefined;
  try {
    envelope = asErrorEnvelope(JSON.parse(await response.text()));
  } catch {
    envelope = undefined;
  }
  if (envelope) {
    return new ApiError({ status: response.status, ...envelope, retryAfter });
  }
  const statusText = response.statusText ? ` ${response.statusText}` : '';
  return new ApiError({
    status: response.status,
    code: 'unexpected_response',
    message: `HTTP ${String(response.status)}${statusText}`,
    retryAfter,
  });
}

function asErrorEnvelope(value: unknown): ErrorEnvelope['error'] | undefined {
  if (typeof value !== 'object' || value === null || !('error' in value)) return undefined;
  const error: unknown = value.error;
  if (typeof error !== 'object' || error === null) return undefined;
  if (!('code' in error) || typeof error.code !== 'string') return undefined;
  if (!('message' in error) || typeof error.message !== 'string') return undefined;
  const field = 'field' in error && typeof error.field === 'string' ? error.field : undefined;
  return field === undefined
    ? { code: error.code, message: error.message }
    : { code: error.code, message: error.message, field };
}

/**
 * `Retry-After` is either delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Returns whole seconds from now, never negative; undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}
