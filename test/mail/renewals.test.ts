import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../support/app.ts';
import { premiumArticles, findLeak } from '../support/leaks.ts';
import { MailWorker } from '../../src/mail/queue.ts';
import { parseReminderDays, queueRenewalReminders, reminderStage } from '../../src/mail/renewals.ts';
import { createUser, grantEntitlement } from '../../src/store/users.ts';
import { getMailPrefs, setMailPrefs, suppressAddress } from '../../src/store/follows.ts';
import { startSink, testSettings, address, type Sink } from './support.ts';

// Reminders before a subscription ends (plans are bought a year at a time; nothing renews by
// itself): 30 and 7 days before, and once in the week after, each once per end date, through a
// real SMTP server; a renewal since queuing, an opt-out or a bounced address means no mail.

const DAY = 86_400_000;
const DAYS = [30, 7];
let t: TestApp;
let sink: Sink;
let fragments: string[];

before(async () => {
  t = await createTestApp();
  sink = await startSink();
  fragments = (await premiumArticles(t.store.db)).flatMap((a) => a.fragments);
});
after(async () => {
  await sink?.close();
  await t?.cleanup();
});

async function send() {
  // Reminders queued "in the future" (a test moving `now` ahead) are sent now all the same.
  await t.store.db.updateTable('mail_queue').set({ next_attempt_at: new Date().toISOString() }).where('status', '=', 'queued').execute();
  const w = new MailWorker({ store: t.store, settings: testSettings(t, sink.url), digests: false });
  try {
    return await w.drain();
  } finally {
    await w.stop();
  }
}

/** A reader whose subscription (bought `startedDaysAgo` ago) ends in `endsInDays` days (negative: ended). */
async function subscriberEnding(endsInDays: number, opts: { startedDaysAgo?: number; plan?: 'digital' | 'print-digital' } = {}) {
  const email = address('renew');
  const u = await createUser(t.store.db, { email, verified: true });
  const now = Date.now();
  await grantEntitlement(t.store.db, {
    userId: u.id, plan: opts.plan ?? 'digital', source: 'payment',
    startsAt: new Date(now - (opts.startedDaysAgo ?? 300) * DAY).toISOString(), endsAt: new Date(now + endsInDays * DAY).toISOString(),
  });
  return { id: u.id, email };
}

async function queuedFor(userId: number) {
  return t.store.db.selectFrom('mail_queue').select(['idem_key', 'status', 'last_error']).where('user_id', '=', userId).where('kind', '=', 'renewal').orderBy('id').execute();
}

test('RENEWAL_REMINDER_DAYS and which reminder is due', () => {
  assert.deepEqual(parseReminderDays(undefined), [30, 7]);
  assert.deepEqual(parseReminderDays('7, 30,14'), [30, 14, 7]);
  assert.deepEqual(parseReminderDays('off'), []);
  assert.deepEqual(parseReminderDays('0'), []);
  for (const bad of ['thirty', '30,-1', '400', '30;7']) assert.throws(() => parseReminderDays(bad), /RENEWAL_REMINDER_DAYS/, bad);
  const year = 365 * DAY;
  assert.equal(reminderStage(40 * DAY, year, DAYS), null);
  assert.equal(reminderStage(20 * DAY, year, DAYS), 30);
  assert.equal(reminderStage(5 * DAY, year, DAYS), 7);
  assert.equal(reminderStage(-2 * DAY, year, DAYS), 'ended');
  assert.equal(reminderStage(-8 * DAY, year, DAYS), null, 'not weeks after the end');
  assert.equal(reminderStage(20 * DAY, 20 * DAY, DAYS), null, 'a 20-day gift gets no "30 days left" notice');
  assert.equal(reminderStage(5 * DAY, 20 * DAY, DAYS), 7);
  assert.equal(reminderStage(5 * DAY, year, []), null, 'off');
});

