import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { loadDemo } from '../../src/demo/load.ts';
import { queueIssueMail } from '../../src/mail/digests.ts';
import { queueCounts } from '../../src/mail/queue.ts';
import { startSink, sleep, type Sink } from './support.ts';

// Several workers on one database, as separate processes (`masthead mail work`), and a worker
// killed in the middle of a batch: every mail goes out once, never twice.

const BIN = path.resolve(import.meta.dirname, '../../bin/masthead.mjs');

let t: TestDatabase;
let issueId: number;

before(async () => {
  t = await createTestDatabase();
  await loadDemo(t.store.db);
  issueId = (await t.store.db.selectFrom('issues').select('id').where('year', '=', 2025).where('month', '=', 4).executeTakeFirstOrThrow()).id;
});
after(async () => {
  await t?.cleanup();
});

// A failed test must not leave a worker running into the next one.
const children = new Set<ChildProcess>();
afterEach(async () => {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await new Promise((r) => c.once('close', r));
    }
  }
  children.clear();
});

async function subscribers(n: number, tag: string): Promise<string[]> {
  const db = t.store.db;
  const now = new Date().toISOString();
  const emails = Array.from({ length: n }, (_, i) => `${tag}${i}@example.org`);
  const users = await db.insertInto('users').values(emails.map((email) => ({ email, role: 'reader' as const, created_at: now, updated_at: now, name: null, password_hash: null, rate_class: null, email_verified_at: now }))).returning('id').execute();
  await db.insertInto('entitlements').values(users.map((u) => ({ user_id: u.id, plan: 'digital' as const, starts_at: now, ends_at: '2099-01-01T00:00:00.000Z', source: 'admin' as const, note: null, external_ref: null, created_at: now, revoked_at: null }))).execute();
  return emails;
}

/** Makes the queue hold exactly the issue mail to these subscribers. */
async function freshQueue(tag: string, n: number): Promise<string[]> {
  await t.store.db.deleteFrom('mail_queue').execute();
  await t.store.db.deleteFrom('entitlements').execute();
  const emails = await subscribers(n, tag);
  const r = await queueIssueMail(t.store, issueId);
  assert.equal(r.queued, n);
  return emails;
}

