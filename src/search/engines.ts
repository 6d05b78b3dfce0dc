// The two engines behind one interface. Both answer from the index alone.
//
// The plan. The index is ordered by publication time (see documents.ts), and each search reads
// at most CAP + 1 matches, newest first: SQLite walks the FTS5 doclists down from the newest key
// and stops; PostgreSQL picks one of three plans by how many documents it expects to match
// (see pgEngine). From those rows come
//   - the count: exact up to CAP, else "more than CAP";
//   - the facets: of all matches up to CAP, else of the CAP most recent;
//   - date order: the rows as they come (result pages go up to CAP);
//   - best-match order (see rank() in index.ts): full relevance for rare words, ranking tiers
//     (words in the title, in title or lead; from stems stored with each document) for common
//     ones, among the matches read.
// So no search does more than about CAP documents of work, whatever the words: a very common
// word is as cheap as a rare one. (Ranking all 100,000 matches of a common word with FTS5's
// bm25 took 50–300 ms here; bm25 also reads a word's whole doclist to weigh it.)
import { sql, type Kysely } from 'kysely';
import type { DB } from '../store/schema.ts';
import type { Store } from '../store/db.ts';
import type SQLite from 'better-sqlite3';
import type { ParsedQuery } from './query.ts';
import { toFts5, toTsquery } from './query.ts';
import { tag } from './documents.ts';
import { tierPlan } from './tiers.ts';

export const CAP = 1_000;

export interface EngineQuery {
  parsed: ParsedQuery;
  /** Tag tokens every match must carry (filters). */
  tags: string[];
  /** Key range (inclusive). */
  lo: number;
  hi: number;
  /** Read year and facets of each match. */
  facets: boolean;
  /** Compute each match's ranking tier (see tiers.ts). */
  tiers?: boolean;
  /**
   * PostgreSQL: about what share of the documents match (see estimateMatches in index.ts), or
   * null when unknown. It picks the plan (see pgEngine).
   */
  share?: number | null;
  /** Read at most this many matches (default CAP + 1; tests use fewer). */
  limit?: number;
}

export interface Match { key: number; year: number; facets: string; /** Ranking tier (see tiers.ts) when asked for. */ tier: number }

export interface Engine {
  /** Up to CAP + 1 matches, newest first. */
  matches(q: EngineQuery): Promise<Match[]>;
  /**
   * Full relevance (bm25 / ts_rank; higher is better) of the matches among these keys. Only for
   * rare words: SQLite's bm25 reads every posting of every word to weigh it.
   */
  relevance(q: EngineQuery, keys: number[]): Promise<Map<number, number>>;
}

const sqliteEngines = new WeakMap<SQLite.Database, Engine>();

export function engineFor(store: Store): Engine {
  if (!store.sqlite) return pgEngine(store.db);
  let e = sqliteEngines.get(store.sqlite);
  if (!e) sqliteEngines.set(store.sqlite, (e = sqliteEngine(store.sqlite)));
  return e;
}

// ------------------------------------------------------------------ SQLite FTS5

const TAG_ALL = tag.all;

export function ftsMatch(q: Pick<EngineQuery, 'parsed' | 'tags'>): string {
  const f = toFts5(q.parsed);
  // No column filter on the words: filter tokens ("0tag0…") never come out of prose, and a
  // column filter costs a quarter more on phrases.
  const text = (e: string) => `(${e})`;
  let m = f.positive ? text(f.positive) : `tags : ${TAG_ALL}`;
  if (q.tags.length) m = `(${m}) AND (tags : (${q.tags.join(' AND ')}))`;
  for (const n of f.negative) m = `(${m}) NOT (${text(n)})`;
  return m;
}

const span = (keys: number[]) => ({ lo: Math.min(...keys), hi: Math.max(...keys) });

/**
 * FTS5 walks a doclist cheaply from the top (`rowid <= hi ORDER BY rowid DESC`), but a lower
 * rowid bound makes it read far more than the range (measured: 20–35 ms instead of 0.5 ms for
 * 1,000 rows of a common word). So every walk here goes down from `hi` and stops in JS at `lo`.
 */
