import { sql } from 'kysely';
import type { Store } from '../store/db.ts';

/**
 * Runs `fn` while no other instance runs work of the same name: on PostgreSQL under a session
 * advisory lock held on one connection of the pool (other instances wait for it), so that, say,
 * two instances started together on an empty database load the demo once. SQLite is one
 * process's database: there the work simply runs.
 */
export async function exclusively<T>(store: Store, name: string, fn: () => Promise<T>): Promise<T> {
  if (store.dialect !== 'postgres') return fn();
  const key = `masthead:${name}`;
  return store.db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(hashtext(${key}))`.execute(conn);
    try {
      return await fn();
    } finally {
      await sql`select pg_advisory_unlock(hashtext(${key}))`.execute(conn);
    }
  });
}
