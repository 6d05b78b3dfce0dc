import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../support/app.ts';
import { slugify } from '../../src/domain/slug.ts';

const SEED_TITLE = 'Salvadoran President’s Dark Secret Allegedly Behind Deal to Hold Deported Migrants in “Mega” Prison';
const SEED_SLUG = slugify(SEED_TITLE);

let t: TestApp;
let cecotSlug: string;
let freeSlug: string;
before(async () => {
  t = await createTestApp();
  const cecot = await t.store.db.selectFrom('articles').innerJoin('issues', 'issues.id', 'articles.issue_id')
    .select('articles.slug').where('issues.year', '=', 2025).where('issues.month', '=', 3).where('articles.page_first', '<=', 45).where('articles.page_last', '>=', 45).executeTakeFirstOrThrow();
  cecotSlug = cecot.slug;
  freeSlug = (await t.store.db.selectFrom('articles').select('slug').where('access', '=', 'free').orderBy('id').executeTakeFirstOrThrow()).slug;
});
after(async () => t.cleanup());

function jsonLd(html: string): Record<string, any> {
  const m = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'page has JSON-LD');
  return JSON.parse(m[1]);
}

function meta(html: string, name: string): string[] {
  return [...html.matchAll(new RegExp(`<meta (?:name|property)="${name}" content="([^"]*)"`, 'g'))].map((m) => m[1]);
}

test('home page shows the latest issue and articles', async () => {
  const res = await t.app.inject({ url: '/' });
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /text\/html/);
  assert.match(res.body, /<html lang="en">/);
  assert.match(res.body, /May 2025 issue/);
  assert.ok(res.body.includes(SEED_TITLE.replace(/“/g, '“')), 'seed article listed');
  assert.match(res.body, /Vol\. 36, No\. 5/);
});

test('the seed article, anonymously: teaser, prompt, citation, sources; no gated text', async () => {
  const res = await t.app.inject({ url: `/articles/${SEED_SLUG}` });
  assert.equal(res.statusCode, 200);
  const html = res.body;
  assert.ok(html.includes('<h1>Salvadoran President’s Dark Secret'), 'title');
  assert.ok(html.includes('When Pres. Donald J. Trump'), 'first paragraph is the teaser');
  assert.ok(!html.includes('Bukele offered space to hold'), 'second paragraph is gated');
  assert.match(html, /Keep reading with a subscription/);
  assert.match(html, /href="\/subscribe"/);
  assert.match(html, /Cite as: <code>PLN, May 2025, pp\.30-31<\/code>/);
  for (const s of ['CBS News', 'Dropsite News', 'El Faro']) assert.ok(html.includes(`>${s}</a>`), s);
  assert.ok(!/As a digital subscriber to Prison Legal News, you can access/.test(html), 'the imported footer is gone');
  assert.match(String(res.headers['cache-control']), /private/);
  assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
});

test('premium JSON-LD: not free, hasPart, and never an articleBody', async () => {
  const ld = jsonLd((await t.app.inject({ url: `/articles/${SEED_SLUG}` })).body);
  assert.equal(ld['@type'], 'NewsArticle');
  assert.equal(ld.isAccessibleForFree, false);
  assert.deepEqual(ld.hasPart, { '@type': 'WebPageElement', isAccessibleForFree: false, cssSelector: '.paywalled' });
  assert.equal(ld.articleBody, undefined);
  assert.equal(ld.headline, SEED_TITLE);
});

test('free article: full body, articleBody in JSON-LD, no prompt', async () => {
  const html = (await t.app.inject({ url: `/articles/${freeSlug}` })).body;
  const ld = jsonLd(html);
  assert.equal(ld.isAccessibleForFree, true);
  assert.ok(typeof ld.articleBody === 'string' && ld.articleBody.length > 500);
  assert.ok(!html.includes('Keep reading with a subscription'));
  assert.match(html, /<div class="body">/);
});

