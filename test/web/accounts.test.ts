import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../support/app.ts';
import { startSmtp, linkIn, pathOf, mailText, type TestSmtp } from '../support/smtp.ts';
import { BrowserSession, setCookies, csrfIn } from '../support/browser-session.ts';
import { hashToken } from '../../src/auth/tokens.ts';
import { createUser, findUserByEmail } from '../../src/store/users.ts';
import { hashPassword } from '../../src/auth/passwords.ts';
import { Writable } from 'node:stream';
import { createTestDatabase } from '../support/db.ts';
import { buildApp } from '../../src/web/app.ts';
import { createContext } from '../../src/web/context.ts';
import { loadConfig } from '../../src/config.ts';

// Accounts and sessions, through HTTP as a browser uses them, with mail delivered to a real SMTP
// server on loopback.

const COOKIE = 'masthead_session';
const PASSWORD = 'correct horse battery';
const ARGON2_PREFIX = '$argon2id$v=19$m=19456,t=2,p=1$';

let smtp: TestSmtp;
let t: TestApp;
let n = 0;

before(async () => {
  smtp = await startSmtp();
  t = await createTestApp({ env: { SMTP_URL: smtp.url } });
});
after(async () => {
  await t?.cleanup();
  await smtp?.close();
});

const db = () => t.store.db;
const browser = (opts: { ip?: string; userAgent?: string } = {}) => new BrowserSession(t.app, opts);
const email = (name = 'reader') => `${name}${++n}@example.org`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A verified account with a password, made directly in the store. */
async function account(name = 'reader', password: string | null = PASSWORD) {
  const e = email(name);
  const user = await createUser(db(), { email: e, passwordHash: password ? await hashPassword(password) : null, verified: true });
  return { email: e, id: user.id };
}

async function signIn(b: BrowserSession, e: string, password = PASSWORD, next?: string) {
  await b.get(next ? `/login?next=${encodeURIComponent(next)}` : '/login');
  return b.post('/login', { email: e, password, ...(next !== undefined ? { next } : {}) });
}

async function signedInAs(b: BrowserSession): Promise<string | null> {
  const res = await b.get('/account');
  if (res.statusCode !== 200) return null;
  return /Signed in as <strong>([^<]+)<\/strong>/.exec(res.body)?.[1] ?? null;
}

/** What a page says, without the parts that differ per request (CSRF token, the address typed). */
function normalized(html: string, ...emails: string[]): string {
  let s = html.replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value=""');
  for (const e of emails) s = s.split(e).join('EMAIL');
  return s;
}

async function sessionRows(userId: number) {
  return db().selectFrom('sessions').selectAll().where('user_id', '=', userId).execute();
}

async function mailLinkFor(to: string, pathPrefix: string): Promise<string> {
  return pathOf(linkIn(await smtp.waitForMail(to), pathPrefix));
}

// ---------------------------------------------------------------- sign up, links, passwords

test('sign up: argon2id hash, a welcome mail whose link opens a confirm page (GET uses nothing), POST signs in once', async () => {
  const e = email('new');
  const b = browser();
  const form = await b.get('/signup');
  assert.equal(form.statusCode, 200);
  assert.match(form.body, /name="email"/);
  const res = await b.post('/signup', { email: e.toUpperCase(), password: PASSWORD });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /Check your e-mail/);
  const user = await findUserByEmail(db(), e);
  assert.ok(user, 'the account exists, under the lower-cased address');
  assert.ok(user.password_hash?.startsWith(ARGON2_PREFIX), user.password_hash ?? 'no hash');
  assert.equal(user.email_verified_at, null);

  const mail = await smtp.waitForMail(e);
  assert.match(mail.subject, /confirm your address/i);
  const link = linkIn(mail, '/login/link/');
  assert.ok(link.startsWith('http://masthead.test/login/link/'), link);
  const token = new URL(link).pathname.split('/').pop()!;
  assert.ok(token.length >= 43, 'at least 256 random bits');
  const row = await db().selectFrom('auth_tokens').selectAll().where('user_id', '=', user.id).executeTakeFirstOrThrow();
  assert.equal(row.token_hash, hashToken(token), 'only the hash is stored');
  assert.ok(Date.parse(row.expires_at) - Date.parse(row.created_at) <= 15 * 60_000, 'valid at most 15 minutes');

  // A mail scanner (no cookies) and the reader both open the link: nothing is used up.
  const scanner = browser();
  for (const who of [scanner, b, b]) {
    const page = await who.get(pathOf(link));
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<form method="post" action="\/login\/link\//);
    assert.ok(!String(page.headers['set-cookie'] ?? '').includes(COOKIE), 'GET signs nobody in');
  }
  assert.equal((await db().selectFrom('auth_tokens').select('used_at').where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow()).used_at, null);
  assert.equal((await sessionRows(user.id)).length, 0);

  const signin = await b.post(pathOf(link));
  assert.equal(signin.statusCode, 303);
  assert.equal(signin.headers.location, '/');
  assert.ok(b.cookie(COOKIE));
  assert.equal(await signedInAs(b), e);
  assert.ok((await findUserByEmail(db(), e))!.email_verified_at, 'the link confirmed the address');

  // Used: both the confirm page and a second POST answer 410, from any browser.
  assert.equal((await scanner.get(pathOf(link))).statusCode, 410);
  const again = await scanner.post(pathOf(link), {}, { from: '/login' });
  assert.equal(again.statusCode, 410);
  assert.equal(scanner.cookie(COOKIE), undefined);
});

