// The search contract shared by the /search page, GET /api/v1/search, saved searches and alerts.

export type SearchSort = 'relevance' | 'date';

export interface SearchQuery {
  /** What the reader typed: words AND-ed, "phrases", OR, NOT / -word, prefix*. May be empty when filters are given. */
  q: string;
  /** Published on or after this day (YYYY-MM-DD). */
  from?: string;
  /** Published on or before this day (YYYY-MM-DD). */
  to?: string;
  /** Only articles published strictly after this instant (ISO timestamp): for alerts and digests. */
  publishedAfter?: string;
  /** Print issue as YYYY-MM. */
  issue?: string;
  /** Topic slug. */
  topic?: string;
  /** State / country slug (places). */
  state?: string;
  /** Source slug. */
  source?: string;
  access?: 'free' | 'premium';
  sort?: SearchSort;
  /** 1-based. */
  page?: number;
  perPage?: number;
  /** Compute facet counts (default true). */
  facets?: boolean;
}

export interface SearchHit {
  slug: string;
  title: string;
  dek: string | null;
  access: 'free' | 'premium';
  publishedAt: string | null;
  issue: { year: number; month: number } | null;
  pageFirst: number | null;
  /** Safe HTML: escaped text with <mark> around matches; only from what the viewer may read. */
  snippetHtml: string;
  /** True when the words were found only in text the viewer may not read (shown with a note). */
  matchInFullText: boolean;
  /** The title, escaped, with the matched words in <mark>. */
  titleHtml: string;
}

export interface FacetCount { slug: string; name: string; count: number }

export interface SearchResult {
  query: SearchQuery;
  /** Matches; exact when totalExact, else a lower bound ("more than 10,000"). */
  total: number;
  totalExact: boolean;
  /** Sorted by relevance among this many most recent matches (null: among all of them). */
  rankedAmong: number | null;
  hits: SearchHit[];
  /** Facets were counted among this many most recent matches (null: all of them). */
  facetsAmong: number | null;
  facets: { topics: FacetCount[]; states: FacetCount[]; years: { year: number; count: number }[] } | null;
  /** A corrected query when the words look misspelt and found little. */
  didYouMean: string | null;
  /** A message for the reader when the query could not be understood as typed (it is still answered). */
  notice: string | null;
}
