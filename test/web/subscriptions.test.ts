import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BrowserSession } from '../support/browser-session.ts';
import { findLeak, premiumArticles, type PremiumArticle } from '../support/leaks.ts';
import { createUser, grantEntitlement } from '../../src/store/users.ts';
import { hashPassword } from '../../src/auth/passwords.ts';
import { createGiftCode } from '../../src/store/gifts.ts';
import { periodOf } from '../../src/store/meter.ts';

// Subscriptions, gift codes, metered reading, personal API tokens and the private full-text feed,
// through HTTP as a reader uses them.

const PASSWORD = 'correct horse battery';

type Premium = PremiumArticle;

let t: TestApp;
let premium: Premium[] = [];
let n = 0;

before(async () => {
  t = await createTestApp();
  premium.push(...(await premiumArticles(t.store.db)));
  assert.ok(premium.length >= 4, 'the demo has premium articles to read');
});
after(async () => t?.cleanup());

const db = () => t.store.db;
const email = (name = 'reader') => `${name}${++n}@example.org`;

async function reader(name = 'reader') {
  const e = email(name);
  const user = await createUser(db(), { email: e, passwordHash: await hashPassword(PASSWORD), verified: true });
  const b = new BrowserSession(t.app);
  await b.get('/login');
  const res = await b.post('/login', { email: e, password: PASSWORD });
  assert.equal(res.statusCode, 303);
  return { email: e, id: user.id, b };
}

async function subscribe(userId: number, days = 30) {
  return grantEntitlement(db(), { userId, plan: 'digital', endsAt: new Date(Date.now() + days * 86400_000).toISOString(), source: 'admin' });
}

async function endEntitlements(userId: number) {
  await db().updateTable('entitlements').set({ ends_at: new Date(Date.now() - 1000).toISOString() }).where('user_id', '=', userId).execute();
}

/** Whether the page or document carries the article's gated text. */
function full(body: string, a: Premium): boolean {
  return findLeak(body, a.fragments) !== null;
}

async function meterRows(userId: number) {
  return db().selectFrom('meter_reads').selectAll().where('user_id', '=', userId).execute();
}

// ---------------------------------------------------------------- metered reading

test('metered reading: METER_LIMIT premium articles a month in full, re-reading is free, then teasers; counted on the server', async () => {
  const r = await reader('meter');
  const [a, b, c] = premium;

  const first = await r.b.get(`/articles/${a.slug}`);
  assert.equal(first.statusCode, 200);
  assert.ok(full(first.body, a), 'first premium article in full');
  assert.match(first.body, /You have 1 more free article this month\./);
  assert.match(String(first.headers['cache-control']), /private/);
  assert.equal((await meterRows(r.id)).length, 1);

  const again = await r.b.get(`/articles/${a.slug}`);
  assert.ok(full(again.body, a), 're-reading is free');
  assert.equal((await meterRows(r.id)).length, 1);

  const second = await r.b.get(`/articles/${b.slug}`);
  assert.ok(full(second.body, b), 'second premium article in full');
  assert.match(second.body, /This is your last free premium article this month\./);
  const rows = await meterRows(r.id);
  assert.deepEqual(rows.map((x) => x.article_id).sort(), [a.id, b.id].sort());
  assert.ok(rows.every((x) => x.period === periodOf()));

  const third = await r.b.get(`/articles/${c.slug}`);
  assert.equal(third.statusCode, 200);
  assert.ok(!full(third.body, c), 'the next premium article is a teaser');
  assert.match(third.body, /Keep reading with a subscription/);
  assert.equal((await meterRows(r.id)).length, 2, 'a teaser costs nothing');

  // Articles already read this month stay readable.
  assert.ok(full((await r.b.get(`/articles/${a.slug}`)).body, a));
  assert.ok(full((await r.b.get(`/articles/${b.slug}`)).body, b));
  const acct = await r.b.get('/account');
  assert.match(acct.body, /You have read 2 of 2 free premium articles this month/);

  // The API never gives metered full text, not even for an article the meter paid for.
  for (const x of [a, b, c]) {
    const api = await r.b.get(`/api/v1/articles/${x.slug}`);
    assert.equal(api.statusCode, 200);
    assert.equal(api.json().body_html, null, x.slug);
    assert.equal(findLeak(api.body, x.fragments), null);
  }
  // Nor do downloads or the plain-text edition.
  for (const path of [`/api/v1/articles/${a.slug}/text`, `/api/v1/articles/${a.slug}/pdf`]) {
    const res = await r.b.get(path);
    assert.ok(res.statusCode !== 200 || !full(res.body, a), `${path}: ${res.statusCode}`);
  }
});