test('Highwire citation_* and OpenGraph tags', async () => {
  const html = (await t.app.inject({ url: `/articles/${cecotSlug}` })).body;
  assert.equal(meta(html, 'citation_journal_title')[0], 'Prison Legal News');
  assert.equal(meta(html, 'citation_volume')[0], '36');
  assert.equal(meta(html, 'citation_issue')[0], '3');
  assert.equal(meta(html, 'citation_firstpage')[0], '45');
  assert.match(meta(html, 'citation_publication_date')[0], /^2025\/0[23]\/\d\d$/);
  assert.equal(meta(html, 'citation_issn')[0], '1075-7678');
  assert.ok(meta(html, 'og:title')[0].length > 10);
  assert.equal(meta(html, 'og:type')[0], 'article');
});

test('the cited article lists "Cited by" with the seed', async () => {
  const html = (await t.app.inject({ url: `/articles/${cecotSlug}` })).body;
  assert.match(html, /Cited by/);
  assert.ok(html.includes(`href="/articles/${SEED_SLUG}"`), 'links back to the seed');
});

test('citations in a free body link through /cite', async () => {
  // Every free article that cites PLN links its citations.
  const rows = await t.store.db.selectFrom('articles').innerJoin('article_bodies', 'article_bodies.article_id', 'articles.id')
    .select(['articles.slug', 'article_bodies.body_html']).where('articles.access', '=', 'free').execute();
  const citing = rows.filter((r) => r.body_html.includes('class="cite"'));
  assert.ok(citing.length >= 3);
  const html = (await t.app.inject({ url: `/articles/${citing[0].slug}` })).body;
  assert.match(html, /<a href="\/cite\/PLN\/\d{4}\/\d\d\/\d+" class="cite">PLN, [A-Z][a-z]+\.? \d{4}, pp?\.\d+/);
});

test('issue table of contents with page numbers, in page order', async () => {
  const res = await t.app.inject({ url: '/issues/2025/03' });
  assert.equal(res.statusCode, 200);
  const pages = [...res.body.matchAll(/<span class="pg">pp?\.(\d+)/g)].map((m) => Number(m[1]));
  assert.ok(pages.length >= 4);
  assert.deepEqual(pages, [...pages].sort((a, b) => a - b));
  assert.ok(res.body.includes(`/articles/${cecotSlug}`));
  assert.equal((await t.app.inject({ url: '/issues/2025/13' })).statusCode, 404);
  assert.equal((await t.app.inject({ url: '/issues/1990/01' })).statusCode, 404);
  const years = await t.app.inject({ url: '/issues/2025' });
  assert.equal(years.statusCode, 200);
  assert.match(years.body, /January 2025/);
});

test('topic, state, source and author pages list their articles', async () => {
  const topic = await t.store.db.selectFrom('topics').select(['slug', 'name']).orderBy('id').executeTakeFirstOrThrow();
  const res = await t.app.inject({ url: `/topics/${topic.slug}` });
  assert.equal(res.statusCode, 200);
  assert.ok(res.body.includes(`<h1>${topic.name}</h1>`));
  assert.match(res.body, /class="list"/);
  const state = await t.store.db.selectFrom('places').select('slug').where('kind', '=', 'state').orderBy('id').executeTakeFirstOrThrow();
  assert.equal((await t.app.inject({ url: `/states/${state.slug}` })).statusCode, 200);
  assert.equal((await t.app.inject({ url: '/sources/el-faro' })).statusCode, 200);
  assert.equal((await t.app.inject({ url: '/states/el-salvador' })).statusCode, 404, 'a country is not a state');
  assert.equal((await t.app.inject({ url: '/countries/el-salvador' })).statusCode, 200);
  assert.equal((await t.app.inject({ url: '/topics/no-such-topic' })).statusCode, 404);
  const idx = await t.app.inject({ url: '/states' });
  assert.match(idx.body, /Texas/);
});