test('a sign-in link requested on /login signs in once, keeps a relative next, and expires after 15 minutes', async () => {
  const a = await account('linker', null);
  const b = browser();
  await b.get('/login?next=/articles/some-story');
  const res = await b.post('/login/link', { email: a.email, next: '/articles/some-story' });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /Check your e-mail/);
  const link = await mailLinkFor(a.email, '/login/link/');
  const page = await b.get(link);
  assert.equal(page.statusCode, 200);
  const ok = await b.post(link);
  assert.equal(ok.statusCode, 303);
  assert.equal(ok.headers.location, '/articles/some-story');
  assert.equal(await signedInAs(b), a.email);

  // Another link, expired in the database: 410 on GET and POST, no session.
  const c = browser();
  await c.post('/login/link', { email: a.email }, { from: '/login' });
  const link2 = await mailLinkFor(a.email, '/login/link/');
  await db().updateTable('auth_tokens').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('token_hash', '=', hashToken(link2.split('/').pop()!)).execute();
  assert.equal((await c.get(link2)).statusCode, 410);
  const expired = await c.post(link2, {}, { from: '/login' });
  assert.equal(expired.statusCode, 410);
  assert.equal(c.cookie(COOKIE), undefined);
  // A forged link, too.
  assert.equal((await c.get('/login/link/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).statusCode, 410);
  assert.equal((await c.post('/login/link/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', {}, { from: '/login' })).statusCode, 410);
});

test('sign in with a password: /login has email and password fields; a new session token at every sign-in, stored hashed', async () => {
  const a = await account();
  const b = browser();
  const form = await b.get('/login');
  assert.equal(form.statusCode, 200);
  assert.match(form.body, /<input[^>]+name="email"/);
  assert.match(form.body, /<input[^>]+name="password"[^>]+type="password"|<input[^>]+type="password"[^>]+name="password"|<input[^>]+name="password"/);
  assert.equal(form.headers['cache-control'], 'private, no-store');

  const wrong = await b.post('/login', { email: a.email, password: 'not the password' });
  assert.equal(wrong.statusCode, 401);
  assert.match(wrong.body, /do not match/);
  assert.equal(b.cookie(COOKIE), undefined);

  const first = await b.post('/login', { email: a.email, password: PASSWORD }, { from: '/login' });
  assert.equal(first.statusCode, 303);
  assert.equal(first.headers.location, '/');
  const t1 = b.cookie(COOKIE)!;
  assert.ok(t1);
  assert.equal(await signedInAs(b), a.email);

  // Signing in again (a second tab, or after a while) gives a different token; the old one is gone.
  const second = await b.post('/login', { email: a.email, password: PASSWORD }, { from: '/login' });
  assert.equal(second.statusCode, 303);
  const t2 = b.cookie(COOKIE)!;
  assert.notEqual(t2, t1);
  const rows = await sessionRows(a.id);
  assert.equal(rows.length, 1, 'the token from before this sign-in was deleted');
  assert.equal(rows[0].token_hash, hashToken(t2));
  const everything = JSON.stringify(await db().selectFrom('sessions').selectAll().execute());
  assert.ok(!everything.includes(t1) && !everything.includes(t2), 'no cookie value is in the sessions table');
  const old = await t.app.inject({ url: '/account', headers: { cookie: `${COOKIE}=${t1}` } });
  assert.equal(old.statusCode, 303, 'the earlier token signs nobody in');

  // A token planted before sign-in (session fixation) is not kept.
  const c = browser();
  c.cookies.set(COOKIE, 'planted-by-someone-else');
  await signIn(c, a.email);
  assert.notEqual(c.cookie(COOKIE), 'planted-by-someone-else');
});

test('the session cookie is HttpOnly, SameSite=Lax, Path=/ (and Secure with __Host- on https)', async () => {
  const a = await account();
  const b = browser();
  await b.get('/login');
  const res = await b.post('/login', { email: a.email, password: PASSWORD });
  const c = setCookies(res).find((x) => x.name === COOKIE);
  assert.ok(c, 'a session cookie is set');
  assert.equal(c.attributes.httponly, true);
  assert.equal(String(c.attributes.samesite).toLowerCase(), 'lax');
  assert.equal(c.attributes.path, '/');
  assert.equal(c.attributes.secure, undefined, 'plain http: no Secure (the browser would drop it)');
  assert.equal(c.attributes.domain, undefined);

  const secure = await createTestApp({ env: { SMTP_URL: smtp.url, BASE_URL: 'https://masthead.test' } });
  try {
    await createUser(secure.store.db, { email: a.email, passwordHash: await hashPassword(PASSWORD), verified: true });
    const s = new BrowserSession(secure.app, { origin: 'https://masthead.test' });
    const page = await s.get('/login');
    const csrfCookie = setCookies(page).find((x) => x.name.includes('csrf'));
    assert.equal(csrfCookie?.name, '__Host-csrf');
    assert.equal(csrfCookie?.attributes.secure, true);
    const r = await s.post('/login', { email: a.email, password: PASSWORD });
    assert.equal(r.statusCode, 303, r.body);
    const sc = setCookies(r).find((x) => x.name.endsWith('session'));
    assert.ok(sc);
    assert.equal(sc.name, '__Host-session');
    assert.equal(sc.attributes.secure, true);
    assert.equal(sc.attributes.httponly, true);
    assert.equal(String(sc.attributes.samesite).toLowerCase(), 'lax');
    assert.equal(sc.attributes.path, '/');
    assert.equal(sc.attributes.domain, undefined, '__Host- cookies carry no Domain');
    const acct = await s.get('/account');
    assert.equal(acct.statusCode, 200);
    // The plain-http cookie name means nothing there.
    const plain = await secure.app.inject({ url: '/account', headers: { cookie: `${COOKIE}=${sc.value}` } });
    assert.equal(plain.statusCode, 303);
  } finally {
    await secure.cleanup();
  }
});

test('sign out ends the session on the server: the old cookie no longer works', async () => {
  const a = await account();
  const b = browser();
  await signIn(b, a.email);
  const token = b.cookie(COOKIE)!;
  await b.get('/account');
  const out = await b.post('/logout');
  assert.equal(out.statusCode, 303);
  assert.match(String(out.headers.location), /^\/login/);
  const cleared = setCookies(out).find((c) => c.name === COOKIE);
  assert.ok(cleared && cleared.value === '', 'the cookie is cleared');
  assert.equal((await sessionRows(a.id)).length, 0);
  // Someone who copied the cookie before sign-out gets nothing.
  const replay = await t.app.inject({ url: '/account', headers: { cookie: `${COOKIE}=${token}` } });
  assert.equal(replay.statusCode, 303);
  assert.match(String(replay.headers.location), /^\/login/);
  const api = await t.app.inject({ url: '/api/v1/articles?limit=1', headers: { cookie: `${COOKIE}=${token}` } });
  assert.equal(api.statusCode, 200);
});

test('sign out everywhere ends every session of the account, and no one else\'s', async () => {
  const a = await account();
  const other = await account('other');
  const [laptop, phone, tablet] = [browser(), browser(), browser()];
  for (const x of [laptop, phone, tablet]) await signIn(x, a.email);
  const bystander = browser();
  await signIn(bystander, other.email);
  assert.equal((await sessionRows(a.id)).length, 3);
  await phone.get('/account');
  const res = await phone.post('/logout/everywhere');
  assert.equal(res.statusCode, 303);
  assert.equal((await sessionRows(a.id)).length, 0);
  for (const x of [laptop, phone, tablet]) assert.equal(await signedInAs(x), null);
  assert.equal(await signedInAs(bystander), other.email);
});

test('password reset: same page for known and unknown addresses, a single-use link, other sessions signed out', async () => {
  const a = await account();
  const elsewhere = browser();
  await signIn(elsewhere, a.email);
  const b = browser();
  const known = await b.post('/reset', { email: a.email }, { from: '/reset' });
  const unknownAddr = email('nobody');
  const unknown = await b.post('/reset', { email: unknownAddr }, { from: '/reset' });
  assert.equal(known.statusCode, 200);
  assert.equal(unknown.statusCode, 200);
  assert.equal(normalized(known.body, a.email), normalized(unknown.body, unknownAddr));
  const link = await mailLinkFor(a.email, '/reset/');
  const page = await b.get(link);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /name="password"/);
  // A password that is too short: refused, and the link still works.
  const short = await b.post(link, { password: 'short' });
  assert.equal(short.statusCode, 400);
  assert.equal((await b.get(link)).statusCode, 200);
  const done = await b.post(link, { password: 'a brand new password' });
  assert.equal(done.statusCode, 303);
  assert.match(String(done.headers.location), /^\/account/);
  assert.equal(await signedInAs(b), a.email);
  assert.equal(await signedInAs(elsewhere), null, 'the other session is signed out');
  assert.ok((await findUserByEmail(db(), a.email))!.password_hash!.startsWith(ARGON2_PREFIX));
  // The link is used up.
  assert.equal((await b.get(link)).statusCode, 410);
  assert.equal((await b.post(link, { password: 'yet another password' }, { from: '/reset' })).statusCode, 410);
  // Old password no longer works; the new one does.
  const c = browser();
  assert.equal((await signIn(c, a.email)).statusCode, 401);
  assert.equal((await signIn(c, a.email, 'a brand new password')).statusCode, 303);
  await sleep(200);
  assert.equal(smtp.mailsTo(unknownAddr).length, 0, 'no mail to an unknown address');
});

test('changing the password keeps this session and signs out the others', async () => {
  const a = await account();
  const here = browser();
  const there = browser();
  await signIn(here, a.email);
  await signIn(there, a.email);
  await here.get('/account');
  const wrong = await here.post('/account/password', { current: 'not it at all', password: 'another good password' });
  assert.equal(wrong.statusCode, 400);
  assert.match(wrong.body, /current password is not right/);
  const ok = await here.post('/account/password', { current: PASSWORD, password: 'another good password' });
  assert.equal(ok.statusCode, 303);
  assert.equal(await signedInAs(here), a.email);
  assert.equal(await signedInAs(there), null);
  assert.equal((await signIn(browser(), a.email, 'another good password')).statusCode, 303);
});

test('change of e-mail: confirmed from the new address; a taken address gets the same answer and no mail', async () => {
  const a = await account();
  const taken = await account('taken');
  const b = browser();
  await signIn(b, a.email);
  await b.get('/account');
  const newAddr = email('moved');
  const res = await b.post('/account/email', { email: newAddr });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /We sent a confirmation link/);
  const takenRes = await b.post('/account/email', { email: taken.email });
  assert.equal(normalized(takenRes.body, taken.email), normalized(res.body, newAddr));
  const link = await mailLinkFor(newAddr, '/account/email/');
  // Not changed yet, and opening the link changes nothing.
  assert.equal((await findUserByEmail(db(), a.email))?.id, a.id);
  const page = await b.get(link);
  assert.equal(page.statusCode, 200);
  assert.ok(page.body.includes(newAddr));
  assert.equal((await findUserByEmail(db(), a.email))?.id, a.id);
  const ok = await b.post(link);
  assert.equal(ok.statusCode, 303);
  assert.equal(await signedInAs(b), newAddr);
  assert.equal(await findUserByEmail(db(), a.email), null);
  assert.equal((await b.post(link, {}, { from: '/account' })).statusCode, 410, 'single use');
  // The new address signs in; the old one does not.
  assert.equal((await signIn(browser(), newAddr)).statusCode, 303);
  assert.equal((await signIn(browser(), a.email)).statusCode, 401);
  await sleep(200);
  assert.equal(smtp.mailsTo(taken.email).length, 0, 'the owner of a taken address gets no mail');
  assert.equal((await findUserByEmail(db(), taken.email))?.id, taken.id);
});

