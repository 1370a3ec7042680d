// The Help Center in jsdom against the protocol test server (real HTTP and WebSocket on
// 127.0.0.1). jsdom's WebSocket is replaced by the `ws` package's, as in useRealtime.test.tsx.

import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { ApiClient } from '../../api/client';
import { ApiProvider } from '../../api/context';
import type { HelpDetail, HelpRequest } from '../../api/help';
import type { Role } from '../../api/types';
import { App } from '../../App';
import { AuthProvider, useAuth } from '../../auth/auth';
import { stopSharedRealtimeClients } from '../../realtime/useRealtime';
import { startProtocolServer, type ProtocolServer } from '../../test/realtimeServer';
import { HelpPage } from './HelpPage';

let server: ProtocolServer | undefined;
const apis: ApiClient[] = [];
/** Every request the client sent: method, path with query, and body. */
let sent: { method: string; path: string; body: string | undefined }[] = [];

beforeEach(() => {
  vi.stubGlobal('WebSocket', NodeWebSocket);
  sent = [];
});

afterEach(async () => {
  vi.unstubAllGlobals();
  for (const api of apis.splice(0)) stopSharedRealtimeClients(api);
  await server?.close();
  server = undefined;
});

const request = (over: Partial<HelpRequest> = {}): HelpRequest => ({
  id: 7,
  kiosk: 'men',
  kiosk_name: "Men's changing room",
  category: 'access_issue',
  note: 'Door stuck',
  locker: 12,
  status: 'open',
  source: 'kiosk',
  has_photo: false,
  assigned_to: null,
  resolution_notes: null,
  created_at: '2026-03-04T10:00:00Z',
  updated_at: '2026-03-04T10:00:00Z',
  resolved_at: null,
  ...over,
});

const detail = (over: Partial<HelpRequest> = {}): HelpDetail => ({
  ...request(over),
  history: [{ at: '2026-03-04T10:00:00Z', action: 'created', by: null, note: null }],
});

async function startHelpServer(role: Role) {
  server = await startProtocolServer();
  const s = server;
  s.routes['GET /auth/me'] = () => ({
    status: 200,
    body: { user: { id: 'u1', username: role, role }, csrf_token: 'csrf-1' },
  });
  s.routes['GET /api/kiosks'] = () => ({
    status: 200,
    body: {
      items: [
        { id: 'men', name: "Men's changing room", online: true, last_heartbeat: null, lockers: {} },
      ],
    },
  });
  s.routes['GET /api/help'] = () => ({
    status: 200,
    body: { items: [request()], total: 1, page: 1, per_page: 25 },
  });
  s.routes['GET /api/help/summary'] = () => ({
    status: 200,
    body: { open: 1, assigned: 0, unresolved: 1 },
  });
  s.routes['GET /api/help/7'] = () => ({ status: 200, body: detail() });
  s.routes['GET /api/users'] = () => ({ status: 200, body: { items: [] } });
  return s;
}

function newApi(s: ProtocolServer) {
  const api = new ApiClient({
    baseUrl: s.url,
    fetch: (input, init) => {
      sent.push({
        method: init.method ?? 'GET',
        path: input.slice(s.url.length),
        body: typeof init.body === 'string' ? init.body : undefined,
      });
      return fetch(input, init);
    },
  });
  apis.push(api);
  return api;
}

/** Shows when `GET /auth/me` has answered, so a test can wait for the role to be known. */
function AuthReady() {
  const { state } = useAuth();
  return state.status === 'signed_in' ? <p data-testid="signed-in">{state.user.role}</p> : null;
}

/** The Help Center alone (no shell), signed in through `GET /auth/me`. */
function renderHelpPage(s: ProtocolServer, path: string) {
  const api = newApi(s);
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <ApiProvider client={api}>
      <QueryClientProvider client={queryClient}>
        <AuthProvider>
          <AuthReady />
          <MemoryRouter initialEntries={[path]}>
            <Routes>
              <Route path="/help/:id?" element={<HelpPage />} />
            </Routes>
          </MemoryRouter>
        </AuthProvider>
      </QueryClientProvider>
    </ApiProvider>,
  );
  return api;
}

const listRequests = () => sent.filter((r) => r.method === 'GET' && r.path.startsWith('/api/help?'));

describe('Help Center list', () => {
  it('sends the chosen filters and sort in the query string and starts again at page 1', async () => {
    const s = await startHelpServer('staff');
    renderHelpPage(s, '/help');
    const user = userEvent.setup();
    await screen.findByTestId('help-row-7');
    expect(listRequests()[0]?.path).toBe('/api/help?page=1&per_page=25');

    await user.selectOptions(screen.getByLabelText('Status'), 'open');
    await user.selectOptions(screen.getByLabelText('Category'), 'card_issue');
    await screen.findByRole('option', { name: "Men's changing room" });
    await user.selectOptions(screen.getByLabelText('Kiosk'), 'men');
    await user.selectOptions(screen.getByLabelText('Sort'), 'status');
    await user.type(screen.getByLabelText('Search'), 'door');

    const from = new Date(2026, 2, 1).toISOString();
    const to = new Date(2026, 2, 3).toISOString();
    await user.type(screen.getByLabelText('From'), '2026-03-01');
    await user.type(screen.getByLabelText('To'), '2026-03-02');

    const expected =
      '/api/help?' +
      new URLSearchParams({
        status: 'open',
        category: 'card_issue',
        kiosk: 'men',
        from,
        to,
        q: 'door',
        sort: 'status',
        page: '1',
        per_page: '25',
      }).toString();
    await waitFor(() => {
      expect(listRequests().at(-1)?.path).toBe(expected);
    });
    // The export link carries the same filters, without the page.
    const exportLink = screen.getByRole('link', { name: 'Export CSV' });
    expect(exportLink.getAttribute('href')).toBe(
      `${s.url}/api/help/export.csv?` +
        new URLSearchParams({ status: 'open', category: 'card_issue', kiosk: 'men', from, to, q: 'door', sort: 'status' }).toString(),
    );
  });
});

