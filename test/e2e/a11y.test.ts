import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import axe from 'axe-core';
import type { Browser, Page } from 'playwright-core';
import { createTestApp, listenOnLoopback, type TestApp } from '../support/app.ts';
import { launchChromium, skipWithoutChromium } from '../support/chromium.ts';
import { runAxe, describeViolations } from '../support/axe.ts';

// Accessibility in a real browser: axe-core (WCAG 2.0–2.2 A/AA and best practices) on every kind
// of reader page, at a desktop and a phone width; the pages read without JavaScript; the print
// stylesheet hides the navigation and prints the citation. Uses Debian's Chromium
// (apt-get install chromium, or CHROME_PATH); without it these tests are skipped, not failed.

const skip = skipWithoutChromium('browser accessibility tests');

const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 900 },
  // WCAG 1.4.10 (reflow): usable at 320 CSS pixels wide without scrolling sideways.
  { name: 'phone, 320px', width: 320, height: 640 },
];
const SEED_PATH = '/articles/salvadoran-presidents-dark-secret-allegedly-behind-deal-to-hold-deported';
const SEED_TITLE = 'Salvadoran President’s Dark Secret Allegedly Behind Deal to Hold Deported Migrants in “Mega” Prison';
const SEED_TEASER = 'When Pres. Donald J. Trump (R) invoked the 1798 Alien Enemies Act';

let t: TestApp;
let browser: Browser;
let base: string;
let freePath: string;
let topicPath: string;

before(async () => {
  if (skip) return;
  t = await createTestApp();
  base = await listenOnLoopback(t);
  const list = (await t.app.inject({ url: '/api/v1/articles?limit=100' })).json() as { items: { slug: string; access: string }[] };
  const free = list.items.find((a) => a.access === 'free');
  assert.ok(free, 'the demo has a free article');
  freePath = `/articles/${encodeURIComponent(free.slug)}`;
  const topic = await t.store.db.selectFrom('topics').select('slug').orderBy('id').executeTakeFirstOrThrow();
  topicPath = `/topics/${topic.slug}`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await t?.cleanup();
});


const logged = new WeakMap<Page, string[]>();

/**
 * Opens `url` and checks its status. Returns what the browser logged as an error while loading it
 * (a CSP violation, say), except the status line of an expected 404 itself.
 */
async function open(page: Page, url: string, status: number): Promise<string[]> {
  let errors = logged.get(page);
  if (!errors) {
    const list: string[] = [];
    logged.set(page, (errors = list));
    page.on('console', (m) => {
      if (m.type() === 'error') list.push(m.text());
    });
    page.on('pageerror', (e) => list.push(e.message));
  }
  errors.length = 0;
  const res = await page.goto(base + url, { waitUntil: 'load' });
  assert.equal(res?.status(), status, `${url} answers ${status}`);
  return errors.filter((e) => !(status >= 400 && e.startsWith(`Failed to load resource: the server responded with a status of ${status}`)));
}



test('axe-core finds no WCAG 2.2 AA or best-practice violations on reader pages', { skip }, async (tt) => {
  const pages = [
    { name: 'home', url: '/', status: 200 },
    { name: 'seed article (premium, anonymous)', url: SEED_PATH, status: 200 },
    { name: 'free article', url: freePath, status: 200 },
    { name: 'issue table of contents', url: '/issues/2025/03', status: 200 },
    { name: 'topic page', url: topicPath, status: 200 },
    { name: 'all issues', url: '/issues', status: 200 },
    { name: 'subscribe', url: '/subscribe', status: 200 },
    { name: 'search form', url: '/search', status: 200 },
    { name: 'search results with facets and a note on gated matches', url: '/search?q=prison&per_page=5', status: 200 },
    { name: 'search with no results and did-you-mean', url: '/search?q=Bukle', status: 200 },
    { name: 'search with a bad parameter (400)', url: '/search?q=x&from=2025-13-01', status: 400 },
    { name: '404 page', url: '/no-such-page', status: 404 },
    { name: 'unresolved citation (404)', url: '/cite/PLN/2025/03/63', status: 404 },
  ];
  for (const vp of VIEWPORTS) {
    const context = await browser.newContext({ viewport: { width: vp.width, height: vp.height } });
    // axe-core goes in as an init script (injected by the DevTools protocol, so the page's CSP,
    // script-src 'none', neither blocks it nor has to be loosened for it).
    await context.addInitScript(axe.source);
    const page = await context.newPage();
    try {
      for (const p of pages) {
        await tt.test(`${p.name} ${p.url} (${vp.name})`, async () => {
          const errors = await open(page, p.url, p.status);
          const violations = await runAxe(page);
          assert.equal(violations.length, 0, `axe violations on ${p.url} (${vp.name}):\n${describeViolations(violations)}`);
          assert.deepEqual(errors, [], `the browser logged errors on ${p.url}`);
          const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
          assert.ok(scrollWidth <= vp.width, `${p.url} is ${scrollWidth}px wide in a ${vp.width}px window: it scrolls sideways`);
        });
      }
    } finally {
      await context.close();
    }
  }
});

