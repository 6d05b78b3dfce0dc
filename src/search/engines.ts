// The two engines behind one interface. Both answer from the index alone: which keys match,
// in which order, how many, and the facet data of the matches.
//
// The plan for queries that match much of the archive (a very common word): ranking every match
// costs time in proportion to the matches (bm25 over 100,000 articles is hundreds of ms here).
// So the index is ordered by publication time, and relevance is computed exactly when a query
// has at most RANK_CAP matches, else among its RANK_CAP most recent matches: a bounded top-k
// with recency as the static rank, which suits a news archive. Counts are exact up to COUNT_CAP
// ("more than 10,000" beyond) and facets are exact up to FACET_CAP matches, else counted among
// the FACET_CAP most recent. Sorting by date is a walk of the index in key order.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../store/schema.ts';
import type { Dialect } from '../store/db.ts';
import type { ParsedQuery } from './query.ts';
import { toFts5, toTsquery } from './query.ts';

export const COUNT_CAP = 10_000;
export const RANK_CAP = 1_000;
export const FACET_CAP = 2_000;

export interface EngineQuery {
  parsed: ParsedQuery;
  /** Tag tokens every match must carry (filters). */
  tags: string[];
  /** Key range (inclusive). */
  lo: number;
  hi: number;
  sort: 'relevance' | 'date';
  offset: number;
  limit: number;
  facets: boolean;
}

export interface EngineResult {
  keys: number[];
  total: number;
  totalExact: boolean;
  /** Relevance was ranked among this many most recent matches (null: among all). */
  rankedAmong: number | null;
  facetRows: { year: number; facets: string }[] | null;
  /** Facets were counted among this many most recent matches (null: all). */
  facetsAmong: number | null;
}

export interface Engine {
  run(q: EngineQuery): Promise<EngineResult>;
  /** Capped count only (for "did you mean"). */
  count(q: EngineQuery): Promise<number>;
}

export function engineFor(db: Kysely<DB>, dialect: Dialect): Engine {
  return dialect === 'postgres' ? pgEngine(db) : sqliteEngine(db);
}

// ------------------------------------------------------------------ SQLite FTS5

function ftsMatch(q: EngineQuery): string {
  const f = toFts5(q.parsed);
  const text = (e: string) => `{title lead body} : (${e})`;
  let m = f.positive ? text(f.positive) : 'tags : zall';
  if (q.tags.length) m = `(${m}) AND (tags : (${q.tags.join(' AND ')}))`;
  for (const n of f.negative) m = `(${m}) NOT (${text(n)})`;
  return m;
}

function sqliteEngine(db: Kysely<DB>): Engine {
  const count = async (q: EngineQuery, match: string) => {
    const r = await sql<{ n: number }>`select count(*) as n from (select 1 from search_fts where search_fts match ${match} and rowid between ${q.lo} and ${q.hi} limit ${COUNT_CAP + 1})`.execute(db);
    return r.rows[0].n;
  };
  return {
    async count(q) {
      return Math.min(await count(q, ftsMatch(q)), COUNT_CAP);
    },
    async run(q) {
      const match = ftsMatch(q);
      const n = await count(q, match);
      const totalExact = n <= COUNT_CAP;
      const total = Math.min(n, COUNT_CAP);
      let keys: number[] = [];
      let rankedAmong: number | null = null;
      if (total > 0 && q.offset < total) {
        if (q.sort === 'date') {
          keys = (await sql<{ k: number }>`select rowid as k from search_fts where search_fts match ${match} and rowid between ${q.lo} and ${q.hi} order by rowid desc limit ${q.limit} offset ${q.offset}`.execute(db)).rows.map((r) => r.k);
        } else if (n <= RANK_CAP) {
          keys = (await sql<{ k: number }>`select rowid as k from search_fts where search_fts match ${match} and rowid between ${q.lo} and ${q.hi} order by rank, rowid desc limit ${q.limit} offset ${q.offset}`.execute(db)).rows.map((r) => r.k);
        } else {
          rankedAmong = RANK_CAP;
          keys = (await sql<{ k: number }>`select k from (select rowid as k, bm25(search_fts, 10.0, 4.0, 1.0, 0.0) as r from search_fts where search_fts match ${match} and rowid between ${q.lo} and ${q.hi} order by rowid desc limit ${RANK_CAP}) order by r, k desc limit ${q.limit} offset ${q.offset}`.execute(db)).rows.map((r) => r.k);
        }
      }
      let facetRows: EngineResult['facetRows'] = null;
      let facetsAmong: number | null = null;
      if (q.facets && total > 0) {
        facetsAmong = n > FACET_CAP ? FACET_CAP : null;
        facetRows = (await sql<{ year: number; facets: string }>`select d.year, d.facets from (select rowid as k from search_fts where search_fts match ${match} and rowid between ${q.lo} and ${q.hi} order by rowid desc limit ${FACET_CAP}) m join search_docs d on d.key = m.k`.execute(db)).rows;
      }
      return { keys, total, totalExact, rankedAmong, facetRows, facetsAmong };
    },
  };
}

