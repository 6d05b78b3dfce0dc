import crypto from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.ts';
import { isSealed, keyId, open, seal, sealedWith } from '../auth/sealing.ts';

// The newsroom's own tables: audit log, two-factor sign-in, article revisions.

// ---------------------------------------------------------------- audit log

export interface AuditEntry {
  userId: number | null;
  userEmail: string;
  action: string;
  entity: string;
  entityId: string | number | null;
  before: unknown;
  after: unknown;
  ip: string | null;
}

/** JSON for the log: undefined and null are stored as SQL null; anything else as JSON text. */
function json(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x instanceof Buffer ? `[${x.length} bytes]` : x));
}

export async function writeAudit(db: Kysely<DB>, e: AuditEntry, at = new Date().toISOString()): Promise<void> {
  await db.insertInto('audit_log').values({
    at, user_id: e.userId, user_email: e.userEmail, action: e.action.slice(0, 200), entity: e.entity.slice(0, 200),
    entity_id: e.entityId === null ? null : String(e.entityId), before_json: json(e.before), after_json: json(e.after), ip: e.ip,
  }).execute();
}

export interface AuditRow {
  id: number;
  at: string;
  userEmail: string;
  action: string;
  entity: string;
  entityId: string | null;
  before: string | null;
  after: string | null;
  ip: string | null;
}

