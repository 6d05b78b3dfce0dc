// Tables of migration 0009_office (src/store/migrations-office.ts).

export interface SubscriberProfileTable {
  user_id: number;
  notes: string | null;
  prisoner_number: string | null;
  facility: string | null;
  address_line1: string | null;
  address_line2: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  country: string | null;
  updated_at: string;
}

export interface ArticleViewTable {
  article_id: number;
  /** 'YYYY-MM-DD' (UTC). */
  day: string;
  views: number;
}

export interface OfficeTables {
  subscriber_profiles: SubscriberProfileTable;
  article_views: ArticleViewTable;
}
