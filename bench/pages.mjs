#!/usr/bin/env node
// Page benchmark: req/s and latency of the home page and an anonymous premium article page on an
// archive of 20,000 articles, against a bare Node http server sending the same bytes, in one run.
//
//   node bench/pages.mjs [--articles 20000] [--duration 10] [--connections 50]
//
// Uses a temporary DATA_DIR (SQLite) unless BENCH_DATABASE_URL names a PostgreSQL database.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { articles: { type: 'string', default: '20000' }, duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '50' }, 'keep-data': { type: 'string' } } });
const N = Number(values.articles);
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);

const dataDir = values['keep-data'] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'masthead-bench-'));
const env = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', NODE_ENV: 'production' };
if (process.env.BENCH_DATABASE_URL) env.DATABASE_URL = process.env.BENCH_DATABASE_URL;
else delete env.DATABASE_URL;

function run(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(root, 'bin/masthead.mjs'), ...args], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`masthead ${args.join(' ')} exited ${code}`))));
  });
}

function startServer(script, port, extraEnv = {}) {
  const p = spawn(process.execPath, script, { env: { ...env, PORT: String(port), HOST: '127.0.0.1', ...extraEnv }, stdio: ['ignore', 'inherit', 'inherit'] });
  return p;
}

async function waitFor(url) {
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

function cannon(url, headers = {}) {
  return new Promise((resolve, reject) => {
    autocannon({ url, headers, connections: CONNECTIONS, duration: DURATION, pipelining: 1 }, (err, r) => (err ? reject(err) : resolve(r)));
  });
}

/** Signs in through the form (CSRF token and all) and returns the Cookie header to send. */
async function signIn(base, email, password) {
  const page = await fetch(`${base}/login`);
  const jar = page.headers.getSetCookie().map((c) => c.split(';')[0]);
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())[1];
  const res = await fetch(`${base}/login`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.join('; '), origin: base },
    body: new URLSearchParams({ email, password, _csrf: token, next: '/' }),
  });
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
  return [...jar, ...res.headers.getSetCookie().map((c) => c.split(';')[0])].join('; ');
}

const count = async () => (await (await fetch(`http://127.0.0.1:${PORT}/api/v1/articles?limit=1`)).json()).total;
const PORT = 3900 + Math.floor(Math.random() * 50);
const BARE_PORT = PORT + 100;

let server;
let bare;
try {
  const existing = fs.existsSync(path.join(dataDir, 'masthead.db'));
  if (!existing || values['keep-data'] === undefined) {
    const t0 = Date.now();
    await run(['demo', '--articles', String(N)]);
    console.log(`archive: ${N} synthetic articles + demo in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  // A subscriber, signed in through the login form like a reader.
  await run(['user', 'add', '--email', 'bench-subscriber@example.org', '--password', 'bench-password-123']);
  await run(['grant', 'bench-subscriber@example.org', '--plan', 'digital', '--until', '2099-12-31']);
  server = startServer([path.join(root, 'bin/masthead.mjs'), 'serve'], PORT);
  await waitFor(`http://127.0.0.1:${PORT}/healthz`);
  const total = await count();
  const list = await (await fetch(`http://127.0.0.1:${PORT}/api/v1/articles?limit=100&offset=5000`)).json();
  const premium = list.items.find((i) => i.access === 'premium');
  const cookie = await signIn(`http://127.0.0.1:${PORT}`, 'bench-subscriber@example.org', 'bench-password-123');
  const articlePath = new URL(premium.url).pathname;
  const pages = [
    { name: 'home', path: '/' },
    { name: 'premium article (anonymous)', path: articlePath },
    { name: 'premium article (subscriber)', path: articlePath, headers: { cookie }, bareKey: `${articlePath}?subscriber` },
  ];
  // The bare server sends exactly the bytes the app sends, with the same content type.
  const captured = {};
  for (const p of pages) {
    const r = await fetch(`http://127.0.0.1:${PORT}${p.path}`, { headers: p.headers ?? {} });
    const key = p.bareKey ?? p.path;
    captured[key] = await r.text();
    p.bytes = Buffer.byteLength(captured[key]);
    if (p.headers && !captured[key].includes('class="body paywalled"')) throw new Error('the subscriber did not get the full text');
  }
  const capFile = path.join(dataDir, 'bare-pages.json');
  fs.writeFileSync(capFile, JSON.stringify(captured));
  bare = startServer([path.join(root, 'bench/bare-server.mjs'), capFile], BARE_PORT);
  await waitFor(`http://127.0.0.1:${BARE_PORT}/`);

  console.log(`\n${total} visible articles; ${CONNECTIONS} connections, ${DURATION} s per run, ${os.cpus().length} cores\n`);
  const rows = [];
  for (const p of pages) {
    await cannon(`http://127.0.0.1:${PORT}${p.path}`, p.headers); // warm-up
    const app = await cannon(`http://127.0.0.1:${PORT}${p.path}`, p.headers);
    const b = await cannon(`http://127.0.0.1:${BARE_PORT}${p.bareKey ?? p.path}`);
    rows.push({
      page: p.name,
      bytes: p.bytes,
      'req/s': Math.round(app.requests.average),
      'p50 ms': app.latency.p50,
      'p99 ms': app.latency.p99,
      errors: app.errors + app.non2xx,
      'bare req/s': Math.round(b.requests.average),
      'bare p99 ms': b.latency.p99,
      'share of bare': `${((app.requests.average / b.requests.average) * 100).toFixed(1)}%`,
    });
  }
  console.table(rows);
  // Targets: anonymous pages ≥ 1,500 req/s and ≥ 10% of bare; the subscriber's page (session looked
  // up on every request) ≥ 1,200 req/s and ≥ 8% of bare; p99 ≤ 50 ms and no errors everywhere.
  const ok = rows.every((r) => {
    const sub = r.page.includes('subscriber');
    return r['req/s'] >= (sub ? 1200 : 1500) && r['p99 ms'] <= 50 && r['req/s'] / r['bare req/s'] >= (sub ? 0.08 : 0.1) && r.errors === 0;
  });
  console.log(ok ? 'targets met' : 'TARGETS NOT MET');
  process.exitCode = ok ? 0 : 1;
} finally {
  server?.kill('SIGTERM');
  bare?.kill('SIGTERM');
  if (values['keep-data'] === undefined) setTimeout(() => fs.rmSync(dataDir, { recursive: true, force: true }), 500);
}
