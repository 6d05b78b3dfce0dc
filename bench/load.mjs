#!/usr/bin/env node
// Load benchmark: mixed traffic against one `masthead serve` for two minutes at 200 connections:
// anonymous reads (home, articles, issues, topics, the API), subscriber reads (premium articles
// with a session), searches (/search and /api/v1/search) and sign-ins (the form, CSRF token and
// password check included). Prints throughput, p50/p99 latency, errors and 5xx per kind, and the
// server's memory (RSS) at the start, every 15 s, and at the end.
//
//   node bench/load.mjs [--duration 120] [--connections 200] [--articles 10000] [--warmup 10]
//
// SQLite in a temporary DATA_DIR, or PostgreSQL when BENCH_DATABASE_URL names an (empty or
// earlier bench) database. Targets: no 5xx, no errors, RSS at the end within 1.5× of the start.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { register } from 'tsx/esm/api';
import { freePort } from './free-port.mjs';

const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: {
  duration: { type: 'string', default: '120' }, connections: { type: 'string', default: '200' },
  articles: { type: 'string', default: '10000' }, warmup: { type: 'string', default: '10' },
} });
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const N = Number(values.articles);
const WARMUP = Number(values.warmup);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'masthead-load-'));
const env = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', NODE_ENV: 'production' };
if (process.env.BENCH_DATABASE_URL) env.DATABASE_URL = process.env.BENCH_DATABASE_URL;
else delete env.DATABASE_URL;

function masthead(args) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/masthead.mjs'), ...args], { env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`masthead ${args.join(' ')} exited ${r.status}`);
  return r.stdout;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The server's resident memory in MB, from /proc (Linux). */
function rssMb(pid) {
  try {
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
    return Math.round(kb / 1024);
  } catch {
    return NaN;
  }
}

/** A sign-in form's CSRF cookie and token (reusable: the token is checked against the cookie's secret). */
async function csrfPair(base) {
  const page = await fetch(`${base}/login`);
  const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())[1].replace(/&amp;/g, '&');
  return { cookie, token };
}

async function signIn(base, email, password) {
  const { cookie, token } = await csrfPair(base);
  const res = await fetch(`${base}/login`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: base },
    body: new URLSearchParams({ email, password, _csrf: token }),
  });
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
  return res.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('masthead_session='));
}

const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];

