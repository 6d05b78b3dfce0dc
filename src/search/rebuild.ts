import os from 'node:os';
import { sql, type Kysely } from 'kysely';
import type SQLite from 'better-sqlite3';
import type { DB } from '../store/schema.ts';
import type { Dialect } from '../store/db.ts';
import { buildDocs, writeDocs, addToLexicon, makeDoc, padded } from './documents.ts';
import { Tokenizers, type TextTriple } from './tokenize-worker.ts';
import { countTerms, type TermCounts } from './tokenize.ts';

/**
 * Rebuilds the whole search index from the articles (after a bulk load, a restore, or when the
 * index is new). Runs in the caller's transaction when given one. On SQLite with the raw handle
 * (the same connection as `db`), a faster path tokenizes in worker threads while this thread
 * writes.
 */
export async function rebuildSearchIndex(db: Kysely<any>, dialect: Dialect, raw?: SQLite.Database | null): Promise<number> {
  if (dialect === 'sqlite' && raw && (raw.prepare('select count(*) as n from articles').get() as { n: number }).n >= WORKERS_FROM) return rebuildSqlite(raw);
  const kdb = db as Kysely<DB>;
  // PostgreSQL: the text index is dropped and built again after the rows (much faster).
  const def = dialect === 'postgres'
    ? (await sql<{ indexdef: string }>`select indexdef from pg_indexes where indexname = 'search_docs_tsv'`.execute(kdb)).rows[0]?.indexdef
    : undefined;
  if (def) await sql`drop index search_docs_tsv`.execute(kdb);
  if (dialect === 'postgres') {
    // Emptied at once, in this transaction: deleting would leave every old row behind as a dead
    // tuple (1.6 GB for 100,000 articles) until a vacuum. Dropping the index already locks the
    // table, so readers wait the same either way.
    await sql`truncate search_docs, search_lexicon`.execute(kdb);
  } else {
    await kdb.deleteFrom('search_docs').execute();
    await sql`delete from search_fts`.execute(kdb);
    await kdb.deleteFrom('search_lexicon').execute();
  }
  const ids = (await kdb.selectFrom('articles').select('id').orderBy('id').execute()).map((r) => r.id);
  let done = 0;
  if (ids.length < WORKERS_FROM) {
    // Small archives: starting worker threads would cost more than the work.
    const counts: TermCounts = new Map();
    for (let i = 0; i < ids.length; i += 500) {
      const { docs } = await buildDocs(kdb, ids.slice(i, i + 500));
      await writeDocs(kdb, dialect, docs);
      for (const d of docs) countTerms(counts, d.vocabulary);
      done += docs.length;
    }
    await addToLexicon(kdb, dialect, counts);
    return finish();
  }
  // Worker threads tokenize the next batches while this one is written.
  const tokenizers = new Tokenizers(Math.max(1, Math.min(4, os.availableParallelism() - 1)));
  try {
    const batches: number[][] = [];
    for (let i = 0; i < ids.length; i += 500) batches.push(ids.slice(i, i + 500));
    const inflight: ReturnType<typeof buildDocs>[] = [];
    let next = 0;
    for (;;) {
      while (inflight.length < 3 && next < batches.length) {
        const p = buildDocs(kdb, batches[next++], (texts) => tokenizers.tokenize(texts));
        p.catch(() => undefined); // awaited below
        inflight.push(p);
      }
      const job = inflight.shift();
      if (!job) break;
      const { docs } = await job;
      await writeDocs(kdb, dialect, docs);
      done += docs.length;
    }
    await addToLexicon(kdb, dialect, await tokenizers.vocabulary());
  } finally {
    await tokenizers.close();
  }
  return finish();

  async function finish() {
    if (def) await sql.raw(def).execute(kdb);
    // The planner chooses between walking the key index and the GIN index from these statistics.
    if (dialect === 'postgres') await sql`analyze search_docs`.execute(kdb);
    return done;
  }
}

const BATCH = 500;
/** Below this many articles a rebuild tokenizes on this thread. */
const WORKERS_FROM = 2_000;

