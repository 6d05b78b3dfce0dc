import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { migrateToLatest } from '../store/migrations.ts';
import { BackupError, syncDir, writeBackupFile, type Manifest, type OpenedBackup } from './backup-format.ts';

// SQLite backups copy the database page by page with SQLite's online backup API, in ONE step:
// the copy reads one snapshot (a WAL read transaction) while the server keeps writing, and is
// never restarted by those writes. Restores go the other way: the backup is unpacked into a
// temporary file beside the database, checked (integrity_check, foreign keys, the manifest's
// migrations and row counts), migrated to this version's schema, and only then copied into the
// live database with the same backup API, as one write transaction. A running server waits for
// that transaction like for any other writer and then sees the restored archive (SQLite tells
// its connections that the schema changed); a crash halfway leaves the old database.

export const DB_FILE = 'masthead.db';

/** Ordinary tables (not virtual ones, whose rows live in their shadow tables, which are counted). */
export function sqliteTables(db: SQLite.Database): string[] {
  const rows = db.prepare(`select name, sql from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' order by name`).all() as { name: string; sql: string | null }[];
  return rows.filter((r) => !/^\s*create\s+virtual\s+table/i.test(r.sql ?? '')).map((r) => r.name);
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function sqliteCounts(db: SQLite.Database): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of sqliteTables(db)) out[t] = Number((db.prepare(`select count(*) as n from ${quoteIdent(t)}`).get() as { n: number }).n);
  return out;
}

export function sqliteMigrations(db: SQLite.Database): string[] | null {
  const has = db.prepare(`select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'`).get();
  if (!has) return null;
  return (db.prepare('select name from kysely_migration order by name').all() as { name: string }[]).map((r) => r.name);
}

function contentVersion(db: SQLite.Database): number | null {
  const has = db.prepare(`select 1 from sqlite_master where type = 'table' and name = 'content_version'`).get();
  if (!has) return null;
  const row = db.prepare('select version from content_version where id = 1').get() as { version: number } | undefined;
  return row ? Number(row.version) : null;
}

/** Temporary files of an earlier backup or restore that was killed (its process is gone). */
export function removeStale(dir: string, pattern: RegExp): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = pid === process.pid;
    if (!alive) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch (err) {
        alive = (err as NodeJS.ErrnoException).code === 'EPERM';
      }
    }
    if (!alive) fs.rmSync(path.join(dir, name), { force: true });
  }
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function removeDbFiles(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
}

/** Copies a whole database in one backup step (one consistent snapshot, never restarted). */
async function copyDatabase(source: SQLite.Database, destination: string): Promise<void> {
  await source.backup(destination, { progress: () => 0x7fffffff });
}

export interface SqliteBackupResult {
  manifest: Manifest;
  bytes: number;
}

export async function backupSqlite(dataDir: string, target: string): Promise<SqliteBackupResult> {
  const live = path.join(dataDir, DB_FILE);
  if (!fs.existsSync(live)) throw new BackupError(`there is no database at ${live} (set DATA_DIR, or DATABASE_URL for PostgreSQL)`);
  const dir = path.dirname(path.resolve(target));
  if (!fs.existsSync(dir)) throw new BackupError(`the directory ${dir} does not exist`);
  removeStale(dir, new RegExp(`^\\.${escapeRegExp(path.basename(target))}\\.(?:snapshot|partial)-(\\d+)`));
  const snapshot = path.join(dir, `.${path.basename(target)}.snapshot-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  const packed = `${snapshot}.gz`;
  let source: SQLite.Database | null = null;
  let copy: SQLite.Database | null = null;
  try {
    source = new SQLite(live, { fileMustExist: true });
    source.pragma('busy_timeout = 10000');
    await copyDatabase(source, snapshot);
    source.close();
    source = null;

    // Everything the manifest says comes from the copy, so it describes exactly what is inside.
    copy = new SQLite(snapshot);
    copy.pragma('journal_mode = DELETE');
    const check = copy.pragma('integrity_check', { simple: false }) as { integrity_check: string }[];
    if (check.length !== 1 || check[0].integrity_check !== 'ok') {
      throw new BackupError(`the live database fails SQLite's integrity check, so no backup was written: ${check.slice(0, 5).map((r) => r.integrity_check).join('; ')}`);
    }
    const migrations = sqliteMigrations(copy);
    if (!migrations || migrations.length === 0) throw new BackupError(`${live} is not a Masthead database (it has no migrations table)`);
    const tables = sqliteCounts(copy);
    const version = (copy.prepare('select sqlite_version() as v').get() as { v: string }).v;
    copy.close();
    copy = null;

    const databaseBytes = fs.statSync(snapshot).size;
    await pipeline(fs.createReadStream(snapshot), zlib.createGzip({ level: 4 }), fs.createWriteStream(packed));
    const manifest: Omit<Manifest, 'payload'> = {
      format: 'masthead-backup',
      version: 1,
      created_at: new Date().toISOString(),
      dialect: 'sqlite',
      made_by: `SQLite ${version}`,
      migrations,
      tables,
    };
    return await writeBackupFile(target, manifest, packed, 'sqlite3+gzip', databaseBytes);
  } finally {
    source?.close();
    copy?.close();
    removeDbFiles(snapshot);
    fs.rmSync(packed, { force: true });
  }
}

export interface SqliteRestoreResult {
  before: Record<string, number> | null;
  after: Record<string, number>;
  migrated: string[];
}

/**
 * Restores a checked backup (see openBackupFile) into DATA_DIR/masthead.db. With `check`, does
 * everything but the last step: the live database is not touched.
 */
