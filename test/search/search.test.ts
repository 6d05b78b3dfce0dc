// Search behaviour, on SQLite (FTS5) and PostgreSQL (tsvector): the runner runs this file on both
// with the same data, so both engines must give these same answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from '../support/app.ts';
import { saveArticles } from '../../src/commands/save-articles.ts';
import { searchArchive, flushSearchMisses, MISS_FLUSH_MS } from '../../src/search/index.ts';
import type { SearchQuery } from '../../src/search/types.ts';
import { ANONYMOUS, type Viewer } from '../../src/domain/access.ts';
import type { ImportedArticle } from '../../src/domain/types.ts';
import { createUser, grantEntitlement, createApiToken } from '../../src/store/users.ts';
import { gatedFragments, findLeak, normalizeForLeakCheck } from '../support/leaks.ts';

let t: TestApp;
const SUBSCRIBER: Viewer = { kind: 'user', userId: 999, email: 's@example.test', role: 'reader', subscribed: true, institution: null };
const METERED: Viewer = { kind: 'user', userId: 998, email: 'm@example.test', role: 'reader', subscribed: false, institution: null };

function art(slug: string, over: Partial<ImportedArticle> & { body: string }): ImportedArticle {
  return {
    slug, title: over.title ?? slug, dek: over.dek ?? null, bodyMarkdown: over.body, authors: over.authors ?? ['Test Writer'],
    topics: over.topics ?? [], places: over.places ?? [], sources: over.sources ?? [], access: over.access ?? 'free',
    status: over.status ?? 'published', publishedAt: over.publishedAt ?? '2024-06-01', issue: over.issue ?? null,
    pageFirst: over.pageFirst ?? null, pageLast: over.pageLast ?? null,
  };
}

// Invented words ("quorvex", "zembla" …) keep these tests independent of the demo's prose.
const FIXTURES: ImportedArticle[] = [
  art('warden-quorvex', { title: 'Warden Quorvex Resigns After Audit', body: 'The warden of Blackmoor prison was snarfled. Guards said the zembla policy failed.', topics: ['Prison Conditions'], places: ['Texas'], sources: [{ name: 'Gazette Alpha', url: null }], publishedAt: '2021-03-10' }),
  art('zembla-lawsuit', { title: 'Zembla Lawsuit Filed', body: 'Families sued over the zembla policy. The quorvex audit was cited by the court of quibbles.', topics: ['Prison Conditions', 'Courts'], places: ['Texas'], publishedAt: '2022-05-01' }),
  art('phone-rates', { title: 'Phone Rates Cut for Families', body: 'Regulators cut phone rates. The vendor Telcorvia objected. Families welcomed the zembla decision.', topics: ['Phones'], places: ['Ohio'], sources: [{ name: 'Gazette Beta', url: 'https://example.org/b' }], publishedAt: '2023-01-15' }),
  art('appeals-court-rules', { title: 'Appeals Court Rules on Visits', body: 'The court of quibbles ruled that visits may not be cut. Telcorvians were not involved, said the quibbles court clerk.', topics: ['Courts'], places: ['Ohio'], publishedAt: '2023-08-20' }),
  art('premium-secret', {
    title: 'Investigation Into Jail Contracts', access: 'premium', publishedAt: '2024-02-02', topics: ['Courts'], places: ['Texas'],
    body: 'A public teaser paragraph about jail contracts and a vendor.\n\n<!--more-->\n\nThe gated paragraph names the xylocarpic consultant who billed the county twice for the same zembla report and never appeared at a hearing.\n\nA second gated paragraph describes the hidden ledger with entries that nobody outside the county office has ever seen.',
  }),
  art('draft-hidden', { title: 'Draft About Quorvex', status: 'draft', body: 'A draft that mentions quorvex and must never be found.' }),
];

before(async () => {
  t = await createTestApp();
  await saveArticles(t.store.db, FIXTURES.map((article) => ({ file: `${article.slug}.md`, article })));
});
after(async () => t.cleanup());

const s = (q: SearchQuery, viewer: Viewer = ANONYMOUS, now?: string) => searchArchive(t.store, q, viewer, now);
const slugs = async (q: SearchQuery, viewer: Viewer = ANONYMOUS) => (await s(q, viewer)).hits.map((h) => h.slug);
const sorted = async (q: SearchQuery) => (await slugs(q)).sort();

