import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { DB } from './schema.ts';
import { migrateToLatest } from './migrations.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<DB>;
  dialect: Dialect;
  /** The SQLite handle, for bulk loads and online backups; null on PostgreSQL. */
  sqlite: SQLite.Database | null;
  /** The PostgreSQL pool, null on SQLite. */
  pool: pg.Pool | null;
  close(): Promise<void>;
}

export interface StoreOptions {
  databaseUrl: string | null;
  dataDir: string;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
}

// Integer columns come back as numbers on PostgreSQL too (count(*) is bigint: parse it; our
// counts never approach 2^53).
pg.types.setTypeParser(20, (v: string) => Number(v));

/**
 * Kysely prepares every query anew; planning a join costs SQLite more than running it. Reusing
 * prepared statements by SQL text makes a page's queries several times cheaper. Safe because
 * Kysely runs one query at a time on the connection and each finishes before the next starts.
 */
function withStatementCache(sqlite: SQLite.Database, max = 1000) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string): SQLite.Statement {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = sqlite.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}

/** SQLite's page cache in MiB (SQLITE_CACHE_MB, default 256). */
export function sqliteCacheMb(): number {
  const v = process.env.SQLITE_CACHE_MB;
  if (v === undefined || v === '') return 256;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 2 || n > 65536) throw new Error(`SQLITE_CACHE_MB must be a whole number of MiB from 2 to 65536, got "${v}"`);
  return n;
}

export async function openStore(opts: StoreOptions): Promise<Store> {
  let store: Store;
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: Number(process.env.PG_POOL_SIZE ?? 10) });
    // An idle pooled connection that the server ends (a restart, an administrator) must not take
    // the process down: the pool drops it and opens a new one when needed.
    pool.on('error', (err) => process.stderr.write(`postgres: idle connection lost: ${err.message}\n`));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    store = { db, dialect: 'postgres', sqlite: null, pool, close: () => db.destroy() };
  } else {
    const cacheMb = sqliteCacheMb();
    fs.mkdirSync(opts.dataDir, { recursive: true });
    const file = path.join(opts.dataDir, 'masthead.db');
    const sqlite = new SQLite(file);
    // WAL lets readers run while one writer commits; synchronous=FULL makes every acknowledged
    // commit durable even across power loss (NORMAL would only survive a process crash).
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // Reads come from memory once warm: a page cache of SQLITE_CACHE_MB (it grows to that as
    // pages are read), and the file mapped for zero-copy reads. The cache is the process's own
    // memory, which the operating system does not take back the way it drops file pages it has
    // cached: searching 100,000 articles was a third slower with 64 MiB than with 256.
    sqlite.pragma(`cache_size = ${-1024 * cacheMb}`);
    sqlite.pragma('mmap_size = 268435456');
    const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    store = { db, dialect: 'sqlite', sqlite, pool: null, close: () => db.destroy() };
  }
  if (opts.migrate !== false) await migrateToLatest(store.db, store.dialect, store.sqlite);
  return store;
}

