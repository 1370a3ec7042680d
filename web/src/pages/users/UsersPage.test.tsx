import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../../api/client';
import { ApiProvider } from '../../api/context';
import { AuthProvider } from '../../auth/auth';
import { envelope, startServer, type Routes, type TestServer } from '../../test/server';
import { UsersPage } from './UsersPage';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const account = (id: string, username: string, role: string, active = true) => ({
  id,
  username,
  role,
  active,
  created_at: '2026-03-01T08:00:00Z',
  last_login_at: null,
});

const base: Routes = {
  'GET /auth/me': {
    status: 200,
    body: { user: { id: 'u1', username: 'admin', role: 'admin' }, csrf_token: 'csrf-1' },
  },
  'GET /api/users': { status: 200, body: { items: [account('u1', 'admin', 'admin'), account('u2', 'mehmet', 'staff')] } },
  'GET /api/sessions': { status: 200, body: { items: [] } },
};

async function renderUsers(routes: Routes) {
  server = await startServer({ ...base, ...routes });
  render(
    <ApiProvider client={new ApiClient({ baseUrl: server.url })}>
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <AuthProvider>
          <MemoryRouter>
            <UsersPage />
          </MemoryRouter>
        </AuthProvider>
      </QueryClientProvider>
    </ApiProvider>,
  );
  await screen.findByTestId('user-row-mehmet');
  return server;
}

async function openCreate() {
  const user = userEvent.setup();
  await user.click(screen.getByRole('button', { name: 'New user' }));
  const dialog = await screen.findByRole('dialog');
  return { user, dialog };
}

describe('users page', () => {
  it('shows the server error on the field it names and keeps the dialog open', async () => {
    const s = await renderUsers({
      'POST /api/users': {
        status: 409,
        body: envelope('username_taken', 'the username is taken', 'username'),
      },
    });
    const { user, dialog } = await openCreate();
    await user.type(within(dialog).getByLabelText('Username'), 'mehmet');
    await user.selectOptions(within(dialog).getByLabelText('Role'), 'auditor');
    await user.type(within(dialog).getByLabelText('Password'), 'long-enough-pass');
    await user.click(within(dialog).getByRole('button', { name: 'Create user' }));

    const username = within(dialog).getByLabelText('Username');
    await waitFor(() => {
      expect(username).toHaveAttribute('aria-invalid', 'true');
    });
    expect(username).toHaveAccessibleDescription('This username is already taken.');
    expect(within(dialog).getByLabelText('Password')).toHaveAttribute('aria-invalid', 'false');
    expect(JSON.parse(s.to('POST /api/users')[0]?.body ?? '')).toEqual({
      username: 'mehmet',
      role: 'auditor',
      password: 'long-enough-pass',
    });
    expect(s.to('POST /api/users')[0]?.headers['x-csrf-token']).toBe('csrf-1');
  });

  it('puts a password field error under the password, with the server text', async () => {
    await renderUsers({
      'POST /api/users': {
        status: 400,
        body: envelope('invalid_value', 'the password is too common', 'password'),
      },
    });
    const { user, dialog } = await openCreate();
    await user.type(within(dialog).getByLabelText('Username'), 'zeynep');
    await user.type(within(dialog).getByLabelText('Password'), 'password123');
    await user.click(within(dialog).getByRole('button', { name: 'Create user' }));
    await within(dialog).findByText('the password is too common');
    expect(within(dialog).getByLabelText('Password')).toHaveAttribute('aria-invalid', 'true');
  });

  it('checks the password length before asking the server', async () => {
    const s = await renderUsers({});
    const { user, dialog } = await openCreate();
    await user.type(within(dialog).getByLabelText('Username'), 'zeynep');
    await user.type(within(dialog).getByLabelText('Password'), 'short');
    await user.click(within(dialog).getByRole('button', { name: 'Create user' }));
    expect(await within(dialog).findByText('The password needs at least 10 characters.')).toBeInTheDocument();
    expect(s.to('POST /api/users')).toEqual([]);
  });

  it('deactivates after confirmation and cannot deactivate or demote oneself', async () => {
    const s = await renderUsers({
      'PATCH /api/users/u2': { status: 200, body: account('u2', 'mehmet', 'staff', false) },
    });
    const user = userEvent.setup();
    const me = screen.getByTestId('user-row-admin');
    // Who "me" is comes from GET /auth/me, which may answer after the list.
    await waitFor(() => {
      expect(within(me).getByRole('button', { name: 'Deactivate admin' })).toBeDisabled();
    });
    expect(within(me).getByLabelText('Role of admin')).toBeDisabled();

    await user.click(screen.getByRole('button', { name: 'Deactivate mehmet' }));
    const confirm = await screen.findByRole('alertdialog');
    expect(s.to('PATCH /api/users/u2')).toEqual([]);
    await user.click(within(confirm).getByRole('button', { name: 'Deactivate' }));
    await waitFor(() => {
      expect(s.to('PATCH /api/users/u2')).toHaveLength(1);
    });
    expect(JSON.parse(s.to('PATCH /api/users/u2')[0]?.body ?? '')).toEqual({ active: false });
  });
});
