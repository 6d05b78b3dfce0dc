import { type CreateTableBuilder, type Kysely, type Migration } from 'kysely';
import type { Dialect } from './db.ts';

// Migration 0005_newsroom: the admin area's audit log, article revisions, and two-factor sign-in
// for staff (TOTP secrets, and which sessions have passed the second factor); 0010_totp_recovery:
// recovery codes for a lost phone.

function withId<T extends string>(dialect: Dialect, t: CreateTableBuilder<T, never>): CreateTableBuilder<T, 'id'> {
  return dialect === 'postgres'
    ? t.addColumn('id', 'serial', (c) => c.primaryKey())
    : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

export function newsroomMigrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0005_newsroom': {
      async up(db: Kysely<any>) {
        // Who did what, when, with the state before and after (JSON). Rows are only ever added;
        // the user's address is copied so the record survives the account.
        await withId(dialect, db.schema.createTable('audit_log'))
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
          .addColumn('user_email', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('entity', 'text', (c) => c.notNull())
          .addColumn('entity_id', 'text')
          .addColumn('before_json', 'text')
          .addColumn('after_json', 'text')
          .addColumn('ip', 'text')
          .execute();
        await db.schema.createIndex('audit_log_at').on('audit_log').columns(['at', 'id']).execute();
        await db.schema.createIndex('audit_log_entity').on('audit_log').columns(['entity', 'entity_id', 'id']).execute();

        // Every save of an article keeps what was saved (the editable fields and the Markdown, as JSON).
        await withId(dialect, db.schema.createTable('article_revisions'))
          .addColumn('article_id', 'integer', (c) => c.notNull().references('articles.id').onDelete('cascade'))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
          .addColumn('user_email', 'text', (c) => c.notNull())
          .addColumn('note', 'text', (c) => c.notNull())
          .addColumn('snapshot', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('article_revisions_article').on('article_revisions').columns(['article_id', 'id']).execute();

        // TOTP (RFC 6238). enabled_at is null while an enrolment waits for its first code;
        // last_step is the time step of the last code accepted, so no code works twice.
        await db.schema.createTable('user_totp')
          .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
          .addColumn('secret', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('enabled_at', 'text')
          .addColumn('last_step', 'bigint')
          .execute();

        // Sessions that have passed the second factor, and when.
        await db.schema.createTable('session_mfa')
          .addColumn('session_id', 'integer', (c) => c.primaryKey().references('sessions.id').onDelete('cascade'))
          .addColumn('verified_at', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0010_totp_recovery': {
      async up(db: Kysely<any>) {
        // One-time recovery codes for two-factor sign-in (a lost phone), stored as hashes; a used
        // code keeps its row with used_at, so the settings page can say how many are left.
        await db.schema.createTable('user_recovery_codes')
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('code_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('used_at', 'text')
          .addPrimaryKeyConstraint('user_recovery_codes_pk', ['user_id', 'code_hash'])
          .execute();
      },
    },
  };
}
