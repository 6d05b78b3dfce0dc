import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import * as qp from 'nodemailer/lib/qp';
import * as mimeFuncs from 'nodemailer/lib/mime-funcs';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../store/schema.ts';
import type { Store } from '../store/db.ts';
import type { MailStatus } from '../store/schema-mail.ts';
import { normalizeAddress } from '../store/follows.ts';
import { signingSecret, sign, safeEqual } from '../auth/signing.ts';
import { renderMail, type MailPayload } from './templates.tsx';
import { parseReminderDays, queueRenewalReminders, reminderStillTrue, subscriptionEnds } from './renewals.ts';

// The mail queue: rows in the database, sent in the background by a worker in every instance.
//
// Claiming. A worker takes a batch of ready rows in ONE statement that sets a lease
// (locked_by, locked_until): on PostgreSQL `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)`,
// so two instances never take the same row and never wait for each other; on SQLite the same
// UPDATE … RETURNING runs under the database's single writer lock, which makes it atomic across
// processes sharing the file.
//
// The crash window, and the choice made. SMTP cannot tell a client whether a message it sent just
// before dying was accepted, so no queue can promise "exactly once" over SMTP. We narrow the
// doubt to the smallest possible moment and choose "never twice" for that moment:
//   1. claimed (lease) — nothing sent yet; a crash here: the lease runs out and another worker
//      sends it. Safe: the server discards a message whose data never ended.
//   2. data_at committed — written to the database just BEFORE the final "." that ends the
//      message's data (the message stream does not end until the commit returns). Before this
//      commit the server cannot have accepted the message; after it, it may have.
//   3. sent — committed as soon as the server answers 250, for that one mail (not per batch).
// A worker that dies between 2 and 3 (a few milliseconds per mail) leaves a row with data_at and
// an expired lease: it is marked `unknown` and NOT sent again (`masthead mail requeue --unknown`
// sends those again if an operator prefers a possible duplicate to a possible loss). A worker that
// is stopped (SIGTERM, `serve` closing) finishes the mails in flight and gives the rest back.
//
// Failures. A 5xx answer to RCPT TO (or a 5xx for the recipient after DATA, codes 550/551/553 or
// 5.1.x) is a bounce: the address is suppressed and never mailed again. Other answers and broken
// connections are retried with exponential backoff (MAIL_RETRY_BASE_SECONDS × 2^n, up to 6 hours,
// MAIL_MAX_ATTEMPTS tries); a 5xx to the message's content fails that mail without retries. A 5xx
// to MAIL FROM or to sign-in is the operator's configuration, not the reader's address: retried,
// never a suppression.
//
// Rate. MAIL_RATE mails per second across ALL instances: each batch reserves its sending slots in
// one shared row (mail_throttle), and every mail waits for its slot.

export interface MailSettings {
  smtpUrl: string | null;
  from: string;
  /** Where mails are written when there is no SMTP server. */
  dir: string;
  baseUrl: string;
  /** Mails per second across every instance; 0: no limit. */
  rate: number;
  /** SMTP connections per instance. */
  concurrency: number;
  maxAttempts: number;
  retryBaseMs: number;
  leaseMs: number;
  pollMs: number;
  /** Daily and weekly digests are for the period that starts at this hour (UTC). */
  digestHour: number;
  digestIntervalMs: number;
  /** Run the worker inside `masthead serve`. */
  worker: boolean;
  /** RENEWAL_REMINDER_DAYS: days before a subscription ends to remind the subscriber (empty: never). */
  renewalDays: number[];
}

