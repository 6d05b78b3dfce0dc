import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { createTestApp, listenOnLoopback, type TestApp } from '../support/app.ts';
import { launchChromium, skipWithoutChromium } from '../support/chromium.ts';
import { startSmtp, linkIn, type TestSmtp } from '../support/smtp.ts';
import { findUserByEmail, grantEntitlement } from '../../src/store/users.ts';

// A reader's whole journey in a real browser, with the real SMTP path: sign up, get the sign-in
// mail, sign in, get a plan, read the full seed article, fetch nothing gated by other routes,
// sign out and see the teaser again.

const skip = skipWithoutChromium('browser journey');

const SEED = '/articles/salvadoran-presidents-dark-secret-allegedly-behind-deal-to-hold-deported';
const TEASER = 'When Pres. Donald J. Trump (R) invoked the 1798 Alien Enemies Act';
const GATED = 'Bukele offered space to hold U.S. immigration detainees at CECOT';
const EMAIL = 'reader.journey@example.org';

let t: TestApp;
let smtp: TestSmtp;
let browser: Browser;
let base: string;

before(async () => {
  if (skip) return;
  smtp = await startSmtp();
  t = await createTestApp({ env: { SMTP_URL: smtp.url, METER_LIMIT: '0' } });
  base = await listenOnLoopback(t);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await t?.cleanup();
  await smtp?.close();
});

test('sign up, mail, sign in, subscribe, read, sign out', { skip }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();

  await page.goto(`${base}/signup`);
  await page.getByLabel('E-mail address').fill(EMAIL);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Check your e-mail' }).waitFor();

  // The mail, as the SMTP server received it; the link points at the configured BASE_URL.
  const mail = await smtp.waitForMail(EMAIL, { timeoutMs: 10_000 });
  const link = new URL(linkIn(mail, '/login/link/'));
  await page.goto(base + link.pathname + link.search);
  // Opening the link does not sign in (mail scanners open links); the button does.
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/`);

  // Signed in, no plan, no free articles left (METER_LIMIT=0): the teaser.
  await page.goto(base + SEED);
  assert.ok((await page.content()).includes(TEASER));
  assert.ok(!(await page.content()).includes(GATED), 'no full text before a plan');

  // The office grants a plan (as `masthead grant` does).
  const user = await findUserByEmail(t.store.db, EMAIL);
  assert.ok(user);
  await grantEntitlement(t.store.db, { userId: user.id, plan: 'digital', endsAt: new Date(Date.now() + 365 * 86400_000).toISOString(), source: 'admin', note: 'money order #123' });

  await page.goto(base + SEED);
  const full = await page.content();
  assert.ok(full.includes(GATED), 'the subscriber reads the full seed article');
  assert.ok(full.includes('Ivania Cruz'), 'to its last paragraph');
  await page.goto(`${base}/account`);
  assert.match(await page.content(), /digital<\/strong> plan until/);

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.waitForURL(/\/login\?signedout=1$/);

  // Signed out, nothing gated by any route: page, API, exports.
  await page.goto(base + SEED);
  const after = await page.content();
  assert.ok(after.includes(TEASER) && !after.includes(GATED), 'the teaser again after signing out');
  for (const path of [`/api/v1${SEED}`, `/api/v1${SEED}/citation?format=ris`]) {
    const res = await page.request.get(base + path);
    assert.ok(!(await res.text()).includes(GATED), path);
  }
  await context.close();
});