// ---------------------------------------------------------------- sessions

test('idle and absolute timeouts: a session unused for too long, or too old, signs nobody in', async () => {
  const a = await account();
  const idle = browser();
  await signIn(idle, a.email);
  const old = browser();
  await signIn(old, a.email);
  assert.equal(await signedInAs(idle), a.email);
  await db().updateTable('sessions').set({ last_seen_at: new Date(Date.now() - 31 * 86400_000).toISOString() }).where('token_hash', '=', hashToken(idle.cookie(COOKIE)!)).execute();
  await db().updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('token_hash', '=', hashToken(old.cookie(COOKIE)!)).execute();
  assert.equal(await signedInAs(idle), null);
  assert.equal(await signedInAs(old), null);
  // Being seen recently does not outlive the absolute limit.
  const busy = browser();
  await signIn(busy, a.email);
  await db().updateTable('sessions').set({ last_seen_at: new Date().toISOString(), expires_at: new Date(Date.now() - 1).toISOString() }).where('token_hash', '=', hashToken(busy.cookie(COOKIE)!)).execute();
  assert.equal(await signedInAs(busy), null);
});

test('the account page lists the account\'s own sessions, each with a sign-out button that works', async () => {
  const a = await account();
  const other = await account('other');
  const phone = browser({ userAgent: 'PhoneBrowser/1.0' });
  const laptop = browser({ userAgent: 'LaptopBrowser/2.0' });
  await signIn(phone, a.email);
  await signIn(laptop, a.email);
  const stranger = browser({ userAgent: 'StrangerBrowser/3.0' });
  await signIn(stranger, other.email);
  const page = await laptop.get('/account');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /PhoneBrowser\/1\.0/);
  assert.match(page.body, /LaptopBrowser\/2\.0 \(this device\)/);
  assert.doesNotMatch(page.body, /StrangerBrowser/);
  const rows = await sessionRows(a.id);
  const phoneRow = rows.find((r) => r.token_hash === hashToken(phone.cookie(COOKIE)!))!;
  const actions = [...page.body.matchAll(/action="\/account\/sessions\/(\d+)\/delete"/g)].map((m) => Number(m[1]));
  assert.deepEqual(actions.sort(), rows.map((r) => r.id).sort());
  assert.ok(csrfIn(page.body, `/account/sessions/${phoneRow.id}/delete`));
  // Someone else's session id: nothing happens.
  const strangerRow = (await sessionRows(other.id))[0];
  const denied = await laptop.post(`/account/sessions/${strangerRow.id}/delete`);
  assert.equal(denied.statusCode, 303);
  assert.equal(await signedInAs(stranger), other.email);
  await laptop.get('/account');
  const res = await laptop.post(`/account/sessions/${phoneRow.id}/delete`);
  assert.equal(res.statusCode, 303);
  assert.equal(res.headers.location, '/account?done=session');
  assert.equal(await signedInAs(phone), null);
  assert.equal(await signedInAs(laptop), a.email);
  const after = await laptop.get(String(res.headers.location));
  assert.match(after.body, /That session is signed out/);
  assert.doesNotMatch(after.body, /PhoneBrowser/);
});

