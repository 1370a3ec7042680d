import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { envelope, startServer, type TestServer } from '../test/server';
import { request } from './api';
import { HELP_QUEUE_KEY, HelpQueue, isRetryable, toBody } from './helpQueue';
import type { HelpRequestBody } from './types';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
beforeEach(() => {
  localStorage.clear();
});

function queueFor(base: () => string) {
  return new HelpQueue(
    (body: HelpRequestBody) => request<{ id?: unknown }>('POST', `${base()}/api/help`, body),
    localStorage,
  );
}

function bodies(s: TestServer) {
  return s.to('POST /api/help').map((r) => JSON.parse(r.body) as HelpRequestBody);
}

describe('HelpQueue', () => {
  it('sends a request and reports the id the server gave it', async () => {
    server = await startServer({ 'POST /api/help': { status: 201, body: { id: 17, status: 'open' } } });
    const s = server;
    const queue = queueFor(() => s.url);

    const result = await queue.submit({ category: 'access_issue', note: '  door stuck  ', locker: 5 });

    expect(result).toEqual({ kind: 'sent', id: 17 });
    const [sent] = bodies(s);
    expect(sent).toMatchObject({ category: 'access_issue', note: 'door stuck', locker: 5 });
    expect(sent?.client_ref).toMatch(/^[0-9a-f]{32}$/);
    expect(queue.pending()).toEqual([]);
  });

  it('keeps a request the server cannot take and retries it with the same client_ref', async () => {
    let calls = 0;
    server = await startServer({
      'POST /api/help': () => {
        calls += 1;
        return calls < 3
          ? { status: 503, body: envelope('unavailable', 'try later') }
          : { status: 201, body: { id: 99 } };
      },
    });
    const s = server;
    const queue = queueFor(() => s.url);

    expect(await queue.submit({ category: 'card_issue' })).toEqual({ kind: 'queued' });
    const [stored] = queue.pending();
    expect(stored?.body.category).toBe('card_issue');
    expect(JSON.parse(localStorage.getItem(HELP_QUEUE_KEY) ?? '[]')).toHaveLength(1);

    await queue.flush();
    expect(queue.pending()).toHaveLength(1);
    await queue.flush();
    expect(queue.pending()).toEqual([]);
    expect(localStorage.getItem(HELP_QUEUE_KEY)).toBeNull();

    const refs = bodies(s).map((b) => b.client_ref);
    expect(refs).toHaveLength(3);
    expect(new Set(refs).size).toBe(1);
    expect(refs[0]).toBe(stored?.body.client_ref);
  });

  it('queues while the server is unreachable and sends on the next flush once it is back', async () => {
    server = await startServer({ 'POST /api/help': { status: 201, body: { id: 3 } } });
    const url = server.url;
    await server.close();
    const queue = queueFor(() => url);

    expect(await queue.submit({ category: 'other', note: 'no towel' })).toEqual({ kind: 'queued' });
    expect(await queue.submit({ category: 'payment_issue' })).toEqual({ kind: 'queued' });
    const refs = queue.pending().map((q) => q.body.client_ref);
    expect(refs).toHaveLength(2);
    expect(refs[0]).not.toBe(refs[1]);

    server = await startServer({ 'POST /api/help': { status: 201, body: { id: 3 } } });
    const back = server;
    const retried = queueFor(() => back.url);
    await retried.flush();

    expect(retried.pending()).toEqual([]);
    expect(bodies(back).map((b) => b.client_ref)).toEqual(refs);
    expect(bodies(back)[0]).toMatchObject({ category: 'other', note: 'no towel' });
  });

  it('keeps a request whose reply could not be read, to send again with the same client_ref', async () => {
    let calls = 0;
    server = await startServer({
      'POST /api/help': () => {
        calls += 1;
        return calls === 1 ? { status: 201, body: '<html>proxy page</html>' } : { status: 200, body: { id: 8 } };
      },
    });
    const s = server;
    const queue = queueFor(() => s.url);

    expect(await queue.submit({ category: 'other' })).toEqual({ kind: 'queued' });
    await queue.flush();

    expect(queue.pending()).toEqual([]);
    const refs = bodies(s).map((b) => b.client_ref);
    expect(refs).toHaveLength(2);
    expect(refs[1]).toBe(refs[0]);
  });

  it('does not queue a request the server refuses for good', async () => {
    server = await startServer({
      'POST /api/help': { status: 422, body: envelope('invalid_value', 'unknown category', 'category') },
    });
    const s = server;
    const queue = queueFor(() => s.url);

    const result = await queue.submit({ category: 'other' });

    expect(result.kind).toBe('rejected');
    expect(queue.pending()).toEqual([]);
    expect(bodies(s)).toHaveLength(1);
  });

  it('sends older queued requests first and reports the new one', async () => {
    let id = 0;
    server = await startServer({ 'POST /api/help': () => ({ status: 201, body: { id: (id += 1) } }) });
    const s = server;
    localStorage.setItem(
      HELP_QUEUE_KEY,
      JSON.stringify([{ body: { category: 'other', client_ref: 'old-ref' }, queuedAt: 1 }]),
    );
    const queue = queueFor(() => s.url);

    expect(await queue.submit({ category: 'card_issue' })).toEqual({ kind: 'sent', id: 2 });
    expect(bodies(s).map((b) => b.client_ref)[0]).toBe('old-ref');
    expect(queue.pending()).toEqual([]);
  });
});

describe('help request bodies', () => {
  it('leave out empty notes and unknown lockers and cap the note at 500 characters', () => {
    expect(toBody({ category: 'other', note: '   ' }, 'r')).toEqual({ category: 'other', client_ref: 'r' });
    expect(toBody({ category: 'other', locker: 0 }, 'r')).toEqual({ category: 'other', client_ref: 'r' });
    expect(toBody({ category: 'other', note: 'x'.repeat(600) }, 'r').note).toHaveLength(500);
  });

  it('retry on no reply, 5xx, a missing endpoint and rate limiting only', async () => {
    const { KioskApiError } = await import('./api');
    expect(isRetryable(new KioskApiError(0, 'network_error', 'down'))).toBe(true);
    expect(isRetryable(new KioskApiError(502, 'unexpected_response', 'bad gateway'))).toBe(true);
    expect(isRetryable(new KioskApiError(404, 'route_not_found', 'no such endpoint'))).toBe(true);
    expect(isRetryable(new KioskApiError(429, 'rate_limited', 'slow down', 5))).toBe(true);
    expect(isRetryable(new KioskApiError(400, 'invalid_body', 'bad'))).toBe(false);
    expect(isRetryable(new KioskApiError(401, 'unauthenticated', 'pair first'))).toBe(false);
    expect(isRetryable(new Error('boom'))).toBe(false);
  });
});