test('words are AND-ed; stems match other forms; case and accents do not matter', async () => {
  assert.deepEqual(await sorted({ q: 'quorvex' }), ['warden-quorvex', 'zembla-lawsuit']);
  assert.deepEqual(await sorted({ q: 'quorvex warden' }), ['warden-quorvex']);
  assert.deepEqual(await sorted({ q: 'QUORVÉX AND warden' }), ['warden-quorvex']);
  assert.deepEqual(await sorted({ q: 'snarfling' }), ['warden-quorvex'], 'snarfled ~ snarfling');
  assert.deepEqual(await sorted({ q: 'quorvex telcorvia' }), []);
});

test('phrases, OR, NOT and -word, prefixes', async () => {
  assert.deepEqual(await sorted({ q: '"court of quibbles"' }), ['appeals-court-rules', 'zembla-lawsuit']);
  assert.deepEqual(await sorted({ q: '"quibbles court"' }), ['appeals-court-rules'], 'word order matters in a phrase');
  assert.deepEqual(await sorted({ q: 'telcorvia OR quorvex' }), ['phone-rates', 'warden-quorvex', 'zembla-lawsuit']);
  assert.deepEqual(await sorted({ q: 'zembla -quorvex' }), ['phone-rates', 'premium-secret']);
  assert.deepEqual(await sorted({ q: 'zembla NOT quorvex NOT telcorvia' }), ['premium-secret']);
  assert.deepEqual(await sorted({ q: 'telcorvi*' }), ['appeals-court-rules', 'phone-rates'], 'prefix finds Telcorvia and Telcorvians');
  assert.deepEqual(await sorted({ q: 'quorv* -"warden"' }), ['zembla-lawsuit']);
});

test('drafts are never found; scheduled articles only from their time', async () => {
  assert.ok(!(await slugs({ q: 'quorvex' })).includes('draft-hidden'));
  const at = new Date(Date.now() + 3600_000).toISOString();
  await saveArticles(t.store.db, [{ file: 'x.md', article: art('scheduled-later', { title: 'Scheduled Glimmerstone Story', status: 'scheduled', publishedAt: at, body: 'Glimmerstone news.' }) }]);
  assert.equal((await s({ q: 'glimmerstone' })).total, 0, 'not before its time');
  const later = new Date(Date.parse(at) + 1000).toISOString();
  assert.deepEqual((await s({ q: 'glimmerstone' }, ANONYMOUS, later)).hits.map((h) => h.slug), ['scheduled-later']);
});

test('the index changes with the article, in the same transaction', async () => {
  await saveArticles(t.store.db, [{ file: 'e.md', article: art('edited-story', { title: 'Edited Story', body: 'Mentions frobnicate once.' }) }]);
  assert.equal((await s({ q: 'frobnicate' })).total, 1);
  await saveArticles(t.store.db, [{ file: 'e.md', article: art('edited-story', { title: 'Edited Story', body: 'Now it says wibblequark.' }) }]);
  assert.equal((await s({ q: 'frobnicate' })).total, 0, 'old words are gone');
  assert.equal((await s({ q: 'wibblequark' })).total, 1);
  // A failing save writes nothing, index included.
  await assert.rejects(saveArticles(t.store.db, [
    { file: 'ok.md', article: art('rollback-one', { title: 'Rollback One', body: 'Contains plumbusine.' }) },
    { file: 'bad.md', article: art('rollback-two', { title: 'Bad', body: 'x', pageFirst: 3 }) },
  ]));
  assert.equal((await s({ q: 'plumbusine' })).total, 0);
  // Back to a draft: out of the index.
  await saveArticles(t.store.db, [{ file: 'e.md', article: art('edited-story', { title: 'Edited Story', status: 'draft', body: 'Now it says wibblequark.' }) }]);
  assert.equal((await s({ q: 'wibblequark' })).total, 0);
});

