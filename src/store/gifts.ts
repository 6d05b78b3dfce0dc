import type { Kysely } from 'kysely';
import type { DB, Plan } from './schema.ts';
import { giftCode, hashToken, normalizeGiftCode } from '../auth/tokens.ts';
import { grantEntitlement, currentEntitlement } from './users.ts';

export async function createGiftCode(db: Kysely<DB>, g: { plan: Plan; days: number; note?: string | null }): Promise<string> {
  const code = giftCode();
  await db.insertInto('gift_codes').values({ code_hash: hashToken(code), plan: g.plan, days: g.days, note: g.note ?? null, created_at: new Date().toISOString(), redeemed_by: null, redeemed_at: null }).execute();
  return code;
}

/**
 * Redeems a code for a user, once: the code is claimed and the entitlement written in one
 * transaction. A current subscription is extended (the new period starts when it ends).
 */
export async function redeemGiftCode(db: Kysely<DB>, input: string, userId: number): Promise<{ ok: true; endsAt: string } | { ok: false; reason: string }> {
  const hash = hashToken(normalizeGiftCode(input));
  return db.transaction().execute(async (trx) => {
    const now = new Date().toISOString();
    const claimed = await trx.updateTable('gift_codes').set({ redeemed_by: userId, redeemed_at: now })
      .where('code_hash', '=', hash).where('redeemed_at', 'is', null).returning(['id', 'plan', 'days']).executeTakeFirst();
    if (!claimed) return { ok: false as const, reason: 'That gift code is not valid or has already been used.' };
    const current = await currentEntitlement(trx, userId, now);
    const start = current && current.ends_at > now ? current.ends_at : now;
    const endsAt = new Date(Date.parse(start) + claimed.days * 86400_000).toISOString();
    await grantEntitlement(trx, { userId, plan: claimed.plan, startsAt: start, endsAt, source: 'gift', note: `gift code #${claimed.id}`, externalRef: `gift:${claimed.id}` });
    return { ok: true as const, endsAt };
  });
}
