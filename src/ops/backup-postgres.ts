import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { BackupError, writeBackupFile, type Manifest, type OpenedBackup } from './backup-format.ts';
import { removeStale, escapeRegExp } from './backup-sqlite.ts';

// PostgreSQL backups are pg_dump archives (custom format: compressed, every table, sequence,
// index, trigger and extension of Masthead's schema) taken from ONE snapshot: Masthead opens a
// REPEATABLE READ transaction, counts every table and reads the migrations in it, exports the
// snapshot and has pg_dump read exactly that snapshot, so the manifest describes what the
// archive holds. Servers keep running; pg_dump takes no locks that block them.
//
// A restore runs as ONE transaction through psql: lock Masthead's tables, drop every object in
// its schema, run the archive's SQL, then check inside the same transaction that every table has
// the manifest's row count and the migrations match, and commit. Any error rolls all of it back.
// Running servers wait on the locks and then see the restored archive.
//
// The client tools (pg_dump, pg_restore, psql) must be of the server's major version or newer;
// PG_BINDIR names their directory when the ones on PATH are older.

function tool(name: 'pg_dump' | 'pg_restore' | 'psql'): string {
  const dir = process.env.PG_BINDIR?.trim();
  return dir ? path.join(dir, name) : name;
}

/** libpq connection settings for the tools: the URL without its password (which goes in PGPASSWORD, not on a command line anyone can see). */
function libpq(databaseUrl: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const u = new URL(databaseUrl);
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  u.password = '';
  // node-postgres understands ssl=true, libpq does not.
  const ssl = u.searchParams.get('ssl');
  if (ssl !== null) {
    u.searchParams.delete('ssl');
    if ((ssl === 'true' || ssl === '1') && !u.searchParams.has('sslmode')) u.searchParams.set('sslmode', 'require');
  }
  u.protocol = 'postgresql:';
  return { dbname: u.toString(), env };
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function missingTool(name: string): BackupError {
  return new BackupError(`${name} is not installed or not on PATH: install the PostgreSQL client tools of your server's version (Debian: apt-get install postgresql-client), or set PG_BINDIR to their directory`);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, opts: { captureStdout?: boolean } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', opts.captureStdout ? 'pipe' : 'ignore', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', (err) => reject((err as NodeJS.ErrnoException).code === 'ENOENT' ? missingTool(path.basename(cmd)) : err));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function firstLines(text: string, n = 6): string {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, n).join(' / ');
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

async function connect(databaseUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
  } catch (err) {
    throw new BackupError(`cannot connect to the PostgreSQL database: ${(err as Error).message}`);
  }
  return client;
}

