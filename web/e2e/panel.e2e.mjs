// @ts-check
// End-to-end: the staff panel against the real kioskhub binary (demo mode) in Debian's Chromium.
// A member takes a locker through the kiosk API while the grid is open (the scan-to-tile time is
// measured and printed), bulk open with its confirmation, the drawer's actions with the VIP
// override, kiosks and pairing, what an auditor sees, language and dark mode across reloads, axe
// on every screen in both themes, and the screenshots in docs/screenshots/.
//
//   npm run build && cargo build -p kioskhub && node --test e2e/panel.e2e.mjs

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertAccessible } from './axe.mjs';
import { call, pairKiosk, staffSession } from './api.mjs';
import { addUser, takeLockerTimed } from './panel-support.mjs';
import {
  ADMIN_PASSWORD,
  assertServesPanel,
  checkPrerequisites,
  killOnExit,
  launchBrowser,
  signIn,
  startServer,
  step,
  stopServer,
  waitForHealth,
  webDir,
} from './support.mjs';

const DOCS_SCREENSHOTS = path.resolve(webDir, '..', 'docs', 'screenshots');
const VIEWPORT = { width: 1280, height: 800 };
const AUDITOR = { username: 'auditor1', password: 'e2e-Auditor-Passw0rd' };
/** PRODUCT.md §12 via the task: a change is on an open panel within 300 ms of the scan. */
const LIVE_BUDGET_MS = 300;

/** @type {import('./support.mjs').RunningServer | undefined} */
let server;
/** @type {import('playwright-core').Browser | undefined} */
let browser;
/** @type {import('playwright-core').Page} */
let page;
/** @type {{ cookie: string, csrf: string }} */
let admin;
/** The men's kiosk's device token. */
let kioskToken = '';

const current = () => server;

function baseUrl() {
  assert.ok(server, 'the server is running');
  return server.baseUrl;
}

/** @param {number} n */
const tile = (n) => page.getByTestId(`locker-tile-${n}`);

/**
 * Waits until a tile shows a state (the page updating itself, no reload).
 * @param {number} n
 * @param {string} state
 */
async function waitForTileState(n, state) {
  await page.locator(`[data-testid="locker-tile-${n}"][data-state="${state}"]`).waitFor();
}

/** @param {string} name */
async function openLockers(name = 'men') {
  await page.goto(`/lockers/${name}`);
  await page.getByTestId('locker-grid').waitFor();
  await page.locator('[data-testid="live-status"][data-state="open"]').waitFor();
}

/** @param {number} n */
async function openDrawer(n) {
  await tile(n).getByRole('button').click();
  const drawer = page.getByTestId('locker-drawer');
  await drawer.waitFor();
  return drawer;
}

async function closeDrawer() {
  await page.keyboard.press('Escape');
  await page.getByTestId('locker-drawer').waitFor({ state: 'detached' });
}

/** @param {string} name */
async function screenshot(name) {
  await mkdir(DOCS_SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(DOCS_SCREENSHOTS, name) });
}

/** Clicks the theme toggle until the page is in `theme`. @param {'light' | 'dark'} theme */
async function setTheme(theme) {
  for (let i = 0; i < 3; i++) {
    if ((await page.getByTestId('theme-toggle').getAttribute('data-theme')) === theme) break;
    await page.getByTestId('theme-toggle').click();
  }
  assert.equal(await page.getByTestId('theme-toggle').getAttribute('data-theme'), theme);
  assert.equal(await page.evaluate(() => globalThis.document.documentElement.classList.contains('dark')), theme === 'dark');
}

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

