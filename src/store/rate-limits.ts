import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.ts';

// Fixed-window counters in the database, so every instance counts against the same limit.

export interface Limit {
  windowSec: number;
  max: number;
}

function windowStart(windowSec: number, now: number): number {
  return Math.floor(now / 1000 / windowSec) * windowSec;
}

/** Seconds until the bucket allows another hit, or 0 when it is under its limit. */
export async function retryAfter(db: Kysely<DB>, bucket: string, limit: Limit, now = Date.now()): Promise<number> {
  const start = windowStart(limit.windowSec, now);
  const row = await db.selectFrom('rate_limits').select('hits').where('bucket', '=', bucket).where('window_start', '=', start).executeTakeFirst();
  if (!row || row.hits < limit.max) return 0;
  return Math.max(1, start + limit.windowSec - Math.floor(now / 1000));
}

/** Counts one hit (atomically, also across instances). */
export async function recordHit(db: Kysely<DB>, bucket: string, limit: Limit, now = Date.now()): Promise<number> {
  const start = windowStart(limit.windowSec, now);
  const row = await db.insertInto('rate_limits').values({ bucket, window_start: start, hits: 1 })
    .onConflict((oc) => oc.columns(['bucket', 'window_start']).doUpdateSet({ hits: sql`rate_limits.hits + 1` }))
    .returning('hits').executeTakeFirstOrThrow();
  // Now and then, forget windows that ended more than a day ago.
  if (Math.random() < 0.01) await db.deleteFrom('rate_limits').where('window_start', '<', start - 86400).execute();
  return row.hits;
}

/** Counts a hit and says whether it was within the limit. */
export async function hitAndCheck(db: Kysely<DB>, bucket: string, limit: Limit, now = Date.now()): Promise<boolean> {
  return (await recordHit(db, bucket, limit, now)) <= limit.max;
}

export const LIMITS = {
  // Failed sign-ins: per account and per address, far below 100 an hour.
  loginFailAccount: { windowSec: 3600, max: 10 },
  loginFailIp: { windowSec: 3600, max: 30 },
  // Mails we send on request: sign-in links, resets, confirmations.
  mailAccount: { windowSec: 3600, max: 5 },
  mailIp: { windowSec: 3600, max: 20 },
  signupIp: { windowSec: 3600, max: 10 },
  giftIp: { windowSec: 3600, max: 10 },
} satisfies Record<string, Limit>;
