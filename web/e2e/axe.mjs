// @ts-check
/* global window, document -- used inside page.evaluate, which runs in the browser */
// Automated accessibility checks with axe-core inside the page under test: every screen must have
// no serious or critical violation (WCAG 2.1 A/AA rules, colour contrast included).

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/**
 * Runs axe on the page (or on `include`, a CSS selector) and fails with a readable list when a
 * serious or critical violation is found.
 * @param {import('playwright-core').Page} page
 * @param {string} screen a name for the failure message
 * @param {{ include?: string }} [options]
 */
export async function assertAccessible(page, screen, options = {}) {
  // Check the settled screen, not one caught halfway through a transition (endless animations,
  // like a pulsing status dot, never settle and are left alone).
  await page.waitForFunction(() =>
    document
      .getAnimations()
      .every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity),
  );
  const loaded = await page.evaluate(() => 'axe' in window);
  // Evaluated through the DevTools protocol, which the page's strict CSP (no inline scripts) does
  // not govern, unlike an injected <script> tag.
  if (!loaded) await page.evaluate(await readFile(AXE_PATH, 'utf8'));
  /** @type {{ id: string, impact: string | null, help: string, nodes: { target: string[] }[] }[]} */
  const violations = await page.evaluate(async (include) => {
    // @ts-expect-error axe is injected above
    const result = await window.axe.run(include ?? document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map(
      (/** @type {{ id: string, impact: string | null, help: string, nodes: { target: string[] }[] }} */ v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target })),
      }),
    );
  }, options.include);
  const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    blocking.map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    [],
    `accessibility violations on ${screen}`,
  );
}
