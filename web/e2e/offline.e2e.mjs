// @ts-check
// End-to-end: the panel offline (PRODUCT.md §12). With the service worker installed, the server
// goes away and the page is reloaded: the app shell comes from the precache, the last known data
// from the API cache, the panel says it is offline and read-only with the data's age, and comes
// back by itself when the server returns. (Refusing changes while offline: src/api/connectivity.test.ts.)

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pairingCode, staffSession } from './api.mjs';
import { assertAccessible } from './axe.mjs';
import {
  ADMIN_PASSWORD,
  assertServesPanel,
  checkPrerequisites,
  count,
  killOnExit,
  launchBrowser,
  restartServer,
  signIn,
  startServer,
  step,
  stopProcess,
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

describe('offline panel', () => {
  before(async () => {
    checkPrerequisites();
    killOnExit(current);
    server = await startServer();
    await waitForHealth(server);
    await assertServesPanel(server);
    ({ browser, page } = await launchBrowser(server.baseUrl));
  });

  after(async () => {
    await browser?.close();
    await stopServer(server);
    server = undefined;
  });

  test('shows the last known state read-only while the server is down, and recovers', () =>
    step(current, async () => {
      assert.ok(server);
      await page.goto('/');
      await signIn(page, 'admin', ADMIN_PASSWORD);
      const men = page.getByTestId('kiosk-card-men');
      await men.waitFor();
      const free = await count(men, 'free');
      // The service worker is installed and controls the page after a reload; the reload's API
      // answers are what it keeps.
      await page.evaluate(async () => {
        await navigator.serviceWorker.ready;
      });
      await page.reload();
      await men.waitFor();
      assert.ok(await page.evaluate(() => navigator.serviceWorker.controller !== null), 'page is controlled');
      assert.equal(await page.getByTestId('offline-banner').count(), 0, 'online: no banner');

      await stopProcess(server);
      await page.reload();
      // Shell, user and kiosk counts all come from the caches.
      await men.waitFor();
      assert.equal(await count(men, 'free'), free, 'the last known count is shown');
      const banner = page.getByTestId('offline-banner');
      await banner.waitFor();
      assert.match((await banner.textContent()) ?? '', /read-only/i);
      assert.match((await page.getByTestId('data-age').textContent()) ?? '', /\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}/);
      await assertAccessible(page, 'offline dashboard');

      // What is on screen can only have come from the caches: the server is really gone.
      const refused = await page.evaluate(async () => {
        const response = await fetch('/api/kiosks/men/bulk-open', { method: 'POST' }).catch(() => null);
        return response === null ? 'network error' : String(response.status);
      });
      assert.equal(refused, 'network error', 'the server is really down');

      server = await restartServer(server);
      await banner.waitFor({ state: 'detached', timeout: 15_000 });
      assert.equal(await count(men, 'free'), free);
    }));

  test('the kiosk screen reloads from the cache with the hub down and says it is offline', () =>
    step(current, async () => {
      assert.ok(server && browser);
      const admin = await staffSession(server.baseUrl);
      const context = await browser.newContext({ baseURL: server.baseUrl });
      try {
        const kiosk = await context.newPage();
        await kiosk.goto(`/kiosk/pair?code=${await pairingCode(server.baseUrl, admin, 'women')}`);
        await kiosk.getByTestId('kiosk-idle').waitFor();
        await kiosk.evaluate(async () => {
          await navigator.serviceWorker.ready;
        });
        await kiosk.reload();
        await kiosk.getByTestId('kiosk-idle').waitFor();
        assert.ok(await kiosk.evaluate(() => navigator.serviceWorker.controller !== null), 'kiosk is controlled');

        await stopProcess(server);
        await kiosk.reload();
        await kiosk.getByTestId('kiosk-idle').waitFor();
        await kiosk.getByTestId('kiosk-offline').waitFor({ timeout: 15_000 });
        await assertAccessible(kiosk, 'offline kiosk');

        server = await restartServer(server);
        await kiosk.getByTestId('kiosk-offline').waitFor({ state: 'detached', timeout: 20_000 });
      } finally {
        await context.close();
      }
    }));
});