// ---------------------------------------------------------------- protection

test('POST without a CSRF token is 403 and changes nothing', async () => {
  const a = await account();
  const b = browser();
  await signIn(b, a.email);
  await b.get('/account');
  const token = b.cookie(COOKIE)!;
  const tokens = async () => Number((await db().selectFrom('auth_tokens').select((eb) => eb.fn.countAll().as('n')).where('user_id', '=', a.id).executeTakeFirstOrThrow()).n);
  const before = await tokens();
  for (const [url, form] of [
    ['/account/email', { email: email('hijack') }],
    ['/account/password', { current: PASSWORD, password: 'attacker password 1' }],
    ['/account/api-token', {}],
    ['/logout/everywhere', {}],
    ['/logout', {}],
  ] as const) {
    const res = await b.post(url, form, { noCsrf: true });
    assert.equal(res.statusCode, 403, url);
    const wrongToken = await b.post(url, { ...form, _csrf: 'x'.repeat(40) });
    assert.equal(wrongToken.statusCode, 403, `${url} with a made-up token`);
  }
  assert.equal(await tokens(), before, 'no e-mail change was started');
  assert.equal((await signIn(browser(), a.email)).statusCode, 303, 'the password is unchanged');
  assert.equal((await db().selectFrom('api_tokens').select('id').where('user_id', '=', a.id).execute()).length, 0);
  assert.ok((await sessionRows(a.id)).some((r) => r.token_hash === hashToken(token)), 'still signed in');
  // A login form without a token signs nobody in (login CSRF).
  const c = browser();
  const login = await c.post('/login', { email: a.email, password: PASSWORD }, { noCsrf: true });
  assert.equal(login.statusCode, 403);
  assert.equal(c.cookie(COOKIE), undefined);
  // Another browser's token (a token without its cookie) does not pass either.
  const d = browser();
  const stolen = await d.post('/account/email', { email: email('x'), _csrf: csrfIn((await b.get('/account')).body)! });
  assert.equal(stolen.statusCode, 403);
});

