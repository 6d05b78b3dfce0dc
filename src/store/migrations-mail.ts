import { sql, type CreateTableBuilder, type Kysely, type Migration } from 'kysely';
import type { Dialect } from './db.ts';

// Migration 0006_mail: follows (saved searches, topics, states, sources), readers' mail
// preferences, the mail queue shared by every instance, and suppressed (bounced) addresses.

function withId<T extends string>(dialect: Dialect, t: CreateTableBuilder<T, never>): CreateTableBuilder<T, 'id'> {
  return dialect === 'postgres'
    ? t.addColumn('id', 'serial', (c) => c.primaryKey())
    : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

export function mailMigrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0006_mail': {
      async up(db: Kysely<any>) {
        // One row per reader who changed a setting; no row means the defaults (issue mail on, HTML and text).
        await db.schema.createTable('mail_prefs')
          .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
          .addColumn('issue_mail', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('plain_text', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();

        // A follow is a saved search (the /search query as JSON); a topic, state or source is a
        // search with that filter. cursor_at: the last digest run; last_period: the daily/weekly
        // period it was for ("2025-05-01", "2025-W18"), so each period is mailed once.
        await withId(dialect, db.schema.createTable('follows'))
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('search', 'topic', 'state', 'source')`))
          .addColumn('query', 'text', (c) => c.notNull())
          .addColumn('label', 'text', (c) => c.notNull())
          .addColumn('frequency', 'text', (c) => c.notNull().check(sql`frequency in ('immediately', 'daily', 'weekly', 'off')`))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('cursor_at', 'text', (c) => c.notNull())
          .addColumn('last_period', 'text', (c) => c.notNull())
          .addUniqueConstraint('follows_user_query', ['user_id', 'query'])
          .execute();
        await db.schema.createIndex('follows_due').on('follows').columns(['frequency', 'last_period', 'id']).execute();

        // Which articles each follow has mailed: an article is in at most one digest per follow.
        await db.schema.createTable('follow_sent')
          .addColumn('follow_id', 'integer', (c) => c.notNull().references('follows.id').onDelete('cascade'))
          .addColumn('article_id', 'integer', (c) => c.notNull().references('articles.id').onDelete('cascade'))
          .addColumn('sent_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('follow_sent_pk', ['follow_id', 'article_id'])
          .execute();

        // Content shared by many mails (an issue's table of contents), rendered per reader when sent.
        await withId(dialect, db.schema.createTable('mail_contents'))
          .addColumn('key', 'text', (c) => c.notNull().unique())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();

        // The queue. idem_key makes queuing the same mail twice a no-op. A worker claims rows by
        // setting locked_by/locked_until (a lease); data_at records that the message was handed to
        // the SMTP server (after that, a crash leaves the outcome unknown: see src/mail/queue.ts).
        await withId(dialect, db.schema.createTable('mail_queue'))
          .addColumn('idem_key', 'text', (c) => c.notNull().unique())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
          .addColumn('follow_id', 'integer')
          .addColumn('to_address', 'text', (c) => c.notNull())
          .addColumn('content_id', 'integer', (c) => c.references('mail_contents.id'))
          .addColumn('payload', 'text')
          .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('queued', 'sent', 'failed', 'bounced', 'skipped', 'unknown')`))
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', 'text', (c) => c.notNull())
          .addColumn('locked_by', 'text')
          .addColumn('locked_until', 'text')
          .addColumn('data_at', 'text')
          .addColumn('last_error', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('sent_at', 'text')
          .execute();
        await db.schema.createIndex('mail_queue_ready').on('mail_queue').columns(['status', 'next_attempt_at', 'id']).execute();

        // Addresses that bounced permanently: never mailed again.
        await db.schema.createTable('mail_suppressions')
          .addColumn('address', 'text', (c) => c.primaryKey())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();

        // The send rate shared by every instance: the next free sending slot, in ms since the epoch.
        await db.schema.createTable('mail_throttle')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('next_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.insertInto('mail_throttle').values({ id: 1, next_at: 0 }).execute();
      },
    },
    '0011_renewal_reminders': {
      async up(db: Kysely<any>) {
        // Readers may turn off the reminders before their subscription ends (on by default).
        await db.schema.alterTable('mail_prefs').addColumn('renewal_mail', 'integer', (c) => c.notNull().defaultTo(1)).execute();
      },
    },
  };
}
