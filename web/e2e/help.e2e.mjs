// @ts-check
// End-to-end: the Help Center against the real kioskhub binary (demo mode, fresh data folder) in
// Debian's Chromium. A paired kiosk raises help requests over the device API; the open panel
// shows them live, and a staff member assigns, resolves and reopens one through the UI.
//
//   npm run build && cargo build -p kioskhub && node --test e2e/help.e2e.mjs

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { call, pairKiosk, staffSession } from './api.mjs';
import {
  DOCS_SCREENSHOTS,
  eventually,
  headerHelpCount,
  launchDesktop,
  raiseHelp,
  waitForHeaderCount,
} from './admin-support.mjs';
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
/** The men's kiosk device token. */
let kioskToken = '';
/** @type {import('./api.mjs').StaffSession} */
let admin;
/** The request raised while the Help Center was open. */
let requestId = 0;

const current = () => server;

/** @param {number} id */
const row = (id) => page.getByTestId(`help-row-${id}`);
const sheet = () => page.getByRole('dialog');

/** @param {string} status */
async function waitForDetailStatus(status) {
  await sheet().getByTestId('help-detail-status').filter({ hasText: status }).waitFor();
}

describe('Help Center against the real server', { timeout: 180_000 }, () => {
  before(async () => {
    checkPrerequisites();
    server = await startServer();
    killOnExit(current);
    await waitForHealth(server);
    await assertServesPanel(server);
    admin = await staffSession(server.baseUrl);
    kioskToken = await pairKiosk(server.baseUrl, admin, 'men');
    ({ browser, page } = await launchDesktop(server.baseUrl));
  });

  after(async () => {
    await browser?.close();
    await stopServer(server);
    server = undefined;
  });

  test('a request raised at a kiosk appears on the open Help Center and in the header, live', () =>
    step(current, async () => {
      const base = /** @type {string} */ (server?.baseUrl);
      await page.goto('/help');
      await signIn(page, 'admin', ADMIN_PASSWORD);
      await page.waitForURL((url) => url.pathname === '/help');
      await page.getByRole('heading', { name: 'Help Center' }).waitFor();
      await page.getByText('No help requests match these filters.').waitFor();
      assert.equal(await headerHelpCount(page), 0);
      // Mark the page: a reload would drop it.
      await page.evaluate(() => (globalThis.document.body.dataset.e2eMark = 'loaded once'));
      // Give the help socket time to connect, so the request arrives over it.
      await eventually(
        () => page.evaluate(() => globalThis.performance.getEntriesByType('resource').some((e) => e.name.includes('/api/ws/ticket'))),
        'the panel to ask for a WebSocket ticket',
      );

      const created = await raiseHelp(base, kioskToken, {
        category: 'access_issue',
        note: 'Locker 12 will not open after paying',
        locker: 12,
      });
      requestId = created.id;

      await row(requestId).waitFor();
      assert.match((await row(requestId).textContent()) ?? '', /Locker won't open/);
      assert.equal(await row(requestId).getAttribute('data-status'), 'open');
      await waitForHeaderCount(page, 1);
      const helpLink = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Help/ });
      assert.match((await helpLink.textContent()) ?? '', /\(1\)/);
      assert.match((await helpLink.getAttribute('aria-current')) ?? '', /page/);
      await page.getByText(`New help request #${requestId}`).waitFor();
      assert.equal(await page.evaluate(() => globalThis.document.body.dataset.e2eMark), 'loaded once');
    }));

  test('the request is assigned and resolved with notes through the detail drawer', () =>
    step(current, async () => {
      const base = /** @type {string} */ (server?.baseUrl);
      await row(requestId).getByRole('link').click();
      await page.waitForURL((url) => url.pathname === `/help/${requestId}`);
      await sheet().getByText('Locker 12 will not open after paying').waitFor();
      await waitForDetailStatus('Open');
      await assertAccessible(page, 'help request detail');

      // Admins choose among active staff when there are others; "Assign to me" otherwise.
      const assign = sheet().getByRole('button', { name: /^Assign( to me)?$/ });
      await assign.click();
      await waitForDetailStatus('Assigned');
      assert.equal((await sheet().getByTestId('help-detail-assignee').textContent())?.trim(), 'admin');

      await sheet().getByRole('button', { name: 'Resolve' }).click();
      await sheet().getByText('Write what was done before resolving.').waitFor();
      assert.equal(await sheet().getByLabel('Resolution notes').getAttribute('aria-invalid'), 'true');

      await sheet().getByLabel('Resolution notes').fill('Opened with the master key; card re-issued.');
      await sheet().getByRole('button', { name: 'Resolve' }).click();
      await waitForDetailStatus('Resolved');
      await sheet().getByTestId('help-history').getByText('Opened with the master key; card re-issued.').waitFor();
      await waitForHeaderCount(page, 0);

      const stored = await call(base, 'GET', `/api/help/${requestId}`, admin);
      assert.equal(stored.body.status, 'resolved');
      assert.equal(stored.body.resolution_notes, 'Opened with the master key; card re-issued.');
      assert.deepEqual(
        stored.body.history.map((/** @type {{ action: string }} */ h) => h.action),
        ['created', 'assigned', 'resolved'],
      );
      assert.equal(stored.body.assigned_to?.username, 'admin');
    }));

  test('a resolved request is reopened with a reason', () =>
    step(current, async () => {
      const base = /** @type {string} */ (server?.baseUrl);
      await sheet().getByLabel('Reason for reopening (optional)').fill('The member came back: it jammed again');
      await sheet().getByRole('button', { name: 'Reopen' }).click();
      await waitForDetailStatus('Open');
      await sheet().getByTestId('help-history').getByText('The member came back: it jammed again').waitFor();
      await waitForHeaderCount(page, 1);
      const stored = await call(base, 'GET', `/api/help/${requestId}`, admin);
      assert.equal(stored.body.status, 'open');
      assert.equal(stored.body.history.at(-1).action, 'reopened');

      await page.keyboard.press('Escape');
      await page.waitForURL((url) => url.pathname === '/help');
      await assertAccessible(page, 'help list');
    }));

  test('filters narrow the list and the CSV export carries them', () =>
    step(current, async () => {
      const base = /** @type {string} */ (server?.baseUrl);
      const other = await raiseHelp(base, kioskToken, { category: 'payment_issue', note: 'Charged twice' });
      await row(other.id).waitFor();

      await page.getByLabel('Category').selectOption('payment_issue');
      await row(requestId).waitFor({ state: 'detached' });
      await row(other.id).waitFor();

      const href = (await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href')) ?? '';
      assert.ok(href.startsWith('/api/help/export.csv?'), `export link: ${href}`);
      assert.equal(new URL(href, base).searchParams.get('category'), 'payment_issue');
      const csv = await page.request.get(href);
      assert.equal(csv.status(), 200);
      const lines = (await csv.text()).trim().split(/\r?\n/);
      assert.equal(lines.length, 2, `one header and one request: ${lines.join(' | ')}`);
      assert.match(lines[1] ?? '', /payment_issue/);

      await page.getByRole('button', { name: 'Clear filters' }).click();
      await row(requestId).waitFor();
    }));

  test('the sound switch is remembered on this device', () =>
    step(current, async () => {
      const toggle = page.getByRole('button', { name: 'Sound for new requests' });
      assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
      await toggle.click();
      assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
      await page.reload();
      await page.getByRole('button', { name: 'Sound for new requests' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Sound for new requests' }).getAttribute('aria-pressed'), 'true');
      await page.getByRole('button', { name: 'Sound for new requests' }).click();
    }));

  test('an admin assigns a request to another staff member', () =>
    step(current, async () => {
      const base = /** @type {string} */ (server?.baseUrl);
      const created = await call(base, 'POST', '/api/users', {
        ...admin,
        body: { username: 'selin', role: 'staff', password: 'selin-Passw0rd-1' },
      });
      assert.equal(created.status, 201, `POST /api/users: ${JSON.stringify(created.body)}`);
      await page.goto(`/help/${requestId}`);
      const assignee = sheet().getByLabel('Assign to');
      await assignee.selectOption({ label: 'selin' });
      await sheet().getByRole('button', { name: 'Assign', exact: true }).click();
      await sheet().getByTestId('help-detail-assignee').filter({ hasText: 'selin' }).waitFor();
      const stored = await call(base, 'GET', `/api/help/${requestId}`, admin);
      assert.equal(stored.body.assigned_to?.username, 'selin');
      await page.keyboard.press('Escape');
      await page.waitForURL((url) => url.pathname === '/help');
    }));

  test('an auditor sees the request and its history but cannot act on it', () =>
    step(current, async () => {
      const base = /** @type {string} */ (server?.baseUrl);
      const created = await call(base, 'POST', '/api/users', {
        ...admin,
        body: { username: 'denetci', role: 'auditor', password: 'denetci-Passw0rd' },
      });
      assert.equal(created.status, 201, `POST /api/users: ${JSON.stringify(created.body)}`);
      const auditor = await launchDesktop(base);
      try {
        await auditor.page.goto(`/help/${requestId}`);
        await signIn(auditor.page, 'denetci', 'denetci-Passw0rd');
        const detail = auditor.page.getByRole('dialog');
        await detail.getByText('Locker 12 will not open after paying').waitFor();
        await detail.getByTestId('help-history').getByText('The member came back: it jammed again').waitFor();
        assert.equal(await detail.getByRole('button', { name: /Assign|Resolve|Reopen/ }).count(), 0);
        assert.equal(await detail.getByLabel('Resolution notes').count(), 0);
        assert.equal(await headerHelpCount(auditor.page), 2);
      } finally {
        await auditor.browser.close();
      }
    }));

  test('screenshot of the Help Center', () =>
    step(current, async () => {
      const base = /** @type {string} */ (server?.baseUrl);
      const women = await pairKiosk(base, admin, 'women');
      const card = await raiseHelp(base, women, { category: 'card_issue', note: 'Wristband not recognised', locker: 4 });
      const assigned = await call(base, 'POST', `/api/help/${card.id}/assign`, { ...admin, body: {} });
      assert.equal(assigned.status, 200, `assign: ${JSON.stringify(assigned.body)}`);
      await raiseHelp(base, kioskToken, { category: 'other', note: 'Hair dryer broken' });
      await page.goto('/help');
      await eventually(async () => (await page.getByTestId(/^help-row-/).count()) >= 4, 'four requests in the list');
      // Let the toasts for the new requests go before the picture.
      await page.evaluate(() => globalThis.document.querySelectorAll('[data-sonner-toast]').forEach((t) => t.remove()));
      await mkdir(DOCS_SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(DOCS_SCREENSHOTS, 'help-center.png') });
    }));
});