test('the meter is counted per reader, on the server: a new month starts afresh; forging a meter cookie does nothing', async () => {
  const r = await reader('meter');
  const [a, b, c] = premium;
  // Last month's reads do not count this month.
  const lastMonth = new Date();
  lastMonth.setUTCDate(1);
  lastMonth.setUTCMonth(lastMonth.getUTCMonth() - 1);
  for (const x of [a, b]) await db().insertInto('meter_reads').values({ user_id: r.id, period: periodOf(lastMonth), article_id: x.id, read_at: lastMonth.toISOString() }).execute();
  assert.ok(full((await r.b.get(`/articles/${c.slug}`)).body, c));
  assert.ok(full((await r.b.get(`/articles/${a.slug}`)).body, a));
  r.b.cookies.set('meter', '0');
  const blocked = await r.b.get(`/articles/${b.slug}`, { 'x-meter': '0' });
  assert.ok(!full(blocked.body, b));
  // Another reader has their own allowance.
  const other = await reader('meter');
  assert.ok(full((await other.b.get(`/articles/${b.slug}`)).body, b));
  // Anonymous readers get teasers.
  const anon = await t.app.inject({ url: `/articles/${a.slug}` });
  assert.ok(!full(anon.body, a));
});

test('opening many premium articles at once (several tabs) still reads only METER_LIMIT in full', async () => {
  const r = await reader('tabs');
  const pages = await Promise.all(premium.slice(0, 4).map((x) => r.b.get(`/articles/${x.slug}`)));
  const fullCount = pages.filter((p, i) => full(p.body, premium[i])).length;
  assert.equal(fullCount, 2);
  assert.equal((await meterRows(r.id)).length, 2);
});

