import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';
import type { Viewer } from '../domain/access.ts';

// Every download is logged per subscriber (or institution), and a daily limit stops bulk
// scraping. The limit is checked and the download recorded in one step.

export type DownloadKind = 'article-pdf' | 'issue-pdf' | 'article-text' | 'packet-pdf';

export const DEFAULT_DAILY_DOWNLOAD_LIMIT = 100;

function who(viewer: Viewer): { user_id: number | null; institution_id: number | null } | null {
  if (viewer.kind === 'user') return { user_id: viewer.userId, institution_id: null };
  if (viewer.institution) return { user_id: null, institution_id: viewer.institution.id };
  return null;
}

/**
 * Records a download if the viewer is under today's limit (UTC day). Returns false, writing
 * nothing, when the limit is reached. Institutions share one (larger) allowance per network.
 */
export async function recordDownload(db: Kysely<DB>, viewer: Viewer, kind: DownloadKind, ref: string, limit: number, now = new Date()): Promise<boolean> {
  const w = who(viewer);
  if (!w) return false;
  const day = now.toISOString().slice(0, 10);
  return db.transaction().execute(async (trx) => {
    let q = trx.selectFrom('downloads').select((eb) => eb.fn.countAll<number>().as('n')).where('day', '=', day);
    q = w.user_id !== null ? q.where('user_id', '=', w.user_id) : q.where('institution_id', '=', w.institution_id);
    const used = Number((await q.executeTakeFirstOrThrow()).n);
    const allowance = w.user_id !== null ? limit : limit * 20;
    if (used >= allowance) return false;
    await trx.insertInto('downloads').values({ ...w, kind, ref, day, created_at: now.toISOString() }).execute();
    return true;
  });
}

export async function downloadLog(db: Kysely<DB>, userId: number, limit = 100) {
  return db.selectFrom('downloads').select(['kind', 'ref', 'created_at']).where('user_id', '=', userId).orderBy('id', 'desc').limit(limit).execute();
}
