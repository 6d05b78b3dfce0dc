import type { Kysely, ExpressionBuilder } from 'kysely';
import type { DB } from './schema.ts';
import { nowIso } from './articles.ts';

export interface Publication {
  id: number;
  slug: string;
  name: string;
  abbreviation: string;
  issn: string | null;
  description: string | null;
}

export interface IssueRow {
  id: number;
  year: number;
  month: number;
  volume: number | null;
  number: number | null;
  pageCount: number | null;
  title: string | null;
  articleCount: number;
}

/** The publication this site serves (the first one; one install serves one publication). */
export async function getPublication(db: Kysely<DB>): Promise<Publication | null> {
  const row = await db.selectFrom('publications').selectAll().orderBy('id').limit(1).executeTakeFirst();
  return row ?? null;
}

export async function findPublication(db: Kysely<DB>, abbreviation: string): Promise<Publication | null> {
  const rows = await db.selectFrom('publications').selectAll().execute();
  return rows.find((p) => p.abbreviation.toUpperCase() === abbreviation.toUpperCase()) ?? null;
}

function issueQuery(db: Kysely<DB>, now: string) {
  // An issue is listed once it has at least one visible article. Both the test and the count
  // walk the (issue_id, page_first) index of one issue, never the whole archive.
  const visibleIn = (eb: ExpressionBuilder<DB, 'issues'>) =>
    eb.selectFrom('articles')
      .whereRef('articles.issue_id', '=', 'issues.id')
      .where('articles.status', '!=', 'draft')
      .where('articles.published_at', '<=', now);
  return db
    .selectFrom('issues')
    .where((eb) => eb.exists(visibleIn(eb).select('articles.id')))
    .select((eb) => [
      'issues.id',
      'issues.year',
      'issues.month',
      'issues.volume',
      'issues.number',
      'issues.page_count as pageCount',
      'issues.title',
      visibleIn(eb).select((e) => e.fn.countAll<number>().as('n')).as('articleCount'),
    ]);
}

export async function listIssues(db: Kysely<DB>, opts: { year?: number; limit?: number } = {}, now = nowIso()): Promise<IssueRow[]> {
  let q = issueQuery(db, now).orderBy('issues.year', 'desc').orderBy('issues.month', 'desc');
  if (opts.year !== undefined) q = q.where('issues.year', '=', opts.year);
  if (opts.limit !== undefined) q = q.limit(opts.limit);
  const rows = await q.execute();
  return rows.map((r) => ({ ...r, articleCount: Number(r.articleCount) }));
}

export async function getIssue(db: Kysely<DB>, year: number, month: number, now = nowIso()): Promise<IssueRow | null> {
  const row = await issueQuery(db, now).where('issues.year', '=', year).where('issues.month', '=', month).executeTakeFirst();
  return row ? { ...row, articleCount: Number(row.articleCount) } : null;
}

export async function issueYears(db: Kysely<DB>, now = nowIso()): Promise<{ year: number; issues: number }[]> {
  const rows = await listIssues(db, {}, now);
  const byYear = new Map<number, number>();
  for (const r of rows) byYear.set(r.year, (byYear.get(r.year) ?? 0) + 1);
  return [...byYear].map(([year, issues]) => ({ year, issues }));
}