test('filters: dates, topic, state, source, access, issue; sorting by date', async () => {
  assert.deepEqual(await sorted({ q: 'zembla', topic: 'courts' }), ['premium-secret', 'zembla-lawsuit']);
  assert.deepEqual(await sorted({ q: 'zembla', state: 'ohio' }), ['phone-rates']);
  assert.deepEqual(await sorted({ q: 'zembla', source: 'Gazette Beta' }), ['phone-rates']);
  assert.deepEqual(await sorted({ q: 'zembla', access: 'premium' }), ['premium-secret']);
  assert.deepEqual(await sorted({ q: 'zembla', from: '2022-01-01', to: '2023-12-31' }), ['phone-rates', 'zembla-lawsuit']);
  assert.deepEqual(await sorted({ q: 'zembla', topic: 'no-such-topic' }), []);
  assert.deepEqual(await slugs({ q: 'zembla', sort: 'date' }), ['premium-secret', 'phone-rates', 'zembla-lawsuit', 'warden-quorvex']);
  // Filters alone list every article that has them.
  const ohio = await s({ q: 'zembla OR telcorvians', state: 'ohio', sort: 'date' });
  assert.deepEqual(ohio.hits.map((h) => h.slug), ['appeals-court-rules', 'phone-rates']);
  // The demo's issues: the seed is in May 2025.
  const may = await s({ q: 'Bukele', issue: '2025-05' });
  assert.ok(may.total >= 1 && may.hits.every((h) => h.issue?.year === 2025 && h.issue.month === 5));
  assert.equal((await s({ q: 'Bukele', issue: '1990-01' })).total, 0);
});

test('relevance puts title matches first; facets count topics, states and years of all matches', async () => {
  const r = await s({ q: 'quorvex' });
  assert.equal(r.hits[0].slug, 'warden-quorvex', 'the title match ranks first');
  const z = await s({ q: 'zembla' });
  assert.equal(z.total, 4);
  assert.ok(z.facets);
  const topic = Object.fromEntries(z.facets!.topics.map((f) => [f.slug, f.count]));
  assert.deepEqual(topic, { 'prison-conditions': 2, courts: 2, phones: 1 });
  const state = Object.fromEntries(z.facets!.states.map((f) => [f.slug, f.count]));
  assert.deepEqual(state, { texas: 3, ohio: 1 });
  assert.deepEqual(z.facets!.years, [{ year: 2024, count: 1 }, { year: 2023, count: 1 }, { year: 2022, count: 1 }, { year: 2021, count: 1 }]);
  assert.equal(z.facetsAmong, null);
  assert.equal(z.totalExact, true);
});

test('pagination walks every match once', async () => {
  const all = (await s({ q: 'zembla', sort: 'date', perPage: 50 })).hits.map((h) => h.slug);
  const paged: string[] = [];
  for (let page = 1; page <= 4; page++) paged.push(...(await s({ q: 'zembla', sort: 'date', perPage: 1, page })).hits.map((h) => h.slug));
  assert.deepEqual(paged, all);
  assert.deepEqual((await s({ q: 'zembla', perPage: 1, page: 9 })).hits, []);
});

test('the paywall holds in snippets: outsiders see public parts and a note, subscribers the full text', async () => {
  const anon = await s({ q: 'xylocarpic' });
  assert.equal(anon.total, 1, 'a premium article is found by words of its full text');
  const hit = anon.hits[0];
  assert.equal(hit.slug, 'premium-secret');
  assert.equal(hit.matchInFullText, true);
  assert.doesNotMatch(hit.snippetHtml, /xylocarp|consultant|ledger/i);
  assert.match(hit.snippetHtml, /teaser paragraph/);
  for (const viewer of [ANONYMOUS, METERED]) {
    for (const q of ['xylocarpic', 'ledger', 'hidden ledger', '"county twice"', 'zembla', 'consult*']) {
      const r = await s({ q }, viewer);
      const mine = r.hits.find((h) => h.slug === 'premium-secret');
      if (mine) assert.doesNotMatch(JSON.stringify(mine), /xylocarp|ledger|billed|twice|consultant/i, `${q} as ${viewer.kind}`);
    }
  }
  const sub = await s({ q: 'xylocarpic' }, SUBSCRIBER);
  assert.equal(sub.hits[0].matchInFullText, false);
  assert.match(sub.hits[0].snippetHtml, /<mark>xylocarpic<\/mark> consultant/);
  // Part of the words public, part gated: the public ones are shown, with the note.
  const mixed = (await s({ q: 'vendor xylocarpic' })).hits[0];
  assert.equal(mixed.matchInFullText, true);
  assert.match(mixed.snippetHtml, /<mark>vendor<\/mark>/);
  assert.doesNotMatch(mixed.snippetHtml, /xylocarp/);
  // A match in public parts is highlighted there for everybody.
  const pub = await s({ q: 'vendor', access: 'premium' });
  assert.equal(pub.hits[0].matchInFullText, false);
  assert.match(pub.hits[0].snippetHtml, /<mark>vendor<\/mark>/);
});

