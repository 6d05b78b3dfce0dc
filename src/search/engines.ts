// The two engines behind one interface. Both answer from the index alone.
//
// The plan. The index is ordered by publication time (see documents.ts), and each search reads
// at most CAP + 1 matches, newest first, in ONE walk: SQLite walks the FTS5 doclists down from
// the newest key and stops; PostgreSQL walks the key's b-tree checking each document, or (when
// the words are rare and the planner knows it from the column statistics) collects the few
// matches from the GIN index and sorts them. From those rows come
//   - the count: exact up to CAP, else "more than CAP";
//   - the facets: of all matches up to CAP, else of the CAP most recent;
//   - date order: the rows as they come (result pages go up to CAP);
//   - best-match order (see rank() in index.ts): full relevance for rare words, ranking tiers
//     (words in the title, in title or lead) for common ones, among the matches read.
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
}

export interface Match { key: number; year: number; facets: string }

export interface Engine {
  /** Up to CAP + 1 matches, newest first. */
  matches(q: EngineQuery): Promise<Match[]>;
  /**
   * Full relevance (bm25 / ts_rank; higher is better) of the matches among these keys. Only for
   * rare words: SQLite's bm25 reads every posting of every word to weigh it.
   */
  relevance(q: EngineQuery, keys: number[]): Promise<Map<number, number>>;
  /** Ranking tiers of these matches: 3 every word in the title, 2 every word in title or lead, 1 some word there, else 0. */
  tiers(q: EngineQuery, keys: number[]): Promise<Map<number, number>>;
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
  const text = (e: string) => `{title lead body} : (${e})`;
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
    if (!st) statements.set(text, (st = raw.prepare(text)));
    return st;
  };
  const walk = (text: string, match: string, lo: number, hi: number, limit: number) => {
    const out: any[] = [];
    for (const row of prepare(text).iterate(match, hi) as Iterable<any>) {
      if (row.k < lo) break;
      out.push(row);
      if (out.length >= limit) break;
    }
    return out;
  };
  const keysMatching = (match: string, lo: number, hi: number) =>
    new Set(walk('select rowid as k from search_fts where search_fts match ? and rowid <= ? order by rowid desc', match, lo, hi, Infinity).map((r) => r.k as number));
  return {
    async matches(q) {
      const match = ftsMatch(q);
      const rows = walk(q.facets
        ? 'select f.rowid as k, d.year, d.facets from search_fts f join search_docs d on d.key = f.rowid where f.search_fts match ? and f.rowid <= ? order by f.rowid desc'
        : 'select rowid as k from search_fts where search_fts match ? and rowid <= ? order by rowid desc', match, q.lo, q.hi, CAP + 1);
      return rows.map((x) => ({ key: x.k, year: x.year ?? 0, facets: x.facets ?? '' }));
    },
    async relevance(q, keys) {
      if (!keys.length) return new Map();
      const { lo, hi } = span(keys);
      const rows = walk('select rowid as k, -bm25(search_fts, 10.0, 4.0, 1.0, 0.0) as r from search_fts where search_fts match ? and rowid <= ? order by rowid desc', ftsMatch(q), lo, hi, Infinity);
      return new Map(rows.map((r) => [r.k as number, r.r as number]));
    },
    async tiers(q, keys) {
      const f = toFts5(q.parsed);
      const out = new Map<number, number>();
      if (!keys.length || !f.positive) return out;
      const { lo, hi } = span(keys);
      const title = keysMatching(`{title} : (${f.positive})`, lo, hi);
      const head = keysMatching(`{title lead} : (${f.positive})`, lo, hi);
      const any = f.anyPositive === f.positive ? head : keysMatching(`{title lead} : (${f.anyPositive})`, lo, hi);
      for (const k of keys) out.set(k, title.has(k) ? 3 : head.has(k) ? 2 : any.has(k) ? 1 : 0);
      return out;
    },
  };
}

// ------------------------------------------------------------------ PostgreSQL tsvector

export function tsquery(q: Pick<EngineQuery, 'parsed' | 'tags'>): string {
  const t = toTsquery(q.parsed);
  const parts = [t.positive ?? `'${TAG_ALL}'`, ...q.tags.map((x) => `'${x}'`), ...t.negative.map((n) => `!(${n})`)];
  return parts.join(' & ');
}

function pgEngine(db: Kysely<DB>): Engine {
  return {
    async matches(q) {
      const tq = tsquery(q);
      const cols = q.facets ? sql`year, facets` : sql`0 as year, '' as facets`;
      const rows = (await sql<{ key: number; year: number; facets: string }>`select key, ${cols}
        from search_docs where tsv @@ to_tsquery('simple', ${tq}) and key between ${q.lo} and ${q.hi}
        order by key desc limit ${CAP + 1}`.execute(db)).rows;
      return rows.map((x) => ({ key: Number(x.key), year: x.year, facets: x.facets }));
    },
    async relevance(q, keys) {
      if (!keys.length) return new Map();
      // Column weights as on SQLite's bm25: title 10, lead 4, body 1, tags 0 (the array is D, C, B, A).
      const rows = (await sql<{ key: number; r: number }>`select key, ts_rank('{0.1, 0.0, 0.4, 1.0}'::float4[], tsv, to_tsquery('simple', ${tsquery(q)}), 1) as r
        from search_docs where key = any(${keys}::bigint[])`.execute(db)).rows;
      return new Map(rows.map((r) => [Number(r.key), Number(r.r)]));
    },
    async tiers(q, keys) {
      const out = new Map<number, number>();
      const all = toTsquery(q.parsed);
      const title = toTsquery(q.parsed, 'A');
      if (!keys.length || !all.positive) return out;
      // head: the title (weight A) and lead (B) only, small enough to stay in the row.
      const rows = (await sql<{ key: number; t: number }>`select key, case
          when head @@ to_tsquery('simple', ${title.positive}) then 3
          when head @@ to_tsquery('simple', ${all.positive}) then 2
          when ${all.anyPositive !== all.positive} and head @@ to_tsquery('simple', ${all.anyPositive}) then 1 else 0 end as t
        from search_docs where key = any(${keys}::bigint[])`.execute(db)).rows;
      for (const r of rows) out.set(Number(r.key), r.t);
      return out;
    },
  };
}
