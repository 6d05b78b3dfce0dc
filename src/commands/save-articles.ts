import { sql, type Kysely } from 'kysely';
import type { DB } from '../store/schema.ts';
import type { ImportedArticle, Access, ArticleStatus, IssueRef } from '../domain/types.ts';
import { InputError } from '../domain/types.ts';
import { renderMarkdown } from '../domain/render.ts';
import { findCitations, linkCitationsInHtml, citePath } from '../domain/citations.ts';
import { slugify } from '../domain/slug.ts';
import { normalizePlace } from '../domain/places.ts';
import { indexArticles } from '../search/documents.ts';

export interface SaveOverrides {
  issue?: IssueRef;
  pageFirst?: number;
  pageLast?: number;
  access?: Access;
  status?: ArticleStatus;
}

export interface SaveResult {
  created: string[];
  updated: string[];
}

function isoDate(d: string): string {
  // "2025-03-01" → midnight UTC; full date-times are normalised to ISO.
  const t = /^\d{4}-\d{2}-\d{2}$/.test(d) ? new Date(`${d}T00:00:00Z`) : new Date(d);
  if (Number.isNaN(t.getTime())) throw new InputError(`published_at "${d}" is not a date`);
  return t.toISOString();
}

/**
 * Writes articles (new or updated in place by slug) in ONE transaction: when any of them is
 * invalid, nothing is written. Citations are parsed from the rendered text and resolved to the
 * article that covers the cited page; citations elsewhere that now resolve are updated too.
 */
