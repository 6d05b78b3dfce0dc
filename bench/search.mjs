#!/usr/bin/env node
// Search benchmark: 200 mixed queries over a synthetic archive (`masthead demo --articles N`),
// timed through searchArchive (engine, hit rows, presenter and snippets: what /search and
// /api/v1/search do), on SQLite and on PostgreSQL. Prints p50/p95/p99 per kind and engine.
//
//   node bench/search.mjs [--articles 100000] [--engine sqlite|postgres|both] [--rounds 3] [--rebuild]
//
// --rebuild first times a rebuild of the whole search index of the archive (what the search
// migration does for an existing archive, and `masthead demo` after a bulk load).
//
// The archives are kept between runs (building one takes a minute or two): SQLite in
// bench/.data/search-N (or --data DIR), PostgreSQL in BENCH_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/masthead_bench_search_N). Each is made when missing or smaller than N.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { register } from 'tsx/esm/api';

register();
const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: {
  articles: { type: 'string', default: '100000' }, engine: { type: 'string', default: 'both' },
  rounds: { type: 'string', default: '3' }, data: { type: 'string' }, queries: { type: 'string', default: '200' },
  rebuild: { type: 'boolean', default: false },
} });
const N = Number(values.articles);
const ROUNDS = Number(values.rounds);
const TOTAL = Number(values.queries);

const { openStore } = await import('../src/store/db.ts');
const { searchArchive } = await import('../src/search/index.ts');
const { rebuildSearchIndex } = await import('../src/search/rebuild.ts');
const { ANONYMOUS } = await import('../src/domain/access.ts');
const SUBSCRIBER = { kind: 'user', userId: 1, email: 'bench@example.test', role: 'reader', subscribed: true, institution: null };