test('a cross-site form is refused even with a token: foreign Origin, Origin null, Sec-Fetch-Site cross-site', async () => {
  const a = await account();
  const b = browser();
  await signIn(b, a.email);
  await b.get('/account');
  const variants: Record<string, string>[] = [
    { origin: 'https://evil.example' },
    { origin: 'null' },
    { origin: 'http://masthead.test.evil.example' },
    { 'sec-fetch-site': 'cross-site' },
    { origin: '', 'sec-fetch-site': 'cross-site' },
  ];
  for (const headers of variants) {
    const res = await b.post('/logout/everywhere', {}, { headers });
    assert.equal(res.statusCode, 403, JSON.stringify(headers));
    const login = await browser().post('/login', { email: a.email, password: PASSWORD }, { from: '/login', headers });
    assert.equal(login.statusCode, 403, `login ${JSON.stringify(headers)}`);
  }
  assert.equal(await signedInAs(b), a.email);
  // Same origin, and a browser that sends no Origin at all, still work.
  await b.get('/account');
  const noOrigin = await b.post('/account/api-token', {}, { headers: { origin: '', 'sec-fetch-site': '' } });
  assert.equal(noOrigin.statusCode, 200);
});

test('nothing changes state on GET', async () => {
  const a = await account();
  const b = browser();
  await signIn(b, a.email);
  for (const url of ['/logout', '/logout/everywhere', '/account/api-token', '/account/feed', '/account/gift?code=ABCD', '/account/password?password=x', '/account/email?email=x@example.org']) {
    const res = await b.get(url);
    assert.ok(res.statusCode === 404 || res.statusCode === 405, `${url}: ${res.statusCode}`);
  }
  assert.equal(await signedInAs(b), a.email);
  assert.equal((await db().selectFrom('api_tokens').select('id').where('user_id', '=', a.id).execute()).length, 0);
  assert.equal((await db().selectFrom('auth_tokens').select('id').where('user_id', '=', a.id).execute()).length, 0);
});

test('failed sign-ins: the 11th wrong password for one account within the hour is 429, even from new addresses', async () => {
  const a = await account();
  for (let i = 1; i <= 10; i++) {
    const res = await signIn(browser(), a.email, `wrong password ${i}`);
    assert.equal(res.statusCode, 401, `attempt ${i}`);
  }
  const blocked = await signIn(browser(), a.email, 'wrong password 11');
  assert.equal(blocked.statusCode, 429);
  assert.ok(Number(blocked.headers['retry-after']) > 0);
  assert.match(blocked.body, /Too many attempts/);
  // The right password is paused too (a guesser cannot tell when it hit).
  const right = browser();
  assert.equal((await signIn(right, a.email)).statusCode, 429);
  assert.equal(right.cookie(COOKIE), undefined);
  // Another account is not affected.
  const other = await account('other');
  assert.equal((await signIn(browser(), other.email)).statusCode, 303);
});