export async function saveArticles(db: Kysely<DB>, items: { file: string; article: ImportedArticle }[], overrides: SaveOverrides = {}): Promise<SaveResult> {
  const seen = new Map<string, string>();
  for (const { file, article } of items) {
    const prev = seen.get(article.slug);
    if (prev) throw new InputError(`slug "${article.slug}" is used by ${prev} too; give one of them its own slug`, file);
    seen.set(article.slug, file);
  }
  const run = <T>(fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> => (db.isTransaction ? fn(db) : db.transaction().execute(fn));
  return run(async (trx) => {
    const pub = await trx.selectFrom('publications').selectAll().orderBy('id').limit(1).executeTakeFirst();
    if (!pub) throw new InputError('the database has no publication yet; run `masthead serve` once or load the demo');
    const knownPubs = new Set((await trx.selectFrom('publications').select('abbreviation').execute()).map((p) => p.abbreviation.toUpperCase()));
    const result: SaveResult = { created: [], updated: [] };
    const touchedIssues = new Set<string>();
    const savedIds: number[] = [];
    const now = new Date().toISOString();

    for (const { file, article } of items) {
      try {
        const issueRef = overrides.issue ?? article.issue;
        const pageFirst = overrides.pageFirst ?? article.pageFirst;
        const pageLast = overrides.pageFirst !== undefined ? (overrides.pageLast ?? overrides.pageFirst) : article.pageLast ?? article.pageFirst;
        if (pageFirst != null && !issueRef) throw new InputError('a page number needs an issue (--issue YYYY-MM or `issue:` in the front matter)', file);
        const issueId = issueRef ? await ensureIssue(trx, pub.id, issueRef, now) : null;
        if (issueRef) touchedIssues.add(`${issueRef.year}-${issueRef.month}`);

        const rendered = renderMarkdown(article.bodyMarkdown);
        const linkable = (c: { publication: string; year: number; month: number; pageFirst: number }) => (knownPubs.has(c.publication.toUpperCase()) ? citePath(c) : null);
        const bodyHtml = linkCitationsInHtml(rendered.bodyHtml, linkable);
        const teaserHtml = linkCitationsInHtml(rendered.teaserHtml, linkable);

        const existing = await trx.selectFrom('articles').select(['id', 'access', 'status', 'published_at']).where('slug', '=', article.slug).executeTakeFirst();
        const access: Access = overrides.access ?? article.access ?? existing?.access ?? 'premium';
        const status: ArticleStatus = overrides.status ?? article.status ?? existing?.status ?? 'published';
        const publishedAt = article.publishedAt
          ? isoDate(article.publishedAt)
          : existing?.published_at ?? (issueRef ? new Date(Date.UTC(issueRef.year, issueRef.month - 1, 1)).toISOString() : now);
        const row = {
          publication_id: pub.id,
          title: article.title,
          dek: article.dek,
          teaser_html: teaserHtml,
          teaser_text: rendered.teaserText,
          word_count: rendered.wordCount,
          access,
          status,
          published_at: publishedAt,
          issue_id: issueId,
          page_first: pageFirst ?? null,
          page_last: pageFirst != null ? (pageLast ?? pageFirst) : null,
          updated_at: now,
        };
        let id: number;
        if (existing) {
          id = existing.id;
          await trx.updateTable('articles').set(row).where('id', '=', id).execute();
          result.updated.push(article.slug);
        } else {
          const ins = await trx.insertInto('articles').values({ ...row, slug: article.slug, created_at: now }).returning('id').executeTakeFirstOrThrow();
          id = ins.id;
          result.created.push(article.slug);
        }
        const body = { body_markdown: article.bodyMarkdown, body_html: bodyHtml, body_text: rendered.text };
        if (existing) await trx.updateTable('article_bodies').set(body).where('article_id', '=', id).execute();
        else await trx.insertInto('article_bodies').values({ article_id: id, ...body }).execute();
        savedIds.push(id);
        await replaceLinks(trx, id, article);
        await trx.deleteFrom('citations').where('article_id', '=', id).execute();
        const citations = findCitations(rendered.text).flatMap((g) => g.citations);
        let position = 0;
        for (const c of citations) {
          await trx.insertInto('citations').values({
            article_id: id, position: position++, text: c.text, publication: c.publication.toUpperCase(),
            year: c.year, month: c.month, page_first: c.pageFirst, page_last: c.pageLast, cited_article_id: null,
          }).execute();
        }
      } catch (err) {
        if (err instanceof InputError && !err.file) throw new InputError(err.message, file, err.line);
        throw err;
      }
    }
    await resolveCitations(trx, touchedIssues, [...result.created, ...result.updated]);
    // The search index changes in the same transaction as the articles.
    await indexArticles(trx, savedIds);
    return result;
  });
}

async function ensureIssue(trx: Kysely<DB>, publicationId: number, ref: IssueRef, now: string): Promise<number> {
  const found = await trx.selectFrom('issues').select('id').where('publication_id', '=', publicationId).where('year', '=', ref.year).where('month', '=', ref.month).executeTakeFirst();
  if (found) return found.id;
  const ins = await trx.insertInto('issues').values({ publication_id: publicationId, year: ref.year, month: ref.month, volume: null, number: null, page_count: null, title: null, created_at: now }).returning('id').executeTakeFirstOrThrow();
  return ins.id;
}

async function upsertNamed(trx: Kysely<DB>, table: 'authors' | 'topics', name: string): Promise<number> {
  const slug = slugify(name);
  const found = await trx.selectFrom(table).select('id').where('slug', '=', slug).executeTakeFirst();
  if (found) return found.id;
  return (await trx.insertInto(table).values({ slug, name: name.trim() }).returning('id').executeTakeFirstOrThrow()).id;
}

async function replaceLinks(trx: Kysely<DB>, articleId: number, a: ImportedArticle): Promise<void> {
  await trx.deleteFrom('article_authors').where('article_id', '=', articleId).execute();
  await trx.deleteFrom('article_topics').where('article_id', '=', articleId).execute();
  await trx.deleteFrom('article_places').where('article_id', '=', articleId).execute();
  await trx.deleteFrom('article_sources').where('article_id', '=', articleId).execute();
  const uniq = (xs: string[]) => [...new Map(xs.filter((x) => x.trim()).map((x) => [slugify(x), x])).values()];
  let i = 0;
  for (const name of uniq(a.authors)) {
    await trx.insertInto('article_authors').values({ article_id: articleId, author_id: await upsertNamed(trx, 'authors', name), position: i++ }).execute();
  }
  i = 0;
  for (const name of uniq(a.topics)) {
    await trx.insertInto('article_topics').values({ article_id: articleId, topic_id: await upsertNamed(trx, 'topics', name), position: i++ }).execute();
  }
  i = 0;
  for (const raw of uniq(a.places)) {
    const p = normalizePlace(raw);
    const slug = slugify(p.name);
    let found = await trx.selectFrom('places').select('id').where('slug', '=', slug).executeTakeFirst();
    if (!found) found = await trx.insertInto('places').values({ slug, name: p.name, kind: p.kind }).returning('id').executeTakeFirstOrThrow();
    await trx.insertInto('article_places').values({ article_id: articleId, place_id: found.id, position: i++ }).execute();
  }
  i = 0;
  for (const s of a.sources) {
    await trx.insertInto('article_sources').values({ article_id: articleId, position: i++, name: s.name, slug: slugify(s.name), url: s.url }).execute();
  }
}

/**
 * Points citations at the article covering the cited page: those of the saved articles, and
 * those elsewhere that cite an issue these articles were placed in.
 */
/** For an UPDATE of `citations`: the id of the article covering the cited page, or null. */
export function citationTarget() {
  return sql<number | null>`(
    select a.id from articles a
    join issues i on i.id = a.issue_id
    join publications p on p.id = i.publication_id
    where upper(p.abbreviation) = citations.publication
      and i.year = citations.year and i.month = citations.month
      and a.page_first <= citations.page_first
      and coalesce(a.page_last, a.page_first) >= citations.page_first
    order by a.page_first desc, a.id asc
    limit 1)`;
}

export async function resolveCitations(trx: Kysely<DB>, touchedIssues: Set<string>, slugs: string[]): Promise<void> {
  const target = citationTarget();
  const chunks: string[][] = [];
  for (let k = 0; k < slugs.length; k += 500) chunks.push(slugs.slice(k, k + 500));
  for (const chunk of chunks) {
    await trx.updateTable('citations').set({ cited_article_id: target })
      .where('article_id', 'in', (eb) => eb.selectFrom('articles').select('id').where('slug', 'in', chunk))
      .execute();
  }
  for (const key of touchedIssues) {
    const [year, month] = key.split('-').map(Number);
    await trx.updateTable('citations').set({ cited_article_id: target }).where('year', '=', year).where('month', '=', month).execute();
  }
}
