import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import axe from 'axe-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestApp, listenOnLoopback, type TestApp } from '../support/app.ts';
import { launchChromium, skipWithoutChromium } from '../support/chromium.ts';
import { runAxe, describeViolations, watchErrors } from '../support/axe.ts';
import { createUser } from '../../src/store/users.ts';
import { hashPassword } from '../../src/auth/passwords.ts';
import { currentTotpCode } from '../../src/web/admin/totp.ts';

// The newsroom in a real browser (Debian's Chromium): an editor signs in, imports the seed file,
// sees the "2015" finding, fixes it, puts the article in an issue and on a page, schedules it a
// few seconds ahead, and it goes live for anonymous readers without a restart. Then axe-core
// checks the admin pages at 1280 and 320 pixels, and the editor is used without JavaScript.

const skip = skipWithoutChromium('admin browser tests');
const SEED_FILE = path.resolve(import.meta.dirname, '../../fixtures/seed-pln-bukele.txt');
const SEED_TITLE = 'Salvadoran President’s Dark Secret Allegedly Behind Deal to Hold Deported Migrants in “Mega” Prison';
const PASSWORD = 'a long editor password';

let t: TestApp;
let browser: Browser;
let base: string;
let articleId = 0;
let adminSecret = '';
const editorEmail = 'editor@newsroom.example';
const adminEmail = 'admin@newsroom.example';

before(async () => {
  if (skip) return;
  t = await createTestApp();
  base = await listenOnLoopback(t);
  const hash = await hashPassword(PASSWORD);
  await createUser(t.store.db, { email: editorEmail, passwordHash: hash, role: 'editor', verified: true });
  await createUser(t.store.db, { email: adminEmail, passwordHash: hash, role: 'admin', verified: true });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await t?.cleanup();
});


async function signIn(page: Page, email: string, next: string): Promise<void> {
  await page.goto(`${base}/login?next=${encodeURIComponent(next)}`);
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('form[action="/login"] button[type=submit]')]);
}

function utcInput(d: Date): string {
  return d.toISOString().slice(0, 19);
}