let server;
const PASSWORD = 'load-bench-password-1';
try {
  const t0 = Date.now();
  masthead(['demo', '--articles', String(N)]);
  const subscribers = 20;
  const readers = 10;
  {
    // Accounts straight into the database (one process, not one command per account).
    register();
    const { openStore } = await import('../src/store/db.ts');
    const { createUser, grantEntitlement } = await import('../src/store/users.ts');
    const { hashPassword } = await import('../src/auth/passwords.ts');
    const store = await openStore({ databaseUrl: env.DATABASE_URL ?? null, dataDir });
    const hash = await hashPassword(PASSWORD);
    for (let i = 0; i < subscribers + readers; i++) {
      const sub = i < subscribers;
      const u = await createUser(store.db, { email: sub ? `load-sub-${i}@example.org` : `load-reader-${i - subscribers}@example.org`, passwordHash: hash, verified: true });
      if (sub) await grantEntitlement(store.db, { userId: u.id, plan: 'digital', endsAt: '2099-12-31T23:59:59Z', source: 'admin' });
    }
    await store.close();
  }
  console.log(`setup: ${N} synthetic articles + demo, ${subscribers} subscribers, ${readers} readers in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  server = spawn(process.execPath, [path.join(root, 'bin/masthead.mjs'), 'serve'], { env: { ...env, PORT: String(port), HOST: '127.0.0.1', BASE_URL: base }, stdio: ['ignore', 'inherit', 'inherit'] });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) break;
    } catch {}
    if (i > 600) throw new Error('the server did not start');
    await sleep(100);
  }

  // What to ask for: real addresses from the archive.
  const list = await (await fetch(`${base}/api/v1/articles?limit=100&offset=0`)).json();
  const older = await (await fetch(`${base}/api/v1/articles?limit=100&offset=${Math.max(0, Math.floor(list.total / 2))}`)).json();
  const articles = [...list.items, ...older.items].map((a) => new URL(a.url).pathname);
  const premium = [...list.items, ...older.items].filter((a) => a.access === 'premium').map((a) => new URL(a.url).pathname);
  const topics = [...new Set([...(await (await fetch(`${base}/topics`)).text()).matchAll(/href="(\/topics\/[a-z0-9-]+)"/g)].map((m) => m[1]))].slice(0, 30);
  const anonymousPaths = ['/', '/issues', '/issues/2025/03', '/topics', '/feed.xml', ...topics, ...articles, '/api/v1/articles?limit=20', `/api/v1/articles/${articles[0].split('/').pop()}`];
  const words = ['jail', 'prison', 'medical', 'solitary confinement', 'settlement', 'heat', 'Texas', 'phone rates', 'wrongful conviction', 'excessive force', 'lawsuit',
    'sheriff', '"jail deaths"', 'immigration detention', 'tablet', 'parole', 'court', 'guard', 'xylophonic', 'habeas corpus', 'Eighth Amendment', 'county'];
  const sessions = [];
  for (let i = 0; i < subscribers; i++) sessions.push(await signIn(base, `load-sub-${i}@example.org`, PASSWORD));
  const forms = [];
  for (let i = 0; i < 20; i++) forms.push(await csrfPair(base));

  const kinds = [
    { name: 'anonymous reads', share: 0.6, expect: [200], setup: (req) => ({ ...req, path: pick(anonymousPaths) }) },
    { name: 'subscriber reads', share: 0.22, expect: [200], setup: (req) => ({ ...req, path: pick(premium), headers: { ...req.headers, cookie: pick(sessions) } }) },
    { name: 'searches', share: 0.15, expect: [200], setup: (req) => ({ ...req, path: Math.random() < 0.6 ? `/search?q=${encodeURIComponent(pick(words))}` : `/api/v1/search?q=${encodeURIComponent(pick(words))}&limit=10` }) },
    { name: 'sign-ins', share: 0.03, expect: [303], setup: (req) => {
      const f = pick(forms);
      const who = Math.random() < 0.5 ? `load-sub-${Math.floor(Math.random() * subscribers)}` : `load-reader-${Math.floor(Math.random() * readers)}`;
      return { ...req, method: 'POST', path: '/login', headers: { ...req.headers, cookie: f.cookie, origin: base, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email: `${who}@example.org`, password: PASSWORD, _csrf: f.token }).toString() };
    } },
  ];

  function run(kind, seconds, connections) {
    const tally = new Map();
    return new Promise((resolve, reject) => {
      const instance = autocannon({
        url: base, connections, duration: seconds, pipelining: 1, timeout: 30,
        requests: [{ setupRequest: (req) => kind.setup(req) }],
      }, (err, r) => (err ? reject(err) : resolve({ r, tally })));
      instance.on('response', (_client, status) => tally.set(status, (tally.get(status) ?? 0) + 1));
    });
  }
  const split = (total) => {
    const c = kinds.map((k) => Math.max(1, Math.round(total * k.share)));
    c[0] += total - c.reduce((a, b) => a + b, 0);
    return c;
  };

  if (WARMUP > 0) await Promise.all(kinds.map((k, i) => run(k, WARMUP, split(Math.min(CONNECTIONS, 50))[i])));
  const rssStart = rssMb(server.pid);
  const samples = [rssStart];
  const sampler = setInterval(() => samples.push(rssMb(server.pid)), 15_000);
  const per = split(CONNECTIONS);
  console.log(`\n${list.total} visible articles; ${CONNECTIONS} connections (${kinds.map((k, i) => `${per[i]} ${k.name}`).join(', ')}) for ${DURATION} s; ${os.cpus().length} cores, load generator in the same machine\n`);
  const results = await Promise.all(kinds.map((k, i) => run(k, DURATION, per[i])));
  clearInterval(sampler);
  const rssEnd = rssMb(server.pid);
  samples.push(rssEnd);

  const rows = results.map(({ r, tally }, i) => {
    const unexpected = [...tally].filter(([s]) => !kinds[i].expect.includes(s)).reduce((a, [, n]) => a + n, 0);
    const fivexx = [...tally].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0);
    return {
      kind: kinds[i].name, connections: per[i], requests: r.requests.total, 'req/s': Math.round(r.requests.average),
      'p50 ms': r.latency.p50, 'p99 ms': r.latency.p99, 'max ms': r.latency.max,
      errors: r.errors + r.timeouts, unexpected, '5xx': fivexx,
      statuses: [...tally].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' '),
    };
  });
  console.table(rows);
  const total = rows.reduce((a, r) => a + r.requests, 0);
  const errors = rows.reduce((a, r) => a + r.errors + r.unexpected, 0);
  const fivexx = rows.reduce((a, r) => a + r['5xx'], 0);
  console.log(`total: ${total} requests, ${Math.round(total / DURATION)} req/s, ${errors} errors or unexpected answers, ${fivexx} 5xx`);
  console.log(`server RSS: ${rssStart} MB at the start, ${rssEnd} MB at the end (every 15 s: ${samples.join(', ')} MB)`);
  const ok = fivexx === 0 && errors === 0 && rssEnd <= rssStart * 1.5;
  console.log(ok ? 'targets met' : 'TARGETS NOT MET');
  process.exitCode = ok ? 0 : 1;
} finally {
  server?.kill('SIGTERM');
  await sleep(500);
  fs.rmSync(dataDir, { recursive: true, force: true });
}