test('404 and bad input answer with a page, never a 500', async () => {
  const res = await t.app.inject({ url: '/articles/does-not-exist' });
  assert.equal(res.statusCode, 404);
  assert.match(res.body, /could not find that article/);
  assert.match(res.body, /noindex/);
  for (const url of ['/articles?page=abc', '/articles?page=99999', '/articles/%E0%A4%A', '/issues/abcd', '/topics/' + 'x'.repeat(600), '/articles/..%2f..%2fetc%2fpasswd']) {
    const r = await t.app.inject({ url });
    assert.ok(r.statusCode < 500, `${url} → ${r.statusCode}`);
  }
});

test('feeds carry teasers only and parse as XML', async () => {
  const rss = await t.app.inject({ url: '/feed.xml' });
  assert.equal(rss.statusCode, 200);
  assert.match(rss.headers['content-type'] as string, /rss\+xml/);
  assert.match(rss.body, /<rss version="2.0"/);
  assert.ok(rss.body.includes(`http://masthead.test/articles/${SEED_SLUG}`));
  const atom = await t.app.inject({ url: '/feed.atom' });
  assert.match(atom.body, /<feed xmlns="http:\/\/www.w3.org\/2005\/Atom"/);
});

test('sitemaps list every visible article', async () => {
  const idx = await t.app.inject({ url: '/sitemap.xml' });
  assert.match(idx.body, /<sitemapindex/);
  assert.match(idx.body, /sitemap-articles-1\.xml/);
  const arts = await t.app.inject({ url: '/sitemap-articles-1.xml' });
  const n = (await t.store.db.selectFrom('articles').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n;
  assert.equal((arts.body.match(/<url>/g) ?? []).length, Number(n));
  const news = await t.app.inject({ url: '/sitemap-news.xml' });
  assert.equal(news.statusCode, 200);
  assert.match(news.body, /xmlns:news/);
});

test('drafts and scheduled articles stay hidden until their time', async () => {
  await t.store.db.updateTable('articles').set({ status: 'draft' }).where('slug', '=', freeSlug).execute();
  assert.equal((await t.app.inject({ url: `/articles/${freeSlug}` })).statusCode, 404);
  const future = new Date(Date.now() + 86400_000).toISOString();
  await t.store.db.updateTable('articles').set({ status: 'scheduled', published_at: future }).where('slug', '=', freeSlug).execute();
  assert.equal((await t.app.inject({ url: `/articles/${freeSlug}` })).statusCode, 404);
  assert.ok(!(await t.app.inject({ url: '/feed.xml' })).body.includes(freeSlug));
  const past = new Date(Date.now() - 1000).toISOString();
  await t.store.db.updateTable('articles').set({ published_at: past }).where('slug', '=', freeSlug).execute();
  assert.equal((await t.app.inject({ url: `/articles/${freeSlug}` })).statusCode, 200, 'goes live at its time');
});

test('a scheduled article appears on cached pages at its time, with no write in between', async () => {
  const slug = (await t.store.db.selectFrom('articles').select('slug').where('access', '=', 'free').orderBy('id', 'desc').executeTakeFirstOrThrow()).slug;
  const at = new Date(Date.now() + 1500).toISOString();
  await t.store.db.updateTable('articles').set({ status: 'scheduled', published_at: at }).where('slug', '=', slug).execute();
  const before = await t.app.inject({ url: '/' });
  assert.ok(!before.body.includes(`/articles/${slug}"`), 'not yet on the home page');
  assert.ok(!(await t.app.inject({ url: '/' })).body.includes(`/articles/${slug}"`), 'still not, from the cache');
  await new Promise((r) => setTimeout(r, 1700));
  assert.ok((await t.app.inject({ url: '/' })).body.includes(`/articles/${slug}"`), 'live once its time has come');
});

test('no inline style attributes: the Content-Security-Policy would block them', async () => {
  for (const url of ['/', `/articles/${SEED_SLUG}`, `/articles/${cecotSlug}`, '/issues', '/issues/2025/03', '/topics', '/subscribe', '/login', '/signup', '/reset', '/no-such-page']) {
    const res = await t.app.inject({ url });
    assert.ok(!/<[^>]+\sstyle=/.test(res.body), `${url} has an inline style attribute`);
  }
});
