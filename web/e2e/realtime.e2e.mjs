// @ts-check
// End-to-end: live locker counts on the panel over the real WebSocket hub. The real kioskhub
// binary (demo mode), Debian's Chromium, and a kiosk driven through the device API; then the
// server is restarted on the same data folder and port, and the page has to catch up by itself.
//
//   npm run build && npm run e2e       # see login.e2e.mjs for the binary

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_PASSWORD,
  SCREENSHOTS,
  assertServesPanel,
  checkPrerequisites,
  count,
  killOnExit,
  launchBrowser,
  signIn,
  startServer,
  step,
  stopProcess,
  stopServer,
  waitForHealth,
} from './support.mjs';
import { pairKiosk, staffSession, takeLocker as takeLockerAt } from './api.mjs';

/** @type {import('./support.mjs').RunningServer | undefined} */
let server;
/** @type {import('playwright-core').Browser | undefined} */
let browser;
/** @type {import('playwright-core').BrowserContext} */
let context;
/** @type {import('playwright-core').Page} */
let page;
/** Every WebSocket the page opened, with the text frames it received. */
/** @type {{ url: string, frames: string[], closed: boolean }[]} */
const sockets = [];
/** The response headers of every WebSocket handshake the page made, names lower-cased. */
/** @type {Record<string, string>[]} */
const handshakes = [];
/** The men's Owned count before anything happened. */
let ownedBefore = 0;

const current = () => server;

function baseUrl() {
  assert.ok(server, 'the server is running');
  return server.baseUrl;
}

/** The paired men's kiosk's device token. */
/** @type {string | undefined} */
let kioskToken;

/** Pairs the men's kiosk through the API, as an admin would. */
async function pairMensKiosk() {
  kioskToken = await pairKiosk(baseUrl(), await staffSession(baseUrl()), 'men');
}

/**
 * A member taps a card at the men's kiosk and takes a locker.
 * @param {string} card
 * @param {number} locker
 */
async function takeLocker(card, locker) {
  assert.ok(kioskToken, 'the kiosk is paired');
  await takeLockerAt(baseUrl(), kioskToken, card, locker);
}

/**
 * Waits until a kiosk card's count reads `expected` (no reload, just the page updating itself).
 * @param {import('playwright-core').Locator} card
 * @param {string} state
 * @param {number} expected
 * @param {number} [timeoutMs]
 */
