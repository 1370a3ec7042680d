import { act, fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError } from '../api/client';
import { App } from '../App';
import { envelope, startServer, type Routes, type TestServer } from '../test/server';
import { LoginForm } from './LoginPage';

const admin = { id: 'u1', username: 'admin', role: 'admin' } as const;
const signedOut: Routes = {
  'GET /auth/me': { status: 401, body: envelope('unauthenticated', 'Sign in first') },
};

let server: TestServer | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await server?.close();
  server = undefined;
});

async function renderApp(routes: Routes, path = '/login') {
  server = await startServer(routes);
  render(
    <MemoryRouter initialEntries={[path]}>
      <App client={new ApiClient({ baseUrl: server.url })} />
    </MemoryRouter>,
  );
  return server;
}

async function signIn(username: string, password: string) {
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('Username'), username);
  await user.type(screen.getByLabelText('Password'), password);
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('login page', () => {
  it('says the credentials are wrong, clears the password and focuses it', async () => {
    const server = await renderApp({
      ...signedOut,
      'POST /auth/login': {
        status: 401,
        body: envelope('invalid_credentials', 'Invalid username or password'),
      },
    });

    await signIn('admin', 'not-the-password');

    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong username or password.');
    const password = screen.getByLabelText('Password');
    expect(password).toHaveValue('');
    expect(password).toHaveFocus();
    expect(password).toHaveAttribute('aria-invalid', 'true');
    expect(password).toHaveAccessibleDescription('Wrong username or password.');
    expect(screen.getByLabelText('Username')).toHaveValue('admin');
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeEnabled();
    expect(JSON.parse(server.to('POST /auth/login')[0]?.body ?? '')).toEqual({
      username: 'admin',
      password: 'not-the-password',
    });
  });

  it('shows how long to wait when rate limited and blocks the button meanwhile', async () => {
    await renderApp({
      ...signedOut,
      'POST /auth/login': {
        status: 429,
        headers: { 'Retry-After': '42' },
        body: envelope('rate_limited', 'Too many login attempts'),
      },
    });

    await signIn('admin', 'whatever-it-is');

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Too many sign-in attempts. Try again in 42 seconds.',
    );
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeDisabled();
  });

  it('says to try again in a minute when a 429 has no Retry-After', async () => {
    await renderApp({
      ...signedOut,
      'POST /auth/login': { status: 429, body: envelope('rate_limited', 'Slow down') },
    });

    await signIn('admin', 'whatever-it-is');

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Too many sign-in attempts. Try again in a minute.',
    );
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeEnabled();
  });

  it('says the server cannot be reached when the request fails', async () => {
    const server = await renderApp(signedOut);
    await screen.findByLabelText('Username');
    await server.close();

    await signIn('admin', 'whatever-it-is');

    expect(await screen.findByRole('alert')).toHaveTextContent('Cannot reach the server.');
  });
});

describe('rate-limit countdown', () => {
  it('counts down each second and gives the button back at zero', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const onSubmit = () =>
      Promise.reject(
        new ApiError({ status: 429, code: 'rate_limited', message: 'x', retryAfter: 2 }),
      );
    render(<LoginForm onSubmit={onSubmit} />);
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'admin' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'secret-pass' } });

    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
      await Promise.resolve();
    });
    expect(screen.getByRole('alert')).toHaveTextContent('Try again in 2 seconds.');

    act(() => {
      vi.advanceTimersByTime(1000);
    });
    expect(screen.getByRole('alert')).toHaveTextContent('Try again in 1 second.');
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeDisabled();

    act(() => {
      vi.advanceTimersByTime(1000);
    });
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeEnabled();
  });
});

describe('routing and session', () => {
  const men = {
    id: 'men',
    name: "Men's changing room",
    online: true,
    last_heartbeat: '2025-03-04T05:06:07Z',
    lockers: { total: 32, free: 29, owned: 3, blocked: 0, error: 0, vip: 1, overdue: 1 },
  };

  it('sends an unauthenticated visit to / to the login page', async () => {
    await renderApp(signedOut, '/');

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.queryByTestId('current-user')).not.toBeInTheDocument();
  });

  it('signs in, shows the user and the kiosks, and signs out with the CSRF token', async () => {
    let signedIn = false;
    const server = await renderApp(
      {
        'GET /auth/me': () =>
          signedIn
            ? { status: 200, body: { user: admin, csrf_token: 'csrf-1' } }
            : { status: 401, body: envelope('unauthenticated', 'Sign in first') },
        'POST /auth/login': () => {
          signedIn = true;
          return { status: 200, body: { user: admin, csrf_token: 'csrf-1' } };
        },
        'GET /api/kiosks': { status: 200, body: { items: [men] } },
        'POST /auth/logout': { status: 204 },
      },
      '/',
    );

    await signIn('admin', 'correct-password');

    expect(await screen.findByTestId('current-user')).toHaveTextContent('admin');
    expect(screen.getByTestId('current-role')).toHaveTextContent('Admin');
    const card = await screen.findByTestId('kiosk-card-men');
    expect(card).toHaveTextContent("Men's changing room");
    expect(card).toHaveTextContent('Free 29');
    expect(card).toHaveTextContent('Total 32');
    expect(within(card).getByTestId('count-overdue')).toHaveTextContent('1');
    expect(within(card).getByTestId('kiosk-status')).toHaveTextContent('Online');

    await userEvent.setup().click(screen.getByRole('button', { name: 'Sign out' }));

    expect(await screen.findByLabelText('Username')).toBeInTheDocument();
    expect(server.to('POST /auth/logout')[0]?.headers['x-csrf-token']).toBe('csrf-1');
  });

  it('sends a signed-in visit to /login on to the panel', async () => {
    await renderApp({
      'GET /auth/me': { status: 200, body: { user: admin, csrf_token: 'csrf-1' } },
      'GET /api/kiosks': { status: 200, body: { items: [] } },
    });

    expect(await screen.findByTestId('current-user')).toHaveTextContent('admin');
    expect(await screen.findByText('No kiosks are configured yet.')).toBeInTheDocument();
  });

  it('returns to the login page when the kiosk list answers 401', async () => {
    await renderApp(
      {
        'GET /auth/me': { status: 200, body: { user: admin, csrf_token: 'csrf-1' } },
        'GET /api/kiosks': { status: 401, body: envelope('unauthenticated', 'Session expired') },
      },
      '/',
    );

    expect(await screen.findByLabelText('Username')).toBeInTheDocument();
  });
});