function num(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, integer = false): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new Error(`${name} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

export function mailSettings(config: { smtpUrl: string | null; mailFrom: string; dataDir: string; baseUrl: string }, env: NodeJS.ProcessEnv = process.env): MailSettings {
  const worker = (env.MAIL_WORKER ?? 'on').trim().toLowerCase();
  if (!['on', 'off', '1', '0', 'true', 'false'].includes(worker)) throw new Error(`MAIL_WORKER must be on or off, got "${env.MAIL_WORKER}"`);
  return {
    smtpUrl: config.smtpUrl,
    from: config.mailFrom,
    dir: path.join(config.dataDir, 'mail'),
    baseUrl: config.baseUrl,
    rate: num(env, 'MAIL_RATE', 10, 0, 100_000),
    concurrency: num(env, 'MAIL_CONCURRENCY', 8, 1, 64, true),
    maxAttempts: num(env, 'MAIL_MAX_ATTEMPTS', 8, 1, 100, true),
    retryBaseMs: num(env, 'MAIL_RETRY_BASE_SECONDS', 60, 0.001, 86_400) * 1000,
    leaseMs: num(env, 'MAIL_LEASE_SECONDS', 120, 1, 86_400) * 1000,
    pollMs: num(env, 'MAIL_POLL_SECONDS', 2, 0.01, 3600) * 1000,
    digestHour: num(env, 'MAIL_DIGEST_HOUR', 12, 0, 23, true),
    digestIntervalMs: num(env, 'MAIL_DIGEST_INTERVAL_SECONDS', 60, 0.01, 86_400) * 1000,
    worker: ['on', '1', 'true'].includes(worker),
    renewalDays: parseReminderDays(env.RENEWAL_REMINDER_DAYS),
  };
}

// ---------------------------------------------------------------- links that need no sign-in

/**
 * What a mailed link may do: `issue` (stop the issue mail), `renewal` (stop the reminders before
 * the subscription ends), `f<id>` (stop one follow), `all` (stop everything), `prefs` (open the
 * preferences page only). Every one of them opens the preferences page of its reader.
 */
export type LinkScope = 'issue' | 'renewal' | 'all' | 'prefs' | `f${number}`;

function scopeOk(s: string): s is LinkScope {
  return s === 'issue' || s === 'renewal' || s === 'all' || s === 'prefs' || /^f[1-9]\d{0,9}$/.test(s);
}

/** A link token for one reader and scope: an HMAC with the site's secret, so nobody can make one for someone else. */
export function mailLinkToken(secret: string, userId: number, scope: LinkScope): string {
  return `${userId}.${scope}.${sign(secret, `mail-link:${userId}:${scope}`)}`;
}

export function verifyMailLinkToken(secret: string, token: string): { userId: number; scope: LinkScope } | null {
  const m = /^([1-9]\d{0,11})\.([a-z0-9]{1,12})\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!m || !scopeOk(m[2])) return null;
  const userId = Number(m[1]);
  if (!safeEqual(m[3], sign(secret, `mail-link:${userId}:${m[2]}`))) return null;
  return { userId, scope: m[2] };
}

export function unsubscribeUrl(baseUrl: string, secret: string, userId: number, scope: LinkScope): string {
  return `${baseUrl}/mail/unsubscribe/${mailLinkToken(secret, userId, scope)}`;
}

export function preferencesUrl(baseUrl: string, secret: string, userId: number): string {
  return `${baseUrl}/mail/preferences/${mailLinkToken(secret, userId, 'prefs')}`;
}

// ---------------------------------------------------------------- queuing

export interface NewMail {
  /** Queuing the same key twice makes one mail (e.g. "digest:12:2025-05-01", "issue:3:42"). */
  idemKey: string;
  kind: 'digest' | 'issue' | 'renewal';
  userId: number;
  to: string;
  followId?: number | null;
  /** The mail's own content, or contentId for content shared by many mails. */
  payload?: MailPayload | null;
  contentId?: number | null;
}

/** Queues a mail (inside the caller's transaction when `db` is one). False: already queued. */
export async function enqueueMail(db: Kysely<DB>, m: NewMail, now = new Date().toISOString()): Promise<boolean> {
  const r = await db.insertInto('mail_queue').values({
    idem_key: m.idemKey, kind: m.kind, user_id: m.userId, follow_id: m.followId ?? null, to_address: normalizeAddress(m.to),
    content_id: m.contentId ?? null, payload: m.payload ? JSON.stringify(m.payload) : null,
    status: 'queued', next_attempt_at: now, created_at: now,
  }).onConflict((oc) => oc.column('idem_key').doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Content shared by many mails, stored once per key (an issue's table of contents). */
export async function storeContent(db: Kysely<DB>, key: string, payload: MailPayload): Promise<number> {
  await db.insertInto('mail_contents').values({ key, payload: JSON.stringify(payload), created_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('key').doNothing()).execute();
  return (await db.selectFrom('mail_contents').select('id').where('key', '=', key).executeTakeFirstOrThrow()).id;
}

export async function queueCounts(db: Kysely<DB>): Promise<Record<MailStatus, number>> {
  const rows = await db.selectFrom('mail_queue').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
  const out: Record<MailStatus, number> = { queued: 0, sent: 0, failed: 0, bounced: 0, skipped: 0, unknown: 0 };
  for (const r of rows) out[r.status] = Number(r.n);
  return out;
}

/** Puts mails whose outcome is unknown (or that failed) back in the queue. Returns how many. */
export async function requeue(db: Kysely<DB>, which: { status: 'unknown' | 'failed' } | { id: number }): Promise<number> {
  const now = new Date().toISOString();
  let q = db.updateTable('mail_queue').set({ status: 'queued', data_at: null, locked_by: null, locked_until: null, attempts: 0, next_attempt_at: now });
  q = 'id' in which ? q.where('id', '=', which.id).where('status', 'in', ['unknown', 'failed']) : q.where('status', '=', which.status);
  return Number((await q.executeTakeFirst()).numUpdatedRows);
}

// ---------------------------------------------------------------- sending

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string | null;
  headers: Record<string, string>;
  messageId: string;
}

export class SendError extends Error {
  constructor(message: string, readonly code: number | null, readonly command: string | null, readonly afterData: boolean) {
    super(message);
  }
}

export interface Sender {
  /** Sends one mail; `beforeEnd` runs (and must succeed) before the message's data is ended. */
  send(mail: OutgoingMail, beforeEnd: () => Promise<void>): Promise<void>;
  close(): void;
  readonly description: string;
}

/** The message's bytes, whose end waits for `beforeEnd` (see "the crash window" above). */
class GuardedMessage extends Readable {
  private state: 'start' | 'body' | 'ending' = 'start';
  handed = false;
  constructor(private readonly bytes: Buffer, private readonly beforeEnd: () => Promise<void>) {
    super();
  }
  override _read(): void {
    if (this.state === 'start') {
      this.state = 'body';
      this.push(this.bytes);
      return;
    }
    if (this.state === 'body') {
      this.state = 'ending';
      this.beforeEnd().then(() => {
        this.handed = true;
        this.push(null);
      }, (err: unknown) => this.destroy(err as Error));
    }
  }
}

const ASCII_LINES = /^[\x09\x20-\x7e\n]*$/;

/** A header value: as is when printable ASCII, else RFC 2047 encoded words. */
function headerText(value: string): string {
  // No line breaks from content (a label, a site name) can ever start a header of their own.
  const v = value.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(v) ? v : mimeFuncs.encodeWords(v, 'Q', 52, true);
}

/** "Name <addr>" or "addr", with the name quoted or encoded as needed. */
function addressHeader(v: string): string {
  const m = /^\s*(.*?)\s*<([^>]+)>\s*$/.exec(v);
  if (!m || !m[1]) return v.trim();
  const name = m[1].replace(/^"|"$/g, '');
  const shown = /^[\x20-\x7e]*$/.test(name) ? `"${name.replace(/["\\]/g, '\\$&')}"` : mimeFuncs.encodeWords(name, 'Q', 52, true);
  return `${shown} <${m[2]}>`;
}

