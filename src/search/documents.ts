// The search index: one document per visible-or-scheduled article, written in the same
// transaction as the article (saveArticles calls indexArticles), rebuilt in bulk after a
// synthetic load or a restore.
//
// Each document's key orders the index by publication time: key = ceil(published seconds) × 2^20
// + article id. Sorting by date, a date range and "published by now" (scheduled articles appear
// at their time, never early) are then ranges of the index's own order, answered without
// touching the articles table.
import { sql, type Kysely } from 'kysely';
import { PostgresAdapter } from 'kysely';
import type { DB } from '../store/schema.ts';
import type { Dialect } from '../store/db.ts';
import { indexText, countTerms, type TermCounts } from './tokenize.ts';

export const ID_BITS = 2 ** 20;

export function docKey(publishedAt: string, id: number): number {
  if (id >= ID_BITS) throw new Error(`article id ${id} is beyond the search index's range (${ID_BITS})`);
  return Math.ceil(Date.parse(publishedAt) / 1000) * ID_BITS + id;
}

/** The largest key visible at `iso` (articles published at or before that instant). */
export function keyAtOrBefore(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000) * ID_BITS + (ID_BITS - 1);
}

export function keyBefore(iso: string): number {
  return Math.ceil(Date.parse(iso) / 1000) * ID_BITS;
}

export function articleIdOf(key: number): number {
  return ((key % ID_BITS) + ID_BITS) % ID_BITS;
}

/** FNV-1a, base 36: a short token for a source slug. */
function hashToken(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}

/**
 * Filter tokens, indexed with the text (a tags column on SQLite, weight C on PostgreSQL), so a
 * filter is one more term of the same query. "0tag0…" never comes out of prose.
 */
export const tag = {
  all: '0tag0all',
  access: (a: string) => `0tag0a${a}`,
  topic: (id: number) => `0tag0t${id}`,
  place: (id: number) => `0tag0p${id}`,
  source: (slug: string) => `0tag0s${hashToken(slug)}`,
  issue: (id: number) => `0tag0i${id}`,
};

export interface SearchDoc {
  key: number;
  articleId: number;
  year: number;
  /** "t12 t5 p3": topic and place ids for facet counts. */
  facets: string;
  title: string;
  lead: string;
  body: string;
  tags: string;
  /** The document's distinct stems, each with a word that has it. */
  vocabulary: Map<string, string>;
}

interface Raw {
  id: number; title: string; dek: string | null; teaser_text: string; body_text: string; access: string;
  published_at: string; issue_id: number | null;
}

export function dialectOf(db: Kysely<DB>): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * Documents for these articles (drafts and undated articles have none). With `tokenize`, the
 * texts are turned into index text there (worker threads) and vocabularies are left empty.
 */
