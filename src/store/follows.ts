import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import type { DB } from './schema.ts';
import type { Frequency, FollowKind, FollowTable } from './schema-mail.ts';
import type { SearchQuery } from '../search/types.ts';

// Follows (saved searches and followed topics, states and sources), readers' mail preferences
// and suppressed addresses.

export type { Frequency, FollowKind };
export const FREQUENCIES: Frequency[] = ['immediately', 'daily', 'weekly', 'off'];
export const MAX_FOLLOWS_PER_READER = 50;

/** The part of a SearchQuery a follow keeps: what to match, not how to page or sort. */
export type SavedQuery = Pick<SearchQuery, 'q' | 'from' | 'to' | 'issue' | 'topic' | 'state' | 'source' | 'access'>;

const slug = z.string().trim().toLowerCase().regex(/^[a-z0-9][a-z0-9-]{0,99}$/, 'is not a valid name in the archive');
const day = z.string().trim().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'is not a date');
const emptyAsUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const savedQuerySchema = z.object({
  q: z.preprocess((v) => (v == null ? '' : v), z.string().max(300, 'is longer than 300 characters')).transform((s) => s.replace(/\s+/g, ' ').trim()),
  from: z.preprocess(emptyAsUndefined, day.optional()),
  to: z.preprocess(emptyAsUndefined, day.optional()),
  issue: z.preprocess(emptyAsUndefined, z.string().trim().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month as YYYY-MM').optional()),
  topic: z.preprocess(emptyAsUndefined, slug.optional()),
  state: z.preprocess(emptyAsUndefined, slug.optional()),
  source: z.preprocess(emptyAsUndefined, slug.optional()),
  access: z.preprocess(emptyAsUndefined, z.enum(['free', 'premium'], { message: 'must be free or premium' }).optional()),
});

const FIELD_NAMES: Record<string, string> = { q: 'The search words', from: 'The start date', to: 'The end date', issue: 'The issue', topic: 'The topic', state: 'The state', source: 'The source', access: 'The access filter' };

/** A saved query from form or query-string fields, or a message saying what is wrong. */
export function parseSavedQuery(input: Record<string, unknown>): { ok: true; query: SavedQuery } | { ok: false; error: string } {
  const r = savedQuerySchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = String(issue.path[0] ?? 'q');
    return { ok: false, error: `${FIELD_NAMES[field] ?? field} ${issue.message}.` };
  }
  const q = r.data;
  if (!q.q && !q.topic && !q.state && !q.source && !q.issue && !q.access && !q.from && !q.to) {
    return { ok: false, error: 'A saved search needs search words or at least one filter.' };
  }
  if (q.from && q.to && q.from > q.to) return { ok: false, error: 'The start date is after the end date.' };
  // Fixed key order: the same search saved twice is the same follow.
  const out: SavedQuery = { q: q.q };
  for (const k of ['from', 'to', 'issue', 'topic', 'state', 'source', 'access'] as const) if (q[k]) (out as Record<string, string>)[k] = q[k]!;
  return { ok: true, query: out };
}

export function followKind(q: SavedQuery): FollowKind {
  const filters = (['from', 'to', 'issue', 'access'] as const).filter((k) => q[k]);
  const terms = (['topic', 'state', 'source'] as const).filter((k) => q[k]);
  if (!q.q && !filters.length && terms.length === 1) return terms[0];
  return 'search';
}

/**
 * The period a daily or weekly digest belongs to: the UTC day ("2025-05-01") or ISO week
 * ("2025-W18") of `at` shifted back by `digestHour` hours, so a day's digest goes out after that
 * hour. Immediate (and switched-off) follows have no period.
 */
export function periodKey(frequency: Frequency, at: Date, digestHour = 0): string {
  const t = new Date(at.getTime() - digestHour * 3600_000);
  if (frequency === 'daily') return t.toISOString().slice(0, 10);
  if (frequency === 'weekly') {
    const d = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
    const dow = d.getUTCDay() || 7;
    d.setUTCDate(d.getUTCDate() + 4 - dow);
    const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
    const week = Math.ceil(((d.getTime() - yearStart) / 86400_000 + 1) / 7);
    return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
  }
  return '';
}

export interface Follow {
  id: number;
  userId: number;
  kind: FollowKind;
  query: SavedQuery;
  label: string;
  frequency: Frequency;
  createdAt: string;
  cursorAt: string;
  lastPeriod: string;
}

export function toFollow(r: Selectable<FollowTable>): Follow {
  return {
    id: r.id, userId: r.user_id, kind: r.kind, query: JSON.parse(r.query) as SavedQuery, label: r.label, frequency: r.frequency,
    createdAt: r.created_at, cursorAt: r.cursor_at, lastPeriod: r.last_period,
  };
}

export async function listFollows(db: Kysely<DB>, userId: number): Promise<Follow[]> {
  const rows = await db.selectFrom('follows').selectAll().where('user_id', '=', userId).orderBy('id').execute();
  return rows.map(toFollow);
}

export async function getFollow(db: Kysely<DB>, id: number): Promise<Follow | null> {
  const r = await db.selectFrom('follows').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toFollow(r) : null;
}

/**
 * Follows a saved query. Following the same query again changes its frequency (one follow per
 * query and reader). New articles count from now on: the first digest holds none from before.
 */
