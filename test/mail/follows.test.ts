import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BrowserSession } from '../support/browser-session.ts';
import { gatedFragments, findLeak } from '../support/leaks.ts';
import { createUser } from '../../src/store/users.ts';
import { hashPassword } from '../../src/auth/passwords.ts';
import { getArticle } from '../../src/store/articles.ts';
import { MailWorker, mailLinkToken } from '../../src/mail/queue.ts';
import { runDigests } from '../../src/mail/digests.ts';
import { createFollow, listFollows, getMailPrefs, parseSavedQuery } from '../../src/store/follows.ts';
import { signingSecret, sign } from '../../src/auth/signing.ts';
import { startSink, testSettings, address, publish, type Sink } from './support.ts';
import { runCli } from '../support/cli.ts';

// Following topics, states and sources from their pages, digests of new articles through a real
// SMTP server, one-click unsubscribe without signing in, and the preferences page.

const PASSWORD = 'correct horse battery';
let t: TestApp;
let sink: Sink;

before(async () => {
  sink = await startSink();
  t = await createTestApp();
});
after(async () => {
  await t?.cleanup();
  await sink?.close();
});

async function send() {
  const w = new MailWorker({ store: t.store, settings: testSettings(t, sink.url), digests: false });
  try {
    return await w.drain();
  } finally {
    await w.stop();
  }
}

async function account(name = 'follower') {
  const email = address(name);
  const user = await createUser(t.store.db, { email, passwordHash: await hashPassword(PASSWORD), verified: true });
  return { email, id: user.id };
}

async function signIn(b: BrowserSession, email: string, next?: string) {
  await b.get(next ? `/login?next=${encodeURIComponent(next)}` : '/login');
  return b.post('/login', { email, password: PASSWORD, ...(next ? { next } : {}) });
}

let n = 0;
/** A premium article on a topic, with gated paragraphs (a teaser, then the rest). */
function article(topic: string, place: string, title = `Test Article ${++n} About ${topic}`) {
  const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const md = `---
title: "${title}"
dek: "A dek for the test article."
topics: [${topic}]
places: [${place}]
sources:
  - Court records
access: premium
status: published
published_at: ${new Date(Date.now() - 1000).toISOString()}
---
The teaser paragraph of ${title}, which anyone may read in a digest.

<!--more-->

Gated paragraph number one of ${slug} holds the details that only subscribers may read in full on the site and never in any mail at all.

Gated paragraph number two of ${slug} carries more reporting about the case that must stay behind the paywall for everyone without a subscription.
`;
  return { md, slug, title };
}

async function fragmentsOf(slug: string): Promise<string[]> {
  const a = (await getArticle(t.store.db, slug))!;
  const f = gatedFragments(a.bodyText, a.teaserText);
  assert.ok(f.length >= 2);
  return f;
}