test('30 days before the end, a reminder with the date, the plan and how to renew; once', async () => {
  const s = await subscriberEnding(20, { plan: 'print-digital' });
  const far = await subscriberEnding(200);
  const r = await queueRenewalReminders(t.store, { days: DAYS });
  assert.ok(r.queued >= 1);
  assert.equal((await queuedFor(far.id)).length, 0, 'a subscription that ends in 200 days gets nothing');
  const [q] = await queuedFor(s.id);
  assert.match(q.idem_key, new RegExp(`^renewal:${s.id}:\\d{4}-\\d\\d-\\d\\dT[^:]+:\\d\\d:\\d\\d\\.\\d{3}Z:30$`));
  await send();
  const [mail] = sink.mailsTo(s.email);
  assert.ok(mail, 'the reminder was sent');
  const end = new Date(Date.now() + 20 * DAY);
  const date = `${end.toLocaleString('en-US', { month: 'long', timeZone: 'UTC' })} ${end.getUTCDate()}, ${end.getUTCFullYear()}`;
  assert.equal(mail.subject, `Prison Legal News: your print + digital subscription ends on ${date}`);
  assert.ok(mail.text.includes('Renew now to keep reading every article in full and to keep the printed issue coming: http://masthead.test/subscribe'));
  assert.ok(mail.html?.includes('<a href="http://masthead.test/subscribe">Renew now</a>'));
  assert.match(mail.header('List-Unsubscribe'), /^<http:\/\/masthead\.test\/mail\/unsubscribe\/\d+\.renewal\.[A-Za-z0-9_-]{32}>$/);
  assert.equal(findLeak(mail.everything, fragments), null);
  // Again, the same day: nothing more.
  await queueRenewalReminders(t.store, { days: DAYS });
  await send();
  assert.equal(sink.mailsTo(s.email).length, 1);
  // A week before the end: the second reminder, and only that one.
  await queueRenewalReminders(t.store, { days: DAYS, now: new Date(Date.now() + 15 * DAY) });
  await send();
  assert.deepEqual((await queuedFor(s.id)).map((x) => x.idem_key.split(':').pop()), ['30', '7']);
  assert.match(sink.mailsTo(s.email)[1].subject, /ends on/);
  // Three days after the end: "it has ended", once.
  for (let i = 0; i < 2; i++) await queueRenewalReminders(t.store, { days: DAYS, now: new Date(Date.now() + 23 * DAY) });
  await send();
  const ended = sink.mailsTo(s.email);
  assert.equal(ended.length, 3);
  assert.equal(ended[2].subject, 'Prison Legal News: your print + digital subscription has ended');
  assert.ok(ended[2].text.includes('Renew to read the whole archive again: http://masthead.test/subscribe'));
});

test('renewed after the reminder was queued: it is not sent, and the new end gets its own reminders later', async () => {
  const s = await subscriberEnding(10);
  await queueRenewalReminders(t.store, { days: DAYS });
  assert.equal((await queuedFor(s.id)).length, 1);
  // The subscriber renews for a year (a payment, a gift, or the office) before the worker runs.
  await grantEntitlement(t.store.db, { userId: s.id, plan: 'digital', source: 'gift', startsAt: new Date(Date.now() + 10 * DAY).toISOString(), endsAt: new Date(Date.now() + 375 * DAY).toISOString() });
  await send();
  assert.equal(sink.mailsTo(s.email).length, 0);
  const [q] = await queuedFor(s.id);
  assert.equal(q.status, 'skipped');
  assert.equal(q.last_error, 'the subscription was renewed or changed since');
  // Nothing is due for the new end yet; 20 days before it, a reminder is.
  await queueRenewalReminders(t.store, { days: DAYS });
  assert.equal((await queuedFor(s.id)).length, 1);
  await queueRenewalReminders(t.store, { days: DAYS, now: new Date(Date.now() + 355 * DAY) });
  assert.equal((await queuedFor(s.id)).length, 2);
});

