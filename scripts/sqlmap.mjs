#!/usr/bin/env node
// Runs sqlmap (Debian package `sqlmap`) against a freshly started Masthead with the demo archive
// and reports, per target, whether anything is injectable. For operators and release notes; not
// part of `npm test` (a full run takes many minutes).
//
//   node scripts/sqlmap.mjs [--db=sqlite|postgres] [--level=2] [--risk=1] [--minutes=8] [--only=login,search]
//
// --db=postgres makes and drops a database at TEST_DATABASE_URL's server (default
// postgres://postgres@127.0.0.1:5432/test). Exit code: 0 nothing injectable and every target
// finished; 1 something injectable; 2 a target did not finish (time limit, server trouble).
//
// Targets: /search?q=, /api/v1/search?q=, POST /login (email, password; with the form's CSRF token),
// /api/v1/articles?limit=&offset=, /api/v1/articles/:slug. Sign-in is rate limited (per address
// and per account); the scan would only ever see "Too many attempts" after a few dozen tries, so
// this script empties the rate-limit table of its own throwaway database every half second.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { freePort } from '../bench/free-port.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
  if (!m) {
    process.stderr.write(`unknown argument ${a}\n`);
    process.exit(64);
  }
  return [m[1], m[2] ?? 'true'];
}));
if (args.help) {
  process.stdout.write(fs.readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(1, 15).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
  process.exit(0);
}
const DB = args.db ?? 'sqlite';
const LEVEL = Number(args.level ?? 2);
const RISK = Number(args.risk ?? 1);
const MINUTES = Number(args.minutes ?? 8);
const ONLY = args.only ? new Set(args.only.split(',')) : null;

if (spawnSync('sqlmap', ['--version'], { encoding: 'utf8' }).status !== 0) {
  process.stderr.write('sqlmap is not installed (apt-get install sqlmap)\n');
  process.exit(64);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'masthead-sqlmap-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const env = { ...process.env, DATA_DIR: path.join(work, 'data'), PORT: String(port), HOST: '127.0.0.1', BASE_URL: base, LOG_LEVEL: 'warn', TRUST_PROXY: '127.0.0.1' };
delete env.DATABASE_URL;

// The database: a SQLite file in the temp dir, or a throwaway PostgreSQL database.
let pgAdmin = null;
let dbName = null;
let clearLimits;
let closeDb = async () => {};
if (DB === 'postgres') {
  const { default: pg } = await import('pg');
  const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  dbName = `masthead_sqlmap_${crypto.randomBytes(4).toString('hex')}`;
  pgAdmin = new pg.Client({ connectionString: adminUrl });
  await pgAdmin.connect();
  await pgAdmin.query(`create database ${dbName}`);
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  env.DATABASE_URL = u.toString();
  const client = new pg.Client({ connectionString: env.DATABASE_URL });
  clearLimits = async () => {
    if (!client._connected) await client.connect();
    await client.query('delete from rate_limits').catch(() => {});
  };
  closeDb = async () => {
    await client.end().catch(() => {});
    await pgAdmin.query(`drop database if exists ${dbName} with (force)`);
    await pgAdmin.end();
  };
} else if (DB === 'sqlite') {
  const { default: SQLite } = await import('better-sqlite3');
  let handle = null;
  clearLimits = async () => {
    handle ??= new SQLite(path.join(env.DATA_DIR, 'masthead.db'), { timeout: 5000 });
    try {
      handle.prepare('delete from rate_limits').run();
    } catch {
      // busy or not there yet: next time
    }
  };
  closeDb = async () => handle?.close();
} else {
  process.stderr.write('--db must be sqlite or postgres\n');
  process.exit(64);
}

const server = spawn(process.execPath, [path.join(root, 'bin/masthead.mjs'), 'serve'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
let serverLog = '';
server.stdout.on('data', (d) => (serverLog += d));
server.stderr.on('data', (d) => (serverLog += d));
let cleaning = false;
async function cleanup() {
  if (cleaning) return;
  cleaning = true;
  clearInterval(limiter);
  if (server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  await closeDb();
  fs.rmSync(work, { recursive: true, force: true });
}
process.on('SIGINT', async () => {
  await cleanup();
  process.exit(130);
});

let limiter = null;
try {
  const until = Date.now() + 90_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) break;
    } catch {}
    if (server.exitCode !== null || Date.now() > until) throw new Error(`the server did not start:\n${serverLog}`);
    await sleep(250);
  }
  limiter = setInterval(() => void clearLimits(), 500);
  const list = await (await fetch(`${base}/api/v1/articles?limit=1`)).json();
  const slug = list.items[0].slug;
  const searchUp = (await fetch(`${base}/search?q=jail`)).status === 200;
  const apiSearchUp = (await fetch(`${base}/api/v1/search?q=jail`)).status === 200;

  const common = ['--batch', `--level=${LEVEL}`, `--risk=${RISK}`, '--disable-coloring', '--flush-session', `--output-dir=${path.join(work, 'sqlmap')}`,
    '--time-sec=2', '--timeout=10', '--retries=1', '--tamper=xforwardedfor', '--ignore-code=401,404,429'];
  const targets = [
    { name: 'search', what: 'GET /search?q=', argv: ['-u', `${base}/search?q=jail`], up: searchUp },
    { name: 'api-search', what: 'GET /api/v1/search?q=', argv: ['-u', `${base}/api/v1/search?q=jail`], up: apiSearchUp },
    { name: 'login', what: 'POST /login (email, password)', argv: ['-u', `${base}/login`, '--data=email=reader%40example.org&password=guess&_csrf=x', '-p', 'email,password', '--csrf-token=_csrf', `--csrf-url=${base}/login`], up: true },
    { name: 'api-list', what: 'GET /api/v1/articles?limit=&offset=', argv: ['-u', `${base}/api/v1/articles?limit=5&offset=0`], up: true },
    { name: 'api-article', what: 'GET /api/v1/articles/:slug', argv: ['-u', `${base}/api/v1/articles/${slug}*`], up: true },
  ].filter((t) => !ONLY || ONLY.has(t.name));

  process.stdout.write(`sqlmap ${spawnSync('sqlmap', ['--version'], { encoding: 'utf8' }).stdout.trim().split('\n')[0]} against Masthead on ${DB} (${base}); level ${LEVEL}, risk ${RISK}, at most ${MINUTES} min per target\n\n`);
  const results = [];
  for (const t of targets) {
    if (!t.up) {
      results.push({ ...t, verdict: 'missing', detail: 'the route answers 404 in this version: not scanned' });
      process.stdout.write(`- ${t.what}: missing (404), not scanned\n`);
      continue;
    }
    const started = Date.now();
    const out = await new Promise((resolve) => {
      const p = spawn('sqlmap', [...t.argv, ...common], { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      p.stdout.on('data', (d) => (text += d));
      p.stderr.on('data', (d) => (text += d));
      const timer = setTimeout(() => {
        text += '\n[masthead] time limit reached\n';
        p.kill('SIGTERM');
      }, MINUTES * 60_000);
      p.on('exit', () => {
        clearTimeout(timer);
        resolve(text);
      });
    });
    fs.writeFileSync(path.join(os.tmpdir(), `masthead-sqlmap-${DB}-${t.name}.log`), out);
    // sqlmap prints how many answers had each HTTP error status; the rest were 200s.
    const codes = [...out.matchAll(/^(\d{3}) \([^)]*\) - (\d+) times/gm)].map((m) => `${m[2]}×${m[1]}`).join(', ');
    const secs = Math.round((Date.now() - started) / 1000);
    let verdict;
    if (/identified the following injection point|is vulnerable|parameter '[^']+' is '[^']+' injectable/i.test(out)) verdict = 'INJECTABLE';
    else if (/time limit reached/.test(out)) verdict = 'incomplete';
    else if (/all tested parameters do not appear to be injectable/i.test(out)) verdict = 'not injectable';
    else verdict = 'incomplete';
    const tested = [...out.matchAll(/testing '([^']+)'/g)].length;
    results.push({ ...t, verdict, secs, tested });
    process.stdout.write(`- ${t.what}: ${verdict} (${tested} techniques tried, ${secs} s${codes ? `; error answers ${codes}` : ''}; log ${path.join(os.tmpdir(), `masthead-sqlmap-${DB}-${t.name}.log`)})\n`);
    if (verdict !== 'not injectable') process.stdout.write(out.split('\n').filter((l) => /CRITICAL|ERROR|WARNING|Parameter:|Type:|Payload:/.test(l)).slice(-15).join('\n') + '\n');
  }
  const injectable = results.filter((r) => r.verdict === 'INJECTABLE');
  const incomplete = results.filter((r) => r.verdict === 'incomplete');
  process.stdout.write(`\n${injectable.length ? `INJECTABLE: ${injectable.map((r) => r.what).join('; ')}` : 'Nothing injectable.'}${incomplete.length ? ` Did not finish: ${incomplete.map((r) => r.what).join('; ')}.` : ''}\n`);
  await cleanup();
  process.exit(injectable.length ? 1 : incomplete.length ? 2 : 0);
} catch (err) {
  process.stderr.write(`${err.stack ?? err}\n`);
  await cleanup();
  process.exit(2);
}
