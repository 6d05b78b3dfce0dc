import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import pg from 'pg';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { loadDemo } from '../../src/demo/load.ts';
import { createUser, createSession } from '../../src/store/users.ts';
import { hashPassword, verifyPassword } from '../../src/auth/passwords.ts';
import { hashToken } from '../../src/auth/tokens.ts';
import { HttpBrowser } from './crash-http.ts';
import { startServer, startImport, writeBatch, batchSlug, killAll, BATCH_PREFIX, type Server } from './crash-children.ts';

// Crash safety: `masthead serve` and `masthead import` run as real processes on the suite's
// database and are killed with SIGKILL at random moments — the server while readers sign in, sign
// up and change passwords over HTTP, the importer during large imports (one transaction each),
// half of those kills aimed at the moment its transaction is open. Afterwards the database passes
// its integrity checks, every acknowledged write (an HTTP answer received, an import that exited
// 0) is there, and every import is all or nothing: all its articles with their bodies, sources,
// citations and search entries, or none.

const SERVER_KILLS = 8;
const IMPORT_KILLS = 14;
const BATCH = 200; // articles per import
const WORKERS = 3; // concurrent HTTP clients
const PASSWORD = 'correct horse battery staple';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rand = (lo: number, hi: number) => lo + Math.random() * (hi - lo);
const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)];
const randomIp = () => `10.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 250)}`;

interface Changer {
  email: string;
  session: string;
  /** The password last acknowledged. */
  password: string;
  /** A change sent when the server died: it may or may not have been committed. */
  pending: string | null;
  busy: boolean;
}

interface Ledger {
  sessions: { email: string; token: string }[];
  signups: string[];
  passwordChanges: number;
  unanswered: number;
  refused: Record<string, number>;
}

