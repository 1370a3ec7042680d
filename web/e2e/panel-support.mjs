// @ts-check
// Helpers for the panel end-to-end tests, beside the shared API helpers of api.mjs: a member
// taking a locker with the time of each request noted, and accounts made with the CLI.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { call } from './api.mjs';
import { BIN } from './support.mjs';

/**
 * A member taps a new card at the kiosk and picks a locker. Returns when each request was sent
 * and when the last was answered (epoch ms), for latency figures.
 * @param {string} baseUrl
 * @param {string} token the kiosk's device token
 * @param {string} card
 * @param {number} locker
 */
export async function takeLockerTimed(baseUrl, token, card, locker) {
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
