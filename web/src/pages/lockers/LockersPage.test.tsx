// The lockers page against a real local server speaking HTTP and the real-time protocol: what each
// role is offered, the bulk-open confirmation, and live changes applied without a refetch.

import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { ApiClient } from '../../api/client';
import type { LockerView } from '../../api/lockers';
import type { Role } from '../../api/types';
import { App } from '../../App';
import { stopSharedRealtimeClients } from '../../realtime/useRealtime';
import { KIOSKS, MEN_LOCKERS, owned } from './testFixtures';
import { startProtocolServer, type ProtocolServer } from '../../test/realtimeServer';

let server: ProtocolServer | undefined;
let api: ApiClient | undefined;

/** jsdom has no layout, so no ResizeObserver; Radix's checkbox only asks for its size. */
class NoResizeObserver {
  observe() {
    return undefined;
  }
  unobserve() {
    return undefined;
  }
  disconnect() {
    return undefined;
  }
}

beforeEach(() => {
  vi.stubGlobal('WebSocket', NodeWebSocket);
  vi.stubGlobal('ResizeObserver', NoResizeObserver);
  localStorage.setItem('kioskhub.lang', 'en');
});

afterEach(async () => {
  vi.unstubAllGlobals();
  if (api) stopSharedRealtimeClients(api);
  api = undefined;
  await server?.close();
  server = undefined;
});

interface Setup {
  role: Role;
  path?: string;
  lockers?: LockerView[];
}

async function renderLockers({ role, path = '/lockers/men', lockers = MEN_LOCKERS }: Setup) {
  const s = await startProtocolServer();
  server = s;
  s.routes['GET /auth/me'] = () => ({
    status: 200,
    body: { user: { id: 'u1', username: role, role }, csrf_token: 'csrf-1' },
  });
  s.routes['GET /api/kiosks'] = () => ({ status: 200, body: { items: KIOSKS } });
  s.routes['GET /api/kiosks/men/lockers'] = () => ({ status: 200, body: { items: lockers } });
  s.routes['GET /api/hardware'] = () => ({ status: 200, body: { buses: [] } });
  api = new ApiClient({ baseUrl: s.url });
  render(
    <MemoryRouter initialEntries={[path]}>
      <App client={api} />
    </MemoryRouter>,
  );
  await screen.findByTestId('locker-tile-1');
  return s;
}

const tile = (n: number) => screen.getByTestId(`locker-tile-${String(n)}`);

describe('what each role is offered', () => {
  it('an auditor sees the lockers but no checkboxes and no actions', async () => {
    await renderLockers({ role: 'auditor', path: '/lockers/men?locker=3' });

    expect(screen.queryByTestId('select-visible')).toBeNull();
    expect(screen.queryByTestId('end-of-day')).toBeNull();
    expect(screen.queryByTestId('bulk-open')).toBeNull();
    expect(screen.queryByTestId('locker-select-1')).toBeNull();
    expect(within(tile(1)).queryByRole('checkbox')).toBeNull();
    const drawer = await screen.findByTestId('locker-drawer');
    expect(within(drawer).queryByTestId('locker-actions')).toBeNull();
    expect(within(drawer).getByTestId('locker-no-actions')).toHaveTextContent('can view this locker but not act');
    expect(within(drawer).queryAllByRole('button').map((b) => b.textContent)).toEqual(['']);
  });

  it('staff may open and bulk open, but not block, free without opening, move or rename', async () => {
    await renderLockers({ role: 'staff', path: '/lockers/men?locker=3' });

    expect(screen.getByTestId('select-visible')).toBeInTheDocument();
    expect(screen.getByTestId('end-of-day')).toBeInTheDocument();
    expect(screen.getByTestId('locker-select-3')).toBeInTheDocument();
    const actions = await within(await screen.findByTestId('locker-drawer')).findByTestId('locker-actions');
    expect(within(actions).getAllByRole('button').map((b) => b.textContent)).toEqual(['Open', 'Open and free']);
  });

  it('an admin gets every action that fits the state', async () => {
    await renderLockers({ role: 'admin', path: '/lockers/men?locker=12' });

    const actions = await within(await screen.findByTestId('locker-drawer')).findByTestId('locker-actions');
    // A blocked locker with no owner: unblock and rename only.
    expect(within(actions).getAllByRole('button').map((b) => b.textContent)).toEqual(['Unblock', 'Rename']);
  });
});

describe('bulk open', () => {
  it('names exactly the lockers that will open and what happens to their owners', async () => {
    const s = await renderLockers({ role: 'staff' });
    s.routes['POST /api/kiosks/men/bulk-open'] = () => ({
      status: 202,
      body: { id: 'c1', type: 'bulk_open', kiosk: 'men', locker: null, state: 'running' },
    });
    const user = userEvent.setup();

    for (const n of [21, 3, 7, 12, 15, 32, 1]) await user.click(screen.getByTestId(`locker-select-${String(n)}`));
    await user.click(screen.getByTestId('bulk-open'));

    const summary = await screen.findByTestId('bulk-summary');
    expect(summary).toHaveTextContent(
      "Open 5 lockers in Men's changing room: 1, 3, 7, 15, 21 — owners keep them.",
    );
    expect(summary).toHaveTextContent('VIP lockers stay closed: 32.');
    expect(summary).toHaveTextContent('Blocked lockers are skipped: 12.');

    await user.click(screen.getByLabelText('Open and free the lockers'));
    expect(summary).toHaveTextContent(
      "Open 5 lockers in Men's changing room: 1, 3, 7, 15, 21 — owners lose them and the lockers become free.",
    );
    await user.click(screen.getByRole('button', { name: 'Open 5' }));
    await waitFor(() => {
      expect(s.requests).toContain('POST /api/kiosks/men/bulk-open');
    });
    expect(await screen.findByTestId('bulk-result')).toHaveTextContent('Opening lockers 1, 3, 7, 15, 21');
  });
});

describe('live changes', () => {
  it('a locker_state_changed message changes the tile without fetching the list again', async () => {
    const s = await renderLockers({ role: 'staff' });
    await s.waitFor(() => s.open().length > 0 && s.open().some((c) => c.namespace === 'lockers'));
    s.routes['GET /api/kiosks/men/lockers/1'] = () => ({
      status: 200,
      body: owned(1, '…ABCD', { version: 2 }),
    });
    // Let the first connection's resync refetch settle, then count.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const listFetches = () => s.requests.filter((r) => r === 'GET /api/kiosks/men/lockers').length;
    const before = listFetches();
    const rooms = ['kiosk:men', 'locker:men:1'];

    s.transient(
      'locker_state_changed',
      { kiosk_id: 'men', locker: 1, old_state: 'free', new_state: 'opening', transient: true },
      rooms,
    );
    await waitFor(() => {
      expect(tile(1)).toHaveAttribute('data-opening', 'true');
    });
    expect(within(tile(1)).getByRole('button')).toHaveAccessibleName('Locker 1 — Opening');

    s.publish(
      'locker_state_changed',
      {
        kiosk_id: 'men',
        locker: 1,
        old_state: 'free',
        new_state: 'owned',
        action: 'locker_assigned',
        owner_hint: '…ABCD',
        version: 2,
      },
      rooms,
    );
    await waitFor(() => {
      expect(tile(1)).toHaveAttribute('data-state', 'owned');
    });
    expect(tile(1)).not.toHaveAttribute('data-opening');
    expect(tile(1)).toHaveTextContent('…ABCD');
    expect(listFetches()).toBe(before);
  });
});
