// @ts-check
// Helpers for the panel end-to-end tests: JSON calls with a session or a kiosk's device token,
// pairing a kiosk over the API, a member taking a locker at a kiosk, accounts made with the CLI.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { BIN } from './support.mjs';

/**
 * One JSON request; returns the status, headers and parsed body.
 * @param {string} baseUrl
 * @param {string} method
 * @param {string} urlPath
 * @param {{ body?: unknown, cookie?: string, csrf?: string, bearer?: string }} [options]
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
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
}

/**
 * A staff session of its own (not the browser's): the cookie and the CSRF token.
 * @param {string} baseUrl
 * @param {string} username
 * @param {string} password
 */
export async function session(baseUrl, username, password) {
  const login = await call(baseUrl, 'POST', '/auth/login', { body: { username, password } });
  assert.equal(login.status, 200, `POST /auth/login as ${username}: ${JSON.stringify(login.body)}`);
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return { cookie, csrf: /** @type {string} */ (login.body.csrf_token) };
}

/**
 * Pairs a kiosk through the API as an admin would; returns the device token.
 * @param {string} baseUrl
 * @param {{ cookie: string, csrf: string }} admin
 * @param {string} kiosk
 * @returns {Promise<string>}
 */
export async function pairKiosk(baseUrl, admin, kiosk) {
  const pairing = await call(baseUrl, 'POST', `/api/kiosks/${kiosk}/pairing`, admin);
  assert.equal(pairing.status, 201, `POST /api/kiosks/${kiosk}/pairing: ${JSON.stringify(pairing.body)}`);
  const paired = await call(baseUrl, 'POST', '/api/kiosk/pair', { body: { code: pairing.body.code } });
  assert.equal(paired.status, 200, `POST /api/kiosk/pair: ${JSON.stringify(paired.body)}`);
  assert.equal(paired.body.kiosk, kiosk);
  return paired.body.token;
}

/**
 * A member taps a new card at the kiosk and picks a locker. Returns when each request was sent
 * (epoch ms), for latency figures.
 * @param {string} baseUrl
 * @param {string} token the kiosk's device token
 * @param {string} card
 * @param {number} locker
 */
export async function takeLocker(baseUrl, token, card, locker) {
  const scannedAt = Date.now();
  const scan = await call(baseUrl, 'POST', '/api/kiosk/scan', { bearer: token, body: { card } });
  assert.equal(scan.status, 200, `POST /api/kiosk/scan: ${JSON.stringify(scan.body)}`);
  assert.equal(scan.body.action, 'choose', `a new card is offered lockers: ${JSON.stringify(scan.body)}`);
  const selectedAt = Date.now();
  const select = await call(baseUrl, 'POST', '/api/kiosk/select', {
    bearer: token,
    body: { session: scan.body.session, locker },
  });
  assert.equal(select.status, 200, `POST /api/kiosk/select: ${JSON.stringify(select.body)}`);
  assert.equal(select.body.locker?.state, 'owned');
  return { scannedAt, selectedAt, answeredAt: Date.now() };
}

/**
 * Creates a staff account with `kioskhub user add` on the server's data folder.
 * @param {string} dataDir
 * @param {string} username
 * @param {'admin' | 'staff' | 'auditor'} role
 * @param {string} password
 */
export function addUser(dataDir, username, role, password) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, ['user', 'add', username, '--role', role, '--data', dataDir], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`kioskhub user add ${username} exited with ${code}: ${output}`));
    });
    child.stdin.end(`${password}\n`);
  });
}
