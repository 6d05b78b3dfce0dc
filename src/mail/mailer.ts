import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import nodemailer from 'nodemailer';

export interface Mail {
  to: string;
  subject: string;
  /** Every mail has a plain-text part (prisons' e-messaging takes nothing else). */
  text: string;
  html?: string;
  headers?: Record<string, string>;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
  readonly description: string;
}

export interface MailerOptions {
  /** smtp://user:pass@host:port or smtps://…; without it mail is written to `dir`. */
  smtpUrl: string | null;
  from: string;
  dir: string;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export function createMailer(opts: MailerOptions): Mailer {
  if (opts.smtpUrl) {
    const transport = nodemailer.createTransport(opts.smtpUrl);
    return {
      description: `SMTP ${new URL(opts.smtpUrl).host}`,
      async send(m) {
        await transport.sendMail({ from: opts.from, to: m.to, subject: m.subject, text: m.text, html: m.html, headers: m.headers });
      },
    };
  }
  // No SMTP server configured: keep each mail as an .eml file, so nothing is lost and an
  // operator (or a developer) can read the sign-in link.
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    description: `files in ${opts.dir}`,
    async send(m) {
      const info = await transport.sendMail({ from: opts.from, to: m.to, subject: m.subject, text: m.text, html: m.html, headers: m.headers });
      fs.mkdirSync(opts.dir, { recursive: true });
      const file = path.join(opts.dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${crypto.randomBytes(3).toString('hex')}.eml`);
      fs.writeFileSync(file, info.message as Buffer);
      const link = /https?:\/\/\S+\/(?:login\/link|reset|account\/email)\/\S+/.exec(m.text)?.[0];
      opts.log?.('mail written to a file (no SMTP_URL)', { to: m.to, subject: m.subject, file, ...(link ? { link } : {}) });
    },
  };
}
