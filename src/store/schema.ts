import type { Generated } from 'kysely';

// Row types as stored. Timestamps are ISO-8601 UTC strings on both databases, so they sort
// and compare the same way in SQLite and PostgreSQL.

export interface PublicationTable {
  id: Generated<number>;
  slug: string;
  name: string;
  abbreviation: string;
  issn: string | null;
  description: string | null;
  created_at: string;
}

export interface IssueTable {
  id: Generated<number>;
  publication_id: number;
  year: number;
  month: number;
  volume: number | null;
  number: number | null;
  page_count: number | null;
  title: string | null;
  created_at: string;
}

export interface ArticleTable {
  id: Generated<number>;
  publication_id: number;
  slug: string;
  title: string;
  dek: string | null;
  teaser_html: string;
  teaser_text: string;
  word_count: number;
  access: 'free' | 'premium';
  status: 'draft' | 'scheduled' | 'published';
  published_at: string | null;
  issue_id: number | null;
  page_first: number | null;
  page_last: number | null;
  created_at: string;
  updated_at: string;
}

/** The body, apart from the article row, so that lists and counts never read it. */
export interface ArticleBodyTable {
  article_id: number;
  body_markdown: string;
  body_html: string;
  body_text: string;
}

export interface NamedTable {
  id: Generated<number>;
  slug: string;
  name: string;
}

export interface PlaceTable extends NamedTable {
  kind: 'state' | 'country';
}

export interface ArticleLinkTable {
  article_id: number;
  position: number;
}

export interface ArticleSourceTable {
  article_id: number;
  position: number;
  name: string;
  slug: string;
  url: string | null;
}

export interface CitationTable {
  id: Generated<number>;
  article_id: number;
  position: number;
  text: string;
  publication: string;
  year: number;
  month: number;
  page_first: number;
  page_last: number;
  cited_article_id: number | null;
}

export interface DB {
  publications: PublicationTable;
  issues: IssueTable;
  articles: ArticleTable;
  article_bodies: ArticleBodyTable;
  authors: NamedTable;
  topics: NamedTable;
  places: PlaceTable;
  article_authors: ArticleLinkTable & { author_id: number };
  article_topics: ArticleLinkTable & { topic_id: number };
  article_places: ArticleLinkTable & { place_id: number };
  article_sources: ArticleSourceTable;
  citations: CitationTable;
}
