#!/usr/bin/env node
// `npm test`: the whole suite on SQLite, then again on PostgreSQL when one is reachable.
// TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) names the server; each test
// file creates and drops its own database there. On CI (CI=true) a missing PostgreSQL fails.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));
const dbChoice = (args.find((a) => a.startsWith('--db=')) ?? '--db=all').slice(5);

function testFiles(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...testFiles(p));
    else if (e.name.endsWith('.test.ts') || e.name.endsWith('.test.tsx')) out.push(p);
  }
  return out.sort();
}

const files = only.length ? only : testFiles(path.join(root, 'test'));
const pgUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function reachable(url) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port || 5432) });
    s.setTimeout(2000);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
    s.once('timeout', () => { s.destroy(); resolve(false); });
  });
}

function run(label, env) {
  process.stdout.write(`\n=== ${label}: ${files.length} test files ===\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files], {
    cwd: root, stdio: 'inherit', env: { ...process.env, ...env },
  });
  return r.status ?? 1;
}

let failed = 0;
if (dbChoice === 'all' || dbChoice === 'sqlite') failed |= run('SQLite', { MASTHEAD_TEST_DB: 'sqlite' });
if (dbChoice === 'all' || dbChoice === 'postgres') {
  if (await reachable(pgUrl)) failed |= run('PostgreSQL', { MASTHEAD_TEST_DB: 'postgres', TEST_DATABASE_URL: pgUrl });
  else if (process.env.CI) {
    process.stdout.write(`\nPostgreSQL is not reachable at ${pgUrl}; on CI that is a failure.\n`);
    failed = 1;
  } else process.stdout.write(`\n*** SKIPPED the PostgreSQL run: nothing answers at ${pgUrl} (set TEST_DATABASE_URL). Only SQLite was tested. ***\n`);
}
process.exit(failed);
