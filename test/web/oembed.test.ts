import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DOMParser } from '@xmldom/xmldom';
import { createTestApp, type TestApp } from '../support/app.ts';
import { gatedFragments, findLeak } from '../support/leaks.ts';
import { getArticle } from '../../src/store/articles.ts';
import { createUser, createApiToken, grantEntitlement } from '../../src/store/users.ts';
import { articleSlugOf } from '../../src/web/routes/oembed.ts';
import { slugify } from '../../src/domain/slug.ts';

// oEmbed: another site turns an article address into a card. The card is public (made from the
// anonymous reader's view), whoever asks, and never carries body text.

const SEED_SLUG = slugify('Salvadoran President’s Dark Secret Allegedly Behind Deal to Hold Deported Migrants in “Mega” Prison');
const BASE = 'http://masthead.test';

let t: TestApp;
let subscriberToken: string;
before(async () => {
  t = await createTestApp();
  const u = await createUser(t.store.db, { email: 'embed-subscriber@example.org' });
  await grantEntitlement(t.store.db, { userId: u.id, plan: 'digital', startsAt: new Date(Date.now() - 86400_000).toISOString(), endsAt: new Date(Date.now() + 30 * 86400_000).toISOString(), source: 'admin' });
  subscriberToken = await createApiToken(t.store.db, u.id, 'api');
});
after(async () => t.cleanup());

const oembed = (query: string, headers: Record<string, string> = {}) => t.app.inject({ url: `/oembed?${query}`, headers });
const urlParam = (slug: string) => `url=${encodeURIComponent(`${BASE}/articles/${slug}`)}`;

test('an article page names its oEmbed endpoint, and the endpoint answers with a card for it', async () => {
  const page = await t.app.inject({ url: `/articles/${SEED_SLUG}` });
  const links = [...page.body.matchAll(/<link rel="alternate" type="([^"]+\+oembed)" href="([^"]+)"/g)].map((m) => ({ type: m[1], href: m[2].replace(/&amp;/g, '&') }));
  assert.deepEqual(links.map((l) => l.type), ['application/json+oembed', 'text/xml+oembed']);
  const json = new URL(links[0].href);
  assert.equal(json.origin, BASE);
  assert.equal(json.searchParams.get('url'), `${BASE}/articles/${SEED_SLUG}`);
  const res = await t.app.inject({ url: json.pathname + json.search });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.equal(res.headers['cache-control'], 'public, max-age=3600');
  assert.equal(res.headers['access-control-allow-origin'], '*');
  const card = res.json();
  assert.equal(card.version, '1.0');
  assert.equal(card.type, 'rich');
  assert.equal(card.title, 'Salvadoran President’s Dark Secret Allegedly Behind Deal to Hold Deported Migrants in “Mega” Prison');
  assert.equal(card.provider_name, 'Prison Legal News');
  assert.equal(card.provider_url, `${BASE}/`);
  assert.equal(card.width, 600);
  assert.ok(card.height > 0);
  assert.ok(card.html.includes(`href="${BASE}/articles/${SEED_SLUG}"`), 'the card links to the article');
  assert.ok(card.html.includes('PLN, May 2025, pp.30-31'), 'the card carries the citation');
  assert.ok(card.html.includes('for subscribers'), 'a premium article says it is for subscribers');
  assert.ok(!/<script|on\w+=|style=/i.test(card.html), 'no script, handlers or styles in the card');
});

test('the card of a premium article has no gated text, even for a subscriber', async () => {
  const record = (await getArticle(t.store.db, SEED_SLUG))!;
  const gated = gatedFragments(record.bodyText, record.teaserText);
  assert.ok(gated.length > 0);
  const anonymous = await oembed(urlParam(SEED_SLUG));
  const subscriber = await oembed(urlParam(SEED_SLUG), { authorization: `Bearer ${subscriberToken}` });
  // The subscriber can read the article itself in full...
  const full = await t.app.inject({ url: `/api/v1/articles/${SEED_SLUG}`, headers: { authorization: `Bearer ${subscriberToken}` } });
  assert.ok(full.json().body_html, 'the token reads the full text');
  // ...but the card is the public one, byte for byte, and cacheable by anyone.
  assert.equal(subscriber.body, anonymous.body);
  assert.equal(subscriber.headers['cache-control'], 'public, max-age=3600');
  for (const res of [anonymous, subscriber]) assert.equal(findLeak(res.body, gated), null);
});

test('a free article gets a card too, without its body', async () => {
  const free = await t.store.db.selectFrom('articles').select('slug').where('access', '=', 'free').where('status', '=', 'published').orderBy('id').executeTakeFirstOrThrow();
  const record = (await getArticle(t.store.db, free.slug))!;
  const res = await oembed(urlParam(free.slug));
  assert.equal(res.statusCode, 200);
  const card = res.json();
  assert.equal(card.title, record.title);
  assert.ok(!card.html.includes('for subscribers'));
  // Past the summary, the body stays on the site.
  const tail = gatedFragments(record.bodyText, record.teaserText);
  if (tail.length) assert.equal(findLeak(card.html, tail), null);
  if (record.authors.length) assert.equal(card.author_name, record.authors.map((a) => a.name).join(', '));
});

