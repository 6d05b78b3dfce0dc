import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../support/app.ts';
import { findLeak, premiumArticles, type PremiumArticle } from '../support/leaks.ts';
import { createUser, createSession, grantEntitlement } from '../../src/store/users.ts';
import { CSS } from '../../src/web/views/layout.tsx';

// The print view (GET /articles/:slug/print): access exactly as on the page, metering included;
// citation on every printed page; link and source addresses written out; no navigation.

const SEED_SLUG = 'salvadoran-presidents-dark-secret-allegedly-behind-deal-to-hold-deported';
const SEED_PRINT = `/articles/${SEED_SLUG}/print`;
const CITATION = 'PLN, May 2025, pp.30-31';

type Premium = PremiumArticle;

let t: TestApp;
const premium: Premium[] = [];
let seed: Premium;
let n = 0;

before(async () => {
  t = await createTestApp();
  premium.push(...(await premiumArticles(t.store.db)));
  seed = premium.find((p) => p.slug === SEED_SLUG)!;
  assert.ok(seed, 'the seed article is premium');
  assert.ok(premium.length >= 3);
});
after(async () => t?.cleanup());

const db = () => t.store.db;
const days = (d: number) => new Date(Date.now() + d * 86400_000).toISOString();
const get = (url: string, cookie?: string) => t.app.inject({ url, headers: cookie ? { cookie } : {} });
const full = (body: string, a: Premium) => findLeak(body, a.fragments) !== null;

async function signedIn(kind: 'subscriber' | 'metered' | 'expired') {
  const user = await createUser(db(), { email: `print-${kind}${++n}@example.org`, verified: true });
  if (kind === 'subscriber') await grantEntitlement(db(), { userId: user.id, plan: 'digital', endsAt: days(30), source: 'admin' });
  if (kind === 'expired') await grantEntitlement(db(), { userId: user.id, plan: 'digital', startsAt: days(-400), endsAt: days(-35), source: 'admin' });
  const token = await createSession(db(), user.id, {});
  return { id: user.id, cookie: `masthead_session=${token}` };
}

async function meterRows(userId: number) {
  return db().selectFrom('meter_reads').select('article_id').where('user_id', '=', userId).orderBy('article_id').execute();
}