describe('staff panel against the real server', { timeout: 240_000 }, () => {
  before(async () => {
    checkPrerequisites();
    server = await startServer();
    killOnExit(current);
    await waitForHealth(server);
    await assertServesPanel(server);
    admin = await staffSession(server.baseUrl, 'admin', ADMIN_PASSWORD);
    kioskToken = await pairKiosk(server.baseUrl, admin, 'men');
    // The men's kiosk checks in, so the panel has one kiosk online and one offline.
    const beat = await call(server.baseUrl, 'POST', '/api/kiosk/heartbeat', { bearer: kioskToken, body: {} });
    assert.equal(beat.status, 200, `POST /api/kiosk/heartbeat: ${JSON.stringify(beat.body)}`);
    await addUser(server.dataDir, AUDITOR.username, 'auditor', AUDITOR.password);
    ({ browser, page } = await launchBrowser(server.baseUrl));
    await page.setViewportSize(VIEWPORT);
  });

  after(async () => {
    await browser?.close();
    await stopServer(server);
    server = undefined;
  });

  test('the dashboard shows counts, what needs attention and recent events', () =>
    step(current, async () => {
      await page.goto('/');
      await signIn(page, 'admin', ADMIN_PASSWORD);
      await page.waitForURL((url) => url.pathname === '/');
      await page.getByTestId('kiosk-card-men').waitFor();
      await setTheme('light');
      // The demo has men's locker 7 held for five hours: overdue.
      assert.equal((await page.getByTestId('tile-overdue-value').textContent())?.trim(), '1');
      assert.equal((await page.getByTestId('tile-offline-value').textContent())?.trim(), '1 of 2');
      assert.match((await page.getByTestId('tile-offline').textContent()) ?? '', /Women's changing room/);
      const attention = page.getByTestId('attention-list');
      await attention.waitFor();
      assert.match((await attention.textContent()) ?? '', /Men's changing room, locker 7\s*Overdue/);
      await page.getByTestId('recent-events').waitFor();
      assert.match((await page.getByTestId('recent-events').textContent()) ?? '', /Locker blocked/);

      await attention.getByRole('link', { name: /locker 7/ }).click();
      await page.waitForURL((url) => url.pathname === '/lockers/men' && url.search === '?locker=7');
      await page.getByTestId('locker-drawer').waitFor();
      await closeDrawer();

      await page.goto('/');
      await page.getByTestId('recent-events').waitFor();
      await assertAccessible(page, 'dashboard (light)');
      await screenshot('dashboard.png');

      // The women's kiosk checks in: the open dashboard counts it online without a reload.
      const women = await pairKiosk(baseUrl(), admin, 'women');
      const beat = await call(baseUrl(), 'POST', '/api/kiosk/heartbeat', { bearer: women, body: {} });
      assert.equal(beat.status, 200, `POST /api/kiosk/heartbeat: ${JSON.stringify(beat.body)}`);
      await page.locator('[data-testid="tile-offline-value"]', { hasText: '0 of 2' }).waitFor();
      assert.match((await page.getByTestId('tile-offline').textContent()) ?? '', /All kiosks are online\./);
    }));

  test('a locker taken at a kiosk shows on the open grid live', () =>
    step(current, async () => {
      await openLockers();
      await page.evaluate(() => (globalThis.document.body.dataset.e2eMark = 'loaded once'));
      await assertAccessible(page, 'lockers grid (light)');
      await screenshot('panel-light.png');

      /** @type {{ locker: number, scanToTile: number, selectToTile: number, answerToTile: number, sawOpening: boolean }[]} */
      const runs = [];
      for (const [card, n] of /** @type {const} */ ([
        ['04F6A7B8C9', 5],
        ['0411223344', 6],
        ['0455667788', 8],
      ])) {
        await waitForTileState(n, 'free');
        // Note, in the page, the moment the tile shows the locker taken (and whether it showed opening).
        await page.evaluate((number) => {
          const w = /** @type {any} */ (globalThis);
          w.e2eTile = { changedAt: 0, opening: false };
          const el = globalThis.document.querySelector(`[data-testid="locker-tile-${number}"]`);
          if (!el) throw new Error(`no tile ${number}`);
          new globalThis.MutationObserver((_, observer) => {
            if (el.getAttribute('data-opening') === 'true') w.e2eTile.opening = true;
            if (el.getAttribute('data-state') === 'owned') {
              w.e2eTile.changedAt = Date.now();
              observer.disconnect();
            }
          }).observe(el, { attributes: true });
        }, n);
        const times = await takeLockerTimed(baseUrl(), kioskToken, card, n);
        await waitForTileState(n, 'owned');
        const seen = await page.evaluate(() => /** @type {any} */ (globalThis).e2eTile);
        assert.ok(seen.changedAt > 0, 'the page noted the change');
        runs.push({
          locker: n,
          scanToTile: seen.changedAt - times.scannedAt,
          selectToTile: seen.changedAt - times.selectedAt,
          answerToTile: seen.changedAt - times.answeredAt,
          sawOpening: seen.opening,
        });
      }
      assert.equal(await page.evaluate(() => globalThis.document.body.dataset.e2eMark), 'loaded once', 'no reload');
      for (const r of runs) {
        console.log(
          `scan→tile locker ${r.locker}: ${r.scanToTile} ms from the scan request ` +
            `(${r.selectToTile} ms from the select request that took it; ${r.answerToTile} ms after its answer; ` +
            `opening shown: ${r.sawOpening})`,
        );
      }
      const scanMedian = median(runs.map((r) => r.scanToTile));
      console.log(`scan→tile median: ${scanMedian} ms over ${runs.length} scans`);
      assert.ok(scanMedian <= LIVE_BUDGET_MS, `scan→tile median ${scanMedian} ms is within ${LIVE_BUDGET_MS} ms`);
      assert.match((await tile(5).textContent()) ?? '', /Owned.*…A7B8C9|Owned.*…B8C9/);
    }));

  test('bulk open names exactly the lockers it opens, then shows the result', () =>
    step(current, async () => {
      await openLockers();
      for (const n of [7, 1, 12, 32, 3]) await page.getByTestId(`locker-select-${n}`).click();
      await page.getByTestId('bulk-open').click();
      const summary = page.getByTestId('bulk-summary');
      await summary.waitFor();
      const text = (await summary.textContent()) ?? '';
      assert.match(text, /Open 3 lockers in Men's changing room: 1, 3, 7 — owners keep them\./);
      assert.match(text, /VIP lockers stay closed: 32\./);
      assert.match(text, /Blocked lockers are skipped: 12\./);
      await assertAccessible(page, 'bulk open confirmation (light)');
      await page.getByRole('button', { name: 'Open 3' }).click();

      const result = page.locator('[data-testid="bulk-result"][data-status="done"]');
      await result.waitFor({ timeout: 15_000 });
      assert.match((await result.textContent()) ?? '', /Bulk open finished: 3 opened, 0 failed\./);
      for (const n of [1, 3, 7]) assert.ok(await result.locator(`li[data-result^="opened"]`, { hasText: `${n}:` }).count());
      // Owners kept theirs.
      await waitForTileState(3, 'owned');
      await waitForTileState(7, 'owned');
      const seven = await call(baseUrl(), 'GET', '/api/kiosks/men/lockers/7', admin);
      assert.equal(seven.body.state, 'owned');
      assert.ok(seven.body.last_opened_at, 'locker 7 was opened');
    }));

  test('the drawer: opening a VIP locker needs the override; block and unblock', () =>
    step(current, async () => {
      await openLockers();
      const drawer = await openDrawer(32);
      await assertAccessible(page, 'locker drawer (light)');
      await drawer.getByTestId('locker-actions').getByRole('button', { name: 'Open', exact: true }).click();
      const dialog = page.getByRole('alertdialog');
      await dialog.waitFor();
      const confirm = dialog.getByRole('button', { name: 'Open', exact: true });
      assert.equal(await confirm.isDisabled(), true, 'a VIP locker does not open without the override');
      await dialog.getByTestId('vip-override').click();
      await confirm.click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByText('Locker 32 opened; the owner keeps it.').waitFor();
      await drawer.getByTestId('locker-history').getByText('Locker opened').first().waitFor();
      const pulses = Number((await drawer.getByTestId('relay-pulses').textContent())?.trim());
      assert.ok(pulses >= 1, `locker 32's relay counted the pulse (${pulses})`);
      await closeDrawer();

      const five = await openDrawer(5);
      await five.getByRole('button', { name: 'Block', exact: true }).click();
      const block = page.getByRole('alertdialog');
      await block.getByLabel('Reason (optional)').fill('hinge check');
      await block.getByRole('button', { name: 'Block', exact: true }).click();
      await block.waitFor({ state: 'detached' });
      await waitForTileState(5, 'blocked');
      await five.getByRole('button', { name: 'Unblock', exact: true }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Unblock', exact: true }).click();
      await waitForTileState(5, 'owned');
      await five.getByTestId('locker-history').getByText('Locker unblocked').waitFor();
      await closeDrawer();
    }));

  test('end of day names every owned locker it frees, then reports each', () =>
    step(current, async () => {
      await openLockers();
      await page.getByTestId('end-of-day').click();
      const summary = page.getByTestId('eod-summary');
      await summary.waitFor();
      // Owned now: 3 and 7 from the demo, 5, 6 and 8 taken at the kiosk; VIP 32 is left alone.
      assert.match(
        (await summary.textContent()) ?? '',
        /Open and free every owned locker in Men's changing room except VIP ones, one after another: 5 lockers \(3, 5, 6, 7, 8\)\. Their owners lose them\./,
      );
      await page.getByRole('alertdialog').getByRole('button', { name: 'Open and free them' }).click();
      const result = page.locator('[data-testid="bulk-result"][data-status="done"]');
      await result.waitFor({ timeout: 15_000 });
      assert.match((await result.textContent()) ?? '', /Bulk open finished: 5 opened, 0 failed\./);
      assert.equal(await result.locator('li[data-result="opened_and_freed"]').count(), 5);
      for (const n of [3, 5, 6, 7, 8]) await waitForTileState(n, 'free');
      await waitForTileState(32, 'vip');
    }));

  test('kiosks: heartbeat and telemetry, the paired device, a new pairing code with its URL, and revoking', () =>
    step(current, async () => {
      const beat = await call(baseUrl(), 'POST', '/api/kiosk/heartbeat', {
        bearer: kioskToken,
        body: { app_version: 'e2e-1.0', uptime_s: 7260 },
      });
      assert.equal(beat.status, 200, `POST /api/kiosk/heartbeat: ${JSON.stringify(beat.body)}`);
      await page.goto('/kiosks');
      const men = page.getByTestId('kiosk-panel-men');
      await men.getByTestId('paired-devices').waitFor();
      assert.equal((await men.getByTestId('kiosk-online').textContent())?.trim(), 'Online');
      assert.equal((await page.getByTestId('kiosk-panel-women').getByTestId('kiosk-online').textContent())?.trim(), 'Online');
      assert.match((await men.textContent()) ?? '', /Last heartbeat \d{2}\.\d{2}\.\d{4} \d{2}:\d{2}/);
      const telemetry = (await men.getByTestId('telemetry').textContent()) ?? '';
      assert.match(telemetry, /App version\s*e2e-1\.0/);
      assert.match(telemetry, /Uptime\s*2 h 1 min/);
      assert.equal(await men.locator('[data-device]').count(), 1);
      await assertAccessible(page, 'kiosks (light)');

      await men.getByTestId('new-pairing').click();
      const dialog = page.getByTestId('pairing-dialog');
      await dialog.waitFor();
      const code = (await dialog.getByTestId('pairing-code').textContent())?.trim() ?? '';
      assert.match(code, /^[A-Z0-9-]{6,}$/);
      assert.match((await dialog.getByTestId('pairing-expiry').textContent()) ?? '', /Expires in (10:00|9:[0-5]\d)/);
      const url = await dialog.getByTestId('pairing-url').inputValue();
      assert.equal(url, `${baseUrl()}/kiosk/pair?code=${code}`);
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl() });
      await dialog.getByRole('button', { name: 'Copy' }).click();
      await page.getByText('Pairing URL copied.').waitFor();
      assert.equal(await page.evaluate(() => globalThis.navigator.clipboard.readText()), url);
      await page.keyboard.press('Escape');

      await men.getByRole('button', { name: 'Revoke' }).click();
      const confirm = page.getByRole('alertdialog');
      await confirm.getByRole('button', { name: 'Revoke' }).click();
      await confirm.waitFor({ state: 'detached' });
      await men.getByText('Revoked').waitFor();
      const refused = await call(baseUrl(), 'POST', '/api/kiosk/scan', { bearer: kioskToken, body: { card: '0499887766' } });
      assert.equal(refused.status, 401, 'the revoked device is refused');
    }));

  test('an auditor sees every locker but no checkbox and no action', () =>
    step(current, async () => {
      assert.ok(browser);
      const context = await browser.newContext({ baseURL: baseUrl(), viewport: VIEWPORT });
      const auditor = await context.newPage();
      try {
        await auditor.goto('/login');
        await signIn(auditor, AUDITOR.username, AUDITOR.password);
        await auditor.waitForURL((url) => url.pathname === '/');
        await auditor.goto('/lockers/men');
        await auditor.getByTestId('locker-tile-3').waitFor();
        assert.equal(await auditor.locator('[data-testid^="locker-select-"]').count(), 0);
        assert.equal(await auditor.getByTestId('select-visible').count(), 0);
        assert.equal(await auditor.getByTestId('end-of-day').count(), 0);
        await auditor.getByTestId('locker-tile-3').getByRole('button').click();
        const drawer = auditor.getByTestId('locker-drawer');
        await drawer.getByTestId('locker-no-actions').waitFor();
        assert.equal(await drawer.getByTestId('locker-actions').count(), 0);
        await auditor.goto('/kiosks');
        await auditor.getByTestId('kiosk-panel-men').waitFor();
        assert.equal(await auditor.getByTestId('new-pairing').count(), 0);
        assert.equal(await auditor.getByRole('button', { name: 'Revoke' }).count(), 0);
      } finally {
        await context.close();
      }
    }));

  test('language and dark mode survive a reload; every screen passes axe in dark mode', () =>
    step(current, async () => {
      await page.goto('/');
      await page.getByTestId('kiosk-card-men').waitFor();
      await page.getByTestId('language-select').selectOption('tr');
      await setTheme('dark');
      await page.reload();
      await page.getByTestId('kiosk-card-men').waitFor();
      assert.equal(await page.evaluate(() => globalThis.document.documentElement.lang), 'tr');
      assert.equal(await page.evaluate(() => globalThis.document.documentElement.classList.contains('dark')), true);
      await page.getByRole('link', { name: 'Dolaplar' }).waitFor();
      await page.getByRole('heading', { name: 'Pano', level: 1 }).waitFor();

      await page.getByTestId('language-select').selectOption('en');
      await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
      await page.getByTestId('recent-events').waitFor();
      await assertAccessible(page, 'dashboard (dark)');
      await openLockers();
      await assertAccessible(page, 'lockers grid (dark)');
      await screenshot('panel-dark.png');
      await openDrawer(3);
      await assertAccessible(page, 'locker drawer (dark)');
      await closeDrawer();
      await page.goto('/kiosks');
      await page.getByTestId('kiosk-panel-men').waitFor();
      await assertAccessible(page, 'kiosks (dark)');
      await setTheme('light');
    }));
});
