import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/db.ts';
import { ensurePublication } from '../../src/store/publication.ts';
import { generateSyntheticArchive, Rng } from '../../src/demo/synthetic.ts';
import { renderMarkdown } from '../../src/domain/render.ts';
import { citePath, findCitations, linkCitationsInHtml } from '../../src/domain/citations.ts';
import { isValidSlug } from '../../src/domain/slug.ts';

const N = 2000;
const SEED = 7;
const PG_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// Under `npm test` (which runs the suite once per database) only the matching case runs;
// run directly, this file tests both.
const ONLY = process.env.MASTHEAD_TEST_DB;

async function count(store: Store, table: 'articles' | 'article_bodies' | 'issues' | 'citations' | 'article_topics' | 'article_places' | 'article_sources' | 'article_authors'): Promise<number> {
  const row = await store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Every article id that has no row in a link table. */
async function missingLinks(store: Store, table: 'article_topics' | 'article_places' | 'article_sources' | 'article_authors'): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`select a.id from articles a where not exists (select 1 from ${sql.table(table)} l where l.article_id = a.id)`.execute(store.db);
  return rows.map((r) => r.id);
}

async function checkArchive(store: Store): Promise<void> {
  const pubId = await ensurePublication(store.db, { name: 'Prison Legal News', abbreviation: 'PLN' });
  // An issue that already exists is reused, not duplicated or renamed.
  await store.db.insertInto('issues').values({
    publication_id: pubId, year: 2000, month: 6, volume: 11, number: 6, page_count: 64, title: 'Existing', created_at: new Date().toISOString(),
  }).execute();

  const progress: number[] = [];
  const r1 = await generateSyntheticArchive(store, { articles: N, seed: SEED, generator: 'inline', onProgress: (d) => progress.push(d) });
  assert.deepEqual(r1, { articles: N, issues: 360 });
  assert.equal(progress[progress.length - 1], N);
  assert.ok(progress.every((d, i) => i === 0 || d > progress[i - 1]), 'progress only goes up');

  // Counts and link tables.
  assert.equal(await count(store, 'articles'), N);
  assert.equal(await count(store, 'article_bodies'), N);
  assert.equal(await count(store, 'issues'), 360);
  for (const t of ['article_topics', 'article_places', 'article_sources', 'article_authors'] as const) {
    assert.deepEqual(await missingLinks(store, t), [], `every article has rows in ${t}`);
  }
  const perArticle = await store.db
    .selectFrom('article_topics')
    .select(['article_id', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('article_id')
    .execute();
  assert.ok(perArticle.every((x) => Number(x.n) >= 1 && Number(x.n) <= 3), '1–3 topics per article');
  const topicNames = await store.db.selectFrom('topics').select('name').execute();
  assert.ok(topicNames.length >= 10 && topicNames.length <= 20, `a fixed set of topics, got ${topicNames.length}`);
  const placeKinds = await store.db.selectFrom('places').select('kind').distinct().execute();
  assert.deepEqual(placeKinds.map((p) => p.kind), ['state']);

  // Issues: 1995-01 … 2024-12, volume = year − 1989, number = month, pages sized to fit.
  const issues = await store.db.selectFrom('issues').selectAll().orderBy('year').orderBy('month').execute();
  assert.deepEqual([issues[0].year, issues[0].month, issues[359].year, issues[359].month], [1995, 1, 2024, 12]);
  assert.ok(issues.every((i) => i.volume === i.year - 1989 && i.number === i.month));
  const existing = issues.find((i) => i.year === 2000 && i.month === 6)!;
  assert.equal(existing.title, 'Existing');
  assert.equal(existing.page_count, 64);

  const articles = await store.db
    .selectFrom('articles')
    .innerJoin('issues', 'issues.id', 'articles.issue_id')
    .select(['articles.id', 'articles.slug', 'articles.title', 'articles.page_first', 'articles.page_last', 'articles.published_at',
      'articles.word_count', 'articles.access', 'articles.status', 'issues.id as issue_id', 'issues.year', 'issues.month', 'issues.page_count'])
    .orderBy('articles.id')
    .execute();
  assert.equal(articles.length, N);
  checkPages(articles);
  for (const a of articles) {
    assert.equal(a.status, 'published');
    assert.ok(isValidSlug(a.slug), `valid slug ${a.slug}`);
    assert.equal(a.published_at!.slice(0, 7), `${a.year}-${String(a.month).padStart(2, '0')}`, 'published in the issue month');
  }

  // Lengths and access.
  const words = articles.map((a) => a.word_count);
  const avg = words.reduce((s, w) => s + w, 0) / words.length;
  assert.ok(avg >= 500 && avg <= 900, `average word count ${avg}`);
  assert.ok(Math.min(...words) >= 150 && Math.max(...words) <= 2500, `word counts ${Math.min(...words)}…${Math.max(...words)}`);
  const free = articles.filter((a) => a.access === 'free').length / N;
  assert.ok(free > 0.33 && free < 0.47, `free share ${free}`);

  // Citations: ~15% of articles, each resolving to the article that covers the cited page.
  const citations = await store.db.selectFrom('citations').selectAll().orderBy('id').execute();
  const citing = new Set(citations.map((c) => c.article_id));
  assert.ok(citing.size > N * 0.1 && citing.size < N * 0.2, `${citing.size} articles cite others`);
  const byId = new Map(articles.map((a) => [a.id, a]));
  for (const c of citations) {
    assert.equal(c.publication, 'PLN');
    assert.notEqual(c.cited_article_id, null, `citation ${c.text} resolved`);
    const cited = byId.get(c.cited_article_id!)!;
    assert.equal(cited.year, c.year);
    assert.equal(cited.month, c.month);
    assert.ok(cited.page_first! <= c.page_first && cited.page_last! >= c.page_first, `${c.text} is within pp.${cited.page_first}-${cited.page_last}`);
    assert.ok(cited.page_last! >= c.page_last);
    const citer = byId.get(c.article_id)!;
    assert.ok(cited.year * 12 + cited.month < citer.year * 12 + citer.month, 'cites an earlier issue');
  }

  // Stored columns are exactly what saveArticles would store for the same Markdown.
  const sampleIds = [...articles.slice(0, 40).map((a) => a.id), ...[...citing].slice(0, 40)];
  const full = await store.db
    .selectFrom('articles')
    .innerJoin('article_bodies', 'article_bodies.article_id', 'articles.id')
    .selectAll()
    .where('articles.id', 'in', sampleIds)
    .execute();
  assert.equal(full.length, new Set(sampleIds).size);
  for (const a of full) {
    const rendered = renderMarkdown(a.body_markdown);
    const link = (h: string) => linkCitationsInHtml(h, (c) => citePath(c));
    assert.equal(a.body_html, link(rendered.bodyHtml), `body_html of ${a.slug}`);
    assert.equal(a.teaser_html, link(rendered.teaserHtml));
    assert.equal(a.body_text, rendered.text);
    assert.equal(a.teaser_text, rendered.teaserText);
    assert.equal(a.word_count, rendered.wordCount, `word_count of ${a.slug}`);
    const paragraphs = a.body_markdown.split('\n\n');
    assert.ok(paragraphs.length >= 4 && paragraphs.length <= 12, `${paragraphs.length} paragraphs`);
    const found = findCitations(a.body_text).flatMap((g) => g.citations);
    const rows = citations.filter((c) => c.article_id === a.id);
    assert.deepEqual(
      found.map((c) => [c.text, c.publication, c.year, c.month, c.pageFirst, c.pageLast]),
      rows.map((c) => [c.text, c.publication, c.year, c.month, c.page_first, c.page_last]),
    );
    for (const c of rows) {
      assert.ok(a.body_html.includes(`<a href="${citePath({ ...c, pageFirst: c.page_first })}" class="cite">${c.text}</a>`), `linked ${c.text}`);
    }
  }

  // A second run with the same seed, generated in a worker thread this time: the same content
  // again, in fresh slugs and later pages.
  const r2 = await generateSyntheticArchive(store, { articles: N, seed: SEED, generator: 'worker' });
  assert.deepEqual(r2, { articles: N, issues: 360 });
  assert.equal(await count(store, 'articles'), 2 * N);
  assert.equal(await count(store, 'article_bodies'), 2 * N);
  assert.equal(await count(store, 'issues'), 360);
  const lastOld = articles[articles.length - 1].id;
  const again = await store.db.selectFrom('articles').select(['id', 'title', 'slug', 'word_count', 'teaser_text']).where('id', '>', lastOld).orderBy('id').execute();
  assert.equal(again.length, N);
  assert.equal(again[0].title, articles[0].title, 'same seed, same first title');
  assert.deepEqual(again.map((a) => [a.title, a.word_count]), articles.map((a) => [a.title, a.word_count]), 'same seed, same articles');
  assert.ok(again.every((a, i) => a.slug !== articles[i].slug));
  const all = await store.db
    .selectFrom('articles')
    .innerJoin('issues', 'issues.id', 'articles.issue_id')
    .select(['articles.id', 'articles.page_first', 'articles.page_last', 'issues.id as issue_id', 'issues.page_count'])
    .execute();
  checkPages(all);
  const citationsAfter = await store.db.selectFrom('citations').select('cited_article_id').execute();
  assert.ok(citationsAfter.every((c) => c.cited_article_id !== null));

  // Another seed gives another archive.
  await generateSyntheticArchive(store, { articles: 5, seed: SEED + 1 });
  const other = await store.db.selectFrom('articles').select('title').orderBy('id', 'desc').limit(5).execute();
  assert.ok(!other.some((o) => o.title === articles[0].title));
  assert.equal(await count(store, 'articles'), 2 * N + 5);
}

/** In every issue, articles take consecutive, non-overlapping page ranges from page 1, within page_count. */
function checkPages(rows: { id: number; issue_id: number; page_first: number | null; page_last: number | null; page_count: number | null }[]): void {
  const byIssue = new Map<number, typeof rows>();
  for (const r of rows) byIssue.set(r.issue_id, [...(byIssue.get(r.issue_id) ?? []), r]);
  for (const list of byIssue.values()) {
    list.sort((a, b) => a.page_first! - b.page_first!);
    let next = 1;
    for (const a of list) {
      assert.equal(a.page_first, next, `article ${a.id} starts on page ${next}`);
      assert.ok(a.page_last! >= a.page_first!);
      next = a.page_last! + 1;
    }
    assert.ok(list[0].page_count! >= next - 1, `page_count ${list[0].page_count} fits ${next - 1} pages`);
  }
}

test('Rng: same seed, same sequence; other seed, other sequence', () => {
  const a = new Rng(1);
  const b = new Rng(1);
  const c = new Rng(2);
  const xs = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(Array.from({ length: 5 }, () => b.next()), xs);
  assert.notDeepEqual(Array.from({ length: 5 }, () => c.next()), xs);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
});

test('synthetic archive on SQLite', { skip: ONLY === 'postgres' ? 'the PostgreSQL pass of npm test covers PostgreSQL only' : false }, async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'masthead-synth-'));
  const store = await openStore({ databaseUrl: null, dataDir });
  try {
    await checkArchive(store);
  } finally {
    await store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

/** Runs one statement on the admin database, on a connection of its own. */
async function adminQuery(statement: string): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  admin.on('error', () => undefined); // a dropped idle connection must not crash the run
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
}

test('synthetic archive on PostgreSQL', { skip: ONLY === 'sqlite' ? 'the SQLite pass of npm test covers SQLite only' : false }, async (t: TestContext) => {
  const name = `synth_test_${crypto.randomBytes(6).toString('hex')}`;
  try {
    await adminQuery(`create database ${name}`);
  } catch (err) {
    t.skip(`PostgreSQL is unreachable at ${PG_ADMIN_URL} (${(err as Error).message}); set TEST_DATABASE_URL to test it`);
    return;
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'masthead-synth-'));
  let store: Store | null = null;
  try {
    store = await openStore({ databaseUrl: url.toString(), dataDir });
    await checkArchive(store);
  } finally {
    await store?.close();
    await adminQuery(`drop database if exists ${name} with (force)`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
