import type { Store } from '../store/db.ts';
import type { Config } from '../config.ts';
import type { Site } from './views/layout.tsx';
import { getPublication } from '../store/issues.ts';

export interface AppContext {
  store: Store;
  config: Config;
  /** The publication's name etc.; cached briefly because every page needs it. */
  site(): Promise<Site>;
  /** Forget cached site data after a write. */
  invalidate(): void;
}

export function createContext(store: Store, config: Config): AppContext {
  let cached: { site: Site; at: number } | null = null;
  const TTL_MS = 10_000;
  return {
    store,
    config,
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
    invalidate() {
      cached = null;
    },
  };
}