test('a reader follows a topic from its page and gets new articles on it by mail: teasers and links, no premium text', async () => {
  const me = await account();
  const anon = new BrowserSession(t.app);
  const page = await anon.get('/topics/solitary-confinement');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<form method="get" action="\/follows\/new"[^>]*><input type="hidden" name="topic" value="solitary-confinement"\/><button[^>]*>Follow this topic by e-mail<\/button><\/form>/);
  assert.doesNotMatch(page.body, /name="_csrf"/, 'the page is the same for everyone (cacheable)');

  // Anonymous: sent to sign in, and brought back.
  const go = await anon.get('/follows/new?topic=solitary-confinement');
  assert.equal(go.statusCode, 303);
  assert.equal(go.headers.location, `/login?next=${encodeURIComponent('/follows/new?topic=solitary-confinement')}`);
  const signedIn = await signIn(anon, me.email, '/follows/new?topic=solitary-confinement');
  assert.equal(signedIn.statusCode, 303);
  assert.equal(signedIn.headers.location, '/follows/new?topic=solitary-confinement');
  const confirm = await anon.get('/follows/new?topic=solitary-confinement');
  assert.equal(confirm.statusCode, 200);
  assert.match(confirm.body, /Solitary Confinement/);
  assert.equal((await listFollows(t.store.db, me.id)).length, 0, 'a GET follows nothing');
  const saved = await anon.post('/follows', { frequency: 'immediately' });
  assert.equal(saved.statusCode, 303);
  assert.equal(saved.headers.location, '/account/mail?done=followed');
  const follows = await listFollows(t.store.db, me.id);
  assert.equal(follows.length, 1);
  assert.equal(follows[0].kind, 'topic');
  assert.equal(follows[0].frequency, 'immediately');
  const prefs = await anon.get('/account/mail?done=followed');
  assert.match(prefs.body, /Solitary Confinement/);
  assert.equal(prefs.headers['cache-control'], 'private, no-store');

  // Nothing new yet: no mail (the archive's older articles on the topic are not news).
  await runDigests(t.store);
  await send();
  assert.equal(sink.mailsTo(me.email).length, 0);

  const on = article('Solitary Confinement', 'Texas');
  const off = article('Prison Phones', 'Texas');
  await publish(t.store.db, on.md);
  await publish(t.store.db, off.md);
  const r = await runDigests(t.store);
  assert.ok(r.queued >= 1);
  await send();
  const mails = sink.mailsTo(me.email);
  assert.equal(mails.length, 1);
  const mail = mails[0];
  assert.ok(mail.text.includes(on.title), 'the new article on the topic');
  assert.ok(mail.text.includes(`http://masthead.test/articles/${on.slug}`));
  assert.ok(mail.text.includes(`The teaser paragraph of ${on.title}`), 'with its teaser');
  assert.ok(!mail.text.includes(off.title), 'not the article on another topic');
  assert.equal(findLeak(mail.everything, await fragmentsOf(on.slug)), null, 'no premium text, even though the mail could be forwarded');
  assert.match(mail.header('List-Unsubscribe'), /^<http:\/\/masthead\.test\/mail\/unsubscribe\/\d+\.f\d+\.[A-Za-z0-9_-]{32}>$/);
  assert.equal(mail.header('List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');

  // Run again: nothing new, nothing sent twice.
  await runDigests(t.store);
  await send();
  assert.equal(sink.mailsTo(me.email).length, 1);
});

test('a saved search with filters: the digest holds exactly the new articles the search finds', async () => {
  const me = await account('searcher');
  const b = new BrowserSession(t.app);
  await signIn(b, me.email);
  const url = '/follows/new?q=chemical+restraint&state=texas&sort=date&page=2';
  const confirm = await b.get(url);
  assert.equal(confirm.statusCode, 200);
  assert.match(confirm.body, /“chemical restraint” in Texas/);
  const saved = await b.post('/follows', { frequency: 'immediately' });
  assert.equal(saved.statusCode, 303);
  const [f] = await listFollows(t.store.db, me.id);
  assert.equal(f.kind, 'search');
  assert.deepEqual(f.query, { q: 'chemical restraint', state: 'texas' }, 'paging and sorting are not part of a saved search');

  const mk = (title: string, place: string, teaser: string, gated: string, access = 'free') => `---
title: "${title}"
topics: [Prison Conditions]
places: [${place}]
access: ${access}
status: published
published_at: ${new Date(Date.now() - 1000).toISOString()}
---
${teaser}

<!--more-->

${gated}
`;
  const words = 'Jailers used chemical restraint on a man in a mental health crisis, the complaint says.';
  const filler = 'The county denies the claims and says its officers followed every written policy at the time of the incident.';
  await publish(t.store.db, mk('Texas Chemical Restraint Suit Filed', 'Texas', words, filler));
  await publish(t.store.db, mk('Ohio Chemical Restraint Suit Filed', 'Ohio', words, filler));
  await publish(t.store.db, mk('Texas Jail Food Complaint Filed', 'Texas', 'Prisoners say the food at the county jail is spoiled and cold most days.', filler));
  // The words only in the gated part of a premium article: found (as /search finds it for anyone), but only the teaser goes out.
  await publish(t.store.db, mk('Texas Restraint Chair Death Lawsuit', 'Texas', 'A family sued a Texas county over a death at its jail last year.', `Deputies strapped him into a chair and used chemical restraint spray while he was held there for hours without water or any medical checks.`, 'premium'));
  await runDigests(t.store);
  await send();
  const mails = sink.mailsTo(me.email);
  assert.equal(mails.length, 1);
  const m = mails[0];
  assert.ok(m.text.includes('Texas Chemical Restraint Suit Filed'));
  assert.ok(m.text.includes('Texas Restraint Chair Death Lawsuit'));
  assert.ok(!m.text.includes('Ohio Chemical Restraint Suit Filed'), 'another state');
  assert.ok(!m.text.includes('Texas Jail Food Complaint Filed'), 'not the words');
  assert.match(m.subject, /2 articles new on "“chemical restraint” in Texas"/);
  assert.ok(m.text.includes('http://masthead.test/search?q=chemical+restraint&state=texas&sort=date'), 'a link to the search');
  assert.equal(findLeak(m.everything, await fragmentsOf('texas-restraint-chair-death-lawsuit')), null, 'the premium text that matched is not in the mail');
});

