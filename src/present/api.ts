import type { ArticleView, ArticleSummaryView } from './article.ts';
import type { Site } from '../web/views/layout.tsx';

// JSON shapes of the public API (PRODUCT.md names these fields; keep them).

function issueJson(v: ArticleSummaryView) {
  return v.issue ? { year: v.issue.year, month: v.issue.month, volume: v.issue.volume, number: v.issue.number } : null;
}

export function summaryJson(v: ArticleSummaryView, site: Site) {
  return {
    slug: v.slug,
    url: site.baseUrl + v.url,
    title: v.title,
    dek: v.dek,
    access: v.access,
    published_at: v.publishedAt,
    updated_at: v.updatedAt,
    issue: issueJson(v),
    pages: v.pages,
    citation: v.citation,
    teaser_html: v.teaserHtml,
  };
}

export function articleJson(v: ArticleView, site: Site) {
  return {
    ...summaryJson(v, site),
    authors: v.authors.map((a) => a.name),
    topics: v.topics.map((t) => t.name),
    places: v.places.map((p) => p.name),
    sources: v.sources.map((s) => ({ name: s.name, url: s.url })),
    citations: v.citations.map((c) => ({
      text: c.text, publication: c.publication, year: c.year, month: c.month, page: c.pageFirst,
      article_slug: c.cited?.slug ?? null,
    })),
    cited_by: v.citedBy.map((c) => ({ slug: c.slug, title: c.title, url: site.baseUrl + c.url })),
    word_count: v.wordCount,
    full_text: v.bodyHtml !== null,
    body_html: v.bodyHtml,
  };
}
