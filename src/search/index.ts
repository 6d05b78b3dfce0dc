// searchArchive: the one entry point for the /search page, GET /api/v1/search and alerts.
import { sql } from 'kysely';
import type { Store } from '../store/db.ts';
import type { Viewer } from '../domain/access.ts';
import { InputError } from '../domain/types.ts';
import { nowIso } from '../store/articles.ts';
import { slugify } from '../domain/slug.ts';
import { presentSearchHit, mayReadFullText, type HitRow } from '../present/search.ts';
import type { FacetCount, SearchHit, SearchQuery, SearchResult } from './types.ts';
import { parseQuery, hasPositive, highlightTerms, positiveStems, type ParsedQuery } from './query.ts';
import { engineFor, plannerEstimate, CAP, type EngineQuery, type Match } from './engines.ts';
import { articleIdOf, keyAtOrBefore, keyBefore, tag, ID_BITS } from './documents.ts';
import { fold, stem } from './tokenize.ts';
import { observeSearch } from '../ops/metrics.ts';

export type { SearchQuery, SearchResult, SearchHit } from './types.ts';

export const MAX_PER_PAGE = 50;
export const DEFAULT_PER_PAGE = 10;
/** Results go as deep as the engine reads (CAP); narrower searches reach everything. */
export const MAX_OFFSET = CAP;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function validDay(s: string, name: string): string {
  const m = DAY.exec(s);
  const d = m ? new Date(`${s}T00:00:00Z`) : null;
  if (!m || !d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== s) throw new InputError(`${name} must be a date as YYYY-MM-DD, got "${s.slice(0, 40)}"`);
  return s;
}

/** Checks and completes a query; throws InputError with a message for the reader. */
export function normaliseQuery(query: SearchQuery): Required<Pick<SearchQuery, 'q' | 'sort' | 'page' | 'perPage' | 'facets'>> & SearchQuery {
  const q = typeof query.q === 'string' ? query.q : '';
  const sort = query.sort ?? 'relevance';
  if (sort !== 'relevance' && sort !== 'date') throw new InputError('sort must be "relevance" or "date"');
  const page = query.page ?? 1;
  if (!Number.isInteger(page) || page < 1) throw new InputError('page must be a whole number from 1');
  const perPage = query.perPage ?? DEFAULT_PER_PAGE;
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE) throw new InputError(`per_page must be between 1 and ${MAX_PER_PAGE}`);
  if ((page - 1) * perPage >= MAX_OFFSET) throw new InputError(`results go up to number ${MAX_OFFSET}; narrow the search with words or filters`);
  if (query.from) validDay(query.from, 'from');
  if (query.to) validDay(query.to, 'to');
  if (query.from && query.to && query.from > query.to) throw new InputError('"from" is after "to"');
  if (query.publishedAfter && Number.isNaN(Date.parse(query.publishedAfter))) throw new InputError('publishedAfter must be a timestamp');
  if (query.issue && !/^\d{4}-(0[1-9]|1[0-2])$/.test(query.issue)) throw new InputError(`issue must be YYYY-MM, got "${query.issue.slice(0, 40)}"`);
  if (query.access && query.access !== 'free' && query.access !== 'premium') throw new InputError('access must be "free" or "premium"');
  for (const k of ['topic', 'state', 'source'] as const) {
    const v = query[k];
    if (v !== undefined && (typeof v !== 'string' || v.length > 200)) throw new InputError(`${k} is not a known ${k}`);
  }
  return { ...query, q, sort, page, perPage, facets: query.facets ?? true };
}

interface Resolved {
  tags: string[];
  none: boolean;
  /** PostgreSQL: how many articles carry each topic / place / issue filter (for the estimate). */
  counts: number[];
}

/** Counts that only steer the PostgreSQL plan, so a minute old is recent enough (per store). */
const rememberedCounts = new WeakMap<Store, Map<string, { at: number; n: number }>>();
async function remembered(store: Store, key: string, count: () => Promise<number | string | bigint>): Promise<number> {
  let m = rememberedCounts.get(store);
  if (!m) rememberedCounts.set(store, (m = new Map()));
  const c = m.get(key);
  if (c && Date.now() - c.at < 60_000) return c.n;
  const n = Number(await count());
  if (m.size >= 10_000) m.clear();
  m.set(key, { at: Date.now(), n });
  return n;
}