function sqliteEngine(raw: SQLite.Database): Engine {
  const statements = new Map<string, SQLite.Statement>();
  const prepare = (text: string) => {
    let st = statements.get(text);
    if (!st) {
      // The texts vary with the query's shape (how many words, ORs): keep a bounded number.
      if (statements.size >= 500) statements.clear();
      statements.set(text, (st = raw.prepare(text)));
    }
    return st;
  };
  const walk = (text: string, params: unknown[], lo: number, limit: number) => {
    const out: any[] = [];
    for (const row of prepare(text).iterate(...params) as Iterable<any>) {
      if (row.k < lo) break;
      out.push(row);
      if (out.length >= limit) break;
    }
    return out;
  };
  return {
    async matches(q) {
      const match = ftsMatch(q);
      const tiers = q.tiers ? tierPlan(q.parsed, (col) => `instr(d.${col}, ?) > 0`) : null;
      const cols = [q.facets ? 'd.year, d.facets' : '', tiers ? `${tiers.expr} as places` : ''].filter(Boolean).join(', ');
      const rows = walk(cols
        ? `select f.rowid as k, ${cols} from search_fts f join search_docs d on d.key = f.rowid where f.search_fts match ? and f.rowid <= ? order by f.rowid desc`
        : 'select rowid as k from search_fts where search_fts match ? and rowid <= ? order by rowid desc', [...(tiers?.params ?? []), match, q.hi], q.lo, q.limit ?? CAP + 1);
      return rows.map((x) => ({ key: x.k, year: x.year ?? 0, facets: x.facets ?? '', tier: tiers ? tiers.fromPlaces(x.places) : 0 }));
    },
    async relevance(q, keys) {
      if (!keys.length) return new Map();
      const { lo, hi } = span(keys);
      const rows = walk('select rowid as k, -bm25(search_fts, 10.0, 4.0, 1.0, 0.0) as r from search_fts where search_fts match ? and rowid <= ? order by rowid desc', [ftsMatch(q), hi], lo, Infinity);
      return new Map(rows.map((r) => [r.k as number, r.r as number]));
    },
  };
}

// ------------------------------------------------------------------ PostgreSQL tsvector

export function tsquery(q: Pick<EngineQuery, 'parsed' | 'tags'>): string {
  const t = toTsquery(q.parsed);
  const parts = [t.positive ?? `'${TAG_ALL}'`, ...q.tags.map((x) => `'${x}'`), ...t.negative.map((n) => `!(${n})`)];
  return parts.join(' & ');
}

/** PostgreSQL walks the key index for words in at least this share of the documents. */
export const WALK_SHARE = 0.5;
/** The newest documents searched first hold about this many times the matches wanted. */
export const RANGE_SLACK = 1.5;
/** Above this many documents, a first range is not worth its own count: one GIN scan does. */
const RANGE_MAX = 30_000;

type PgMatchRow = { key: string | number; year: number; facets: string; places: string | number };

/**
 * PostgreSQL's own estimate of how many documents match (from the tsvector column's statistics,
 * which know the frequent words and word pairs): for queries the lexicon cannot estimate, such as
 * phrases. Planning only; nothing is read.
 */
export async function plannerEstimate(db: Kysely<DB>, q: Pick<EngineQuery, 'parsed' | 'tags'>): Promise<number> {
  const r = await sql<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>`explain (format json) select 1 from search_docs where tsv @@ to_tsquery('simple', ${tsquery(q)})`.execute(db);
  return Number(r.rows[0]?.['QUERY PLAN']?.[0]?.Plan?.['Plan Rows'] ?? 0);
}

/**
 * The plans, by the estimated share s of documents that match. Reading a document's tsvector
 * (detoasting some 12 KB) costs about 7 µs, so a plan must not read many; reading a row of
 * search_docs found through an index costs a fraction of that, and GIN's list of matches for a
 * word costs a few ms even for a word in every document.
 *   - s ≥ WALK_SHARE: walk the key index newest first, checking each tsvector, until enough
 *     match (about limit / s documents).
 *   - when the newest R = RANGE_SLACK · limit / s documents are a part of the key range: search
 *     those first, with bitmaps only, so GIN's matches are ANDed with the key range before a row
 *     is read (about RANGE_SLACK · limit rows). When the estimate was too high (the words are in
 *     older articles) the rest of the range follows the same way.
 *   - otherwise (rarer words): GIN's matches in the key range, all read and sorted.
 *   - s unknown (an empty archive): the planner chooses.
 * The planner alone would walk for words of a few percent (it does not count the detoasting),
 * reading tens of thousands of documents. Every plan gives the same rows: the newest `limit`
 * matches in the key range (a test compares them).
 */
