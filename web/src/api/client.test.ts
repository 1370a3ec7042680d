// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest';
import { envelope, startServer, type TestServer } from '../test/server';
import { ApiClient, ApiError, parseRetryAfter } from './client';

const admin = { id: 'u1', username: 'admin', role: 'admin' } as const;

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function caught(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error('expected the request to fail');
}

describe('error envelope', () => {
  it('becomes an ApiError with the status, code, message and field', async () => {
    server = await startServer({
      'POST /auth/login': {
        status: 400,
        body: envelope('invalid_body', 'username must not be empty', 'username'),
      },
    });
    const api = new ApiClient({ baseUrl: server.url });

    const error = await caught(api.login({ username: '', password: 'x' }));

    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid_body');
    expect(error.message).toBe('username must not be empty');
    expect(error.field).toBe('username');
    expect(error.retryAfter).toBeUndefined();
  });

  it('keeps the Retry-After seconds of a 429', async () => {
    server = await startServer({
      'POST /auth/login': {
        status: 429,
        headers: { 'Retry-After': '42' },
        body: envelope('rate_limited', 'Too many attempts'),
      },
    });
    const api = new ApiClient({ baseUrl: server.url });

    const error = await caught(api.login({ username: 'admin', password: 'wrong-password' }));

    expect(error).toMatchObject({ status: 429, code: 'rate_limited', retryAfter: 42 });
    expect(error.field).toBeUndefined();
  });

  it('reports a body that is not an envelope as unexpected_response with the status', async () => {
    server = await startServer({
      'GET /api/kiosks': { status: 502, body: '<html>Bad Gateway</html>' },
    });
    const api = new ApiClient({ baseUrl: server.url });

    const error = await caught(api.listKiosks());

    expect(error.status).toBe(502);
    expect(error.code).toBe('unexpected_response');
    expect(error.message).toContain('502');
  });

  it('ignores an envelope whose code is not a string', async () => {
    server = await startServer({
      'GET /api/kiosks': { status: 500, body: { error: { code: 7, message: 'x' } } },
    });
    const error = await caught(new ApiClient({ baseUrl: server.url }).listKiosks());
    expect(error).toMatchObject({ status: 500, code: 'unexpected_response' });
  });

  it('reports a server that cannot be reached as status 0, network_error', async () => {
    server = await startServer({});
    const url = server.url;
    await server.close();
    server = undefined;

    const error = await caught(new ApiClient({ baseUrl: url }).me());

    expect(error).toMatchObject({ status: 0, code: 'network_error' });
  });
});

describe('CSRF token', () => {
  it('is taken from the login answer and sent on mutating requests only', async () => {
    server = await startServer({
      'POST /auth/login': { status: 200, body: { user: admin, csrf_token: 'tok-from-login' } },
      'GET /api/kiosks': { status: 200, body: { items: [] } },
      'POST /auth/logout': { status: 204 },
    });
    const api = new ApiClient({ baseUrl: server.url });

    const session = await api.login({ username: 'admin', password: 'correct horse' });
    await api.listKiosks();
    await api.logout();

    expect(session.user).toEqual(admin);
    const [login] = server.to('POST /auth/login');
    expect(login?.headers['x-csrf-token']).toBeUndefined();
    expect(login?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(login?.body ?? '')).toEqual({ username: 'admin', password: 'correct horse' });
    expect(server.to('GET /api/kiosks')[0]?.headers['x-csrf-token']).toBeUndefined();
    expect(server.to('POST /auth/logout')[0]?.headers['x-csrf-token']).toBe('tok-from-login');
  });

  it('is taken from /auth/me and forgotten after logout', async () => {
    server = await startServer({
      'GET /auth/me': { status: 200, body: { user: admin, csrf_token: 'tok-from-me' } },
      'POST /auth/logout': { status: 204 },
    });
    const api = new ApiClient({ baseUrl: server.url });

    await api.me();
    expect(api.csrfToken).toBe('tok-from-me');
    await api.logout();
    await api.logout();

    const logouts = server.to('POST /auth/logout');
    expect(logouts.map((r) => r.headers['x-csrf-token'])).toEqual(['tok-from-me', undefined]);
    expect(api.csrfToken).toBeNull();
  });

  it('is forgotten when /auth/me answers 401', async () => {
    let signedIn = true;
    server = await startServer({
      'GET /auth/me': () =>
        signedIn
          ? { status: 200, body: { user: admin, csrf_token: 'tok' } }
          : { status: 401, body: envelope('unauthenticated', 'Sign in first') },
    });
    const api = new ApiClient({ baseUrl: server.url });
    await api.me();
    signedIn = false;

    const error = await caught(api.me());

    expect(error).toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(api.csrfToken).toBeNull();
  });
});

describe('successful answers', () => {
  it('returns the kiosk list items', async () => {
    const men = {
      id: 'men',
      name: "Men's changing room",
      online: true,
      last_heartbeat: null,
      lockers: { total: 32, free: 30, owned: 2, blocked: 0, error: 0, vip: 0, overdue: 0 },
    };
    server = await startServer({ 'GET /api/kiosks': { status: 200, body: { items: [men] } } });

    const kiosks = await new ApiClient({ baseUrl: server.url }).listKiosks();

    expect(kiosks).toEqual([men]);
    expect(server.requests[0]?.headers.accept).toBe('application/json');
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, and rejects anything else', () => {
    const now = Date.parse('2025-01-01T12:00:00Z');
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 17 ', now)).toBe(17);
    expect(parseRetryAfter('Wed, 01 Jan 2025 12:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Wed, 01 Jan 2025 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
