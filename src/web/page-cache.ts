import { sql } from 'kysely';
import type { Store } from '../store/db.ts';
import type { Viewer } from '../domain/access.ts';

// Rendered pages for viewers who all see the same thing (anonymous readers), reused until the
// archive changes. The archive's content_version is bumped by a database trigger on every
// write, by any instance or tool, and read once per request; a scheduled article going live
// (a change without a write) ends the cache at its publication time. What is cached is the
// presenter's output rendered for that viewer class, so it holds no more than that viewer may
// see. Personal pages are never cached.

export interface CachedResponse {
  /** A Buffer once cached, so a hit costs no encoding. */
  body: string | Buffer;
  contentType: string;
  cacheControl?: string;
  /** What the page showed, for work that must happen on every request (usage counts). */
  meta?: { premium: boolean };
}

export class PageCache {
  private version = -1;
  private validUntil = '';
  private entries = new Map<string, CachedResponse>();
  private bytes = 0;

  constructor(
    private readonly store: Store,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  /**
   * Which viewers see the same pages, and so may share renderings: anonymous readers (per
   * institution network), and subscribers (pages carry nothing personal: no name, no meter).
   * Readers on the meter, and anyone mixing a subscription with an institution, get their own.
   */
  static classOf(viewer: Viewer): string | null {
    if (viewer.kind === 'anonymous') return viewer.institution ? `inst:${viewer.institution.id}` : 'anon';
    if (viewer.institution) return null;
    if (viewer.role === 'editor' || viewer.role === 'admin') return `staff:${viewer.role}`;
    return viewer.subscribed ? 'subscriber' : null;
  }

  async get(viewer: Viewer, key: string, render: () => Promise<CachedResponse | null>): Promise<CachedResponse | null> {
    const cls = PageCache.classOf(viewer);
    if (cls === null) return render();
    await this.refresh();
    const k = `${cls} ${key}`;
    const hit = this.entries.get(k);
    if (hit) {
      // Map order is insertion order: re-insert to keep the least recently used first.
      this.entries.delete(k);
      this.entries.set(k, hit);
      return hit;
    }
    const version = this.version;
    const fresh = await render();
    if (fresh && version === this.version) this.put(k, fresh);
    return fresh;
  }

  private put(k: string, v: CachedResponse): void {
    if (typeof v.body === 'string') v.body = Buffer.from(v.body);
    this.entries.set(k, v);
    this.bytes += v.body.length;
    while (this.bytes > this.maxBytes && this.entries.size > 1) {
      const [oldKey, old] = this.entries.entries().next().value as [string, CachedResponse];
      this.entries.delete(oldKey);
      this.bytes -= old.body.length;
    }
  }

  private clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private async refresh(): Promise<void> {
    const now = new Date().toISOString();
    const row = await sql<{ version: number }>`select version from content_version where id = 1`.execute(this.store.db);
    const version = Number(row.rows[0]?.version ?? 0);
    if (version === this.version && (this.validUntil === '' || now < this.validUntil)) return;
    const next = await sql<{ at: string | null }>`select min(published_at) as at from articles where status <> 'draft' and published_at > ${now}`.execute(this.store.db);
    this.clear();
    this.version = version;
    this.validUntil = next.rows[0]?.at ?? '';
  }
}