// ------------------------------------------------------------------ PostgreSQL tsvector

function tsquery(q: EngineQuery): string {
  const t = toTsquery(q.parsed);
  const parts = [t.positive ?? `'zall':C`, ...q.tags.map((x) => `'${x}':C`), ...t.negative.map((n) => `!(${n})`)];
  return parts.join(' & ');
}

let rumAvailable: Promise<boolean> | null = null;

function pgEngine(db: Kysely<DB>): Engine {
  // With RUM the index returns matches in key order (<=| is "distance from the left") and stops
  // at the limit; with GIN the planner sorts the matches.
  const hasRum = () => (rumAvailable ??= sql<{ n: number }>`select count(*)::int as n from pg_indexes where indexname = 'search_docs_tsv' and indexdef ilike '%using rum%'`
    .execute(db).then((r) => r.rows[0].n > 0).catch(() => { rumAvailable = null; return false; }));
  const newest = async (tq: string, q: EngineQuery, limit: number, offset: number, cols: ReturnType<typeof sql>) => {
    return (await hasRum())
      ? sql`select ${cols} from search_docs where tsv @@ to_tsquery('simple', ${tq}) and key between ${q.lo} and ${q.hi} order by key <=| ${q.hi}::bigint limit ${limit} offset ${offset}`
      : sql`select ${cols} from search_docs where tsv @@ to_tsquery('simple', ${tq}) and key between ${q.lo} and ${q.hi} order by key desc limit ${limit} offset ${offset}`;
  };
  const count = async (q: EngineQuery, tq: string) => {
    const inner = await newest(tq, q, COUNT_CAP + 1, 0, sql`1`);
    const r = await sql<{ n: number }>`select count(*)::int as n from (${inner}) m`.execute(db);
    return r.rows[0].n;
  };
  return {
    async count(q) {
      return Math.min(await count(q, tsquery(q)), COUNT_CAP);
    },
    async run(q) {
      const tq = tsquery(q);
      const n = await count(q, tq);
      const totalExact = n <= COUNT_CAP;
      const total = Math.min(n, COUNT_CAP);
      let keys: number[] = [];
      let rankedAmong: number | null = null;
      // Column weights as on SQLite: title 10, lead 4, tags 0, body 1 (weights are D, C, B, A).
      const rank = sql`ts_rank(tsv, to_tsquery('simple', ${tq}), 1)`;
      const weights = sql`'{0.1, 0.0, 0.4, 1.0}'::float4[]`;
      const ranked = sql`ts_rank(${weights}, tsv, to_tsquery('simple', ${tq}), 1)`;
      void rank;
      if (total > 0 && q.offset < total) {
        if (q.sort === 'date') {
          keys = (await (await newest(tq, q, q.limit, q.offset, sql`key`)).execute(db)).rows.map((r: any) => Number(r.key));
        } else if (n <= RANK_CAP) {
          keys = (await sql<{ key: number }>`select key from search_docs where tsv @@ to_tsquery('simple', ${tq}) and key between ${q.lo} and ${q.hi} order by ${ranked} desc, key desc limit ${q.limit} offset ${q.offset}`.execute(db)).rows.map((r) => Number(r.key));
        } else {
          rankedAmong = RANK_CAP;
          const inner = await newest(tq, q, RANK_CAP, 0, sql`key, ${ranked} as r`);
          keys = (await sql<{ key: number }>`select key from (${inner}) m order by r desc, key desc limit ${q.limit} offset ${q.offset}`.execute(db)).rows.map((r) => Number(r.key));
        }
      }
      let facetRows: EngineResult['facetRows'] = null;
      let facetsAmong: number | null = null;
      if (q.facets && total > 0) {
        facetsAmong = n > FACET_CAP ? FACET_CAP : null;
        facetRows = (await (await newest(tq, q, FACET_CAP, 0, sql`year, facets`)).execute(db)).rows as { year: number; facets: string }[];
      }
      return { keys, total, totalExact, rankedAmong, facetRows, facetsAmong };
    },
  };
}
