import { sql, type Kysely, type Migration } from 'kysely';
import type SQLite from 'better-sqlite3';
import type { Dialect } from './db.ts';
import { rebuildSearchIndex } from '../search/rebuild.ts';

/**
 * Migration 0004_search: the full-text index. SQLite: a contentless FTS5 table (the text lives in
 * articles and article_bodies; snippets are cut from there) keyed by the publication-time key of
 * search_docs. PostgreSQL: a tsvector column on search_docs with a GIN index, beside the key's
 * b-tree (see src/search/engines.ts for how the two are used).
 */
export function searchMigrations(dialect: Dialect, raw?: SQLite.Database | null): Record<string, Migration> {
  return {
    '0004_search': {
      async up(db: Kysely<any>) {
        await db.schema.createTable('search_lexicon')
          .addColumn('term', 'text', (c) => c.primaryKey())
          .addColumn('word', 'text', (c) => c.notNull())
          .addColumn('df', 'integer', (c) => c.notNull())
          .execute();
        await db.schema.createTable('search_misses')
          .addColumn('query', 'text', (c) => c.primaryKey())
          .addColumn('count', 'integer', (c) => c.notNull())
          .addColumn('last_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('search_misses_last').on('search_misses').columns(['last_at']).execute();
        // Archives that exist before this migration get their index in it (rebuildSearchIndex).
        const table = db.schema.createTable('search_docs')
          // On SQLite an INTEGER PRIMARY KEY is the rowid itself: one lookup per document.
          .addColumn('key', dialect === 'postgres' ? 'bigint' : 'integer', (c) => c.primaryKey())
          .addColumn('article_id', 'integer', (c) => c.notNull().unique().references('articles.id').onDelete('cascade'))
          .addColumn('year', 'integer', (c) => c.notNull())
          .addColumn('facets', 'text', (c) => c.notNull())
          // The stems of the title and of the lead (dek, teaser, authors, sources), for ranking tiers.
          .addColumn('title_terms', 'text', (c) => c.notNull())
          .addColumn('lead_terms', 'text', (c) => c.notNull());
        if (dialect === 'postgres') {
          await table.addColumn('tsv', sql`tsvector`, (c) => c.notNull()).execute();
          // The documents first, then the index: one build beats 100,000 inserts into it.
          await rebuildSearchIndex(db, dialect, raw);
          await sql`create index search_docs_tsv on search_docs using gin (tsv)`.execute(db);
          await sql`analyze search_docs`.execute(db);
        } else {
          await table.execute();
          await sql`create virtual table search_fts using fts5(title, lead, body, tags, tokenize = 'unicode61 remove_diacritics 0', content = '', contentless_delete = 1)`.execute(db);
          await sql`insert into search_fts (search_fts, rank) values ('rank', 'bm25(10.0, 4.0, 1.0, 0.0)')`.execute(db);
          await sql`create trigger search_docs_delete after delete on search_docs begin delete from search_fts where rowid = old.key; end`.execute(db);
          await rebuildSearchIndex(db, dialect, raw);
        }
      },
    },
  };
}
