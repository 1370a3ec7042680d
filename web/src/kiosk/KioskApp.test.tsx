import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { envelope, startServer, type Routes, type TestServer } from '../test/server';
import { kioskApi } from './api';
import { reportReachable } from './connection';
import { HelpQueue } from './helpQueue';
import { KioskApp } from './KioskApp';

// The app calls same-origin paths; here they go over a real socket to a test server.
let server: TestServer | undefined;
const realFetch = globalThis.fetch;

async function serve(routes: Routes) {
  server = await startServer({
    'GET /api/kiosk/me': { status: 200, body: { kiosk: 'men', name: 'Men', lockers: 4 } },
    'POST /api/kiosk/heartbeat': { status: 200, body: { kiosk: 'men', next_in: 30 } },
    ...routes,
  });
  const base = server.url;
  vi.stubGlobal('fetch', (input: string, init?: RequestInit) => realFetch(base + input, init));
}

function renderApp() {
  return render(<KioskApp helpQueue={new HelpQueue(kioskApi.help, localStorage)} />);
}

function scan(card: string) {
  for (const key of card) fireEvent.keyDown(document.body, { key });
  fireEvent.keyDown(document.body, { key: 'Enter' });
}

beforeEach(() => {
  localStorage.clear();
  reportReachable(true);
});
afterEach(async () => {
  vi.unstubAllGlobals();
  await server?.close();
  server = undefined;
});

const choose = {
  action: 'choose',
  session: 's1',
  expires_in: 30,
  lockers: [
    { number: 1, name: null },
    { number: 2, name: 'Corner' },
  ],
};

describe('KioskApp', () => {
  it('asks for a pairing code when the device is not paired', async () => {
    await serve({ 'GET /api/kiosk/me': { status: 401, body: envelope('unauthenticated', 'pair first') } });
    renderApp();
    expect(await screen.findByTestId('kiosk-pair')).toBeInTheDocument();
    expect(screen.queryByTestId('kiosk-help-button')).toBeNull();
  });

  it('sends a scanned card and offers the free lockers with their names', async () => {
    await serve({ 'POST /api/kiosk/scan': { status: 200, body: choose } });
    renderApp();
    await screen.findByTestId('kiosk-idle');

    scan('04A1B2C3D4');

    expect(await screen.findByTestId('kiosk-choose')).toBeInTheDocument();
    expect(JSON.parse(server?.to('POST /api/kiosk/scan')[0]?.body ?? '{}')).toEqual({ card: '04A1B2C3D4' });
    expect(screen.getByTestId('locker-tile-2')).toHaveTextContent('Corner');
  });

  it('drops a locker someone else just took and keeps offering the others', async () => {
    await serve({
      'POST /api/kiosk/scan': { status: 200, body: choose },
      'POST /api/kiosk/select': { status: 409, body: envelope('locker_taken', 'that locker was just taken') },
    });
    renderApp();
    await screen.findByTestId('kiosk-idle');
    scan('04A1B2C3D4');
    fireEvent.click(await screen.findByTestId('locker-tile-1'));

    await waitFor(() => {
      expect(screen.queryByTestId('locker-tile-1')).toBeNull();
    });
    expect(screen.getByTestId('kiosk-choose')).toBeInTheDocument();
    expect(screen.getByTestId('locker-tile-2')).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('Bu dolap az önce alındı');
  });

  it('shows the reason for a refusal, and the offline banner when the hub does not answer', async () => {
    await serve({
      'POST /api/kiosk/scan': { status: 409, body: envelope('no_free_lockers', 'no free lockers at this kiosk') },
    });
    renderApp();
    await screen.findByTestId('kiosk-idle');

    scan('04A1B2C3D4');
    expect(await screen.findByTestId('error-message')).toHaveTextContent('Şu anda boş dolap yok');
    expect(screen.queryByTestId('kiosk-offline')).toBeNull();

    fireEvent.click(screen.getByTestId('kiosk-done'));
    await screen.findByTestId('kiosk-idle');
    await act(async () => {
      await server?.close();
    });
    scan('04A1B2C3D4');
    expect(await screen.findByTestId('kiosk-offline')).toBeInTheDocument();
    expect(screen.getByTestId('error-message')).toHaveTextContent('Sunucuyla bağlantı yok');
  });
});
