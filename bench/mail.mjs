#!/usr/bin/env node
// Mail benchmark: queuing an issue mail for 10,000 subscribers, and the send rate of the queue
// through a local SMTP server (smtp-server in a child process, accepting everything).
//
//   node bench/mail.mjs [--recipients 10000] [--send 2000] [--concurrency 8]
//
// SQLite in a temporary directory, or PostgreSQL with DATABASE_URL=postgres://… (a fresh
// database is made there and dropped afterwards). Targets: queuing ≤ 5 s; sending ≥ 100 mails/s.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { register } from 'tsx/esm/api';

register();

const { values } = parseArgs({ options: {
  recipients: { type: 'string', default: '10000' },
  send: { type: 'string', default: '2000' },
  concurrency: { type: 'string', default: '8' },
} });
const RECIPIENTS = Number(values.recipients);
const SEND = Math.min(Number(values.send), RECIPIENTS);

const pg = (await import('pg')).default;
const { openStore } = await import('../src/store/db.ts');
const { loadDemo } = await import('../src/demo/load.ts');
const { queueIssueMail } = await import('../src/mail/digests.ts');
const { MailWorker, mailSettings, queueCounts } = await import('../src/mail/queue.ts');

// ---------------------------------------------------------------- database

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'masthead-bench-mail-'));
let databaseUrl = null;
let dropDb = null;
if (process.env.DATABASE_URL) {
  const name = `masthead_bench_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(process.env.DATABASE_URL);
  u.pathname = `/${name}`;
  databaseUrl = u.toString();
  dropDb = async () => {
    const a = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await a.connect();
    await a.query(`drop database if exists ${name} with (force)`);
    await a.end();
  };
}
const store = await openStore({ databaseUrl, dataDir });
await loadDemo(store.db);
const issue = await store.db.selectFrom('issues').select('id').where('year', '=', 2025).where('month', '=', 3).executeTakeFirstOrThrow();

// 10,000 subscribers, each with a current subscription; some have turned the issue mail off.
const now = new Date().toISOString();
for (let start = 0; start < RECIPIENTS; start += 1000) {
  const n = Math.min(1000, RECIPIENTS - start);
  const users = await store.db.insertInto('users').values(Array.from({ length: n }, (_, i) => ({
    email: `subscriber${start + i}@example.org`, role: 'reader', created_at: now, updated_at: now, name: null, password_hash: null, rate_class: null, email_verified_at: now,
  }))).returning('id').execute();
  await store.db.insertInto('entitlements').values(users.map((u) => ({
    user_id: u.id, plan: 'digital', starts_at: now, ends_at: '2099-01-01T00:00:00.000Z', source: 'admin', note: null, external_ref: null, created_at: now, revoked_at: null,
  }))).execute();
}
const optOut = await store.db.selectFrom('users').select('id').where('email', 'like', 'subscriber%9@example.org').execute();
for (let i = 0; i < optOut.length; i += 500) {
  await store.db.insertInto('mail_prefs').values(optOut.slice(i, i + 500).map((u) => ({ user_id: u.id, issue_mail: 0, plain_text: 0, updated_at: now }))).execute();
}

const t0 = performance.now();
const queued = await queueIssueMail(store, issue.id);
const queueMs = performance.now() - t0;
const wanted = RECIPIENTS - optOut.length;

// ---------------------------------------------------------------- SMTP server in a child process

const smtpChild = spawn(process.execPath, ['--input-type=module', '-e', `
  import { SMTPServer } from 'smtp-server';
  let received = 0;
  const server = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS'], logger: false, maxClients: 100,
    onData(stream, _s, cb) { stream.on('data', () => {}); stream.on('end', () => { received++; cb(); }); } });
  server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.server.address().port }) + '\\n'));
  process.on('message', () => process.send({ received }));
`], { cwd: path.resolve(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
const port = await new Promise((resolve) => smtpChild.stdout.once('data', (d) => resolve(JSON.parse(String(d)).port)));

// Send SEND of the queued mails (the rest are left queued: they are pushed into the future).
const keep = await store.db.selectFrom('mail_queue').select('id').orderBy('id').limit(SEND).execute();
const lastKept = keep.at(-1).id;
await store.db.updateTable('mail_queue').set({ next_attempt_at: '2999-01-01T00:00:00.000Z' }).where('id', '>', lastKept).execute();

const settings = mailSettings(
  { smtpUrl: `smtp://127.0.0.1:${port}`, mailFrom: 'Prison Legal News <news@example.org>', dataDir, baseUrl: 'https://news.example.org' },
  { MAIL_RATE: '0', MAIL_CONCURRENCY: values.concurrency },
);
const worker = new MailWorker({ store, settings, digests: false });
const t1 = performance.now();
const cpu0 = process.cpuUsage();
const sent = await worker.drain();
const sendMs = performance.now() - t1;
const cpu = process.cpuUsage(cpu0);
await worker.stop();
const received = await new Promise((resolve) => { smtpChild.once('message', (m) => resolve(m.received)); smtpChild.send('count'); });
smtpChild.kill();

const counts = await queueCounts(store.db);
await store.close();
fs.rmSync(dataDir, { recursive: true, force: true });
if (dropDb) await dropDb();

const rate = sent.sent / (sendMs / 1000);
console.log(`database: ${databaseUrl ? 'PostgreSQL' : 'SQLite'}; ${os.cpus().length} CPUs`);
console.log(`queue an issue mail for ${RECIPIENTS.toLocaleString('en')} subscribers (${wanted.toLocaleString('en')} want it): ${queued.queued.toLocaleString('en')} queued in ${(queueMs / 1000).toFixed(2)} s (target ≤ 5 s) ${queueMs <= 5000 ? 'OK' : 'SLOW'}`);
console.log(`send ${sent.sent.toLocaleString('en')} mails through SMTP on loopback (${settings.concurrency} connections, no MAIL_RATE limit): ${(sendMs / 1000).toFixed(2)} s, ${rate.toFixed(0)} mails/s (target ≥ 100) ${rate >= 100 ? 'OK' : 'SLOW'}`);
console.log(`server received ${received}; queue: ${JSON.stringify(counts)}; worker CPU ${((cpu.user + cpu.system) / 1000 / Math.max(1, sent.sent)).toFixed(2)} ms per mail`);
if (queued.queued !== wanted || received !== sent.sent || sent.sent !== SEND) {
  console.error('MISMATCH: queued, sent and received should agree');
  process.exitCode = 1;
}
