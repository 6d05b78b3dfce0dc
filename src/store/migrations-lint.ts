import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './db.ts';

// Migration 0008_lint: editorial-check findings an editor has dismissed for an article.
// Keyed by the article's slug (a file being previewed before its first save has a slug but
// no row yet) and by the finding's rule and excerpt, which together identify a finding
// across re-runs of the checks. Dismissing twice is a no-op (primary key).

export function lintMigrations(_dialect: Dialect): Record<string, Migration> {
  return {
    '0008_lint': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('lint_dismissals')
          .addColumn('article_slug', 'text', (c) => c.notNull())
          .addColumn('rule', 'text', (c) => c.notNull())
          .addColumn('excerpt', 'text', (c) => c.notNull())
          .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('lint_dismissals_pk', ['article_slug', 'rule', 'excerpt'])
          .execute();
      },
    },
  };
}