function textPart(type: 'plain' | 'html', body: string): string {
  const crlf = body.replace(/\r?\n/g, '\n');
  // Plain ASCII with short lines goes as it is (7bit): what the simplest mail systems read best.
  if (type === 'plain' && ASCII_LINES.test(crlf) && crlf.split('\n').every((l) => l.length <= 900)) {
    return `Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n${crlf.replace(/\n/g, '\r\n')}`;
  }
  return `Content-Type: text/${type}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${qp.wrap(qp.encode(crlf.replace(/\n/g, '\r\n')), 76)}`;
}

/** The message as sent: headers, a text part, and (unless plain text only) an HTML alternative. */
export function buildMessage(from: string, m: OutgoingMail, date = new Date()): Buffer {
  const head = [
    `From: ${addressHeader(from)}`,
    `To: ${headerText(m.to)}`,
    `Subject: ${headerText(m.subject)}`,
    `Date: ${date.toUTCString().replace(/GMT$/, '+0000')}`,
    `Message-ID: ${m.messageId}`,
    ...Object.entries(m.headers).map(([k, v]) => `${k}: ${headerText(v)}`),
    'MIME-Version: 1.0',
  ];
  if (!m.html) return Buffer.from(`${head.join('\r\n')}\r\n${textPart('plain', m.text)}\r\n`, 'utf8');
  const boundary = `----=_masthead_${crypto.randomBytes(12).toString('hex')}`;
  const body = [
    `Content-Type: multipart/alternative; boundary="${boundary}"`, '',
    `--${boundary}`, textPart('plain', m.text),
    `--${boundary}`, textPart('html', m.html),
    `--${boundary}--`, '',
  ];
  return Buffer.from(`${head.join('\r\n')}\r\n${body.join('\r\n')}`, 'utf8');
}