export async function createFollow(
  db: Kysely<DB>, userId: number, f: { query: SavedQuery; label: string; frequency: Frequency }, opts: { now?: Date; digestHour?: number } = {},
): Promise<{ ok: true; id: number; created: boolean } | { ok: false; error: string }> {
  const now = opts.now ?? new Date();
  const iso = now.toISOString();
  const key = JSON.stringify(f.query);
  const run = <T>(fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> => (db.isTransaction ? fn(db) : db.transaction().execute(fn));
  return run(async (trx) => {
    const existing = await trx.selectFrom('follows').select(['id', 'frequency']).where('user_id', '=', userId).where('query', '=', key).executeTakeFirst();
    if (existing) {
      if (existing.frequency !== f.frequency) await setFollowFrequency(trx, userId, existing.id, f.frequency, opts);
      return { ok: true as const, id: existing.id, created: false };
    }
    const count = await trx.selectFrom('follows').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
    if (Number(count.n) >= MAX_FOLLOWS_PER_READER) {
      return { ok: false as const, error: `You follow ${MAX_FOLLOWS_PER_READER} searches and subjects already; stop following one before adding another.` };
    }
    const row = await trx.insertInto('follows').values({
      user_id: userId, kind: followKind(f.query), query: key, label: f.label.slice(0, 200), frequency: f.frequency,
      created_at: iso, updated_at: iso, cursor_at: iso, last_period: periodKey(f.frequency, now, opts.digestHour),
    }).onConflict((oc) => oc.columns(['user_id', 'query']).doNothing()).returning('id').executeTakeFirst();
    if (!row) {
      // Saved at the same moment by another request.
      const again = await trx.selectFrom('follows').select('id').where('user_id', '=', userId).where('query', '=', key).executeTakeFirstOrThrow();
      return { ok: true as const, id: again.id, created: false };
    }
    return { ok: true as const, id: row.id, created: true };
  });
}

/**
 * Changes how often a follow is mailed. The current period counts as done for the new frequency,
 * so switching from daily to weekly does not send a weekly digest at once.
 */
export async function setFollowFrequency(db: Kysely<DB>, userId: number, followId: number, frequency: Frequency, opts: { now?: Date; digestHour?: number } = {}): Promise<boolean> {
  const now = opts.now ?? new Date();
  const r = await db.updateTable('follows')
    .set({ frequency, last_period: periodKey(frequency, now, opts.digestHour), updated_at: now.toISOString() })
    .where('id', '=', followId).where('user_id', '=', userId).where('frequency', '!=', frequency)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deleteFollow(db: Kysely<DB>, userId: number, followId: number): Promise<boolean> {
  const r = await db.deleteFrom('follows').where('id', '=', followId).where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

// ---------------------------------------------------------------- preferences

export interface MailPrefs {
  issueMail: boolean;
  plainText: boolean;
  /** Reminders before the subscription ends. */
  renewalMail: boolean;
}

export const DEFAULT_PREFS: MailPrefs = { issueMail: true, plainText: false, renewalMail: true };

export async function getMailPrefs(db: Kysely<DB>, userId: number): Promise<MailPrefs> {
  const r = await db.selectFrom('mail_prefs').select(['issue_mail', 'plain_text', 'renewal_mail']).where('user_id', '=', userId).executeTakeFirst();
  return r ? { issueMail: Boolean(r.issue_mail), plainText: Boolean(r.plain_text), renewalMail: Boolean(r.renewal_mail) } : { ...DEFAULT_PREFS };
}

export async function setMailPrefs(db: Kysely<DB>, userId: number, set: Partial<MailPrefs>): Promise<MailPrefs> {
  const now = new Date().toISOString();
  const values: { issue_mail?: number; plain_text?: number; renewal_mail?: number } = {};
  if (set.issueMail !== undefined) values.issue_mail = set.issueMail ? 1 : 0;
  if (set.plainText !== undefined) values.plain_text = set.plainText ? 1 : 0;
  if (set.renewalMail !== undefined) values.renewal_mail = set.renewalMail ? 1 : 0;
  await db.insertInto('mail_prefs')
    .values({ user_id: userId, issue_mail: values.issue_mail ?? 1, plain_text: values.plain_text ?? 0, renewal_mail: values.renewal_mail ?? 1, updated_at: now })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ ...values, updated_at: now }))
    .execute();
  return getMailPrefs(db, userId);
}

// ---------------------------------------------------------------- suppressed addresses

export function normalizeAddress(address: string): string {
  return address.trim().toLowerCase();
}

export async function isSuppressed(db: Kysely<DB>, address: string): Promise<boolean> {
  return Boolean(await db.selectFrom('mail_suppressions').select('address').where('address', '=', normalizeAddress(address)).executeTakeFirst());
}

export async function suppressAddress(db: Kysely<DB>, address: string, reason: string): Promise<void> {
  await db.insertInto('mail_suppressions').values({ address: normalizeAddress(address), reason: reason.slice(0, 500), created_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('address').doNothing()).execute();
}

export async function unsuppressAddress(db: Kysely<DB>, address: string): Promise<boolean> {
  const r = await db.deleteFrom('mail_suppressions').where('address', '=', normalizeAddress(address)).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
