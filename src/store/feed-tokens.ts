import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';
import { hashToken, randomToken } from '../auth/tokens.ts';
import { signingSecret, sign, safeEqual } from '../auth/signing.ts';

// A private full-text feed address per subscriber: "<user>.<id>.<signature>", signed with the
// site's secret so it can be shown again on the account page; replacing it revokes the old one.

export async function createFeedToken(db: Kysely<DB>, userId: number): Promise<void> {
  const now = new Date().toISOString();
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('api_tokens').set({ revoked_at: now }).where('user_id', '=', userId).where('kind', '=', 'feed').where('revoked_at', 'is', null).execute();
    await trx.insertInto('api_tokens').values({ user_id: userId, token_hash: hashToken(`feed:${randomToken()}`), kind: 'feed', name: 'private feed', created_at: now, last_used_at: null, revoked_at: null }).execute();
  });
}

export async function feedToken(db: Kysely<DB>, userId: number): Promise<string | null> {
  const row = await db.selectFrom('api_tokens').select('id').where('user_id', '=', userId).where('kind', '=', 'feed').where('revoked_at', 'is', null).orderBy('id', 'desc').executeTakeFirst();
  if (!row) return null;
  return `${userId}.${row.id}.${sign(await signingSecret(db), `feed:${userId}:${row.id}`)}`;
}

/** The user a feed address belongs to, or null when it is forged or revoked. */
export async function verifyFeedToken(db: Kysely<DB>, token: string): Promise<number | null> {
  const m = /^(\d{1,10})\.(\d{1,10})\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!m) return null;
  const [userId, id] = [Number(m[1]), Number(m[2])];
  if (!safeEqual(sign(await signingSecret(db), `feed:${userId}:${id}`), m[3])) return null;
  const row = await db.selectFrom('api_tokens').select('id').where('id', '=', id).where('user_id', '=', userId).where('kind', '=', 'feed').where('revoked_at', 'is', null).executeTakeFirst();
  return row ? userId : null;
}