async function waitForCount(card, state, expected, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let seen = await count(card, state);
  while (seen !== expected) {
    if (Date.now() > deadline) assert.fail(`count-${state} stayed at ${seen}, expected ${expected}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    seen = await count(card, state);
  }
}

/** @param {string} state */
function liveStatus(state) {
  return page.locator(`[data-testid="live-status"][data-state="${state}"]`);
}

/** The page is the one loaded at the start: a reload would have dropped this mark. */
async function assertNotReloaded() {
  assert.equal(await page.evaluate(() => globalThis.document.body.dataset.e2eMark), 'loaded once');
}

/**
 * The page's `/ws/lockers` sockets, oldest first (it also opens other namespaces, e.g. `/ws/help`).
 * @param {number} [from] index in `sockets` to start at
 */
function lockerSockets(from = 0) {
  return sockets.slice(from).filter((s) => new URL(s.url).pathname === '/ws/lockers');
}

/** @param {string} text */
function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

describe('live locker counts against the real server', { timeout: 120_000 }, () => {
  before(async () => {
    checkPrerequisites();
    server = await startServer();
    killOnExit(current);
    await waitForHealth(server);
    await assertServesPanel(server);
    ({ browser, context, page } = await launchBrowser(server.baseUrl));
    page.on('websocket', (ws) => {
      const record = { url: ws.url(), frames: /** @type {string[]} */ ([]), closed: false };
      sockets.push(record);
      ws.on('framereceived', (frame) => {
        if (typeof frame.payload === 'string') record.frames.push(frame.payload);
      });
      ws.on('close', () => (record.closed = true));
    });
    // Playwright does not show a WebSocket's handshake; Chromium's DevTools protocol does.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    cdp.on('Network.webSocketHandshakeResponseReceived', ({ response }) => {
      handshakes.push(Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v])));
    });
  });

  after(async () => {
    await browser?.close();
    await stopServer(server);
    server = undefined;
  });

  test('a locker taken at a kiosk shows on the open panel without a reload', () =>
    step(current, async () => {
      await page.goto('/');
      await signIn(page, 'admin', ADMIN_PASSWORD);
      await page.waitForURL((url) => url.pathname === '/');
      const men = page.getByTestId('kiosk-card-men');
      await men.waitFor();
      await liveStatus('open').waitFor();
      assert.equal((await page.getByTestId('live-status').textContent())?.trim(), 'Live');
      await page.evaluate(() => (globalThis.document.body.dataset.e2eMark = 'loaded once'));
      ownedBefore = await count(men, 'owned');

      const first = lockerSockets()[0];
      assert.ok(first, 'the panel opened a WebSocket');
      const firstUrl = new URL(first.url);
      assert.equal(firstUrl.pathname, '/ws/lockers');
      assert.ok(firstUrl.searchParams.get('ticket'), 'connected with a ticket');
      assert.equal(firstUrl.searchParams.get('since'), null, 'a first connection has nothing to replay');
      const extensions = handshakes.map((h) => h['sec-websocket-extensions'] ?? '');
      assert.ok(
        extensions.some((e) => e.startsWith('permessage-deflate')),
        `Chromium and the server agreed on per-message compression (${JSON.stringify(extensions)})`,
      );

      await pairMensKiosk();
      await takeLocker('04F6A7B8C9', 5);

      await waitForCount(men, 'owned', ownedBefore + 1);
      await assertNotReloaded();
      const change = first.frames
        .map(parse)
        .find((m) => m?.type === 'locker_state_changed' && m.seq !== null && m.data?.locker === 5);
      assert.ok(change, 'the change arrived over the WebSocket');
      assert.equal(change.data.kiosk_id, 'men');
      assert.equal(change.data.new_state, 'owned');
    }));

  test('after a server restart the page reconnects, replays what it missed and catches up', () =>
    step(current, async () => {
      assert.ok(server);
      const men = page.getByTestId('kiosk-card-men');
      const before = sockets.length;
      const lastSeq = Math.max(
        ...(lockerSockets().at(-1)?.frames ?? []).map((f) => parse(f)?.seq).filter((s) => typeof s === 'number'),
      );
      assert.ok(Number.isInteger(lastSeq) && lastSeq > 0, `the page saw stored messages (last seq ${lastSeq})`);

      // The server goes away (close 1001); the page notices and keeps trying.
      await stopProcess(server);
      await liveStatus('connecting').waitFor();
      // Keep the page off the network while the server comes back and a change is made, so the
      // change can only reach it through the replay after `since`.
      await context.setOffline(true);
      server = await startServer({ dataDir: server.dataDir, port: server.port, output: server.output });
      await waitForHealth(server);
      await takeLocker('0411223344', 6);
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(await count(men, 'owned'), ownedBefore + 1, 'offline: not caught up yet');
      assert.equal(await page.getByTestId('live-status').getAttribute('data-state'), 'connecting');

      await context.setOffline(false);
      await liveStatus('open').waitFor({ timeout: 35_000 });
      await waitForCount(men, 'owned', ownedBefore + 2);
      await assertNotReloaded();

      const reconnected = lockerSockets(before).find((s) => !s.closed && s.frames.length > 0);
      assert.ok(reconnected, 'the page opened a new WebSocket');
      const url = new URL(reconnected.url);
      assert.ok(url.searchParams.get('ticket'), 'a fresh ticket');
      assert.equal(url.searchParams.get('since'), String(lastSeq), 'resumed after the last seq it saw');
      const [welcome, ...rest] = reconnected.frames.map(parse);
      assert.equal(welcome?.type, 'connection');
      const replayed = rest.find((m) => m?.type === 'locker_state_changed' && m.data?.locker === 6);
      assert.ok(replayed, 'the change made while the page was away was replayed');
      assert.ok(replayed.seq > lastSeq, `replayed seq ${replayed.seq} follows ${lastSeq}`);
      const stored = rest.filter((m) => typeof m?.seq === 'number').map((m) => m.seq);
      assert.deepEqual(
        stored,
        stored.map((_, i) => lastSeq + 1 + i),
        'contiguous, in order, nothing repeated',
      );

      await mkdir(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, 'live-after-restart.png'), fullPage: true });
    }));
});