async function tablesIn(client: pg.Client, schema: string): Promise<string[]> {
  const r = await client.query<{ name: string }>(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind in ('r', 'p') order by c.relname`, [schema]);
  return r.rows.map((x) => x.name);
}

async function countsIn(client: pg.Client, schema: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of await tablesIn(client, schema)) {
    const r = await client.query<{ n: string }>(`select count(*)::text as n from ${quoteIdent(schema)}.${quoteIdent(t)}`);
    out[t] = Number(r.rows[0].n);
  }
  return out;
}

async function migrationsIn(client: pg.Client, schema: string): Promise<string[] | null> {
  const has = await client.query(`select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname = 'kysely_migration'`, [schema]);
  if (has.rowCount === 0) return null;
  return (await client.query<{ name: string }>(`select name from ${quoteIdent(schema)}.kysely_migration order by name`)).rows.map((r) => r.name);
}

export interface PgBackupResult {
  manifest: Manifest;
  bytes: number;
}

export async function backupPostgres(databaseUrl: string, target: string): Promise<PgBackupResult> {
  const dir = path.dirname(path.resolve(target));
  if (!fs.existsSync(dir)) throw new BackupError(`the directory ${dir} does not exist`);
  removeStale(dir, new RegExp(`^\\.${escapeRegExp(path.basename(target))}\\.partial-(\\d+)$`));
  const work = fs.mkdtempSync(path.join(dir, `.${path.basename(target)}.work-`));
  const dumpFile = path.join(work, 'dump');
  const client = await connect(databaseUrl);
  try {
    await client.query('begin isolation level repeatable read read only');
    const { rows: [info] } = await client.query<{ schema: string; version: string; snapshot: string }>(
      `select current_schema() as schema, current_setting('server_version') as version, pg_export_snapshot() as snapshot`);
    const migrations = await migrationsIn(client, info.schema);
    if (!migrations || migrations.length === 0) throw new BackupError(`the database has no Masthead schema in "${info.schema}" (no migrations table)`);
    const tables = await countsIn(client, info.schema);
    const { dbname, env } = libpq(databaseUrl);
    // The transaction above stays open, so pg_dump can read its snapshot.
    const r = await run(tool('pg_dump'), [
      '--format=custom', `--snapshot=${info.snapshot}`, `--schema=${info.schema}`, '--extension=*',
      '--no-owner', '--no-privileges', `--file=${dumpFile}`, `--dbname=${dbname}`,
    ], env);
    if (r.code !== 0) {
      const hint = /server version mismatch/i.test(r.stderr) ? ' (pg_dump must be of the server\'s major version or newer: set PG_BINDIR)' : '';
      throw new BackupError(`pg_dump failed${hint}: ${firstLines(r.stderr)}`);
    }
    await client.query('commit');
    const manifest: Omit<Manifest, 'payload'> = {
      format: 'masthead-backup',
      version: 1,
      created_at: new Date().toISOString(),
      dialect: 'postgres',
      made_by: `PostgreSQL ${info.version}`,
      schema: info.schema,
      migrations,
      tables,
    };
    return await writeBackupFile(target, manifest, dumpFile, 'pg_dump-custom');
  } finally {
    await client.end().catch(() => {});
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Drops every object of the schema (except extensions' own) as the first part of the restore transaction. */
function preludeSql(schema: string): string {
  const s = quoteLiteral(schema);
  return `
\\set ON_ERROR_STOP on
SET client_min_messages = warning;
DO $masthead$
DECLARE
  s text := ${s};
  stmt text;
  pre bigint := 0;
BEGIN
  -- Lock every table at once: running servers wait for the restore instead of seeing half of it.
  SELECT 'LOCK TABLE ' || string_agg(format('%I.%I', n.nspname, c.relname), ', ' ORDER BY c.oid) || ' IN ACCESS EXCLUSIVE MODE'
    INTO stmt FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = s AND c.relkind IN ('r', 'p');
  IF stmt IS NOT NULL THEN EXECUTE stmt; END IF;
  -- The page caches of running servers are valid while content_version stays the same.
  IF to_regclass(format('%I.content_version', s)) IS NOT NULL THEN
    EXECUTE format('SELECT coalesce(max(version), 0) FROM %I.content_version', s) INTO pre;
  END IF;
  PERFORM set_config('masthead.version_before_restore', coalesce(pre, 0)::text, true);

  FOR stmt IN
    SELECT format('DROP %s IF EXISTS %I.%I CASCADE',
             CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
             n.nspname, c.relname)
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = s AND c.relkind IN ('v', 'm', 'r', 'p', 'f', 'S')
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
     ORDER BY CASE c.relkind WHEN 'v' THEN 0 WHEN 'm' THEN 1 WHEN 'S' THEN 3 ELSE 2 END
  LOOP EXECUTE stmt; END LOOP;

  FOR stmt IN
    SELECT format('DROP %s IF EXISTS %I.%I(%s) CASCADE', CASE p.prokind WHEN 'a' THEN 'AGGREGATE' ELSE 'ROUTINE' END, n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = s AND p.prokind IN ('f', 'p', 'a')
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  LOOP EXECUTE stmt; END LOOP;

  FOR stmt IN
    SELECT format('DROP %s IF EXISTS %I.%I CASCADE', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, n.nspname, t.typname)
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = s
       AND (t.typtype IN ('e', 'd', 'r', 'm') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
  LOOP EXECUTE stmt; END LOOP;

  FOR stmt IN
    SELECT format('DROP TEXT SEARCH CONFIGURATION IF EXISTS %I.%I CASCADE', n.nspname, c.cfgname)
      FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace
     WHERE n.nspname = s AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_ts_config'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  LOOP EXECUTE stmt; END LOOP;
  FOR stmt IN
    SELECT format('DROP TEXT SEARCH DICTIONARY IF EXISTS %I.%I CASCADE', n.nspname, c.dictname)
      FROM pg_ts_dict c JOIN pg_namespace n ON n.oid = c.dictnamespace
     WHERE n.nspname = s AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_ts_dict'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  LOOP EXECUTE stmt; END LOOP;
END
$masthead$;
`;
}

/** Checks, inside the restore transaction, that the restored tables are what the manifest describes. */
function postludeSql(schema: string, m: Manifest): string {
  const s = quoteIdent(schema);
  const checks = Object.entries(m.tables).map(([t, n]) => {
    const name = quoteLiteral(t);
    return `  IF to_regclass(${quoteLiteral(`${s}.${quoteIdent(t)}`)}) IS NULL THEN RAISE EXCEPTION 'masthead restore: table % is missing after the restore', ${name}; END IF;
  EXECUTE ${quoteLiteral(`SELECT count(*) FROM ${s}.${quoteIdent(t)}`)} INTO n;
  IF n <> ${Number(n)} THEN RAISE EXCEPTION 'masthead restore: table % has % rows after the restore, the manifest says ${Number(n)}', ${name}, n; END IF;`;
  }).join('\n');
  const tableList = quoteLiteral(Object.keys(m.tables).sort().join(','));
  return `
DO $masthead$
DECLARE
  n bigint;
  got text;
BEGIN
  SELECT string_agg(name, ',' ORDER BY name) INTO got FROM ${s}.kysely_migration;
  IF got IS DISTINCT FROM ${quoteLiteral(m.migrations.join(','))} THEN
    RAISE EXCEPTION 'masthead restore: the restored migrations (%) differ from the manifest', got;
  END IF;
  SELECT string_agg(c.relname::text, ',' ORDER BY c.relname::text) INTO got FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
   WHERE ns.nspname = ${quoteLiteral(schema)} AND c.relkind IN ('r', 'p');
  IF got IS DISTINCT FROM ${tableList} THEN
    RAISE EXCEPTION 'masthead restore: the restored tables (%) differ from the manifest', got;
  END IF;
${checks}
  IF to_regclass(${quoteLiteral(`${s}.content_version`)}) IS NOT NULL THEN
    UPDATE ${s}.content_version SET version = greatest(version, current_setting('masthead.version_before_restore')::bigint) + 1;
  END IF;
END
$masthead$;
`;
}

export interface PgRestoreResult {
  before: Record<string, number> | null;
  after: Record<string, number>;
}

/**
 * Restores a checked backup (see openBackupFile) into the database at DATABASE_URL, as one
 * transaction. With `check`, reads the archive's table of contents and stops.
 */
export async function restorePostgres(databaseUrl: string, backup: OpenedBackup, opts: { check?: boolean } = {}): Promise<PgRestoreResult> {
  const m = backup.manifest;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'masthead-restore-'));
  const dumpFile = path.join(work, 'dump');
  const listFile = path.join(work, 'list');
  const client = await connect(databaseUrl);
  try {
    await pipeline(backup.payload(), fs.createWriteStream(dumpFile, { mode: 0o600 }));
    const { env, dbname } = libpq(databaseUrl);
    const toc = await run(tool('pg_restore'), ['--list', dumpFile], env, { captureStdout: true });
    if (toc.code !== 0) throw new BackupError(`the PostgreSQL archive in the backup cannot be read: ${firstLines(toc.stderr)}`);
    const schema = m.schema ?? 'public';
    const current = (await client.query<{ s: string }>('select current_schema() as s')).rows[0].s;
    if (current !== schema) throw new BackupError(`the backup holds the schema "${schema}", but this database's current schema is "${current}"`);
    // Every table of the manifest must be in the archive (a crafted or mismatched file is refused here).
    const tocTables = new Set([...toc.stdout.matchAll(/^\d+; \d+ \d+ TABLE DATA (\S+) (\S+) /gm)].filter((x) => x[1] === schema).map((x) => x[2]));
    const missing = Object.keys(m.tables).filter((t) => !tocTables.has(t));
    if (missing.length) throw new BackupError(`the PostgreSQL archive in the backup lacks table${missing.length === 1 ? '' : 's'} ${missing.slice(0, 5).join(', ')} that its manifest lists; the backup is damaged`);
    if (opts.check) return { before: null, after: m.tables };

    const before = (await migrationsIn(client, schema)) ? await countsIn(client, schema) : null;
    await client.end();

    // The schema itself exists already; everything in it is dropped and recreated.
    const list = toc.stdout.split('\n').filter((l) => !new RegExp(`^\\d+; \\d+ \\d+ (SCHEMA|COMMENT) - (SCHEMA )?${schema.replace(/[^\w]/g, '\\$&')} `).test(l)).join('\n');
    fs.writeFileSync(listFile, list);

    const psql = spawn(tool('psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction', '-f', '-', `--dbname=${dbname}`], { env, stdio: ['pipe', 'ignore', 'pipe'] });
    const restoreSql = spawn(tool('pg_restore'), ['--no-owner', '--no-privileges', '--no-comments', `--use-list=${listFile}`, '--file=-', dumpFile], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let psqlErr = '';
    let restoreErr = '';
    psql.stderr.on('data', (d) => (psqlErr += d));
    restoreSql.stderr.on('data', (d) => (restoreErr += d));
    const psqlDone = new Promise<number>((resolve, reject) => {
      psql.on('error', (err) => reject((err as NodeJS.ErrnoException).code === 'ENOENT' ? missingTool('psql') : err));
      psql.on('close', (code) => resolve(code ?? -1));
    });
    const restoreDone = new Promise<number>((resolve, reject) => {
      restoreSql.on('error', (err) => reject((err as NodeJS.ErrnoException).code === 'ENOENT' ? missingTool('pg_restore') : err));
      restoreSql.on('close', (code) => resolve(code ?? -1));
    });
    psql.stdin.on('error', () => {}); // psql stopped early: its exit code tells why
    psql.stdin.write(preludeSql(schema));
    restoreSql.stdout.pipe(psql.stdin, { end: false });
    let restoreCode: number;
    try {
      restoreCode = await restoreDone;
    } catch (err) {
      psql.kill('SIGKILL');
      await psqlDone.catch(() => {});
      throw err;
    }
    if (restoreCode !== 0) {
      // The script is incomplete: end psql without a COMMIT, so nothing is changed.
      psql.kill('SIGKILL');
      await psqlDone.catch(() => {});
      throw new BackupError(`pg_restore could not read the archive: ${firstLines(restoreErr)}`);
    }
    psql.stdin.end(postludeSql(schema, m));
    const psqlCode = await psqlDone;
    if (psqlCode !== 0) {
      const msg = firstLines(psqlErr.replace(/^psql:[^:]*:\d+: /gm, ''));
      throw new BackupError(`the restore was rolled back, nothing was changed: ${msg}`);
    }

    const after = await connect(databaseUrl).then(async (c) => {
      try {
        return await countsIn(c, schema);
      } finally {
        await c.end();
      }
    });
    return { before, after };
  } finally {
    await client.end().catch(() => {});
    fs.rmSync(work, { recursive: true, force: true });
  }
}
