import axe, { type AxeResults, type Result, type RunOptions } from 'axe-core';

/**
 * The rules jsdom cannot judge, because it lays nothing out and paints nothing: every other axe rule runs.
 * - `color-contrast` (and its enhanced variant) needs computed, painted colours.
 * - `target-size` needs element boxes.
 * - `scrollable-region-focusable` needs real scroll sizes.
 * The browser check (`browser/screens.browser.ts`) runs them, in Chromium.
 */
export const needsRealLayout = ['color-contrast', 'color-contrast-enhanced', 'target-size', 'scrollable-region-focusable'];

const options: RunOptions = {
  rules: Object.fromEntries(needsRealLayout.map((id) => [id, { enabled: false }])),
  // Best practices too (landmarks, heading order, region…), not only WCAG failures.
  resultTypes: ['violations'],
};

/** One line per violation and per node, so a failing audit says what to fix and where. */
export function formatViolations(violations: readonly Result[]): string {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .map((node) => `    at ${node.target.join(' ')}\n      ${node.html}\n      ${node.failureSummary?.replace(/\n/g, '\n      ') ?? ''}`)
        .join('\n');
      return `[${v.impact ?? 'unknown'}] ${v.id}: ${v.help} (${v.helpUrl})\n${nodes}`;
    })
    .join('\n\n');
}

/**
 * Audits what is on screen with axe-core. The whole document by default, as the shell shows it (index.html gives
 * it its lang and title); `context` narrows it to one part. Fails with the violations, readably.
 */
export async function expectNoAxeViolations(context: Element | Document = document): Promise<AxeResults> {
  const results = await axe.run(context, options);
  if (results.violations.length > 0) {
    throw new Error(`axe found ${String(results.violations.length)} violation(s):\n\n${formatViolations(results.violations)}`);
  }
  return results;
}

/** What index.html gives the document, which jsdom's blank page lacks. */
export function asIndexHtml(): void {
  document.documentElement.lang = 'en';
  document.title = 'keyblade';
}
