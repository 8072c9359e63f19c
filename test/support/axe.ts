/**
 * Accessibility checked by a real engine: axe-core injected into the page Chromium shows, run
 * against the WCAG 2.1 A and AA rules. A failure names each violated rule and the nodes it found,
 * so the message alone says what to fix.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { VIEWPORTS } from './browser.js';

const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const WCAG_21_A_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

/** The violations axe-core finds on the page as it is now (an empty list when there are none). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // The page's own globals: this project compiles without the DOM types.
  const loaded = await page.evaluate(() => 'axe' in globalThis);
  // Evaluated, not added as a <script>: the pages' CSP (script-src 'self') blocks inline scripts,
  // and evaluation through the DevTools protocol is not subject to it.
  if (!loaded) await page.evaluate(readFileSync(AXE_SOURCE, 'utf8'));
  return page.evaluate(async (tags) => {
    const { axe, document } = globalThis as unknown as {
      axe: { run(context: unknown, options: object): Promise<unknown> };
      document: unknown;
    };
    const results = (await axe.run(document, { runOnly: { type: 'tag', values: tags } })) as {
      violations: AxeViolation[];
    };
    return results.violations.map(({ id, impact, help, nodes }) => ({
      id,
      impact,
      help,
      nodes: nodes.map(({ target, failureSummary }) => ({ target, failureSummary })),
    }));
  }, WCAG_21_A_AA);
}

/** One line per rule, its nodes under it: what a failing test prints. */
export function describeViolations(state: string, violations: AxeViolation[]): string {
  return violations
    .map(
      (violation) =>
        `${state}: ${violation.id} (${violation.impact ?? 'no impact given'}): ${violation.help}\n` +
        violation.nodes.map((node) => `    ${node.target.join(' ')}: ${node.failureSummary ?? ''}`).join('\n'),
    )
    .join('\n');
}

/**
 * Checks the page in every look a visitor may see it in: light and dark, phone (390 px) and
 * desktop (1280 px). Resolves with the report of every violation found ('' when none), so a test
 * asserts `expect(report).toBe('')` and its failure prints each rule and node.
 */
export async function accessibilityReport(page: Page, state: string): Promise<string> {
  const original = page.viewportSize();
  const reports: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      const violations = await axeViolations(page);
      if (violations.length > 0) reports.push(describeViolations(`${state} (${colorScheme}, ${size})`, violations));
    }
  }
  await page.emulateMedia({ colorScheme: null });
  if (original) await page.setViewportSize(original);
  return reports.join('\n');
}
