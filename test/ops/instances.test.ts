import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { TEST_DB, createTestDatabase, type TestDatabase } from '../support/db.ts';
import { startSmtp, linkIn, type TestSmtp } from '../support/smtp.ts';
import { findLeak, premiumArticles, type PremiumArticle } from '../support/leaks.ts';
import { createUser, grantEntitlement } from '../../src/store/users.ts';
import { hashPassword } from '../../src/auth/passwords.ts';
import { NGINX, freePort, startInstance, startNginx, waitFor, type Instance, type Nginx } from '../support/serving.ts';

// Several instances behind nginx on one PostgreSQL database, as ops/nginx/masthead.conf runs them:
// two real `masthead serve` processes and a real nginx, all on loopback. Nothing that matters may
// live in one process: a session, a rate-limit count, a meter count or a sign-in link made by
// one instance works on the other, and stopping an instance under traffic fails no request.

function skipReason(): string | false {
  if (TEST_DB !== 'postgres') return 'several instances need PostgreSQL (SQLite is one process by design): run with --db=postgres';
  if (!NGINX) return 'no nginx (apt-get install nginx): the two-instance test is skipped';
  return false;
}
const SKIP = skipReason();
if (SKIP) process.stdout.write(`# instances.test.ts skipped: ${SKIP}\n`);

const PASSWORD = 'correct horse battery';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A browser of sorts over fetch: a cookie jar, forms with the page's CSRF token, no redirects followed. */
class Client {
  cookies = new Map<string, string>();
  constructor(public origin: string) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { ...extra };
    if (this.cookies.size) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return h;
  }

  private keep(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      if (value === '' || /max-age=0/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(base: string, url: string): Promise<{ status: number; body: string; headers: Headers }> {
    const res = await fetch(base + url, { headers: this.headers(), redirect: 'manual' });
    this.keep(res);
    return { status: res.status, body: await res.text(), headers: res.headers };
  }

  /** GET the form page from `formBase`, POST it to `postBase` (the same or another instance). */
  async submit(formBase: string, postBase: string, formPath: string, action: string, fields: Record<string, string>): Promise<{ status: number; body: string; headers: Headers }> {
    const page = await this.get(formBase, formPath);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(csrf, `no CSRF token on ${formPath}`);
    const res = await fetch(postBase + action, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/x-www-form-urlencoded', origin: this.origin, 'sec-fetch-site': 'same-origin' }),
      body: new URLSearchParams({ ...fields, _csrf: csrf }).toString(),
      redirect: 'manual',
    });
    this.keep(res);
    return { status: res.status, body: await res.text(), headers: res.headers };
  }
}

let db: TestDatabase;
let smtp: TestSmtp;
let a: Instance;
let b: Instance;
let nginx: Nginx;
let premium: PremiumArticle[] = [];
let n = 0;

before(async () => {
  if (SKIP) return;
  db = await createTestDatabase();
  // A database nothing has touched yet: the instances migrate it and load the demo, together.
  await sql`drop schema public cascade`.execute(db.store.db);
  await sql`create schema public`.execute(db.store.db);
  smtp = await startSmtp();
  const [pa, pb, pn] = [await freePort(), await freePort(), await freePort()];
  const env = { ...db.env, BASE_URL: `http://127.0.0.1:${pn}`, SMTP_URL: smtp.url, METER_LIMIT: '2' };
  // Both start at once on an empty database: one loads the demo, the other waits for it.
  a = startInstance('instance A', pa, { ...env, DATA_DIR: path.join(db.dataDir, 'a') });
  b = startInstance('instance B', pb, { ...env, DATA_DIR: path.join(db.dataDir, 'b') });
  await Promise.all([waitFor(`${a.url}/readyz`, 60_000, a), waitFor(`${b.url}/readyz`, 60_000, b)]);
  nginx = await startNginx(pn, [pa, pb]);
  premium = await premiumArticles(db.store.db);
  assert.ok(premium.length >= 3, 'the demo has premium articles');
});

