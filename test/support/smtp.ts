import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

// A real SMTP server on loopback that keeps every message it receives, so tests can read the
// links that the application mails out exactly as a reader's mail program would get them.

export interface ReceivedMail {
  /** Envelope recipients (RCPT TO), lower-cased. */
  to: string[];
  from: string;
  /** The raw message as received (headers and body, possibly quoted-printable). */
  raw: string;
  subject: string;
  receivedAt: number;
}

export interface TestSmtp {
  port: number;
  url: string;
  mails: ReceivedMail[];
  /** Resolves with the first mail to `to` not yet taken by an earlier call; rejects after timeoutMs. */
  waitForMail(to: string, opts?: { timeoutMs?: number }): Promise<ReceivedMail>;
  /** Mails to `to` received so far (taken or not). */
  mailsTo(to: string): ReceivedMail[];
  close(): Promise<void>;
}

function decodeHeader(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const m = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head);
  if (!m) return '';
  // =?UTF-8?Q?...?= or =?UTF-8?B?...?= encoded words.
  return m[1].replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=\s*/g, (_, _cs, enc: string, text: string) => {
    if (enc.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
    return Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  });
}

export async function startSmtp(): Promise<TestSmtp> {
  const mails: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  const waiters: { to: string; resolve: (m: ReceivedMail) => void }[] = [];

  const deliver = (m: ReceivedMail) => {
    mails.push(m);
    for (let i = 0; i < waiters.length; i++) {
      const w = waiters[i];
      if (m.to.includes(w.to) && !taken.has(m)) {
        taken.add(m);
        waiters.splice(i, 1);
        w.resolve(m);
        return;
      }
    }
  };

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        deliver({
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          raw,
          subject: decodeHeader(raw, 'Subject'),
          receivedAt: Date.now(),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    mails,
    mailsTo: (to) => mails.filter((m) => m.to.includes(to.toLowerCase())),
    waitForMail(to, { timeoutMs = 10_000 } = {}) {
      const addr = to.toLowerCase();
      const ready = mails.find((m) => m.to.includes(addr) && !taken.has(m));
      if (ready) {
        taken.add(ready);
        return Promise.resolve(ready);
      }
      return new Promise((resolve, reject) => {
        const w = { to: addr, resolve: (m: ReceivedMail) => { clearTimeout(timer); resolve(m); } };
        const timer = setTimeout(() => {
          const i = waiters.indexOf(w);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`no mail to ${to} within ${timeoutMs} ms (received: ${mails.map((m) => m.to.join(',')).join('; ') || 'none'})`));
        }, timeoutMs);
        waiters.push(w);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The body of a mail as text: quoted-printable soft breaks and escapes decoded. */
export function mailText(mail: ReceivedMail | string): string {
  const raw = typeof mail === 'string' ? mail : mail.raw;
  const qp = /content-transfer-encoding:\s*quoted-printable/i.test(raw);
  const b64 = /content-transfer-encoding:\s*base64/i.exec(raw);
  if (b64 && !qp) {
    const body = raw.split(/\r?\n\r?\n/).slice(1).join('\n\n');
    return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  }
  // Soft line breaks ("=" at the end of a line) first, then "=3D" (an "=") and the other escapes, as bytes
  // (a multi-byte UTF-8 character is several escapes).
  const s = raw.replace(/=\r?\n/g, '');
  if (!qp) return s;
  // One pass: "=3D41" is "=41" in the text, not "A".
  return Buffer.from(s.replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
}

/** The first URL in the mail whose path starts with pathPrefix, e.g. linkIn(mail, '/login/link/'). */
export function linkIn(mail: ReceivedMail | string, pathPrefix: string): string {
  const text = mailText(mail);
  for (const m of text.matchAll(/https?:\/\/[^\s<>"']+/g)) {
    const u = new URL(m[0]);
    if (u.pathname.startsWith(pathPrefix)) return m[0];
  }
  throw new Error(`no link to ${pathPrefix} in mail:\n${text}`);
}

/** The path and query of a URL (what app.inject takes). */
export function pathOf(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}
