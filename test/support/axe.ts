import type axe from 'axe-core';
import type { Page } from 'playwright-core';

// axe-core in a real browser, for the accessibility tests: the rules (WCAG 2.0–2.2 A/AA and best
// practices), a run on the open page, and a readable account of what it found. axe goes into a
// page as an init script (context.addInitScript(axe.source)), which the page's CSP does not block.

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

export interface Violation {
  id: string;
  impact?: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

export async function runAxe(page: Page): Promise<Violation[]> {
  return page.evaluate(async (tags) => {
    const w = window as unknown as { axe: typeof axe };
    const r = await w.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  }, AXE_TAGS);
}

/** The violations, one per line with up to five of the elements each. */
export function describeViolations(violations: Violation[]): string {
  return violations.map((v) => `  ${v.id} (${v.impact}): ${v.help}\n` + v.nodes.slice(0, 5).map((n) => `    ${JSON.stringify(n.target)}${n.failureSummary ? ' — ' + n.failureSummary.replace(/\s+/g, ' ') : ''}`).join('\n')).join('\n');
}

/** Collects what the browser logs as errors on this page (CSP violations, failed scripts). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}
