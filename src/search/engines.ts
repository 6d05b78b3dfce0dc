// The two engines behind one interface. Both answer from the index alone: which documents
// match, newest first, with what they need for ranking and facets.
//
// The plan. The index is ordered by publication time (see documents.ts), and each search reads
// at most CAP + 1 matches, newest first, in ONE query: SQLite walks the FTS5 doclist in rowid
// order and stops; PostgreSQL walks the key index and checks each document, or (when the words
// are rare and the planner knows it from the column statistics) collects the few matches from the
// GIN index and sorts them. From those rows come
//   - the count: exact up to CAP, else "more than CAP";
//   - the facets: of all matches up to CAP, else of the CAP most recent;
//   - relevance: every match ranked (bm25 / ts_rank) up to CAP, else the best among the CAP most
//     recent — a bounded top-k with recency as the static rank, which suits a news archive;
//   - date order: the rows as they come (pages go up to CAP results).
// So no search costs more than CAP documents of work, whatever the words: a very common word
// is as cheap as a rare one. Ranking all 100,000 matches of a common word was 50–300 ms here.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../store/schema.ts';
import type { Dialect } from '../store/db.ts';
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
  /** Compute a relevance rank for each match. */
  rank: boolean;
  /** Read year and facets of each match. */
  facets: boolean;
}

export interface Match { key: number; rank: number; year: number; facets: string }

export interface Engine {
  /** Up to CAP + 1 matches, newest first (rank: smaller is better; 0 when not asked for). */
  matches(q: EngineQuery): Promise<Match[]>;
}

export function engineFor(db: Kysely<DB>, dialect: Dialect): Engine {
  return dialect === 'postgres' ? pgEngine(db) : sqliteEngine(db);
}

// ------------------------------------------------------------------ SQLite FTS5

export function ftsMatch(q: Pick<EngineQuery, 'parsed' | 'tags'>): string {
  const f = toFts5(q.parsed);
  const text = (e: string) => `{title lead body} : (${e})`;
  let m = f.positive ? text(f.positive) : `tags : ${TAG_ALL}`;
  if (q.tags.length) m = `(${m}) AND (tags : (${q.tags.join(' AND ')}))`;
  for (const n of f.negative) m = `(${m}) NOT (${text(n)})`;
  return m;
}

const TAG_ALL = tag.all;

function sqliteEngine(db: Kysely<DB>): Engine {
  return {
    async matches(q) {
      const match = ftsMatch(q);
      const rank = q.rank ? sql`bm25(search_fts, 10.0, 4.0, 1.0, 0.0)` : sql`0`;
      const inner = sql`select rowid as k, ${rank} as r from search_fts where search_fts match ${match} and rowid between ${q.lo} and ${q.hi} order by rowid desc limit ${CAP + 1}`;
      const rows = q.facets
        ? (await sql<{ k: number; r: number; year: number; facets: string }>`select m.k, m.r, d.year, d.facets from (${inner}) m join search_docs d on d.key = m.k order by m.k desc`.execute(db)).rows
        : (await sql<{ k: number; r: number }>`${inner}`.execute(db)).rows.map((x) => ({ ...x, year: 0, facets: '' }));
      return rows.map((x) => ({ key: x.k, rank: x.r, year: x.year, facets: x.facets }));
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
      // Column weights as on SQLite's bm25: title 10, lead 4, body 1, tags 0 (the array is D, C, B, A).
      // ts_rank grows with relevance; negated, smaller is better as with bm25.
      const rank = q.rank ? sql`-ts_rank('{0.1, 0.0, 0.4, 1.0}'::float4[], tsv, to_tsquery('simple', ${tq}), 1)` : sql`0`;
      const cols = q.facets ? sql`year, facets` : sql`0 as year, '' as facets`;
      const rows = (await sql<{ key: number; r: number; year: number; facets: string }>`select key, ${rank} as r, ${cols}
        from search_docs where tsv @@ to_tsquery('simple', ${tq}) and key between ${q.lo} and ${q.hi}
        order by key desc limit ${CAP + 1}`.execute(db)).rows;
      return rows.map((x) => ({ key: Number(x.key), rank: Number(x.r), year: x.year, facets: x.facets }));
    },
  };
}
