import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../../api/client';
import { ApiProvider } from '../../api/context';
import { AuthProvider } from '../../auth/auth';
import { envelope, startServer, type Routes, type TestServer } from '../../test/server';
import { SettingsPage } from './SettingsPage';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const flow = {
  assignment_mode: 'manual',
  max_offered_lockers: null,
  max_lockers_per_credential: 1,
  selection_timeout: 30,
  decision_timeout: 30,
  open_only_window: 3600,
  recent_holder_min_hold: 7200,
  recent_holder_window: 86400,
  overdue_after: 14400,
  auto_release_after: 0,
  partial_read_window: 4,
  duplicate_read_window: 1.5,
  pulse_ms: 500,
  bulk_stagger_ms: 300,
};

/** Every field from the file, except those named, which were set in the panel. */
function sources(panel: string[]) {
  return Object.fromEntries(Object.keys(flow).map((k) => [k, panel.includes(k) ? 'panel' : 'file']));
}

const settings = {
  site: { id: 'main', name: 'Demo facility', lockers: { ...flow, overdue_after: 7200 }, sources: sources(['overdue_after']) },
  kiosks: {
    men: {
      ...flow,
      overdue_after: 7200,
      pulse_ms: 700,
      name: "Men's changing room",
      name_source: 'panel',
      // overdue_after comes from the site's panel value: the kiosk has nothing of its own to reset.
      sources: sources(['pulse_ms', 'overdue_after']),
      inherited: { ...flow, overdue_after: 7200, name: 'men' },
    },
  },
  master_pin_set: true,
};

async function renderSettings(routes: Routes) {
  server = await startServer({
    'GET /auth/me': {
      status: 200,
      body: { user: { id: 'u1', username: 'admin', role: 'admin' }, csrf_token: 'csrf-1' },
    },
    'GET /api/settings': { status: 200, body: settings },
    ...routes,
  });
  render(
    <ApiProvider client={new ApiClient({ baseUrl: server.url })}>
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <AuthProvider>
          <MemoryRouter>
            <SettingsPage />
          </MemoryRouter>
        </AuthProvider>
      </QueryClientProvider>
    </ApiProvider>,
  );
  await screen.findByRole('heading', { name: 'Card flow for the whole site (Demo facility)' });
  return server;
}

const site = () => screen.getByRole('region', { name: 'Card flow for the whole site (Demo facility)' });

describe('settings page', () => {
  it('shows effective values in the field units with their source', async () => {
    await renderSettings({});
    const overdue = within(site()).getByTestId('setting-overdue_after');
    expect(within(overdue).getByLabelText('Overdue after')).toHaveValue('2');
    expect(within(overdue).getByText('Set in panel')).toBeInTheDocument();
    const selection = within(site()).getByTestId('setting-selection_timeout');
    expect(within(selection).getByLabelText('Selection time')).toHaveValue('30');
    expect(within(selection).getByText('From file')).toBeInTheDocument();
    expect(within(selection).queryByRole('button', { name: /Reset/ })).toBeNull();
  });

  it('"reset to file value" sends null for that field only', async () => {
    const s = await renderSettings({ 'PUT /api/settings/lockers': { status: 200, body: {} } });
    await userEvent.setup().click(
      within(site()).getByRole('button', { name: 'Reset to file value: Overdue after' }),
    );
    await waitFor(() => {
      expect(s.to('PUT /api/settings/lockers')).toHaveLength(1);
    });
    expect(JSON.parse(s.to('PUT /api/settings/lockers')[0]?.body ?? '')).toEqual({ overdue_after: null });
  });

  it('sends only changed fields, in seconds, and shows a server error on its field', async () => {
    const s = await renderSettings({
      'PUT /api/settings/lockers': {
        status: 400,
        body: envelope('invalid_value', 'open_only_window is too long', 'open_only_window'),
      },
    });
    const user = userEvent.setup();
    const window = within(site()).getByLabelText('Open-only window');
    await user.clear(window);
    await user.type(window, '90');
    await user.selectOptions(within(site()).getByLabelText('Assignment mode'), 'automatic');
    await user.click(within(site()).getByRole('button', { name: 'Save' }));

    await waitFor(() => {
      expect(window).toHaveAttribute('aria-invalid', 'true');
    });
    expect(window).toHaveAccessibleDescription(/open_only_window is too long/);
    expect(JSON.parse(s.to('PUT /api/settings/lockers')[0]?.body ?? '')).toEqual({
      assignment_mode: 'automatic',
      open_only_window: 5400,
    });
  });

  it("offers a kiosk reset only where the kiosk's own value differs from what it falls back to", async () => {
    const s = await renderSettings({ 'PUT /api/kiosks/men/settings': { status: 200, body: {} } });
    const user = userEvent.setup();
    const men = screen.getByTestId('kiosk-settings-men');
    await user.click(within(men).getByText("Men's changing room"));
    const overdue = within(men).getByTestId('setting-overdue_after');
    expect(within(overdue).getByText('Set in panel')).toBeInTheDocument();
    expect(within(overdue).queryByRole('button', { name: /Reset/ })).toBeNull();
    const pulse = within(men).getByTestId('setting-pulse_ms');
    expect(within(pulse).getByText('after reset: 500 ms')).toBeInTheDocument();
    await user.click(within(pulse).getByRole('button', { name: 'Reset to file value: Relay pulse' }));
    await waitFor(() => {
      expect(s.to('PUT /api/kiosks/men/settings')).toHaveLength(1);
    });
    expect(JSON.parse(s.to('PUT /api/kiosks/men/settings')[0]?.body ?? '')).toEqual({ pulse_ms: null });
  });

  it('checks ranges before sending', async () => {
    const s = await renderSettings({});
    const user = userEvent.setup();
    const pulse = within(site()).getByLabelText('Relay pulse');
    await user.clear(pulse);
    await user.type(pulse, '50');
    await user.click(within(site()).getByRole('button', { name: 'Save' }));
    expect(await within(site()).findByText('Enter a value from 100 to 3,000.')).toBeInTheDocument();
    expect(s.to('PUT /api/settings/lockers')).toEqual([]);
  });
});