test('METER_LIMIT is honoured (0: no free premium articles)', async () => {
  const zero = await createTestApp({ env: { METER_LIMIT: '0' } });
  try {
    const e = email('zero');
    await createUser(zero.store.db, { email: e, passwordHash: await hashPassword(PASSWORD), verified: true });
    const b = new BrowserSession(zero.app);
    await b.get('/login');
    assert.equal((await b.post('/login', { email: e, password: PASSWORD })).statusCode, 303);
    const page = await b.get(`/articles/${premium[0].slug}`);
    assert.equal(page.statusCode, 200);
    assert.ok(!full(page.body, premium[0]));
    assert.equal(Number((await zero.store.db.selectFrom('meter_reads').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), 0);
  } finally {
    await zero.cleanup();
  }
});

// ---------------------------------------------------------------- subscriptions

test('a subscriber reads everything in full, on the page and in the API, without using the meter; when the entitlement ends, teasers again', async () => {
  const r = await reader('sub');
  await subscribe(r.id);
  for (const x of premium.slice(0, 4)) {
    assert.ok(full((await r.b.get(`/articles/${x.slug}`)).body, x), x.slug);
    const api = (await r.b.get(`/api/v1/articles/${x.slug}`)).json();
    assert.ok(api.body_html && findLeak(api.body_html, x.fragments), 'the API with a session cookie');
  }
  assert.equal((await meterRows(r.id)).length, 0);
  const acct = await r.b.get('/account');
  assert.match(acct.body, /You have the <strong>digital<\/strong> plan until/);

  await endEntitlements(r.id);
  // Back on the meter: two more in full (the reads as a subscriber did not count), then teasers.
  const [a, b, c] = premium;
  const pa = await r.b.get(`/articles/${a.slug}`);
  assert.ok(full(pa.body, a));
  assert.match(pa.body, /You have 1 more free article this month/);
  assert.ok(full((await r.b.get(`/articles/${b.slug}`)).body, b));
  const page = await r.b.get(`/articles/${c.slug}`);
  assert.ok(!full(page.body, c), 'teaser once the entitlement and the meter are used up');
  assert.match(page.body, /Keep reading with a subscription/);
  const api = (await r.b.get(`/api/v1/articles/${premium[0].slug}`)).json();
  assert.equal(api.body_html, null);
  assert.match((await r.b.get('/account')).body, /You have no current subscription/);
});

test('a revoked or not-yet-started entitlement gives nothing', async () => {
  const r = await reader('sub');
  const { id } = await subscribe(r.id);
  await db().updateTable('entitlements').set({ revoked_at: new Date().toISOString() }).where('id', '=', id).execute();
  await grantEntitlement(db(), { userId: r.id, plan: 'digital', startsAt: new Date(Date.now() + 86400_000).toISOString(), endsAt: new Date(Date.now() + 30 * 86400_000).toISOString(), source: 'admin' });
  const api = (await r.b.get(`/api/v1/articles/${premium[0].slug}`)).json();
  assert.equal(api.body_html, null);
  assert.match((await r.b.get('/account')).body, /You have no current subscription/);
});

// ---------------------------------------------------------------- gift codes

test('a gift code is redeemed on the account page exactly once, typed in any case and spacing', async () => {
  const code = await createGiftCode(db(), { plan: 'print-digital', days: 30 });
  assert.match(code, /^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
  const stored = JSON.stringify(await db().selectFrom('gift_codes').selectAll().execute());
  assert.ok(!stored.includes(code), 'only a hash of the code is stored');
  const r = await reader('gift');
  await r.b.get('/account');
  const typed = code.toLowerCase().replace(/-/g, ' ');
  const res = await r.b.post('/account/gift', { code: typed });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /Gift code redeemed/);
  assert.match(res.body, /print and digital/);
  assert.ok(full((await r.b.get(`/articles/${premium[0].slug}`)).body, premium[0]));

  // Again, by the same reader or another: refused, and no second entitlement.
  const twice = await r.b.post('/account/gift', { code }, { from: '/account' });
  assert.equal(twice.statusCode, 400);
  assert.match(twice.body, /not valid or has already been used/);
  const other = await reader('gift');
  await other.b.get('/account');
  const stolen = await other.b.post('/account/gift', { code });
  assert.equal(stolen.statusCode, 400);
  assert.equal((await db().selectFrom('entitlements').select('id').where('source', '=', 'gift').where('user_id', 'in', [r.id, other.id]).execute()).length, 1);
  assert.equal((await other.b.get(`/api/v1/articles/${premium[0].slug}`)).json().body_html, null);
  // A made-up code.
  assert.equal((await other.b.post('/account/gift', { code: 'AAAA-BBBB-CCCC-DDDD' })).statusCode, 400);
});

test('two readers redeeming the same code at once: exactly one succeeds', async () => {
  const code = await createGiftCode(db(), { plan: 'digital', days: 10 });
  const readers = await Promise.all([reader('race'), reader('race'), reader('race'), reader('race')]);
  for (const r of readers) await r.b.get('/account');
  const results = await Promise.all(readers.map((r) => r.b.post('/account/gift', { code })));
  assert.deepEqual(results.map((x) => x.statusCode).sort(), [200, 400, 400, 400]);
  const ents = await db().selectFrom('entitlements').select('user_id').where('user_id', 'in', readers.map((r) => r.id)).execute();
  assert.equal(ents.length, 1);
});

test('a gift redeemed while subscribed extends the subscription; the account page shows the later end', async () => {
  const r = await reader('extend');
  const endsAt = new Date(Date.now() + 10 * 86400_000);
  await grantEntitlement(db(), { userId: r.id, plan: 'digital', endsAt: endsAt.toISOString(), source: 'admin' });
  const code = await createGiftCode(db(), { plan: 'digital', days: 365 });
  await r.b.get('/account');
  assert.equal((await r.b.post('/account/gift', { code })).statusCode, 200);
  const ents = await db().selectFrom('entitlements').selectAll().where('user_id', '=', r.id).orderBy('starts_at').execute();
  assert.equal(ents.length, 2);
  assert.equal(ents[1].starts_at, ents[0].ends_at, 'the gift starts when the subscription ends');
  const expectedEnd = new Date(endsAt.getTime() + 365 * 86400_000);
  const year = String(expectedEnd.getUTCFullYear());
  const page = (await r.b.get('/account')).body;
  const until = /plan until <strong>([^<]+)<\/strong>/.exec(page)?.[1] ?? '';
  assert.ok(until.includes(year), `account page says until "${until}", expected ${expectedEnd.toISOString().slice(0, 10)}`);
});

test('gift code guessing is limited per address (429)', async () => {
  const r = await reader('guess');
  await r.b.get('/account');
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) statuses.push((await r.b.post('/account/gift', { code: `ZZZZ-ZZZZ-ZZZZ-${String(1000 + i).replace(/[01]/g, 'Z')}` })).statusCode);
  assert.deepEqual(statuses.slice(0, 10), Array(10).fill(400));
  assert.equal(statuses[10], 429);
  // Even a real code is paused now.
  const code = await createGiftCode(db(), { plan: 'digital', days: 10 });
  assert.equal((await r.b.post('/account/gift', { code })).statusCode, 429);
  assert.equal((await db().selectFrom('entitlements').select('id').where('user_id', '=', r.id).execute()).length, 0);
});

// ---------------------------------------------------------------- personal API tokens