test('an editor imports the seed, fixes the 2015 finding, places and schedules it, and it goes live', { skip, timeout: 120_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = watchErrors(page);
  try {
    await signIn(page, editorEmail, '/admin/import');
    assert.equal(new URL(page.url()).pathname, '/admin/import');

    // Upload the seed file.
    await page.setInputFiles('#file', SEED_FILE);
    await Promise.all([page.waitForURL(`${base}/admin/import`), page.click('form[action="/admin/import"] button[type=submit]')]);
    assert.ok(await page.getByRole('heading', { name: 'Import preview' }).isVisible());
    assert.equal(await page.inputValue('#f-title'), SEED_TITLE);
    const finding = page.locator('#checks .findings li', { hasText: '2015' });
    assert.ok(await finding.first().isVisible(), 'the editorial checks flag the year 2015');
    assert.match(await finding.first().innerText(), /2025/, 'the finding suggests 2025');

    // Save the import (a draft), which opens it in the editor.
    await Promise.all([page.waitForURL(/\/admin\/articles\/\d+\/edit\?done=created/), page.click('button[name=action][value=save]')]);
    articleId = Number(/\/admin\/articles\/(\d+)\//.exec(page.url())![1]);
    assert.ok(await page.locator('#checks .findings li', { hasText: '2015' }).first().isVisible(), 'the finding is still there after saving');

    // Fix the year in the text; the live preview follows.
    const body = await page.inputValue('#f-body');
    assert.ok(body.includes('March 30, 2015'));
    await page.fill('#f-body', body.replace('March 30, 2015', 'March 30, 2025'));
    await page.locator('#preview', { hasText: 'March 30, 2025' }).waitFor({ timeout: 10_000 });

    // An issue and a page, and a time a few seconds ahead.
    await page.fill('#f-issue', '2025-05');
    await page.fill('#f-pageFirst', '56');
    await page.check('#f-status-scheduled');
    const goLive = new Date(Date.now() + 6000);
    await page.fill('#f-publishAt', utcInput(goLive));
    await page.fill('#f-note', 'Fixed the year; placed in the May issue');
    await Promise.all([page.waitForURL(/done=saved/), page.click('button[name=action][value=save]')]);
    assert.ok(await page.getByRole('status').filter({ hasText: 'Saved.' }).isVisible());
    const left = await page.locator('#checks .findings li', { hasText: '2015' }).allInnerTexts();
    assert.deepEqual(left, [], 'the 2015 finding is gone');
    assert.match(await page.locator('.crumbs').innerText(), /Scheduled/i);

    // An anonymous reader: not yet, then live at its time (same server, no restart).
    const slug = await t.store.db.selectFrom('articles').select('slug').where('id', '=', articleId).executeTakeFirstOrThrow();
    const anon = await browser.newContext();
    try {
      const reader = await anon.newPage();
      const before = await reader.goto(`${base}/articles/${slug.slug}`);
      assert.equal(before?.status(), 404, 'not visible before its time');
      await reader.goto(`${base}/issues/2025/05`);
      // (The demo's own copy of the seed is in this issue too, at another address.)
      const link = reader.locator(`main a[href="/articles/${slug.slug}"]`);
      assert.equal(await link.count(), 0);
      await new Promise((r) => setTimeout(r, Math.max(0, goLive.getTime() - Date.now()) + 1500));
      const live = await reader.goto(`${base}/articles/${slug.slug}`);
      assert.equal(live?.status(), 200, 'live after its time');
      assert.equal((await reader.locator('h1').innerText()).trim(), SEED_TITLE);
      assert.ok((await reader.locator('.teaser').innerText()).includes('March 30, 2025'));
      assert.match(await reader.locator('main').innerText(), /PLN, May 2025, p\.56/);
      await reader.goto(`${base}/issues/2025/05`);
      assert.equal(await link.count(), 1, 'listed in the issue');
    } finally {
      await anon.close();
    }
    const admin = await t.store.db.selectFrom('articles').select(['status', 'published_at']).where('id', '=', articleId).executeTakeFirstOrThrow();
    assert.equal(admin.status, 'scheduled');
    assert.deepEqual(errors, [], 'the browser logged no errors (CSP, scripts)');
  } finally {
    await context.close();
  }
});

test('the editor works without JavaScript: the Preview button renders on the server', { skip, timeout: 60_000 }, async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  try {
    await signIn(page, editorEmail, '/admin/articles/new');
    await page.fill('#f-title', 'Written Without Scripts');
    await page.fill('#f-body', 'A first paragraph with *emphasis*.\n\nA second paragraph.');
    await page.click('button[name=action][value=preview]');
    await page.locator('#preview em', { hasText: 'emphasis' }).waitFor();
    assert.equal(await page.inputValue('#f-title'), 'Written Without Scripts', 'the form comes back as typed');
    await Promise.all([page.waitForURL(/done=created/), page.click('button[name=action][value=save]')]);
  } finally {
    await context.close();
  }
});




/** Signs the admin in with password and TOTP (enrolling the first time); `atCode` sees the code page first. */
async function signInAdmin(context: BrowserContext, atCode?: (page: Page) => Promise<void>): Promise<Page> {
  const page = await context.newPage();
  await signIn(page, adminEmail, '/admin/audit');
  if (atCode) await atCode(page);
  if (new URL(page.url()).pathname === '/admin/2fa/setup') {
    adminSecret = (await page.locator('#totp-secret').innerText()).replace(/\s/g, '');
    await page.fill('#code', currentTotpCode(adminSecret));
  } else {
    assert.equal(new URL(page.url()).pathname, '/admin/2fa');
    // The next time step: the current one may be used up already (codes work once).
    await page.fill('#code', currentTotpCode(adminSecret, Date.now() + 30_000));
  }
  await Promise.all([page.waitForURL(`${base}/admin/audit`), page.locator('main form:has(#code) button[type=submit]').click()]);
  return page;
}

