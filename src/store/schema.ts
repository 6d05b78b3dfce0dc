import type { Generated } from 'kysely';
import type { SearchTables } from './schema-search.ts';
import type { NewsroomTables } from './schema-newsroom.ts';
import type { MailTables } from './schema-mail.ts';
import type { OpsTables } from './schema-ops.ts';
import type { LintTables } from './schema-lint.ts';
import type { OfficeTables } from './schema-office.ts';

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
  pdf_file_id: number | null;
  cover_file_id: number | null;
}

export interface FileTable {
  id: Generated<number>;
  kind: string;
  content_type: string;
  size: number;
  sha256: string;
  content: Buffer;
  created_at: string;
}

export interface DownloadTable {
  id: Generated<number>;
  user_id: number | null;
  institution_id: number | null;
  kind: string;
  ref: string;
  day: string;
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

export type Role = 'reader' | 'editor' | 'admin';
export type Plan = 'digital' | 'print-digital';
export type RateClass = 'prisoner' | 'individual' | 'professional' | 'institutional';
export type EntitlementSource = 'admin' | 'gift' | 'payment' | 'import';

export interface UserTable {
  id: Generated<number>;
  email: string;
  name: string | null;
  password_hash: string | null;
  role: Role;
  rate_class: RateClass | null;
  email_verified_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface SessionTable {
  id: Generated<number>;
  token_hash: string;
  user_id: number;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  user_agent: string | null;
  ip: string | null;
}

export interface AuthTokenTable {
  id: Generated<number>;
  token_hash: string;
  purpose: 'signin' | 'reset' | 'email_change';
  user_id: number;
  new_email: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface EntitlementTable {
  id: Generated<number>;
  user_id: number;
  plan: Plan;
  starts_at: string;
  ends_at: string;
  source: EntitlementSource;
  note: string | null;
  external_ref: string | null;
  created_at: string;
  revoked_at: string | null;
}

export interface GiftCodeTable {
  id: Generated<number>;
  code_hash: string;
  plan: Plan;
  days: number;
  note: string | null;
  created_at: string;
  redeemed_by: number | null;
  redeemed_at: string | null;
}

export interface ApiTokenTable {
  id: Generated<number>;
  user_id: number;
  token_hash: string;
  kind: 'api' | 'feed';
  name: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface MeterReadTable {
  user_id: number;
  period: string;
  article_id: number;
  read_at: string;
}

export interface InstitutionTable {
  id: Generated<number>;
  name: string;
  note: string | null;
  active: Generated<number>;
  created_at: string;
}

export interface InstitutionRangeTable {
  id: Generated<number>;
  institution_id: number;
  first_ip: string;
  last_ip: string;
  label: string;
}

export interface InstitutionUsageTable {
  institution_id: number;
  period: string;
  views: number;
}

export interface RateLimitTable {
  bucket: string;
  window_start: number;
  hits: number;
}

export interface DB extends SearchTables, NewsroomTables, MailTables, OpsTables, LintTables, OfficeTables {
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
  content_version: { id: number; version: number };
  users: UserTable;
  sessions: SessionTable;
  auth_tokens: AuthTokenTable;
  entitlements: EntitlementTable;
  gift_codes: GiftCodeTable;
  api_tokens: ApiTokenTable;
  meter_reads: MeterReadTable;
  institutions: InstitutionTable;
  institution_ranges: InstitutionRangeTable;
  institution_usage: InstitutionUsageTable;
  rate_limits: RateLimitTable;
  payment_events: { id: string; type: string; processed_at: string };
  settings: { key: string; value: string };
  files: FileTable;
  downloads: DownloadTable;
}