test('articles read without JavaScript', { skip }, async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    await open(page, SEED_PATH, 200);
    assert.equal((await page.locator('h1').innerText()).trim(), SEED_TITLE);
    const teaser = page.locator('.teaser');
    assert.ok(await teaser.isVisible(), 'the teaser is visible');
    assert.ok((await teaser.innerText()).includes(SEED_TEASER), 'the teaser is the first paragraph');
    assert.ok(await page.getByRole('heading', { name: 'Keep reading with a subscription' }).isVisible(), 'the subscribe prompt is visible');
    assert.ok(await page.getByRole('link', { name: 'Subscribe', exact: true }).first().isVisible());

    await open(page, freePath, 200);
    assert.ok(await page.locator('h1').isVisible());
    const body = page.locator('.body');
    assert.ok(await body.isVisible(), 'a free article shows its whole body');
    assert.ok((await body.locator('p').count()) >= 2);
  } finally {
    await context.close();
  }
});

test('print stylesheet: no navigation, the citation on the page, external URLs written out', { skip }, async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await open(page, SEED_PATH, 200);
    await page.emulateMedia({ media: 'print' });
    assert.ok(await page.locator('nav.primary').isHidden(), 'the main navigation is not printed');
    assert.ok(await page.locator('.skip').isHidden(), 'the skip link is not printed');
    assert.ok(await page.locator('.site-search').isHidden(), 'the search box is not printed');
    const cite = page.locator('.print-cite');
    assert.ok(await cite.isVisible(), 'the citation line is printed');
    assert.match(await cite.innerText(), /PLN, May 2025, pp\.30-31/);
    assert.equal(await cite.evaluate((el) => getComputedStyle(el).position), 'fixed', 'the citation line repeats on every printed page');
    assert.ok(await page.locator('.cite-as').isVisible(), 'the "Cite as" line is printed');
    assert.ok(await page.locator('.cite-as .no-print').isHidden(), 'the export links are not printed');
    assert.ok(await page.locator('h1').isVisible());
    assert.ok(await page.locator('.teaser').isVisible());

    // On screen, the print-only line stays out of the way.
    await page.emulateMedia({ media: 'screen' });
    assert.ok(await cite.isHidden(), 'the print citation line is not shown on screen');
    assert.ok(await page.locator('nav.primary').isVisible());

    // External links get their address written after them on paper.
    await open(page, freePath, 200);
    await page.emulateMedia({ media: 'print' });
    const external = page.locator('main a[href^="http"]');
    assert.ok((await external.count()) > 0, 'the free article links to an outside source');
    for (const a of await external.all()) {
      const [href, after] = await a.evaluate((el) => [el.getAttribute('href') ?? '', getComputedStyle(el, '::after').content]);
      assert.ok(after.includes(href), `printed after the link: ${after} (expected ${href})`);
    }
  } finally {
    await context.close();
  }
});

test('the search box on every page finds articles, without JavaScript, at 320 pixels too', { skip }, async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 320, height: 640 } });
  try {
    const page = await context.newPage();
    await open(page, freePath, 200);
    const box = page.getByRole('search').getByLabel('Search the archive');
    assert.ok(await box.isVisible());
    const { width } = (await box.boundingBox())!;
    assert.ok(width >= 120, `the box is wide enough to type in (${width}px)`);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, 'no sideways scrolling');
    await box.fill('"Alien Enemies Act"');
    await page.getByRole('search').getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/search\?q=/);
    assert.ok(await page.getByRole('link', { name: SEED_TITLE }).first().isVisible(), 'the seed article is found');
  } finally {
    await context.close();
  }
});
