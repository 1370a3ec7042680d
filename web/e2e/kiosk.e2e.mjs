// @ts-check
/* global document, getComputedStyle -- used in callbacks that run inside the page */
// End-to-end: the kiosk screen (`/kiosk`) on the real kioskhub binary in demo mode, driven by
// Debian's Chromium through playwright-core like a member with a keyboard-wedge card reader
// (type the card number, press Enter). Lockers are checked through the staff API; nothing is
// mocked. Screens are also checked with axe-core, and screenshots of the start, choose and
// decide screens are saved to docs/screenshots/.
//
//   npm run build                      # debug builds of the server read web/dist from disk
//   cargo build -p kioskhub            # from the repository root
//   node --test e2e/kiosk.e2e.mjs      # KIOSKHUB_BIN overrides ../target/debug/kioskhub

import assert from 'node:assert/strict';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { call, pairingCode, staffSession } from './api.mjs';
import { assertAccessible } from './axe.mjs';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  SCREENSHOTS,
  checkPrerequisites,
  killOnExit,
  restartServer,
  startServer,
  step,
  stopServer,
  waitForHealth,
  webDir,
} from './support.mjs';

const DOCS_SCREENSHOTS = path.resolve(webDir, '..', 'docs', 'screenshots');
const VIEWPORT = { width: 1280, height: 800 };
/** The women's kiosk gets a short selection window so the timeout can be watched. */
const SHORT_SELECTION_S = 6;
/** The server counts the same card twice within 1.5 s once. */
const SAME_CARD_PAUSE_MS = 1_700;

// Demo data (server/src/demo.rs): card 2 owns men's locker 7 since 5 h (past the 1 h open-only
// window), card 1 owns men's locker 3; men's 12 is blocked and 32 is VIP.
const HELD_LONG_CARD = '04B2C3D4E5';
const HELD_LONG_LOCKER = 7;
const OWNER_CARD = '04A1B2C3D4';
const OWNER_LOCKER = 3;
const NEW_CARD = '0A1B2C3D4E5F';
const WOMEN_CARD = '0F0E0D0C0B0A';

/** @type {import('./support.mjs').RunningServer | undefined} */
let server;
/** @type {import('playwright-core').Browser | undefined} */
let browser;
/** @type {import('playwright-core').Page} */
let men;
/** @type {import('playwright-core').Page} */
let women;
/** @type {import('./api.mjs').StaffSession} */
let admin;
let masterPin = '';
let hasHelpEndpoint = false;

const current = () => server;

/**
 * A staff API call with the test's admin session; fails unless it answers `expect`.
 * @param {string} method
 * @param {string} urlPath
 * @param {unknown} [body]
 * @param {number[]} [expect]
 */