async function readerTraffic(server: Server, signers: string[], changers: Changer[], ledger: Ledger, stop: { now: boolean }): Promise<void> {
  let signupSeq = 0;
  const worker = async (w: number) => {
    while (!stop.now) {
      const kind = pick(['signin', 'signin', 'signup', 'password']);
      const b = new HttpBrowser(server.origin, randomIp());
      let changer: Changer | null = null;
      try {
        if (kind === 'signin') {
          const email = pick(signers);
          await b.get('/login');
          const r = await b.post('/login', { email, password: PASSWORD });
          const token = b.cookies.get('masthead_session');
          if (r.status === 303 && token) ledger.sessions.push({ email, token });
          else ledger.refused[`signin ${r.status}`] = (ledger.refused[`signin ${r.status}`] ?? 0) + 1;
        } else if (kind === 'signup') {
          const email = `signup-${process.pid}-${w}-${signupSeq++}-${crypto.randomBytes(3).toString('hex')}@example.org`;
          await b.get('/signup');
          const r = await b.post('/signup', { email, password: PASSWORD });
          if (r.status === 200 && /Check your e-mail/.test(r.body)) ledger.signups.push(email);
          else ledger.refused[`signup ${r.status}`] = (ledger.refused[`signup ${r.status}`] ?? 0) + 1;
        } else {
          changer = changers.find((c) => !c.busy && c.pending === null) ?? null;
          if (!changer) continue;
          changer.busy = true;
          b.cookies.set('masthead_session', changer.session);
          const page = await b.get('/account');
          if (page.status !== 200) {
            ledger.refused[`account ${page.status}`] = (ledger.refused[`account ${page.status}`] ?? 0) + 1;
            changer.busy = false;
            continue;
          }
          const next = `new password ${crypto.randomBytes(6).toString('hex')}`;
          changer.pending = next;
          const r = await b.post('/account/password', { current: changer.password, password: next, password2: next, confirm: next });
          if (r.status === 303) {
            changer.password = next;
            changer.pending = null;
            ledger.passwordChanges++;
          } else {
            changer.pending = null;
            ledger.refused[`password ${r.status}`] = (ledger.refused[`password ${r.status}`] ?? 0) + 1;
          }
          changer.busy = false;
        }
      } catch {
        // The server died with this request in flight: not acknowledged. A password change in
        // flight stays pending (either password may be the one now stored) and that account
        // takes no more changes.
        ledger.unanswered++;
        if (changer) changer.busy = changer.pending === null ? false : true;
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
}

/** Whether the importer is inside its write transaction right now (best effort, for aiming kills). */
function transactionProbe(t: TestDatabase): { open(): Promise<boolean>; close(): Promise<void> } {
  if (t.databaseUrl) {
    const client = new pg.Client({ connectionString: t.databaseUrl });
    const connected = client.connect();
    return {
      async open() {
        await connected;
        const r = await client.query(`select count(*)::int as n from pg_stat_activity where application_name = 'masthead-crash-import'
          and xact_start is not null and state in ('active', 'idle in transaction') and query ~* 'article|search'`);
        return r.rows[0].n > 0;
      },
      close: () => client.end(),
    };
  }
  const probe = new SQLite(path.join(t.dataDir, 'masthead.db'));
  probe.pragma('busy_timeout = 0');
  return {
    async open() {
      // A writer holds the lock: most likely the importer (the server's writes take milliseconds).
      try {
        probe.exec('begin immediate');
        probe.exec('rollback');
        return false;
      } catch {
        return true;
      }
    },
    close: async () => {
      probe.close();
    },
  };
}

interface ImportRun {
  batch: number;
  ms?: number;
  killed: boolean;
  aimed: boolean;
  inTransaction: boolean;
  code: number | null;
}

async function importerChaos(t: TestDatabase, root: string): Promise<ImportRun[]> {
  const runs: ImportRun[] = [];
  const probe = transactionProbe(t);
  try {
    // The first import runs to the end: its duration sets the range of random kill moments.
    let started = Date.now();
    const first = startImport(t.env, writeBatch(root, 0, BATCH));
    const code0 = await first.exited;
    assert.equal(code0, 0, first.output());
    const duration = Date.now() - started;
    runs.push({ batch: 0, killed: false, aimed: false, inTransaction: false, code: code0, ms: duration });
    for (let k = 1; runs.filter((r) => r.killed).length < IMPORT_KILLS && k < IMPORT_KILLS * 3; k++) {
      const dir = writeBatch(root, k, BATCH);
      const aimed = k % 2 === 0;
      started = Date.now();
      const child = startImport(t.env, dir);
      let exited = false;
      void child.exited.then(() => (exited = true));
      let inTransaction = false;
      if (aimed) {
        // Wait for the transaction, then kill somewhere inside it.
        while (!exited && Date.now() - started < duration * 3) {
          if (await probe.open()) {
            inTransaction = true;
            break;
          }
          await sleep(5);
        }
        if (inTransaction) await sleep(rand(0, 150));
      } else {
        await sleep(rand(0, duration * 1.1));
        inTransaction = await probe.open().catch(() => false);
      }
      const killed = await child.kill();
      runs.push({ batch: k, killed, aimed, inTransaction: killed && inTransaction, code: await child.exited });
    }
  } finally {
    await probe.close();
  }
  return runs;
}

test('SIGKILL of `masthead serve` and `masthead import` at random moments loses no acknowledged write and half-imports nothing', { timeout: 240_000 }, async (ctx) => {
  const began = Date.now();
  const t = await createTestDatabase();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'masthead-crash-'));
  try {
    await loadDemo(t.store.db);
    const hash = await hashPassword(PASSWORD);
    const signers: string[] = [];
    for (let i = 0; i < 12; i++) {
      const email = `signer${i}@example.org`;
      await createUser(t.store.db, { email, passwordHash: hash, verified: true });
      signers.push(email);
    }
    const changers: Changer[] = [];
    for (let i = 0; i < 40; i++) {
      const email = `changer${i}@example.org`;
      const u = await createUser(t.store.db, { email, passwordHash: hash, verified: true });
      changers.push({ email, session: await createSession(t.store.db, u.id, { userAgent: 'crash test', ip: '10.0.0.1' }), password: PASSWORD, pending: null, busy: false });
    }
    const ledger: Ledger = { sessions: [], signups: [], passwordChanges: 0, unanswered: 0, refused: {} };

    // The server and the importer, each killed again and again, at the same time.
    let serverKills = 0;
    const startTimes: number[] = [];
    const timedStart = () => {
      const at = Date.now();
      const p = startServer(t.env).then((s) => {
        startTimes.push(Date.now() - at);
        return s;
      });
      p.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
      return p;
    };
    const serverChaos = (async () => {
      // The next server starts while the current one takes traffic (as a command would run beside
      // it), so that it is ready the moment the current one is killed.
      let next: Promise<Server> | null = timedStart();
      while (next) {
        const server: Server = await next;
        next = serverKills + 1 < SERVER_KILLS ? timedStart() : null;
        const stop = { now: false };
        const traffic = readerTraffic(server, signers, changers, ledger, stop);
        await sleep(rand(300, 1200));
        if (await server.kill()) serverKills++;
        stop.now = true;
        await traffic;
        if (!next && serverKills < SERVER_KILLS) next = timedStart();
      }
    })();
    const [servers, imports] = await Promise.allSettled([serverChaos, importerChaos(t, root)]);
    if (servers.status === 'rejected') throw servers.reason;
    if (imports.status === 'rejected') throw imports.reason;
    const runs = imports.value;
    const chaosMs = Date.now() - began;
    const firstImportMs = runs[0].ms ?? 0;

    // ---------------------------------------------------------------- the database is sound
    const db = t.store.db;
    if (t.store.dialect === 'sqlite') {
      assert.equal(t.store.sqlite!.pragma('integrity_check', { simple: true }), 'ok');
      assert.deepEqual(t.store.sqlite!.pragma('foreign_key_check'), []);
    }
    // Consistency that holds on both databases (PostgreSQL is transactional; these show it).
    const orphans = await sql<{ what: string; n: number }>`
      select 'articles without a body' as what, count(*) as n from articles a where not exists (select 1 from article_bodies b where b.article_id = a.id)
      union all select 'bodies without an article', count(*) from article_bodies b where not exists (select 1 from articles a where a.id = b.article_id)
      union all select 'citations without an article', count(*) from citations c where not exists (select 1 from articles a where a.id = c.article_id)
      union all select 'sources without an article', count(*) from article_sources s where not exists (select 1 from articles a where a.id = s.article_id)
      union all select 'sessions without a user', count(*) from sessions s where not exists (select 1 from users u where u.id = s.user_id)
      union all select 'search entries without an article', count(*) from search_docs d where not exists (select 1 from articles a where a.id = d.article_id)
      union all select 'articles missing from search', count(*) from articles a where not exists (select 1 from search_docs d where d.article_id = a.id)`.execute(db);
    for (const o of orphans.rows) assert.equal(Number(o.n), 0, o.what);

    // ---------------------------------------------------------------- imports: all or nothing
    const perBatch = await sql<{ slug: string; body: number; sources: number; citations: number; linked: number; search: number; topics: number }>`
      select a.slug,
        (select count(*) from article_bodies b where b.article_id = a.id) as body,
        (select count(*) from article_sources s where s.article_id = a.id) as sources,
        (select count(*) from citations c where c.article_id = a.id) as citations,
        (select count(*) from citations c where c.article_id = a.id and c.cited_article_id is not null) as linked,
        (select count(*) from search_docs d where d.article_id = a.id) as search,
        (select count(*) from article_topics x where x.article_id = a.id) as topics
      from articles a where a.slug like ${`${BATCH_PREFIX}%`}`.execute(db);
    const bySlug = new Map(perBatch.rows.map((r) => [r.slug, r]));
    let complete = 0;
    for (const run of runs) {
      const present = Array.from({ length: BATCH }, (_, i) => bySlug.get(batchSlug(run.batch, i)));
      const n = present.filter(Boolean).length;
      assert.ok(n === 0 || n === BATCH, `batch ${run.batch} is half-imported: ${n} of ${BATCH} articles (exit ${run.code}, killed ${run.killed})`);
      if (run.code === 0) assert.equal(n, BATCH, `batch ${run.batch} was acknowledged (exit 0) but is not all there`);
      if (n === BATCH) {
        complete++;
        for (const r of present) {
          assert.deepEqual([Number(r!.body), Number(r!.sources), Number(r!.citations), Number(r!.linked), Number(r!.search), Number(r!.topics)], [1, 2, 1, 1, 1, 1], `every part of ${r!.slug}`);
        }
      }
    }
    assert.equal(perBatch.rows.length, complete * BATCH, 'no crash article outside a complete batch');

    // ---------------------------------------------------------------- acknowledged account writes
    const tokenHashes = new Set((await db.selectFrom('sessions').select('token_hash').execute()).map((r) => r.token_hash));
    for (const s of ledger.sessions) assert.ok(tokenHashes.has(hashToken(s.token)), `the acknowledged sign-in of ${s.email} has its session`);
    const emails = new Set((await db.selectFrom('users').select('email').execute()).map((r) => r.email));
    for (const e of ledger.signups) assert.ok(emails.has(e), `the acknowledged sign-up ${e} has its account`);
    for (const c of changers) {
      if (c.password === PASSWORD && c.pending === null) continue;
      const row = await db.selectFrom('users').select('password_hash').where('email', '=', c.email).executeTakeFirstOrThrow();
      const ok = (await verifyPassword(row.password_hash, c.password)) || (c.pending !== null && (await verifyPassword(row.password_hash, c.pending)));
      assert.ok(ok, `${c.email}: the password is the last acknowledged one${c.pending ? ' (or the one in flight at the crash)' : ''}`);
    }

    // ---------------------------------------------------------------- and the site works
    const server = await startServer(t.env);
    try {
      for (const s of ledger.sessions.slice(-3)) {
        const b = new HttpBrowser(server.origin, randomIp());
        b.cookies.set('masthead_session', s.token);
        const page = await b.get('/account');
        assert.equal(page.status, 200);
        assert.match(page.body, new RegExp(`Signed in as <strong>${s.email.replace(/[.]/g, '\\.')}</strong>`));
      }
      const changed = changers.find((c) => c.password !== PASSWORD && c.pending === null);
      if (changed) {
        const b = new HttpBrowser(server.origin, randomIp());
        await b.get('/login');
        assert.equal((await b.post('/login', { email: changed.email, password: changed.password })).status, 303, 'the changed password signs in');
      }
      const home = new HttpBrowser(server.origin, randomIp());
      assert.equal((await home.get('/')).status, 200);
      assert.equal((await home.get(`/articles/${batchSlug(0, 0)}`)).status, 200);
    } finally {
      await server.kill();
    }

    // The run must have exercised what it claims to.
    const importKills = runs.filter((r) => r.killed);
    assert.ok(serverKills + importKills.length >= 20, `${serverKills + importKills.length} kills`);
    assert.ok(ledger.sessions.length > 0 && ledger.signups.length > 0 && ledger.passwordChanges > 0, `acknowledged writes of every kind: ${JSON.stringify(ledger)}`);
    const summary = {
      database: t.store.dialect,
      seconds: Math.round(chaosMs / 100) / 10,
      serverKills,
      importKills: importKills.length,
      importKillsInsideTransaction: importKills.filter((r) => r.inTransaction).length,
      importsCompleted: runs.filter((r) => r.code === 0).length,
      serverStartSeconds: Math.round(startTimes.reduce((a, b) => a + b, 0) / Math.max(1, startTimes.length) / 100) / 10,
      firstImportSeconds: Math.round(firstImportMs / 100) / 10,
      batchesPresent: complete,
      acknowledged: { signIns: ledger.sessions.length, signUps: ledger.signups.length, passwordChanges: ledger.passwordChanges },
      unansweredRequests: ledger.unanswered,
      refused: ledger.refused,
    };
    ctx.diagnostic(JSON.stringify(summary));
    assert.ok(summary.importKillsInsideTransaction >= 3, `kills inside an import's transaction: ${JSON.stringify(summary)}`);
  } finally {
    await killAll();
    await t.cleanup();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
