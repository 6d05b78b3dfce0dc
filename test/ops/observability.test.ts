import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase } from '../support/db.ts';
import { BrowserSession } from '../support/browser-session.ts';
import { buildApp } from '../../src/web/app.ts';
import { createContext } from '../../src/web/context.ts';
import { loadConfig } from '../../src/config.ts';
import { loadDemo } from '../../src/demo/load.ts';
import { openStore } from '../../src/store/db.ts';
import { observeSearch } from '../../src/ops/metrics.ts';
import { enqueueMail, queueCounts } from '../../src/mail/queue.ts';
import { createUser } from '../../src/store/users.ts';

// What an operator sees: request ids in every log line and in the response, /metrics for
// Prometheus (only for this machine or a scraper with the token), /healthz and /readyz.

let t: TestApp;
before(async () => {
  t = await createTestApp({ env: { METRICS_TOKEN: 'scrape-secret-123' } });
});
after(async () => {
  await t?.cleanup();
});

/** A Prometheus sample's value: `name{labels} value` where every given label matches. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) have[l[1]] = l[2];
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return null;
}

async function scrape(app = t.app): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return res.body;
}

test('/healthz answers without touching the database; /readyz needs the database', async () => {
  // A store that is gone (the database went away under a running process).
  const d = await createTestDatabase();
  const store = await openStore({ databaseUrl: d.databaseUrl, dataDir: d.dataDir });
  const app = await buildApp(createContext(store, loadConfig({ ...d.env, BASE_URL: 'http://masthead.test' })));
  try {
    assert.equal((await app.inject('/readyz')).statusCode, 200);
    await store.close();
    const alive = await app.inject('/healthz');
    assert.equal(alive.statusCode, 200);
    assert.deepEqual(alive.json(), { status: 'ok' });
    assert.equal(alive.headers['cache-control'], 'no-store');
    const ready = await app.inject('/readyz');
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.json().status, 'unavailable');
    assert.match(ready.json().message, /database/);
  } finally {
    await app.close();
    await d.cleanup();
  }
});

test('/readyz is 503 while a migration in the code is not applied, and names it', async () => {
  const ok = await t.app.inject('/readyz');
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().status, 'ok');
  assert.equal(ok.json().database, t.store.dialect);
  const last = await sql<{ name: string; timestamp: string }>`select name, timestamp from kysely_migration order by name desc limit 1`.execute(t.store.db);
  const { name, timestamp } = last.rows[0];
  await sql`delete from kysely_migration where name = ${name}`.execute(t.store.db);
  try {
    const res = await t.app.inject('/readyz');
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().message, 'migrations not applied');
    assert.deepEqual(res.json().pending, [name]);
  } finally {
    await sql`insert into kysely_migration (name, timestamp) values (${name}, ${timestamp})`.execute(t.store.db);
  }
  assert.equal((await t.app.inject('/readyz')).statusCode, 200);
});

test('every response carries a request id; one sent by a stranger is not believed', async () => {
  const a = await t.app.inject('/');
  const b = await t.app.inject('/');
  assert.match(String(a.headers['x-request-id']), /^[0-9a-f]{32}$/);
  assert.notEqual(a.headers['x-request-id'], b.headers['x-request-id']);
  // No TRUST_PROXY: the header is the client's word, and a new id is made.
  const forged = await t.app.inject({ url: '/', headers: { 'x-request-id': 'forged-id-1' } });
  assert.notEqual(forged.headers['x-request-id'], 'forged-id-1');
  // On errors too.
  const missing = await t.app.inject('/no-such-page');
  assert.equal(missing.statusCode, 404);
  assert.match(String(missing.headers['x-request-id']), /^[0-9a-f]{32}$/);
});

test('a request id from a trusted proxy is kept and echoed; a malformed one is replaced', async () => {
  const p = await createTestApp({ demo: false, env: { TRUST_PROXY: '10.0.0.0/8' } });
  try {
    const viaProxy = await p.app.inject({ url: '/healthz', remoteAddress: '10.1.2.3', headers: { 'x-request-id': 'lb-7f3a-0001', 'x-forwarded-for': '198.51.100.4' } });
    assert.equal(viaProxy.headers['x-request-id'], 'lb-7f3a-0001');
    const direct = await p.app.inject({ url: '/healthz', remoteAddress: '198.51.100.4', headers: { 'x-request-id': 'lb-7f3a-0002' } });
    assert.notEqual(direct.headers['x-request-id'], 'lb-7f3a-0002');
    const bad = await p.app.inject({ url: '/healthz', remoteAddress: '10.1.2.3', headers: { 'x-request-id': 'two words\n{"level":60}' } });
    assert.match(String(bad.headers['x-request-id']), /^[0-9a-f]{32}$/);
  } finally {
    await p.cleanup();
  }
});

test('logs are JSON lines, and every line of a request carries its id', async () => {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l));
      cb();
    },
  });
  const d = await createTestDatabase();
  await loadDemo(d.store.db);
  const app = await buildApp(createContext(d.store, loadConfig({ ...d.env, BASE_URL: 'http://masthead.test' })), { logger: { level: 'info', stream } });
  try {
    const b = new BrowserSession(app);
    await b.get('/login');
    const res = await b.post('/login', { email: 'nobody@example.org', password: 'wrong password' });
    assert.equal(res.statusCode, 401);
    const id = String(res.headers['x-request-id']);
    const mine = lines.filter((l) => l.reqId === id);
    // Fastify's "incoming request" and "request completed", and the sign-in failure between them.
    assert.ok(mine.some((l) => l.msg === 'incoming request'), JSON.stringify(lines));
    assert.ok(mine.some((l) => l.event === 'login_failed'));
    assert.ok(mine.some((l) => l.msg === 'request completed' && (l.res as { statusCode: number }).statusCode === 401));
    for (const l of lines) {
      assert.equal(typeof l.level, 'number');
      assert.equal(typeof l.time, 'number');
      if (l.req || l.res || l.event) assert.match(String(l.reqId), /^[0-9a-f]{32}$/, JSON.stringify(l));
    }
    // The password typed never reaches the log.
    assert.ok(!lines.some((l) => JSON.stringify(l).includes('wrong password')));
  } finally {
    await app.close();
    await d.cleanup();
  }
});

test('/metrics: request durations by route pattern, sign-in failures, search latency', async () => {
  const before = await scrape();
  const slugRows = await t.store.db.selectFrom('articles').select('slug').limit(2).execute();
  for (const r of slugRows) assert.equal((await t.app.inject(`/articles/${r.slug}`)).statusCode, 200);
  await t.app.inject('/no-such-page-' + Date.now());
  const b = new BrowserSession(t.app);
  await b.get('/login');
  const failed = await b.post('/login', { email: 'nobody@example.org', password: 'nope nope nope' });
  assert.equal(failed.statusCode, 401);
  observeSearch(0.012, 'test-engine');
  observeSearch(0.3, 'test-engine');

  const after = await scrape();
  const count = (text: string, labels: Record<string, string>) => sample(text, 'masthead_http_request_duration_seconds_count', labels) ?? 0;
  const route = { method: 'GET', route: '/articles/:slug', status_code: '200' };
  assert.equal(count(after, route) - count(before, route), slugRows.length);
  // Raw URLs never become labels; unmatched ones share one.
  for (const r of slugRows) assert.ok(!after.includes(r.slug), 'a slug became a label');
  assert.ok(count(after, { route: '(unmatched)', status_code: '404' }) >= 1);
  assert.ok(!/no-such-page-/.test(after));

  const fails = (text: string) => sample(text, 'masthead_signin_failures_total', { reason: 'no_account' }) ?? 0;
  assert.equal(fails(after) - fails(before), 1);

  assert.equal(sample(after, 'masthead_search_seconds_count', { engine: 'test-engine' }), 2);
  assert.equal(sample(after, 'masthead_search_seconds_bucket', { engine: 'test-engine', le: '0.025' }), 1);
  assert.ok(sample(after, 'masthead_process_resident_memory_bytes') ?? sample(after, 'masthead_nodejs_heap_size_used_bytes'));
});

test('/metrics reports the mail queue depth: mails waiting to be sent', async () => {
  const depth = async () => sample(await scrape(), 'masthead_mail_queue_depth');
  const before = (await queueCounts(t.store.db)).queued;
  assert.equal(await depth(), before);
  const user = await createUser(t.store.db, { email: `queue${Date.now()}@example.org`, verified: true });
  for (const k of ['a', 'b']) {
    await enqueueMail(t.store.db, { idemKey: `metrics-test:${user.id}:${k}`, kind: 'digest', userId: user.id, to: user.email, payload: null });
  }
  assert.equal(await depth(), before + 2);
  // Without a mail queue (an older database), the gauge is left out and nothing fails.
  const d = await createTestDatabase();
  const app = await buildApp(createContext(d.store, loadConfig({ ...d.env, BASE_URL: 'http://masthead.test' })));
  try {
    await sql`drop table mail_queue`.execute(d.store.db);
    const text = await scrape(app);
    assert.equal(sample(text, 'masthead_mail_queue_depth'), null);
    assert.match(text, /masthead_http_request_duration_seconds/);
  } finally {
    await app.close();
    await d.cleanup();
  }
});

test('/metrics is for this machine or the token holder, not for the world through a proxy', async () => {
  const url = '/metrics';
  // Through nginx on the same machine: a loopback peer, but a forwarded request.
  const proxied = await t.app.inject({ url, headers: { 'x-forwarded-for': '198.51.100.9' } });
  assert.equal(proxied.statusCode, 401);
  assert.equal(proxied.headers['www-authenticate'], 'Bearer realm="metrics"');
  assert.ok(!proxied.body.includes('masthead_'));
  const remote = await t.app.inject({ url, remoteAddress: '198.51.100.9' });
  assert.equal(remote.statusCode, 401);
  const wrong = await t.app.inject({ url, remoteAddress: '198.51.100.9', headers: { authorization: 'Bearer scrape-secret-124' } });
  assert.equal(wrong.statusCode, 401);
  const right = await t.app.inject({ url, remoteAddress: '198.51.100.9', headers: { authorization: 'Bearer scrape-secret-123' } });
  assert.equal(right.statusCode, 200);
  assert.match(right.body, /masthead_http_request_duration_seconds_bucket/);

  // Without METRICS_TOKEN nobody remote gets in, token or not.
  const p = await createTestApp({ demo: false });
  try {
    assert.equal((await p.app.inject({ url, remoteAddress: '198.51.100.9', headers: { authorization: 'Bearer ' } })).statusCode, 403);
    assert.equal((await p.app.inject({ url, remoteAddress: '::1' })).statusCode, 200);
  } finally {
    await p.cleanup();
  }
});