after(async () => {
  if (SKIP) return;
  for (const p of [a?.proc, b?.proc]) if (p && p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
  await Promise.all([a?.exited, b?.exited]);
  if (nginx) {
    nginx.proc.kill('SIGQUIT');
    await new Promise((r) => (nginx.proc.exitCode !== null ? r(null) : nginx.proc.once('exit', r)));
    fs.rmSync(nginx.dir, { recursive: true, force: true });
  }
  await smtp?.close();
  await db?.cleanup();
});

async function subscriber(): Promise<string> {
  const email = `subscriber${++n}@example.org`;
  const u = await createUser(db.store.db, { email, passwordHash: await hashPassword(PASSWORD), verified: true });
  await grantEntitlement(db.store.db, { userId: u.id, plan: 'digital', endsAt: '2099-12-31T23:59:59Z', source: 'admin' });
  return email;
}

async function reader(): Promise<string> {
  const email = `reader${++n}@example.org`;
  await createUser(db.store.db, { email, passwordHash: await hashPassword(PASSWORD), verified: true });
  return email;
}

const fullText = (body: string, article: PremiumArticle) => findLeak(body, article.fragments) !== null;

test('both instances started together on an empty database: migrated once, one demo publication, both ready', { skip: SKIP }, async () => {
  const pubs = await db.store.db.selectFrom('publications').select('id').execute();
  assert.equal(pubs.length, 1);
  for (const i of [a, b]) {
    const res = await fetch(`${i.url}/readyz`);
    assert.equal(res.status, 200);
  }
});

test('signed in through one instance, a subscriber reads premium text through the other', { skip: SKIP }, async () => {
  const email = await subscriber();
  const c = new Client(nginx.url);
  // The form comes from A, the sign-in goes to B (the CSRF secret lives in a cookie, not in a process).
  const signin = await c.submit(a.url, b.url, '/login', '/login', { email, password: PASSWORD });
  assert.equal(signin.status, 303, signin.body.slice(0, 500));
  const article = premium[0];
  const onA = await c.get(a.url, `/articles/${article.slug}`);
  assert.equal(onA.status, 200);
  assert.ok(fullText(onA.body, article), 'full text on the instance that did not sign the reader in');
  // Anonymous readers get the teaser only, on either instance.
  const anon = new Client(nginx.url);
  for (const i of [a, b]) assert.ok(!fullText((await anon.get(i.url, `/articles/${article.slug}`)).body, article));
  // Signing out on A ends the session on B too.
  const out = await c.submit(b.url, a.url, '/account', '/logout', {});
  assert.equal(out.status, 303);
  const after = await new Client(nginx.url).get(b.url, `/articles/${article.slug}`);
  assert.ok(!fullText(after.body, article));
});

test('a sign-in link mailed by one instance works on the other, once', { skip: SKIP }, async () => {
  const email = await reader();
  const c = new Client(nginx.url);
  const asked = await c.submit(a.url, a.url, '/login', '/login/link', { email });
  assert.equal(asked.status, 200);
  const link = new URL(linkIn(await smtp.waitForMail(email), '/login/link/'));
  const used = await c.submit(b.url, b.url, link.pathname, link.pathname, {});
  assert.equal(used.status, 303);
  const account = await c.get(a.url, '/account');
  assert.equal(account.status, 200);
  assert.ok(account.body.includes(email));
  const again = await new Client(nginx.url).get(a.url, link.pathname);
  assert.equal(again.status, 410, 'the link was used up on the other instance');
});

test('the monthly meter counts reads on both instances together', { skip: SKIP }, async () => {
  const email = await reader();
  const c = new Client(nginx.url);
  assert.equal((await c.submit(b.url, a.url, '/login', '/login', { email, password: PASSWORD })).status, 303);
  const [x, y, z] = premium;
  assert.ok(fullText((await c.get(a.url, `/articles/${x.slug}`)).body, x), 'first free read on A');
  assert.ok(fullText((await c.get(b.url, `/articles/${y.slug}`)).body, y), 'second free read on B');
  const third = await c.get(a.url, `/articles/${z.slug}`);
  assert.equal(third.status, 200);
  assert.ok(!fullText(third.body, z), 'METER_LIMIT=2 reached across both instances');
  assert.ok(!fullText((await c.get(b.url, `/articles/${z.slug}`)).body, z));
});

test('sign-in attempts are limited across both instances', { skip: SKIP }, async () => {
  const email = await reader();
  const c = new Client(nginx.url);
  const statuses: number[] = [];
  // LIMITS.loginFailAccount: 10 failures an hour per account, whichever instance counts them.
  // The attempts alternate between the instances by hand: nginx's round robin cannot be relied on
  // for that (each worker keeps its own turn, and a form's GET and POST take one turn each).
  for (let i = 0; i < 11; i++) {
    const at = i % 2 ? b : a;
    const res = await c.submit(at.url, at.url, '/login', '/login', { email, password: `wrong ${i}` });
    statuses.push(res.status);
  }
  assert.deepEqual(statuses, [...Array(10).fill(401), 429], 'five failures on A and five on B lock the account on both');
  // The right password is refused too while the account is locked, on the other instance as well.
  for (const i of [a, b]) assert.equal((await new Client(nginx.url).submit(i.url, i.url, '/login', '/login', { email, password: PASSWORD })).status, 429);
});

test('a scheduled article goes live on every instance at its time (page caches included)', { skip: SKIP }, async () => {
  const row = await db.store.db.selectFrom('articles').select(['id', 'slug', 'published_at']).where('access', '=', 'free').orderBy('published_at', 'desc').executeTakeFirstOrThrow();
  const anon = new Client(nginx.url);
  // Warm both caches with the article live.
  for (const i of [a, b]) assert.equal((await anon.get(i.url, `/articles/${row.slug}`)).status, 200);
  const at = new Date(Date.now() + 2500).toISOString();
  await db.store.db.updateTable('articles').set({ published_at: at, status: 'scheduled' }).where('id', '=', row.id).execute();
  try {
    for (const i of [a, b]) assert.equal((await anon.get(i.url, `/articles/${row.slug}`)).status, 404, `not yet on ${i.name}`);
    for (const i of [a, b]) assert.ok(!(await anon.get(i.url, '/')).body.includes(`/articles/${row.slug}"`), `not on ${i.name}'s home page yet`);
    await sleep(Date.parse(at) - Date.now() + 200);
    for (const i of [a, b]) assert.equal((await anon.get(i.url, `/articles/${row.slug}`)).status, 200, `live on ${i.name}`);
  } finally {
    await db.store.db.updateTable('articles').set({ published_at: row.published_at, status: 'published' }).where('id', '=', row.id).execute();
  }
});

test('stopping one instance mid-traffic fails no request', { skip: SKIP }, async () => {
  const email = await subscriber();
  const sub = new Client(nginx.url);
  assert.equal((await sub.submit(nginx.url, nginx.url, '/login', '/login', { email, password: PASSWORD })).status, 303);
  const slugs = (await db.store.db.selectFrom('articles').select('slug').limit(20).execute()).map((r) => r.slug);
  const anonUrls = ['/', '/feed.xml', '/api/v1/articles?limit=5', '/healthz', ...slugs.map((s) => `/articles/${s}`)];

  interface Outcome { status: number; upstream: string; error?: string; at: number; kind: string }
  const outcomes: Outcome[] = [];
  const t0 = Date.now();
  let stopAt = Infinity;
  let stoppedIn = Infinity;
  const runFor = 6000;
  const record = (kind: string, p: Promise<{ status: number; headers: Headers }>) =>
    p.then(
      (r) => outcomes.push({ kind, status: r.status, upstream: r.headers.get('x-upstream') ?? '', at: Date.now() - t0 }),
      (err: Error) => outcomes.push({ kind, status: 0, upstream: '', error: err.message, at: Date.now() - t0 }),
    );

  const anonymous = async (w: number) => {
    const c = new Client(nginx.url);
    for (let i = w; Date.now() - t0 < runFor; i++) await record('anonymous', c.get(nginx.url, anonUrls[i % anonUrls.length]));
  };
  const subscribed = async () => {
    for (let i = 0; Date.now() - t0 < runFor; i++) await record('subscriber', sub.get(nginx.url, `/articles/${premium[i % premium.length].slug}`));
  };
  const signIns = async () => {
    while (Date.now() - t0 < runFor) {
      const other = await subscriber();
      await record('sign-in', new Client(nginx.url).submit(nginx.url, nginx.url, '/login', '/login', { email: other, password: PASSWORD }));
    }
  };
  const stopper = async () => {
    await sleep(2000);
    stopAt = Date.now() - t0;
    a.proc.kill('SIGTERM');
    const code = await a.exited;
    stoppedIn = Date.now() - t0 - stopAt;
    assert.equal(code, 0, `instance A stops cleanly:\n${a.output()}`);
  };
  await Promise.all([...Array.from({ length: 12 }, (_, w) => anonymous(w)), subscribed(), subscribed(), signIns(), signIns(), stopper()]);

  const expected: Record<string, number> = { anonymous: 200, subscriber: 200, 'sign-in': 303 };
  const failed = outcomes.filter((o) => o.status !== expected[o.kind]);
  const aAddr = `127.0.0.1:${a.port}`;
  const served = (o: Outcome) => o.upstream.split(', ').pop();
  const before = outcomes.filter((o) => o.at < stopAt);
  const after = outcomes.filter((o) => o.at > stopAt + 500);
  process.stdout.write(`# ${outcomes.length} requests in ${runFor} ms, A stopped at ${stopAt} ms and exited ${stoppedIn} ms later; ${before.filter((o) => served(o) === aAddr).length} answered by A before; ${outcomes.filter((o) => o.upstream.includes(',')).length} retried on B by nginx\n`);
  assert.deepEqual(failed.slice(0, 10), [], `failed requests (${failed.length}); nginx error log:\n${nginx.log()}`);
  assert.ok(before.some((o) => served(o) === aAddr), 'A was serving before it was stopped');
  assert.ok(after.length > 50 && after.every((o) => served(o) === `127.0.0.1:${b.port}`), 'B serves everything once A is gone');
  assert.ok(outcomes.filter((o) => o.kind === 'sign-in').length >= 3);
  // Graceful, not slow: open keep-alive connections do not hold the process for nginx's idle timeout.
  assert.ok(stoppedIn < 10_000, `A took ${stoppedIn} ms to stop`);
  // Premium text still reaches the subscriber, and only the subscriber.
  assert.ok(fullText((await sub.get(nginx.url, `/articles/${premium[0].slug}`)).body, premium[0]));
});
