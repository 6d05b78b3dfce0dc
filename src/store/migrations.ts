import { sql, type Kysely, type Migration, type MigrationProvider, Migrator, type CreateTableBuilder } from 'kysely';
import type SQLite from 'better-sqlite3';
import type { Dialect } from './db.ts';
import { searchMigrations } from './migrations-search.ts';
import { newsroomMigrations } from './migrations-newsroom.ts';
import { mailMigrations } from './migrations-mail.ts';
import { opsMigrations } from './migrations-ops.ts';
import { lintMigrations } from './migrations-lint.ts';
import { officeMigrations } from './migrations-office.ts';

// Migrations are code, applied in name order inside a transaction each. Never edit one that has
// shipped: add a new one.

function withId<T extends string>(dialect: Dialect, t: CreateTableBuilder<T, never>): CreateTableBuilder<T, 'id'> {
  return dialect === 'postgres'
    ? t.addColumn('id', 'serial', (c) => c.primaryKey())
    : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

function namedTable(db: Kysely<any>, dialect: Dialect, name: string) {
  return withId(dialect, db.schema.createTable(name))
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull());
}

function linkTable(db: Kysely<any>, name: string, target: string, targetCol: string) {
  return db.schema
    .createTable(name)
    .addColumn('article_id', 'integer', (c) => c.notNull().references('articles.id').onDelete('cascade'))
    .addColumn(targetCol, 'integer', (c) => c.notNull().references(`${target}.id`).onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint(`${name}_pk`, ['article_id', targetCol]);
}

/** Tables whose rows show up on public pages. */
const CONTENT_TABLES = ['publications', 'issues', 'articles', 'article_bodies', 'authors', 'topics', 'places', 'article_authors', 'article_topics', 'article_places', 'article_sources', 'citations'];

async function addVersionTrigger(db: Kysely<any>, dialect: Dialect, table: string): Promise<void> {
  if (dialect === 'postgres') {
    await sql`create or replace function bump_content_version() returns trigger language plpgsql as $$
      begin update content_version set version = version + 1 where id = 1; return null; end $$`.execute(db);
    await sql.raw(`create trigger ${table}_content_version after insert or update or delete on ${table}
      for each statement execute function bump_content_version()`).execute(db);
    return;
  }
  for (const event of ['insert', 'update', 'delete']) {
    await sql.raw(`create trigger ${table}_content_version_${event} after ${event} on ${table}
      begin update content_version set version = version + 1 where id = 1; end`).execute(db);
  }
}

export function migrations(dialect: Dialect, raw?: SQLite.Database | null): Record<string, Migration> {
  return {
    '0001_archive': {
      async up(db: Kysely<any>) {
        await withId(dialect, db.schema.createTable('publications'))
          .addColumn('slug', 'text', (c) => c.notNull().unique())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('abbreviation', 'text', (c) => c.notNull().unique())
          .addColumn('issn', 'text')
          .addColumn('description', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();

        await withId(dialect, db.schema.createTable('issues'))
          .addColumn('publication_id', 'integer', (c) => c.notNull().references('publications.id'))
          .addColumn('year', 'integer', (c) => c.notNull())
          .addColumn('month', 'integer', (c) => c.notNull().check(sql`month between 1 and 12`))
          .addColumn('volume', 'integer')
          .addColumn('number', 'integer')
          .addColumn('page_count', 'integer')
          .addColumn('title', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addUniqueConstraint('issues_pub_year_month', ['publication_id', 'year', 'month'])
          .execute();
        await db.schema.createIndex('issues_year_month').on('issues').columns(['year', 'month']).execute();

        await withId(dialect, db.schema.createTable('articles'))
          .addColumn('publication_id', 'integer', (c) => c.notNull().references('publications.id'))
          .addColumn('slug', 'text', (c) => c.notNull().unique())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('dek', 'text')
          .addColumn('teaser_html', 'text', (c) => c.notNull())
          .addColumn('teaser_text', 'text', (c) => c.notNull())
          .addColumn('word_count', 'integer', (c) => c.notNull())
          .addColumn('access', 'text', (c) => c.notNull().check(sql`access in ('free', 'premium')`))
          .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('draft', 'scheduled', 'published')`))
          .addColumn('published_at', 'text')
          .addColumn('issue_id', 'integer', (c) => c.references('issues.id'))
          .addColumn('page_first', 'integer')
          .addColumn('page_last', 'integer')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        // Both indexes carry the visibility columns, so listing, counting and "does this issue
        // have a visible article" are answered from the index alone.
        await db.schema.createIndex('articles_published').on('articles').columns(['published_at', 'id', 'status']).execute();
        await db.schema.createIndex('articles_issue_page').on('articles').columns(['issue_id', 'page_first', 'status', 'published_at']).execute();
        await db.schema
          .createTable('article_bodies')
          .addColumn('article_id', 'integer', (c) => c.primaryKey().references('articles.id').onDelete('cascade'))
          .addColumn('body_markdown', 'text', (c) => c.notNull())
          .addColumn('body_html', 'text', (c) => c.notNull())
          .addColumn('body_text', 'text', (c) => c.notNull())
          .execute();

        await namedTable(db, dialect, 'authors').execute();
        await namedTable(db, dialect, 'topics').execute();
        await namedTable(db, dialect, 'places')
          .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('state', 'country')`))
          .execute();
        await linkTable(db, 'article_authors', 'authors', 'author_id').execute();
        await linkTable(db, 'article_topics', 'topics', 'topic_id').execute();
        await linkTable(db, 'article_places', 'places', 'place_id').execute();
        for (const [table, col] of [['article_authors', 'author_id'], ['article_topics', 'topic_id'], ['article_places', 'place_id']]) {
          await db.schema.createIndex(`${table}_by_target`).on(table).columns([col, 'article_id']).execute();
        }

        await db.schema
          .createTable('article_sources')
          .addColumn('article_id', 'integer', (c) => c.notNull().references('articles.id').onDelete('cascade'))
          .addColumn('position', 'integer', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('slug', 'text', (c) => c.notNull())
          .addColumn('url', 'text')
          .addPrimaryKeyConstraint('article_sources_pk', ['article_id', 'position'])
          .execute();
        await db.schema.createIndex('article_sources_slug').on('article_sources').columns(['slug', 'article_id']).execute();

        await withId(dialect, db.schema.createTable('citations'))
          .addColumn('article_id', 'integer', (c) => c.notNull().references('articles.id').onDelete('cascade'))
          .addColumn('position', 'integer', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('publication', 'text', (c) => c.notNull())
          .addColumn('year', 'integer', (c) => c.notNull())
          .addColumn('month', 'integer', (c) => c.notNull())
          .addColumn('page_first', 'integer', (c) => c.notNull())
          .addColumn('page_last', 'integer', (c) => c.notNull())
          .addColumn('cited_article_id', 'integer', (c) => c.references('articles.id').onDelete('set null'))
          .execute();
        await db.schema.createIndex('citations_article').on('citations').columns(['article_id', 'position']).execute();
        await db.schema.createIndex('citations_cited').on('citations').columns(['cited_article_id']).execute();
        await db.schema.createIndex('citations_target').on('citations').columns(['publication', 'year', 'month']).execute();

        // Every write to what readers see bumps one counter, from any instance or tool, so
        // caches of rendered pages know at once that they are stale.
        await db.schema.createTable('content_version')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('version', 'integer', (c) => c.notNull())
          .execute();
        await db.insertInto('content_version').values({ id: 1, version: 0 }).execute();
        for (const table of CONTENT_TABLES) await addVersionTrigger(db, dialect, table);
      },
    },
    '0002_accounts': {
      async up(db: Kysely<any>) {
        await withId(dialect, db.schema.createTable('users'))
          .addColumn('email', 'text', (c) => c.notNull().unique())
          .addColumn('name', 'text')
          .addColumn('password_hash', 'text')
          .addColumn('role', 'text', (c) => c.notNull().defaultTo('reader').check(sql`role in ('reader', 'editor', 'admin')`))
          .addColumn('rate_class', 'text', (c) => c.check(sql`rate_class in ('prisoner', 'individual', 'professional', 'institutional')`))
          .addColumn('email_verified_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();

        await withId(dialect, db.schema.createTable('sessions'))
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('last_seen_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('user_agent', 'text')
          .addColumn('ip', 'text')
          .execute();
        await db.schema.createIndex('sessions_user').on('sessions').columns(['user_id']).execute();

        // Single-use tokens sent by mail: sign-in links, password resets, e-mail changes.
        await withId(dialect, db.schema.createTable('auth_tokens'))
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('signin', 'reset', 'email_change')`))
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('new_email', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('used_at', 'text')
          .execute();

        await withId(dialect, db.schema.createTable('entitlements'))
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('plan', 'text', (c) => c.notNull().check(sql`plan in ('digital', 'print-digital')`))
          .addColumn('starts_at', 'text', (c) => c.notNull())
          .addColumn('ends_at', 'text', (c) => c.notNull())
          .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('admin', 'gift', 'payment', 'import')`))
          .addColumn('note', 'text')
          .addColumn('external_ref', 'text', (c) => c.unique())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .execute();
        await db.schema.createIndex('entitlements_user').on('entitlements').columns(['user_id', 'ends_at']).execute();

        await withId(dialect, db.schema.createTable('gift_codes'))
          .addColumn('code_hash', 'text', (c) => c.notNull().unique())
          .addColumn('plan', 'text', (c) => c.notNull().check(sql`plan in ('digital', 'print-digital')`))
          .addColumn('days', 'integer', (c) => c.notNull())
          .addColumn('note', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('redeemed_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
          .addColumn('redeemed_at', 'text')
          .execute();

        // Personal API tokens and private feed tokens: only hashes are stored.
        await withId(dialect, db.schema.createTable('api_tokens'))
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('api', 'feed')`))
          .addColumn('name', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('last_used_at', 'text')
          .addColumn('revoked_at', 'text')
          .execute();

        await db.schema.createTable('meter_reads')
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('period', 'text', (c) => c.notNull())
          .addColumn('article_id', 'integer', (c) => c.notNull().references('articles.id').onDelete('cascade'))
          .addColumn('read_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('meter_reads_pk', ['user_id', 'period', 'article_id'])
          .execute();

        await withId(dialect, db.schema.createTable('institutions'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('note', 'text')
          .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        // Addresses as 32 hex digits (IPv4 mapped into IPv6), so ranges compare as strings.
        await withId(dialect, db.schema.createTable('institution_ranges'))
          .addColumn('institution_id', 'integer', (c) => c.notNull().references('institutions.id').onDelete('cascade'))
          .addColumn('first_ip', 'text', (c) => c.notNull())
          .addColumn('last_ip', 'text', (c) => c.notNull())
          .addColumn('label', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('institution_ranges_first').on('institution_ranges').columns(['first_ip', 'last_ip']).execute();
        await db.schema.createIndex('institution_ranges_unique').on('institution_ranges').columns(['institution_id', 'first_ip', 'last_ip']).unique().execute();
        await db.schema.createTable('institution_usage')
          .addColumn('institution_id', 'integer', (c) => c.notNull().references('institutions.id').onDelete('cascade'))
          .addColumn('period', 'text', (c) => c.notNull())
          .addColumn('views', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('institution_usage_pk', ['institution_id', 'period'])
          .execute();

        // Fixed-window counters shared by every instance.
        await db.schema.createTable('rate_limits')
          .addColumn('bucket', 'text', (c) => c.notNull())
          .addColumn('window_start', 'bigint', (c) => c.notNull())
          .addColumn('hits', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('rate_limits_pk', ['bucket', 'window_start'])
          .execute();

        await db.schema.createTable('payment_events')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('processed_at', 'text', (c) => c.notNull())
          .execute();

        await db.schema.createTable('settings')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0003_downloads': {
      async up(db: Kysely<any>) {
        // Uploaded files (issue PDFs, covers) live in the database: every instance sees them,
        // backups hold them, and no user-chosen path is ever served.
        await withId(dialect, db.schema.createTable('files'))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('content_type', 'text', (c) => c.notNull())
          .addColumn('size', 'integer', (c) => c.notNull())
          .addColumn('sha256', 'text', (c) => c.notNull())
          .addColumn('content', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.alterTable('issues').addColumn('pdf_file_id', 'integer', (c) => c.references('files.id').onDelete('set null')).execute();
        await db.schema.alterTable('issues').addColumn('cover_file_id', 'integer', (c) => c.references('files.id').onDelete('set null')).execute();

        await withId(dialect, db.schema.createTable('downloads'))
          .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
          .addColumn('institution_id', 'integer', (c) => c.references('institutions.id').onDelete('cascade'))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('ref', 'text', (c) => c.notNull())
          .addColumn('day', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('downloads_user_day').on('downloads').columns(['user_id', 'day']).execute();
        await db.schema.createIndex('downloads_institution_day').on('downloads').columns(['institution_id', 'day']).execute();
      },
    },
    // Later migrations live in their own files (0004_search, 0005_newsroom, 0006_mail, 0007_ops).
    ...searchMigrations(dialect, raw),
    ...newsroomMigrations(dialect),
    ...mailMigrations(dialect),
    ...opsMigrations(dialect),
    ...lintMigrations(dialect),
    ...officeMigrations(dialect),
  };
}

export async function migrateToLatest(db: Kysely<any>, dialect: Dialect, raw?: SQLite.Database | null): Promise<void> {
  const all = migrations(dialect, raw);
  const provider: MigrationProvider = { getMigrations: async () => all };
  // Migrations of different areas are independent (each adds its own tables), so one added later
  // under an earlier name still applies to a database that has the later ones.
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? error}`);
  }
}