async function staff(method, urlPath, body, expect = [200]) {
  assert.ok(server);
  const result = await call(server.baseUrl, method, urlPath, { ...admin, ...(body === undefined ? {} : { body }) });
  assert.ok(expect.includes(result.status), `${method} ${urlPath}: ${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
}

/** @param {string} kiosk @param {number} n */
async function lockerState(kiosk, n) {
  const locker = await staff('GET', `/api/kiosks/${kiosk}/lockers/${n}`);
  return /** @type {string} */ (locker.state ?? locker.locker?.state);
}

/** A fresh browser context (own cookies and storage) at the kiosk's screen size. */
async function newKioskPage() {
  assert.ok(browser && server);
  const context = await browser.newContext({ baseURL: server.baseUrl, viewport: VIEWPORT });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

/**
 * What a keyboard-wedge reader does: type the number, press Enter.
 * @param {import('playwright-core').Page} page
 * @param {string} card
 */
async function scan(page, card) {
  await page.keyboard.type(card);
  await page.keyboard.press('Enter');
}

/**
 * @param {import('playwright-core').Page} page
 * @param {string} id
 */
async function screen(page, id) {
  const locator = page.getByTestId(id);
  await locator.waitFor();
  return locator;
}

/**
 * Fails when a visible button or field is smaller than 60 × 60 CSS pixels (wet hands).
 * @param {import('playwright-core').Page} page
 * @param {string} name
 */
async function assertTouchTargets(page, name) {
  const small = await page.evaluate(() =>
    [...document.querySelectorAll('button, input, textarea')]
      .map((el) => ({ el, box: el.getBoundingClientRect() }))
      .filter(({ box }) => box.width > 0 && box.height > 0 && (box.width < 60 || box.height < 60))
      .map(({ el, box }) => `${el.getAttribute('data-testid') ?? el.textContent?.trim()} ${Math.round(box.width)}×${Math.round(box.height)}`),
  );
  assert.deepEqual(small, [], `touch targets under 60 px on the ${name} screen`);
}

/**
 * Saves a screenshot: to docs/screenshots/ for the documented screens, else e2e/screenshots/.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 * @param {string} [dir]
 */
async function saveScreenshot(page, name, dir = DOCS_SCREENSHOTS) {
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, name) });
}

/**
 * Enters digits on the master keypad.
 * @param {import('playwright-core').Page} page
 * @param {string} pin
 */
async function typePin(page, pin) {
  for (const digit of pin) await page.getByTestId(`key-${digit}`).click();
  await page.getByTestId('key-ok').click();
}

describe('the kiosk screen against the real server', { timeout: 300_000 }, () => {
  before(async () => {
    checkPrerequisites();
    server = await startServer();
    killOnExit(current);
    await waitForHealth(server);
    // The demo wrote its configuration on first start; give the last kiosk (women) a short
    // selection window and start again on the same data.
    await appendFile(
      path.join(server.dataDir, 'kioskhub.toml'),
      `\n[kiosk.settings]\nselection_timeout = "${SHORT_SELECTION_S}s"\n`,
    );
    server = await restartServer(server);
    const pins = [...server.output.text.matchAll(/master PIN \(demo\): (\d+)/g)];
    masterPin = pins.at(-1)?.[1] ?? '';
    assert.match(masterPin, /^\d{4,8}$/, 'the demo prints its master PIN');
    admin = await staffSession(server.baseUrl);
    const openapi = await (await fetch(`${server.baseUrl}/api/openapi.json`)).json();
    hasHelpEndpoint = Boolean(openapi.paths?.['/api/help']?.post);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    men = await newKioskPage();
    women = await newKioskPage();
  });

  after(async () => {
    await browser?.close();
    await stopServer(server);
    server = undefined;
  });

  // Its size budget is checked by scripts/budgets.mjs in the test command.
  test('the kiosk loads none of the panel code, and only what kiosk.html names', () =>
    step(current, async () => {
      const html = await readFile(path.join(webDir, 'dist', 'kiosk.html'), 'utf8');
      const files = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1] ?? '');
      assert.ok(files.length > 0, 'kiosk.html loads scripts');
      for (const file of files) {
        const code = await readFile(path.join(webDir, 'dist', file), 'utf8');
        assert.doesNotMatch(code, /react-router|data-radix/, `${file} holds panel code`);
      }

      /** @type {string[]} */
      const loaded = [];
      men.on('request', (r) => {
        if (r.resourceType() === 'script') loaded.push(new URL(r.url()).pathname.slice(1));
      });
      await men.goto('/kiosk');
      await men.waitForLoadState('networkidle');
      assert.deepEqual([...new Set(loaded)].sort(), [...files].sort(), 'scripts the kiosk screen loads');
    }));

  test('an unpaired screen asks for a pairing code and pairs with a valid one', () =>
    step(current, async () => {
      await screen(men, 'kiosk-pair');
      await men.getByLabel('Eşleştirme kodu').fill('WRONG-CODE');
      await men.getByRole('button', { name: 'Bu ekranı eşleştir' }).click();
      await men.getByText('Bu kod geçersiz ya da süresi dolmuş').waitFor();

      const code = await pairingCode(server?.baseUrl ?? '', admin, 'men');
      await men.getByLabel('Eşleştirme kodu').fill(code);
      await men.getByRole('button', { name: 'Bu ekranı eşleştir' }).click();
      await screen(men, 'kiosk-idle');
      assert.equal((await men.getByTestId('kiosk-name').textContent())?.trim(), "Men's changing room");

      await men.reload();
      await screen(men, 'kiosk-idle');
    }));

  test('the printed pairing link pairs a screen and opens /kiosk', () =>
    step(current, async () => {
      const code = await pairingCode(server?.baseUrl ?? '', admin, 'women');
      // The link the demo prints and the panel shows.
      await women.goto(`/kiosk/pair?code=${encodeURIComponent(code)}`);
      await women.waitForURL((u) => u.pathname === '/kiosk');
      await screen(women, 'kiosk-idle');
      assert.equal((await women.getByTestId('kiosk-name').textContent())?.trim(), "Women's changing room");
    }));

  test('the start screen speaks Turkish by default, with Turkish casing', () =>
    step(current, async () => {
      assert.equal(await men.evaluate(() => document.documentElement.lang), 'tr');
      const heading = await men.getByRole('heading', { level: 1 }).textContent();
      assert.equal(heading, 'KARTINIZI OKUTUN');
      assert.match((await men.getByTestId('kiosk-help-button').textContent()) ?? '', /YARDIM/);
      await men.getByTestId('kiosk-staff').waitFor();
      await assertAccessible(men, 'idle');
      await assertTouchTargets(men, 'idle');
      await saveScreenshot(men, 'kiosk-idle.png');
    }));

  test('a new card chooses a locker, opens it, keeps it on a second scan, then finishes', () =>
    step(current, async () => {
      await scan(men, NEW_CARD);
      const choose = await screen(men, 'kiosk-choose');
      assert.match((await choose.getByTestId('countdown').textContent()) ?? '', /\b(30|29|28) sn/);
      for (const taken of [OWNER_LOCKER, HELD_LONG_LOCKER, 12, 32]) {
        assert.equal(await men.getByTestId(`locker-tile-${taken}`).count(), 0, `locker ${taken} is not offered`);
      }
      await assertAccessible(men, 'choose');
      await assertTouchTargets(men, 'choose');
      await saveScreenshot(men, 'kiosk-choose.png');

      const tile = men.locator('[data-testid^="locker-tile-"]').first();
      const number = Number((await tile.getAttribute('data-testid'))?.replace('locker-tile-', ''));
      assert.ok(Number.isInteger(number) && number > 0);
      assert.equal(await lockerState('men', number), 'free');
      await tile.click();
      const opened = await screen(men, 'kiosk-opened');
      assert.equal((await opened.getByTestId('locker-number').textContent())?.trim(), String(number));
      assert.equal(await lockerState('men', number), 'owned');
      await assertAccessible(men, 'opened');
      await assertTouchTargets(men, 'opened');
      await saveScreenshot(men, 'kiosk-opened.png', SCREENSHOTS);

      await men.waitForTimeout(SAME_CARD_PAUSE_MS);
      await scan(men, NEW_CARD);
      const decide = await screen(men, 'kiosk-decide');
      assert.equal((await decide.getByTestId('locker-number').textContent())?.trim(), String(number));
      await decide.getByTestId('decide-keep').waitFor();
      await assertAccessible(men, 'decide');
      await assertTouchTargets(men, 'decide');
      await saveScreenshot(men, 'kiosk-decide.png');
      await decide.getByTestId('decide-keep').click();
      await screen(men, 'kiosk-opened');
      assert.equal(await lockerState('men', number), 'owned', 'open and keep leaves the locker owned');

      await men.waitForTimeout(SAME_CARD_PAUSE_MS);
      await scan(men, NEW_CARD);
      await (await screen(men, 'kiosk-decide')).getByTestId('decide-finish').click();
      const finished = await screen(men, 'kiosk-opened');
      assert.match((await finished.textContent()) ?? '', new RegExp(`DOLAP ${number} AÇILDI VE YENİDEN BOŞ`));
      assert.equal(await lockerState('men', number), 'free', 'finish frees the locker');
      await finished.getByTestId('kiosk-done').click();
      await screen(men, 'kiosk-idle');
    }));

  test('past the open-only window only "open and finish" is offered; Cancel returns to the start', () =>
    step(current, async () => {
      await scan(men, HELD_LONG_CARD);
      const decide = await screen(men, 'kiosk-decide');
      assert.equal((await decide.getByTestId('locker-number').textContent())?.trim(), String(HELD_LONG_LOCKER));
      await decide.getByTestId('decide-keep-unavailable').waitFor();
      assert.equal(await decide.getByTestId('decide-keep').count(), 0);
      await decide.getByTestId('decide-finish').waitFor();
      await decide.getByTestId('kiosk-cancel').click();
      await screen(men, 'kiosk-idle');
      assert.equal(await lockerState('men', HELD_LONG_LOCKER), 'owned', 'cancel changes nothing');
    }));

  test('the choose screen returns to the start when the selection window runs out', () =>
    step(current, async () => {
      await scan(women, WOMEN_CARD);
      const choose = await screen(women, 'kiosk-choose');
      const shown = Number(/(\d+) sn/.exec((await choose.getByTestId('countdown').textContent()) ?? '')?.[1]);
      assert.ok(shown > 0 && shown <= SHORT_SELECTION_S, `countdown starts at the server's ${SHORT_SELECTION_S} s, shows ${shown}`);
      const idle = women.getByTestId('kiosk-idle');
      await idle.waitFor({ timeout: (SHORT_SELECTION_S + 4) * 1000 });
      await idle.getByText('Süre doldu').waitFor();
    }));

  test('a blocked locker gets a clear error screen that returns to the start', () =>
    step(current, async () => {
      const body = await staff('POST', `/api/kiosks/men/lockers/${OWNER_LOCKER}/block`, { reason: 'e2e: broken lock' }, [200, 201, 202]);
      if (body?.id && body.state !== 'succeeded') {
        for (let i = 0; i < 50; i += 1) {
          const command = await staff('GET', `/api/commands/${body.id}`);
          if (command.state === 'succeeded') break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      assert.equal(await lockerState('men', OWNER_LOCKER), 'blocked');

      await scan(men, OWNER_CARD);
      const error = await screen(men, 'kiosk-error');
      await saveScreenshot(men, 'kiosk-error.png', SCREENSHOTS);
      assert.match((await error.getByTestId('error-message').textContent()) ?? '', /Dolabınız kilitlendi/);
      await error.getByTestId('kiosk-back').click();
      await screen(men, 'kiosk-idle');
    }));

  test('help: categories with icons, a note, and the request number (or the queue)', () =>
    step(current, async () => {
      await men.getByTestId('kiosk-help-button').click();
      const help = await screen(men, 'kiosk-help');
      await assertAccessible(men, 'help');
      await assertTouchTargets(men, 'help');
      await help.getByTestId('help-category-access_issue').click();
      await men.getByLabel('Sorununuzu açıklayın (isteğe bağlı)').fill('e2e: door does not open');
      await men.getByLabel('Dolap numarası (biliyorsanız)').fill('5');
      await assertAccessible(men, 'help details');
      await assertTouchTargets(men, 'help details');
      await saveScreenshot(men, 'kiosk-help.png', SCREENSHOTS);
      await men.getByTestId('help-send').click();
      if (hasHelpEndpoint) {
        const sent = await screen(men, 'help-sent');
        const id = /#(\d+) numaralı talep gönderildi/.exec((await sent.textContent()) ?? '')?.[1];
        assert.ok(id, `the request number is shown: ${await sent.textContent()}`);
        const stored = await staff('GET', `/api/help/${id}`);
        const request = stored.request ?? stored;
        assert.equal(request.category, 'access_issue');
        assert.equal(request.locker, 5);
      } else {
        await screen(men, 'help-queued');
        await screen(men, 'help-pending');
      }
      await men.getByTestId('kiosk-cancel').click();
      await screen(men, 'kiosk-idle');
    }));

  test('offline: a banner, and a help request kept and sent once when the hub answers again', () =>
    step(current, async () => {
      const note = `e2e: queued while offline ${Date.now()}`;
      await men.context().setOffline(true);
      await screen(men, 'kiosk-offline');
      await men.getByTestId('kiosk-help-button').click();
      await (await screen(men, 'kiosk-help')).getByTestId('help-category-other').click();
      await men.getByLabel('Sorununuzu açıklayın (isteğe bağlı)').fill(note);
      await men.getByTestId('help-send').click();
      await screen(men, 'help-queued');
      await screen(men, 'help-pending');
      const queued = await men.evaluate(() => localStorage.getItem('kioskhub.kiosk.help-queue') ?? '[]');
      assert.equal(JSON.parse(queued).length, 1);

      await men.context().setOffline(false);
      await men.getByTestId('kiosk-offline').waitFor({ state: 'detached', timeout: 15_000 });
      if (!hasHelpEndpoint) {
        await screen(men, 'help-pending');
        return;
      }
      await men.getByTestId('help-pending').waitFor({ state: 'detached', timeout: 30_000 });
      const list = await staff('GET', '/api/help');
      const items = /** @type {{ note: string | null }[]} */ (list.items ?? []);
      assert.equal(items.filter((item) => item.note === note).length, 1, 'sent exactly once');
      await men.getByTestId('kiosk-cancel').click();
      await screen(men, 'kiosk-idle');
    }));

  test('master: the PIN on the keypad, open & keep, open & free, exit', () =>
    step(current, async () => {
      await men.getByTestId('kiosk-staff').click();
      await screen(men, 'kiosk-master');
      await assertAccessible(men, 'master PIN');
      await assertTouchTargets(men, 'master PIN');
      await typePin(men, masterPin);
      await screen(men, `master-locker-${HELD_LONG_LOCKER}`);
      await assertAccessible(men, 'master lockers');
      await assertTouchTargets(men, 'master lockers');
      await saveScreenshot(men, 'kiosk-master.png', SCREENSHOTS);

      await men.getByTestId(`master-locker-${HELD_LONG_LOCKER}`).click();
      await men.getByTestId('master-open-keep').click();
      await men.getByText(`Dolap ${HELD_LONG_LOCKER} açıldı; sahibi değişmedi.`).waitFor();
      assert.equal(await lockerState('men', HELD_LONG_LOCKER), 'owned');

      await men.getByTestId(`master-locker-${HELD_LONG_LOCKER}`).click();
      await men.getByTestId('master-open-free').click();
      await men.getByText(`Dolap ${HELD_LONG_LOCKER} açıldı ve boşaltıldı.`).waitFor();
      assert.equal(await lockerState('men', HELD_LONG_LOCKER), 'free');

      await men.getByTestId('master-exit').click();
      await screen(men, 'kiosk-idle');
    }));

  test('master: wrong PINs count down the attempts, then the server locks it with a countdown', () =>
    step(current, async () => {
      // The discreet way in: hold the kiosk name for 3 s.
      const name = men.getByTestId('kiosk-name');
      await name.hover();
      await men.mouse.down();
      await men.waitForTimeout(3_200);
      await men.mouse.up();
      await screen(men, 'kiosk-master');

      const wrong = masterPin === '0000' ? '1111' : '0000';
      for (let left = 4; left >= 1; left -= 1) {
        await typePin(men, wrong);
        await men.getByText(`Yanlış PIN. Kalan deneme: ${left}.`).waitFor();
      }
      await typePin(men, wrong);
      const lockout = await screen(men, 'master-lockout');
      await saveScreenshot(men, 'kiosk-master-lockout.png', SCREENSHOTS);
      const first = (await lockout.textContent()) ?? '';
      assert.match(first, /kilitlendi\. (1:00|0:5\d) sonra/);
      await men.waitForTimeout(1_300);
      assert.notEqual(await lockout.textContent(), first, 'the lockout counts down');
      assert.ok(await men.getByTestId('key-1').isDisabled(), 'the keypad is off during the lockout');
      await men.getByTestId('kiosk-cancel').click();
      await screen(men, 'kiosk-idle');
    }));

  test('language, text size and high contrast are remembered across a reload', () =>
    step(current, async () => {
      await men.getByTestId('lang-en').click();
      await men.getByTestId('text-large').click();
      await men.getByTestId('contrast').click();
      await men.reload();
      await screen(men, 'kiosk-idle');
      const root = await men.evaluate(() => ({
        lang: document.documentElement.lang,
        size: document.documentElement.dataset.textSize,
        contrast: document.documentElement.dataset.contrast,
        fontSize: getComputedStyle(document.documentElement).fontSize,
      }));
      assert.deepEqual(root, { lang: 'en', size: 'large', contrast: 'high', fontSize: '19px' });
      assert.equal(await men.getByRole('heading', { level: 1 }).textContent(), 'SCAN YOUR CARD');
      assert.equal(await men.getByTestId('text-large').getAttribute('aria-pressed'), 'true');
      await assertAccessible(men, 'idle, high contrast');
      await saveScreenshot(men, 'kiosk-idle-contrast.png', SCREENSHOTS);
      await men.getByTestId('text-xlarge').click();
      await men.getByTestId('kiosk-help-button').click();
      await screen(men, 'kiosk-help');
      await assertAccessible(men, 'help, high contrast, extra large text');
      await saveScreenshot(men, 'kiosk-help-contrast-xlarge.png', SCREENSHOTS);
    }));
});
