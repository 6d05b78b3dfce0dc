import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { loadDemo } from '../../src/demo/load.ts';
import { premiumArticles, findLeak } from '../support/leaks.ts';
import { MailWorker, queueCounts, enqueueMail, verifyMailLinkToken } from '../../src/mail/queue.ts';
import { queueIssueMail } from '../../src/mail/digests.ts';
import { setMailPrefs, isSuppressed } from '../../src/store/follows.ts';
import { signingSecret } from '../../src/auth/signing.ts';
import { startSink, testSettings, subscriber, reader, address, sleep, type Sink } from './support.ts';

// The mail queue and the issue mail, through a real SMTP server on loopback.

let t: TestDatabase;
let issueId: number;
let fragments: string[];

before(async () => {
  t = await createTestDatabase();
  await loadDemo(t.store.db);
  issueId = (await t.store.db.selectFrom('issues').select('id').where('year', '=', 2025).where('month', '=', 3).executeTakeFirstOrThrow()).id;
  fragments = (await premiumArticles(t.store.db)).flatMap((a) => a.fragments);
  assert.ok(fragments.length > 20, 'the demo has premium articles with gated text');
});
after(async () => {
  await t?.cleanup();
});

/** Clears the queue between tests (each test reads only its own recipients anyway). */
async function emptyQueue() {
  await t.store.db.deleteFrom('mail_queue').execute();
}

async function drain(sink: Sink, env: Record<string, string> = {}) {
  const w = new MailWorker({ store: t.store, settings: testSettings(t, sink.url, env), digests: false });
  try {
    return await w.drain();
  } finally {
    await w.stop();
  }
}

