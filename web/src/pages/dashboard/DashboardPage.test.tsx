// The dashboard against a real local server: tiles, what needs attention, recent events, and the
// help tile that only shows when the server has a help centre.

import { render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { ApiClient } from '../../api/client';
import { App } from '../../App';
import { stopSharedRealtimeClients } from '../../realtime/useRealtime';
import { startProtocolServer, type ProtocolServer } from '../../test/realtimeServer';
import { KIOSKS, MEN_LOCKERS, owned } from '../lockers/testFixtures';

let server: ProtocolServer | undefined;
let api: ApiClient | undefined;

beforeEach(() => {
  vi.stubGlobal('WebSocket', NodeWebSocket);
  localStorage.setItem('kioskhub.lang', 'en');
});

afterEach(async () => {
  vi.unstubAllGlobals();
  if (api) stopSharedRealtimeClients(api);
  api = undefined;
  await server?.close();
  server = undefined;
});

async function renderDashboard(help: { status: number; body?: unknown }) {
  const s = await startProtocolServer();
  server = s;
  s.routes['GET /auth/me'] = () => ({
    status: 200,
    body: { user: { id: 'u1', username: 'staff', role: 'staff' }, csrf_token: 'csrf-1' },
  });
  const women = { ...KIOSKS[0], id: 'women', name: "Women's changing room", online: false };
  s.routes['GET /api/kiosks'] = () => ({ status: 200, body: { items: [...KIOSKS, women] } });
  s.routes['GET /api/kiosks/men/lockers'] = () => ({ status: 200, body: { items: MEN_LOCKERS } });
  s.routes['GET /api/kiosks/women/lockers'] = () => ({
    status: 200,
    body: { items: [owned(4, '…9999', { kiosk: 'women', stored_state: 'error', state: 'error' })] },
  });
  s.routes['GET /api/help/summary'] = () => help;
  s.log.push({
    seq: 9,
    ts: '2025-03-04T08:00:00Z',
    type: 'locker_blocked',
    kiosk: 'men',
    locker: 12,
    actor: 'user:admin',
    data: { reason: 'broken hinge' },
  });
  api = new ApiClient({ baseUrl: s.url });
  render(
    <MemoryRouter initialEntries={['/']}>
      <App client={api} />
    </MemoryRouter>,
  );
  await screen.findByTestId('kiosk-card-men');
  return s;
}

describe('dashboard', () => {
  it('sums the tiles, lists overdue and faulty lockers as links, and shows recent events', async () => {
    await renderDashboard({ status: 200, body: { open: 2, assigned: 1, unresolved: 3 } });

    expect(screen.getByTestId('tile-overdue-value')).toHaveTextContent('2');
    expect(screen.getByTestId('tile-offline-value')).toHaveTextContent('1 of 2');
    expect(screen.getByTestId('tile-offline')).toHaveTextContent("Women's changing room");
    expect(await screen.findByTestId('tile-help-value')).toHaveTextContent('3');
    expect(screen.getByTestId('tile-help')).toHaveTextContent('2 new, 1 assigned');

    const attention = within(await screen.findByTestId('attention-list'));
    expect(attention.getByRole('link', { name: /Men's changing room, locker 7/ })).toHaveAttribute(
      'href',
      '/lockers/men?locker=7',
    );
    expect(attention.getByRole('link', { name: /Women's changing room, locker 4.*Error/ })).toHaveAttribute(
      'href',
      '/lockers/women?locker=4',
    );
    expect(attention.getAllByRole('link')).toHaveLength(2);

    const events = await screen.findByTestId('recent-events');
    expect(events).toHaveTextContent('Locker blocked');
    expect(events).toHaveTextContent('by user:admin · broken hinge');
  });

  it('leaves the help tile out when the server has no help centre', async () => {
    const s = await renderDashboard({ status: 404, body: { error: { code: 'route_not_found', message: 'no' } } });
    await s.waitFor(() => s.requests.includes('GET /api/help/summary'));
    await screen.findByTestId('attention-list');
    expect(screen.queryByTestId('tile-help')).toBeNull();
    expect(screen.getByTestId('tile-errors-value')).toHaveTextContent('0');
  });
});