export async function buildDocs(db: Kysely<DB>, ids: number[], tokenize?: (texts: [string, string, string][]) => Promise<[string, string, string][]>): Promise<{ docs: SearchDoc[]; gone: number[] }> {
  if (!ids.length) return { docs: [], gone: [] };
  const rows = (await db.selectFrom('articles')
    .innerJoin('article_bodies', 'article_bodies.article_id', 'articles.id')
    .select(['articles.id', 'articles.title', 'articles.dek', 'articles.teaser_text', 'article_bodies.body_text', 'articles.access', 'articles.published_at', 'articles.issue_id', 'articles.status'])
    .where('articles.id', 'in', ids)
    .execute()) as (Raw & { status: string; published_at: string | null })[];
  const live = rows.filter((r) => r.status !== 'draft' && r.published_at);
  const liveIds = live.map((r) => r.id);
  const [topics, places, authors, sources] = liveIds.length ? await Promise.all([
    db.selectFrom('article_topics').select(['article_id', 'topic_id as ref']).where('article_id', 'in', liveIds).orderBy('position').execute(),
    db.selectFrom('article_places').select(['article_id', 'place_id as ref']).where('article_id', 'in', liveIds).orderBy('position').execute(),
    db.selectFrom('article_authors').innerJoin('authors', 'authors.id', 'article_authors.author_id').select(['article_authors.article_id', 'authors.name']).where('article_authors.article_id', 'in', liveIds).orderBy('article_authors.position').execute(),
    db.selectFrom('article_sources').select(['article_id', 'name', 'slug']).where('article_id', 'in', liveIds).orderBy('position').execute(),
  ]) : [[], [], [], []];
  const group = <T extends { article_id: number }>(xs: T[]) => {
    const m = new Map<number, T[]>();
    for (const x of xs) (m.get(x.article_id) ?? m.set(x.article_id, []).get(x.article_id)!).push(x);
    return m;
  };
  const t = group(topics), p = group(places), a = group(authors), s = group(sources);
  const linksOf = (id: number) => ({
    topics: (t.get(id) ?? []).map((x) => x.ref),
    places: (p.get(id) ?? []).map((x) => x.ref),
    authors: (a.get(id) ?? []).map((x) => x.name),
    sources: (s.get(id) ?? []).map((x) => ({ name: x.name, slug: x.slug })),
  });
  let docs: SearchDoc[];
  if (tokenize) {
    const texts = live.map((r) => {
      const l = linksOf(r.id);
      return [r.title, leadText(r as Raw, l), r.body_text] as [string, string, string];
    });
    const done = await tokenize(texts);
    docs = live.map((r, i) => ({ ...makeDoc({ ...(r as Raw), title: '', dek: null, teaser_text: '', body_text: '' }, { ...linksOf(r.id), authors: [], sources: linksOf(r.id).sources.map((x) => ({ ...x, name: '' })) }), title: done[i][0], lead: done[i][1], body: done[i][2] }));
  } else {
    docs = live.map((r) => makeDoc(r as Raw, linksOf(r.id)));
  }
  const liveSet = new Set(liveIds);
  return { docs, gone: ids.filter((id) => !liveSet.has(id)) };
}

/** The public parts of an article as one text: dek, teaser, authors, sources. */
export function leadText(r: Pick<Raw, 'dek' | 'teaser_text'>, links: { authors: string[]; sources: { name: string }[] }): string {
  return [r.dek ?? '', r.teaser_text, ...links.authors, ...links.sources.map((x) => x.name)].join('\n');
}

export function makeDoc(r: Raw, links: { topics: number[]; places: number[]; authors: string[]; sources: { name: string; slug: string }[] }): SearchDoc {
  const tags = [tag.all, tag.access(r.access), ...links.topics.map(tag.topic), ...links.places.map(tag.place), ...links.sources.map((x) => tag.source(x.slug))];
  if (r.issue_id != null) tags.push(tag.issue(r.issue_id));
  const vocabulary = new Map<string, string>();
  return {
    vocabulary,
    key: docKey(r.published_at, r.id),
    articleId: r.id,
    year: new Date(r.published_at).getUTCFullYear(),
    facets: [...links.topics.map((x) => `t${x}`), ...links.places.map((x) => `p${x}`)].join(' '),
    title: indexText(r.title, vocabulary),
    lead: indexText(leadText(r, links), vocabulary),
    body: indexText(r.body_text, vocabulary),
    tags: tags.join(' '),
  };
}

/** Deletes and re-adds the documents of these articles, inside the caller's transaction. */
export async function indexArticles(db: Kysely<DB>, ids: number[]): Promise<void> {
  if (!ids.length) return;
  const dialect = dialectOf(db);
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const { docs } = await buildDocs(db, chunk);
    await removeDocs(db, dialect, chunk);
    await writeDocs(db, dialect, docs);
    const counts: TermCounts = new Map();
    for (const d of docs) countTerms(counts, d.vocabulary);
    await addToLexicon(db, dialect, counts);
  }
}

/**
 * Adds document frequencies to the lexicon. Counts only grow (an edit adds its words again):
 * they rank suggestions, where an overcount is harmless; a rebuild makes them exact.
 */