/** Filters become tag tokens of the index; an unknown topic/state/source/issue matches nothing. */
async function resolveFilters(store: Store, q: SearchQuery): Promise<Resolved> {
  const db = store.db;
  const tags: string[] = [];
  const counts: number[] = [];
  const pg = store.dialect === 'postgres';
  let none = false;
  if (q.access) tags.push(tag.access(q.access));
  if (q.topic) {
    const t = await db.selectFrom('topics').select('id').where('slug', '=', slugify(q.topic)).executeTakeFirst();
    if (t) tags.push(tag.topic(t.id)); else none = true;
    if (t && pg) counts.push(await remembered(store, `t${t.id}`, async () => (await db.selectFrom('article_topics').select((e) => e.fn.countAll().as('n')).where('topic_id', '=', t.id).executeTakeFirstOrThrow()).n));
  }
  if (q.state) {
    const p = await db.selectFrom('places').select('id').where('slug', '=', slugify(q.state)).executeTakeFirst();
    if (p) tags.push(tag.place(p.id)); else none = true;
    if (p && pg) counts.push(await remembered(store, `p${p.id}`, async () => (await db.selectFrom('article_places').select((e) => e.fn.countAll().as('n')).where('place_id', '=', p.id).executeTakeFirstOrThrow()).n));
  }
  if (q.source) tags.push(tag.source(slugify(q.source)));
  if (q.issue) {
    const [y, m] = q.issue.split('-').map(Number);
    const i = await db.selectFrom('issues').select('id').where('year', '=', y).where('month', '=', m).orderBy('id').executeTakeFirst();
    if (i) tags.push(tag.issue(i.id)); else none = true;
    if (i && pg) counts.push(await remembered(store, `i${i.id}`, async () => (await db.selectFrom('articles').select((e) => e.fn.countAll().as('n')).where('issue_id', '=', i.id).executeTakeFirstOrThrow()).n));
  }
  return { tags, none, counts };
}

function keyRange(q: SearchQuery, now: string): { lo: number; hi: number } {
  let hi = keyAtOrBefore(now);
  let lo = Number.MIN_SAFE_INTEGER;
  if (q.to) hi = Math.min(hi, keyAtOrBefore(`${q.to}T23:59:59.999Z`));
  if (q.from) lo = Math.max(lo, keyBefore(`${q.from}T00:00:00Z`));
  if (q.publishedAfter) lo = Math.max(lo, Math.floor(Date.parse(q.publishedAfter) / 1000) * ID_BITS + ID_BITS);
  return { lo, hi };
}

async function hitRows(store: Store, ids: number[], viewer: Viewer): Promise<Map<number, HitRow>> {
  const db = store.db;
  if (!ids.length) return new Map();
  const rows = await db.selectFrom('articles')
    .leftJoin('issues', 'issues.id', 'articles.issue_id')
    .select(['articles.id', 'articles.slug', 'articles.title', 'articles.dek', 'articles.access', 'articles.published_at', 'articles.page_first', 'articles.teaser_text', 'issues.year as issue_year', 'issues.month as issue_month'])
    .where('articles.id', 'in', ids)
    .execute();
  // Full text only for articles this viewer may read in full: gated text is never loaded.
  const readable = rows.filter((r) => mayReadFullText(viewer, r)).map((r) => r.id);
  const [bodies, authors, sources] = await Promise.all([
    readable.length ? db.selectFrom('article_bodies').select(['article_id', 'body_text']).where('article_id', 'in', readable).execute() : [],
    db.selectFrom('article_authors').innerJoin('authors', 'authors.id', 'article_authors.author_id').select(['article_authors.article_id', 'authors.name']).where('article_authors.article_id', 'in', ids).orderBy('article_authors.position').execute(),
    db.selectFrom('article_sources').select(['article_id', 'name']).where('article_id', 'in', ids).orderBy('position').execute(),
  ]);
  const body = new Map(bodies.map((b) => [b.article_id, b.body_text]));
  const out = new Map<number, HitRow>();
  for (const r of rows) {
    out.set(r.id, {
      ...r,
      authors: authors.filter((a) => a.article_id === r.id).map((a) => a.name),
      sources: sources.filter((s) => s.article_id === r.id).map((s) => s.name),
      body_text: body.get(r.id) ?? null,
    });
  }
  return out;
}

const COLLATOR = new Intl.Collator('en');

/** Prefixes with at most this many words in the archive are searched as those words on SQLite. */
export const MAX_EXPANSION = 64;

/**
 * A prefix stands for every word of the archive that starts with it, on both engines. When there
 * are at most MAX_EXPANSION such words (the lexicon knows them), the query names them. On SQLite
 * an OR of known words streams through the index, where FTS5's own prefix query first merges
 * every matching doclist (10 ms and more). On PostgreSQL a prefix (:*) would also gather the
 * word pairs of phrases that start with it (see pairsOf), doubling GIN's work. More words than
 * that use the engine's own prefix query. The words' counts feed the estimate of how many
 * articles match.
 */
