// The kiosks page against a real local server: telemetry as the kiosk reported it, paired devices,
// and what an admin and a staff member may do.

import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { ApiClient } from '../../api/client';
import type { KioskItem } from '../../api/kiosks';
import type { Role } from '../../api/types';
import { App } from '../../App';
import { stopSharedRealtimeClients } from '../../realtime/useRealtime';
import { startProtocolServer, type ProtocolServer } from '../../test/realtimeServer';
import { KIOSKS } from '../lockers/testFixtures';

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

const MEN: KioskItem = {
  ...(KIOSKS[0] as KioskItem),
  telemetry: {
    app_version: '1.4.2',
    uptime_s: 7_260,
    screen: { width: 800, height: 480 },
    language: 'tr',
    battery: 'mains',
  },
  paired_devices: [
    { id: 'dev-1', created_at: '2025-03-04T08:00:00Z', last_used_at: null, user_agent: 'Chromium 131' },
    { id: 'dev-0', created_at: '2025-03-01T08:00:00Z', revoked_at: '2025-03-02T08:00:00Z' },
  ],
};

async function renderKiosks(role: Role) {
  const s = await startProtocolServer();
  server = s;
  s.routes['GET /auth/me'] = () => ({
    status: 200,
    body: { user: { id: 'u1', username: role, role }, csrf_token: 'csrf-1' },
  });
  s.routes['GET /api/kiosks'] = () => ({ status: 200, body: { items: [MEN] } });
  s.routes['POST /api/kiosks/men/pairing'] = () => ({
    status: 201,
    body: {
      kiosk: 'men',
      code: 'ABCD-2345',
      expires_at: new Date(Date.now() + 10 * 60_000).toISOString(),
      url: '/kiosk/pair?code=ABCD-2345',
    },
  });
  api = new ApiClient({ baseUrl: s.url });
  render(
    <MemoryRouter initialEntries={['/kiosks']}>
      <App client={api} />
    </MemoryRouter>,
  );
  return within(await screen.findByTestId('kiosk-panel-men'));
}

describe('kiosks page', () => {
  it('shows the telemetry the kiosk sent, known fields by name and the rest as they came', async () => {
    const men = await renderKiosks('staff');
    const telemetry = men.getByTestId('telemetry');
    expect(telemetry).toHaveTextContent('App version1.4.2');
    expect(telemetry).toHaveTextContent('Uptime2 h 1 min');
    expect(telemetry).toHaveTextContent('Screen800 × 480');
    expect(telemetry).toHaveTextContent('Languagetr');
    expect(telemetry).toHaveTextContent('batterymains');
    expect(men.getByTestId('kiosk-online')).toHaveTextContent('Online');
  });

  it('lets staff see the paired devices but not revoke them or pair new ones', async () => {
    const men = await renderKiosks('staff');
    const devices = men.getByTestId('paired-devices');
    expect(devices).toHaveTextContent('Chromium 131');
    expect(within(devices).getByText('Active')).toBeInTheDocument();
    expect(within(devices).getByText('Revoked')).toBeInTheDocument();
    expect(men.queryByRole('button', { name: 'Revoke' })).toBeNull();
    expect(men.queryByTestId('new-pairing')).toBeNull();
  });

  it('gives an admin a pairing code with its countdown and the full pairing URL', async () => {
    const men = await renderKiosks('admin');
    expect(men.getAllByRole('button', { name: 'Revoke' })).toHaveLength(1);
    await userEvent.setup().click(men.getByTestId('new-pairing'));
    const dialog = within(await screen.findByTestId('pairing-dialog'));
    expect(dialog.getByTestId('pairing-code')).toHaveTextContent('ABCD-2345');
    expect(dialog.getByTestId('pairing-expiry')).toHaveTextContent(/Expires in (10:00|9:5\d)/);
    expect(dialog.getByTestId('pairing-url')).toHaveValue(`${window.location.origin}/kiosk/pair?code=ABCD-2345`);
    await waitFor(() => {
      expect(server?.requests).toContain('POST /api/kiosks/men/pairing');
    });
  });
});