export async function addToLexicon(db: Kysely<DB>, dialect: Dialect, counts: Map<string, { word: string; df: number }>): Promise<void> {
  const rows = [...counts].filter(([t]) => t.length <= 40);
  for (let i = 0; i < rows.length; i += 1000) {
    const part = rows.slice(i, i + 1000);
    if (dialect === 'postgres') {
      await sql`insert into search_lexicon (term, word, df)
        select * from unnest(${part.map((r) => r[0])}::text[], ${part.map((r) => r[1].word)}::text[], ${part.map((r) => r[1].df)}::int[])
        on conflict (term) do update set df = search_lexicon.df + excluded.df`.execute(db);
    } else {
      await db.insertInto('search_lexicon').values(part.map(([term, c]) => ({ term, word: c.word, df: c.df })))
        .onConflict((oc) => oc.column('term').doUpdateSet({ df: sql`search_lexicon.df + excluded.df` }))
        .execute();
    }
  }
}

export async function removeDocs(db: Kysely<DB>, dialect: Dialect, ids: number[]): Promise<void> {
  if (!ids.length) return;
  if (dialect === 'sqlite') {
    // The FTS rows go with their search_docs rows (trigger search_docs_delete).
    await db.deleteFrom('search_docs').where('article_id', 'in', ids).execute();
  } else {
    await db.deleteFrom('search_docs').where('article_id', 'in', ids).execute();
  }
}

const PG_TSV = sql`setweight(to_tsvector('simple', d.title), 'A') || setweight(to_tsvector('simple', d.lead), 'B') || setweight(to_tsvector('simple', d.tags), 'C') || setweight(to_tsvector('simple', d.body), 'D') || strip(to_tsvector('simple', d.pairs))`;

/**
 * PostgreSQL: every two neighbouring stems of a column as one lexeme ("feder0court"), without
 * positions. A two-word phrase is then one lexeme the GIN index answers exactly; checking
 * positions (<->) would make PostgreSQL re-read the tsvector of every article that has both
 * words. SQLite's FTS5 checks positions in its own index and needs no pairs.
 */
export function pairsOf(...columns: string[]): string {
  const out = new Set<string>();
  for (const col of columns) {
    const stems = col.split(' ');
    for (let i = 0; i + 1 < stems.length; i++) if (stems[i] && stems[i + 1]) out.add(`${stems[i]}0${stems[i + 1]}`);
  }
  return [...out].join(' ');
}

/** Stems stored with a space before and after, so " stem " finds whole stems (see tiers.ts). */
export const padded = (terms: string) => ` ${terms} `;

export async function writeDocs(db: Kysely<DB>, dialect: Dialect, docs: SearchDoc[]): Promise<void> {
  if (!docs.length) return;
  if (dialect === 'sqlite') {
    for (const d of docs) {
      await sql`insert into search_docs (key, article_id, year, facets, title_terms, lead_terms) values (${d.key}, ${d.articleId}, ${d.year}, ${d.facets}, ${padded(d.title)}, ${padded(d.lead)})`.execute(db);
      await sql`insert into search_fts (rowid, title, lead, body, tags) values (${d.key}, ${d.title}, ${d.lead}, ${d.body}, ${d.tags})`.execute(db);
    }
    return;
  }
  await sql`insert into search_docs (key, article_id, year, facets, title_terms, lead_terms, tsv)
    select d.key, d.article_id, d.year, d.facets, ' ' || d.title || ' ', ' ' || d.lead || ' ', ${PG_TSV}
    from unnest(${docs.map((d) => d.key)}::bigint[], ${docs.map((d) => d.articleId)}::int[], ${docs.map((d) => d.year)}::int[],
      ${docs.map((d) => d.facets)}::text[], ${docs.map((d) => d.title)}::text[], ${docs.map((d) => d.lead)}::text[],
      ${docs.map((d) => d.body)}::text[], ${docs.map((d) => d.tags)}::text[], ${docs.map((d) => pairsOf(d.title, d.lead, d.body))}::text[])
      as d(key, article_id, year, facets, title, lead, body, tags, pairs)`.execute(db);
}