test('the issue mail reaches every current subscriber who wants it, once, with the table of contents and no premium text', async () => {
  await emptyQueue();
  const sink = await startSink();
  try {
    const db = t.store.db;
    const subs = [await subscriber(db), await subscriber(db), await subscriber(db)];
    const plain = await subscriber(db);
    await setMailPrefs(db, plain.id, { plainText: true });
    const optedOut = await subscriber(db);
    await setMailPrefs(db, optedOut.id, { issueMail: false });
    const noSubscription = await reader(db);
    const lapsed = await reader(db);
    await db.insertInto('entitlements').values({ user_id: lapsed.id, plan: 'digital', starts_at: '2020-01-01T00:00:00.000Z', ends_at: '2021-01-01T00:00:00.000Z', source: 'admin', note: null, external_ref: null, created_at: '2020-01-01T00:00:00.000Z', revoked_at: null }).execute();

    const r = await queueIssueMail(t.store, issueId);
    assert.ok(r.articles >= 3);
    assert.equal(r.queued, 4, 'three subscribers and the plain-text one');
    // Queuing again (an editor publishes twice) queues nothing more.
    assert.equal((await queueIssueMail(t.store, issueId)).queued, 0);

    const sent = await drain(sink);
    assert.equal(sent.sent, 4);
    for (const s of [...subs, plain]) assert.equal(sink.mailsTo(s.email).length, 1, `one mail to ${s.email}`);
    for (const s of [optedOut, noSubscription, lapsed]) assert.equal(sink.mailsTo(s.email).length, 0);

    const mail = sink.mailsTo(subs[0].email)[0];
    assert.match(mail.subject, /Prison Legal News, March 2025/);
    const toc = await db.selectFrom('articles').select(['title', 'slug', 'page_first']).where('issue_id', '=', issueId).execute();
    for (const a of toc) {
      assert.ok(mail.text.includes(a.title), `the text lists "${a.title}"`);
      assert.ok(mail.text.includes(`http://masthead.test/articles/${a.slug}`), 'with a link');
      assert.ok(mail.html!.includes(`href="http://masthead.test/articles/${a.slug}"`));
      assert.match(mail.text, new RegExp(`p+\\. ${a.page_first}`), 'with its page');
    }
    assert.ok(mail.text.includes('http://masthead.test/issues/2025/03'));
    // RFC 8058 one-click unsubscribe: an https (here http test) URL and the POST header.
    assert.match(mail.header('List-Unsubscribe'), /^<http:\/\/masthead\.test\/mail\/unsubscribe\/[^>]+>$/);
    assert.equal(mail.header('List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');
    const token = /unsubscribe\/([^>]+)>/.exec(mail.header('List-Unsubscribe'))![1];
    assert.deepEqual(verifyMailLinkToken(await signingSecret(db), token), { userId: subs[0].id, scope: 'issue' });
    assert.ok(mail.text.includes(`/mail/unsubscribe/${token}`), 'the link is in the text too');
    assert.deepEqual(mail.parts.map((p) => p.contentType).sort(), ['text/html', 'text/plain']);

    // Plain text only: one text/plain part, ASCII, nothing else.
    const p = sink.mailsTo(plain.email)[0];
    assert.deepEqual(p.parts.map((x) => x.contentType), ['text/plain']);
    assert.match(p.raw.split(/\r?\n\r?\n/)[0], /Content-Type: text\/plain/i);
    assert.ok(/^[\x09\x0a\x0d\x20-\x7e]*$/.test(p.text), 'plain text is ASCII');
    assert.ok(p.text.includes(toc[0].title.replace(/[’‘]/g, "'").replace(/[“”]/g, '"').replace(/[—–]/g, '-')) || p.text.includes('http://masthead.test/articles/'));

    for (const m of sink.mails) assert.equal(findLeak(m.everything, fragments), null, `no premium text in the mail to ${m.to}`);
  } finally {
    await sink.close();
  }
});

test('a permanent refusal (5xx) suppresses the address: it is never mailed again', async () => {
  await emptyQueue();
  const db = t.store.db;
  const gone = await subscriber(db, address('gone'));
  const fine = await subscriber(db, address('fine'));
  const sink = await startSink({ rcpt: (a) => (a === gone.email ? 550 : null) });
  try {
    await queueIssueMail(t.store, issueId);
    const r = await drain(sink);
    assert.ok(r.bounced >= 1);
    assert.equal(sink.mailsTo(gone.email).length, 0);
    assert.equal(sink.mailsTo(fine.email).length, 1);
    assert.ok(await isSuppressed(db, gone.email));
    const row = await db.selectFrom('mail_queue').select(['status', 'last_error', 'attempts']).where('to_address', '=', gone.email).executeTakeFirstOrThrow();
    assert.equal(row.status, 'bounced');
    assert.equal(row.attempts, 1, 'no retries after a permanent refusal');

    // The next issue: not queued for the suppressed address at all.
    const may = (await db.selectFrom('issues').select('id').where('year', '=', 2025).where('month', '=', 5).executeTakeFirstOrThrow()).id;
    await queueIssueMail(t.store, may);
    assert.equal((await db.selectFrom('mail_queue').select('id').where('to_address', '=', gone.email).where('content_id', 'is not', null).execute()).length, 1);
    // And a mail queued before the bounce was known is skipped at sending time.
    await enqueueMail(db, { idemKey: `late:${gone.id}`, kind: 'issue', userId: gone.id, to: gone.email, contentId: (await db.selectFrom('mail_contents').select('id').executeTakeFirstOrThrow()).id });
    const again = await drain(sink);
    assert.ok(again.skipped >= 1);
    assert.equal(sink.mailsTo(gone.email).length, 0);
    assert.equal(sink.mails.filter((m) => m.to === gone.email).length, 0);
  } finally {
    await sink.close();
  }
});

test('a temporary refusal (4xx) is retried with backoff and delivered once', async () => {
  await emptyQueue();
  const db = t.store.db;
  const busy = await subscriber(db, address('busy'));
  const sink = await startSink({ rcpt: (a, attempt) => (a === busy.email && attempt <= 2 ? 451 : null) });
  try {
    await queueIssueMail(t.store, issueId);
    const first = await drain(sink, { MAIL_RETRY_BASE_SECONDS: '0.2' });
    assert.ok(first.retried >= 1);
    const row = await db.selectFrom('mail_queue').select(['status', 'next_attempt_at', 'attempts']).where('to_address', '=', busy.email).executeTakeFirstOrThrow();
    assert.equal(row.status, 'queued');
    assert.ok(Date.parse(row.next_attempt_at) > Date.now(), 'the next attempt waits');
    const w = new MailWorker({ store: t.store, settings: testSettings(t, sink.url, { MAIL_RETRY_BASE_SECONDS: '0.2' }), digests: false });
    w.start();
    const deadline = Date.now() + 10_000;
    while (sink.mailsTo(busy.email).length === 0 && Date.now() < deadline) await sleep(50);
    await w.stop();
    assert.equal(sink.mailsTo(busy.email).length, 1);
    const done = await db.selectFrom('mail_queue').select(['status', 'attempts']).where('to_address', '=', busy.email).executeTakeFirstOrThrow();
    assert.equal(done.status, 'sent');
    assert.equal(done.attempts, 3, 'two refusals, then delivered');
    assert.equal(await isSuppressed(db, busy.email), false);
  } finally {
    await sink.close();
  }
});

test('MAIL_RATE limits how fast mail goes out, across workers', async () => {
  await emptyQueue();
  const db = t.store.db;
  for (let i = 0; i < 30; i++) await subscriber(db);
  await queueIssueMail(t.store, issueId);
  const total = (await queueCounts(db)).queued;
  const sink = await startSink();
  try {
    const settings = testSettings(t, sink.url, { MAIL_RATE: '20' });
    const a = new MailWorker({ store: t.store, settings, digests: false });
    const b = new MailWorker({ store: t.store, settings, digests: false });
    const started = Date.now();
    await Promise.all([a.drain(), b.drain()]);
    const took = Date.now() - started;
    await a.stop();
    await b.stop();
    assert.equal(sink.mails.length, total);
    // 20 per second for both together: the last mail can start no earlier than (total-1)/20 s.
    assert.ok(took >= ((total - 1) / 20) * 1000 - 100, `${total} mails took ${took} ms at 20/s`);
  } finally {
    await sink.close();
  }
});