test('axe-core: no serious or critical violations on the admin pages, at 1280 and 320 pixels', { skip, timeout: 240_000 }, async (tt) => {
  assert.ok(articleId > 0, 'the import test ran first');
  const revisions = await t.store.db.selectFrom('article_revisions').select('id').where('article_id', '=', articleId).orderBy('id').execute();
  const pages = [
    '/admin/articles',
    '/admin/articles?q=salvador',
    '/admin/articles/new',
    `/admin/articles/${articleId}/edit`,
    `/admin/articles/${articleId}/revisions`,
    `/admin/articles/${articleId}/revisions/${revisions[revisions.length - 1].id}`,
    `/admin/articles/${articleId}/view?as=anonymous`,
    '/admin/import',
    '/admin/audit',
    '/admin/2fa/settings',
  ];
  for (const vp of [{ name: 'desktop', width: 1280, height: 900 }, { name: 'phone, 320px', width: 320, height: 640 }]) {
    const context = await browser.newContext({ viewport: { width: vp.width, height: vp.height } });
    await context.addInitScript(axe.source);
    try {
      const page = await signInAdmin(context, async (codePage) => {
        // The two-factor pages themselves, before the admin is through.
        const v = (await runAxe(codePage)).filter((x) => x.impact === 'serious' || x.impact === 'critical');
        assert.equal(v.length, 0, `axe on ${new URL(codePage.url()).pathname} (${vp.name}):\n${describeViolations(v)}`);
      });
      const errors = watchErrors(page);
      for (const url of pages) {
        await tt.test(`${url} (${vp.name})`, async () => {
          errors.length = 0;
          const res = await page.goto(base + url, { waitUntil: 'load' });
          assert.equal(res?.status(), 200, url);
          const all = await runAxe(page);
          const bad = all.filter((x) => x.impact === 'serious' || x.impact === 'critical');
          assert.equal(bad.length, 0, `axe on ${url} (${vp.name}):\n${describeViolations(bad)}`);
          if (all.length) process.stdout.write(`# axe (minor/moderate) on ${url} ${vp.name}:\n${describeViolations(all)}\n`);
          assert.deepEqual(errors, [], `the browser logged errors on ${url}`);
          const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
          assert.ok(scrollWidth <= vp.width, `${url} is ${scrollWidth}px wide in a ${vp.width}px window`);
        });
      }
      // The import preview (a POST result) and the two-factor setup page of a new editor.
      await tt.test(`import preview (${vp.name})`, async () => {
        await page.goto(`${base}/admin/import`);
        await page.setInputFiles('#file', SEED_FILE);
        await Promise.all([page.waitForURL(`${base}/admin/import`), page.click('form[action="/admin/import"] button[type=submit]')]);
        await page.getByRole('heading', { name: 'Import preview' }).waitFor();
        const bad = (await runAxe(page)).filter((x) => x.impact === 'serious' || x.impact === 'critical');
        assert.equal(bad.length, 0, `axe on the import preview (${vp.name}):\n${describeViolations(bad)}`);
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(scrollWidth <= vp.width, `the import preview is ${scrollWidth}px wide`);
      });
    } finally {
      await context.close();
    }
  }
  // The enrolment page with its QR code.
  const context = await browser.newContext({ viewport: { width: 320, height: 640 } });
  await context.addInitScript(axe.source);
  try {
    const page = await context.newPage();
    await signIn(page, editorEmail, '/admin/2fa/setup');
    assert.equal(new URL(page.url()).pathname, '/admin/2fa/setup');
    assert.ok(await page.locator('img.qr').isVisible());
    const bad = (await runAxe(page)).filter((x) => x.impact === 'serious' || x.impact === 'critical');
    assert.equal(bad.length, 0, `axe on /admin/2fa/setup:\n${describeViolations(bad)}`);
  } finally {
    await context.close();
  }
});
