// Editorial checks (`masthead lint`, the admin editor, the import preview).
//
// The checks themselves are pure (src/newsroom/lint-rules.ts, lint-dates.ts, lint-text.ts):
// this module gathers what they need from the store — publications, the cited issues and the
// articles on their pages, titles in use, the targets of internal links — and leaves out the
// findings an editor has dismissed for the article.

import { sql } from 'kysely';
import type { Store } from '../store/db.ts';
import { InputError, type ImportedArticle } from '../domain/types.ts';
import { importedFromRecord } from '../domain/article.ts';
import { getArticle } from '../store/articles.ts';
import { isValidSlug } from '../domain/slug.ts';
import {
  type ArchiveFacts, type ArticleFact, type LintFinding, type TermKind,
  RULES, contextFromFacts, lookups, prepare, runChecks,
} from './lint-rules.ts';

export type { LintFinding } from './lint-rules.ts';
export { RULES } from './lint-rules.ts';

export interface LintOptions {
  /** The stored article's slug (dismissals and "another article" are keyed by it); default: article.slug. */
  slug?: string;
  /** Also return dismissed findings, marked `dismissed: true`. */
  includeDismissed?: boolean;
  /** The site's public address (BASE_URL): absolute links to it are checked like /paths. */
  baseUrl?: string;
  /** Shares what does not change between articles (titles, publications) across many calls. */
  session?: LintSession;
  /** "Now", for issues that do not exist yet (default: the current time). */
  now?: string;
}

/** What lintArticle reads once per run rather than once per article. */
export interface LintSession {
  /** Titles that may equal this one (a superset of those whose titleKey matches). */
  titlesLike(title: string): Promise<{ slug: string; title: string }[]>;
  publications(): Promise<string[]>;
  latestIssues(): Promise<{ publication: string; year: number; month: number }[]>;
}

/**
 * @param opts.allTitles read every title once (for checking the whole archive) instead of
 *   asking the database for the few titles that share a word with each article's title.
 */
export function createLintSession(store: Store, opts: { allTitles?: boolean } = {}): LintSession {
  let titles: Promise<{ slug: string; title: string }[]> | null = null;
  let pubs: Promise<string[]> | null = null;
  let latest: Promise<{ publication: string; year: number; month: number }[]> | null = null;
  const all = () => (titles ??= store.db.selectFrom('articles').select(['slug', 'title']).execute());
  return {
    titlesLike(title) {
      if (opts.allTitles) return all();
      // The longest plain ASCII word of the title: any title equal to it, case and quotes
      // aside, contains that word, so a substring test narrows the archive to a handful.
      const word = (title.toLowerCase().match(/[a-z0-9]+/g) ?? []).sort((a, b) => b.length - a.length)[0];
      if (!word || word.length < 3) return all();
      return store.db.selectFrom('articles').select(['slug', 'title']).where(sql<string>`lower(title)`, 'like', `%${word}%`).execute();
    },
    publications: () => (pubs ??= store.db.selectFrom('publications').select('abbreviation').execute().then((r) => r.map((p) => p.abbreviation.toUpperCase()))),
    latestIssues: () => (latest ??= (async () => {
      const rows = await store.db.selectFrom('issues').innerJoin('publications', 'publications.id', 'issues.publication_id')
        .select(['publications.abbreviation', sql<number>`max(issues.year * 12 + issues.month - 1)`.as('ym')])
        .groupBy('publications.abbreviation')
        .execute();
      return rows.map((r) => ({ publication: r.abbreviation.toUpperCase(), year: Math.floor(Number(r.ym) / 12), month: (Number(r.ym) % 12) + 1 }));
    })()),
  };
}

