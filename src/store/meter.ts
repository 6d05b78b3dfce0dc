import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.ts';
import type { MeterState } from '../domain/access.ts';

/** Calendar month, UTC: "2025-03". */
export function periodOf(d = new Date()): string {
  return d.toISOString().slice(0, 7);
}

export async function meterUsed(db: Kysely<DB>, userId: number, period: string): Promise<number> {
  const r = await db.selectFrom('meter_reads').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('period', '=', period).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function meterState(db: Kysely<DB>, userId: number, articleId: number, limit: number, now = new Date()): Promise<MeterState> {
  const period = periodOf(now);
  const rows = await db.selectFrom('meter_reads').select('article_id').where('user_id', '=', userId).where('period', '=', period).execute();
  return { limit, used: rows.length, alreadyRead: rows.some((r) => r.article_id === articleId) };
}

/**
 * Counts a metered read. Returns false when the month's allowance was used up meanwhile (two
 * tabs at once): the count is checked and written in one transaction, so nobody reads more than
 * the limit.
 */
export async function recordMeteredRead(db: Kysely<DB>, dialect: 'sqlite' | 'postgres', userId: number, articleId: number, limit: number, now = new Date()): Promise<boolean> {
  const period = periodOf(now);
  return db.transaction().execute(async (trx) => {
    // SQLite runs one write transaction at a time; PostgreSQL needs the user's row locked.
    if (dialect === 'postgres') await sql`select id from users where id = ${userId} for update`.execute(trx);
    const used = await meterUsed(trx, userId, period);
    if (used >= limit) return false;
    await trx.insertInto('meter_reads').values({ user_id: userId, period, article_id: articleId, read_at: now.toISOString() })
      .onConflict((oc) => oc.columns(['user_id', 'period', 'article_id']).doNothing()).execute();
    return true;
  });
}
