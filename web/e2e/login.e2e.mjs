// @ts-check
// End-to-end: the real kioskhub binary (demo mode, fresh data folder) serving the built panel,
// driven by Debian's Chromium through playwright-core. Nothing is mocked.
//
//   npm run build                      # debug builds of the server read web/dist from disk
//   cargo build -p kioskhub            # from the repository root
//   npm run e2e                        # KIOSKHUB_BIN overrides ../target/debug/kioskhub

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_PASSWORD,
  SCREENSHOTS,
  assertLoginPage,
  assertServesPanel,
  checkPrerequisites,
  count,
  killOnExit,
  launchBrowser,
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

const current = () => server;

describe('panel login against the real server', { timeout: 120_000 }, () => {
  before(async () => {
    checkPrerequisites();
    server = await startServer();
    // Always stop the server, even if this process ends early or is interrupted.
    killOnExit(current);
    await waitForHealth(server);
    await assertServesPanel(server);
    ({ browser, page } = await launchBrowser(server.baseUrl));
  });

  after(async () => {
    await browser?.close();
    await stopServer(server);
    server = undefined;
  });

  test('an unauthenticated visit to / lands on the login page', () =>
    step(current, async () => {
      await page.goto('/');
      await assertLoginPage(page);
    }));

  test('a wrong password shows an error and stays on the login page', () =>
    step(current, async () => {
      await signIn(page, 'admin', 'definitely-not-the-password');
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? '', /Wrong username or password/);
      assert.equal(new URL(page.url()).pathname, '/login');
      assert.equal(await page.getByLabel('Password').inputValue(), '');
    }));

  test('admin signs in and sees the user and both demo kiosks', () =>
    step(current, async () => {
      await signIn(page, 'admin', ADMIN_PASSWORD);
      await page.waitForURL((url) => url.pathname === '/');

      const currentUser = page.getByTestId('current-user');
      await currentUser.waitFor();
      assert.equal((await currentUser.textContent())?.trim(), 'admin');
      assert.match((await page.getByTestId('current-role').textContent()) ?? '', /admin/i);

      const men = page.getByTestId('kiosk-card-men');
      const women = page.getByTestId('kiosk-card-women');
      await men.waitFor();
      await women.waitFor();

      for (const [id, card, total] of /** @type {const} */ ([
        ['men', men, 32],
        ['women', women, 16],
      ])) {
        assert.equal(await count(card, 'total'), total, `${id}: total lockers`);
        const free = await count(card, 'free');
        const owned = await count(card, 'owned');
        assert.ok(free >= 0 && free <= total, `${id}: free ${free} should be within 0..${total}`);
        assert.ok(free + owned <= total, `${id}: free ${free} + owned ${owned} should not pass ${total}`);
        assert.match((await card.textContent()) ?? '', new RegExp(`Free ${free}(?!\\d)`));
      }

      await mkdir(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, 'signed-in.png'), fullPage: true });
    }));

  test('signing out returns to the login page, and / stays closed', () =>
    step(current, async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await assertLoginPage(page);

      await page.goto('/');
      await assertLoginPage(page);
      assert.equal(await page.getByTestId('current-user').count(), 0);
    }));
});
