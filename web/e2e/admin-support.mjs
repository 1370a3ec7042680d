// @ts-check
// Helpers for the Help Center and admin end-to-end tests: a browser at a fixed desktop size, a
// help request raised by a paired kiosk, and waiting on what the panel shows.

import assert from 'node:assert/strict';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { call } from './api.mjs';
import { CHROMIUM, CHROMIUM_ARGS, webDir } from './support.mjs';

/** Where screenshots for the documentation go. */
export const DOCS_SCREENSHOTS = path.resolve(webDir, '..', 'docs', 'screenshots');

/** The desktop size the documentation screenshots are taken at. */
export const DESKTOP = { width: 1280, height: 800 };

/**
 * Chromium with one page at `viewport` whose relative URLs go to the server.
 * @param {string} baseUrl
 * @param {{ width: number, height: number }} [viewport]
 */
export async function launchDesktop(baseUrl, viewport = DESKTOP) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ baseURL: baseUrl, viewport, locale: 'en-GB' });
  // The panel's language follows the browser unless chosen; pin English for stable text.
  await context.addInitScript(() => globalThis.localStorage.setItem('kioskhub.lang', 'en'));
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return { browser, context, page };
}

/**
 * A kiosk raises a help request with its device token; returns the request.
 * @param {string} baseUrl
 * @param {string} token
 * @param {{ category: string, note?: string, locker?: number }} body
 */
export async function raiseHelp(baseUrl, token, body) {
  const created = await call(baseUrl, 'POST', '/api/help', { bearer: token, body });
  assert.equal(created.status, 201, `POST /api/help: ${JSON.stringify(created.body)}`);
  return /** @type {{ id: number, status: string }} */ (created.body);
}

/**
 * Polls `probe` until it returns something other than undefined or false.
 * @template T
 * @param {() => Promise<T | undefined | false>} probe
 * @param {string | (() => string)} what
 * @param {number} [timeoutMs]
 * @returns {Promise<T>}
 */
export async function eventually(probe, what, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The unresolved count in the header ("Help (3)"), or 0 when no counter is shown.
 * @param {import('playwright-core').Page} page
 */
export async function headerHelpCount(page) {
  // Located by CSS, not by role: an open drawer hides the header from the accessibility tree.
  const badge = page.locator('header nav [data-testid="help-count"]');
  if ((await badge.count()) === 0) return 0;
  return Number(await badge.getAttribute('data-count'));
}

/**
 * Waits until the header shows `expected` unresolved requests.
 * @param {import('playwright-core').Page} page
 * @param {number} expected
 */
export async function waitForHeaderCount(page, expected) {
  let last = -1;
  await eventually(async () => {
    last = await headerHelpCount(page);
    return last === expected;
  }, () => `the header to show ${expected} unresolved help requests (it shows ${last})`);
}

/**
 * `POST /auth/login` through the API, waiting out the login rate limit (5 a minute per address,
 * and every test here signs in from 127.0.0.1). Returns the final answer, whatever its status.
 * @param {string} baseUrl
 * @param {string} username
 * @param {string} password
 */
export async function loginPatiently(baseUrl, username, password) {
  for (;;) {
    const answer = await call(baseUrl, 'POST', '/auth/login', { body: { username, password } });
    if (answer.status !== 429) return answer;
    const wait = Number(answer.headers.get('retry-after') ?? '5');
    await new Promise((resolve) => setTimeout(resolve, (wait + 1) * 1000));
  }
}

/**
 * A staff session through the API (cookie and CSRF token), waiting out the login rate limit.
 * @param {string} baseUrl
 * @param {string} username
 * @param {string} password
 * @returns {Promise<import('./api.mjs').StaffSession>}
 */
export async function sessionPatiently(baseUrl, username, password) {
  const login = await loginPatiently(baseUrl, username, password);
  assert.equal(login.status, 200, `POST /auth/login as ${username}: ${JSON.stringify(login.body)}`);
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return { cookie, csrf: /** @type {string} */ (login.body.csrf_token) };
}
