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

/**
 * Counts one attempt in every bucket *before* the work it limits, and answers the seconds to wait
 * when any bucket is over its limit (0: go ahead). Checking first and counting afterwards would let a
 * burst of parallel requests all pass the check before any of them is counted.
 */
export async function takeHits(db: Kysely<DB>, buckets: [string, Limit][], now = Date.now()): Promise<number> {
  for (let i = 0; i < buckets.length; i++) {
    const [bucket, limit] = buckets[i];
    const hits = await recordHit(db, bucket, limit, now);
    if (hits > limit.max) {
      // Refused: the buckets counted before this one did not get an attempt after all.
      await refundHits(db, buckets.slice(0, i), now);
      const start = windowStart(limit.windowSec, now);
      return Math.max(1, start + limit.windowSec - Math.floor(now / 1000));
    }
  }
  return 0;
}

/** Gives back attempts counted by takeHits that turned out not to count (a sign-in that succeeded). */
export async function refundHits(db: Kysely<DB>, buckets: [string, Limit][], now = Date.now()): Promise<void> {
  for (const [bucket, limit] of buckets) {
    await db.updateTable('rate_limits').set({ hits: sql`hits - 1` })
      .where('bucket', '=', bucket).where('window_start', '=', windowStart(limit.windowSec, now)).where('hits', '>', 0).execute();
  }
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