test('no reminders for readers who turned them off (in the preferences or by the mailed link), for bounced addresses, or with RENEWAL_REMINDER_DAYS=off', async () => {
  const off = await subscriberEnding(5);
  await setMailPrefs(t.store.db, off.id, { renewalMail: false });
  const bounced = await subscriberEnding(5);
  await suppressAddress(t.store.db, bounced.email, '550 5.1.1 user unknown');
  const none = await subscriberEnding(5);
  await queueRenewalReminders(t.store, { days: [] });
  assert.equal((await queuedFor(none.id)).length, 0, 'RENEWAL_REMINDER_DAYS=off');
  await queueRenewalReminders(t.store, { days: DAYS });
  assert.equal((await queuedFor(off.id)).length, 0);
  assert.equal((await queuedFor(bounced.id)).length, 0);

  // The link in a reminder turns reminders off, one click, without signing in.
  const linked = await subscriberEnding(25);
  await queueRenewalReminders(t.store, { days: DAYS });
  await send();
  const mail = sink.mailsTo(linked.email).at(-1)!;
  const path = new URL(/^<([^>]+)>$/.exec(mail.header('List-Unsubscribe'))![1]).pathname;
  assert.match((await t.app.inject({ url: path })).body, /the reminders before your subscription ends/);
  const res = await t.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
  assert.equal(res.statusCode, 200);
  assert.equal((await getMailPrefs(t.store.db, linked.id)).renewalMail, false);
  assert.equal((await getMailPrefs(t.store.db, linked.id)).issueMail, true, 'only the reminders stop');
  await queueRenewalReminders(t.store, { days: DAYS, now: new Date(Date.now() + 20 * DAY) });
  assert.equal((await queuedFor(linked.id)).length, 1, 'no "7 days left" reminder after that');

  // Queued before the reader turned them off: skipped when its turn comes.
  const late = await subscriberEnding(6);
  await queueRenewalReminders(t.store, { days: DAYS });
  await setMailPrefs(t.store.db, late.id, { renewalMail: false });
  await send();
  assert.equal(sink.mailsTo(late.email).length, 0);
  assert.equal((await queuedFor(late.id))[0].last_error, 'the reader turned renewal reminders off');
});

test('a subscription cut short by the office (a revoked entitlement) gets no reminders', async () => {
  const s = await subscriberEnding(3);
  const later = await grantEntitlement(t.store.db, { userId: s.id, plan: 'digital', source: 'payment', startsAt: new Date(Date.now() + 3 * DAY).toISOString(), endsAt: new Date(Date.now() + 368 * DAY).toISOString() });
  await t.store.db.updateTable('entitlements').set({ revoked_at: new Date().toISOString() }).where('id', '=', later.id).execute();
  await queueRenewalReminders(t.store, { days: DAYS });
  await queueRenewalReminders(t.store, { days: DAYS, now: new Date(Date.now() + 5 * DAY) });
  assert.equal((await queuedFor(s.id)).length, 0);
  // Without the revoked one, the same subscription gets its reminder.
  await t.store.db.deleteFrom('entitlements').where('id', '=', later.id).execute();
  await queueRenewalReminders(t.store, { days: DAYS });
  assert.equal((await queuedFor(s.id)).length, 1);
});

test('the preferences page has the reminders box', async () => {
  const s = await subscriberEnding(100);
  const { BrowserSession } = await import('../support/browser-session.ts');
  const { hashPassword } = await import('../../src/auth/passwords.ts');
  await t.store.db.updateTable('users').set({ password_hash: await hashPassword('a long enough password') }).where('id', '=', s.id).execute();
  const b = new BrowserSession(t.app);
  await b.get('/login');
  await b.post('/login', { email: s.email, password: 'a long enough password' });
  const page = await b.get('/account/mail');
  assert.match(page.body, /<input type="checkbox" id="renewal_mail" name="renewal_mail" value="1" checked\/?>/);
  assert.equal((await b.post('/account/mail', { issue_mail: '1' })).statusCode, 303);
  assert.equal((await getMailPrefs(t.store.db, s.id)).renewalMail, false);
  assert.equal((await b.post('/account/mail', { issue_mail: '1', renewal_mail: '1' })).statusCode, 303);
  assert.equal((await getMailPrefs(t.store.db, s.id)).renewalMail, true);
});
