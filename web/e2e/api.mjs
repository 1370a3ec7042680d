// @ts-check
// The server's HTTP API as the end-to-end tests and the web budget script drive it, beside the
// browser: JSON calls, an admin session of their own, pairing a kiosk, and a member taking a
// locker through the kiosk device API.

import assert from 'node:assert/strict';
import { ADMIN_PASSWORD } from './support.mjs';

/**
 * @typedef {{ body?: unknown, cookie?: string, csrf?: string, bearer?: string }} CallOptions
 * @typedef {{ status: number, headers: Headers, body: any }} CallResult
 * @typedef {{ cookie: string, csrf: string }} StaffSession
 */

/**
 * One JSON request; returns the status, headers and the parsed body.
 * @param {string} baseUrl
 * @param {string} method
 * @param {string} urlPath
 * @param {CallOptions} [options]
 * @returns {Promise<CallResult>}
 */
export async function call(baseUrl, method, urlPath, options = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.cookie) headers.Cookie = options.cookie;
  if (options.csrf) headers['X-CSRF-Token'] = options.csrf;
  if (options.bearer) headers.Authorization = `Bearer ${options.bearer}`;
  const response = await fetch(baseUrl + urlPath, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  const json = (response.headers.get('content-type') ?? '').includes('json');
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : json ? JSON.parse(text) : text };
}

/**
 * A staff session of its own (not the browser's): the cookie and the CSRF token.
 * @param {string} baseUrl
 * @param {string} [username]
 * @param {string} [password]
 * @returns {Promise<StaffSession>}
 */
export async function staffSession(baseUrl, username = 'admin', password = ADMIN_PASSWORD) {
  const login = await call(baseUrl, 'POST', '/auth/login', { body: { username, password } });
  assert.equal(login.status, 200, `POST /auth/login as ${username}: ${JSON.stringify(login.body)}`);
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return { cookie, csrf: /** @type {string} */ (login.body.csrf_token) };
}

/**
 * Pairs a kiosk through the API, as an admin would; returns its device token.
 * @param {string} baseUrl
 * @param {StaffSession} admin
 * @param {string} kiosk
 * @returns {Promise<string>}
 */
export async function pairKiosk(baseUrl, admin, kiosk) {
  const code = await pairingCode(baseUrl, admin, kiosk);
  const paired = await call(baseUrl, 'POST', '/api/kiosk/pair', { body: { code } });
  assert.equal(paired.status, 200, `POST /api/kiosk/pair: ${JSON.stringify(paired.body)}`);
  assert.equal(paired.body.kiosk, kiosk);
  return paired.body.token;
}

/**
 * A one-time pairing code for a kiosk (for a browser to open `/kiosk/pair?code=…`).
 * @param {string} baseUrl
 * @param {StaffSession} admin
 * @param {string} kiosk
 * @returns {Promise<string>}
 */
export async function pairingCode(baseUrl, admin, kiosk) {
  const pairing = await call(baseUrl, 'POST', `/api/kiosks/${kiosk}/pairing`, admin);
  assert.equal(pairing.status, 201, `POST /api/kiosks/${kiosk}/pairing: ${JSON.stringify(pairing.body)}`);
  return pairing.body.code;
}

/**
 * A member taps a new card at a kiosk and takes the given locker.
 * @param {string} baseUrl
 * @param {string} token the kiosk's device token
 * @param {string} card
 * @param {number} locker
 */
export async function takeLocker(baseUrl, token, card, locker) {
  const scan = await call(baseUrl, 'POST', '/api/kiosk/scan', { bearer: token, body: { card } });
  assert.equal(scan.status, 200, `POST /api/kiosk/scan: ${JSON.stringify(scan.body)}`);
  assert.equal(scan.body.action, 'choose', `a new card is offered lockers: ${JSON.stringify(scan.body)}`);
  const select = await call(baseUrl, 'POST', '/api/kiosk/select', {
    bearer: token,
    body: { session: scan.body.session, locker },
  });
  assert.equal(select.status, 200, `POST /api/kiosk/select: ${JSON.stringify(select.body)}`);
  assert.equal(select.body.locker?.number, locker);
  assert.equal(select.body.locker?.state, 'owned');
}
