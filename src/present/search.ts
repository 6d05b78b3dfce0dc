// The presenter for search results: what one viewer may see of one matching article. The same
// access rule as the article page (decideAccess) decides; a search never uses up a metered read,
// so metered readers see what anonymous readers see. Snippets of gated articles come only from
// their public parts (title, dek, teaser, authors, sources); when the words are only in the
// gated text, the hit says so and shows the teaser's beginning, never a word of the gated text.
import { decideAccess, type Viewer } from '../domain/access.ts';
import type { SearchHit } from '../search/types.ts';
import { containsAny, markAll, snippet, type Highlight, type TokenCache } from '../search/snippet.ts';

export interface HitRow {
  id: number;
  slug: string;
  title: string;
  dek: string | null;
  access: 'free' | 'premium';
  published_at: string | null;
  issue_year: number | null;
  issue_month: number | null;
  page_first: number | null;
  teaser_text: string;
  authors: string[];
  sources: string[];
  /** Loaded only for articles the viewer may read in full; never read otherwise. */
  body_text: string | null;
}

/** Whether this viewer may see snippets from the article's full text. */
export function mayReadFullText(viewer: Viewer, article: { access: 'free' | 'premium' }): boolean {
  return decideAccess(viewer, article, null).full;
}

export function presentSearchHit(row: HitRow, viewer: Viewer, h: Highlight & { clauses: Highlight[] }): SearchHit {
  const full = mayReadFullText(viewer, row);
  const publicText = [row.dek ?? '', row.teaser_text].filter(Boolean).join(' ');
  // Whether the public parts alone explain the match: every required word (or one of its
  // alternatives) is in them. Otherwise some of it is in the gated text, and the hit says so.
  const publicAll = [row.title, publicText, row.authors.join(' · '), row.sources.join(' · ')];
  const cache: TokenCache = new Map();
  const inPublic = h.clauses.every((c) => publicAll.some((part) => containsAny(part, c, cache)));
  let snip: { html: string; matched: boolean } | null = null;
  if (full && row.body_text) snip = snippet(row.body_text, h);
  if (!snip || !snip.matched) {
    const pub = snippet(publicText, h);
    if (pub && (pub.matched || !snip)) snip = pub;
  }
  if (!snip?.matched && publicAll.some((part) => containsAny(part, h, cache))) {
    const meta = snippet([...row.authors, ...row.sources].join(' · '), h);
    if (meta?.matched) snip = meta;
  }
  return {
    slug: row.slug,
    title: row.title,
    titleHtml: markAll(row.title, h, cache),
    dek: row.dek,
    access: row.access,
    publishedAt: row.published_at,
    issue: row.issue_year != null && row.issue_month != null ? { year: row.issue_year, month: row.issue_month } : null,
    pageFirst: row.page_first,
    snippetHtml: snip?.html ?? '',
    matchInFullText: !full && !inPublic && h.clauses.length > 0,
  };
}