test('daily and weekly digests go out once per period, with every new match', async () => {
  const me = await account('daily');
  const db = t.store.db;
  const q = parseSavedQuery({ state: 'ohio' });
  assert.ok(q.ok);
  const start = new Date();
  await createFollow(db, me.id, { query: q.query, label: 'Ohio', frequency: 'daily' }, { now: start });
  const weekly = parseSavedQuery({ state: 'ohio', q: '' });
  assert.ok(weekly.ok);
  const a1 = article('Policing', 'Ohio');
  const a2 = article('Court Access', 'Ohio');
  await publish(db, a1.md);
  await publish(db, a2.md);
  // Later the same day: the day's digest is not due yet (following started today).
  await runDigests(t.store, { now: new Date(start.getTime() + 1000) });
  await send();
  assert.equal(sink.mailsTo(me.email).length, 0);
  // The next day: one digest with both.
  const tomorrow = new Date(start.getTime() + 86400_000);
  const r = await runDigests(t.store, { now: tomorrow });
  assert.ok(r.queued >= 1);
  await runDigests(t.store, { now: new Date(tomorrow.getTime() + 60_000) });
  await send();
  const mails = sink.mailsTo(me.email);
  assert.equal(mails.length, 1, 'one digest for the day, however often the digests run');
  assert.ok(mails[0].text.includes(a1.title) && mails[0].text.includes(a2.title));
  assert.match(mails[0].subject, /2 articles today on "Ohio"/);
});

