// @vitest-environment node
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startServer, type TestServer } from '../test/server';
import { ApiClient, ApiError } from './client';

let server: TestServer | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await server?.close();
  server = undefined;
});

describe('connectivity', () => {
  it('goes offline when the server cannot be reached and refuses changes meanwhile', async () => {
    server = await startServer({});
    const url = server.url;
    await server.close();
    server = undefined;
    const api = new ApiClient({ baseUrl: url });

    await expect(api.request('GET', '/api/kiosks')).rejects.toMatchObject({ code: 'network_error' });
    expect(api.connectivity.get()).toEqual({ online: false, dataFrom: null });

    const refused = await api.request('POST', '/api/kiosks/men/bulk-open', {}).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 0, code: 'offline' });
  });

  it('treats an answer served from the offline cache as offline, with the data age', async () => {
    const fetched = 'Sat, 21 Nov 2026 09:30:00 GMT';
    server = await startServer({
      'GET /api/kiosks': {
        status: 200,
        headers: { 'X-Kioskhub-Offline': '1', Date: fetched },
        body: { items: [] },
      },
    });
    const api = new ApiClient({ baseUrl: server.url });

    await expect(api.listKiosks()).resolves.toEqual([]);
    expect(api.connectivity.get()).toEqual({ online: false, dataFrom: Date.parse(fetched) });
  });

  it('comes back online by probing /health while offline', async () => {
    let healthy = false;
    server = await startServer({
      'GET /api/kiosks': { status: 200, headers: { 'X-Kioskhub-Offline': '1' }, body: { items: [] } },
      'GET /health': () => (healthy ? { status: 200, body: { status: 'ok' } } : { status: 503 }),
    });
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const api = new ApiClient({ baseUrl: server.url });
    const changes = vi.fn();
    api.connectivity.subscribe(changes);

    await api.listKiosks();
    expect(api.connectivity.get().online).toBe(false);

    await vi.advanceTimersByTimeAsync(5_000);
    await vi.waitFor(() => {
      expect(server?.to('GET /health')).toHaveLength(1);
    });
    expect(api.connectivity.get().online).toBe(false);

    healthy = true;
    await vi.advanceTimersByTimeAsync(5_000);
    await vi.waitFor(() => {
      expect(api.connectivity.get().online).toBe(true);
    });
    expect(changes).toHaveBeenCalledTimes(2);
  });

  it('an ordinary answer keeps the panel online', async () => {
    server = await startServer({ 'GET /api/kiosks': { status: 200, body: { items: [] } } });
    const api = new ApiClient({ baseUrl: server.url });
    await api.listKiosks();
    expect(api.connectivity.get()).toEqual({ online: true, dataFrom: null });
  });
});