test('a burst of wrong passwords sent all at once is limited just the same', async () => {
  const a = await account();
  const browsers = Array.from({ length: 25 }, () => browser());
  await Promise.all(browsers.map((x) => x.get('/login')));
  const results = await Promise.all(browsers.map((x, i) => x.post('/login', { email: a.email, password: `guess number ${i}` })));
  const tried = results.filter((r) => r.statusCode === 401).length;
  assert.ok(tried <= 10, `${tried} passwords were checked in one burst`);
  assert.equal(results.filter((r) => r.statusCode === 429).length, 25 - tried);
});

test('failed sign-ins per address: one address trying many accounts is stopped well before 100 an hour', async () => {
  const b = browser();
  let first429 = 0;
  for (let i = 1; i <= 60 && !first429; i++) {
    const res = await signIn(b, email('spray'), 'wrong password');
    if (res.statusCode === 429) first429 = i;
    else assert.equal(res.statusCode, 401);
  }
  assert.ok(first429 > 0 && first429 <= 50, `429 from attempt ${first429}`);
  // A different address is still served.
  const a = await account();
  assert.equal((await signIn(browser(), a.email)).statusCode, 303);
});

test('sign-in link requests per account are limited, and no more mails are sent', async () => {
  const a = await account('often', null);
  let status = 0;
  let i = 0;
  for (; i < 20; i++) {
    const res = await browser().post('/login/link', { email: a.email }, { from: '/login' });
    status = res.statusCode;
    if (status === 429) break;
    assert.equal(status, 200);
  }
  assert.equal(status, 429);
  assert.ok(i >= 3 && i <= 10, `blocked after ${i} mails`);
  for (let k = 0; k < i; k++) await smtp.waitForMail(a.email);
  await sleep(500);
  assert.equal(smtp.mailsTo(a.email).length, i, 'no mail for the refused requests');
});

test('the same answers whether or not an account exists: login error, link, reset and signup pages; no mail to unknown addresses', async () => {
  const a = await account();
  const unknownAddr = email('ghost');
  const b = browser();
  const wrong = await signIn(b, a.email, 'wrong password!');
  const none = await signIn(b, unknownAddr, 'wrong password!');
  assert.equal(wrong.statusCode, none.statusCode);
  assert.equal(normalized(wrong.body, a.email), normalized(none.body, unknownAddr));
  const linkA = await b.post('/login/link', { email: a.email }, { from: '/login' });
  const linkU = await b.post('/login/link', { email: unknownAddr }, { from: '/login' });
  assert.equal(linkA.statusCode, linkU.statusCode);
  assert.equal(normalized(linkA.body, a.email), normalized(linkU.body, unknownAddr));
  const resetA = await b.post('/reset', { email: a.email }, { from: '/reset' });
  const resetU = await b.post('/reset', { email: unknownAddr }, { from: '/reset' });
  assert.equal(normalized(resetA.body, a.email), normalized(resetU.body, unknownAddr));
  const signupA = await b.post('/signup', { email: a.email, password: 'some password here' }, { from: '/signup' });
  const newAddr = email('brandnew');
  const signupN = await b.post('/signup', { email: newAddr, password: 'some password here' }, { from: '/signup' });
  assert.equal(signupA.statusCode, signupN.statusCode);
  assert.equal(normalized(signupA.body, a.email), normalized(signupN.body, newAddr));
  // The same cookies too (the sign-up's proof of its password: see the next test).
  const cookieShape = (r: { headers: Record<string, unknown> }) => String(r.headers['set-cookie'] ?? '').replace(/=[^;]*/, '=…');
  assert.equal(cookieShape(signupA), cookieShape(signupN));
  assert.match(cookieShape(signupN), /masthead_signup=…; Max-Age=900; Path=\/; HttpOnly; SameSite=Lax/);
  assert.equal(normalized(linkA.body, a.email), normalized(signupA.body, a.email));
  // The existing account's owner hears about it (a link, a reset, a note about the sign-up), and
  // its password is not changed by someone signing up with the same address.
  for (let k = 0; k < 3; k++) await smtp.waitForMail(a.email);
  assert.equal((await signIn(browser(), a.email)).statusCode, 303);
  await smtp.waitForMail(newAddr);
  await sleep(200);
  assert.equal(smtp.mailsTo(unknownAddr).length, 0);
});

test('a sign-up with a password cannot sign in by password until the address is confirmed', async () => {
  // Otherwise anyone could create an account in someone else's name and keep its password.
  const e = email('squat');
  const b = browser();
  await b.post('/signup', { email: e, password: PASSWORD }, { from: '/signup' });
  const res = await signIn(browser(), e);
  assert.notEqual(res.statusCode, 303);
  assert.equal((await findUserByEmail(db(), e))!.email_verified_at, null);
  const link = await mailLinkFor(e, '/login/link/');
  await b.get(link);
  assert.equal((await b.post(link)).statusCode, 303);
  assert.equal((await signIn(browser(), e)).statusCode, 303, 'confirmed: the password works');

  // Someone signs up in a stranger's name with their own password; the stranger, who never saw
  // that sign-up, later signs in with a link: the squatter's password is gone.
  const victim = email('victim');
  const squatter = browser();
  await squatter.post('/signup', { email: victim, password: 'the squatters password' }, { from: '/signup' });
  await smtp.waitForMail(victim); // the welcome mail, which the victim ignores
  assert.equal((await signIn(browser(), victim, 'the squatters password')).statusCode, 403);
  const v = browser();
  await v.post('/login/link', { email: victim }, { from: '/login' });
  const vlink = await mailLinkFor(victim, '/login/link/');
  await v.get(vlink);
  assert.equal((await v.post(vlink)).statusCode, 303);
  assert.equal(await signedInAs(v), victim);
  const row = (await findUserByEmail(db(), victim))!;
  assert.ok(row.email_verified_at);
  assert.equal(row.password_hash, null);
  assert.equal((await signIn(browser(), victim, 'the squatters password')).statusCode, 401);
  const page = await v.get('/account');
  assert.match(page.body, /Set a password/);
});

