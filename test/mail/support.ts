import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/store/schema.ts';
import { createUser, grantEntitlement } from '../../src/store/users.ts';
import { mailSettings, type MailSettings } from '../../src/mail/queue.ts';
import { parseMarkdown } from '../../src/domain/importers/index.ts';
import { saveArticles } from '../../src/commands/save-articles.ts';

// A real SMTP server on loopback that can also refuse: permanently (5xx) or for a while (4xx)
// per recipient, the way a receiving server does. Messages are decoded (MIME parts,
// quoted-printable, base64) so tests read what a reader's mail program shows.

export interface MimePart {
  contentType: string;
  body: string;
}

export interface SinkMail {
  to: string;
  raw: string;
  subject: string;
  header(name: string): string;
  parts: MimePart[];
  /** The text/plain part, decoded. */
  text: string;
  /** The text/html part, decoded, or null. */
  html: string | null;
  /** Headers and every decoded part: what a leak check reads. */
  everything: string;
}

function unfold(head: string): string {
  return head.replace(/\r?\n[ \t]+/g, ' ');
}

function headerOf(head: string, name: string): string {
  const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(unfold(head));
  if (!m) return '';
  return m[1].replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=\s*/g, (_, _cs, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'));
}

function decodeBody(head: string, body: string): string {
  const cte = headerOf(head, 'Content-Transfer-Encoding').toLowerCase();
  if (cte === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (cte === 'quoted-printable') {
    const s = body.replace(/=\r?\n/g, '');
    return Buffer.from(s.replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  }
  return body;
}

function split(raw: string): { head: string; body: string } {
  const m = /\r?\n\r?\n/.exec(raw);
  return m ? { head: raw.slice(0, m.index), body: raw.slice(m.index + m[0].length) } : { head: raw, body: '' };
}

export function parseMime(raw: string): MimePart[] {
  const { head, body } = split(raw);
  const type = headerOf(head, 'Content-Type') || 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (type.toLowerCase().startsWith('multipart/') && boundary) {
    const out: MimePart[] = [];
    const chunks = body.split(`--${boundary}`).slice(1);
    for (const c of chunks) {
      if (c.startsWith('--')) break;
      out.push(...parseMime(c.replace(/^\r?\n/, '')));
    }
    return out;
  }
  return [{ contentType: type.split(';')[0].trim().toLowerCase(), body: decodeBody(head, body) }];
}

export function decodeMail(to: string, raw: string): SinkMail {
  const { head } = split(raw);
  const parts = parseMime(raw);
  const text = parts.find((p) => p.contentType === 'text/plain')?.body ?? '';
  const html = parts.find((p) => p.contentType === 'text/html')?.body ?? null;
  return {
    to, raw, subject: headerOf(head, 'Subject'), header: (n) => headerOf(head, n), parts, text, html,
    everything: [unfold(head), ...parts.map((p) => p.body)].join('\n'),
  };
}

export interface Sink {
  url: string;
  port: number;
  mails: SinkMail[];
  mailsTo(address: string): SinkMail[];
  /** Resolves when `n` mails in all have arrived. */
  waitForCount(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface SinkOptions {
  /** A reply code for RCPT TO, e.g. 550 (mailbox unknown) or 451 (try later); null accepts. */
  rcpt?: (address: string, attempt: number) => number | null;
}

export async function startSink(opts: SinkOptions = {}): Promise<Sink> {
  const mails: SinkMail[] = [];
  const attempts = new Map<string, number>();
  let waiters: { n: number; resolve: () => void }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 10 * 1024 * 1024,
    maxClients: 200,
    onRcptTo(address, _session, callback) {
      const a = address.address.toLowerCase();
      const n = (attempts.get(a) ?? 0) + 1;
      attempts.set(a, n);
      const code = opts.rcpt?.(a, n) ?? null;
      if (code === null) return callback();
      const err = Object.assign(new Error(code >= 500 ? '5.1.1 No such mailbox here' : '4.2.0 Mailbox busy, try again later'), { responseCode: code });
      return callback(err);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        for (const r of session.envelope.rcptTo) mails.push(decodeMail(r.address.toLowerCase(), raw));
        waiters = waiters.filter((w) => (mails.length >= w.n ? (w.resolve(), false) : true));
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // A client that dies mid-message (a killed worker) resets its connection: the server drops
  // that message, as a real one does, and goes on.
  server.on('error', () => {});
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    mails,
    mailsTo: (a) => mails.filter((m) => m.to === a.toLowerCase()),
    waitForCount(n, timeoutMs = 15_000) {
      if (mails.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${mails.length} of ${n} mails arrived within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ n, resolve: () => { clearTimeout(timer); resolve(); } });
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Settings for a worker in a test: fast polling and retries, no rate limit unless given. */
export function testSettings(t: { dataDir: string }, smtpUrl: string, env: Record<string, string> = {}): MailSettings {
  return mailSettings(
    { smtpUrl, mailFrom: 'PLN <news@masthead.test>', dataDir: t.dataDir, baseUrl: 'http://masthead.test' },
    { MAIL_RATE: '0', MAIL_RETRY_BASE_SECONDS: '0.05', MAIL_POLL_SECONDS: '0.05', MAIL_DIGEST_HOUR: '0', ...env },
  );
}

let n = 0;
export function address(name = 'reader'): string {
  return `${name}${++n}.${process.pid}@example.org`;
}

/** A reader with a current subscription. */
export async function subscriber(db: Kysely<DB>, email = address('subscriber')): Promise<{ id: number; email: string }> {
  const u = await createUser(db, { email, verified: true });
  await grantEntitlement(db, { userId: u.id, plan: 'digital', endsAt: new Date(Date.now() + 365 * 86400_000).toISOString(), source: 'admin' });
  return { id: u.id, email: u.email };
}

export async function reader(db: Kysely<DB>, email = address('reader')): Promise<{ id: number; email: string }> {
  const u = await createUser(db, { email, verified: true });
  return { id: u.id, email: u.email };
}

/** Publishes a Markdown article (front matter and body) now, as an import would. */
export async function publish(db: Kysely<DB>, markdown: string): Promise<void> {
  const article = parseMarkdown(markdown, 'test.md');
  await saveArticles(db, [{ file: 'test.md', article }]);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