export function createSender(s: Pick<MailSettings, 'smtpUrl' | 'from' | 'dir' | 'concurrency'>): Sender {
  if (s.smtpUrl) {
    const transport = nodemailer.createTransport({
      url: s.smtpUrl, pool: true, maxConnections: s.concurrency, maxMessages: Infinity,
      connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000,
    } as Parameters<typeof nodemailer.createTransport>[0]);
    const from = s.from;
    return {
      description: `SMTP ${new URL(s.smtpUrl).host}`,
      async send(m, beforeEnd) {
        const raw = new GuardedMessage(buildMessage(from, m), beforeEnd);
        const envelopeFrom = /<([^>]+)>/.exec(from)?.[1] ?? from;
        try {
          await transport.sendMail({ envelope: { from: envelopeFrom, to: [m.to] }, raw });
        } catch (err) {
          const e = err as Error & { responseCode?: number; command?: string };
          throw new SendError(e.message, typeof e.responseCode === 'number' ? e.responseCode : null, e.command ?? null, raw.handed);
        }
      },
      close: () => transport.close(),
    };
  }
  return {
    description: `files in ${s.dir}`,
    async send(m, beforeEnd) {
      const bytes = buildMessage(s.from, m);
      await beforeEnd();
      fs.mkdirSync(s.dir, { recursive: true });
      const file = path.join(s.dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${crypto.randomBytes(3).toString('hex')}.eml`);
      fs.writeFileSync(file, bytes);
    },
    close() {},
  };
}

/** What a failed attempt means: a bounce (suppress the address), a permanent failure, or try again. */
export function classifyFailure(e: SendError): 'bounce' | 'fail' | 'retry' | 'unknown' {
  const code = e.code;
  if (code !== null && code >= 500) {
    const cmd = (e.command ?? '').toUpperCase();
    if (cmd.startsWith('RCPT')) return 'bounce';
    if (cmd.startsWith('DATA') || cmd === '') {
      if ([550, 551, 553].includes(code) || /\b5\.1\.\d{1,3}\b/.test(e.message)) return 'bounce';
      return 'fail';
    }
    // MAIL FROM, AUTH, the greeting: the sender's configuration, not the reader's address.
    return 'retry';
  }
  if (code !== null) return 'retry';
  // No answer at all: before the data ended, nothing was accepted; after, nobody knows.
  return e.afterData ? 'unknown' : 'retry';
}

// ---------------------------------------------------------------- the worker

export interface MailLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const SILENT: MailLog = { info() {}, warn() {}, error() {} };

interface ClaimedRow {
  id: number;
  idem_key: string;
  kind: string;
  user_id: number | null;
  follow_id: number | null;
  to_address: string;
  content_id: number | null;
  payload: string | null;
  attempts: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const MAX_BACKOFF_MS = 6 * 3600_000;

type Mark = 'handed' | 'sent';

/**
 * Group commit: marks asked for while one transaction is committing go together in the next one,
 * so several connections share each commit (a commit waits for the disk, and on SQLite it holds
 * up the whole process meanwhile: it is the slowest step of sending). Every caller still waits
 * for its own mark to be committed.
 */
class GroupCommit {
  private pending: { kind: Mark; id: number; resolve: (ok: boolean) => void; reject: (e: unknown) => void }[] = [];
  private busy: Promise<void> | null = null;
  constructor(private readonly flush: (handed: number[], sent: number[]) => Promise<Set<string>>) {}
  mark(kind: Mark, id: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.pending.push({ kind, id, resolve, reject });
      this.busy ??= this.run();
    });
  }
  /** Resolves when every mark asked for so far is committed. */
  async settled(): Promise<void> {
    while (this.busy) await this.busy;
  }
  private async run(): Promise<void> {
    // Let the other connections' marks of this turn of the event loop join in.
    await new Promise((r) => setImmediate(r));
    try {
      while (this.pending.length) {
        const batch = this.pending.splice(0);
        try {
          const ok = await this.flush(batch.filter((b) => b.kind === 'handed').map((b) => b.id), batch.filter((b) => b.kind === 'sent').map((b) => b.id));
          for (const b of batch) b.resolve(ok.has(`${b.kind}:${b.id}`));
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.busy = null;
    }
  }
}

export interface MailWorkerOptions {
  store: Store;
  settings: MailSettings;
  log?: MailLog;
  /** Runs the digest pass every settings.digestIntervalMs (default true). */
  digests?: boolean;
  /** Sender to use (default: from settings). */
  sender?: Sender;
}

export interface BatchResult {
  claimed: number;
  sent: number;
  retried: number;
  bounced: number;
  failed: number;
  skipped: number;
  unknown: number;
}

export class MailWorker {
  readonly id = `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
  private readonly store: Store;
  private readonly s: MailSettings;
  private readonly log: MailLog;
  private readonly sender: Sender;
  private readonly ownSender: boolean;
  private running = false;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private lastSweep = 0;
  private lastDigest = 0;
  private readonly contents = new Map<number, MailPayload>();
  private secret: string | null = null;
  private readonly withDigests: boolean;
  /**
   * The two marks of sending, committed together for several mails: "the data is about to end"
   * (data_at; only on rows still leased to us) and "accepted by the server" (sent).
   */
  private readonly marks = new GroupCommit(async (handed, sent) => {
    const now = Date.now();
    return this.db.transaction().execute(async (trx) => {
      const done = new Set<string>();
      if (sent.length) {
        const rows = await trx.updateTable('mail_queue')
          .set({ status: 'sent', sent_at: iso(now), last_error: null, locked_until: null })
          .where('id', 'in', sent).where('locked_by', '=', this.id)
          .returning('id').execute();
        for (const r of rows) done.add(`sent:${r.id}`);
      }
      if (handed.length) {
        const rows = await trx.updateTable('mail_queue')
          .set({ data_at: iso(now), locked_until: iso(now + this.s.leaseMs) })
          .where('id', 'in', handed).where('locked_by', '=', this.id).where('status', '=', 'queued').where('locked_until', '>=', iso(now))
          .returning('id').execute();
        for (const r of rows) done.add(`handed:${r.id}`);
      }
      return done;
    });
  });

  constructor(opts: MailWorkerOptions) {
    this.store = opts.store;
    this.s = opts.settings;
    this.log = opts.log ?? SILENT;
    this.sender = opts.sender ?? createSender(opts.settings);
    this.ownSender = !opts.sender;
    this.withDigests = opts.digests !== false;
  }

  get db(): Kysely<DB> {
    return this.store.db;
  }

  /** Starts sending in the background. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.log.info({ event: 'mail_worker_started', worker: this.id, via: this.sender.description, rate: this.s.rate }, 'mail worker started');
    this.loop = this.run();
  }

  /** Finishes the mails in flight, gives claimed but unsent rows back, closes connections. */
  async stop(): Promise<void> {
    if (this.running) {
      this.running = false;
      this.stopping = true;
      this.wake?.();
      await this.loop;
      this.loop = null;
      this.stopping = false;
      this.log.info({ event: 'mail_worker_stopped', worker: this.id }, 'mail worker stopped');
    }
    if (this.ownSender) this.sender.close();
  }

  /** Wakes an idle worker (after queuing something in this process). */
  notify(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (this.withDigests && Date.now() - this.lastDigest >= this.s.digestIntervalMs) {
          this.lastDigest = Date.now();
          const { runDigests } = await import('./digests.ts');
          const r = await runDigests(this.store, { digestHour: this.s.digestHour });
          if (r.queued) this.log.info({ event: 'digests_queued', checked: r.checked, queued: r.queued }, 'digests queued');
          for (const f of r.failed) this.log.error({ event: 'digest_failed', ...f }, 'could not look for new articles for a follow');
          const reminders = await queueRenewalReminders(this.store, { days: this.s.renewalDays });
          if (reminders.queued) this.log.info({ event: 'renewal_reminders_queued', ...reminders }, 'renewal reminders queued');
        }
        const r = await this.runOnce();
        if (r.claimed === 0) await this.idle(this.s.pollMs);
      } catch (err) {
        this.log.error({ event: 'mail_worker_error', err }, 'mail worker error; trying again shortly');
        await this.idle(Math.max(this.s.pollMs, 1000));
      }
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }

  /** Sends until nothing is ready (for the command line and tests). */
  async drain(): Promise<BatchResult> {
    const total: BatchResult = { claimed: 0, sent: 0, retried: 0, bounced: 0, failed: 0, skipped: 0, unknown: 0 };
    for (;;) {
      const r = await this.runOnce();
      for (const k of Object.keys(total) as (keyof BatchResult)[]) total[k] += r[k];
      if (r.claimed === 0) return total;
    }
  }

  /** At most what can be sent well within the lease (at MAIL_RATE), and at most 100. */
  private batchSize(): number {
    return this.s.rate > 0 ? Math.max(1, Math.min(100, Math.floor(this.s.rate * Math.min(5, this.s.leaseMs / 4000)))) : 100;
  }

  private async inDoubt(): Promise<boolean> {
    return Boolean(await this.db.selectFrom('mail_queue').select('id').where('status', '=', 'queued').where('data_at', 'is not', null).where('locked_until', '<', iso(Date.now())).limit(1).executeTakeFirst());
  }

  /** Marks rows whose sender died after handing the data over: outcome unknown, never resent. */
  async sweep(now = Date.now()): Promise<number> {
    const r = await this.db.updateTable('mail_queue')
      .set({ status: 'unknown', last_error: 'the worker stopped after handing the message to the SMTP server; it may or may not have been delivered' })
      .where('status', '=', 'queued').where('data_at', 'is not', null).where('locked_until', '<', iso(now))
      .executeTakeFirst();
    const n = Number(r.numUpdatedRows);
    if (n) this.log.warn({ event: 'mail_unknown', count: n }, 'mails with unknown outcome after a crash (not resent)');
    return n;
  }

  async claim(n: number, now = Date.now()): Promise<ClaimedRow[]> {
    const nowIso = iso(now);
    // A read first: an idle queue costs no write lock (SQLite has one writer for everything).
    const ready = await this.db.selectFrom('mail_queue').select('id')
      .where('status', '=', 'queued').where('data_at', 'is', null).where('next_attempt_at', '<=', nowIso)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', nowIso)]))
      .limit(1).executeTakeFirst();
    if (!ready) return [];
    const lease = iso(now + this.s.leaseMs);
    const pick = sql`
        select id from mail_queue
        where status = 'queued' and data_at is null and next_attempt_at <= ${nowIso} and (locked_until is null or locked_until < ${nowIso})
        order by next_attempt_at, id
        limit ${n}`;
    const columns = sql`id, idem_key, kind, user_id, follow_id, to_address, content_id, payload, attempts`;
    // PostgreSQL: the rows are picked once (a materialized CTE), skipping rows another instance
    // is claiming right now. SQLite: the statement runs under the database's only write lock.
    const r = this.store.dialect === 'postgres'
      ? await sql<ClaimedRow>`
          with picked as materialized (${pick} for update skip locked)
          update mail_queue set locked_by = ${this.id}, locked_until = ${lease}, attempts = attempts + 1
          from picked where mail_queue.id = picked.id
          returning mail_queue.id, idem_key, kind, user_id, follow_id, to_address, content_id, payload, attempts`.execute(this.db)
      : await sql<ClaimedRow>`
          update mail_queue set locked_by = ${this.id}, locked_until = ${lease}, attempts = attempts + 1
          where id in (${pick})
          returning ${columns}`.execute(this.db);
    return r.rows.sort((a, b) => a.id - b.id);
  }

  /** Reserves `k` sending slots in the shared throttle; returns when each may start (ms). */
  private async reserve(k: number): Promise<number[]> {
    const now = Date.now();
    if (this.s.rate <= 0) return Array.from({ length: k }, () => now);
    const stepUs = Math.ceil(1_000_000 / this.s.rate);
    const nowUs = now * 1000;
    const greatest = this.store.dialect === 'postgres' ? sql`greatest(next_at, ${nowUs})` : sql`max(next_at, ${nowUs})`;
    const r = await sql<{ next_at: number | string }>`update mail_throttle set next_at = ${greatest} + ${k * stepUs} where id = 1 returning next_at`.execute(this.db);
    const end = Number(r.rows[0].next_at);
    const start = end - k * stepUs;
    return Array.from({ length: k }, (_, i) => Math.floor((start + i * stepUs) / 1000));
  }

  /** Claims one batch and sends it. */
  async runOnce(): Promise<BatchResult> {
    const result: BatchResult = { claimed: 0, sent: 0, retried: 0, bounced: 0, failed: 0, skipped: 0, unknown: 0 };
    if (Date.now() - this.lastSweep > Math.min(10_000, this.s.leaseMs / 2)) {
      this.lastSweep = Date.now();
      if (await this.inDoubt()) result.unknown += await this.sweep();
    }
    const rows = await this.claim(this.batchSize());
    result.claimed = rows.length;
    if (!rows.length) return result;
    this.secret ??= await signingSecret(this.db);
    const context = await this.loadContext(rows);
    const slots = await this.reserve(rows.length);
    let next = 0;
    let stopped = false;
    const lane = async () => {
      for (;;) {
        const i = next++;
        if (i >= rows.length) return;
        const row = rows[i];
        // Wait for this mail's sending slot (MAIL_RATE), looking up now and then in case of a stop.
        while (!this.stopping && slots[i] - Date.now() > 0) await new Promise((r) => setTimeout(r, Math.min(250, slots[i] - Date.now())));
        // Stopping: rows not yet started go back to the queue (below).
        if (this.stopping) {
          stopped = true;
          return;
        }
        const outcome = await this.process(row, context);
        result[outcome]++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.s.concurrency, rows.length) }, lane));
    await this.marks.settled();
    if (stopped) await this.release();
    return result;
  }

  /** Gives claimed rows that were never attempted back to the queue. */
  private async release(): Promise<void> {
    await this.db.updateTable('mail_queue')
      .set((eb) => ({ locked_by: null, locked_until: null, attempts: eb('attempts', '-', 1) }))
      .where('locked_by', '=', this.id).where('status', '=', 'queued').where('data_at', 'is', null)
      .execute();
  }

  private async loadContext(rows: ClaimedRow[]) {
    const userIds = [...new Set(rows.map((r) => r.user_id).filter((v): v is number => v !== null))];
    const followIds = [...new Set(rows.map((r) => r.follow_id).filter((v): v is number => v !== null))];
    const contentIds = [...new Set(rows.map((r) => r.content_id).filter((v): v is number => v !== null && !this.contents.has(v)))];
    const [users, prefs, follows, contents] = await Promise.all([
      userIds.length ? this.db.selectFrom('users').select(['id', 'email']).where('id', 'in', userIds).execute() : [],
      userIds.length ? this.db.selectFrom('mail_prefs').select(['user_id', 'issue_mail', 'plain_text', 'renewal_mail']).where('user_id', 'in', userIds).execute() : [],
      followIds.length ? this.db.selectFrom('follows').select(['id', 'frequency']).where('id', 'in', followIds).execute() : [],
      contentIds.length ? this.db.selectFrom('mail_contents').select(['id', 'payload']).where('id', 'in', contentIds).execute() : [],
    ]);
    for (const c of contents) this.contents.set(c.id, JSON.parse(c.payload) as MailPayload);
    if (this.contents.size > 100) this.contents.delete(this.contents.keys().next().value as number);
    const emails = new Map(users.map((u) => [u.id, u.email]));
    const addresses = [...new Set(rows.map((r) => (r.user_id !== null ? emails.get(r.user_id) : undefined) ?? r.to_address).map(normalizeAddress))];
    const suppressed = new Set((await this.db.selectFrom('mail_suppressions').select('address').where('address', 'in', addresses).execute()).map((r) => r.address));
    return {
      emails,
      prefs: new Map(prefs.map((p) => [p.user_id, { issueMail: Boolean(p.issue_mail), plainText: Boolean(p.plain_text), renewalMail: Boolean(p.renewal_mail) }])),
      // For reminders: when each reader's subscription ends now (a renewal since queuing moves it).
      ends: await subscriptionEnds(this.db, [...new Set(rows.filter((r) => r.kind === 'renewal' && r.user_id !== null).map((r) => r.user_id!))]),
      follows: new Map(follows.map((f) => [f.id, f.frequency])),
      suppressed,
    };
  }

  private async finish(row: ClaimedRow, set: Partial<{ status: MailStatus; last_error: string | null; sent_at: string; next_attempt_at: string; data_at: string | null }>, keepLock = false): Promise<void> {
    await this.db.updateTable('mail_queue')
      .set({ ...set, ...(keepLock ? {} : { locked_until: null }) })
      .where('id', '=', row.id).where('locked_by', '=', this.id)
      .execute();
  }

  private async process(row: ClaimedRow, ctx: Awaited<ReturnType<MailWorker['loadContext']>>): Promise<Exclude<keyof BatchResult, 'claimed'>> {
    const to = normalizeAddress((row.user_id !== null ? ctx.emails.get(row.user_id) : undefined) ?? row.to_address);
    const prefs = (row.user_id !== null ? ctx.prefs.get(row.user_id) : undefined) ?? { issueMail: true, plainText: false, renewalMail: true };
    const payload = row.payload ? (JSON.parse(row.payload) as MailPayload) : row.content_id !== null ? this.contents.get(row.content_id) : undefined;
    let skip: string | null = null;
    if (ctx.suppressed.has(to)) skip = 'the address bounced before and is suppressed';
    else if (row.kind === 'issue' && !prefs.issueMail) skip = 'the reader turned the issue mail off';
    else if (row.kind === 'renewal' && !prefs.renewalMail) skip = 'the reader turned renewal reminders off';
    else if (row.kind === 'renewal' && payload?.type === 'renewal' && !reminderStillTrue(payload, ctx.ends.get(row.user_id!))) skip = 'the subscription was renewed or changed since';
    else if (row.kind === 'digest' && row.follow_id !== null && (ctx.follows.get(row.follow_id) ?? 'off') === 'off') skip = 'the reader stopped following';
    if (!skip && (!payload || row.user_id === null)) skip = 'nothing to send';
    if (skip) {
      await this.finish(row, { status: 'skipped', last_error: skip });
      return 'skipped';
    }
    const scope: LinkScope = row.kind === 'issue' ? 'issue' : row.kind === 'renewal' ? 'renewal' : row.follow_id !== null ? `f${row.follow_id}` : 'all';
    const unsub = unsubscribeUrl(this.s.baseUrl, this.secret!, row.user_id!, scope);
    const rendered = renderMail(payload!, { email: to, plainText: prefs.plainText, unsubscribeUrl: unsub, preferencesUrl: preferencesUrl(this.s.baseUrl, this.secret!, row.user_id!) }, this.s.baseUrl);
    const host = new URL(this.s.baseUrl).hostname;
    const mail: OutgoingMail = {
      to, subject: rendered.subject, text: rendered.text, html: rendered.html,
      messageId: `<${row.idem_key.replace(/[^A-Za-z0-9.-]/g, '.')}.${row.id}@${host}>`,
      headers: {
        'List-Unsubscribe': `<${unsub}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'List-Id': `<${row.kind}.${host}>`,
        'Auto-Submitted': 'auto-generated',
      },
    };
    let leaseLost = false;
    const markHanded = async () => {
      if (!(await this.marks.mark('handed', row.id))) {
        leaseLost = true;
        throw new Error('the lease on this mail ran out; another worker may take it');
      }
    };
    try {
      await this.sender.send(mail, markHanded);
    } catch (err) {
      if (leaseLost) {
        // Too slow to start it within the lease (a busy machine): the data never ended, so nothing
        // was sent. Back in the queue at once, unless another worker took it meanwhile.
        await this.db.updateTable('mail_queue')
          .set((eb) => ({ locked_by: null, locked_until: null, attempts: eb('attempts', '-', 1) }))
          .where('id', '=', row.id).where('locked_by', '=', this.id).where('status', '=', 'queued').where('data_at', 'is', null)
          .execute();
        this.log.warn({ event: 'mail_lease_lost', id: row.id }, 'mail not started within its lease; back in the queue');
        return 'retried';
      }
      const e = err instanceof SendError ? err : new SendError((err as Error).message, null, null, false);
      return this.failed(row, to, e);
    }
    // Committed at once, together with the other connections' marks; the connection goes on with
    // the next mail meanwhile (the batch ends only when every mark is committed). Should this
    // commit fail, the row keeps data_at and ends up "unknown": never sent twice.
    this.marks.mark('sent', row.id).catch((err: unknown) => this.log.error({ event: 'mail_mark_failed', id: row.id, err }, 'could not record a sent mail'));
    return 'sent';
  }

  private async failed(row: ClaimedRow, to: string, e: SendError): Promise<Exclude<keyof BatchResult, 'claimed'>> {
    const what = classifyFailure(e);
    const message = `${e.code ?? ''} ${e.message}`.trim().slice(0, 500);
    if (what === 'bounce') {
      await this.db.transaction().execute(async (trx) => {
        await trx.updateTable('mail_queue').set({ status: 'bounced', last_error: message, locked_until: null }).where('id', '=', row.id).where('locked_by', '=', this.id).execute();
        await trx.insertInto('mail_suppressions').values({ address: to, reason: message, created_at: new Date().toISOString() })
          .onConflict((oc) => oc.column('address').doNothing()).execute();
      });
      this.log.warn({ event: 'mail_bounced', id: row.id, code: e.code }, 'address bounced; suppressed');
      return 'bounced';
    }
    if (what === 'unknown') {
      await this.finish(row, { status: 'unknown', last_error: message });
      this.log.warn({ event: 'mail_unknown', id: row.id, err: message }, 'connection lost after the message was handed over; not resent');
      return 'unknown';
    }
    if (what === 'fail' || row.attempts >= this.s.maxAttempts) {
      await this.finish(row, { status: 'failed', last_error: message });
      this.log.error({ event: 'mail_failed', id: row.id, attempts: row.attempts, err: message }, 'mail failed for good');
      return 'failed';
    }
    const backoff = Math.min(MAX_BACKOFF_MS, this.s.retryBaseMs * 2 ** (row.attempts - 1)) * (0.9 + Math.random() * 0.2);
    await this.db.updateTable('mail_queue')
      .set({ locked_by: null, locked_until: null, data_at: null, last_error: message, next_attempt_at: iso(Date.now() + backoff) })
      .where('id', '=', row.id).where('locked_by', '=', this.id).execute();
    this.log.warn({ event: 'mail_retry', id: row.id, attempts: row.attempts, inMs: Math.round(backoff), err: message }, 'mail not sent; will retry');
    return 'retried';
  }
}

/** The worker `masthead serve` runs (unless MAIL_WORKER=off); null when switched off. */
export function startMailWorker(store: Store, config: { smtpUrl: string | null; mailFrom: string; dataDir: string; baseUrl: string }, log?: MailLog): MailWorker | null {
  const settings = mailSettings(config);
  if (!settings.worker) return null;
  const worker = new MailWorker({ store, settings, log });
  worker.start();
  return worker;
}
