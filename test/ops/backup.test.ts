import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import pg from 'pg';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { createTestDatabase, TEST_DB, type TestDatabase } from '../support/db.ts';
import { runCli } from '../support/cli.ts';
import { BrowserSession } from '../support/browser-session.ts';
import { makeIssuePdf } from '../fixtures/issue-pdf.ts';
import { loadDemo } from '../../src/demo/load.ts';
import { buildApp } from '../../src/web/app.ts';
import { createContext } from '../../src/web/context.ts';
import { loadConfig } from '../../src/config.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations.ts';
import { createUser, createSession, grantEntitlement, createApiToken } from '../../src/store/users.ts';
import { hashPassword } from '../../src/auth/passwords.ts';
import { saveFile, setIssuePdf } from '../../src/store/files.ts';
import { saveArticles } from '../../src/commands/save-articles.ts';
import { parseImportFile } from '../../src/domain/importers/index.ts';
import { searchArchive, flushSearchMisses } from '../../src/search/index.ts';
import { ANONYMOUS } from '../../src/domain/access.ts';
import { writeBackupFile, type Manifest } from '../../src/ops/backup-format.ts';
import { restoreBackup, BackupError } from '../../src/ops/backup.ts';
import { articleViews } from '../../src/store/office-views.ts';

// `masthead backup` and `masthead restore`, through the real command, on the database the suite
// runs on. A server (the Fastify app on the same database) stays up through every restore, as
// one would in production: it must serve the restored archive at once, and a refused restore
// must leave everything it serves as it was.

const PG_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PASSWORD = 'correct horse battery staple';
const COOKIE = 'masthead_session';

let t: TestDatabase;
let app: FastifyInstance;
let work: string;
let good: string; // a backup of the populated archive
let snapshotAtBackup: Snapshot;
let sessionToken: string;
let subscriberEmail: string;
let pdfBytes: Uint8Array;

const IMPORTED = `---
title: "Warden Ordered to Restore Typewriters in Quarrystone Law Library"
authors: [Imogen Backstrom]
topics: [Access to Courts]
places: [Oregon]
sources:
  - name: Quarrystone Ledger
    url: https://ledger.example/typewriters
  - Court records
access: premium
status: published
published_at: 2025-03-05
issue: 2025-03
pages: "48"
---
Prisoners at Quarrystone won back their typewriters after a federal judge found the removal blocked access to the courts.

The order cites the earlier ruling on library hours [See: PLN, Mar. 2025, p.45.] and requires replacement ribbons within thirty days.
`;

const ADDED_LATER = `---
title: "Zeppelinfield County Settles Over Lost Mail"
access: free
status: published
published_at: 2025-03-06
---
A story written after the backup was made.
`;

// ------------------------------------------------------------------ whole-database snapshots

type Snapshot = Record<string, string[]>;

async function tables(store: Store): Promise<string[]> {
  if (store.dialect === 'sqlite') {
    const rows = store.sqlite!.prepare(`select name, sql from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' order by name`).all() as { name: string; sql: string }[];
    return rows.filter((r) => !/^create virtual/i.test(r.sql)).map((r) => r.name);
  }
  const r = await sql<{ name: string }>`select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = current_schema() and c.relkind = 'r' order by 1`.execute(store.db);
  return r.rows.map((x) => x.name);
}

/** Every row of every table (found in the database, not listed here), in a comparable form. */
async function snapshot(store: Store): Promise<Snapshot> {
  // Page views are counted in memory and written every few seconds: write them now.
  await articleViews(store).flush();
  const out: Snapshot = {};
  for (const name of await tables(store)) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(store.db);
    out[name] = rows.rows.map((row) => JSON.stringify(row, (_k, v) => {
      if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer') return `bytes:${crypto.createHash('sha256').update(Buffer.from((v as { data: number[] }).data)).digest('hex')}`;
      return v;
    })).sort();
  }
  return out;
}

function withoutVersion(s: Snapshot): Snapshot {
  const { content_version: _, ...rest } = s;
  return rest;
}

async function contentVersion(store: Store): Promise<number> {
  return Number((await sql<{ version: number }>`select version from content_version where id = 1`.execute(store.db)).rows[0].version);
}

function assertSame(actual: Snapshot, expected: Snapshot, message: string) {
  assert.deepEqual(Object.keys(actual), Object.keys(expected), `${message}: the same tables`);
  for (const name of Object.keys(expected)) assert.deepEqual(actual[name], expected[name], `${message}: table ${name}`);
}