test('two instances running digests at once queue each digest once', async () => {
  const me = await account('race');
  const q = parseSavedQuery({ source: 'court-records' });
  assert.ok(q.ok);
  await createFollow(t.store.db, me.id, { query: q.query, label: 'Court records', frequency: 'immediately' });
  await publish(t.store.db, article('Sexual Abuse', 'Georgia').md);
  // Other instances: `masthead mail digests` in two processes, and this one, all at once.
  const [a, b, here] = await Promise.all([runCli(['mail', 'digests'], t.env), runCli(['mail', 'digests'], t.env), runDigests(t.store)]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  await send();
  assert.equal(sink.mailsTo(me.email).length, 1, `${a.stdout} ${b.stdout} ${here.queued}`);
  assert.equal((await t.store.db.selectFrom('mail_queue').select('id').where('user_id', '=', me.id).execute()).length, 1);
});

test('one-click unsubscribe works without signing in (RFC 8058), GET changes nothing, and the link cannot be forged for someone else', async () => {
  const me = await account('unsub');
  const other = await account('victim');
  const db = t.store.db;
  const q = parseSavedQuery({ topic: 'prison-labor' });
  assert.ok(q.ok);
  await createFollow(db, me.id, { query: q.query, label: 'Prison Labor', frequency: 'immediately' });
  const victimFollow = await createFollow(db, other.id, { query: q.query, label: 'Prison Labor', frequency: 'immediately' });
  assert.ok(victimFollow.ok);
  await publish(db, article('Prison Labor', 'Alabama').md);
  await runDigests(t.store);
  await send();
  const mail = sink.mailsTo(me.email).at(-1)!;
  const url = /^<([^>]+)>$/.exec(mail.header('List-Unsubscribe'))![1];
  const path = new URL(url).pathname;
  assert.ok(mail.text.includes(url), 'the link is in the mail text too');

  // A mail scanner opening the link unsubscribes nobody.
  const scanner = await t.app.inject({ method: 'GET', url: path });
  assert.equal(scanner.statusCode, 200);
  assert.match(scanner.body, /<form method="post" action="\/mail\/unsubscribe\/[^"]+"><button class="btn" type="submit">Unsubscribe<\/button><\/form>/);
  assert.equal((await listFollows(db, me.id))[0].frequency, 'immediately');

  // Forgeries: another reader's id with my signature, my id with another scope, a made-up signature.
  const [uid, scope, sig] = path.split('/').pop()!.split('.');
  const secret = await signingSecret(db);
  const victimScope = `f${victimFollow.id}`;
  for (const forged of [`${other.id}.${scope}.${sig}`, `${uid}.all.${sig}`, `${other.id}.${victimScope}.${sig}`, `${other.id}.all.${'A'.repeat(32)}`, `${other.id}.all.${sign('guessed-secret', `mail-link:${other.id}:all`)}`]) {
    const res = await t.app.inject({ method: 'POST', url: `/mail/unsubscribe/${forged}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    assert.equal(res.statusCode, 404, forged);
  }
  assert.equal((await listFollows(db, other.id))[0].frequency, 'immediately', 'the other reader still follows');
  assert.equal((await listFollows(db, me.id))[0].frequency, 'immediately');
  assert.ok(mailLinkToken(secret, other.id, 'all') !== `${other.id}.all.${sig}`);

  // The mail provider's one-click POST: no cookie, no CSRF token, no Origin.
  const res = await t.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /You are unsubscribed/);
  assert.equal((await listFollows(db, me.id))[0].frequency, 'off', 'kept as a saved search, no more mail');
  assert.equal((await listFollows(db, other.id))[0].frequency, 'immediately');

  // multipart/form-data, as RFC 8058 also allows, and again (idempotent).
  const boundary = 'xyz';
  const multipart = await t.app.inject({
    method: 'POST', url: path, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`,
  });
  assert.equal(multipart.statusCode, 200);

  // No more mail for that follow.
  await publish(db, article('Prison Labor', 'Alabama').md);
  await runDigests(t.store);
  await send();
  assert.equal(sink.mailsTo(me.email).length, 1);
  assert.equal(sink.mailsTo(other.email).length, 2);
});

test('the preferences page opens from a mailed link without signing in: plain text only, issue mail off', async () => {
  const me = await account('prefs');
  const db = t.store.db;
  const q = parseSavedQuery({ topic: 'policing' });
  assert.ok(q.ok);
  await createFollow(db, me.id, { query: q.query, label: 'Policing', frequency: 'immediately' });
  await publish(db, article('Policing', 'Missouri').md);
  await runDigests(t.store);
  await send();
  const first = sink.mailsTo(me.email).at(-1)!;
  assert.ok(first.html, 'HTML and text by default');
  const prefsUrl = /(http:\/\/masthead\.test\/mail\/preferences\/\S+)/.exec(first.text)![1];
  const b = new BrowserSession(t.app);
  const page = await b.get(new URL(prefsUrl).pathname);
  assert.equal(page.statusCode, 200);
  assert.ok(page.body.includes(me.email));
  assert.equal(page.headers['cache-control'], 'private, no-store');
  assert.equal(page.headers['referrer-policy'], 'no-referrer');
  const saved = await b.post(new URL(prefsUrl).pathname, { plain_text: '1', [`frequency_${(await listFollows(db, me.id))[0].id}`]: 'immediately' });
  assert.equal(saved.statusCode, 303);
  assert.deepEqual(await getMailPrefs(db, me.id), { issueMail: false, plainText: true, renewalMail: false });

  // A bad token opens nothing.
  const bad = await b.get(new URL(prefsUrl).pathname.replace(/\.[^.]+$/, `.${'B'.repeat(32)}`));
  assert.equal(bad.statusCode, 404);
  assert.ok(!bad.body.includes(me.email));

  // The next digest: plain text only, ASCII.
  const a = article('Policing', 'Missouri', 'Police Department “Reforms” Questioned — Again');
  await publish(db, a.md);
  await runDigests(t.store);
  await send();
  const plain = sink.mailsTo(me.email).at(-1)!;
  assert.deepEqual(plain.parts.map((p) => p.contentType), ['text/plain']);
  assert.ok(/^[\x09\x0a\x0d\x20-\x7e]*$/.test(plain.text));
  assert.ok(plain.text.includes('Police Department "Reforms" Questioned -- Again'), plain.text);
  assert.equal(findLeak(plain.everything, await fragmentsOf(a.slug)), null);
});

test('bad follow requests get a clear answer, not a 500', async () => {
  const me = await account('bad');
  const b = new BrowserSession(t.app);
  await signIn(b, me.email);
  for (const [url, status, msg] of [
    ['/follows/new?topic=no-such-topic', 404, /There is no topic/],
    ['/follows/new?from=2025-13-45&q=x', 400, /start date/],
    ['/follows/new', 400, /needs search words or at least one filter/],
    [`/follows/new?q=${'x'.repeat(400)}`, 400, /longer than 300/],
  ] as const) {
    const res = await b.get(url);
    assert.equal(res.statusCode, status, url);
    assert.match(res.body, msg);
  }
  await b.get('/follows/new?topic=policing');
  const noFreq = await b.post('/follows', { frequency: 'hourly' });
  assert.equal(noFreq.statusCode, 400);
  assert.equal((await listFollows(t.store.db, me.id)).length, 0);
  // Without the form's CSRF token: refused.
  const forged = await b.post('/follows', { topic: 'policing', frequency: 'daily' }, { noCsrf: true });
  assert.equal(forged.statusCode, 403);
  assert.equal((await listFollows(t.store.db, me.id)).length, 0);
});

test('the signed-in preferences page: change how often, stop following, stop all mail', async () => {
  const me = await account('settings');
  const db = t.store.db;
  for (const [field, slug, label] of [['topic', 'medical-care', 'Medical Care'], ['state', 'georgia', 'Georgia']] as const) {
    const q = parseSavedQuery({ [field]: slug });
    assert.ok(q.ok);
    await createFollow(db, me.id, { query: q.query, label, frequency: 'daily' });
  }
  const b = new BrowserSession(t.app);
  const anon = await b.get('/account/mail');
  assert.equal(anon.statusCode, 303);
  assert.equal(anon.headers.location, '/login?next=%2Faccount%2Fmail');
  await signIn(b, me.email);
  const page = await b.get('/account/mail');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /Medical Care/);
  assert.match(page.body, /Georgia/);
  const [medical, georgia] = await listFollows(db, me.id);
  const saved = await b.post('/account/mail', { issue_mail: '1', [`frequency_${medical.id}`]: 'weekly', [`frequency_${georgia.id}`]: 'daily' });
  assert.equal(saved.statusCode, 303);
  assert.deepEqual((await listFollows(db, me.id)).map((f) => f.frequency), ['weekly', 'daily']);
  assert.deepEqual(await getMailPrefs(db, me.id), { issueMail: true, plainText: false, renewalMail: false });

  await b.get('/account/mail');
  const stop = await b.post(`/account/mail/follows/${georgia.id}/delete`);
  assert.equal(stop.statusCode, 303);
  assert.deepEqual((await listFollows(db, me.id)).map((f) => f.label), ['Medical Care']);
  // Someone else's follow cannot be removed through my session.
  const theirs = await account('theirs');
  const q = parseSavedQuery({ topic: 'medical-care' });
  assert.ok(q.ok);
  const other = await createFollow(db, theirs.id, { query: q.query, label: 'Medical Care', frequency: 'daily' });
  assert.ok(other.ok);
  await b.get('/account/mail');
  await b.post(`/account/mail/follows/${other.id}/delete`, {}, { headers: {} });
  assert.equal((await listFollows(db, theirs.id)).length, 1);

  await b.get('/account/mail');
  const all = await b.post('/account/mail/stop-all');
  assert.equal(all.statusCode, 303);
  assert.deepEqual((await listFollows(db, me.id)).map((f) => f.frequency), ['off']);
  assert.equal((await getMailPrefs(db, me.id)).issueMail, false);
  assert.equal((await getMailPrefs(db, me.id)).renewalMail, false, 'stop all mail stops the renewal reminders too');
  const after = await b.get('/account/mail?done=stopped');
  assert.match(after.body, /no more mail from us/);
});