async function rebuildSqlite(raw: SQLite.Database): Promise<number> {
  const own = !raw.inTransaction;
  if (own) raw.exec('begin immediate');
  const tokenizers = new Tokenizers(Math.max(1, Math.min(4, os.availableParallelism() - 1)));
  try {
    // Emptying the index row by row (the delete trigger) would cost more than the rebuild.
    raw.exec(`drop trigger if exists search_docs_delete;
      delete from search_docs;
      insert into search_fts (search_fts) values ('delete-all');
      delete from search_lexicon;
      create trigger search_docs_delete after delete on search_docs begin delete from search_fts where rowid = old.key; end;`);
    // No merging while loading: segments pile up and one 'optimize' at the end merges them all.
    // Pending terms are written out as a segment every `hashsize` bytes (1 MiB by default): 64 MiB
    // makes far fewer, larger segments (100,000 articles: 10–20% faster).
    raw.exec(`insert into search_fts (search_fts, rank) values ('automerge', 0); insert into search_fts (search_fts, rank) values ('crisismerge', 1000);
      insert into search_fts (search_fts, rank) values ('hashsize', ${64 * 1024 * 1024});`);
    const group = <T>(rows: { article_id: number }[], pick: (r: any) => T) => {
      const m = new Map<number, T[]>();
      for (const r of rows) (m.get(r.article_id) ?? m.set(r.article_id, []).get(r.article_id)!).push(pick(r));
      return m;
    };
    const topics = group(raw.prepare('select article_id, topic_id from article_topics order by article_id, position').all() as any[], (r) => r.topic_id as number);
    const places = group(raw.prepare('select article_id, place_id from article_places order by article_id, position').all() as any[], (r) => r.place_id as number);
    const authors = group(raw.prepare('select aa.article_id, a.name from article_authors aa join authors a on a.id = aa.author_id order by aa.article_id, aa.position').all() as any[], (r) => r.name as string);
    const sources = group(raw.prepare('select article_id, name, slug from article_sources order by article_id, position').all() as any[], (r) => ({ name: r.name as string, slug: r.slug as string }));
    const insDoc = raw.prepare('insert into search_docs (key, article_id, year, facets, title_terms, lead_terms) values (?, ?, ?, ?, ?, ?)');
    const insFts = raw.prepare('insert into search_fts (rowid, title, lead, body, tags) values (?, ?, ?, ?, ?)');
    const select = raw.prepare(`select a.id, a.title, a.dek, a.teaser_text, b.body_text, a.access, a.published_at, a.issue_id
      from articles a join article_bodies b on b.article_id = a.id
      where a.status != 'draft' and a.published_at is not null and a.id > ? order by a.id limit ${BATCH}`);
    let after = 0;
    let done = 0;
    type Row = { id: number; title: string; dek: string | null; teaser_text: string; body_text: string; access: string; published_at: string; issue_id: number | null };
    const read = (): Row[] => {
      const rows = select.all(after) as Row[];
      if (rows.length) after = rows[rows.length - 1].id;
      return rows;
    };
    const prepare = (rows: Row[]) => {
      const docs = rows.map((r) => makeDoc({ ...r, body_text: '', title: '', dek: null, teaser_text: '' }, {
        topics: topics.get(r.id) ?? [], places: places.get(r.id) ?? [], authors: [], sources: sources.get(r.id) ?? [],
      }));
      const texts: TextTriple[] = rows.map((r) => [r.title, [r.dek ?? '', r.teaser_text, ...(authors.get(r.id) ?? []), ...(sources.get(r.id) ?? []).map((s) => s.name)].join('\n'), r.body_text]);
      return { docs, texts: tokenizers.tokenize(texts) };
    };
    // Keep two batches in flight per worker: tokenizing overlaps with writing.
    const inflight: ReturnType<typeof prepare>[] = [];
    const depth = 4;
    for (;;) {
      while (inflight.length < depth) {
        const rows = read();
        if (!rows.length) break;
        inflight.push(prepare(rows));
      }
      const job = inflight.shift();
      if (!job) break;
      const texts = await job.texts;
      job.docs.forEach((d, i) => {
        insDoc.run(d.key, d.articleId, d.year, d.facets, padded(texts[i][0]), padded(texts[i][1]));
        insFts.run(d.key, texts[i][0], texts[i][1], texts[i][2], d.tags);
      });
      done += job.docs.length;
    }
    const counts = await tokenizers.vocabulary();
    const insLex = raw.prepare('insert into search_lexicon (term, word, df) values (?, ?, ?)');
    for (const [t, c] of counts) if (t.length <= 40) insLex.run(t, c.word, c.df);
    raw.exec(`insert into search_fts (search_fts) values ('optimize');
      insert into search_fts (search_fts, rank) values ('automerge', 4);
      insert into search_fts (search_fts, rank) values ('crisismerge', 16);
      insert into search_fts (search_fts, rank) values ('hashsize', ${1024 * 1024});`);
    if (own) raw.exec('commit');
    return done;
  } catch (err) {
    if (own && raw.inTransaction) raw.exec('rollback');
    throw err;
  } finally {
    await tokenizers.close();
  }
}
