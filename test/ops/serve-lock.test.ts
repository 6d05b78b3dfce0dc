// One `masthead serve` per SQLite database: a second one on the same DATA_DIR is refused with a
// clear message (and changes nothing), commands still run beside the server, and a server killed
// with SIGKILL leaves no stale lock behind.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { startServer, killAll } from './crash-children.ts';
import { runCli } from '../support/cli.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/masthead.mjs');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masthead-lock-'));
const env = { DATA_DIR: dir, DATABASE_URL: '' };
after(async () => {
  await killAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

function serveOnce(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, 'serve', '--no-demo'], { env: { ...process.env, ...env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('exit', (code) => { clearTimeout(timer); resolve({ code, out }); });
  });
}

test('a second masthead serve on the same SQLite database is refused; SIGKILL leaves no stale lock', async () => {
  const first = await startServer(env);
  const before = fs.statSync(path.join(dir, 'masthead.db')).mtimeMs;
  const second = await serveOnce();
  assert.equal(second.code, 1, second.out);
  assert.match(second.out, /another masthead serve is already using the database in .*: one serving process per SQLite database/);
  assert.equal(fs.statSync(path.join(dir, 'masthead.db')).mtimeMs, before, 'the refused server did not touch the database');
  // The first one serves on, and commands run beside it.
  assert.equal((await fetch(`${first.origin}/healthz`)).status, 200);
  const cmd = await runCli(['user', 'add', '--email', 'beside@example.org'], env);
  assert.equal(cmd.code, 0, cmd.stderr);
  // Killed without a chance to clean up: the next server starts all the same.
  assert.equal(await first.kill(), true);
  const third = await startServer(env);
  assert.equal((await fetch(`${third.origin}/healthz`)).status, 200);
  await third.kill();
});
