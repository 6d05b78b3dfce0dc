import type { ArticleRecord, ArticleSummary, IssueInfo, Named, ArticleLink } from '../domain/article.ts';
import type { Access, Source } from '../domain/types.ts';
import { decideAccess, type Viewer, type AccessDecision, type MeterState } from '../domain/access.ts';
import { formatCitation } from '../domain/citations.ts';

// The one presenter. Every channel (pages, API, feeds, sitemaps, JSON-LD, exports, e-mail)
// renders from an ArticleView, never from an ArticleRecord: gated text is removed here, once.

export interface ArticleView {
  slug: string;
  url: string;
  title: string;
  dek: string | null;
  access: Access;
  publishedAt: string | null;
  updatedAt: string;
  issue: IssueInfo | null;
  pages: { first: number; last: number } | null;
  /** "PLN, Mar. 2025, p.45", or null when the article has no place in print. */
  citation: string | null;
  authors: Named[];
  topics: Named[];
  places: (Named & { kind: 'state' | 'country' })[];
  sources: (Source & { slug: string })[];
  teaserHtml: string;
  teaserText: string;
  /** null unless the viewer may read the article in full. */
  bodyHtml: string | null;
  bodyText: string | null;
  wordCount: number;
  decision: AccessDecision;
  citations: ArticleRecord['citations'];
  citedBy: (ArticleLink & { url: string; citation: string | null })[];
}

export type ArticleSummaryView = Pick<
  ArticleView,
  'slug' | 'url' | 'title' | 'dek' | 'access' | 'publishedAt' | 'updatedAt' | 'issue' | 'pages' | 'citation' | 'teaserHtml' | 'teaserText'
>;

export function articlePath(slug: string): string {
  return `/articles/${encodeURIComponent(slug)}`;
}

export function citationOf(issue: IssueInfo | null, pageFirst: number | null, pageLast: number | null): string | null {
  if (!issue || pageFirst == null) return null;
  return formatCitation({ publication: issue.publication, year: issue.year, month: issue.month, pageFirst, pageLast: pageLast ?? pageFirst });
}

export function presentSummary(a: ArticleSummary): ArticleSummaryView {
  return {
    slug: a.slug,
    url: articlePath(a.slug),
    title: a.title,
    dek: a.dek,
    access: a.access,
    publishedAt: a.publishedAt,
    updatedAt: a.updatedAt,
    issue: a.issue,
    pages: a.pageFirst != null ? { first: a.pageFirst, last: a.pageLast ?? a.pageFirst } : null,
    citation: citationOf(a.issue, a.pageFirst, a.pageLast),
    teaserHtml: a.teaserHtml,
    teaserText: a.teaserText,
  };
}

export function presentArticle(a: ArticleRecord, viewer: Viewer, meter?: MeterState | null): ArticleView {
  const decision = decideAccess(viewer, a, meter);
  return {
    ...presentSummary(a),
    authors: a.authors,
    topics: a.topics,
    places: a.places,
    sources: a.sources,
    bodyHtml: decision.full ? a.bodyHtml : null,
    bodyText: decision.full ? a.bodyText : null,
    wordCount: a.wordCount,
    decision,
    // The citation list is derived from the body: without access, only those the teaser shows.
    citations: decision.full ? a.citations : a.citations.filter((c) => a.teaserText.includes(c.text)),
    citedBy: a.citedBy.map((l) => ({ ...l, url: articlePath(l.slug), citation: citationOf(l.issue, l.pageFirst, l.pageFirst) })),
  };
}
