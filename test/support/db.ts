import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/db.ts';

// Each test gets its own empty database: a temp SQLite file, or a fresh PostgreSQL database
// when the suite runs with MASTHEAD_TEST_DB=postgres.

export const TEST_DB = process.env.MASTHEAD_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';
const PG_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  store: Store;
  dataDir: string;
  databaseUrl: string | null;
  /** Environment for a child process (the CLI) that should use the same database. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'masthead-test-'));
  let databaseUrl: string | null = null;
  let dbName = '';
  if (TEST_DB === 'postgres') {
    dbName = `masthead_t_${crypto.randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    await admin.end();
    const u = new URL(PG_ADMIN_URL);
    u.pathname = `/${dbName}`;
    databaseUrl = u.toString();
  }
  const store = await openStore({ databaseUrl, dataDir });
  const env: Record<string, string> = { DATA_DIR: dataDir };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  return {
    store,
    dataDir,
    databaseUrl,
    env,
    async cleanup() {
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (dbName) {
        const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
        await admin.connect();
        await admin.query(`drop database if exists ${dbName} with (force)`);
        await admin.end();
      }
    },
  };
}
