import { sql } from 'kysely';
import type { Store } from './db.ts';

// How often each article is read, for "most read" on the dashboard. Counting must not slow the
// page: a view is one Map increment in memory; every few seconds the counts are written in one
// batch (one select of the slugs' ids, one multi-row upsert that adds to the day's count), so
// several instances add up correctly. A crash loses at most the last few seconds of counts:
// acceptable for a popularity figure, and never a reader's page.

/** How often counts are written. */
export const VIEW_FLUSH_MS = 5_000;
/** Distinct articles remembered between flushes; views of more are dropped (a flood of made-up slugs). */
const MAX_PENDING = 10_000;
/** Slugs longer than any real one are not counted. */
const MAX_SLUG = 300;

export function viewDay(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

export class ArticleViewCounter {
  /** Views per day ('YYYY-MM-DD'), then per slug. */
  private pending = new Map<string, Map<string, number>>();
  private distinct = 0;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  /** The current UTC day, recomputed only when the clock passes midnight. */
  private day = '';
  private dayEnds = 0;
  /** Views dropped because too many distinct slugs were waiting. */
  dropped = 0;

  constructor(private readonly store: Store, private readonly intervalMs = VIEW_FLUSH_MS) {}

  /** Counts one view of the article with this slug (today, UTC). Never waits, never throws. */
  count(slug: string, now: number = Date.now()): void {
    if (slug.length === 0 || slug.length > MAX_SLUG) return;
    if (now >= this.dayEnds || now < this.dayEnds - 86400_000) {
      const d = new Date(now);
      this.day = viewDay(d);
      this.dayEnds = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
    }
    let bySlug = this.pending.get(this.day);
    if (!bySlug) this.pending.set(this.day, (bySlug = new Map()));
    const n = bySlug.get(slug);
    if (n === undefined) {
      if (this.distinct >= MAX_PENDING) {
        this.dropped++;
        return;
      }
      this.distinct++;
    }
    bySlug.set(slug, (n ?? 0) + 1);
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush().catch(() => {});
      }, this.intervalMs);
      this.timer.unref();
    }
  }

  /** Views counted but not yet written. */
  get waiting(): number {
    let n = 0;
    for (const m of this.pending.values()) for (const v of m.values()) n += v;
    return n;
  }

  /** Writes what has been counted. Flushes run one after another; a failed write keeps nothing twice. */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.write());
    this.flushing = run.catch(() => {});
    return run;
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const byDay = this.pending;
    this.pending = new Map();
    this.distinct = 0;
    const db = this.store.db;
    await db.transaction().execute(async (trx) => {
      for (const [day, counts] of byDay) {
        const slugs = [...counts.keys()];
        for (let at = 0; at < slugs.length; at += 500) {
          const part = slugs.slice(at, at + 500);
          const ids = await trx.selectFrom('articles').select(['id', 'slug']).where('slug', 'in', part).execute();
          if (!ids.length) continue;
          await trx.insertInto('article_views')
            .values(ids.map((r) => ({ article_id: r.id, day, views: counts.get(r.slug)! })))
            .onConflict((oc) => oc.columns(['article_id', 'day']).doUpdateSet({ views: sql`article_views.views + excluded.views` }))
            .execute();
        }
      }
    });
  }

  /** Stops the timer and writes what is left (counting may go on: the next view starts a new timer). */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush().catch(() => {});
  }
}

const counters = new WeakMap<Store, ArticleViewCounter>();

/** The counter of a store (one per database connection, shared by every app built on it). */
export function articleViews(store: Store): ArticleViewCounter {
  let c = counters.get(store);
  if (!c) counters.set(store, (c = new ArticleViewCounter(store)));
  return c;
}