function assertPrintLayout(body: string) {
  assert.match(body, /^<!doctype html>/);
  assert.doesNotMatch(body, /<nav\b/, 'no navigation');
  assert.doesNotMatch(body, /<footer\b/);
  assert.match(body, /<meta name="robots" content="noindex"\/?>/);
  assert.ok(body.includes(`<link rel="canonical" href="http://masthead.test/articles/${SEED_SLUG}"`));
  // The site stylesheet exactly, so the Content-Security-Policy's style hash allows it; its print
  // rules put .print-cite at the foot of every printed page.
  assert.ok(body.includes(`<style>${CSS}</style>`));
  assert.match(CSS, /@media print\{[^]*\.print-cite\{display:block!important;position:fixed;bottom:0/);
  assert.ok(body.includes(`<p class="print-cite">${CITATION} · http://masthead.test/articles/${SEED_SLUG}</p>`), 'the citation line for every printed page');
}

test('the routes are registered (src/web/app.ts)', () => {
  assert.ok(t.app.hasRoute({ method: 'GET', url: '/articles/:slug/print' }), 'register printRoutes(ctx) in buildApp');
});

test('anonymous: only the teaser and a subscribe prompt, never cached publicly', async () => {
  const res = await get(SEED_PRINT);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
  assert.match(String(res.headers['cache-control']), /^private/);
  assertPrintLayout(res.body);
  assert.ok(!full(res.body, seed), 'no gated text');
  assert.match(res.body, /When Pres\. Donald J\. Trump/, 'the teaser');
  assert.match(res.body, /The rest of this article is for subscribers/);
  assert.match(res.body, /Subscribe at http:\/\/masthead\.test\/subscribe/, 'the address written out for paper');
  assert.doesNotMatch(res.body, /Méndez Dardón/);
});

test('a subscriber: the full text, the citation, sources and addresses written out', async () => {
  const s = await signedIn('subscriber');
  const res = await get(SEED_PRINT, s.cookie);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['cache-control'], 'private, no-store');
  assertPrintLayout(res.body);
  assert.ok(full(res.body, seed), 'the full text');
  assert.match(res.body, /Méndez Dardón/);
  assert.doesNotMatch(res.body, /class="prompt"/);
  assert.match(res.body, /Cite as: <code>PLN, May 2025, pp\.30-31<\/code>/);
  assert.match(res.body, /<h2 id="sources-h">Sources<\/h2><ul><li>CBS News<\/li><li>Dropsite News<\/li><li>El Faro<\/li><\/ul>/);
  assert.match(res.body, new RegExp(`Online: <a href="http://masthead.test/articles/${SEED_SLUG}">http://masthead.test/articles/${SEED_SLUG}</a>`));
  assert.deepEqual(await meterRows(s.id), [], 'a subscriber uses no meter');
});

test('an expired subscriber is a signed-in reader without a subscription, as on the page: the meter, then the teaser', async () => {
  const s = await signedIn('expired');
  await db().insertInto('meter_reads').values(premium.filter((p) => p.slug !== SEED_SLUG).slice(0, 2).map((p) => ({
    user_id: s.id, period: new Date().toISOString().slice(0, 7), article_id: p.id, read_at: new Date().toISOString(),
  }))).execute();
  const res = await get(SEED_PRINT, s.cookie);
  assert.equal(res.statusCode, 200);
  assert.ok(!full(res.body, seed), 'no gated text with the meter used up');
  assert.match(res.body, /class="prompt"/);
  assert.ok(!full((await get(`/articles/${SEED_SLUG}`, s.cookie)).body, seed), 'the page agrees');
});

test('a metered reader: printing uses the meter exactly like the page', async () => {
  const s = await signedIn('metered');
  const [a, b] = premium.filter((p) => p.slug !== SEED_SLUG);

  // Printing first counts the article once; the page afterwards costs nothing more.
  const printed = await get(SEED_PRINT, s.cookie);
  assert.ok(full(printed.body, seed), 'in full on the meter');
  assert.equal(printed.headers['cache-control'], 'private, no-store');
  assert.match(printed.body, /You have 1 more free article this month\./);
  assert.deepEqual((await meterRows(s.id)).map((r) => r.article_id), [seed.id]);
  const page = await get(`/articles/${SEED_SLUG}`, s.cookie);
  assert.ok(full(page.body, seed));
  assert.equal((await meterRows(s.id)).length, 1);

  // The page first, then printing: counted once.
  assert.ok(full((await get(`/articles/${a.slug}`, s.cookie)).body, a));
  assert.ok(full((await get(`/articles/${a.slug}/print`, s.cookie)).body, a));
  assert.equal((await meterRows(s.id)).length, 2);

  // The month's allowance is used up: the print view is the teaser, as the page is.
  const over = await get(`/articles/${b.slug}/print`, s.cookie);
  assert.equal(over.statusCode, 200);
  assert.ok(!full(over.body, b), 'no gated text once the meter is used up');
  assert.match(over.body, /You have read this month's free premium articles\./);
  assert.ok(!full((await get(`/articles/${b.slug}`, s.cookie)).body, b), 'the page agrees');
  assert.equal((await meterRows(s.id)).length, 2);
});

test('no header unlocks the print view', async () => {
  const res = await t.app.inject({ url: SEED_PRINT, headers: { 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)', referer: 'https://www.google.com/', 'x-forwarded-for': '66.249.66.1' } });
  assert.ok(!full(res.body, seed));
});

test('a free article prints in full for everyone, with source URLs written out', async () => {
  const row = await db().selectFrom('article_sources').innerJoin('articles', 'articles.id', 'article_sources.article_id')
    .select(['articles.slug', 'article_sources.name', 'article_sources.url']).where('article_sources.url', 'is not', null).where('articles.access', '=', 'free').executeTakeFirstOrThrow();
  const res = await get(`/articles/${row.slug}/print`);
  assert.equal(res.statusCode, 200);
  assert.doesNotMatch(res.body, /class="prompt"/);
  assert.ok(res.body.includes(`>${row.url}</a>`), `"${row.url}" written out as the link's words`);
});

test('an unknown article: 404', async () => {
  const res = await get('/articles/no-such-article/print');
  assert.equal(res.statusCode, 404);
});
