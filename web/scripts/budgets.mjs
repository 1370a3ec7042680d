// @ts-check
/* global document -- used inside page.waitForFunction, which runs in the browser */
// The web budgets of PRODUCT.md §15 and the web-interfaces issue, measured on the built app:
//
//   node scripts/budgets.mjs            initial JavaScript per page, gzipped (needs `npm run build`)
//   node scripts/budgets.mjs --browser  also first contentful paint of the panel and the kiosk
//                                       screen, and how long a locker change takes to show on an
//                                       open panel's grid after the scan (needs target/debug/kioskhub or
//                                       KIOSKHUB_BIN, and /usr/bin/chromium)
//
// Every figure is printed with its budget; the exit status is 1 when one is over.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { call, pairKiosk, pairingCode, staffSession, takeLocker } from '../e2e/api.mjs';
import {
  ADMIN_PASSWORD,
  checkPrerequisites,
  launchBrowser,
  signIn,
  startServer,
  stopServer,
  waitForHealth,
  webDir,
} from '../e2e/support.mjs';

const DIST = path.join(webDir, 'dist');
const KB = 1024;
const BUDGETS = {
  panelJs: 200 * KB,
  kioskJs: 100 * KB,
  fcpMs: 500,
  changeVisibleMs: 300,
};
/** Locker changes measured on the open panel. */
const CHANGES = Number(process.env.CHANGES ?? 30);
/** Cold page loads measured per page. */
const LOADS = Number(process.env.LOADS ?? 5);

/** @type {string[]} */
const over = [];

/**
 * @param {string} what
 * @param {number} value
 * @param {number} budget
 * @param {(n: number) => string} format
 */
function report(what, value, budget, format) {
  const ok = value <= budget;
  if (!ok) over.push(what);
  console.log(`${ok ? 'ok  ' : 'OVER'} ${what}: ${format(value)} (budget ${format(budget)})`);
}

const kb = (/** @type {number} */ n) => `${(n / KB).toFixed(1)} KB`;
const ms = (/** @type {number} */ n) => `${n.toFixed(0)} ms`;

/**
 * The JavaScript a page loads before it can run: its entry module and every module it preloads.
 * @param {string} html file name in dist/
 */
async function initialJs(html) {
  const source = await readFile(path.join(DIST, html), 'utf8');
  const files = new Set();
  for (const match of source.matchAll(/<script[^>]+src="\/([^"]+\.js)"/g)) files.add(match[1]);
  for (const match of source.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\/([^"]+\.js)"/g)) files.add(match[1]);
  if (files.size === 0) throw new Error(`${html} loads no script: is dist/ built?`);
  let gzipped = 0;
  for (const file of files) gzipped += gzipSync(await readFile(path.join(DIST, file)), { level: 9 }).length;
  return { files: [...files], gzipped };
}

/** @param {number[]} values */
function percentiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (/** @type {number} */ p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  return { p50: at(50), p95: at(95), p99: at(99), max: sorted.at(-1) ?? NaN };
}

/**
 * First contentful paint of a cold load of `url` in a fresh browser context.
 * @param {import('playwright-core').Browser} browser
 * @param {string} baseUrl
 * @param {string} url
 * @param {{ name: string, value: string, url: string }[]} cookies
 */
async function firstContentfulPaint(browser, baseUrl, url, cookies) {
  const context = await browser.newContext({ baseURL: baseUrl, serviceWorkers: 'block' });
  await context.addCookies(cookies);
  const page = await context.newPage();
  await page.goto(url);
  const fcp = await page.evaluate(
    () =>
      new Promise((resolve) => {
        new PerformanceObserver((list) => {
          const entry = list.getEntriesByName('first-contentful-paint')[0];
          if (entry) resolve(entry.startTime);
        }).observe({ type: 'paint', buffered: true });
      }),
  );
  await context.close();
  return /** @type {number} */ (fcp);
}

async function browserBudgets() {
  checkPrerequisites();
  const server = await startServer();
  try {
    await waitForHealth(server);
    const baseUrl = server.baseUrl;
    const admin = await staffSession(baseUrl);
    const { browser, page } = await launchBrowser(baseUrl);
    try {
      // The panel, signed in: a session cookie of its own for the cold loads.
      const adminCookie = admin.cookie.split('; ').map((pair) => {
        const [name = '', value = ''] = pair.split('=');
        return { name, value, url: baseUrl };
      });
      const panel = [];
      for (let i = 0; i < LOADS; i++) panel.push(await firstContentfulPaint(browser, baseUrl, '/', adminCookie));
      // The kiosk screen, paired through its pairing URL (which sets the device cookie).
      const kioskContext = await browser.newContext({ baseURL: baseUrl });
      const kioskPage = await kioskContext.newPage();
      await kioskPage.goto(`/kiosk/pair?code=${await pairingCode(baseUrl, admin, 'women')}`);
      const kioskCookies = (await kioskContext.cookies()).map((c) => ({ name: c.name, value: c.value, url: baseUrl }));
      await kioskContext.close();
      const kiosk = [];
      for (let i = 0; i < LOADS; i++) kiosk.push(await firstContentfulPaint(browser, baseUrl, '/kiosk', kioskCookies));
      report(`panel first contentful paint, p50 of ${LOADS} cold loads`, percentiles(panel).p50, BUDGETS.fcpMs, ms);
      report(`kiosk first contentful paint, p50 of ${LOADS} cold loads`, percentiles(kiosk).p50, BUDGETS.fcpMs, ms);

      // A locker change on an open panel: the time from sending the scan that takes a locker to
      // its tile on the open lockers grid showing it owned.
      await page.goto('/');
      await signIn(page, 'admin', ADMIN_PASSWORD);
      await page.waitForURL((url) => url.pathname === '/');
      await page.goto('/lockers/men');
      await page.getByTestId('locker-grid').waitFor();
      const token = await pairKiosk(baseUrl, admin, 'men');
      const lockers = await call(baseUrl, 'GET', '/api/kiosks/men/lockers', admin);
      const free = lockers.body.items.filter((/** @type {{ state: string }} */ l) => l.state === 'free');
      const samples = [];
      for (let i = 0; i < Math.min(CHANGES, free.length); i++) {
        const number = free[i].number;
        const started = performance.now();
        await takeLocker(baseUrl, token, `04B0D6E7${String(i).padStart(2, '0')}`, number);
        await page.waitForFunction(
          (selector) => document.querySelector(selector) !== null,
          `[data-testid="locker-tile-${number}"][data-state="owned"]`,
          { polling: 'raf' },
        );
        samples.push(performance.now() - started);
      }
      const change = percentiles(samples);
      console.log(
        `     locker change visible on the panel over ${samples.length} changes: ` +
          `p50 ${ms(change.p50)}, p95 ${ms(change.p95)}, max ${ms(change.max)}`,
      );
      report('locker change visible on an open panel, p95', change.p95, BUDGETS.changeVisibleMs, ms);
    } finally {
      await browser.close();
    }
  } finally {
    await stopServer(server);
  }
}

const panel = await initialJs('index.html');
const kiosk = await initialJs('kiosk.html');
report(`panel initial JavaScript, gzipped (${panel.files.join(', ')})`, panel.gzipped, BUDGETS.panelJs, kb);
report(`kiosk initial JavaScript, gzipped (${kiosk.files.join(', ')})`, kiosk.gzipped, BUDGETS.kioskJs, kb);
if (process.argv.includes('--browser')) await browserBudgets();
if (over.length > 0) {
  console.error(`over budget: ${over.join('; ')}`);
  process.exit(1);
}
