// @ts-check
// Shared by the end-to-end tests: start, restart and stop the real kioskhub binary (demo mode, a
// fresh data folder, a free port), launch Debian's Chromium through playwright-core, and the
// little page helpers more than one test needs. Nothing is mocked.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = process.env.KIOSKHUB_BIN
  ? path.resolve(process.env.KIOSKHUB_BIN)
  : path.resolve(webDir, '../target/debug/kioskhub');
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const SCREENSHOTS = path.join(webDir, 'e2e', 'screenshots');
export const ADMIN_PASSWORD = 'e2e-Admin-Passw0rd';
const HEALTH_TIMEOUT_MS = 30_000;

/**
 * A running (or stopped) server process.
 * @typedef {object} RunningServer
 * @property {import('node:child_process').ChildProcessByStdio<null, import('node:stream').Readable, import('node:stream').Readable>} child
 * @property {string} baseUrl
 * @property {number} port
 * @property {string} dataDir
 * @property {{ text: string }} output everything the server printed, across restarts
 * @property {Promise<{ code: number | null, signal: NodeJS.Signals | null }>} exited
 * @property {() => Error | undefined} spawnError
 */

/** @returns {Promise<number>} a port that was free a moment ago */
export function freePort() {
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

/** Fails early, with a hint, when the binary or the browser is missing. */
export function checkPrerequisites() {
  assert.ok(existsSync(BIN), `server binary not found at ${BIN} (build it or set KIOSKHUB_BIN)`);
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found (apt-get install chromium)`);
}

/**
 * Starts `kioskhub demo`; pass the folder and port of a stopped server to restart it on them.
 * @param {{ dataDir?: string, port?: number, output?: { text: string } }} [reuse]
 * @returns {Promise<RunningServer>}
 */
export async function startServer(reuse = {}) {
  const dataDir = reuse.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'kioskhub-e2e-')));
  const port = reuse.port ?? (await freePort());
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(BIN, ['demo', '--data', dataDir, '--listen', `127.0.0.1:${port}`], {
    cwd: path.resolve(webDir, '..'),
    env: { ...process.env, KIOSKHUB_ADMIN_PASSWORD: ADMIN_PASSWORD },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = reuse.output ?? { text: '' };
  if (reuse.output) output.text += `\n--- restarted on ${baseUrl} ---\n`;
  child.stdout.on('data', (chunk) => (output.text += chunk));
  child.stderr.on('data', (chunk) => (output.text += chunk));
  /** @type {RunningServer['exited']} */
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  /** @type {Error | undefined} */
  let spawnError;
  child.once('error', (error) => (spawnError = error));
  return { child, baseUrl, port, dataDir, output, exited, spawnError: () => spawnError };
}

/**
 * An Error whose message carries the server's output, so a failed run explains itself.
 * @param {RunningServer | undefined} server
 * @param {string} message
 */
export function failure(server, message) {
  const output = server?.output.text.trim() || '(no output)';
  return new Error(`${message}\n--- kioskhub output ---\n${output}\n--- end of output ---`);
}

/**
 * Polls GET /health until it answers 200; fails with the server's output otherwise.
 * @param {RunningServer} server
 */
export async function waitForHealth(server) {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    const spawnError = server.spawnError();
    if (spawnError) throw failure(server, `could not start ${BIN}: ${spawnError.message}`);
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw failure(server, `the server exited early (${server.child.exitCode ?? server.child.signalCode})`);
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
  throw failure(server, `GET /health did not answer 200 within ${HEALTH_TIMEOUT_MS} ms (${lastProblem})`);
}

/**
 * Checks that the server serves the built panel (debug builds read web/dist from disk).
 * @param {RunningServer} server
 */
export async function assertServesPanel(server) {
  const index = await fetch(`${server.baseUrl}/`);
  const html = await index.text();
  assert.ok(
    index.ok && html.includes('id="root"'),
    failure(server, `GET / should serve the panel (run npm run build: debug builds read web/dist), got ${index.status}`)
      .message,
  );
}

/**
 * Stops the process (SIGTERM, then SIGKILL after 5 s) and keeps the data folder.
 * @param {RunningServer} server
 */
export async function stopProcess(server) {
  const { child, exited } = server;
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), 5_000));
    if ((await Promise.race([exited, timeout])) === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  }
}

/**
 * Stops the process and starts a new one on the same data folder and port.
 * @param {RunningServer} server
 * @returns {Promise<RunningServer>}
 */
export async function restartServer(server) {
  await stopProcess(server);
  const restarted = await startServer({ dataDir: server.dataDir, port: server.port, output: server.output });
  await waitForHealth(restarted);
  return restarted;
}

/**
 * Stops the process and deletes its data folder.
 * @param {RunningServer | undefined} server
 */
export async function stopServer(server) {
  if (!server) return;
  await stopProcess(server);
  await rm(server.dataDir, { recursive: true, force: true });
}

/**
 * Kills the current server if this process ends early or is interrupted.
 * @param {() => RunningServer | undefined} current
 */
export function killOnExit(current) {
  process.once('exit', () => current()?.child.kill('SIGKILL'));
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
    process.once(signal, () => {
      current()?.child.kill('SIGKILL');
      process.exit(1);
    });
  }
}

/**
 * Runs a step and attaches the server's output to whatever it throws.
 * @param {() => RunningServer | undefined} current
 * @param {() => Promise<void>} fn
 */
export async function step(current, fn) {
  try {
    await fn();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const wrapped = failure(current(), message);
    wrapped.cause = error;
    throw wrapped;
  }
}

/**
 * Chromium with a page whose relative URLs go to the server.
 * @param {string} baseUrl
 */
export async function launchBrowser(baseUrl) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ baseURL: baseUrl });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return { browser, context, page };
}

/**
 * Reads the number in a kiosk card's `count-<state>` cell.
 * @param {import('playwright-core').Locator} card
 * @param {string} state
 */
export async function count(card, state) {
  const text = await card.getByTestId(`count-${state}`).textContent();
  const value = Number(text?.trim());
  assert.ok(Number.isInteger(value), `count-${state} should be a whole number, got ${text}`);
  return value;
}

/** @param {import('playwright-core').Page} page */
export async function assertLoginPage(page) {
  await page.waitForURL((url) => url.pathname === '/login');
  await page.getByLabel('Username').waitFor();
  await page.getByLabel('Password').waitFor();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
}

/**
 * Fills and submits the login form.
 * @param {import('playwright-core').Page} page
 * @param {string} username
 * @param {string} password
 */
export async function signIn(page, username, password) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
