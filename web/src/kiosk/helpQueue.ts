// Help requests that must not be lost (PRODUCT.md §8): each request gets a random `client_ref`
// when it is first created. If the hub cannot take it now (no reply, a 5xx, an endpoint that is
// not there yet, rate limiting) it waits in localStorage and is sent again later with the same
// `client_ref`, so the server can recognise a retry and never records it twice. A refusal for
// bad input is final and is not retried.

import { isKioskApiError, type KioskApiError } from './api';
import type { HelpCategory, HelpRequestBody } from './types';

export const HELP_QUEUE_KEY = 'kioskhub.kiosk.help-queue';
export const MAX_NOTE = 500;

export interface HelpDraft {
  category: HelpCategory;
  note?: string | undefined;
  locker?: number | undefined;
}

export interface QueuedHelp {
  body: HelpRequestBody;
  queuedAt: number;
}

export type SendResult =
  | { kind: 'sent'; id: number | null }
  | { kind: 'queued' }
  | { kind: 'rejected'; error: KioskApiError };

export type SendHelp = (body: HelpRequestBody) => Promise<{ id?: unknown } | undefined>;

/** A random id that is safe in insecure contexts too (no `crypto.randomUUID` there). */
export function newClientRef(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Whether a failed send is worth retrying later rather than reporting. */
export function isRetryable(error: unknown): boolean {
  if (!isKioskApiError(error)) return false;
  const { status } = error;
  return status === 0 || status >= 500 || [404, 405, 408, 425, 429].includes(status);
}

export function toBody(draft: HelpDraft, clientRef: string): HelpRequestBody {
  const body: HelpRequestBody = { category: draft.category, client_ref: clientRef };
  const note = draft.note?.trim().slice(0, MAX_NOTE);
  if (note) body.note = note;
  if (draft.locker !== undefined && Number.isInteger(draft.locker) && draft.locker > 0) {
    body.locker = draft.locker;
  }
  return body;
}

export class HelpQueue {
  readonly #storage: Storage;
  readonly #send: SendHelp;
  readonly #listeners = new Set<() => void>();
  #flushing: Promise<void> | undefined;
  /** Outcomes of requests delivered by a flush, for `submit` to report its own. */
  readonly #delivered = new Map<string, SendResult>();

  constructor(send: SendHelp, storage: Storage) {
    this.#send = send;
    this.#storage = storage;
  }

  /** Requests waiting to be sent, oldest first. */
  pending(): QueuedHelp[] {
    try {
      const parsed: unknown = JSON.parse(this.#storage.getItem(HELP_QUEUE_KEY) ?? '[]');
      return Array.isArray(parsed) ? (parsed as QueuedHelp[]) : [];
    } catch {
      return [];
    }
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  #write(items: QueuedHelp[]) {
    try {
      if (items.length === 0) this.#storage.removeItem(HELP_QUEUE_KEY);
      else this.#storage.setItem(HELP_QUEUE_KEY, JSON.stringify(items));
    } catch {
      // Storage full or disabled: the request stays in memory only for this attempt.
    }
    for (const listener of this.#listeners) listener();
  }

  async #deliver(body: HelpRequestBody): Promise<SendResult> {
    try {
      const reply = await this.#send(body);
      const id = reply?.id;
      return { kind: 'sent', id: typeof id === 'number' && Number.isInteger(id) ? id : null };
    } catch (error) {
      if (isKioskApiError(error) && !isRetryable(error)) return { kind: 'rejected', error };
      // No reply, a reply that could not be read, or a hub that cannot take it now: keep it.
      // Sending it again is safe because the same client_ref never makes a second request.
      return { kind: 'queued' };
    }
  }

  /** Sends a new request now, or keeps it for later when the hub cannot take it. */
  async submit(draft: HelpDraft): Promise<SendResult> {
    const body = toBody(draft, newClientRef());
    // Older requests go first, so staff see them in the order they were made.
    if (this.pending().length > 0) {
      this.#write([...this.pending(), { body, queuedAt: Date.now() }]);
      await this.flush();
      const outcome = this.#delivered.get(body.client_ref);
      this.#delivered.clear();
      return outcome ?? { kind: 'queued' };
    }
    const result = await this.#deliver(body);
    if (result.kind === 'queued') this.#write([{ body, queuedAt: Date.now() }]);
    return result;
  }

  /**
   * Sends what is waiting, oldest first, each with its original `client_ref`. Stops at the
   * first request the hub still cannot take; drops requests it refuses for good.
   */
  flush(): Promise<void> {
    this.#flushing ??= this.#flushAll().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #flushAll(): Promise<void> {
    for (;;) {
      const [first] = this.pending();
      if (!first) return;
      const result = await this.#deliver(first.body);
      if (result.kind === 'queued') return;
      this.#delivered.set(first.body.client_ref, result);
      this.#write(this.pending().filter((q) => q.body.client_ref !== first.body.client_ref));
    }
  }
}
