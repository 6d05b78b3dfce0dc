import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BrowserSession } from '../support/browser-session.ts';
import { signInAs, secretOnPage, STAFF_PASSWORD } from './support.ts';
import { currentTotpCode } from '../../src/web/admin/totp.ts';
import { audit } from '../../src/web/admin/shell.tsx';
import { createContext } from '../../src/web/context.ts';
import { loadConfig } from '../../src/config.ts';
import { createApiToken } from '../../src/store/users.ts';
import type { FastifyRequest } from 'fastify';
import { runCli } from '../support/cli.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(async () => {
  await t.cleanup();
});

test('anonymous visitors are sent to sign in, and nothing under /admin is ever cached', async () => {
  const b = new BrowserSession(t.app);
  for (const url of ['/admin', '/admin/articles', '/admin/audit?entity=article', '/admin/anything-at-all']) {
    const res = await b.get(url);
    assert.equal(res.statusCode, 303, url);
    assert.equal(res.headers.location, `/login?next=${encodeURIComponent(url)}`);
    assert.equal(res.headers['cache-control'], 'private, no-store');
  }
  // A form sent without a session goes nowhere either.
  const res = await t.app.inject({ method: 'POST', url: '/admin/2fa', payload: 'code=123456', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.ok(res.statusCode === 303 || res.statusCode === 403, String(res.statusCode));
});

test('readers get a 403 page, API tokens never open the admin area', async () => {
  const r = await signInAs(t, 'reader');
  const res = await r.browser.get('/admin/articles');
  assert.equal(res.statusCode, 403);
  assert.match(res.body, /reader account/);
  assert.equal(res.headers['cache-control'], 'private, no-store');

  const ed = await signInAs(t, 'editor');
  const token = await createApiToken(t.store.db, ed.userId, 'api');
  const api = await t.app.inject({ method: 'GET', url: '/admin/articles', headers: { authorization: `Bearer ${token}` } });
  assert.equal(api.statusCode, 303);
  assert.match(String(api.headers.location), /^\/login/);
});

test('editors without two-factor enter the newsroom, but not the admin-only pages', async () => {
  const ed = await signInAs(t, 'editor');
  const settings = await ed.browser.get('/admin/2fa/settings');
  assert.equal(settings.statusCode, 200);
  assert.match(settings.body, /Two-factor sign-in is <strong>off<\/strong>/);
  assert.match(settings.body, /href="\/admin\/articles"/);
  assert.doesNotMatch(settings.body, /href="\/admin\/subscribers"/, 'office links are for admins');
  assert.match(String(settings.headers['content-security-policy']), /script-src 'self'/);
  const auditPage = await ed.browser.get('/admin/audit');
  assert.equal(auditPage.statusCode, 403);
  assert.match(auditPage.body, /for administrators/);
});

test('an admin must enrol in TOTP (QR code), then pass it in every new session; codes work once', async () => {
  const email = `boss-${process.pid}@example.org`;
  // Signing in with the password alone does not open the admin area.
  const { createUser } = await import('../../src/store/users.ts');
  const { hashPassword } = await import('../../src/auth/passwords.ts');
  await createUser(t.store.db, { email, passwordHash: await hashPassword('a long enough password'), role: 'admin', verified: true });
  const b = new BrowserSession(t.app);
  await b.get('/login');
  assert.equal((await b.post('/login', { email, password: 'a long enough password', next: '/admin/audit' })).headers.location, '/admin/audit');
  const gated = await b.get('/admin/audit');
  assert.equal(gated.statusCode, 303);
  assert.equal(gated.headers.location, '/admin/2fa?next=%2Fadmin%2Faudit');
  const toSetup = await b.get(String(gated.headers.location));
  assert.equal(toSetup.headers.location, '/admin/2fa/setup?next=%2Fadmin%2Faudit');
  const setup = await b.get(String(toSetup.headers.location));
  assert.equal(setup.statusCode, 200);
  assert.match(setup.body, /<img class="qr" src="data:image\/svg\+xml;base64,/);
  const secret = secretOnPage(setup.body)!;
  assert.ok(secret && secret.length >= 32);
  // Reloading the page shows the same key (a half-done enrolment is not thrown away).
  assert.equal(secretOnPage((await b.get('/admin/2fa/setup')).body), secret);
  // Forms are refused until the second factor is passed.
  const early = await b.post('/admin/2fa/reset', { code: '000000' }, { from: '/admin/2fa/setup' });
  assert.equal(early.statusCode, 303);
  const wrong = await b.post('/admin/2fa/setup', { code: '000000' }, { from: '/admin/2fa/setup?next=%2Fadmin%2Faudit' });
  assert.equal(wrong.statusCode, 400);
  assert.match(wrong.body, /That code is not right/);
  const ok = await b.post('/admin/2fa/setup', { code: currentTotpCode(secret) });
  assert.equal(ok.statusCode, 303);
  assert.equal(ok.headers.location, '/admin/audit');
  const page = await b.get('/admin/audit');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /totp\.enrol/);
  assert.ok(page.body.includes(email));

  // A second sign-in (another device) must pass the code again; the code just used does not work twice.
  const b2 = new BrowserSession(t.app);
  await b2.get('/login');
  await b2.post('/login', { email, password: 'a long enough password', next: '/admin' });
  assert.equal((await b2.get('/admin/articles')).headers.location, '/admin/2fa?next=%2Fadmin%2Farticles');
  const verify = await b2.get('/admin/2fa?next=%2Fadmin%2Farticles');
  assert.equal(verify.statusCode, 200);
  assert.match(verify.body, /autocomplete="one-time-code"/);
  const replay = await b2.post('/admin/2fa', { code: currentTotpCode(secret) });
  assert.equal(replay.statusCode, 400);
  assert.match(replay.body, /used already|not right/);
  // A POST to an admin page without the second factor is refused outright.
  const refused = await b2.post('/admin/2fa/settings', {}, { from: '/admin/2fa?next=%2Fadmin' });
  assert.ok([403, 404].includes(refused.statusCode));
  const next = await b2.post('/admin/2fa', { code: currentTotpCode(secret, Date.now() + 30_000) }, { from: '/admin/2fa?next=%2Fadmin%2Farticles' });
  assert.equal(next.statusCode, 303);
  assert.equal(next.headers.location, '/admin/articles');
  assert.equal((await b2.get('/admin/audit')).statusCode, 200);
});

test('recovery codes: shown once, each passes the second factor once, new ones replace the old, one resets a lost phone', async () => {
  const a = await signInAs(t, 'admin');
  const settings = await a.browser.get('/admin/2fa/settings');
  assert.match(settings.body, /You have no recovery codes yet/);
  const made = await a.browser.post('/admin/2fa/recovery', {}, { from: '/admin/2fa/settings' });
  assert.equal(made.statusCode, 200);
  assert.equal(made.headers['cache-control'], 'private, no-store');
  const codesIn = (html: string) => [...(/<ol class="recovery-codes" id="recovery-codes">(.*?)<\/ol>/s.exec(html)?.[1] ?? '').matchAll(/<code>([a-z2-9]{5}-[a-z2-9]{5})<\/code>/g)].map((m) => m[1]);
  const codes = codesIn(made.body);
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  const stored = await t.store.db.selectFrom('user_recovery_codes').selectAll().where('user_id', '=', a.userId).execute();
  assert.equal(stored.length, 10);
  assert.ok(stored.every((r) => codes.every((c) => !r.code_hash.includes(c.replace('-', '')))), 'only hashes are kept');
  assert.match((await a.browser.get('/admin/2fa/settings')).body, /10 of your 10 recovery codes are unused/);
  assert.equal(codesIn((await a.browser.get('/admin/2fa/settings')).body).length, 0, 'never shown again');

  const newSession = async () => {
    const b = new BrowserSession(t.app);
    await b.get('/login');
    await b.post('/login', { email: a.email, password: STAFF_PASSWORD, next: '/admin' });
    assert.equal((await b.get('/admin/audit')).headers.location, '/admin/2fa?next=%2Fadmin%2Faudit');
    const page = await b.get('/admin/2fa?next=%2Fadmin%2Faudit');
    assert.match(page.body, /Lost your phone\? Use a recovery code/);
    return b;
  };
  // A lost phone: a recovery code (typed in capitals) passes the second factor once.
  const b2 = await newSession();
  const passed = await b2.post('/admin/2fa', { recovery: codes[0].toUpperCase() });
  assert.equal(passed.statusCode, 303);
  assert.equal(passed.headers.location, '/admin/2fa/settings?done=recovery');
  assert.match((await b2.get(String(passed.headers.location))).body, /You signed in with a recovery code; 9 of them are left/);
  assert.equal((await b2.get('/admin/audit')).statusCode, 200);
  const b3 = await newSession();
  const again = await b3.post('/admin/2fa', { recovery: codes[0] }, { from: '/admin/2fa' });
  assert.equal(again.statusCode, 400);
  assert.match(again.body, /That recovery code is not right, or it was used already/);
  assert.equal((await b3.post('/admin/2fa', { recovery: codes[1].replace('-', ' ') }, { from: '/admin/2fa' })).statusCode, 303);
  assert.match((await a.browser.get('/admin/2fa/settings')).body, /8 of your 10 recovery codes are unused/);

  // New codes: the old ones stop working.
  const fresh = codesIn((await a.browser.post('/admin/2fa/recovery', {}, { from: '/admin/2fa/settings' })).body);
  assert.equal(fresh.length, 10);
  const b4 = await newSession();
  assert.equal((await b4.post('/admin/2fa', { recovery: codes[2] }, { from: '/admin/2fa' })).statusCode, 400);
  assert.equal((await b4.post('/admin/2fa', { recovery: fresh[0] }, { from: '/admin/2fa' })).statusCode, 303);

  // Reset with a recovery code (no phone): two-factor and its codes are gone, and an admin sets it up again.
  const reset = await b4.post('/admin/2fa/reset', { recovery: fresh[1] }, { from: '/admin/2fa/settings' });
  assert.equal(reset.statusCode, 303);
  assert.equal(reset.headers.location, '/admin/2fa/setup');
  assert.equal((await t.store.db.selectFrom('user_recovery_codes').selectAll().where('user_id', '=', a.userId).execute()).length, 0);
  assert.equal(await t.store.db.selectFrom('user_totp').selectAll().where('user_id', '=', a.userId).executeTakeFirst(), undefined);
  const logged = (await t.store.db.selectFrom('audit_log').select(['action', 'after_json']).where('user_id', '=', a.userId).orderBy('id').execute()).map((r) => r.action);
  assert.deepEqual(logged.filter((x) => x !== 'auth.second_factor'), ['totp.enrol', 'totp.recovery_codes', 'totp.recovery_codes', 'totp.reset']);
  assert.equal(logged.filter((x) => x === 'auth.second_factor').length, 3);
});

test('wrong codes are limited per account', async () => {
  const a = await signInAs(t, 'admin');
  const b2 = new BrowserSession(t.app);
  await b2.get('/login');
  await b2.post('/login', { email: a.email, password: 'correct horse battery staple', next: '/admin' });
  let last = 0;
  for (let i = 0; i < 11; i++) {
    const r = await b2.post('/admin/2fa', { code: '000000' }, { from: '/admin/2fa' });
    last = r.statusCode;
  }
  assert.equal(last, 429);
});

test('an audit record written in a transaction that fails is not kept', async () => {
  const ctx = createContext(t.store, loadConfig({ ...t.env, BASE_URL: 'http://masthead.test' }));
  const req = { viewer: { kind: 'user', userId: 1, email: 'someone@example.org', role: 'admin', subscribed: false, institution: null }, ip: '192.0.2.9' } as unknown as FastifyRequest;
  await assert.rejects(t.store.db.transaction().execute(async (trx) => {
    await audit(ctx, req, { action: 'test.rollback', entity: 'thing', entityId: 1, before: null, after: { x: 1 } }, trx);
    throw new Error('the change failed');
  }));
  await audit(ctx, req, { action: 'test.kept', entity: 'thing', entityId: 'a', before: { x: 0 }, after: { x: 1 } });
  const rows = await t.store.db.selectFrom('audit_log').select(['action', 'before_json', 'after_json', 'user_email']).where('entity', '=', 'thing').execute();
  assert.deepEqual(rows, [{ action: 'test.kept', before_json: '{"x":0}', after_json: '{"x":1}', user_email: 'someone@example.org' }]);
});

test('admin stylesheet and script are served, the public site keeps its strict CSP', async () => {
  const css = await t.app.inject({ url: '/admin/assets/admin.css' });
  assert.equal(css.statusCode, 200);
  assert.match(String(css.headers['content-type']), /text\/css/);
  assert.equal((await t.app.inject({ url: '/admin/assets/../../package.json' })).statusCode === 200, false);
  const home = await t.app.inject({ url: '/' });
  assert.doesNotMatch(String(home.headers['content-security-policy']), /script-src/);
});

test('an operator can reset a lost second factor from the command line; the admin must enrol again', async () => {
  const a = await signInAs(t, 'admin');
  assert.equal((await a.browser.get('/admin/audit')).statusCode, 200);
  const status = await runCli(['two-factor', 'status', a.email], t.env);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /two-factor sign-in on since \S+, 0 of 0 recovery codes unused/);
  const r = await runCli(['two-factor', 'reset', a.email], t.env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /must be set up again/);
  const again = await a.browser.get('/admin/audit');
  assert.equal(again.statusCode, 303);
  assert.equal((await a.browser.get(String(again.headers.location))).headers.location, '/admin/2fa/setup?next=%2Fadmin%2Faudit');
  const logged = await t.store.db.selectFrom('audit_log').select(['user_email', 'action']).where('action', '=', 'totp.reset').where('entity_id', '=', String(a.userId)).execute();
  assert.deepEqual(logged, [{ user_email: 'operator@localhost', action: 'totp.reset' }]);
  assert.equal((await runCli(['two-factor', 'reset', 'nobody@example.org'], t.env)).code, 1);
});
