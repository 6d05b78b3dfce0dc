import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './db.ts';

// Migration 0009_office: what the office keeps about subscribers beyond their account (notes, and
// the mailing address, prisoner number and facility the print edition goes to), and how often
// each article is read (per day, for "most read" on the dashboard).

export function officeMigrations(_dialect: Dialect): Record<string, Migration> {
  return {
    '0009_office': {
      async up(db: Kysely<any>) {
        await db.schema.createTable('subscriber_profiles')
          .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
          .addColumn('notes', 'text')
          .addColumn('prisoner_number', 'text')
          .addColumn('facility', 'text')
          .addColumn('address_line1', 'text')
          .addColumn('address_line2', 'text')
          .addColumn('city', 'text')
          .addColumn('state', 'text')
          .addColumn('postal_code', 'text')
          .addColumn('country', 'text')
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('subscriber_profiles_prisoner').on('subscriber_profiles').columns(['prisoner_number']).execute();

        // Page views of an article per UTC day, added up in batches by each instance.
        await db.schema.createTable('article_views')
          .addColumn('article_id', 'integer', (c) => c.notNull().references('articles.id').onDelete('cascade'))
          .addColumn('day', 'text', (c) => c.notNull())
          .addColumn('views', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('article_views_pk', ['article_id', 'day'])
          .execute();
        await db.schema.createIndex('article_views_day').on('article_views').columns(['day', 'article_id']).execute();
      },
    },
  };
}