export async function restoreSqlite(dataDir: string, backup: OpenedBackup, opts: { check?: boolean } = {}): Promise<SqliteRestoreResult> {
  fs.mkdirSync(dataDir, { recursive: true });
  const live = path.join(dataDir, DB_FILE);
  removeStale(dataDir, /^\.restore-(\d+)-[0-9a-f]+\.db(?:-wal|-shm|-journal)?$/);
  const staging = path.join(dataDir, `.restore-${process.pid}-${crypto.randomBytes(4).toString('hex')}.db`);
  const m = backup.manifest;
  let db: SQLite.Database | null = null;
  let liveDb: SQLite.Database | null = null;
  try {
    try {
      await pipeline(backup.payload(), zlib.createGunzip(), fs.createWriteStream(staging, { mode: 0o600 }));
    } catch (err) {
      throw new BackupError(`the database in the backup cannot be unpacked (${(err as Error).message}); the backup is damaged`);
    }
    if (m.payload.database_bytes !== undefined && fs.statSync(staging).size !== m.payload.database_bytes) {
      throw new BackupError(`the database in the backup has ${fs.statSync(staging).size} bytes, its manifest says ${m.payload.database_bytes}; the backup is damaged`);
    }
    try {
      db = new SQLite(staging, { fileMustExist: true });
      db.pragma('journal_mode = DELETE');
    } catch (err) {
      throw new BackupError(`the backup does not hold a readable SQLite database (${(err as Error).message})`);
    }
    let check: { integrity_check: string }[];
    try {
      check = db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[];
    } catch (err) {
      throw new BackupError(`the database in the backup is damaged (${(err as Error).message})`);
    }
    if (check.length !== 1 || check[0].integrity_check !== 'ok') {
      throw new BackupError(`the database in the backup fails SQLite's integrity check: ${check.slice(0, 5).map((r) => r.integrity_check).join('; ')}`);
    }
    const fk = db.pragma('foreign_key_check') as unknown[];
    if (fk.length > 0) throw new BackupError(`the database in the backup has ${fk.length} row(s) that refer to rows it does not have`);
    const migrations = sqliteMigrations(db);
    if (!migrations || migrations.join(',') !== m.migrations.join(',')) {
      throw new BackupError(`the database in the backup has migrations ${migrations?.join(', ') ?? '(none)'}, its manifest says ${m.migrations.join(', ')}; the backup is damaged`);
    }
    const counts = sqliteCounts(db);
    const diff = countDifferences(m.tables, counts);
    if (diff) throw new BackupError(`the database in the backup does not match its manifest (${diff}); the backup is damaged`);
    if (opts.check) return { before: null, after: counts, migrated: [] };

    // Bring the copy to this version's schema before it replaces anything.
    const kdb = new Kysely<any>({ dialect: new SqliteDialect({ database: db }) });
    db.pragma('foreign_keys = ON');
    try {
      await migrateToLatest(kdb, 'sqlite');
    } catch (err) {
      throw new BackupError(`the backup could not be upgraded to this version's schema: ${(err as Error).message}`);
    }
    const migrated = (sqliteMigrations(db) ?? []).filter((x) => !m.migrations.includes(x));

    liveDb = new SQLite(live);
    liveDb.pragma('journal_mode = WAL');
    liveDb.pragma('synchronous = FULL');
    liveDb.pragma('busy_timeout = 10000');
    const before = sqliteMigrations(liveDb) ? sqliteCounts(liveDb) : null;
    // Running servers keep rendered pages while content_version stays the same. The restored
    // number must be one they have never seen: above anything the live database reached, with
    // room for the writes that may still happen between this read and the copy.
    const liveVersion = contentVersion(liveDb) ?? 0;
    if (contentVersion(db) !== null) {
      db.prepare('update content_version set version = max(version, ?) + 1000000 where id = 1').run(liveVersion);
    }
    const livePage = Number(liveDb.pragma('page_size', { simple: true }));
    if (Number(db.pragma('page_size', { simple: true })) !== livePage) {
      db.pragma(`page_size = ${livePage}`);
      db.exec('vacuum');
    }
    liveDb.close();
    liveDb = null;

    // The one step that changes the live database: a single write transaction.
    await copyDatabase(db, live);
    db.close();
    db = null;

    liveDb = new SQLite(live, { fileMustExist: true });
    liveDb.pragma('synchronous = FULL');
    liveDb.pragma('busy_timeout = 10000');
    const quick = liveDb.pragma('quick_check', { simple: true });
    if (quick !== 'ok') throw new Error(`after the restore, the database fails SQLite's quick check: ${String(quick)}`);
    const after = sqliteCounts(liveDb);
    // Move the restored pages from the log into the database file (synced) at once.
    liveDb.pragma('wal_checkpoint(TRUNCATE)');
    liveDb.close();
    liveDb = null;
    syncDir(dataDir);
    return { before, after, migrated };
  } finally {
    db?.close();
    liveDb?.close();
    removeDbFiles(staging);
  }
}

export function countDifferences(expected: Record<string, number>, actual: Record<string, number>): string | null {
  const problems: string[] = [];
  for (const [t, n] of Object.entries(expected)) {
    if (!(t in actual)) problems.push(`table ${t} is missing`);
    else if (actual[t] !== n) problems.push(`${t}: ${actual[t]} rows, expected ${n}`);
  }
  for (const t of Object.keys(actual)) if (!(t in expected)) problems.push(`table ${t} is not in the manifest`);
  return problems.length ? problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : '') : null;
}