describe('Help Center detail', () => {
  it('refuses to resolve without notes, then sends the notes', async () => {
    const s = await startHelpServer('staff');
    s.routes['POST /api/help/7/resolve'] = () => ({
      status: 200,
      body: request({ status: 'resolved', resolution_notes: 'Opened with the master key' }),
    });
    renderHelpPage(s, '/help/7');
    const user = userEvent.setup();
    const sheet = await screen.findByRole('dialog');
    await within(sheet).findByText('Door stuck');

    await user.click(within(sheet).getByRole('button', { name: 'Resolve' }));
    expect(within(sheet).getByRole('alert')).toHaveTextContent('Write what was done before resolving.');
    expect(within(sheet).getByLabelText('Resolution notes')).toHaveAttribute('aria-invalid', 'true');
    await user.type(within(sheet).getByLabelText('Resolution notes'), '   ');
    await user.click(within(sheet).getByRole('button', { name: 'Resolve' }));
    expect(sent.filter((r) => r.method === 'POST' && r.path.startsWith('/api/help'))).toEqual([]);

    await user.type(within(sheet).getByLabelText('Resolution notes'), 'Opened with the master key');
    await user.click(within(sheet).getByRole('button', { name: 'Resolve' }));
    await waitFor(() => {
      expect(sent.filter((r) => r.method === 'POST' && r.path === '/api/help/7/resolve')).toHaveLength(1);
    });
    const post = sent.find((r) => r.path === '/api/help/7/resolve');
    expect(JSON.parse(post?.body ?? '')).toEqual({ notes: 'Opened with the master key' });
  });

  it('shows an auditor everything but no assign, resolve or reopen', async () => {
    const s = await startHelpServer('auditor');
    renderHelpPage(s, '/help/7');
    expect(await screen.findByTestId('signed-in')).toHaveTextContent('auditor');
    const sheet = await screen.findByRole('dialog');
    await within(sheet).findByText('Door stuck');
    expect(within(sheet).getByTestId('help-history')).toHaveTextContent('Created');
    expect(within(sheet).getByText("Men's changing room", { selector: 'dd' })).toBeInTheDocument();
    expect(within(sheet).queryByRole('button', { name: /assign|resolve|reopen/i })).toBeNull();
    expect(within(sheet).queryByLabelText('Resolution notes')).toBeNull();
    expect(sent.some((r) => r.path === '/api/users')).toBe(false);
  });

  it('offers a staff member only themselves, and an admin the active staff', async () => {
    const s = await startHelpServer('admin');
    s.routes['GET /api/users'] = () => ({
      status: 200,
      body: {
        items: [
          { id: 'u1', username: 'admin', role: 'admin', active: true, created_at: '', last_login_at: null },
          { id: 'u2', username: 'ayşe', role: 'staff', active: true, created_at: '', last_login_at: null },
          { id: 'u3', username: 'gone', role: 'staff', active: false, created_at: '', last_login_at: null },
          { id: 'u4', username: 'audit', role: 'auditor', active: true, created_at: '', last_login_at: null },
        ],
      },
    });
    s.routes['POST /api/help/7/assign'] = () => ({ status: 200, body: request({ status: 'assigned' }) });
    renderHelpPage(s, '/help/7');
    const user = userEvent.setup();
    const sheet = await screen.findByRole('dialog');
    const select = await within(sheet).findByLabelText('Assign to');
    expect(within(select).getAllByRole('option').map((o) => o.textContent)).toEqual(['Me (admin)', 'ayşe']);
    await user.selectOptions(select, 'u2');
    await user.click(within(sheet).getByRole('button', { name: 'Assign' }));
    await waitFor(() => {
      expect(sent.find((r) => r.path === '/api/help/7/assign')?.body).toBe('{"user_id":"u2"}');
    });
  });
});

describe('header counter', () => {
  it('shows the unresolved count and updates it when a request arrives', async () => {
    const s = await startHelpServer('staff');
    let unresolved = 2;
    s.routes['GET /api/help/summary'] = () => ({
      status: 200,
      body: { open: unresolved, assigned: 0, unresolved },
    });
    const api = newApi(s);
    render(
      <MemoryRouter initialEntries={['/help']}>
        <App client={api} />
      </MemoryRouter>,
    );
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    const badge = await within(nav).findByTestId('help-count');
    expect(badge).toHaveTextContent('(2)');
    expect(within(nav).getByRole('link', { name: /Help.*2 unresolved/ })).toBeInTheDocument();
    await s.waitFor(() => s.open().some((c) => c.namespace === 'help'));

    unresolved = 3;
    s.publish('help_requested', request({ id: 8, category: 'card_issue' }), ['kiosk:men', 'help:8']);

    await waitFor(() => {
      expect(within(nav).getByTestId('help-count')).toHaveTextContent('(3)');
    });
    expect(await screen.findByText('New help request #8')).toBeInTheDocument();
  });
});
