// @ts-check
// End-to-end: the admin pages against the real kioskhub binary (demo mode, fresh data folder) in
// Debian's Chromium — the event log (live) and audit trail, hardware, settings (a new master PIN
// and a changed card-flow value are then in force at a kiosk) and users (a new account signs in).
// Every page is checked with axe.
//
//   npm run build && cargo build -p kioskhub && node --test e2e/admin.e2e.mjs

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, pairKiosk, staffSession } from './api.mjs';
import { eventually, launchDesktop, loginPatiently, sessionPatiently } from './admin-support.mjs';
import { assertAccessible } from './axe.mjs';
import {
  ADMIN_PASSWORD,
  assertServesPanel,
  checkPrerequisites,
  killOnExit,
  signIn,
  startServer,
  step,
  stopServer,
  waitForHealth,
} from './support.mjs';

/** @type {import('./support.mjs').RunningServer | undefined} */
let server;
/** @type {import('playwright-core').Browser | undefined} */
let browser;
/** @type {import('playwright-core').Page} */
let page;
/** @type {import('./api.mjs').StaffSession} */
let admin;

const current = () => server;
const base = () => /** @type {string} */ (server?.baseUrl);

describe('admin pages against the real server', { timeout: 300_000 }, () => {
  before(async () => {
    checkPrerequisites();
    server = await startServer();
    killOnExit(current);
    await waitForHealth(server);
    await assertServesPanel(server);
    admin = await staffSession(server.baseUrl);
    ({ browser, page } = await launchDesktop(server.baseUrl));
    await page.goto('/events');
    await signIn(page, 'admin', ADMIN_PASSWORD);
    await page.waitForURL((url) => url.pathname === '/events');
  });

  after(async () => {
    await browser?.close();
    await stopServer(server);
    server = undefined;
  });

  test('the event log lists what happened and shows new events live', () =>
    step(current, async () => {
      const table = page.getByTestId('events-table');
      await table.waitFor();
      const before = await page.getByTestId('event-row').count();
      assert.ok(before > 0, 'the demo start-up wrote events');
      await page.evaluate(() => (globalThis.document.body.dataset.e2eMark = 'loaded once'));
      await eventually(
        () => page.evaluate(() => globalThis.performance.getEntriesByType('resource').some((e) => e.name.includes('/api/ws/ticket'))),
        'the panel to ask for a WebSocket ticket',
      );

      await pairKiosk(base(), admin, 'women');
      await page.locator('[data-testid="event-row"][data-type="kiosk_paired"]').first().waitFor();
      assert.equal(await page.evaluate(() => globalThis.document.body.dataset.e2eMark), 'loaded once');

      await page.getByLabel('Type', { exact: true }).fill('kiosk_paired');
      await eventually(async () => {
        const types = await page.getByTestId('event-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type')));
        return types.length > 0 && types.every((t) => t === 'kiosk_paired');
      }, 'the list to show only kiosk_paired events');
      await assertAccessible(page, 'events');
      await page.getByLabel('Type', { exact: true }).fill('');
    }));

  test('the audit trail shows sign-ins', () =>
    step(current, async () => {
      await page.getByRole('tab', { name: 'Audit' }).click();
      await page.getByTestId('audit-table').waitFor();
      await page.locator('[data-testid="audit-row"][data-action="login"]').first().waitFor();
      await page.getByLabel('Action').fill('kiosk_pairing_code');
      await eventually(async () => {
        const actions = await page.getByTestId('audit-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
        return actions.length > 0 && actions.every((a) => a === 'kiosk_pairing_code');
      }, 'the trail to show only pairing codes');
      // The user filter is the server's: nobody by that name, no rows.
      await page.getByLabel('Action').fill('');
      await page.getByLabel('User', { exact: true }).fill('no-such-user');
      await page.getByTestId('audit-table').waitFor({ state: 'detached' });
      await assertAccessible(page, 'audit');
    }));

  test('hardware shows both simulated buses with their boards online', () =>
    step(current, async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Hardware' }).click();
      await page.waitForURL((url) => url.pathname === '/hardware');
      for (const bus of ['rs485-men', 'rs485-women']) {
        const card = page.getByTestId(`bus-${bus}`);
        await card.waitFor();
        const boards = card.locator('[data-testid^="board-"]');
        assert.ok((await boards.count()) > 0, `${bus} has boards`);
        await eventually(
          async () => (await boards.evaluateAll((rows) => rows.every((r) => r.getAttribute('data-online') === 'true'))),
          `every board of ${bus} to be online`,
        );
      }
      await assertAccessible(page, 'hardware');
    }));

  test('a new master PIN set on the settings page is the one kiosks accept', () =>
    step(current, async () => {
      const token = await pairKiosk(base(), admin, 'men');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
      await page.waitForURL((url) => url.pathname === '/settings');
      await page.getByRole('heading', { name: 'Master PIN' }).waitFor();
      await assertAccessible(page, 'settings');

      await page.getByLabel('New PIN', { exact: true }).fill('12');
      await page.getByRole('button', { name: 'Set master PIN' }).click();
      await page.getByText('The PIN must be 4 to 8 digits.').waitFor();
      await page.getByLabel('New PIN', { exact: true }).fill('2468');
      await page.getByLabel('New PIN again').fill('2468');
      await page.getByRole('button', { name: 'Set master PIN' }).click();
      await page.getByText('Master PIN changed.').waitFor();

      const verified = await call(base(), 'POST', '/api/kiosk/master/verify', { bearer: token, body: { pin: '2468' } });
      assert.equal(verified.status, 200, `the new PIN works: ${JSON.stringify(verified.body)}`);
      assert.equal(verified.body.master, true);
    }));

  test('a card-flow setting changed for one kiosk is in force there, and resets to the file value', () =>
    step(current, async () => {
      const token = await pairKiosk(base(), admin, 'men');
      const men = page.getByTestId('kiosk-settings-men');
      await men.locator('summary').click();
      const offered = men.getByLabel('Lockers offered');
      await offered.fill('3');
      await men.getByLabel('Selection time').fill('45');
      await men.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Settings saved.').first().waitFor();
      await men.locator('[data-testid="setting-max_offered_lockers"] [data-source="panel"]').waitFor();

      const scan = await call(base(), 'POST', '/api/kiosk/scan', { bearer: token, body: { card: '04CAFE0001' } });
      assert.equal(scan.status, 200, JSON.stringify(scan.body));
      assert.equal(scan.body.action, 'choose');
      assert.equal(scan.body.lockers.length, 3, 'at most three lockers are offered');
      assert.equal(scan.body.expires_in, 45);

      await men.getByRole('button', { name: 'Reset to file value: Lockers offered' }).click();
      await men.locator('[data-testid="setting-max_offered_lockers"] [data-source="file"]').waitFor();
      const again = await call(base(), 'POST', '/api/kiosk/scan', { bearer: token, body: { card: '04CAFE0002' } });
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.ok(again.body.lockers.length > 3, 'every free locker is offered again');
    }));

  test('an admin creates a user who can then sign in', () =>
    step(current, async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
      await page.waitForURL((url) => url.pathname === '/users');
      await page.getByTestId('users-table').waitFor();
      await page.getByTestId('sessions-table').waitFor();
      await assertAccessible(page, 'users');

      await page.getByRole('button', { name: 'New user' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Username').fill('derya');
      await dialog.getByLabel('Role').selectOption('staff');
      await dialog.getByLabel('Password').fill('short');
      await dialog.getByRole('button', { name: 'Create user' }).click();
      await dialog.getByText('The password needs at least 10 characters.').waitFor();
      await dialog.getByLabel('Password').fill('derya-Passw0rd-1');
      await dialog.getByRole('button', { name: 'Create user' }).click();
      await page.getByTestId('user-row-derya').waitFor();

      // A second account with the same name is refused on the field.
      await page.getByRole('button', { name: 'New user' }).click();
      await dialog.getByLabel('Username').fill('derya');
      await dialog.getByLabel('Password').fill('another-Passw0rd');
      await dialog.getByRole('button', { name: 'Create user' }).click();
      await dialog.getByText('This username is already taken.').waitFor();
      assert.equal(await dialog.getByLabel('Username').getAttribute('aria-invalid'), 'true');
      await assertAccessible(page, 'new user dialog');
      await page.keyboard.press('Escape');

      const other = await launchDesktop(base());
      try {
        await other.page.goto('/');
        await signIn(other.page, 'derya', 'derya-Passw0rd-1');
        await other.page.getByTestId('current-user').filter({ hasText: 'derya' }).waitFor();
        assert.match((await other.page.getByTestId('current-role').textContent()) ?? '', /Staff/);
        const nav = other.page.getByRole('navigation', { name: 'Main' });
        assert.equal(await nav.getByRole('link', { name: 'Users' }).count(), 0, 'staff see no Users page');
      } finally {
        await other.browser.close();
      }

      await page.reload();
      await page.locator('[data-testid="session-row"]', { hasText: 'derya' }).waitFor();
    }));
  test('an admin changes a role, resets a password, revokes a session and deactivates the account', () =>
    step(current, async () => {
      // Every sign-in here comes from 127.0.0.1, under the login rate limit: as few as possible.
      const first = await sessionPatiently(base(), 'derya', 'derya-Passw0rd-1');
      await page.reload();
      const row = page.getByTestId('user-row-derya');
      await row.getByLabel('Role of derya').selectOption('auditor');
      await page.getByText('User derya updated.').first().waitFor();
      const accounts = await call(base(), 'GET', '/api/users', admin);
      const account = accounts.body.items.find((/** @type {{ username: string }} */ u) => u.username === 'derya');
      assert.equal(account?.role, 'auditor');
      assert.equal((await call(base(), 'GET', '/auth/me', first)).status, 401, 'taking rights away ends her sessions');

      await row.getByRole('button', { name: 'Reset password for derya' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('New password').fill('derya-New-Passw0rd');
      await dialog.getByRole('button', { name: 'Set password' }).click();
      await page.getByText('Password of derya changed.').waitFor();

      // The new password works, and its session is listed for the admin to revoke.
      const second = await sessionPatiently(base(), 'derya', 'derya-New-Passw0rd');
      assert.equal((await call(base(), 'GET', '/auth/me', second)).body.user.role, 'auditor');
      await page.reload();
      const sessions = page.locator('[data-testid="session-row"]', { hasText: 'derya' });
      await sessions.first().waitFor();
      assert.equal(await sessions.count(), 1);
      await sessions.first().getByRole('button', { name: 'Revoke the session of derya' }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Revoke' }).click();
      await page.getByText('Session revoked.').waitFor();
      await sessions.first().waitFor({ state: 'detached' });
      assert.equal((await call(base(), 'GET', '/auth/me', second)).status, 401, 'the revoked session is gone');

      await row.getByRole('button', { name: 'Deactivate derya' }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Deactivate' }).click();
      await row.getByText('Deactivated').filter({ visible: true }).waitFor();
      const login = await loginPatiently(base(), 'derya', 'derya-New-Passw0rd');
      assert.equal(login.status, 401, 'a deactivated account cannot sign in');
      await assertAccessible(page, 'users after changes');
    }));
});