function pgEngine(db: Kysely<DB>): Engine {
  async function planned(trx: Kysely<DB>, q: EngineQuery, lo: number, hi: number, limit: number, settings: string[]): Promise<Match[]> {
    const tq = tsquery(q);
    const cols = q.facets ? sql`year, facets` : sql`0 as year, '' as facets`;
    const t = q.tiers ? tierPlan(q.parsed, (col) => `strpos(${col}, $$) > 0`) : null;
    // Kysely numbers parameters itself: each $$ becomes the next needle.
    const places = t ? sql.join(t.expr.split('$$').map((part, i, all) => (i < all.length - 1 ? sql`${sql.raw(part)}${t.params[i]}` : sql.raw(part))), sql``) : sql`0`;
    for (const s of settings) await sql.raw(`set local ${s}`).execute(trx);
    const rows = (await sql<PgMatchRow>`select key, ${cols}, ${places} as places
      from search_docs where tsv @@ to_tsquery('simple', ${tq}) and key between ${lo} and ${hi}
      order by key desc limit ${limit}`.execute(trx)).rows;
    return rows.map((x) => ({ key: Number(x.key), year: x.year, facets: x.facets, tier: t ? t.fromPlaces(Number(x.places)) : 0 }));
  }
  // The plans' settings are SET LOCAL: in a transaction of our own they end with it; in the
  // caller's transaction they are put back as they were for the caller's next queries.
  async function inTransaction<T>(f: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
    if (!db.isTransaction) return db.transaction().execute(f);
    const before = (await sql<{ i: string; b: string }>`select current_setting('enable_indexscan') as i, current_setting('enable_bitmapscan') as b`.execute(db)).rows[0];
    try {
      return await f(db);
    } finally {
      await sql.raw(`set local enable_indexscan = ${before.i === 'off' ? 'off' : 'on'}`).execute(db);
      await sql.raw(`set local enable_bitmapscan = ${before.b === 'off' ? 'off' : 'on'}`).execute(db);
    }
  }
  const plain = (q: EngineQuery, limit: number) => planned(db, q, q.lo, q.hi, limit, []);
  return {
    async matches(q) {
      const limit = q.limit ?? CAP + 1;
      const share = q.share ?? null;
      const r = share !== null && share > 0 ? Math.ceil((RANGE_SLACK * limit) / share) : Infinity;
      return share === null ? plain(q, limit) : inTransaction(async (trx): Promise<Match[]> => {
        if (share >= WALK_SHARE) return planned(trx, q, q.lo, q.hi, limit, ['enable_bitmapscan = off']);
        if (r > RANGE_MAX) return planned(trx, q, q.lo, q.hi, limit, ['enable_indexscan = off']);
        const edge = (await sql<{ key: string }>`select key from search_docs where key between ${q.lo} and ${q.hi}
          order by key desc offset ${r - 1} limit 1`.execute(trx)).rows[0];
        if (!edge) return planned(trx, q, q.lo, q.hi, limit, ['enable_indexscan = off']);
        const boundary = Number(edge.key);
        const first = await planned(trx, q, boundary, q.hi, limit, ['enable_indexscan = off']);
        if (first.length >= limit || boundary <= q.lo) return first;
        return [...first, ...await planned(trx, q, q.lo, boundary - 1, limit - first.length, [])];
      });
    },
    async relevance(q, keys) {
      if (!keys.length) return new Map();
      // Column weights as on SQLite's bm25: title 10, lead 4, body 1, tags 0 (the array is D, C, B, A).
      const rows = (await sql<{ key: number; r: number }>`select key, ts_rank('{0.1, 0.0, 0.4, 1.0}'::float4[], tsv, to_tsquery('simple', ${tsquery(q)}), 1) as r
        from search_docs where key = any(${keys}::bigint[])`.execute(db)).rows;
      return new Map(rows.map((r) => [Number(r.key), Number(r.r)]));
    },
  };
}