test('the demo seed: its gated text is findable but never shown to outsiders, over HTTP too', async () => {
  const seed = await t.store.db.selectFrom('articles').innerJoin('article_bodies', 'article_bodies.article_id', 'articles.id')
    .select(['articles.slug', 'articles.teaser_text', 'article_bodies.body_text']).where('articles.access', '=', 'premium').where('articles.title', 'like', 'Salvadoran%').executeTakeFirstOrThrow();
  const fragments = gatedFragments(seed.body_text, seed.teaser_text);
  assert.ok(fragments.length > 3);
  // Words from the gated part only.
  const teaser = normalizeForLeakCheck(seed.teaser_text);
  const gatedWords = fragments.join(' ').split(' ').filter((w) => w.length > 6 && !teaser.includes(w)).slice(0, 6);
  assert.ok(gatedWords.length >= 3);
  const user = await createUser(t.store.db, { email: 'searcher@example.test', verified: true });
  await grantEntitlement(t.store.db, { userId: user.id, plan: 'digital', endsAt: new Date(Date.now() + 86400_000).toISOString(), source: 'admin' });
  const token = await createApiToken(t.store.db, user.id, 'api');
  for (const w of gatedWords) {
    for (const url of [`/search?q=${encodeURIComponent(w)}`, `/api/v1/search?q=${encodeURIComponent(w)}`]) {
      const res = await t.app.inject({ url });
      assert.equal(res.statusCode, 200, url);
      assert.equal(findLeak(res.body, fragments), null, `${url} leaks`);
      assert.match(res.headers['cache-control'] as string, /private/);
    }
    const api = (await t.app.inject({ url: `/api/v1/search?q=${encodeURIComponent(w)}` })).json();
    assert.ok(api.items.some((i: { slug: string; match_in_full_text: boolean }) => i.slug === seed.slug && i.match_in_full_text), w);
    const subApi = (await t.app.inject({ url: `/api/v1/search?q=${encodeURIComponent(w)}`, headers: { authorization: `Bearer ${token}` } })).json();
    const mine = subApi.items.find((i: { slug: string }) => i.slug === seed.slug);
    assert.ok(mine && !mine.match_in_full_text && /<mark>/.test(mine.snippet_html), `subscriber sees the full-text snippet for ${w}`);
  }
});

