// The hook and the panel's wiring in jsdom, against the protocol server. jsdom's WebSocket (from
// undici) fires Node events that jsdom's own Event class rejects, so the browser global is stood in
// for by the `ws` package's, which follows the same WHATWG interface.

import { render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { ApiClient } from '../api/client';
import { ApiProvider } from '../api/context';
import type { Kiosk } from '../api/types';
import { App } from '../App';
import { startProtocolServer, type ProtocolServer } from '../test/realtimeServer';
import type { RealtimeEvent, ResyncInfo } from './client';
import { sharedRealtimeClient, stopSharedRealtimeClients, useRealtime } from './useRealtime';

let server: ProtocolServer | undefined;
const apis: ApiClient[] = [];

beforeEach(() => {
  vi.stubGlobal('WebSocket', NodeWebSocket);
});

afterEach(async () => {
  vi.unstubAllGlobals();
  for (const api of apis.splice(0)) stopSharedRealtimeClients(api);
  await server?.close();
  server = undefined;
});

function newApi(s: ProtocolServer) {
  const api = new ApiClient({ baseUrl: s.url });
  apis.push(api);
  return api;
}

const change = (kiosk: string, locker: number) => ({
  kiosk_id: kiosk,
  locker,
  old_state: 'free',
  new_state: 'owned',
  action: 'locker_assigned',
});
const rooms = (kiosk: string, locker: number) => [`kiosk:${kiosk}`, `locker:${kiosk}:${String(locker)}`];

describe('useRealtime', () => {
  it('shares one connection per namespace and delivers by type and room', async () => {
    server = await startProtocolServer();
    const s = server;
    const api = newApi(s);
    const men: number[] = [];
    const all: number[] = [];
    const resyncs: ResyncInfo[] = [];

    function Men() {
      const { state, lastSeq } = useRealtime('lockers', {
        type: 'locker_state_changed',
        room: 'kiosk:men',
        onEvent: (event: RealtimeEvent<'locker_state_changed'>) => men.push(event.data.locker),
        onResync: (info) => resyncs.push(info),
      });
      return (
        <p data-testid="men">
          {state} {String(lastSeq)}
        </p>
      );
    }
    function Everything() {
      const { state } = useRealtime('lockers', {
        type: ['locker_state_changed', 'broadcast'],
        onEvent: (event) => all.push(event.seq ?? -1),
      });
      return <p data-testid="all">{state}</p>;
    }

    const view = render(
      <ApiProvider client={api}>
        <Men />
        <Everything />
      </ApiProvider>,
    );
    await waitFor(() => {
      expect(screen.getByTestId('men')).toHaveTextContent('open 0');
    });
    expect(screen.getByTestId('all')).toHaveTextContent('open');
    expect(s.upgrades).toHaveLength(1);
    expect(resyncs).toEqual([{ reason: 'initial', lastSeq: 0 }]);

    s.publish('locker_state_changed', change('women', 1), rooms('women', 1));
    s.publish('locker_state_changed', change('men', 2), rooms('men', 2));
    s.publish('broadcast', { text: 'closing soon' });
    await waitFor(() => {
      expect(screen.getByTestId('men')).toHaveTextContent('open 3');
    });
    expect(men).toEqual([2]);
    expect(all).toEqual([1, 2, 3]);

    // The last user leaving stops the shared client after a short grace.
    view.unmount();
    await s.waitFor(() => s.open().length === 0, 3_000);
  });

  it('reports signed out (close code 4401) and shows the state as closed', async () => {
    server = await startProtocolServer();
    const s = server;
    const api = newApi(s);
    let signedOut = 0;
    function Status() {
      const { state } = useRealtime('lockers', { onSignedOut: () => (signedOut += 1) });
      return <p data-testid="state">{state}</p>;
    }
    render(
      <ApiProvider client={api}>
        <Status />
      </ApiProvider>,
    );
    await waitFor(() => {
      expect(screen.getByTestId('state')).toHaveTextContent('open');
    });
    s.dropAll({ code: 4401, reason: 'session ended' });
    await waitFor(() => {
      expect(screen.getByTestId('state')).toHaveTextContent('closed');
    });
    expect(signedOut).toBe(1);
    expect(sharedRealtimeClient(api, 'lockers').state).toBe('closed');
  });
});

describe('panel page, live', () => {
  const kiosk = (id: string, owned: number): Kiosk => ({
    id,
    name: id === 'men' ? "Men's changing room" : "Women's changing room",
    online: true,
    last_heartbeat: null,
    lockers: { total: 32, free: 32 - owned, owned, blocked: 0, error: 0, vip: 0, overdue: 0 },
  });

  async function renderPanel() {
    server = await startProtocolServer();
    const s = server;
    const counts = { men: 2 };
    s.routes['GET /auth/me'] = () => ({
      status: 200,
      body: { user: { id: 'u1', username: 'admin', role: 'admin' }, csrf_token: 'csrf-1' },
    });
    s.routes['GET /api/kiosks'] = () => ({
      status: 200,
      body: { items: [kiosk('men', counts.men), kiosk('women', 1)] },
    });
    s.routes['POST /auth/logout'] = () => ({ status: 204 });
    const api = newApi(s);
    render(
      <MemoryRouter initialEntries={['/']}>
        <App client={api} />
      </MemoryRouter>,
    );
    const men = await screen.findByTestId('kiosk-card-men');
    await waitFor(() => {
      expect(screen.getByTestId('live-status')).toHaveAttribute('data-state', 'open');
    });
    return { s, counts, men };
  }

  const kioskFetches = (s: ProtocolServer) => s.requests.filter((r) => r === 'GET /api/kiosks').length;

  it('refetches the kiosks once per burst of locker changes and shows the new counts', async () => {
    const { s, counts, men } = await renderPanel();
    expect(screen.getByTestId('live-status')).toHaveTextContent('Live');
    expect(s.ticketRequests[0]?.csrf).toBe('csrf-1');
    // The first welcome asks for a snapshot (it may have missed changes before connecting).
    await waitFor(() => {
      expect(kioskFetches(s)).toBe(2);
    });
    expect(within(men).getByTestId('count-owned')).toHaveTextContent('2');

    counts.men = 5;
    s.transient('locker_state_changed', { ...change('men', 3), new_state: 'opening', transient: true }, rooms('men', 3));
    for (const n of [3, 4, 5]) s.publish('locker_state_changed', change('men', n), rooms('men', n));
    await waitFor(() => {
      expect(within(men).getByTestId('count-owned')).toHaveTextContent('5');
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(kioskFetches(s)).toBe(3);
    expect(screen.queryByText('Loading kiosks…')).toBeNull();
  });

  it('shows polling when WebSockets are blocked and still refreshes', async () => {
    const { s, counts, men } = await renderPanel();
    const client = sharedRealtimeClient(apis[0] ?? newApi(s), 'lockers');
    expect(client.state).toBe('open');
    s.refuse = 'destroy';
    s.dropAll('terminate');
    await waitFor(
      () => {
        expect(screen.getByTestId('live-status')).toHaveAttribute('data-state', 'connecting');
      },
      { timeout: 3_000 },
    );
    // The default client needs three failed attempts at 0.5 s·2^n jittered backoff.
    await waitFor(
      () => {
        expect(screen.getByTestId('live-status')).toHaveAttribute('data-state', 'polling');
      },
      { timeout: 10_000 },
    );
    expect(screen.getByTestId('live-status')).toHaveTextContent('Polling');
    // The first poll sets the baseline and asks for a snapshot; let that settle first.
    await s.waitFor(() => s.eventRequests.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    counts.men = 7;
    s.log.push({
      seq: 100,
      ts: new Date().toISOString(),
      type: 'locker_assigned',
      kiosk: 'men',
      locker: 9,
      actor: 'kiosk:men',
      data: { old_state: 'free', new_state: 'owned' },
    });
    await waitFor(
      () => {
        expect(within(men).getByTestId('count-owned')).toHaveTextContent('7');
      },
      { timeout: 12_000 },
    );
    expect(s.eventRequests.length).toBeGreaterThanOrEqual(2);
  }, 30_000);

  it('sends the user to the login page when the socket closes with 4401', async () => {
    const { s } = await renderPanel();
    s.routes['GET /auth/me'] = () => ({ status: 401, body: { error: { code: 'unauthenticated', message: 'x' } } });
    s.dropAll({ code: 4401, reason: 'session ended' });
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeInTheDocument();
  });
});
