// The bulk rebuild (worker threads, used after `masthead demo --articles N` and by migration
// 0004 on an existing archive) builds the same index as saving articles one by one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { generateSyntheticArchive } from '../../src/demo/synthetic.ts';
import { rebuildSearchIndex } from '../../src/search/rebuild.ts';
import { indexArticles } from '../../src/search/documents.ts';
import { searchArchive } from '../../src/search/index.ts';
import { ANONYMOUS } from '../../src/domain/access.ts';
import { terms } from '../../src/search/tokenize.ts';

let t: TestDatabase;
const N = 2_200; // above the size where the rebuild uses worker threads

before(async () => {
  t = await createTestDatabase();
  await generateSyntheticArchive(t.store, { articles: N, seed: 7 });
});
after(async () => t.cleanup());

async function snapshot() {
  const docs = await t.store.db.selectFrom('search_docs').select(['key', 'article_id', 'year', 'facets']).orderBy('key').execute();
  const lexicon = await t.store.db.selectFrom('search_lexicon').select(['term', 'df']).orderBy('term').execute();
  return { docs, lexicon };
}

test('after a synthetic load every article is in the index and found by its own words', async () => {
  const { docs } = await snapshot();
  assert.equal(docs.length, N);
  const sample = await t.store.db.selectFrom('articles').innerJoin('article_bodies', 'article_bodies.article_id', 'articles.id')
    .select(['articles.slug', 'articles.published_at', 'article_bodies.body_text']).orderBy('articles.id').where('articles.id', 'in', [3, 333, 1234, 2100]).execute();
  for (const a of sample) {
    // Three long words of the body, AND-ed, on the article's day.
    const words = [...new Set(a.body_text.split(/[^A-Za-z]+/).filter((w) => w.length >= 9))].slice(0, 3);
    const day = a.published_at!.slice(0, 10);
    const r = await searchArchive(t.store, { q: words.join(' '), from: day, to: day }, ANONYMOUS);
    assert.ok(r.hits.some((h) => h.slug === a.slug), `${a.slug} found by ${words.join(' ')}`);
  }
});

test('the bulk rebuild and article-by-article indexing give the same documents and document frequencies', async () => {
  const bulk = await snapshot();
  // Article by article, as saveArticles does.
  await t.store.db.deleteFrom('search_docs').execute();
  await t.store.db.deleteFrom('search_lexicon').execute();
  const ids = (await t.store.db.selectFrom('articles').select('id').orderBy('id').execute()).map((r) => r.id);
  await t.store.db.transaction().execute((trx) => indexArticles(trx, ids));
  const incremental = await snapshot();
  assert.deepEqual(incremental.docs, bulk.docs);
  assert.deepEqual(incremental.lexicon, bulk.lexicon);
  // And the lexicon counts are right: check a few words against the texts.
  const bodies = await t.store.db.selectFrom('articles').innerJoin('article_bodies', 'article_bodies.article_id', 'articles.id')
    .select(['articles.title', 'articles.dek', 'articles.teaser_text', 'article_bodies.body_text']).execute();
  for (const term of bulk.lexicon.filter((_, i) => i % 97 === 0).slice(0, 5)) {
    const df = bodies.filter((b) => new Set(terms(`${b.title} ${b.dek ?? ''} ${b.teaser_text} ${b.body_text}`)).has(term.term)).length;
    // Authors and sources are indexed too, so the lexicon may count a few more.
    assert.ok(df > 0 && df <= term.df && term.df - df <= 0.05 * N, `${term.term}: ${df} vs ${term.df}`);
  }
  // Rebuilding again changes nothing.
  if (t.store.sqlite) await rebuildSearchIndex(t.store.db, 'sqlite', t.store.sqlite);
  else await t.store.db.transaction().execute((trx) => rebuildSearchIndex(trx, 'postgres'));
  assert.deepEqual(await snapshot(), bulk);
  // Search answers the same after it.
  const r = await searchArchive(t.store, { q: 'prison', sort: 'date', perPage: 5 }, ANONYMOUS);
  assert.equal(r.hits.length, 5);
});
