// @ts-check
// End-to-end: the admin pages against the real kioskhub binary (demo mode, fresh data folder) in
// Debian's Chromium — the event log (live) and audit trail, hardware, and settings (a new master
// PIN is then the one kiosks accept). Every page is checked with axe.
//
//   npm run build && cargo build -p kioskhub && node --test e2e/admin.e2e.mjs

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, pairKiosk, staffSession } from './api.mjs';
import { eventually, launchDesktop } from './admin-support.mjs';
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

describe('admin pages against the real server', { timeout: 180_000 }, () => {
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
});
