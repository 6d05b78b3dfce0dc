import type { Access, ArticleStatus, ImportedArticle, Source } from './types.ts';

// The article as the store hands it out: the whole row, including gated text. Only the
// presenter (src/present/article.ts) may turn it into something a viewer sees.

export interface Named {
  slug: string;
  name: string;
}

export interface IssueInfo {
  year: number;
  month: number;
  volume: number | null;
  number: number | null;
  publication: string;
}

export interface CitationRecord {
  text: string;
  publication: string;
  year: number;
  month: number;
  pageFirst: number;
  pageLast: number;
  cited: { slug: string; title: string } | null;
}

export interface ArticleLink {
  slug: string;
  title: string;
  issue: IssueInfo | null;
  pageFirst: number | null;
}

export interface ArticleRecord {
  id: number;
  slug: string;
  title: string;
  dek: string | null;
  bodyHtml: string;
  bodyText: string;
  bodyMarkdown: string;
  teaserHtml: string;
  teaserText: string;
  wordCount: number;
  access: Access;
  status: ArticleStatus;
  publishedAt: string | null;
  updatedAt: string;
  issue: IssueInfo | null;
  pageFirst: number | null;
  pageLast: number | null;
  authors: Named[];
  topics: Named[];
  places: (Named & { kind: 'state' | 'country' })[];
  sources: (Source & { slug: string })[];
  citations: CitationRecord[];
  citedBy: ArticleLink[];
}

/** What lists (home, issue contents, topic pages, feeds) need: no body. */
export interface ArticleSummary {
  id: number;
  slug: string;
  title: string;
  dek: string | null;
  teaserHtml: string;
  teaserText: string;
  access: Access;
  publishedAt: string | null;
  updatedAt: string;
  issue: IssueInfo | null;
  pageFirst: number | null;
  pageLast: number | null;
}

/** A stored article in the importers' shape (what a save writes): for the editor and the editorial checks. */
export function importedFromRecord(r: ArticleRecord): ImportedArticle {
  return {
    slug: r.slug,
    title: r.title,
    dek: r.dek,
    bodyMarkdown: r.bodyMarkdown,
    authors: r.authors.map((x) => x.name),
    topics: r.topics.map((x) => x.name),
    places: r.places.map((x) => x.name),
    sources: r.sources.map((s) => ({ name: s.name, url: s.url })),
    access: r.access,
    status: r.status,
    publishedAt: r.publishedAt,
    issue: r.issue ? { year: r.issue.year, month: r.issue.month } : null,
    pageFirst: r.pageFirst,
    pageLast: r.pageLast,
  };
}