async function expandPrefixes(store: Store, parsed: ParsedQuery): Promise<void> {
  for (const c of parsed.clauses) {
    for (const u of c.any) {
      if (u.kind !== 'prefix') continue;
      const rows = await store.db.selectFrom('search_lexicon').select(['term', 'df'])
        .where('term', '>=', u.prefix).where('term', '<', `${u.prefix}\uffff`)
        .orderBy('df', 'desc').orderBy('term').limit(MAX_EXPANSION + 1).execute();
      u.expansionDfs = rows.map((r) => r.df);
      if (rows.length > 0 && rows.length <= MAX_EXPANSION) u.expansion = rows.map((r) => r.term);
    }
  }
}

async function facetCounts(store: Store, rows: { year: number; facets: string }[]): Promise<NonNullable<SearchResult['facets']>> {
  // Counted by token ("t12", "p5") and split by kind at the end: up to CAP rows, kept cheap.
  const tokens = new Map<string, number>(), years = new Map<number, number>();
  for (const r of rows) {
    years.set(r.year, (years.get(r.year) ?? 0) + 1);
    const f = r.facets;
    for (let i = 0; i < f.length;) {
      let j = f.indexOf(' ', i);
      if (j < 0) j = f.length;
      if (j > i) {
        const t = f.slice(i, j);
        tokens.set(t, (tokens.get(t) ?? 0) + 1);
      }
      i = j + 1;
    }
  }
  const topics = new Map<number, number>(), places = new Map<number, number>();
  for (const [t, n] of tokens) (t[0] === 't' ? topics : places).set(Number(t.slice(1)), n);
  const named = async (table: 'topics' | 'places', counts: Map<number, number>): Promise<FacetCount[]> => {
    if (!counts.size) return [];
    const top = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 20);
    const names = await store.db.selectFrom(table).select(['id', 'slug', 'name']).where('id', 'in', top.map(([id]) => id)).execute();
    return names.map((n) => ({ slug: n.slug, name: n.name, count: counts.get(n.id)! }))
      .sort((a, b) => b.count - a.count || COLLATOR.compare(a.name, b.name));
  };
  const [topicCounts, stateCounts] = await Promise.all([named('topics', topics), named('places', places)]);
  return {
    topics: topicCounts,
    states: stateCounts,
    years: [...years].map(([year, count]) => ({ year, count })).sort((a, b) => b.year - a.year),
  };
}