test('the welcome link keeps the sign-up password only for whoever chose it', async () => {
  // The same browser: kept without asking (its cookie proves the sign-up).
  const own = email('own');
  const b = browser();
  await b.post('/signup', { email: own, password: PASSWORD }, { from: '/signup' });
  const ownLink = await mailLinkFor(own, '/login/link/');
  const ownPage = await b.get(ownLink);
  assert.doesNotMatch(ownPage.body, /name="password"/, 'the browser that signed up is not asked');
  assert.equal((await b.post(ownLink)).statusCode, 303);
  assert.equal((await signIn(browser(), own)).statusCode, 303, 'the password works');

  // Another browser (the mail opened on a phone): asked, and the right password keeps it.
  const phone = email('phone');
  await browser().post('/signup', { email: phone, password: PASSWORD }, { from: '/signup' });
  const phoneLink = await mailLinkFor(phone, '/login/link/');
  const p = browser();
  const asked = await p.get(phoneLink);
  assert.match(asked.body, /<label for="password">Password chosen at sign-up<\/label>/);
  assert.equal((await p.post(phoneLink, { password: PASSWORD })).statusCode, 303);
  assert.equal(await signedInAs(p), phone);
  assert.equal((await signIn(browser(), phone)).statusCode, 303, 'typed again: kept');

  // Someone signs up in a stranger's name; the stranger opens that welcome mail and signs in
  // without a password, or with a guess: signed in, and the squatter's password is gone.
  for (const guess of [undefined, 'not the squatters one']) {
    const victim = email('victim');
    const squatter = browser();
    await squatter.post('/signup', { email: victim, password: 'the squatters password' }, { from: '/signup' });
    const link = await mailLinkFor(victim, '/login/link/');
    const v = browser();
    assert.match((await v.get(link)).body, /name="password"/);
    assert.equal((await v.post(link, guess === undefined ? {} : { password: guess })).statusCode, 303);
    assert.equal(await signedInAs(v), victim);
    const row = (await findUserByEmail(db(), victim))!;
    assert.ok(row.email_verified_at);
    assert.equal(row.password_hash, null, `guess: ${guess}`);
    assert.equal((await signIn(browser(), victim, 'the squatters password')).statusCode, 401);
    // The squatter's own browser, cookie and all, gets nothing from the used link.
    assert.equal((await squatter.post(link, {}, { from: '/login' })).statusCode, 410);
  }
});

test('links mailed before a password reset or a change of address stop working', async () => {
  const a = await account();
  const b = browser();
  await b.post('/login/link', { email: a.email }, { from: '/login' });
  const signinLink = await mailLinkFor(a.email, '/login/link/');
  await b.post('/reset', { email: a.email }, { from: '/reset' });
  const resetLink = await mailLinkFor(a.email, '/reset/');
  await b.get(resetLink);
  assert.equal((await b.post(resetLink, { password: 'a fresh new password' })).statusCode, 303);
  assert.equal((await browser().get(signinLink)).statusCode, 410, 'a sign-in link from before the reset');

  await b.post('/login/link', { email: a.email }, { from: '/login' });
  const oldMailboxLink = await mailLinkFor(a.email, '/login/link/');
  await b.get('/account');
  const newAddr = email('fresh');
  await b.post('/account/email', { email: newAddr });
  const confirm = await mailLinkFor(newAddr, '/account/email/');
  await b.get(confirm);
  assert.equal((await b.post(confirm)).statusCode, 303);
  assert.equal((await browser().get(oldMailboxLink)).statusCode, 410, 'a sign-in link sent to the old address');
});

test('e-mail change requests are limited per account, whatever address they name', async () => {
  const a = await account();
  const b = browser();
  await signIn(b, a.email);
  await b.get('/account');
  const sent: { to: string; status: number }[] = [];
  for (let i = 0; i < 8; i++) {
    const to = email('target');
    sent.push({ to, status: (await b.post('/account/email', { email: to })).statusCode });
  }
  const first429 = sent.findIndex((x) => x.status === 429);
  assert.ok(first429 >= 1, sent.map((x) => x.status).join(','));
  assert.ok(sent.slice(0, first429).every((x) => x.status === 200));
  assert.ok(sent.slice(first429).every((x) => x.status === 429));
  for (const x of sent.slice(0, first429)) await smtp.waitForMail(x.to, { timeoutMs: 10_000 });
  await sleep(500);
  for (const x of sent.slice(first429)) assert.equal(smtp.mailsTo(x.to).length, 0, `no mail to ${x.to}`);
});

