import { sql, type Kysely, type SelectQueryBuilder, type ExpressionBuilder } from 'kysely';
import type { DB } from './schema.ts';
import type { ArticleRecord, ArticleSummary, ArticleLink, IssueInfo, Named } from '../domain/article.ts';

// Reading the archive. "Visible" means what readers may know exists: not a draft, and
// published at or before now. Scheduled articles become visible at their time with no job.


export function nowIso(): string {
  return new Date().toISOString();
}

function visible<Q extends SelectQueryBuilder<DB, 'articles', any>>(q: Q, now: string): Q {
  return q
    .where('articles.status', '!=', 'draft')
    .where('articles.published_at', 'is not', null)
    .where('articles.published_at', '<=', now) as Q;
}

const summaryColumns = [
  'articles.id',
  'articles.slug',
  'articles.title',
  'articles.dek',
  'articles.teaser_html',
  'articles.teaser_text',
  'articles.access',
  'articles.published_at',
  'articles.updated_at',
  'articles.page_first',
  'articles.page_last',
  'issues.year as issue_year',
  'issues.month as issue_month',
  'issues.volume as issue_volume',
  'issues.number as issue_number',
  'publications.abbreviation as pub_abbr',
] as const;

function baseQuery(db: Kysely<DB>) {
  return db
    .selectFrom('articles')
    .leftJoin('issues', 'issues.id', 'articles.issue_id')
    .leftJoin('publications', 'publications.id', 'issues.publication_id');
}

interface SummaryRow {
  id: number;
  slug: string;
  title: string;
  dek: string | null;
  teaser_html: string;
  teaser_text: string;
  access: 'free' | 'premium';
  published_at: string | null;
  updated_at: string;
  page_first: number | null;
  page_last: number | null;
  issue_year: number | null;
  issue_month: number | null;
  issue_volume: number | null;
  issue_number: number | null;
  pub_abbr: string | null;
}

function issueInfo(r: Pick<SummaryRow, 'issue_year' | 'issue_month' | 'issue_volume' | 'issue_number' | 'pub_abbr'>): IssueInfo | null {
  if (r.issue_year == null || r.issue_month == null) return null;
  return { year: r.issue_year, month: r.issue_month, volume: r.issue_volume, number: r.issue_number, publication: r.pub_abbr ?? '' };
}

function toSummary(r: SummaryRow): ArticleSummary {
  return {
    id: r.id,
    slug: r.slug,
    title: r.title,
    dek: r.dek,
    teaserHtml: r.teaser_html,
    teaserText: r.teaser_text,
    access: r.access,
    publishedAt: r.published_at,
    updatedAt: r.updated_at,
    issue: issueInfo(r),
    pageFirst: r.page_first,
    pageLast: r.page_last,
  };
}

export type ListFilter =
  | { kind: 'all' }
  | { kind: 'topic'; slug: string }
  | { kind: 'place'; slug: string }
  | { kind: 'source'; slug: string }
  | { kind: 'author'; slug: string };

function applyFilter(q: any, filter: ListFilter): any {
  switch (filter.kind) {
    case 'all':
      return q;
    case 'topic':
      return q.where('articles.id', 'in', (eb: ExpressionBuilder<DB, 'articles'>) =>
        eb.selectFrom('article_topics').innerJoin('topics', 'topics.id', 'article_topics.topic_id').select('article_topics.article_id').where('topics.slug', '=', filter.slug));
    case 'place':
      return q.where('articles.id', 'in', (eb: ExpressionBuilder<DB, 'articles'>) =>
        eb.selectFrom('article_places').innerJoin('places', 'places.id', 'article_places.place_id').select('article_places.article_id').where('places.slug', '=', filter.slug));
    case 'author':
      return q.where('articles.id', 'in', (eb: ExpressionBuilder<DB, 'articles'>) =>
        eb.selectFrom('article_authors').innerJoin('authors', 'authors.id', 'article_authors.author_id').select('article_authors.article_id').where('authors.slug', '=', filter.slug));
    case 'source':
      return q.where('articles.id', 'in', (eb: ExpressionBuilder<DB, 'articles'>) =>
        eb.selectFrom('article_sources').select('article_sources.article_id').where('article_sources.slug', '=', filter.slug));
  }
}

