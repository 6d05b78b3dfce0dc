import type { Generated } from 'kysely';

// Tables of migration 0006_mail.

export type Frequency = 'immediately' | 'daily' | 'weekly' | 'off';
export type FollowKind = 'search' | 'topic' | 'state' | 'source';
export type MailStatus = 'queued' | 'sent' | 'failed' | 'bounced' | 'skipped' | 'unknown';

export interface MailPrefsTable {
  user_id: number;
  issue_mail: Generated<number>;
  plain_text: Generated<number>;
  /** Reminders before the subscription ends (0: turned off). */
  renewal_mail: Generated<number>;
  updated_at: string;
}

export interface FollowTable {
  id: Generated<number>;
  user_id: number;
  kind: FollowKind;
  /** The saved SearchQuery as normalised JSON. */
  query: string;
  label: string;
  frequency: Frequency;
  created_at: string;
  updated_at: string;
  cursor_at: string;
  last_period: string;
}

export interface FollowSentTable {
  follow_id: number;
  article_id: number;
  sent_at: string;
}

export interface MailContentTable {
  id: Generated<number>;
  key: string;
  payload: string;
  created_at: string;
}

export interface MailQueueTable {
  id: Generated<number>;
  idem_key: string;
  kind: string;
  user_id: number | null;
  follow_id: number | null;
  to_address: string;
  content_id: number | null;
  payload: string | null;
  status: MailStatus;
  attempts: Generated<number>;
  next_attempt_at: string;
  locked_by: string | null;
  locked_until: string | null;
  data_at: string | null;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface MailTables {
  mail_prefs: MailPrefsTable;
  follows: FollowTable;
  follow_sent: FollowSentTable;
  mail_contents: MailContentTable;
  mail_queue: MailQueueTable;
  mail_suppressions: { address: string; reason: string; created_at: string };
  mail_throttle: { id: number; next_at: number };
}
