import { sql, type Kysely, type Selectable } from 'kysely';
import type { DB, Role, Plan, RateClass, EntitlementSource, EntitlementTable } from './schema.ts';
import { hashToken, randomToken } from '../auth/tokens.ts';

// Accounts, sessions, single-use mail tokens, entitlements and personal tokens.

export interface User {
  id: number;
  email: string;
  name: string | null;
  role: Role;
  rate_class: RateClass | null;
  password_hash: string | null;
  email_verified_at: string | null;
  created_at: string;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function isPlausibleEmail(email: string): boolean {
  return email.length <= 254 && /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[^\s@<>()[\],;:"]{2,}$/.test(email);
}

export async function findUserByEmail(db: Kysely<DB>, email: string): Promise<User | null> {
  return (await db.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst()) ?? null;
}

export async function findUser(db: Kysely<DB>, id: number): Promise<User | null> {
  return (await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function createUser(db: Kysely<DB>, u: { email: string; name?: string | null; passwordHash?: string | null; role?: Role; rateClass?: RateClass | null; verified?: boolean }): Promise<User> {
  const now = new Date().toISOString();
  const row = await db.insertInto('users').values({
    email: normalizeEmail(u.email), name: u.name ?? null, password_hash: u.passwordHash ?? null, role: u.role ?? 'reader',
    rate_class: u.rateClass ?? null, email_verified_at: u.verified ? now : null, created_at: now, updated_at: now,
  }).returningAll().executeTakeFirstOrThrow();
  return row;
}

export async function updateUser(db: Kysely<DB>, id: number, set: Partial<Pick<User, 'email' | 'name' | 'password_hash' | 'role' | 'rate_class' | 'email_verified_at'>>): Promise<void> {
  await db.updateTable('users').set({ ...set, updated_at: new Date().toISOString() }).where('id', '=', id).execute();
}

// ---------------------------------------------------------------- sessions

export const SESSION_IDLE_MS = 30 * 86400_000;
export const SESSION_ABSOLUTE_MS = 90 * 86400_000;
/** last_seen_at is written at most this often, so reading a page is not a write. */
const TOUCH_EVERY_MS = 5 * 60_000;

export interface SessionInfo {
  sessionId: number;
  userId: number;
  email: string;
  name: string | null;
  role: Role;
  subscribed: boolean;
  lastSeenAt: string;
}

export async function createSession(db: Kysely<DB>, userId: number, meta: { userAgent?: string | null; ip?: string | null }): Promise<string> {
  const token = randomToken(32);
  const now = new Date();
  await db.insertInto('sessions').values({
    token_hash: hashToken(token), user_id: userId, created_at: now.toISOString(), last_seen_at: now.toISOString(),
    expires_at: new Date(now.getTime() + SESSION_ABSOLUTE_MS).toISOString(), user_agent: meta.userAgent?.slice(0, 300) ?? null, ip: meta.ip ?? null,
  }).execute();
  return token;
}

function subscribedExpr(now: string) {
  return sql<number>`exists (select 1 from entitlements e where e.user_id = users.id and e.revoked_at is null and e.starts_at <= ${now} and e.ends_at > ${now})`;
}

/** The signed-in user behind a session token, or null when unknown, expired or idle too long. One query. */
export async function lookupSession(db: Kysely<DB>, token: string): Promise<SessionInfo | null> {
  const now = new Date();
  const nowIso = now.toISOString();
  const row = await db.selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.id as sessionId', 'sessions.last_seen_at as lastSeenAt', 'users.id as userId', 'users.email', 'users.name', 'users.role', subscribedExpr(nowIso).as('subscribed')])
    .where('sessions.token_hash', '=', hashToken(token))
    .where('sessions.expires_at', '>', nowIso)
    .where('sessions.last_seen_at', '>', new Date(now.getTime() - SESSION_IDLE_MS).toISOString())
    .executeTakeFirst();
  if (!row) return null;
  if (now.getTime() - Date.parse(row.lastSeenAt) > TOUCH_EVERY_MS) {
    await db.updateTable('sessions').set({ last_seen_at: nowIso }).where('id', '=', row.sessionId).execute();
  }
  return { ...row, subscribed: Boolean(row.subscribed) };
}

export async function deleteSession(db: Kysely<DB>, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', hashToken(token)).execute();
}

export async function deleteSessionById(db: Kysely<DB>, userId: number, sessionId: number): Promise<boolean> {
  const r = await db.deleteFrom('sessions').where('id', '=', sessionId).where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function deleteAllSessions(db: Kysely<DB>, userId: number, exceptToken?: string): Promise<void> {
  let q = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (exceptToken) q = q.where('token_hash', '!=', hashToken(exceptToken));
  await q.execute();
}

export async function listSessions(db: Kysely<DB>, userId: number) {
  return db.selectFrom('sessions').select(['id', 'created_at', 'last_seen_at', 'user_agent', 'ip', 'token_hash']).where('user_id', '=', userId).orderBy('last_seen_at', 'desc').execute();
}

// ---------------------------------------------------------------- single-use mail tokens

export const MAIL_TOKEN_TTL_MS = 15 * 60_000;

export async function createAuthToken(db: Kysely<DB>, userId: number, purpose: 'signin' | 'reset' | 'email_change', newEmail: string | null = null): Promise<string> {
  const token = randomToken(32);
  const now = new Date();
  await db.insertInto('auth_tokens').values({
    token_hash: hashToken(token), purpose, user_id: userId, new_email: newEmail, created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + MAIL_TOKEN_TTL_MS).toISOString(), used_at: null,
  }).execute();
  return token;
}

/** Uses up every outstanding mailed token of a user (after a password reset or a change of address). */
export async function revokeAuthTokens(db: Kysely<DB>, userId: number): Promise<void> {
  await db.updateTable('auth_tokens').set({ used_at: new Date().toISOString() }).where('user_id', '=', userId).where('used_at', 'is', null).execute();
}

/** Looks a token up without using it (for the confirm page). */
export async function peekAuthToken(db: Kysely<DB>, token: string, purpose: string) {
  return (await db.selectFrom('auth_tokens').selectAll()
    .where('token_hash', '=', hashToken(token)).where('purpose', '=', purpose as 'signin')
    .where('used_at', 'is', null).where('expires_at', '>', new Date().toISOString())
    .executeTakeFirst()) ?? null;
}

/** Uses a token up: succeeds once, atomically, even when two requests race. */
export async function consumeAuthToken(db: Kysely<DB>, token: string, purpose: string) {
  const now = new Date().toISOString();
  const r = await db.updateTable('auth_tokens').set({ used_at: now })
    .where('token_hash', '=', hashToken(token)).where('purpose', '=', purpose as 'signin')
    .where('used_at', 'is', null).where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) return null;
  return (await db.selectFrom('auth_tokens').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst()) ?? null;
}

// ---------------------------------------------------------------- entitlements

export type Entitlement = Omit<Selectable<EntitlementTable>, 'created_at'>;

/**
 * Records an entitlement. With an external reference (a payment's id) it is idempotent: the same
 * reference twice makes one entitlement.
 */
export async function grantEntitlement(db: Kysely<DB>, e: { userId: number; plan: Plan; startsAt?: string; endsAt: string; source: EntitlementSource; note?: string | null; externalRef?: string | null }): Promise<{ created: boolean; id: number }> {
  if (e.externalRef) {
    const found = await db.selectFrom('entitlements').select('id').where('external_ref', '=', e.externalRef).executeTakeFirst();
    if (found) return { created: false, id: found.id };
  }
  const now = new Date().toISOString();
  const row = await db.insertInto('entitlements').values({
    user_id: e.userId, plan: e.plan, starts_at: e.startsAt ?? now, ends_at: e.endsAt, source: e.source, note: e.note ?? null,
    external_ref: e.externalRef ?? null, created_at: now, revoked_at: null,
  }).returning('id').executeTakeFirstOrThrow();
  return { created: true, id: row.id };
}

export async function listEntitlements(db: Kysely<DB>, userId: number): Promise<Entitlement[]> {
  return db.selectFrom('entitlements').select(['id', 'user_id', 'plan', 'starts_at', 'ends_at', 'source', 'note', 'external_ref', 'revoked_at']).where('user_id', '=', userId).orderBy('ends_at', 'desc').execute();
}

export async function currentEntitlement(db: Kysely<DB>, userId: number, now = new Date().toISOString()): Promise<Entitlement | null> {
  return (await db.selectFrom('entitlements').select(['id', 'user_id', 'plan', 'starts_at', 'ends_at', 'source', 'note', 'external_ref', 'revoked_at'])
    .where('user_id', '=', userId).where('revoked_at', 'is', null).where('starts_at', '<=', now).where('ends_at', '>', now)
    .orderBy('ends_at', 'desc').executeTakeFirst()) ?? null;
}

export async function revokeEntitlement(db: Kysely<DB>, id: number): Promise<void> {
  await db.updateTable('entitlements').set({ revoked_at: new Date().toISOString() }).where('id', '=', id).execute();
}

// ---------------------------------------------------------------- personal tokens (API, private feed)

export async function createApiToken(db: Kysely<DB>, userId: number, kind: 'api' | 'feed', name: string | null = null): Promise<string> {
  const token = (kind === 'api' ? 'mh_' : 'mhf_') + randomToken(32);
  await db.insertInto('api_tokens').values({ user_id: userId, token_hash: hashToken(token), kind, name, created_at: new Date().toISOString(), last_used_at: null, revoked_at: null }).execute();
  return token;
}

export async function lookupApiToken(db: Kysely<DB>, token: string, kind: 'api' | 'feed'): Promise<Omit<SessionInfo, 'sessionId' | 'lastSeenAt'> & { tokenId: number } | null> {
  const nowIso = new Date().toISOString();
  const row = await db.selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select(['api_tokens.id as tokenId', 'users.id as userId', 'users.email', 'users.name', 'users.role', subscribedExpr(nowIso).as('subscribed')])
    .where('api_tokens.token_hash', '=', hashToken(token)).where('api_tokens.kind', '=', kind).where('api_tokens.revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { ...row, subscribed: Boolean(row.subscribed) } : null;
}

export async function revokeApiTokens(db: Kysely<DB>, userId: number, kind: 'api' | 'feed'): Promise<void> {
  await db.updateTable('api_tokens').set({ revoked_at: new Date().toISOString() }).where('user_id', '=', userId).where('kind', '=', kind).where('revoked_at', 'is', null).execute();
}
