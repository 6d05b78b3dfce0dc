import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { runCli } from '../support/cli.ts';
import { loadDemo } from '../../src/demo/load.ts';
import { MailWorker } from '../../src/mail/queue.ts';
import { queueIssueMail } from '../../src/mail/digests.ts';
import { isSuppressed } from '../../src/store/follows.ts';
import { parseDsn, splitMailbox } from '../../src/mail/bounces.ts';
import { startSink, testSettings, subscriber, address, type Sink, type SinkMail } from './support.ts';

// Bounces that come back later by mail (delivery status notifications), read by
// `masthead mail bounces`: a permanent one for a mail we sent suppresses the address; anything
// else (delays, forged reports, replies) changes nothing.

let t: TestDatabase;
let sink: Sink;
let dir: string;
const sent = new Map<string, SinkMail>();
let gone: { id: number; email: string };
let gone2: { id: number; email: string };
let fine: { id: number; email: string };

before(async () => {
  t = await createTestDatabase();
  await loadDemo(t.store.db);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masthead-bounces-'));
  [gone, gone2, fine] = [await subscriber(t.store.db, address('gone')), await subscriber(t.store.db, address('gone2')), await subscriber(t.store.db, address('fine'))];
  sink = await startSink();
  const issue = (await t.store.db.selectFrom('issues').select('id').where('year', '=', 2025).where('month', '=', 3).executeTakeFirstOrThrow()).id;
  await queueIssueMail(t.store, issue);
  const w = new MailWorker({ store: t.store, settings: testSettings(t, sink.url), digests: false });
  try {
    await w.drain();
  } finally {
    await w.stop();
  }
  for (const who of [gone, gone2, fine]) {
    const [m] = sink.mailsTo(who.email);
    assert.ok(m, `the issue mail reached ${who.email}`);
    sent.set(who.email, m);
  }
});
after(async () => {
  await sink?.close();
  await t?.cleanup();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A Postfix-style report: text, delivery status, the returned headers. */
function postfixDsn(to: string, messageId: string, action: string, status: string, diagnostic: string): string {
  return [
    'Return-Path: <>',
    'From: MAILER-DAEMON@mx.example.net (Mail Delivery System)',
    'To: no-reply@masthead.test',
    'Subject: Undelivered Mail Returned to Sender',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status;',
    '\tboundary="B1.1764237600/mx.example.net"',
    '',
    'This is a MIME-encapsulated message.',
    '',
    '--B1.1764237600/mx.example.net',
    'Content-Description: Notification',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `I'm sorry to have to inform you that your message could not be delivered to ${to}.`,
    '',
    '--B1.1764237600/mx.example.net',
    'Content-Description: Delivery report',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.net',
    'X-Postfix-Queue-ID: 4Xy2',
    '',
    `Final-Recipient: rfc822; ${to}`,
    `Original-Recipient: rfc822;${to}`,
    `Action: ${action}`,
    `Status: ${status}`,
    `Diagnostic-Code: smtp; ${diagnostic}`,
    '',
    '--B1.1764237600/mx.example.net',
    'Content-Description: Undelivered Message Headers',
    'Content-Type: text/rfc822-headers',
    '',
    'From: Prison Legal News <no-reply@masthead.test>',
    `To: ${to}`,
    'Subject: The March 2025 issue',
    `Message-ID: ${messageId}`,
    '',
    '--B1.1764237600/mx.example.net--',
    '',
  ].join('\n');
}

/** An Exchange-style report: CRLF, the original message attached whole and in base64. */
function exchangeDsn(to: string, original: string): string {
  const b64 = Buffer.from(original).toString('base64').replace(/(.{76})/g, '$1\r\n');
  return [
    'From: postmaster@corrections.example.gov',
    'Subject: Undeliverable: The March 2025 issue',
    'Content-Type: multipart/report; report-type="delivery-status"; boundary=ex42',
    '',
    '--ex42',
    'Content-Type: text/plain; charset="utf-8"',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Delivery has failed to these recipients or groups: =E2=80=A6',
    '',
    '--ex42',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns;corrections.example.gov',
    '',
    `Final-recipient: RFC822; ${to.toUpperCase()}`,
    'Action: failed',
    'Status: 5.1.10',
    'Diagnostic-code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup',
    '',
    '--ex42',
    'Content-Type: message/rfc822',
    'Content-Transfer-Encoding: base64',
    '',
    b64,
    '--ex42--',
    '',
  ].join('\r\n');
}

const mbox = (messages: string[]) => messages.map((m) => `From MAILER-DAEMON Fri Nov 27 10:00:00 2026\n${m.replace(/^From /gm, '>From ')}\n`).join('');

async function queueRow(email: string) {
  return t.store.db.selectFrom('mail_queue').select(['status', 'last_error']).where('to_address', '=', email).executeTakeFirstOrThrow();
}

test('bounce reports are read from the message parts, whatever the mail server that wrote them', () => {
  const id = sent.get(gone.email)!.header('message-id');
  const p = parseDsn(postfixDsn(gone.email, id, 'failed', '5.1.1 (bad destination mailbox address)', '550 5.1.1 User unknown'));
  assert.deepEqual(p, { messageId: id, recipients: [{ address: gone.email, action: 'failed', status: '5.1.1', diagnostic: 'smtp; 550 5.1.1 User unknown' }] });
  const e = parseDsn(exchangeDsn(gone2.email, sent.get(gone2.email)!.raw));
  assert.equal(e?.messageId, sent.get(gone2.email)!.header('message-id'), 'from the attached message, base64 and CRLF');
  assert.deepEqual(e?.recipients.map((r) => [r.address, r.action, r.status]), [[gone2.email, 'failed', '5.1.10']]);
  assert.equal(parseDsn('From: a@b.example\nSubject: Out of office\n\nI am away until Monday.\n'), null, 'an auto-reply is not a report');
  assert.deepEqual(splitMailbox(mbox(['Subject: one\n\nFrom here on\n', 'Subject: two\n\nx\n'])).map((m) => m.split('\n')[0]), ['Subject: one', 'Subject: two']);
  assert.ok(splitMailbox(mbox(['Subject: one\n\nFrom here on\n']))[0].includes('\nFrom here on'), 'an escaped ">From " line is given back');
});

test('masthead mail bounces: a permanent bounce of a mail we sent suppresses the address; delays, forgeries and replies change nothing', async () => {
  const db = t.store.db;
  const idOf = (email: string) => sent.get(email)!.header('message-id');
  const file = path.join(dir, 'bounces.mbox');
  fs.writeFileSync(file, mbox([
    postfixDsn(gone.email, idOf(gone.email), 'failed', '5.1.1', '550 5.1.1 <x>: Recipient address rejected: User unknown'),
    exchangeDsn(gone2.email, sent.get(gone2.email)!.raw),
    // Only delayed: tried again by the other side, nothing to do here.
    postfixDsn(fine.email, idOf(fine.email), 'delayed', '4.4.1', '451 4.4.1 Connection timed out'),
    // Forged: a "bounce" for fine's address quoting gone's mail, or a mail we never sent.
    postfixDsn(fine.email, idOf(gone.email), 'failed', '5.1.1', '550 User unknown'),
    postfixDsn(fine.email, '<issue.999.1.999999@masthead.test>', 'failed', '5.1.1', '550 User unknown'),
    // A permanent failure that is not about the address (message too big): not a suppression.
    postfixDsn(fine.email, idOf(fine.email), 'failed', '5.3.4', '552 5.3.4 Message size exceeds fixed limit'),
    'From: someone@example.org\nSubject: Re: The March 2025 issue\n\nThanks!\n',
  ]));
  const r = await runCli(['mail', 'bounces', file], t.env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`${gone.email} 5\\.1\\.1: suppressed \\(mail \\d+\\)`));
  assert.match(r.stdout, new RegExp(`${gone2.email} 5\\.1\\.10: suppressed`));
  assert.match(r.stdout, /7 messages: 2 addresses suppressed, 0 already suppressed, 2 not permanent, 2 not matching a mail we sent; 1 not a bounce report/);
  assert.ok(await isSuppressed(db, gone.email));
  assert.ok(await isSuppressed(db, gone2.email));
  assert.equal(await isSuppressed(db, fine.email), false, 'no forged or temporary report suppresses an address');
  assert.equal((await queueRow(gone.email)).status, 'bounced');
  assert.match(String((await queueRow(gone.email)).last_error), /bounced later \(DSN 5\.1\.1: smtp; 550 5\.1\.1/);
  assert.equal((await queueRow(fine.email)).status, 'sent');

  // The same reports again (a Maildir this time, read twice by mistake): nothing more changes.
  const maildir = path.join(dir, 'Maildir');
  for (const d of ['new', 'cur', 'tmp']) fs.mkdirSync(path.join(maildir, d), { recursive: true });
  fs.writeFileSync(path.join(maildir, 'new', '1764237600.1.mx'), postfixDsn(gone.email, idOf(gone.email), 'failed', '5.1.1', '550 User unknown'));
  fs.writeFileSync(path.join(maildir, 'cur', '1764237601.2.mx:2,S'), exchangeDsn(gone2.email, sent.get(gone2.email)!.raw));
  const before = await db.selectFrom('mail_suppressions').selectAll().orderBy('address').execute();
  const again = await runCli(['mail', 'bounces', maildir, '--json'], t.env);
  assert.equal(again.code, 0, again.stderr);
  const json = JSON.parse(again.stdout);
  assert.equal(json.messages, 2);
  assert.deepEqual(json.outcomes.map((o: { verdict: string }) => o.verdict), ['already suppressed', 'already suppressed']);
  assert.deepEqual(await db.selectFrom('mail_suppressions').selectAll().orderBy('address').execute(), before);

  // From standard input, as a mail alias pipes it.
  const piped = await runCli(['mail', 'bounces', '-'], t.env, postfixDsn(gone.email, idOf(gone.email), 'failed', '5.1.1', '550 User unknown'));
  assert.equal(piped.code, 0, piped.stderr);
  assert.match(piped.stdout, /1 message: 0 addresses suppressed, 1 already suppressed/);
});

test('masthead mail bounces: a path it cannot read is an error that changes nothing', async () => {
  const before = await t.store.db.selectFrom('mail_suppressions').selectAll().orderBy('address').execute();
  const missing = await runCli(['mail', 'bounces', path.join(dir, 'no-such-file')], t.env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read .*no-such-file/);
  const none = await runCli(['mail', 'bounces'], t.env);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /name one file, directory or -/);
  assert.deepEqual(await t.store.db.selectFrom('mail_suppressions').selectAll().orderBy('address').execute(), before);
});
