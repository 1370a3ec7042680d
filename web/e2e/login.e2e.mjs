// @ts-check
// End-to-end: the real kioskhub binary (demo mode, fresh data folder) serving the built panel,
// driven by Debian's Chromium through playwright-core. Nothing is mocked.
//
//   npm run build                      # debug builds of the server read web/dist from disk
//   cargo build -p kioskhub            # from the repository root
//   npm run e2e                        # KIOSKHUB_BIN overrides ../target/debug/kioskhub

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = process.env.KIOSKHUB_BIN
  ? path.resolve(process.env.KIOSKHUB_BIN)
  : path.resolve(webDir, '../target/debug/kioskhub');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOTS = path.join(webDir, 'e2e', 'screenshots');
const ADMIN_PASSWORD = 'e2e-Admin-Passw0rd';
const HEALTH_TIMEOUT_MS = 30_000;

/** @typedef {Awaited<ReturnType<typeof startServer>>} RunningServer */
/** The running server: its base URL, its output so far, and how to stop it. */
/** @type {RunningServer | undefined} */
let server;
/** @type {import('playwright-core').Browser | undefined} */
let browser;
/** @type {import('playwright-core').Page} */
let page;

/** @returns {Promise<number>} a port that was free a moment ago */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function startServer() {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'kioskhub-e2e-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(BIN, ['demo', '--data', dataDir, '--listen', `127.0.0.1:${port}`], {
    cwd: path.resolve(webDir, '..'),
    env: { ...process.env, KIOSKHUB_ADMIN_PASSWORD: ADMIN_PASSWORD },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { text: '' };
  child.stdout.on('data', (chunk) => (output.text += chunk));
  child.stderr.on('data', (chunk) => (output.text += chunk));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  /** @type {Error | undefined} */
  let spawnError;
  child.once('error', (error) => (spawnError = error));
  return { child, baseUrl, dataDir, output, exited, spawnError: () => spawnError };
}

/**
 * Polls GET /health until it answers 200; fails with the server's output otherwise.
 * @param {RunningServer} server
 */
async function waitForHealth(server) {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    const spawnError = server.spawnError();
    if (spawnError) throw failure(`could not start ${BIN}: ${spawnError.message}`);
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw failure(`the server exited early (${server.child.exitCode ?? server.child.signalCode})`);
    }
    try {
      const response = await fetch(`${server.baseUrl}/health`);
      if (response.status === 200) return;
      lastProblem = `GET /health answered ${response.status}`;
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw failure(`GET /health did not answer 200 within ${HEALTH_TIMEOUT_MS} ms (${lastProblem})`);
}

/**
 * An Error whose message carries the server's output, so a failed run explains itself.
 * @param {string} message
 */
function failure(message) {
  const output = server?.output.text.trim() || '(no output)';
  return new Error(`${message}\n--- kioskhub output ---\n${output}\n--- end of output ---`);
}

/**
 * Runs a step and attaches the server's output to whatever it throws.
 * @param {() => Promise<void>} fn
 */
async function step(fn) {
  try {
    await fn();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const wrapped = failure(message);
    wrapped.cause = error;
    throw wrapped;
  }
}

async function stopServer() {
  if (!server) return;
  const { child, exited, dataDir } = server;
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), 5_000));
    if ((await Promise.race([exited, timeout])) === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  }
  await rm(dataDir, { recursive: true, force: true });
  server = undefined;
}

/**
 * Reads the number in a kiosk card's `count-<state>` cell.
 * @param {import('playwright-core').Locator} card
 * @param {string} state
 */
async function count(card, state) {
  const text = await card.getByTestId(`count-${state}`).textContent();
  const value = Number(text?.trim());
  assert.ok(Number.isInteger(value), `count-${state} should be a whole number, got ${text}`);
  return value;
}

async function assertLoginPage() {
  await page.waitForURL((url) => url.pathname === '/login');
  await page.getByLabel('Username').waitFor();
  await page.getByLabel('Password').waitFor();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
}

/**
 * @param {string} username
 * @param {string} password
 */
async function signIn(username, password) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('panel login against the real server', { timeout: 120_000 }, () => {
  before(async () => {
    assert.ok(existsSync(BIN), `server binary not found at ${BIN} (build it or set KIOSKHUB_BIN)`);
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found (apt-get install chromium)`);
    server = await startServer();
    // Always stop the server, even if this process ends early or is interrupted.
    process.once('exit', () => server?.child.kill('SIGKILL'));
    for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
      process.once(signal, () => {
        server?.child.kill('SIGKILL');
        process.exit(1);
      });
    }
    await waitForHealth(server);

    const index = await fetch(`${server.baseUrl}/`);
    const html = await index.text();
    assert.ok(
      index.ok && html.includes('id="root"'),
      failure(`GET / should serve the panel (run npm run build: debug builds read web/dist), got ${index.status}`)
        .message,
    );

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ baseURL: server.baseUrl });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
  });

  after(async () => {
    await browser?.close();
    await stopServer();
  });

  test('an unauthenticated visit to / lands on the login page', () =>
    step(async () => {
      await page.goto('/');
      await assertLoginPage();
    }));

  test('a wrong password shows an error and stays on the login page', () =>
    step(async () => {
      await signIn('admin', 'definitely-not-the-password');
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? '', /Wrong username or password/);
      assert.equal(new URL(page.url()).pathname, '/login');
      assert.equal(await page.getByLabel('Password').inputValue(), '');
    }));

  test('admin signs in and sees the user and both demo kiosks', () =>
    step(async () => {
      await signIn('admin', ADMIN_PASSWORD);
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
    step(async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await assertLoginPage();

      await page.goto('/');
      await assertLoginPage();
      assert.equal(await page.getByTestId('current-user').count(), 0);
    }));
});