function distance(a: string, b: string): number {
  // Damerau–Levenshtein (optimal string alignment).
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** A corrected spelling for words the archive does not have (null when none is better). */
async function suggest(store: Store, parsed: ParsedQuery, rawQ: string): Promise<string | null> {
  const db = store.db;
  let corrected = rawQ;
  let changed = false;
  for (const w of parsed.words.slice(0, 6)) {
    const word = fold(w).replace(/[^\p{L}\p{N}]/gu, '');
    if (word.length < 3 || word.length > 30 || /\d/.test(word)) continue;
    const known = await db.selectFrom('search_lexicon').select('df').where('term', '=', stem(word)).executeTakeFirst();
    if (known && known.df > 0) continue;
    const candidates = await db.selectFrom('search_lexicon').select(['word', 'df'])
      .where('term', '>=', word[0]).where('term', '<', word[0] + '\uffff')
      .where(sql<boolean>`length(word) between ${word.length - 2} and ${word.length + 2}`)
      .orderBy('df', 'desc').limit(5000).execute();
    const max = word.length <= 4 ? 1 : 2;
    let best: { word: string; df: number; d: number } | null = null;
    for (const c of candidates) {
      const dd = distance(word, c.word);
      if (dd === 0 || dd > max) continue;
      if (!best || dd < best.d || (dd === best.d && c.df > best.df)) best = { word: c.word, df: c.df, d: dd };
    }
    if (best) {
      corrected = corrected.replace(w, best.word);
      changed = true;
    }
  }
  return changed ? corrected : null;
}

/** Distinct zero-result queries kept for editors (the most recent); random junk cannot grow it without end. */
export const MAX_MISSES = 5_000;
/** Zero-result searches wait in memory at most this long, or until this many differ, then are written together. */
export const MISS_FLUSH_MS = 2_000;
export const MISS_BATCH = 200;

interface PendingMisses { misses: Map<string, { count: number; last: string }>; timer: NodeJS.Timeout | null }
const pendingMisses = new WeakMap<Store, PendingMisses>();

/**
 * Records a search that found nothing (its words only: no reader, no address). A search never
 * waits for this write, and a stream of junk queries does not make one commit each: they are
 * gathered and written by flushSearchMisses. A crash loses the last seconds of this statistic.
 */
function recordMiss(store: Store, q: string, now: string): void {
  const norm = fold(q).replace(/\s+/g, ' ').trim();
  if (!norm || norm.length > 200) return;
  let p = pendingMisses.get(store);
  if (!p) pendingMisses.set(store, (p = { misses: new Map(), timer: null }));
  const m = p.misses.get(norm);
  if (m) { m.count++; m.last = now; } else p.misses.set(norm, { count: 1, last: now });
  if (p.misses.size >= MISS_BATCH) void flushSearchMisses(store);
  else if (!p.timer) {
    p.timer = setTimeout(() => void flushSearchMisses(store), MISS_FLUSH_MS);
    p.timer.unref();
  }
}

/** Writes the zero-result searches gathered so far (also on shutdown, and in tests). */
export async function flushSearchMisses(store: Store): Promise<void> {
  const p = pendingMisses.get(store);
  if (!p) return;
  if (p.timer) clearTimeout(p.timer);
  p.timer = null;
  if (!p.misses.size) return;
  const batch = [...p.misses];
  p.misses = new Map();
  try {
    await store.db.transaction().execute(async (trx) => {
      for (const [query, m] of batch) {
        await trx.insertInto('search_misses').values({ query, count: m.count, last_at: m.last })
          .onConflict((oc) => oc.column('query').doUpdateSet({ count: sql`search_misses.count + excluded.count`, last_at: sql`excluded.last_at` }))
          .execute();
      }
      await trx.deleteFrom('search_misses')
        .where('last_at', '<', (eb) => eb.selectFrom('search_misses').select('last_at').orderBy('last_at', 'desc').offset(MAX_MISSES).limit(1))
        .execute();
    });
  } catch {
    // A busy or closed database must not fail anything: the statistic is best effort.
  }
}

/** Words in more articles than this are "common": see rank(). */
export const RARE_DF = 5_000;

/** Whether every word of the query is rare enough for full relevance (see rank()). */
function allRare(df: Map<string, number>, parsed: ParsedQuery): boolean {
  const stems = positiveStems(parsed);
  if (!stems || !stems.length) return false;
  return stems.every((x) => (df.get(x) ?? 0) <= RARE_DF);
}

/** Document frequencies of the query's words (the lexicon's counts; 0 for unknown words). */
async function frequencies(store: Store, parsed: ParsedQuery): Promise<Map<string, number>> {
  const stems = [...new Set(parsed.clauses.flatMap((c) => c.any.flatMap((u) => (u.kind === 'phrase' ? u.stems : []))))];
  if (!stems.length) return new Map();
  const rows = await store.db.selectFrom('search_lexicon').select(['term', 'df']).where('term', 'in', stems).execute();
  return new Map(rows.map((r) => [r.term, r.df]));
}

/**
 * About how many articles match, from the lexicon's counts, with words taken as independent;
 * null when the query has phrases (left to the database's own estimate). PostgreSQL picks its
 * plan by it (see pgEngine in engines.ts).
 */
function estimateMatches(parsed: ParsedQuery, df: Map<string, number>, total: number): number | null {
  const positive = parsed.clauses.filter((c) => !c.negated);
  if (!positive.length || total <= 0) return null;
  let share = 1;
  for (const c of positive) {
    // A clause's alternatives (OR, a prefix's words): the share of articles with at least one.
    let none = 1;
    for (const u of c.any) {
      const dfs = u.kind === 'prefix' ? (u.expansionDfs ?? []) : u.stems.length === 1 ? [df.get(u.stems[0]) ?? 0] : null;
      if (!dfs) return null;
      for (const n of dfs) none *= 1 - Math.min(1, n / total);
    }
    share *= 1 - none;
  }
  return share * total;
}

/**
 * Best-match order of the matches read. Rare words: full relevance (bm25 on SQLite, ts_rank on
 * PostgreSQL), title and lead weighing most. Common words: SQLite's bm25 would read every
 * posting of the word to weigh it (tens of ms for a word in every article) and tells little when
 * a word is everywhere, so the order is by tiers (every word in the title, every word in title
 * or lead, some word there, the rest), newest first within a tier.
 */
async function rank(engine: ReturnType<typeof engineFor>, eq: EngineQuery, kept: Match[], rare: boolean): Promise<Match[]> {
  const score = rare ? await engine.relevance(eq, kept.map((m) => m.key)) : new Map(kept.map((m) => [m.key, m.tier]));
  return [...kept].sort((a, b) => (score.get(b.key) ?? 0) - (score.get(a.key) ?? 0) || b.key - a.key);
}

/** The number of search documents (PostgreSQL's estimate, refreshed each minute). */
async function documentCount(store: Store): Promise<number> {
  return remembered(store, 'documents', async () => Math.max(0, Number((await sql<{ n: number }>`select reltuples::bigint as n from pg_class where relname = 'search_docs'`.execute(store.db)).rows[0]?.n ?? 0)));
}

/**
 * PostgreSQL's statistics know only the most frequent words and word pairs (about the top
 * thousand: here, those in a sixth of the articles or more) and take any other to be rare, so a
 * pair in one article of ten could be planned as one in two hundred, every match read. A phrase
 * is therefore taken to be in at least this share of the archive: the newest part is searched
 * first (see pgEngine), which costs a rare phrase a few ms and spares a common one tens.
 */
export const PLANNER_MIN_SHARE = 0.08;

export async function searchArchive(store: Store, query: SearchQuery, viewer: Viewer, now = nowIso()): Promise<SearchResult> {
  const q = normaliseQuery(query);
  const parsed = parseQuery(q.q);
  let notice = parsed.notice;
  const filtered = Boolean(q.from || q.to || q.issue || q.topic || q.state || q.source || q.access || q.publishedAfter);
  const empty: SearchResult = { query: q, total: 0, totalExact: true, rankedAmong: null, hits: [], facets: null, facetsAmong: null, didYouMean: null, notice };
  if (!parsed.clauses.length && !filtered) {
    if (q.q.trim()) empty.notice = notice ?? 'The query has no words to search for.';
    return empty;
  }
  if (!hasPositive(parsed) && !filtered && parsed.clauses.length) notice = notice ?? 'The query only excludes words; showing every other article.';
  await expandPrefixes(store, parsed);
  const filters = await resolveFilters(store, q);
  if (filters.none) return { ...empty, notice };
  const { lo, hi } = keyRange(q, now);
  const engine = engineFor(store);
  const ranked = q.sort === 'relevance' && hasPositive(parsed);
  const df = await frequencies(store, parsed);
  const rare = ranked && allRare(df, parsed);
  let share: number | null = null;
  if (store.dialect === 'postgres') {
    const total = await documentCount(store);
    let estimate = estimateMatches(parsed, df, total);
    // Topic, place and issue filters narrow it by their share of the archive (access and source
    // filters are taken as narrowing nothing, which errs toward reading more).
    if (estimate !== null) for (const n of filters.counts) estimate *= Math.min(1, n / Math.max(1, total));
    else estimate = Math.max(await plannerEstimate(store.db, { parsed, tags: filters.tags }), PLANNER_MIN_SHARE * total);
    if (total > 0) share = Math.min(1, estimate / total);
  }
  const eq: EngineQuery = { parsed, tags: filters.tags, lo, hi, facets: q.facets, tiers: ranked && !rare, share };
  const started = performance.now();
  const rows = await engine.matches(eq);
  const more = rows.length > CAP;
  const kept = more ? rows.slice(0, CAP) : rows;
  const ordered: Match[] = ranked && kept.length > 1 ? await rank(engine, eq, kept, rare) : kept;
  const offset = (q.page - 1) * q.perPage;
  const ids = ordered.slice(offset, offset + q.perPage).map((m) => articleIdOf(m.key));
  const r = { total: kept.length, totalExact: !more, rankedAmong: ranked && more ? CAP : null, facetsAmong: q.facets && more ? CAP : null };
  const rowsById = await hitRows(store, ids, viewer);
  const h = highlightTerms(parsed);
  const hits = ids.map((id) => rowsById.get(id)).filter((x): x is HitRow => Boolean(x)).map((row) => presentSearchHit(row, viewer, h));
  const facets = q.facets && kept.length ? await facetCounts(store, kept) : null;
  let didYouMean: string | null = null;
  if (r.total < 3 && parsed.words.length) {
    const s = await suggest(store, parsed, q.q);
    if (s) {
      const n = (await engine.matches({ ...eq, parsed: parseQuery(s), facets: false, tiers: false })).length;
      if (n > r.total) didYouMean = s;
    }
  }
  if (r.total === 0 && hasPositive(parsed)) recordMiss(store, q.q, now);
  observeSearch((performance.now() - started) / 1000, store.dialect);
  return { query: q, total: r.total, totalExact: r.totalExact, rankedAmong: r.rankedAmong, hits, facets, facetsAmong: r.facetsAmong, didYouMean, notice };
}