test('a sign-in link POSTed twice at once signs in only once', async () => {
  const a = await account('race', null);
  const b = browser();
  await b.post('/login/link', { email: a.email }, { from: '/login' });
  const link = await mailLinkFor(a.email, '/login/link/');
  const tabs = [browser(), browser(), browser()];
  for (const x of tabs) await x.get(link);
  const results = await Promise.all(tabs.map((x) => x.post(link)));
  assert.deepEqual(results.map((r) => r.statusCode).sort(), [303, 410, 410]);
  assert.equal((await sessionRows(a.id)).length, 1);
});

test('after sign-in, only relative paths on this site are followed', async () => {
  const a = await account();
  const cases: [string, string][] = [
    ['//evil.example', '/'],
    ['https://evil.example', '/'],
    ['/\\evil.example', '/'],
    ['\\\\evil.example', '/'],
    ['/\t/evil.example', '/'],
    ['javascript:alert(1)', '/'],
    ['http:/evil.example', '/'],
    ['/articles/x', '/articles/x'],
    ['/search?q=prison+phones', '/search?q=prison+phones'],
  ];
  for (const [next, expected] of cases) {
    const b = browser();
    const form = await b.get(`/login?next=${encodeURIComponent(next)}`);
    assert.equal(form.statusCode, 200);
    const hidden = /name="next" value="([^"]*)"/.exec(form.body)?.[1].replace(/&amp;/g, '&');
    assert.equal(hidden, expected, `login form for ${next}`);
    const res = await b.post('/login', { email: a.email, password: PASSWORD, next });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, expected, next);
    // Already signed in: /login?next=… redirects the same way.
    const again = await b.get(`/login?next=${encodeURIComponent(next)}`);
    assert.equal(again.headers.location, expected, `signed in, ${next}`);
  }
  // And through a mailed link.
  const b = browser();
  await b.post('/login/link', { email: a.email, next: '//evil.example' }, { from: '/login' });
  const link = await mailLinkFor(a.email, '/login/link/');
  assert.ok(!mailText(await Promise.resolve(smtp.mailsTo(a.email).at(-1)!)).includes('evil.example'));
  await b.get(`${link}${link.includes('?') ? '&' : '?'}next=${encodeURIComponent('https://evil.example')}`);
  const res = await b.post(link, { next: 'https://evil.example' });
  assert.equal(res.statusCode, 303);
  assert.equal(res.headers.location, '/');
});

test('security events are logged as structured fields, without passwords', async () => {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  const d = await createTestDatabase();
  const app = await buildApp(createContext(d.store, loadConfig({ ...d.env, BASE_URL: 'http://masthead.test', SMTP_URL: smtp.url })), { logger: { level: 'info', stream } });
  try {
    const e = 'logged@example.org';
    const user = await createUser(d.store.db, { email: e, passwordHash: await hashPassword(PASSWORD), verified: true });
    const b = new BrowserSession(app);
    await b.get('/login');
    await b.post('/login', { email: e, password: 'secret guess 123' });
    await b.post('/login', { email: 'nobody@example.org', password: 'secret guess 456' });
    await b.post('/login', { email: e, password: PASSWORD });
    await b.get('/account');
    await b.post('/logout', {}, { headers: { origin: 'https://evil.example' } });
    await b.post('/logout', {}, { noCsrf: true });
    for (let i = 0; i < 11; i++) await new BrowserSession(app).post('/login', { email: e, password: `x${i}` }, { from: '/login' });
    const events = (name: string) => lines.filter((l) => l.event === name);
    const failed = events('login_failed');
    assert.ok(failed.some((l) => l.userId === user.id && l.reason === 'bad_password' && typeof l.ip === 'string'));
    assert.ok(failed.some((l) => l.userId === null && l.reason === 'no_account'));
    assert.ok(events('login').some((l) => l.userId === user.id && l.method === 'password'));
    assert.ok(events('csrf_blocked').some((l) => l.origin === 'https://evil.example'));
    assert.ok(events('csrf_blocked').some((l) => typeof l.reason === 'string'));
    assert.ok(events('login_blocked').length >= 1);
    const all = JSON.stringify(lines);
    for (const secret of [PASSWORD, 'secret guess 123', 'secret guess 456', b.cookie(COOKIE) ?? 'no-cookie']) assert.ok(!all.includes(secret), `the log holds ${secret}`);
  } finally {
    await app.close();
    await d.cleanup();
  }
});

test('linkIn reads links from quoted-printable mail (soft line breaks, =3D)', () => {
  const raw = 'Subject: x\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nOpen:\r\n\r\nhttp://masthead.test/login/link/abc=\r\ndef?next=3D%2Farticles%2Fx&k=3D41\r\n';
  assert.equal(linkIn(raw, '/login/link/'), 'http://masthead.test/login/link/abcdef?next=%2Farticles%2Fx&k=41');
  assert.throws(() => linkIn(raw, '/reset/'));
});