function masthead(env, args) {
  const started = Date.now();
  const r = spawnSync(process.execPath, [path.join(root, 'bin/masthead.mjs'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`masthead ${args.join(' ')} failed`);
  return (Date.now() - started) / 1000;
}

async function ensureArchive(engine) {
  if (engine === 'sqlite') {
    const dir = values.data ?? path.join(root, 'bench/.data', `search-${N}`);
    const env = { DATA_DIR: dir, DATABASE_URL: '' };
    fs.mkdirSync(dir, { recursive: true });
    let store = await openStore({ databaseUrl: null, dataDir: dir });
    const n = (await store.db.selectFrom('articles').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n;
    await store.close();
    if (Number(n) < N) {
      console.log(`building a SQLite archive of ${N} articles in ${dir} …`);
      masthead(env, ['demo', '--articles', String(N - Number(n))]);
    }
    return openStore({ databaseUrl: null, dataDir: dir });
  }
  const url = process.env.BENCH_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/masthead_bench_search_${N}`;
  const u = new URL(url);
  const admin = new pg.Client({ connectionString: `${u.protocol}//${u.username}@${u.host}/postgres` });
  await admin.connect();
  const name = u.pathname.slice(1);
  const exists = (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount;
  if (!exists) await admin.query(`create database "${name.replace(/"/g, '')}"`);
  await admin.end();
  let store = await openStore({ databaseUrl: url, dataDir: '/nonexistent' });
  const n = (await store.db.selectFrom('articles').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n;
  await store.close();
  if (Number(n) < N) {
    console.log(`building a PostgreSQL archive of ${N} articles in ${name} …`);
    masthead({ DATABASE_URL: url }, ['demo', '--articles', String(N - Number(n))]);
  }
  store = await openStore({ databaseUrl: url, dataDir: '/nonexistent' });
  // As autovacuum leaves a table a few minutes after a bulk load (the demo command does this
  // too): fresh statistics and the visibility map.
  await store.pool.query('vacuum (analyze) search_docs');
  return store;
}

/** mulberry32 */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    let t = (s = (s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The same 200 queries for both engines: drawn from the archive's own words. */
async function makeQueries(store) {
  const r = rng(20261127);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const lex = await store.db.selectFrom('search_lexicon').select(['word', 'df']).where('df', '>', 0).orderBy('df', 'desc').orderBy('term').execute();
  const words = lex.filter((w) => /^[a-z]{3,}$/.test(w.word));
  const common = words.slice(0, 8).map((w) => w.word);
  const mid = words.filter((w) => w.df >= N * 0.01 && w.df <= N * 0.3).map((w) => w.word);
  const rare = words.filter((w) => w.df >= 1 && w.df <= 20).map((w) => w.word);
  const titles = (await store.db.selectFrom('articles').select('title').orderBy('id').limit(2000).execute()).map((t) => t.title);
  const topics = (await store.db.selectFrom('topics').select('slug').execute()).map((t) => t.slug);
  const states = (await store.db.selectFrom('places').select('slug').where('kind', '=', 'state').execute()).map((t) => t.slug);
  const kinds = {
    common: () => ({ q: pick(common) }),
    rare: () => ({ q: pick(rare) }),
    and2: () => ({ q: `${pick(mid)} ${pick(mid)}` }),
    phrase: () => {
      const w = pick(titles).split(/\s+/).filter((x) => /^[A-Za-z]{3,}$/.test(x));
      const i = Math.floor(r() * Math.max(1, w.length - 1));
      return { q: `"${w.slice(i, i + 2).join(' ')}"` };
    },
    prefix: () => ({ q: `${pick(mid).slice(0, 4)}*` }),
    filtered: () => {
      const f = Math.floor(r() * 3);
      const year = 1995 + Math.floor(r() * 30);
      return f === 0 ? { q: pick(mid), topic: pick(topics) } : f === 1 ? { q: pick(mid), state: pick(states) } : { q: pick(mid), from: `${year}-01-01`, to: `${year}-12-31` };
    },
    'common, by date': () => ({ q: pick(common), sort: 'date' }),
  };
  const names = Object.keys(kinds);
  const out = [];
  for (let i = 0; i < TOTAL; i++) {
    const kind = names[i % names.length];
    out.push({ kind, query: kinds[kind](), viewer: i % 2 ? SUBSCRIBER : ANONYMOUS });
  }
  return out;
}

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function bench(engine) {
  const store = await ensureArchive(engine);
  if (values.rebuild) {
    const t = performance.now();
    const n = store.sqlite
      ? await rebuildSearchIndex(store.db, 'sqlite', store.sqlite)
      : await store.db.transaction().execute((trx) => rebuildSearchIndex(trx, 'postgres'));
    if (!store.sqlite) await store.pool.query('vacuum (analyze) search_docs');
    console.log(`\n${engine}: search index rebuilt for ${n.toLocaleString('en-US')} articles in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const queries = await makeQueries(store);
  // Warm the caches once, as a running server would be.
  for (const q of queries) await searchArchive(store, q.query, q.viewer);
  const times = new Map();
  const zero = new Map();
  for (let round = 0; round < ROUNDS; round++) {
    for (const q of queries) {
      const t = performance.now();
      const res = await searchArchive(store, q.query, q.viewer);
      const ms = performance.now() - t;
      (times.get(q.kind) ?? times.set(q.kind, []).get(q.kind)).push(ms);
      if (round === 0 && res.total === 0) zero.set(q.kind, (zero.get(q.kind) ?? 0) + 1);
    }
  }
  await store.close();
  console.log(`\n${engine}: ${queries.length} queries × ${ROUNDS} rounds over ${N.toLocaleString('en-US')} articles (anonymous and subscriber alternate; every hit with its snippet)`);
  console.log('kind'.padEnd(18) + 'n'.padStart(5) + 'p50 ms'.padStart(9) + 'p95 ms'.padStart(9) + 'p99 ms'.padStart(9) + 'max ms'.padStart(9) + '  no results');
  const all = [];
  for (const [kind, xs] of times) {
    xs.sort((a, b) => a - b);
    all.push(...xs);
    console.log(kind.padEnd(18) + String(xs.length).padStart(5) + pct(xs, 50).toFixed(1).padStart(9) + pct(xs, 95).toFixed(1).padStart(9) + pct(xs, 99).toFixed(1).padStart(9) + xs[xs.length - 1].toFixed(1).padStart(9) + `  ${zero.get(kind) ?? 0}`);
  }
  all.sort((a, b) => a - b);
  console.log('all'.padEnd(18) + String(all.length).padStart(5) + pct(all, 50).toFixed(1).padStart(9) + pct(all, 95).toFixed(1).padStart(9) + pct(all, 99).toFixed(1).padStart(9) + all[all.length - 1].toFixed(1).padStart(9));
}

const engines = values.engine === 'both' ? ['sqlite', 'postgres'] : [values.engine];
for (const e of engines) await bench(e);
