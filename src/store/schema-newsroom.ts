import type { Generated } from 'kysely';

// Tables of migration 0005_newsroom (src/store/migrations-newsroom.ts).

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  user_id: number | null;
  user_email: string;
  action: string;
  entity: string;
  entity_id: string | null;
  before_json: string | null;
  after_json: string | null;
  ip: string | null;
}

export interface ArticleRevisionTable {
  id: Generated<number>;
  article_id: number;
  created_at: string;
  user_id: number | null;
  user_email: string;
  note: string;
  /** JSON of an EditableArticle (src/store/newsroom.ts). */
  snapshot: string;
}

export interface UserTotpTable {
  user_id: number;
  secret: string;
  created_at: string;
  enabled_at: string | null;
  /** bigint: PostgreSQL hands it back as a string. */
  last_step: number | string | null;
}

export interface SessionMfaTable {
  session_id: number;
  verified_at: string;
}

export interface UserRecoveryCodeTable {
  user_id: number;
  /** sha256 of "user id:code" (the codes are random, 50 bits each). */
  code_hash: string;
  created_at: string;
  used_at: string | null;
}

export interface NewsroomTables {
  audit_log: AuditLogTable;
  article_revisions: ArticleRevisionTable;
  user_totp: UserTotpTable;
  session_mfa: SessionMfaTable;
  user_recovery_codes: UserRecoveryCodeTable;
}