test('a personal API token from the account page: Bearer gets body_html while subscribed; a new token revokes the old', async () => {
  const r = await reader('api');
  await r.b.get('/account');
  const res = await r.b.post('/account/api-token');
  assert.equal(res.statusCode, 200);
  const token = /(mh_[A-Za-z0-9_-]+)/.exec(res.body)?.[1];
  assert.ok(token);
  assert.ok(!JSON.stringify(await db().selectFrom('api_tokens').selectAll().execute()).includes(token), 'stored hashed');
  const slug = premium[0].slug;
  const bearer = (tok: string) => t.app.inject({ url: `/api/v1/articles/${slug}`, headers: { authorization: `Bearer ${tok}` } });
  assert.equal((await bearer(token)).json().body_html, null, 'not subscribed yet');
  await subscribe(r.id);
  const sub = (await bearer(token)).json();
  assert.ok(sub.body_html && findLeak(sub.body_html, premium[0].fragments));
  const res2 = await r.b.post('/account/api-token');
  const token2 = /(mh_[A-Za-z0-9_-]+)/.exec(res2.body)?.[1];
  assert.ok(token2 && token2 !== token);
  assert.equal((await bearer(token)).json().body_html, null, 'the old token is revoked');
  assert.ok((await bearer(token2)).json().body_html);
  assert.equal((await bearer('mh_forged')).json().body_html, null);
  // A Bearer token is not a session: the account pages do not open with it.
  const acct = await t.app.inject({ url: '/account', headers: { authorization: `Bearer ${token2}` } });
  assert.equal(acct.statusCode, 303);
  // And it never unlocks a metered read.
  await endEntitlements(r.id);
  assert.equal((await bearer(token2)).json().body_html, null);
});

// ---------------------------------------------------------------- private feed

test('private full-text feed: for subscribers only, full text while subscribed, replaced → old 404, forged → 404', async () => {
  const r = await reader('feed');
  await r.b.get('/account');
  const refused = await r.b.post('/account/feed');
  assert.equal(refused.statusCode, 400);
  assert.match(refused.body, /comes with a subscription/);
  assert.equal((await db().selectFrom('api_tokens').select('id').where('user_id', '=', r.id).where('kind', '=', 'feed').execute()).length, 0);

  await subscribe(r.id);
  const page0 = await r.b.get('/account');
  assert.match(page0.body, /Create my feed address/);
  const made = await r.b.post('/account/feed');
  assert.equal(made.statusCode, 303);
  const acct = await r.b.get(String(made.headers.location));
  assert.match(acct.body, /Your private feed address is ready/);
  const url = /(http:\/\/masthead\.test\/feeds\/private\/[^<\s"]+\.xml)/.exec(acct.body)?.[1];
  assert.ok(url, 'the account page shows the address');
  const path = new URL(url).pathname;

  // No cookie needed: the address is the credential.
  const feed = await t.app.inject({ url: path });
  assert.equal(feed.statusCode, 200);
  assert.match(String(feed.headers['content-type']), /rss\+xml/);
  assert.match(String(feed.headers['cache-control']), /private/);
  assert.match(feed.body, /<content:encoded>/);
  const inFeed = premium.filter((x) => feed.body.includes(`/articles/${x.slug}<`));
  assert.ok(inFeed.length >= 1, 'premium articles are in the feed');
  for (const x of inFeed) assert.ok(findLeak(feed.body, x.fragments), `full text of ${x.slug}`);

  // Forged addresses.
  const [uid, id, sig] = path.replace('/feeds/private/', '').replace('.xml', '').split('.');
  const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
  for (const forged of [`${uid}.${id}.${flip(sig)}`, `${Number(uid) + 1}.${id}.${sig}`, `${uid}.${Number(id) + 1}.${sig}`, 'nothing', `${uid}.${id}`]) {
    const res = await t.app.inject({ url: `/feeds/private/${forged}.xml` });
    assert.equal(res.statusCode, 404, forged);
    assert.ok(!res.body.includes('content:encoded'));
  }

  // Replaced: the old address stops working.
  await r.b.get('/account');
  const replaced = await r.b.post('/account/feed');
  assert.equal(replaced.statusCode, 303);
  const acct2 = await r.b.get('/account');
  const url2 = /(http:\/\/masthead\.test\/feeds\/private\/[^<\s"]+\.xml)/.exec(acct2.body)?.[1];
  assert.ok(url2 && url2 !== url);
  assert.equal((await t.app.inject({ url: path })).statusCode, 404);
  assert.equal((await t.app.inject({ url: new URL(url2).pathname })).statusCode, 200);

  // Entitlement over: no premium full text in the feed any more, and the page hides the address.
  await endEntitlements(r.id);
  const expired = await t.app.inject({ url: new URL(url2).pathname });
  assert.ok(expired.statusCode === 404 || expired.statusCode === 200);
  assert.doesNotMatch(expired.body, /<content:encoded>/, 'no full text at all once the subscription has ended');
  for (const x of premium) assert.equal(findLeak(expired.body, x.fragments), null, `no full text of ${x.slug} after the end`);
  assert.doesNotMatch((await r.b.get('/account')).body, /feeds\/private/);
});