test('format=xml answers the same card as XML', async () => {
  const json = (await oembed(urlParam(SEED_SLUG))).json();
  const res = await oembed(`${urlParam(SEED_SLUG)}&format=xml`);
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/xml/);
  const errors: string[] = [];
  const doc = new DOMParser({ errorHandler: (level: string, message: unknown) => errors.push(`${level}: ${String(message)}`) }).parseFromString(res.body, 'text/xml');
  assert.deepEqual(errors, [], 'well-formed XML');
  assert.equal(doc.documentElement!.nodeName, 'oembed');
  const field = (name: string) => doc.getElementsByTagName(name)[0]?.textContent;
  assert.equal(field('type'), 'rich');
  assert.equal(field('title'), json.title);
  assert.equal(field('html'), json.html, 'the card HTML survives XML escaping');
  assert.equal(Number(field('width')), json.width);
});

test('maxwidth and maxheight bound the card; the address may use either scheme, a trailing slash or a query', async () => {
  const small = (await oembed(`${urlParam(SEED_SLUG)}&maxwidth=320&maxheight=100`)).json();
  assert.equal(small.width, 320);
  assert.equal(small.height, 100);
  const big = (await oembed(`${urlParam(SEED_SLUG)}&maxwidth=5000`)).json();
  assert.equal(big.width, 600);
  for (const address of [`https://masthead.test/articles/${SEED_SLUG}`, `${BASE}/articles/${SEED_SLUG}/`, `${BASE}/articles/${SEED_SLUG}?utm_source=x#top`, `http://MASTHEAD.test/articles/${SEED_SLUG}`]) {
    const res = await oembed(`url=${encodeURIComponent(address)}`);
    assert.equal(res.statusCode, 200, address);
  }
});

test('bad requests are answered with the status the specification gives, never a 500', async () => {
  const cases: [string, number, RegExp][] = [
    ['', 400, /url is required/],
    ['url=', 400, /url is required/],
    [`${urlParam(SEED_SLUG)}&format=yaml`, 501, /json or xml/],
    [`${urlParam(SEED_SLUG)}&maxwidth=wide`, 400, /maxwidth/],
    [`${urlParam(SEED_SLUG)}&maxwidth=0`, 400, /maxwidth/],
    [urlParam('no-such-article'), 404, /no published article/],
    [`url=${encodeURIComponent(`https://evil.example/articles/${SEED_SLUG}`)}`, 404, /no published article/],
    [`url=${encodeURIComponent(`${BASE}:8080/articles/${SEED_SLUG}`)}`, 404, /no published article/],
    [`url=${encodeURIComponent(`${BASE}/issues/2025/05`)}`, 404, /no published article/],
    [`url=${encodeURIComponent('javascript:alert(1)')}`, 404, /no published article/],
    [`url=${encodeURIComponent(`${BASE}/articles/%E0%A4%A`)}`, 404, /no published article/],
    [`url=${'x'.repeat(10_000)}`, 400, /too long/],
    [`url=a&url=b`, 400, /url/],
  ];
  for (const [query, status, message] of cases) {
    const res = await oembed(query);
    assert.equal(res.statusCode, status, query.slice(0, 80));
    assert.match(res.json().message, message, query.slice(0, 80));
  }
});

test('drafts and scheduled articles have no card', async () => {
  const row = await t.store.db.selectFrom('articles').select(['id', 'slug', 'status', 'published_at']).where('access', '=', 'free').orderBy('id', 'desc').executeTakeFirstOrThrow();
  try {
    await t.store.db.updateTable('articles').set({ status: 'draft' }).where('id', '=', row.id).execute();
    assert.equal((await oembed(urlParam(row.slug))).statusCode, 404);
    await t.store.db.updateTable('articles').set({ status: 'scheduled', published_at: new Date(Date.now() + 86400_000).toISOString() }).where('id', '=', row.id).execute();
    assert.equal((await oembed(urlParam(row.slug))).statusCode, 404);
  } finally {
    await t.store.db.updateTable('articles').set({ status: row.status, published_at: row.published_at }).where('id', '=', row.id).execute();
  }
  assert.equal((await oembed(urlParam(row.slug))).statusCode, 200);
});

test('articleSlugOf reads only this site\'s article addresses', () => {
  const site = { name: 'X', abbreviation: 'X', description: null, issn: null, baseUrl: 'https://news.example.org/pln' };
  assert.equal(articleSlugOf(site, 'https://news.example.org/pln/articles/a-b'), 'a-b');
  assert.equal(articleSlugOf(site, 'http://news.example.org/pln/articles/caf%C3%A9/'), 'café');
  assert.equal(articleSlugOf(site, 'https://news.example.org:443/pln/articles/a'), 'a');
  assert.equal(articleSlugOf(site, 'https://news.example.org/articles/a'), null, 'outside the base path');
  assert.equal(articleSlugOf(site, 'https://news.example.org/pln/articles/a/print'), null);
  assert.equal(articleSlugOf(site, 'https://news.example.org.evil/pln/articles/a'), null);
  assert.equal(articleSlugOf(site, 'ftp://news.example.org/pln/articles/a'), null);
  assert.equal(articleSlugOf(site, 'not a url'), null);
});
