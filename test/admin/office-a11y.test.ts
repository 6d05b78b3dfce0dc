import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import axe from 'axe-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestApp, listenOnLoopback, type TestApp } from '../support/app.ts';
import { launchChromium, skipWithoutChromium } from '../support/chromium.ts';
import { runAxe, describeViolations, watchErrors } from '../support/axe.ts';
import { createUser, grantEntitlement } from '../../src/store/users.ts';
import { hashPassword } from '../../src/auth/passwords.ts';
import { currentTotpCode } from '../../src/web/admin/totp.ts';
import { saveFile } from '../../src/store/files.ts';
import { createInstitution, addRange, recordInstitutionView } from '../../src/store/institutions.ts';
import { createGiftCode } from '../../src/store/gifts.ts';

// The office's admin pages in a real browser (Debian's Chromium): axe-core finds no serious or
// critical violations at 1280 and 320 pixels, nothing is wider than the window, the browser logs
// no errors (CSP), and the dashboard's charts and the forms work with JavaScript off.

const skip = skipWithoutChromium('office accessibility tests');
const PASSWORD = 'a long office password';
const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

let t: TestApp;
let browser: Browser;
let base: string;
let secret = '';
const adminEmail = 'office-admin@newsroom.example';
const ids = { issue: 0, subscriber: 0, institution: 0 };

before(async () => {
  if (skip) return;
  t = await createTestApp();
  base = await listenOnLoopback(t);
  await createUser(t.store.db, { email: adminEmail, passwordHash: await hashPassword(PASSWORD), role: 'admin', verified: true });
  const db = t.store.db;
  // Something to show on every page: an issue with a cover and warnings, subscribers, views.
  const issue = await db.selectFrom('issues').select('id').where('year', '=', 2025).where('month', '=', 3).executeTakeFirstOrThrow();
  ids.issue = issue.id;
  const cover = await saveFile(db, { kind: 'cover', contentType: 'image/png', content: PNG_1X1 });
  await db.updateTable('issues').set({ cover_file_id: cover }).where('id', '=', issue.id).execute();
  for (let i = 0; i < 6; i++) {
    const u = await createUser(db, { email: `reader${i}@example.org`, name: `Reader ${i}`, rateClass: i % 2 ? 'prisoner' : 'individual' });
    await grantEntitlement(db, { userId: u.id, plan: i % 3 ? 'print-digital' : 'digital', startsAt: new Date(Date.now() - (i + 1) * 40 * 86400_000).toISOString(), endsAt: new Date(Date.now() + (i + 1) * 20 * 86400_000).toISOString(), source: 'admin', note: i === 0 ? 'money order #12' : null });
    await db.insertInto('subscriber_profiles').values({ user_id: u.id, notes: 'A note', prisoner_number: `P${i}`, facility: 'State Prison', address_line1: `${i} Main St`, address_line2: null, city: 'Town', state: 'TX', postal_code: '75001', country: null, updated_at: new Date().toISOString() }).execute();
    if (i === 0) ids.subscriber = u.id;
  }
  const arts = await db.selectFrom('articles').select(['id']).limit(5).execute();
  for (const [n, a] of arts.entries()) await db.insertInto('article_views').values({ article_id: a.id, day: new Date().toISOString().slice(0, 10), views: 50 - n * 7 }).execute();
  const inst = await createInstitution(db, 'State Law Library', 'Contract 14');
  await addRange(db, inst.id, '192.0.2.0/24');
  await recordInstitutionView(db, inst.id);
  ids.institution = inst.id;
  await createGiftCode(db, { plan: 'digital', days: 365, note: 'book fair' });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await t?.cleanup();
});





type StorageState = Awaited<ReturnType<BrowserContext['storageState']>>;
/** The signed-in admin's cookies, once through two-factor sign-in (codes work once, so sign in once). */
let signedIn: StorageState | null = null;

/** A browser context of the signed-in admin (signing in, with a TOTP code, the first time). */
async function adminContext(opts: { width: number; height: number; javaScriptEnabled?: boolean }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: opts.width, height: opts.height }, javaScriptEnabled: opts.javaScriptEnabled ?? true, ...(signedIn ? { storageState: signedIn } : {}) });
  if (opts.javaScriptEnabled !== false) await context.addInitScript(axe.source);
  if (signedIn) return { context, page: await context.newPage() };
  const page = await signInAdmin(context);
  signedIn = await context.storageState();
  return { context, page };
}