export async function listAudit(db: Kysely<DB>, opts: { limit: number; offset: number; entity?: string; entityId?: string; action?: string; user?: string }): Promise<{ items: AuditRow[]; total: number }> {
  let q = db.selectFrom('audit_log');
  if (opts.entity) q = q.where('entity', '=', opts.entity);
  if (opts.entityId) q = q.where('entity_id', '=', opts.entityId);
  if (opts.action) q = q.where('action', '=', opts.action);
  if (opts.user) q = q.where('user_email', '=', opts.user.trim().toLowerCase());
  const [rows, total] = await Promise.all([
    q.select(['id', 'at', 'user_email', 'action', 'entity', 'entity_id', 'before_json', 'after_json', 'ip']).orderBy('id', 'desc').limit(opts.limit).offset(opts.offset).execute(),
    q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    items: rows.map((r) => ({ id: r.id, at: r.at, userEmail: r.user_email, action: r.action, entity: r.entity, entityId: r.entity_id, before: r.before_json, after: r.after_json, ip: r.ip })),
    total: Number(total.n),
  };
}

// ---------------------------------------------------------------- two-factor sign-in (TOTP)

export interface TotpRow {
  /** The key (base32), or null when it is sealed and TOTP_KEY cannot open it (see `problem`). */
  secret: string | null;
  problem: 'no-key' | 'wrong-key' | null;
  enabledAt: string | null;
  lastStep: number | null;
}

/** A user's two-factor key, opened with the TOTP_KEY keys when it is sealed. */
export async function getTotp(db: Kysely<DB>, userId: number, keys: Buffer[]): Promise<TotpRow | null> {
  const r = await db.selectFrom('user_totp').select(['secret', 'enabled_at', 'last_step']).where('user_id', '=', userId).executeTakeFirst();
  if (!r) return null;
  const opened = open(keys, r.secret, totpContext(userId));
  return { secret: opened.ok ? opened.value : null, problem: opened.ok ? null : opened.problem, enabledAt: r.enabled_at, lastStep: r.last_step === null ? null : Number(r.last_step) };
}

function totpContext(userId: number): string {
  return `user_totp:${userId}`;
}

/** Starts (or restarts) an enrolment: a new secret that is not in force until a code confirms it. Never replaces one in force. */
export async function startTotpEnrolment(db: Kysely<DB>, userId: number, secret: string, keys: Buffer[]): Promise<boolean> {
  const now = new Date().toISOString();
  const stored = keys.length ? seal(keys[0], secret, totpContext(userId)) : secret;
  return db.transaction().execute(async (trx) => {
    const cur = await trx.selectFrom('user_totp').select('enabled_at').where('user_id', '=', userId).executeTakeFirst();
    if (cur?.enabled_at) return false;
    if (cur) await trx.updateTable('user_totp').set({ secret: stored, created_at: now, last_step: null }).where('user_id', '=', userId).execute();
    else await trx.insertInto('user_totp').values({ user_id: userId, secret: stored, created_at: now, enabled_at: null, last_step: null }).execute();
    return true;
  });
}

export interface SealReport {
  /** Keys that were in the clear and are now sealed. */
  sealed: number;
  /** Keys sealed with an older TOTP_KEY key, now sealed with the first. */
  resealed: number;
  /** Sealed keys that TOTP_KEY cannot open (missing or wrong key): their owners need recovery codes or a reset. */
  unreadable: number;
}

/**
 * Brings every stored two-factor key under the first TOTP_KEY key (run by `masthead serve` at
 * start). Each row is changed only if it still holds what was read, so instances starting
 * together, or an enrolment at the same moment, lose nothing. Without keys nothing changes.
 */
export async function sealTotpSecrets(db: Kysely<DB>, keys: Buffer[]): Promise<SealReport> {
  const report: SealReport = { sealed: 0, resealed: 0, unreadable: 0 };
  const rows = await db.selectFrom('user_totp').select(['user_id', 'secret']).execute();
  for (const r of rows) {
    const userId = Number(r.user_id);
    const opened = open(keys, r.secret, totpContext(userId));
    if (!opened.ok) {
      report.unreadable++;
      continue;
    }
    if (keys.length === 0 || sealedWith(r.secret) === keyId(keys[0])) continue;
    const res = await db.updateTable('user_totp').set({ secret: seal(keys[0], opened.value, totpContext(userId)) })
      .where('user_id', '=', userId).where('secret', '=', r.secret).executeTakeFirst();
    if (Number(res.numUpdatedRows) === 1) report[isSealed(r.secret) ? 'resealed' : 'sealed']++;
  }
  return report;
}

/**
 * Accepts a time step once: records it as used when it is later than every step used before.
 * Two requests racing with the same code: one wins.
 */
export async function useTotpStep(db: Kysely<DB>, userId: number, step: number, enable = false): Promise<boolean> {
  const set: { last_step: number; enabled_at?: string } = { last_step: step };
  if (enable) set.enabled_at = new Date().toISOString();
  const r = await db.updateTable('user_totp').set(set)
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
    .where('enabled_at', enable ? 'is' : 'is not', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Turns TOTP off for a user (and its recovery codes); every session of theirs must pass the second factor again. */
export async function removeTotp(db: Kysely<DB>, userId: number): Promise<void> {
  await db.deleteFrom('user_totp').where('user_id', '=', userId).execute();
  await db.deleteFrom('user_recovery_codes').where('user_id', '=', userId).execute();
  await db.deleteFrom('session_mfa').where('session_id', 'in', (eb) => eb.selectFrom('sessions').select('id').where('user_id', '=', userId)).execute();
}

// Recovery codes: ten random codes of ten letters and digits ("k7m2p-q9xr4"), shown once, each
// good for one sign-in instead of a code from the phone. Only their hashes are kept.

export const RECOVERY_CODES = 10;
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'; // no 0/o, 1/l/i

const recoveryHash = (userId: number, code: string) => crypto.createHash('sha256').update(`${userId}:${code}`).digest('hex');

/** "K7M2P Q9XR4", "k7m2p-q9xr4" → "k7m2pq9xr4"; anything else → null. */
export function normalizeRecoveryCode(code: unknown): string | null {
  if (typeof code !== 'string' || code.length > 40) return null;
  const c = code.toLowerCase().replace(/[\s-]/g, '');
  return c.length === 10 && [...c].every((ch) => RECOVERY_ALPHABET.includes(ch)) ? c : null;
}

/** New codes for a user, replacing any before (in the caller's transaction when given one); returned for showing once. */
export async function replaceRecoveryCodes(db: Kysely<DB>, userId: number): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODES }, () => {
    const c = Array.from({ length: 10 }, () => RECOVERY_ALPHABET[crypto.randomInt(RECOVERY_ALPHABET.length)]).join('');
    return `${c.slice(0, 5)}-${c.slice(5)}`;
  });
  const now = new Date().toISOString();
  await db.deleteFrom('user_recovery_codes').where('user_id', '=', userId).execute();
  await db.insertInto('user_recovery_codes').values(codes.map((c) => ({ user_id: userId, code_hash: recoveryHash(userId, normalizeRecoveryCode(c)!), created_at: now, used_at: null }))).execute();
  return codes;
}

