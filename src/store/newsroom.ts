import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';

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
  secret: string;
  enabledAt: string | null;
  lastStep: number | null;
}

export async function getTotp(db: Kysely<DB>, userId: number): Promise<TotpRow | null> {
  const r = await db.selectFrom('user_totp').select(['secret', 'enabled_at', 'last_step']).where('user_id', '=', userId).executeTakeFirst();
  return r ? { secret: r.secret, enabledAt: r.enabled_at, lastStep: r.last_step === null ? null : Number(r.last_step) } : null;
}

/** Starts (or restarts) an enrolment: a new secret that is not in force until a code confirms it. Never replaces one in force. */
export async function startTotpEnrolment(db: Kysely<DB>, userId: number, secret: string): Promise<boolean> {
  const now = new Date().toISOString();
  return db.transaction().execute(async (trx) => {
    const cur = await trx.selectFrom('user_totp').select('enabled_at').where('user_id', '=', userId).executeTakeFirst();
    if (cur?.enabled_at) return false;
    if (cur) await trx.updateTable('user_totp').set({ secret, created_at: now, last_step: null }).where('user_id', '=', userId).execute();
    else await trx.insertInto('user_totp').values({ user_id: userId, secret, created_at: now, enabled_at: null, last_step: null }).execute();
    return true;
  });
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

/** Turns TOTP off for a user; every session of theirs must pass the second factor again. */
export async function removeTotp(db: Kysely<DB>, userId: number): Promise<void> {
  await db.deleteFrom('user_totp').where('user_id', '=', userId).execute();
  await db.deleteFrom('session_mfa').where('session_id', 'in', (eb) => eb.selectFrom('sessions').select('id').where('user_id', '=', userId)).execute();
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
