import path from 'node:path';
import { migrations } from '../store/migrations.ts';
import { openStore, type Dialect } from '../store/db.ts';
import { BackupError, checkMigrations, openBackupFile, type Manifest } from './backup-format.ts';
import { backupSqlite, restoreSqlite } from './backup-sqlite.ts';
import { backupPostgres, restorePostgres } from './backup-postgres.ts';

// `masthead backup <file>` and `masthead restore <file>`: one file format for both databases
// (see backup-format.ts), every table of the schema (found in the database, not listed here, so
// tables added by later migrations are included), checked end to end before anything is written.

export { BackupError } from './backup-format.ts';

export interface Target {
  databaseUrl: string | null;
  dataDir: string;
}

const dialectOf = (t: Target): Dialect => (t.databaseUrl ? 'postgres' : 'sqlite');
const DIALECT_NAME: Record<Dialect, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

export interface BackupOutcome {
  file: string;
  manifest: Manifest;
  bytes: number;
  seconds: number;
}

export async function createBackup(target: Target, file: string): Promise<BackupOutcome> {
  const started = process.hrtime.bigint();
  const resolved = path.resolve(file);
  const r = target.databaseUrl ? await backupPostgres(target.databaseUrl, resolved) : await backupSqlite(target.dataDir, resolved);
  return { file: resolved, manifest: r.manifest, bytes: r.bytes, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

export interface RestoreOutcome {
  manifest: Manifest;
  /** Rows per table before the restore (null: there was no Masthead database), and after. */
  before: Record<string, number> | null;
  after: Record<string, number>;
  /** Migrations applied on top of the backup's schema (a backup from an older version). */
  migrated: string[];
  checkedOnly: boolean;
  seconds: number;
}

/**
 * Checks a backup completely (format, length, checksums, the database kind, the schema version,
 * and — for SQLite — the database's own integrity check and row counts) and, unless `check`,
 * replaces the database's contents with it in one transaction. Throws BackupError, having
 * changed nothing, when the file cannot be restored.
 */
export async function restoreBackup(target: Target, file: string, opts: { check?: boolean } = {}): Promise<RestoreOutcome> {
  const started = process.hrtime.bigint();
  const backup = await openBackupFile(file);
  const m = backup.manifest;
  const dialect = dialectOf(target);
  if (m.dialect !== dialect) {
    throw new BackupError(dialect === 'postgres'
      ? `${file} is a backup of a SQLite database, but this Masthead uses PostgreSQL (DATABASE_URL is set). Restore it with DATABASE_URL unset, into DATA_DIR`
      : `${file} is a backup of a PostgreSQL database, but this Masthead uses SQLite (DATABASE_URL is not set). Set DATABASE_URL to restore it into PostgreSQL`);
  }
  checkMigrations(m, Object.keys(migrations(dialect)));
  let before: Record<string, number> | null;
  let after: Record<string, number>;
  let migrated: string[] = [];
  if (target.databaseUrl) {
    ({ before, after } = await restorePostgres(target.databaseUrl, backup, opts));
    if (!opts.check) {
      const known = Object.keys(migrations('postgres'));
      migrated = known.filter((x) => !m.migrations.includes(x));
      if (migrated.length) {
        // A backup from an older version: bring it to this version's schema now.
        const store = await openStore({ databaseUrl: target.databaseUrl, dataDir: target.dataDir });
        await store.close();
      }
    }
  } else {
    ({ before, after, migrated } = await restoreSqlite(target.dataDir, backup, opts));
  }
  return { manifest: m, before, after, migrated, checkedOnly: !!opts.check, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** "26 articles, 3 users, 2 entitlements, 1 file; 1,234 rows in 31 tables" */
export function describeTables(tables: Record<string, number>): string {
  const n = (t: string, one: string, many: string) => (t in tables ? `${tables[t].toLocaleString('en-US')} ${tables[t] === 1 ? one : many}` : null);
  const key = [n('articles', 'article', 'articles'), n('users', 'user', 'users'), n('entitlements', 'entitlement', 'entitlements'), n('files', 'file', 'files')].filter(Boolean);
  const rows = Object.values(tables).reduce((a, b) => a + b, 0);
  const count = Object.keys(tables).length;
  return `${key.join(', ')}${key.length ? '; ' : ''}${rows.toLocaleString('en-US')} rows in ${count} tables`;
}

export function describeManifest(m: Manifest): string {
  const when = m.created_at.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
  return `${DIALECT_NAME[m.dialect]} database of ${when} (schema ${m.migrations.at(-1) ?? '(none)'}): ${describeTables(m.tables)}`;
}