/** Signs the admin in, with a TOTP code (enrolling the first time). */
async function signInAdmin(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${base}/login?next=${encodeURIComponent('/admin')}`);
  await page.fill('#email', adminEmail);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('form[action="/login"] button[type=submit]')]);
  if (new URL(page.url()).pathname === '/admin/2fa/setup') secret = (await page.locator('#totp-secret').innerText()).replace(/\s/g, '');
  await page.fill('#code', currentTotpCode(secret));
  // After enrolment the settings page says it is on; later sign-ins go straight to /admin.
  await Promise.all([page.waitForURL((u) => u.pathname === '/admin' || u.pathname === '/admin/2fa/settings'), page.locator('main form:has(#code) button[type=submit]').click()]);
  return page;
}

test('axe-core: no serious or critical violations on the office pages, at 1280 and 320 pixels', { skip, timeout: 300_000 }, async (tt) => {
  const pages = [
    '/admin',
    '/admin/issues',
    `/admin/issues/${ids.issue}`,
    '/admin/subscribers',
    '/admin/subscribers?q=reader&status=active',
    `/admin/subscribers/${ids.subscriber}`,
    '/admin/subscribers/new',
    '/admin/subscribers/import',
    '/admin/subscribers/mailing',
    '/admin/institutions',
    `/admin/institutions/${ids.institution}`,
    '/admin/gifts',
  ];
  for (const vp of [{ name: 'desktop', width: 1280, height: 900 }, { name: 'phone, 320px', width: 320, height: 640 }]) {
    const { context, page } = await adminContext(vp);
    try {
      const errors = watchErrors(page);
      const check = async (label: string) => {
        const all = await runAxe(page);
        const bad = all.filter((x) => x.impact === 'serious' || x.impact === 'critical');
        assert.equal(bad.length, 0, `axe on ${label} (${vp.name}):\n${describeViolations(bad)}`);
        if (all.length) process.stdout.write(`# axe (minor/moderate) on ${label} ${vp.name}:\n${describeViolations(all)}\n`);
        // A refused form answers 400: the browser logs that status, which is expected.
        assert.deepEqual(errors.filter((e) => !/status of 400 \(Bad Request\)/.test(e)), [], `the browser logged errors on ${label}`);
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(scrollWidth <= vp.width, `${label} is ${scrollWidth}px wide in a ${vp.width}px window`);
      };
      for (const url of pages) {
        await tt.test(`${url} (${vp.name})`, async () => {
          errors.length = 0;
          const res = await page.goto(base + url, { waitUntil: 'load' });
          assert.equal(res?.status(), 200, url);
          await check(url);
        });
      }
      // Pages that answer a form: a refused CSV import, new gift codes, a form with errors.
      await tt.test(`CSV import with errors (${vp.name})`, async () => {
        errors.length = 0;
        await page.goto(`${base}/admin/subscribers/import`);
        await page.setInputFiles('#csv-file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('email,plan\nnot-an-address,gold\n') });
        const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/admin/subscribers/import') && r.request().method() === 'POST'), page.click('form[action="/admin/subscribers/import"] button[type=submit]')]);
        assert.equal(res.status(), 400);
        await page.locator('#import-problems').waitFor();
        await check('the refused import');
      });
      await tt.test(`new gift codes (${vp.name})`, async () => {
        errors.length = 0;
        await page.goto(`${base}/admin/gifts`);
        await page.fill('#gc-count', '2');
        await Promise.all([page.waitForURL(`${base}/admin/gifts`), page.click('form[action="/admin/gifts"] button[type=submit]')]);
        await page.locator('#new-codes').waitFor();
        await check('the new codes');
      });
      await tt.test(`issue form with errors (${vp.name})`, async () => {
        errors.length = 0;
        await page.goto(`${base}/admin/issues`);
        await page.fill('#i-month', 'March');
        await Promise.all([page.waitForURL(`${base}/admin/issues`), page.click('form[action="/admin/issues"] button[type=submit]')]);
        await page.locator('#error-summary').waitFor();
        await check('the refused issue form');
      });
    } finally {
      await context.close();
    }
  }
});

test('without JavaScript: the dashboard shows its charts and figures, and a subscription is granted', { skip, timeout: 120_000 }, async () => {
  const { context, page } = await adminContext({ width: 1280, height: 900, javaScriptEnabled: false });
  try {
    await page.goto(`${base}/admin`);
    assert.equal(new URL(page.url()).pathname, '/admin');
    for (const id of ['chart-subscribers', 'chart-articles', 'chart-most-read']) {
      const svg = page.locator(`#${id} svg[role="img"]`);
      assert.ok(await svg.isVisible(), `${id} is drawn`);
      const box = await svg.boundingBox();
      assert.ok(box && box.width > 200 && box.height > 50, `${id} has a size`);
      assert.ok((await page.getByRole('img', { name: /./ }).count()) >= 3);
    }
    // The data table opens without script (details/summary).
    await page.locator('#chart-subscribers summary').click();
    assert.ok(await page.locator('#chart-subscribers-table').isVisible());
    // Grant from the subscriber page.
    await page.goto(`${base}/admin/subscribers/${ids.subscriber}`);
    const until = new Date(Date.now() + 400 * 86400_000).toISOString().slice(0, 10);
    await page.selectOption('#g-plan', 'print-digital');
    await page.fill('#g-until', until);
    await Promise.all([page.waitForURL(/done=granted/), page.click('form[action$="/grant"] button[type=submit]')]);
    assert.match(await page.locator('#access-state').innerText(), new RegExp(`Print \\+ digital, through ${until}`));
  } finally {
    await context.close();
  }
});