/** Uses up a recovery code: true once per code (two requests racing with it: one wins). */
export async function useRecoveryCode(db: Kysely<DB>, userId: number, code: unknown): Promise<boolean> {
  const c = normalizeRecoveryCode(code);
  if (!c) return false;
  const r = await db.updateTable('user_recovery_codes').set({ used_at: new Date().toISOString() })
    .where('user_id', '=', userId).where('code_hash', '=', recoveryHash(userId, c)).where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** How many recovery codes a user has, and how many are still unused. */
export async function recoveryCodesLeft(db: Kysely<DB>, userId: number): Promise<{ total: number; unused: number }> {
  const rows = await db.selectFrom('user_recovery_codes').select('used_at').where('user_id', '=', userId).execute();
  return { total: rows.length, unused: rows.filter((r) => r.used_at === null).length };
}

export async function markSessionVerified(db: Kysely<DB>, sessionId: number): Promise<void> {
  const now = new Date().toISOString();
  await db.insertInto('session_mfa').values({ session_id: sessionId, verified_at: now })
    .onConflict((oc) => oc.column('session_id').doUpdateSet({ verified_at: now })).execute();
}

/** What the admin gate needs about a user and session, in one query. */
export async function staffFactors(db: Kysely<DB>, userId: number, sessionId: number): Promise<{ totpEnabled: boolean; verifiedAt: string | null }> {
  const r = await db.selectFrom('users')
    .leftJoin('user_totp', 'user_totp.user_id', 'users.id')
    .leftJoin('session_mfa', (j) => j.on('session_mfa.session_id', '=', sessionId))
    .select(['user_totp.enabled_at', 'session_mfa.verified_at'])
    .where('users.id', '=', userId)
    .executeTakeFirst();
  return { totpEnabled: Boolean(r?.enabled_at), verifiedAt: r?.verified_at ?? null };
}

// ---------------------------------------------------------------- article revisions

export interface RevisionRow {
  id: number;
  articleId: number;
  createdAt: string;
  userEmail: string;
  note: string;
  snapshot: string;
}

export async function addRevision(db: Kysely<DB>, r: { articleId: number; userId: number | null; userEmail: string; note: string; snapshot: unknown }): Promise<number> {
  const row = await db.insertInto('article_revisions').values({
    article_id: r.articleId, created_at: new Date().toISOString(), user_id: r.userId, user_email: r.userEmail, note: r.note.slice(0, 500), snapshot: JSON.stringify(r.snapshot),
  }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function listRevisions(db: Kysely<DB>, articleId: number): Promise<Omit<RevisionRow, 'snapshot'>[]> {
  const rows = await db.selectFrom('article_revisions').select(['id', 'article_id', 'created_at', 'user_email', 'note'])
    .where('article_id', '=', articleId).orderBy('id', 'desc').execute();
  return rows.map((r) => ({ id: r.id, articleId: r.article_id, createdAt: r.created_at, userEmail: r.user_email, note: r.note }));
}

/** A revision and the one saved before it (for "what changed"). */
export async function getRevision(db: Kysely<DB>, articleId: number, id: number): Promise<{ rev: RevisionRow; previous: RevisionRow | null; latestId: number } | null> {
  const cols = ['id', 'article_id', 'created_at', 'user_email', 'note', 'snapshot'] as const;
  const toRow = (r: { id: number; article_id: number; created_at: string; user_email: string; note: string; snapshot: string }): RevisionRow =>
    ({ id: r.id, articleId: r.article_id, createdAt: r.created_at, userEmail: r.user_email, note: r.note, snapshot: r.snapshot });
  const rev = await db.selectFrom('article_revisions').select(cols).where('article_id', '=', articleId).where('id', '=', id).executeTakeFirst();
  if (!rev) return null;
  const prev = await db.selectFrom('article_revisions').select(cols).where('article_id', '=', articleId).where('id', '<', id).orderBy('id', 'desc').limit(1).executeTakeFirst();
  const latest = await db.selectFrom('article_revisions').select('id').where('article_id', '=', articleId).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
  return { rev: toRow(rev), previous: prev ? toRow(prev) : null, latestId: latest.id };
}

// ---------------------------------------------------------------- the admin's list of articles

export type ListedState = 'draft' | 'scheduled' | 'published';

export interface AdminArticleRow {
  id: number;
  slug: string;
  title: string;
  state: ListedState;
  access: 'free' | 'premium';
  publishedAt: string | null;
  updatedAt: string;
  issue: { year: number; month: number } | null;
  pageFirst: number | null;
  pageLast: number | null;
}

/** What readers see of an article now: a draft, scheduled (not yet visible), or published. */
export function listedState(status: string, publishedAt: string | null, now: string): ListedState {
  if (status === 'draft') return 'draft';
  return publishedAt !== null && publishedAt <= now ? 'published' : 'scheduled';
}

/** Every article (drafts and scheduled ones too), most recently changed first; q searches titles. */
export async function listAdminArticles(db: Kysely<DB>, opts: { q?: string; state?: ListedState | null; limit: number; offset: number; now?: string }): Promise<{ items: AdminArticleRow[]; total: number }> {
  const now = opts.now ?? new Date().toISOString();
  let q = db.selectFrom('articles').leftJoin('issues', 'issues.id', 'articles.issue_id');
  const term = (opts.q ?? '').trim().toLowerCase();
  if (term) {
    const like = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where(sql<boolean>`lower(articles.title) like ${like} escape '\\'`);
  }
  if (opts.state === 'draft') q = q.where('articles.status', '=', 'draft');
  else if (opts.state === 'scheduled') q = q.where('articles.status', '!=', 'draft').where((eb) => eb.or([eb('articles.published_at', 'is', null), eb('articles.published_at', '>', now)]));
  else if (opts.state === 'published') q = q.where('articles.status', '!=', 'draft').where('articles.published_at', '<=', now);
  const [rows, total] = await Promise.all([
    q.select(['articles.id', 'articles.slug', 'articles.title', 'articles.status', 'articles.access', 'articles.published_at', 'articles.updated_at', 'articles.page_first', 'articles.page_last', 'issues.year', 'issues.month'])
      .orderBy('articles.updated_at', 'desc').orderBy('articles.id', 'desc').limit(opts.limit).offset(opts.offset).execute(),
    q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    items: rows.map((r) => ({
      id: r.id, slug: r.slug, title: r.title, state: listedState(r.status, r.published_at, now), access: r.access, publishedAt: r.published_at, updatedAt: r.updated_at,
      issue: r.year != null && r.month != null ? { year: r.year, month: r.month } : null, pageFirst: r.page_first, pageLast: r.page_last,
    })),
    total: Number(total.n),
  };
}

export async function articleRef(db: Kysely<DB>, id: number): Promise<{ id: number; slug: string; updatedAt: string } | null> {
  const r = await db.selectFrom('articles').select(['id', 'slug', 'updated_at']).where('id', '=', id).executeTakeFirst();
  return r ? { id: r.id, slug: r.slug, updatedAt: r.updated_at } : null;
}

export async function articleIdBySlug(db: Kysely<DB>, slug: string): Promise<number | null> {
  const r = await db.selectFrom('articles').select('id').where('slug', '=', slug).executeTakeFirst();
  return r?.id ?? null;
}