// ------------------------------------------------------------------ fixture

async function importMarkdown(store: Store, file: string, text: string) {
  return saveArticles(store.db, [{ file, article: parseImportFile(file, Buffer.from(text)) }]);
}

function browser() {
  return new BrowserSession(app);
}

async function signedInAs(b: BrowserSession): Promise<string | null> {
  const res = await b.get('/account');
  if (res.statusCode !== 200) return null;
  return /Signed in as <strong>([^<]+)<\/strong>/.exec(res.body)?.[1] ?? null;
}

before(async () => {
  t = await createTestDatabase();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'masthead-backup-test-'));
  await loadDemo(t.store.db);
  await importMarkdown(t.store, 'typewriters.md', IMPORTED);
  const db = t.store.db;
  subscriberEmail = 'subscriber@example.org';
  const sub = await createUser(db, { email: subscriberEmail, passwordHash: await hashPassword(PASSWORD), verified: true, name: 'Ada Subscriber', rateClass: 'prisoner' });
  await createUser(db, { email: 'editor@example.org', passwordHash: await hashPassword(PASSWORD), verified: true, role: 'editor' });
  await createUser(db, { email: 'linkonly@example.org', verified: false });
  sessionToken = await createSession(db, sub.id, { userAgent: 'Backup test', ip: '203.0.113.9' });
  await grantEntitlement(db, { userId: sub.id, plan: 'print-digital', endsAt: '2099-12-31T00:00:00.000Z', source: 'admin', note: 'paid by money order #1701' });
  await createApiToken(db, sub.id, 'api', 'backup test');
  pdfBytes = await makeIssuePdf({ pages: 3, pageBytes: 20_000 });
  await db.transaction().execute(async (trx) => {
    const pub = await trx.selectFrom('publications').select('id').executeTakeFirstOrThrow();
    const fileId = await saveFile(trx, { kind: 'issue-pdf', contentType: 'application/pdf', content: pdfBytes });
    await setIssuePdf(trx, { publicationId: pub.id, year: 2025, month: 3 }, fileId);
  });
  const config = loadConfig({ ...t.env, BASE_URL: 'http://masthead.test' });
  app = await buildApp(createContext(t.store, config));
  await app.ready();
  // The home page is rendered (and cached) before the backup, as on a live site.
  assert.equal((await browser().get('/')).statusCode, 200);

  good = path.join(work, 'good.mhbackup');
  snapshotAtBackup = await snapshot(t.store);
  const r = await runCli(['backup', good], t.env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Backed up the (SQLite|PostgreSQL) database .*27 articles, 3 users, 1 entitlement, 1 file/);
});