export async function listArticles(
  db: Kysely<DB>,
  opts: { limit: number; offset: number; filter?: ListFilter; now?: string; since?: string; withTotal?: boolean },
): Promise<{ items: ArticleSummary[]; total: number }> {
  const now = opts.now ?? nowIso();
  const filter = opts.filter ?? { kind: 'all' };
  let listQuery = applyFilter(visible(baseQuery(db) as any, now), filter);
  if (opts.since) listQuery = listQuery.where('articles.published_at', '>=', opts.since);
  const rows = (await listQuery
    .select(summaryColumns)
    .orderBy('articles.published_at', 'desc')
    .orderBy('articles.id', 'desc')
    .limit(opts.limit)
    .offset(opts.offset)
    .execute()) as SummaryRow[];
  if (opts.withTotal === false) return { items: rows.map(toSummary), total: -1 };
  return { items: rows.map(toSummary), total: await countArticles(db, filter, now, opts.since) };
}

/** How many visible articles match a filter (walks an index of the whole archive: cache it). */
export async function countArticles(db: Kysely<DB>, filter: ListFilter = { kind: 'all' }, now = nowIso(), since?: string): Promise<number> {
  let countQuery = applyFilter(visible(db.selectFrom('articles') as any, now), filter);
  if (since) countQuery = countQuery.where('articles.published_at', '>=', since);
  const totalRow = (await countQuery.select((eb: any) => eb.fn.countAll().as('n')).executeTakeFirst()) as { n: number | string };
  return Number(totalRow.n);
}

export async function issueArticles(db: Kysely<DB>, issueId: number, now = nowIso()): Promise<ArticleSummary[]> {
  const rows = (await visible(baseQuery(db) as any, now)
    .select(summaryColumns)
    .where('articles.issue_id', '=', issueId)
    .orderBy('articles.page_first', 'asc')
    .orderBy('articles.id', 'asc')
    .execute()) as SummaryRow[];
  return rows.map(toSummary);
}

async function linked(db: Kysely<DB>, articleId: number, link: 'article_authors' | 'article_topics', target: 'authors' | 'topics', col: 'author_id' | 'topic_id'): Promise<Named[]> {
  return (await db
    .selectFrom(link as any)
    .innerJoin(target as any, `${target}.id` as any, `${link}.${col}` as any)
    .select([`${target}.slug as slug`, `${target}.name as name`] as any)
    .where(`${link}.article_id` as any, '=', articleId)
    .orderBy(`${link}.position` as any)
    .execute()) as Named[];
}