/** The editorial checks of one article (stored or not), without the findings dismissed for it. */
export async function lintArticle(store: Store, article: ImportedArticle, opts: LintOptions = {}): Promise<LintFinding[]> {
  const slug = opts.slug ?? article.slug ?? null;
  const session = opts.session ?? createLintSession(store);
  const siteOrigins = opts.baseUrl ? [originOf(opts.baseUrl)].filter((o): o is string => o !== null) : [];
  const doc = prepare(article);
  const need = lookups(doc, siteOrigins);
  const db = store.db;

  const [titles, publications, latest] = await Promise.all([session.titlesLike(article.title ?? ''), session.publications(), session.latestIssues()]);

  // The cited issues that exist, and every article placed in them.
  const issues: ArchiveFacts['issues'] = [...latest];
  const articles: ArticleFact[] = [];
  const placedColumns = ['articles.slug', 'articles.title', 'articles.status', 'articles.published_at', 'publications.abbreviation', 'issues.year', 'issues.month', 'articles.page_first', 'articles.page_last'] as const;
  type PlacedRow = { slug: string; title: string; status: ArticleFact['status']; published_at: string | null; abbreviation: string | null; year: number | null; month: number | null; page_first: number | null; page_last: number | null };
  const toFact = (r: PlacedRow): ArticleFact => ({
    slug: r.slug, title: r.title, status: r.status, publishedAt: r.published_at,
    publication: r.abbreviation, year: r.year, month: r.month, pageFirst: r.page_first, pageLast: r.page_last,
  });
  const wantedIssues = need.issues.filter((i) => publications.includes(i.publication));
  if (wantedIssues.length || need.issueYears.length) {
    const found = await db.selectFrom('issues').innerJoin('publications', 'publications.id', 'issues.publication_id')
      .select(['issues.id', 'publications.abbreviation', 'issues.year', 'issues.month'])
      .where((eb) => eb.or([
        ...wantedIssues.map((i) => eb.and([eb(sql`upper(publications.abbreviation)`, '=', i.publication), eb('issues.year', '=', i.year), eb('issues.month', '=', i.month)])),
        ...(need.issueYears.length ? [eb('issues.year', 'in', need.issueYears)] : []),
      ]))
      .execute();
    for (const i of found) issues.push({ publication: i.abbreviation.toUpperCase(), year: i.year, month: i.month });
    const citedIds = found.filter((i) => wantedIssues.some((w) => w.publication === i.abbreviation.toUpperCase() && w.year === i.year && w.month === i.month)).map((i) => i.id);
    if (citedIds.length) {
      const rows = await db.selectFrom('articles')
        .innerJoin('issues', 'issues.id', 'articles.issue_id')
        .innerJoin('publications', 'publications.id', 'issues.publication_id')
        .select(placedColumns)
        .where('articles.issue_id', 'in', citedIds)
        .where('articles.page_first', 'is not', null)
        .orderBy('articles.id')
        .execute();
      articles.push(...(rows as PlacedRow[]).map(toFact));
    }
  }
  if (need.articleSlugs.length) {
    const rows = await db.selectFrom('articles')
      .leftJoin('issues', 'issues.id', 'articles.issue_id')
      .leftJoin('publications', 'publications.id', 'issues.publication_id')
      .select(placedColumns)
      .where('articles.slug', 'in', need.articleSlugs)
      .execute();
    articles.push(...(rows as PlacedRow[]).map(toFact));
  }

  const terms: ArchiveFacts['terms'] = [];
  const byKind = (k: TermKind) => need.terms.filter((t) => t.kind === k).map((t) => t.slug);
  const termQueries: Promise<void>[] = [];
  const addTerms = (kind: TermKind, q: Promise<{ slug: string }[]>) => termQueries.push(q.then((rows) => { for (const r of rows) terms.push({ kind, slug: r.slug }); }));
  if (byKind('topics').length) addTerms('topics', db.selectFrom('topics').select('slug').where('slug', 'in', byKind('topics')).execute());
  if (byKind('authors').length) addTerms('authors', db.selectFrom('authors').select('slug').where('slug', 'in', byKind('authors')).execute());
  if (byKind('states').length) addTerms('states', db.selectFrom('places').select('slug').where('kind', '=', 'state').where('slug', 'in', byKind('states')).execute());
  if (byKind('countries').length) addTerms('countries', db.selectFrom('places').select('slug').where('kind', '=', 'country').where('slug', 'in', byKind('countries')).execute());
  if (byKind('sources').length) addTerms('sources', db.selectFrom('article_sources').select('slug').distinct().where('slug', 'in', byKind('sources')).execute());
  await Promise.all(termQueries);

  const ctx = contextFromFacts({ now: opts.now ?? new Date().toISOString(), publications, issues, articles, titles, terms, siteOrigins }, slug);
  const findings = runChecks(article, ctx);

  if (!slug) return findings;
  const dismissed = new Set(
    (await db.selectFrom('lint_dismissals').select(['rule', 'excerpt']).where('article_slug', '=', slug).execute()).map((d) => `${d.rule}\u0000${d.excerpt}`),
  );
  if (dismissed.size === 0) return findings;
  const isDismissed = (f: LintFinding) => dismissed.has(`${f.rule}\u0000${f.excerpt}`);
  return opts.includeDismissed ? findings.map((f) => (isDismissed(f) ? { ...f, dismissed: true } : f)) : findings.filter((f) => !isDismissed(f));
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

const MAX_DISMISS_EXCERPT = 2000;

function checkDismissal(slug: string, f: { rule: string; excerpt: string }): void {
  if (typeof slug !== 'string' || !isValidSlug(slug)) throw new InputError(`"${slug}" is not an article address (slug)`);
  if (typeof f?.rule !== 'string' || !Object.hasOwn(RULES, f.rule)) throw new InputError(`"${f?.rule}" is not an editorial check; the checks are ${Object.keys(RULES).join(', ')}`);
  if (typeof f.excerpt !== 'string' || f.excerpt.length > MAX_DISMISS_EXCERPT) throw new InputError(`the excerpt must be text of at most ${MAX_DISMISS_EXCERPT} characters`);
}

/**
 * Dismisses a finding for an article: lintArticle leaves it out from now on (until the text
 * it is about changes). Dismissing the same finding again changes nothing.
 * Throws InputError for an unknown rule or a malformed slug.
 */
export async function dismissFinding(store: Store, slug: string, f: { rule: string; excerpt: string }, userId: number | null): Promise<void> {
  checkDismissal(slug, f);
  await store.db.transaction().execute(async (trx) => {
    await trx.insertInto('lint_dismissals')
      .values({ article_slug: slug, rule: f.rule, excerpt: f.excerpt, user_id: userId, created_at: new Date().toISOString() })
      .onConflict((oc) => oc.columns(['article_slug', 'rule', 'excerpt']).doNothing())
      .execute();
  });
}

/** Undoes dismissFinding: the finding is reported again. */
export async function restoreFinding(store: Store, slug: string, f: { rule: string; excerpt: string }): Promise<void> {
  checkDismissal(slug, f);
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('lint_dismissals').where('article_slug', '=', slug).where('rule', '=', f.rule).where('excerpt', '=', f.excerpt).execute();
  });
}

/** The findings dismissed for an article, newest first. */
export async function listDismissals(store: Store, slug: string): Promise<{ rule: string; excerpt: string; userId: number | null; createdAt: string }[]> {
  const rows = await store.db.selectFrom('lint_dismissals').select(['rule', 'excerpt', 'user_id', 'created_at']).where('article_slug', '=', slug).orderBy('created_at', 'desc').execute();
  return rows.map((r) => ({ rule: r.rule, excerpt: r.excerpt, userId: r.user_id, createdAt: r.created_at }));
}

/** A stored article (any status) in the importers' shape, for lintArticle; null when there is none. */
export async function loadArticleForLint(store: Store, slug: string): Promise<ImportedArticle | null> {
  const r = await getArticle(store.db, slug, { includeHidden: true });
  return r ? importedFromRecord(r) : null;
}