test('hostile input is answered, never a 500', async () => {
  const inputs = [
    '"unbalanced', 'unbalanced"', '"', '""', '" "', 'AND', 'OR', 'NOT', '-', '*', '**', 'a*b', '-*', 'OR OR AND NOT',
    'body:secret', 'title:quorvex', 'NEAR(quorvex zembla)', 'NEAR/3', '^quorvex', 'quorvex^2', '{title}: x', '(quorvex', 'quorvex)', '((()))',
    '\u0000\u0001\u0007quorvex\u001b[31m', 'quor\u200bvex', "'; drop table articles; --", '%', '_', '\\', '\\"', '☃ 🚀', 'ﬁnance', 'x'.repeat(10_000),
    Array.from({ length: 400 }, (_, i) => `w${i}`).join(' '), 'a '.repeat(3000), '-"a b" -c', 'zembla -', 'zembla OR', 'OR zembla', 'NOT NOT zembla',
  ];
  for (const q of inputs) {
    for (const url of [`/search?q=${encodeURIComponent(q)}`, `/api/v1/search?q=${encodeURIComponent(q)}`, `/search?q=${encodeURIComponent(q)}&sort=date&topic=courts`]) {
      const res = await t.app.inject({ url });
      assert.ok(res.statusCode === 200 || res.statusCode === 400, `${res.statusCode} for ${JSON.stringify(q.slice(0, 40))} ${url.slice(0, 20)}`);
    }
  }
  const fieldish = await s({ q: 'title:quorvex' });
  assert.deepEqual(fieldish.hits.map((h) => h.slug).sort(), ['warden-quorvex', 'zembla-lawsuit'], 'field syntax searches everywhere');
  assert.match(fieldish.notice ?? '', /field names/);
  assert.deepEqual((await s({ q: 'NEAR(quorvex warden)' })).hits.map((h) => h.slug), [], '"near" is a word like any other');
  assert.deepEqual((await s({ q: '(quorvex warden)' })).hits.map((h) => h.slug), ['warden-quorvex']);
  const long = await s({ q: 'x'.repeat(10_000) });
  assert.match(long.notice ?? '', /first 500 characters/);
  // Bad parameters get a clear 400.
  for (const [qs, msg] of [['q=a&from=2024-13-01', /from must be a date/], ['q=a&sort=best', /sort must be/], ['q=a&page=0', /page must be/], ['q=a&per_page=500', /per_page must be between/], ['q=a&issue=May', /issue must be YYYY-MM/], ['q=a&from=2024-05-01&to=2024-01-01', /after/], ['q=a&page=9999', /results go up to/]] as const) {
    const api = await t.app.inject({ url: `/api/v1/search?${qs}` });
    assert.equal(api.statusCode, 400, qs);
    assert.match(api.json().message, msg, qs);
    const page = await t.app.inject({ url: `/search?${qs}` });
    assert.equal(page.statusCode, 400, qs);
    assert.match(page.body, /role="alert"/);
  }
});

test('did you mean; searches without results are recorded for editors without personal data', async () => {
  const r = await s({ q: 'quorvax' });
  assert.equal(r.total, 0);
  assert.equal(r.didYouMean, 'quorvex');
  const page = await t.app.inject({ url: '/search?q=quorvax', headers: { 'x-forwarded-for': '203.0.113.9' } });
  assert.match(page.body, /Did you mean <a href="\/search\?q=quorvex">quorvex<\/a>/);
  // Gathered in memory and written together (within MISS_FLUSH_MS, on shutdown, or now).
  await flushSearchMisses(t.store);
  const misses = await t.store.db.selectFrom('search_misses').selectAll().where('query', '=', 'quorvax').execute();
  assert.equal(misses.length, 1);
  assert.ok(misses[0].count >= 2);
  const cols = (await sql<{ name: string }>`select * from search_misses limit 1`.execute(t.store.db)).rows[0];
  assert.deepEqual(Object.keys(cols).sort(), ['count', 'last_at', 'query']);
  assert.ok(!JSON.stringify(await t.store.db.selectFrom('search_misses').selectAll().execute()).includes('203.0.113.9'));
});

test('a search that found nothing is written within seconds without anyone flushing', async () => {
  assert.equal((await s({ q: 'zymurgical' })).total, 0);
  const deadline = Date.now() + MISS_FLUSH_MS + 3000;
  let row;
  while (!(row = await t.store.db.selectFrom('search_misses').selectAll().where('query', '=', 'zymurgical').executeTakeFirst()) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(row?.count, 1);
});

test('the results page reads well without JavaScript: form, results, facets, pager', async () => {
  const res = await t.app.inject({ url: '/search?q=zembla&per_page=2' });
  assert.equal(res.statusCode, 200);
  const html = res.body;
  assert.match(html, /<form[^>]*role="search"/);
  assert.match(html, /4 articles match/);
  assert.match(html, /<mark>Zembla<\/mark> Lawsuit Filed|<mark>zembla<\/mark>/i);
  assert.match(html, /aria-label="Narrow the results"/);
  assert.match(html, /href="\/search\?q=zembla&amp;topic=courts"/);
  assert.match(html, /rel="next"/);
  assert.match(html, /href="\/follows\/new\?q=zembla">Follow this search by e-mail/);
  assert.doesNotMatch(html, /<script(?![^>]*application\/ld\+json)/);
  const empty = await t.app.inject({ url: '/search' });
  assert.equal(empty.statusCode, 200);
  assert.match(empty.body, /Search the archive/);
});