function worker(sink: Sink, args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, 'mail', 'work', '--no-digests', ...args], {
    env: { ...process.env, ...t.env, SMTP_URL: sink.url, BASE_URL: 'http://masthead.test', MAIL_FROM: 'PLN <news@masthead.test>', MAIL_POLL_SECONDS: '0.05', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

function perRecipient(sink: Sink): Map<string, number> {
  const m = new Map<string, number>();
  for (const mail of sink.mails) m.set(mail.to, (m.get(mail.to) ?? 0) + 1);
  return m;
}

test('two worker processes on one database send every mail exactly once', async () => {
  const emails = await freshQueue('pair', 300);
  const sink = await startSink();
  try {
    const a = worker(sink, ['--until-empty'], { MAIL_RATE: '0' });
    const b = worker(sink, ['--until-empty'], { MAIL_RATE: '0' });
    const [ra, rb] = await Promise.all([a.done, b.done]);
    assert.equal(ra.code, 0, ra.stderr);
    assert.equal(rb.code, 0, rb.stderr);
    const sentBy = [ra, rb].map((r) => Number(/^(\d+) sent/.exec(r.stdout)?.[1] ?? -1));
    assert.equal(sentBy[0] + sentBy[1], 300, `the two workers report ${sentBy.join(' + ')} sent`);
    const counts = perRecipient(sink);
    for (const e of emails) assert.equal(counts.get(e), 1, `exactly one mail to ${e}`);
    assert.equal(sink.mails.length, 300);
    assert.deepEqual(await queueCounts(t.store.db), { queued: 0, sent: 300, failed: 0, bounced: 0, skipped: 0, unknown: 0 });
  } finally {
    await sink.close();
  }
});

test('a worker killed in the middle of a batch: the next one sends the rest, nothing goes out twice', async () => {
  const total = 200;
  const emails = await freshQueue('killed', total);
  const sink = await startSink();
  try {
    const env = { MAIL_RATE: '100', MAIL_LEASE_SECONDS: '2', MAIL_CONCURRENCY: '4' };
    const first = worker(sink, [], env);
    await sink.waitForCount(40, 20_000);
    first.child.kill('SIGKILL');
    await first.done;
    const before = sink.mails.length;
    assert.ok(before < total, `killed mid-way (${before} of ${total} sent)`);
    const rowsAtKill = await t.store.db.selectFrom('mail_queue').select(['status', 'locked_by', 'data_at']).execute();
    const atKill = `at the kill: ${before} received; ${rowsAtKill.filter((r) => r.status === 'sent').length} marked sent, ${rowsAtKill.filter((r) => r.locked_by && r.status === 'queued').length} claimed, ${rowsAtKill.filter((r) => r.data_at && r.status === 'queued').length} handed over`;

    // Start again: claimed rows come back when their lease runs out.
    const second = worker(sink, [], env);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const c = await queueCounts(t.store.db);
      if (c.queued === 0) break;
      if (Date.now() > deadline) throw new Error(`still queued: ${JSON.stringify(c)}; ${atKill}`);
      await sleep(100);
    }
    second.child.kill('SIGTERM');
    const r2 = await second.done;
    assert.equal(r2.code, 0, r2.stderr);

    const counts = perRecipient(sink);
    const rows = await t.store.db.selectFrom('mail_queue').select(['to_address', 'status']).execute();
    const unknown = rows.filter((r) => r.status === 'unknown');
    const state = `${atKill}; now ${JSON.stringify(await queueCounts(t.store.db))}; second worker: ${r2.stderr.slice(0, 2000)}`;
    for (const e of emails) assert.ok((counts.get(e) ?? 0) <= 1, `never two mails to ${e}; ${state}`);
    for (const r of rows) {
      if (r.status === 'sent') assert.equal(counts.get(r.to_address), 1, `${r.to_address} was sent once; ${state}`);
      else assert.equal(r.status, 'unknown', `${r.to_address}: ${r.status}; ${state}`);
    }
    // Only a mail whose data had been handed to the server when the worker died is in doubt:
    // at most one per connection.
    assert.ok(unknown.length <= 4, `${unknown.length} mails of unknown outcome; ${state}`);
    assert.equal(sink.mails.length + unknown.filter((u) => !counts.has(u.to_address)).length, total, `every other mail was delivered; ${state}`);
  } finally {
    await sink.close();
  }
});

test('a worker stopped with SIGTERM finishes what is in flight and gives the rest back: nothing in doubt', async () => {
  const total = 150;
  const emails = await freshQueue('stopped', total);
  const sink = await startSink();
  try {
    const env = { MAIL_RATE: '100', MAIL_LEASE_SECONDS: '30', MAIL_CONCURRENCY: '4' };
    const first = worker(sink, [], env);
    await sink.waitForCount(30, 20_000);
    first.child.kill('SIGTERM');
    const r1 = await first.done;
    assert.equal(r1.code, 0, r1.stderr);
    // Given back at once (no waiting for the 30 s lease).
    const afterStop = JSON.stringify(await queueCounts(t.store.db));
    const second = worker(sink, ['--until-empty'], env);
    const r2 = await second.done;
    assert.equal(r2.code, 0, r2.stderr);
    const counts = perRecipient(sink);
    const state = `after the stop: ${afterStop}; first worker: ${r1.stderr.slice(0, 1500)}; second: ${r2.stdout} ${r2.stderr.slice(0, 1500)}`;
    for (const e of emails) assert.equal(counts.get(e), 1, `exactly one mail to ${e}; ${state}`);
    assert.deepEqual(await queueCounts(t.store.db), { queued: 0, sent: total, failed: 0, bounced: 0, skipped: 0, unknown: 0 }, state);
  } finally {
    await sink.close();
  }
});

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...t.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

test('masthead issue-mail queues an issue once; bad input is refused with a clear message', async () => {
  await t.store.db.deleteFrom('mail_queue').execute();
  await t.store.db.deleteFrom('entitlements').execute();
  await subscribers(5, 'cli');
  const ok = await cli(['issue-mail', '2025-02']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^5 mails queued \(\d+ articles in the table of contents\)/);
  const again = await cli(['issue-mail', '2025-02']);
  assert.match(again.stdout, /^0 mails queued/);
  const status = await cli(['mail', 'status', '--json']);
  assert.deepEqual(JSON.parse(status.stdout), { queued: 5, sent: 0, failed: 0, bounced: 0, skipped: 0, unknown: 0 });
  for (const [args, code, msg] of [
    [['issue-mail', '2025-13'], 2, /YYYY-MM/],
    [['issue-mail', '1999-01'], 1, /no issue 1999-01/],
    [['mail', 'requeue'], 2, /--unknown, --failed or --id/],
  ] as const) {
    const r = await cli([...args]);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
  }
  assert.equal((await queueCounts(t.store.db)).queued, 5, 'nothing written by the refused commands');
});

test('masthead serve runs the mail worker and stops it cleanly', async () => {
  await t.store.db.deleteFrom('mail_queue').execute();
  await t.store.db.deleteFrom('entitlements').execute();
  const emails = await subscribers(3, 'served');
  await queueIssueMail(t.store, issueId);
  const sink = await startSink();
  try {
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: { ...process.env, ...t.env, PORT: '0', HOST: '127.0.0.1', SMTP_URL: sink.url, BASE_URL: 'http://masthead.test', MAIL_POLL_SECONDS: '0.1', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await sink.waitForCount(3, 30_000).catch((e) => { child.kill('SIGKILL'); throw new Error(`${e.message}\n${stderr}`); });
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    for (const e of emails) assert.equal(sink.mailsTo(e).length, 1);
    assert.equal((await queueCounts(t.store.db)).sent, 3);
  } finally {
    await sink.close();
  }
});