after(async () => {
  await app?.close();
  await t?.cleanup();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

// ------------------------------------------------------------------ round trip

test('restore brings back every table exactly — articles with bodies, citations and sources, accounts, sessions, entitlements, files, the search index — and the running site serves it at once', async () => {
  const db = t.store.db;
  const versionBefore = await contentVersion(t.store);
  // Life goes on after the backup: an article deleted, one added, a password changed, the
  // subscription revoked, the session ended, the issue PDF removed, a new account.
  await db.deleteFrom('articles').where('slug', '=', 'warden-ordered-to-restore-typewriters-in-quarrystone-law-library').execute();
  await importMarkdown(t.store, 'later.md', ADDED_LATER);
  await db.updateTable('users').set({ password_hash: await hashPassword('another password entirely') }).where('email', '=', subscriberEmail).execute();
  await db.updateTable('entitlements').set({ revoked_at: new Date().toISOString() }).execute();
  await db.deleteFrom('sessions').execute();
  await db.updateTable('issues').set({ pdf_file_id: null }).execute();
  await db.deleteFrom('files').execute();
  await createUser(db, { email: 'newcomer@example.org', verified: true });
  const home = await browser().get('/');
  assert.match(home.body, /Zeppelinfield County Settles/);
  assert.equal(await signedInAs(sessionBrowser()), null);

  const r = await runCli(['restore', good], t.env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Restored the .* database .*27 articles, 3 users, 1 entitlement, 1 file/);
  assert.match(r.stdout, /It replaced: 27 articles, 4 users/);

  // Every row of every table is as it was at the backup…
  assertSame(withoutVersion(await snapshot(t.store)), withoutVersion(snapshotAtBackup), 'after the restore');
  // …except the content version, which moves on so that running servers drop cached pages.
  assert.ok((await contentVersion(t.store)) > versionBefore);

  // What users notice, from the server that stayed up through the restore:
  const anon = browser();
  const page = await anon.get('/');
  assert.doesNotMatch(page.body, /Zeppelinfield County Settles/, 'no stale cached home page');
  assert.match(page.body, /Warden Ordered to Restore Typewriters/);
  const article = await anon.get('/articles/warden-ordered-to-restore-typewriters-in-quarrystone-law-library');
  assert.equal(article.statusCode, 200);
  assert.match(article.body, /Quarrystone Ledger/, 'sources');

  // The old session cookie works again; the old password signs in; the subscription is back.
  const returning = sessionBrowser();
  assert.equal(await signedInAs(returning), subscriberEmail);
  const full = await returning.get('/articles/warden-ordered-to-restore-typewriters-in-quarrystone-law-library');
  assert.match(full.body, /requires replacement ribbons within thirty days/, 'the entitled reader reads the premium body');
  assert.match(full.body, /<a href="[^"]+" class="cite">PLN, Mar\. 2025, p\.45<\/a>/, 'the citation is linked');
  const pdf = await returning.get('/api/v1/issues/2025/03/pdf');
  assert.equal(pdf.statusCode, 200);
  assert.equal(pdf.headers['content-type'], 'application/pdf');
  assert.ok(pdf.rawPayload.length > pdfBytes.length, 'the issue PDF, stamped for the reader');
  const b = browser();
  await b.get('/login');
  const login = await b.post('/login', { email: subscriberEmail, password: PASSWORD });
  assert.equal(login.statusCode, 303, 'the password from the backup signs in');

  // The search index came back with the articles.
  const found = await searchArchive(t.store, { q: 'typewriters Quarrystone' }, ANONYMOUS);
  assert.deepEqual(found.hits.map((h) => h.slug), ['warden-ordered-to-restore-typewriters-in-quarrystone-law-library']);
  const gone = await searchArchive(t.store, { q: 'Zeppelinfield' }, ANONYMOUS);
  assert.equal(gone.total, 0);
  // That search is recorded as one that found nothing, a moment later: now, before the next
  // tests compare whole databases.
  await flushSearchMisses(t.store);
});

function sessionBrowser(): BrowserSession {
  const b = browser();
  b.cookies.set(COOKIE, sessionToken);
  return b;
}

test('restore into a new, empty installation gives the same archive', async () => {
  let fresh: TestDatabase | null = null;
  let env: Record<string, string>;
  let emptyDir: string | null = null;
  if (TEST_DB === 'sqlite') {
    // A new machine: DATA_DIR does not even exist yet.
    emptyDir = path.join(work, 'new-machine', 'data');
    env = { DATA_DIR: emptyDir };
  } else {
    fresh = await createTestDatabase();
    env = fresh.env;
  }
  try {
    const r = await runCli(['restore', good], env);
    assert.equal(r.code, 0, r.stderr);
    const store = fresh?.store ?? (await openStore({ databaseUrl: null, dataDir: emptyDir! }));
    try {
      assertSame(withoutVersion(await snapshot(store)), withoutVersion(snapshotAtBackup), 'restored into a new installation');
      if (store.dialect === 'sqlite') {
        assert.equal(store.sqlite!.pragma('journal_mode', { simple: true }), 'wal');
        assert.equal(store.sqlite!.pragma('integrity_check', { simple: true }), 'ok');
      }
    } finally {
      if (!fresh) await store.close();
    }
  } finally {
    await fresh?.cleanup();
  }
});

test('--check verifies a backup completely and changes nothing', async () => {
  const before = await snapshot(t.store);
  const r = await runCli(['restore', good, '--check'], t.env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /is a sound backup: .*27 articles/);
  assert.match(r.stdout, /Nothing was changed/);
  assertSame(await snapshot(t.store), before, 'after --check');
});

// ------------------------------------------------------------------ damaged and foreign files

/** Splits one of our backup files into its manifest and payload (to craft consistent but wrong files). */
function parseBackup(file: string): { manifest: Manifest; payload: Buffer } {
  const buf = fs.readFileSync(file);
  const nl1 = buf.indexOf(0x0a);
  const nl2 = buf.indexOf(0x0a, nl1 + 1);
  const manifest = JSON.parse(buf.subarray(nl1 + 1, nl2).toString('utf8')) as Manifest;
  return { manifest, payload: buf.subarray(nl2 + 1, nl2 + 1 + manifest.payload.bytes) };
}

/** A well-formed backup (correct checksums) with a changed manifest or payload. */
async function craft(name: string, change: (m: Manifest) => void, payload?: Buffer): Promise<string> {
  const { manifest, payload: original } = parseBackup(good);
  change(manifest);
  const payloadFile = path.join(work, `${name}.payload`);
  fs.writeFileSync(payloadFile, payload ?? original);
  const { payload: p, ...rest } = manifest;
  const out = path.join(work, name);
  await writeBackupFile(out, rest, payloadFile, p.encoding, p.database_bytes);
  return out;
}

function variant(name: string, bytes: Buffer | string): string {
  const file = path.join(work, name);
  fs.writeFileSync(file, bytes);
  return file;
}

/** A backup of another database made by a Masthead with a migration this one does not know. */
async function backupFromTheFuture(): Promise<string> {
  const other = TEST_DB === 'sqlite' ? null : await createTestDatabase();
  const dataDir = path.join(work, 'future');
  const store = other?.store ?? (await openStore({ databaseUrl: null, dataDir }));
  try {
    await loadDemo(store.db);
    await store.db.insertInto('kysely_migration' as never).values({ name: '9999_teleportation', timestamp: new Date().toISOString() } as never).execute();
    const file = path.join(work, 'future.mhbackup');
    const r = await runCli(['backup', file], other?.env ?? { DATA_DIR: dataDir });
    assert.equal(r.code, 0, r.stderr);
    return file;
  } finally {
    if (other) await other.cleanup();
    else await store.close();
  }
}

/** A backup of the other kind of database: real when that database is at hand, else crafted. */
async function backupOfTheOtherKind(): Promise<string> {
  if (TEST_DB === 'postgres') {
    const dataDir = path.join(work, 'sqlite-site');
    const store = await openStore({ databaseUrl: null, dataDir });
    await loadDemo(store.db);
    await store.close();
    const file = path.join(work, 'sqlite-site.mhbackup');
    const r = await runCli(['backup', file], { DATA_DIR: dataDir, DATABASE_URL: '' });
    assert.equal(r.code, 0, r.stderr);
    return file;
  }
  return craft('postgres-kind.mhbackup', (m) => {
    m.dialect = 'postgres';
    m.schema = 'public';
  });
}

test('restore refuses damaged, truncated, foreign and newer backups with a clear message, and changes nothing', async () => {
  const whole = fs.readFileSync(good);
  const { manifest } = parseBackup(good);
  const payloadStart = whole.indexOf(0x0a, whole.indexOf(0x0a) + 1) + 1;
  const flipped = Buffer.from(whole);
  flipped[payloadStart + Math.floor(manifest.payload.bytes / 2)] ^= 0x10;
  const manifestEdited = Buffer.from(whole.toString('latin1').replace(`"articles":27`, `"articles":28`), 'latin1');
  assert.notDeepEqual(manifestEdited, whole);
  const sqliteFile = path.join(work, 'bare.db');
  const bare = new SQLite(sqliteFile);
  bare.exec('create table x (y)');
  bare.close();

  const cases: [string, string, RegExp][] = [
    ['cut in half', variant('half.mhbackup', whole.subarray(0, Math.floor(whole.length / 2))), /the backup is incomplete: .* of .*; it was cut short/],
    ['one byte short', variant('short.mhbackup', whole.subarray(0, whole.length - 1)), /the backup is incomplete/],
    ['cut inside the manifest', variant('head.mhbackup', whole.subarray(0, 60)), /incomplete: it ends inside its manifest/],
    ['a bit flipped in the data', variant('flipped.mhbackup', flipped), /the backup is damaged: its checksum does not match \(the data was altered\)/],
    ['a count edited in the manifest', variant('edited.mhbackup', manifestEdited), /the backup is damaged: its checksum does not match \(the header or the manifest was altered\)/],
    ['extra bytes at the end', variant('long.mhbackup', Buffer.concat([whole, Buffer.from('x')])), /1 bytes more than its manifest describes/],
    ['an empty file', variant('empty.mhbackup', ''), /the file is empty/],
    ['a text file', variant('notes.txt', 'Remember to renew the domain.\n'), /it is not a Masthead backup/],
    ['a bare SQLite database', sqliteFile, /a bare SQLite database file, not a Masthead backup/],
    ['a later format version', variant('v2.mhbackup', Buffer.concat([Buffer.from('MASTHEAD BACKUP 2\n'), whole.subarray(whole.indexOf(0x0a) + 1)])), /format version 2, made by a newer Masthead/],
    ['no such file', path.join(work, 'missing.mhbackup'), /no such file/],
    ['a backup of the other kind of database', await backupOfTheOtherKind(), TEST_DB === 'sqlite' ? /is a backup of a PostgreSQL database, but this Masthead uses SQLite/ : /is a backup of a SQLite database, but this Masthead uses PostgreSQL/],
    ['a backup from a newer version', await backupFromTheFuture(), /comes from a newer version of Masthead: .*9999_teleportation.* Upgrade Masthead/],
    ['data that is not a database (checksums recomputed)', await craft('garbage.mhbackup', () => {}, crypto.randomBytes(5000)),
      TEST_DB === 'sqlite' ? /cannot be unpacked/ : /the PostgreSQL archive in the backup cannot be read/],
    ['a manifest that does not match the data (checksums recomputed)', await craft('lying.mhbackup', (m) => { m.tables.articles = 99; }),
      TEST_DB === 'sqlite' ? /does not match its manifest \(articles: 27 rows, expected 99\)/ : /rolled back, nothing was changed: .*articles has 27 rows after the restore, the manifest says 99/],
  ];

  // Something that exists only now, after the backup: it must survive every refused restore.
  await importMarkdown(t.store, 'marker.md', ADDED_LATER.replace('Zeppelinfield', 'Marker Hill'));
  const before = await snapshot(t.store);
  // A few through the command (exit code, wording), the rest through the same code in-process
  // (starting the command costs a second each).
  const throughCli = new Set(['cut in half', 'a bit flipped in the data', 'a backup from a newer version', 'a manifest that does not match the data (checksums recomputed)']);
  for (const [what, file, message] of cases) {
    if (throughCli.has(what)) {
      const r = await runCli(['restore', file], t.env);
      assert.equal(r.code, 1, `${what}: exit code (stdout: ${r.stdout}, stderr: ${r.stderr})`);
      assert.match(r.stderr, message, what);
      assert.match(r.stderr, /^masthead restore: .*\nNothing was changed\.\n$/s, what);
      assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, `${what}: no stack trace`);
    } else {
      await assert.rejects(restoreBackup({ databaseUrl: t.databaseUrl, dataDir: t.dataDir }, file), (err: Error) => {
        assert.ok(err instanceof BackupError, `${what}: ${err.stack}`);
        assert.match(err.message, message, what);
        return true;
      });
    }
    assertSame(await snapshot(t.store), before, `after refusing ${what}`);
  }
  // --check says the same about a damaged file.
  const check = await runCli(['restore', path.join(work, 'flipped.mhbackup'), '--check'], t.env);
  assert.equal(check.code, 1);
  assert.match(check.stderr, /the backup is damaged/);
  // The site still serves the marker article.
  assert.match((await browser().get('/')).body, /Marker Hill County Settles/);
});

// ------------------------------------------------------------------ older backups, live writes

/** A database at schema 0003 (before search existed) with one article, made as an old version did. */
async function olderSite(): Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }> {
  const all = migrations(TEST_DB);
  const provider = { getMigrations: async () => all };
  let db: Kysely<any>;
  let env: Record<string, string>;
  let dropName = '';
  if (TEST_DB === 'sqlite') {
    const dataDir = path.join(work, 'old-site');
    fs.mkdirSync(dataDir, { recursive: true });
    const handle = new SQLite(path.join(dataDir, 'masthead.db'));
    handle.pragma('journal_mode = WAL');
    db = new Kysely({ dialect: new SqliteDialect({ database: handle }) });
    env = { DATA_DIR: dataDir };
  } else {
    dropName = `masthead_t_old_${crypto.randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`create database ${dropName}`);
    await admin.end();
    const u = new URL(PG_ADMIN_URL);
    u.pathname = `/${dropName}`;
    db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: u.toString(), max: 2 }) }) });
    env = { DATABASE_URL: u.toString(), DATA_DIR: path.join(work, 'old-site-files') };
  }
  const r = await new Migrator({ db, provider }).migrateTo('0003_downloads');
  assert.equal(r.error, undefined);
  const now = '2024-01-01T00:00:00.000Z';
  const pub = await db.insertInto('publications').values({ slug: 'pln', name: 'Prison Legal News', abbreviation: 'PLN', created_at: now }).returning('id').executeTakeFirstOrThrow();
  const art = await db.insertInto('articles').values({
    publication_id: pub.id, slug: 'old-times-in-vellichor-county', title: 'Old Times in Vellichor County', teaser_html: '<p>Before search.</p>', teaser_text: 'Before search.',
    word_count: 3, access: 'free', status: 'published', published_at: now, created_at: now, updated_at: now,
  }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('article_bodies').values({ article_id: art.id, body_markdown: 'Before search.', body_html: '<p>Before search.</p>', body_text: 'Before search.' }).execute();
  await db.destroy();
  return {
    env,
    async cleanup() {
      if (dropName) {
        const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
        await admin.connect();
        await admin.query(`drop database if exists ${dropName} with (force)`);
        await admin.end();
      }
    },
  };
}

test('a backup made by an older version is upgraded to this schema on restore, search index included', async () => {
  const old = await olderSite();
  try {
    const file = path.join(work, 'old.mhbackup');
    const b = await runCli(['backup', file], old.env);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /schema 0003_downloads/);
    const r = await runCli(['restore', file], t.env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Upgraded to this version's schema: 0004_search/);
    const applied = (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(t.store.db)).rows.map((x) => x.name);
    assert.deepEqual(applied, Object.keys(migrations(TEST_DB)).sort());
    assert.deepEqual((await t.store.db.selectFrom('articles').select('slug').execute()).map((a) => a.slug), ['old-times-in-vellichor-county']);
    const found = await searchArchive(t.store, { q: 'Vellichor' }, ANONYMOUS);
    assert.deepEqual(found.hits.map((h) => h.slug), ['old-times-in-vellichor-county']);
    assert.match((await browser().get('/')).body, /Old Times in Vellichor County/);
  } finally {
    await old.cleanup();
  }
  // Back to the full archive for whatever runs next.
  const r = await runCli(['restore', good], t.env);
  assert.equal(r.code, 0, r.stderr);
});

test('a backup taken while the site writes is one consistent snapshot', async () => {
  const db = t.store.db;
  let stop = false;
  let written = 0;
  // Each write is one transaction: an account and its subscription, always together.
  const writer = (async () => {
    while (!stop) {
      await db.transaction().execute(async (trx) => {
        const u = await createUser(trx, { email: `during-${written}@example.org`, verified: true });
        await grantEntitlement(trx, { userId: u.id, plan: 'digital', endsAt: '2099-01-01T00:00:00.000Z', source: 'admin', note: `during ${written}` });
      });
      written++;
      // SQLite answers synchronously: let the event loop breathe between transactions.
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  const file = path.join(work, 'during.mhbackup');
  let r;
  try {
    await new Promise((resolve) => setTimeout(resolve, 50));
    r = await runCli(['backup', file], t.env);
  } finally {
    stop = true;
    await writer;
  }
  assert.equal(r.code, 0, r.stderr);
  assert.ok(written > 0);
  const copied = parseBackup(file).manifest;
  const usersInBackup = copied.tables.users - 3;
  assert.ok(usersInBackup > 0 && usersInBackup <= written, `${usersInBackup} of ${written} accounts in the backup`);

  const r2 = await runCli(['restore', file], t.env);
  assert.equal(r2.code, 0, r2.stderr);
  const users = await db.selectFrom('users').select(['id', 'email']).where('email', 'like', 'during-%').execute();
  const ents = await db.selectFrom('entitlements').select('user_id').execute();
  const withEnt = new Set(ents.map((e) => e.user_id));
  assert.equal(users.length, usersInBackup);
  for (const u of users) assert.ok(withEnt.has(u.id), `${u.email} has the subscription written in the same transaction`);
  // The accounts are the first N written: a snapshot, not a sample.
  assert.deepEqual(users.map((u) => Number(u.email.split(/[-@]/)[1])).sort((a, b) => a - b), [...Array(usersInBackup).keys()]);
});

test('backup explains what it cannot do and writes nothing', async () => {
  const missingDir = path.join(work, 'no', 'such', 'dir', 'x.mhbackup');
  const r = await runCli(['backup', missingDir], t.env);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /the directory .* does not exist\nNo backup was written\./);
  if (TEST_DB === 'sqlite') {
    const none = await runCli(['backup', path.join(work, 'nothing.mhbackup')], { DATA_DIR: path.join(work, 'no-database-here') });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /there is no database at .*masthead\.db/);
    assert.equal(fs.existsSync(path.join(work, 'nothing.mhbackup')), false);
  }
  const usage = await runCli(['backup'], t.env);
  assert.equal(usage.code, 2);
  assert.equal(fs.readdirSync(work).filter((f) => f.includes('.partial-') || f.includes('.snapshot-') || f.includes('.work-')).length, 0, 'no temporary files left behind');
});