export async function getArticle(db: Kysely<DB>, slug: string, opts: { now?: string; includeHidden?: boolean } = {}): Promise<ArticleRecord | null> {
  const now = opts.now ?? nowIso();
  let q: any = baseQuery(db)
    .innerJoin('article_bodies', 'article_bodies.article_id', 'articles.id')
    .select([
      ...summaryColumns,
      'article_bodies.body_html',
      'article_bodies.body_text',
      'article_bodies.body_markdown',
      'articles.word_count',
      'articles.status',
    ])
    .where('articles.slug', '=', slug);
  if (!opts.includeHidden) q = visible(q, now);
  const row = (await q.executeTakeFirst()) as (SummaryRow & { body_html: string; body_text: string; body_markdown: string; word_count: number; status: ArticleRecord['status'] }) | undefined;
  if (!row) return null;
  const id = row.id;
  const [authors, topics, places, sources, citations, citedBy] = await Promise.all([
    linked(db, id, 'article_authors', 'authors', 'author_id'),
    linked(db, id, 'article_topics', 'topics', 'topic_id'),
    db.selectFrom('article_places').innerJoin('places', 'places.id', 'article_places.place_id')
      .select(['places.slug', 'places.name', 'places.kind']).where('article_places.article_id', '=', id).orderBy('article_places.position').execute(),
    db.selectFrom('article_sources').select(['name', 'url', 'slug']).where('article_id', '=', id).orderBy('position').execute(),
    db.selectFrom('citations')
      .leftJoin('articles as cited', (j) => j.onRef('cited.id', '=', 'citations.cited_article_id'))
      .select(['citations.text', 'citations.publication', 'citations.year', 'citations.month', 'citations.page_first', 'citations.page_last', 'cited.slug as cited_slug', 'cited.title as cited_title', 'cited.status as cited_status', 'cited.published_at as cited_published_at'])
      .where('citations.article_id', '=', id)
      .orderBy('citations.position')
      .execute(),
    citedByQuery(db, id, now),
  ]);
  return {
    ...toSummary(row),
    bodyHtml: row.body_html,
    bodyText: row.body_text,
    bodyMarkdown: row.body_markdown,
    wordCount: row.word_count,
    status: row.status,
    authors,
    topics,
    places,
    sources,
    citations: citations.map((c) => ({
      text: c.text,
      publication: c.publication,
      year: c.year,
      month: c.month,
      pageFirst: c.page_first,
      pageLast: c.page_last,
      // A citation to an article readers cannot see yet is shown unlinked.
      cited: c.cited_slug && c.cited_status !== 'draft' && c.cited_published_at && c.cited_published_at <= now ? { slug: c.cited_slug, title: c.cited_title ?? '' } : null,
    })),
    citedBy,
  };
}

async function citedByQuery(db: Kysely<DB>, id: number, now: string): Promise<ArticleLink[]> {
  const rows = (await visible(baseQuery(db) as any, now)
    .select(['articles.slug', 'articles.title', 'articles.page_first', 'issues.year as issue_year', 'issues.month as issue_month', 'issues.volume as issue_volume', 'issues.number as issue_number', 'publications.abbreviation as pub_abbr'])
    .where('articles.id', 'in', (eb: ExpressionBuilder<DB, 'articles'>) => eb.selectFrom('citations').select('citations.article_id').where('citations.cited_article_id', '=', id))
    .orderBy('articles.published_at', 'desc')
    .execute()) as (SummaryRow & { slug: string; title: string })[];
  return rows.map((r) => ({ slug: r.slug, title: r.title, pageFirst: r.page_first, issue: issueInfo(r) }));
}

/** The visible article that covers a printed page, for /cite links. */
export async function findArticleAtPage(db: Kysely<DB>, c: { publication: string; year: number; month: number; page: number }, now = nowIso()): Promise<{ slug: string } | null> {
  const row = await visible(baseQuery(db) as any, now)
    .select(['articles.slug'])
    .where(sql`upper(publications.abbreviation)`, '=', c.publication.toUpperCase())
    .where('issues.year', '=', c.year)
    .where('issues.month', '=', c.month)
    .where('articles.page_first', '<=', c.page)
    .where(sql`coalesce(articles.page_last, articles.page_first)`, '>=', c.page)
    .orderBy('articles.page_first', 'desc')
    .orderBy('articles.id', 'asc')
    .executeTakeFirst();
  return (row as { slug: string } | undefined) ?? null;
}


/** Slugs and modification times for the sitemap, in a stable order. */
export async function articleSitemapPage(db: Kysely<DB>, page: number, size: number, now = nowIso()): Promise<{ slug: string; updated_at: string }[]> {
  return (await visible(db.selectFrom('articles') as any, now)
    .select(['articles.slug', 'articles.updated_at'])
    .orderBy('articles.id')
    .limit(size)
    .offset((page - 1) * size)
    .execute()) as { slug: string; updated_at: string }[];
}

export async function countVisible(db: Kysely<DB>, now = nowIso()): Promise<number> {
  const r = (await visible(db.selectFrom('articles') as any, now).select((eb: any) => eb.fn.countAll().as('n')).executeTakeFirst()) as { n: number | string };
  return Number(r.n);
}
