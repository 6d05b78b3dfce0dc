import type { Store } from '../store/db.ts';
import type { Config } from '../config.ts';
import type { Site } from './views/layout.tsx';
import { PageCache } from './page-cache.ts';
import { createMailer, type Mailer } from '../mail/mailer.ts';
import path from 'node:path';
import { getPublication, issueYears } from '../store/issues.ts';
import { listTerms, type Facet, type Term } from '../store/taxonomy.ts';

export interface AppContext {
  store: Store;
  config: Config;
  /** Rendered pages for anonymous readers, until the archive changes. */
  pages: PageCache;
  mailer: Mailer;
  /** The publication's name etc.; cached briefly because every page needs it. */
  site(): Promise<Site>;
  /**
   * Archive-wide aggregates (term counts, issue years) that cost a scan of the archive: computed
   * at most once per `ttlMs` per instance. Only for public, viewer-independent data.
   */
  cached<T>(key: string, ttlMs: number, compute: () => Promise<T>): Promise<T>;
  /** Forget cached data after a write. */
  invalidate(): void;
}

export function createContext(store: Store, config: Config, opts: { mailer?: Mailer; log?: (msg: string, fields?: Record<string, unknown>) => void } = {}): AppContext {
  let cached: { site: Site; at: number } | null = null;
  const TTL_MS = 10_000;
  const aggregates = new Map<string, { at: number; ttl: number; value: Promise<unknown> }>();
  return {
    store,
    config,
    pages: new PageCache(store),
    mailer: opts.mailer ?? createMailer({
      smtpUrl: config.smtpUrl, from: config.mailFrom, dir: path.join(config.dataDir, 'mail'),
      log: opts.log ?? ((msg, fields) => process.stderr.write(`${msg} ${JSON.stringify(fields ?? {})}\n`)),
    }),
    async site() {
      if (cached && Date.now() - cached.at < TTL_MS) return cached.site;
      const pub = await getPublication(store.db);
      const site: Site = {
        name: pub?.name ?? 'Masthead',
        abbreviation: pub?.abbreviation ?? '',
        description: pub?.description ?? null,
        issn: pub?.issn ?? null,
        baseUrl: config.baseUrl,
      };
      cached = { site, at: Date.now() };
      return site;
    },
    cached<T>(key: string, ttlMs: number, compute: () => Promise<T>): Promise<T> {
      const hit = aggregates.get(key);
      if (hit && Date.now() - hit.at < hit.ttl) return hit.value as Promise<T>;
      const value = compute();
      aggregates.set(key, { at: Date.now(), ttl: ttlMs, value });
      // A failed computation is not remembered.
      value.catch(() => aggregates.delete(key));
      return value;
    },
    invalidate() {
      cached = null;
      aggregates.clear();
    },
  };
}

/** How long archive-wide counts may lag behind the archive (per instance). */
export const AGGREGATE_TTL_MS = 60_000;

export function cachedTerms(ctx: AppContext, facet: Facet): Promise<Term[]> {
  return ctx.cached(`terms:${facet}`, AGGREGATE_TTL_MS, () => listTerms(ctx.store.db, facet));
}

export function cachedIssueYears(ctx: AppContext): Promise<{ year: number; issues: number }[]> {
  return ctx.cached('issue-years', AGGREGATE_TTL_MS, () => issueYears(ctx.store.db));
}
