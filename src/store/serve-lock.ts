import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';

/** The file whose lock marks the SQLite database as served (beside masthead.db). */
export const SERVE_LOCK_FILE = 'masthead.serve.lock';

export class ServeLockError extends Error {}

/**
 * One `masthead serve` per SQLite database: two would each keep their own caches and scheduled
 * work over one file. The lock is SQLite's own (an exclusive transaction held on a small file
 * beside the database), so the operating system drops it when the process ends in any way,
 * SIGKILL and power cuts included: no stale lock to clean up. Commands (import, backup, …) do not
 * take it and run beside the server as before. Returns the release (also done by exiting).
 */
export function holdServeLock(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, SERVE_LOCK_FILE);
  const lock = new SQLite(file);
  try {
    lock.pragma('busy_timeout = 0');
    lock.exec('begin exclusive');
  } catch (err) {
    lock.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new ServeLockError(`another masthead serve is already using the database in ${path.resolve(dataDir)}: one serving process per SQLite database (several instances need PostgreSQL; see docs/OPERATIONS.md)`);
    }
    throw err;
  }
  return () => {
    if (lock.open) {
      lock.exec('rollback');
      lock.close();
    }
  };
}
