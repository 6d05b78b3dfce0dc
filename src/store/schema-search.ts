// Tables of migration 0004_search.

export interface SearchDocTable {
  /** Publication-time order key: ceil(seconds) × 2^20 + article id (see src/search/documents.ts). */
  key: number;
  article_id: number;
  year: number;
  /** Topic and place ids ("t12 p3"), for facet counts. */
  facets: string;
  title_terms: string;
  lead_terms: string;
}

export interface SearchTables {
  search_docs: SearchDocTable;
  /** Stems of the archive with one word that has them and how many articles use them: "did you mean". */
  search_lexicon: { term: string; word: string; df: number };
  /** Searches that found nothing, for editors: the normalised query only, no personal data. */
  search_misses: { query: string; count: number; last_at: string };
}
