import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { Command } from './main.ts';
import { loadConfig } from '../config.ts';
import { openStore, type Store } from '../store/db.ts';
import { getPublication, findPublication } from '../store/issues.ts';
import { unsuppressAddress } from '../store/follows.ts';
import { MailWorker, mailSettings, queueCounts, requeue } from '../mail/queue.ts';
import { runDigests, queueIssueMail } from '../mail/digests.ts';
import { processBounces, splitMailbox, type BounceVerdict } from '../mail/bounces.ts';
import { queueRenewalReminders } from '../mail/renewals.ts';

// `masthead mail …` (the queue: run a worker, queue digests, status, requeue) and
// `masthead issue-mail YYYY-MM` (queue an issue's table of contents for every subscriber).

const MAIL_USAGE = `masthead mail <work|digests|reminders|status|requeue|unsuppress|bounces> [options]

  work [--until-empty] [--no-digests]
                 send queued mail (and queue digests and renewal reminders every
                 MAIL_DIGEST_INTERVAL_SECONDS; --no-digests: neither) until
                 stopped with Ctrl-C / SIGTERM; --until-empty stops when nothing is ready to send.
                 \`masthead serve\` runs the same worker unless MAIL_WORKER=off.
  digests        queue the digests that are due now, once
  reminders      queue the renewal reminders that are due now, once (RENEWAL_REMINDER_DAYS);
                 the worker does this with the digests
  status [--json]
                 how many mails are queued, sent, failed, bounced, skipped or of unknown outcome
  requeue (--unknown | --failed | --id N)
                 send again mails whose outcome is unknown (a worker died while the SMTP server
                 had the message: it may have been delivered) or that failed
  unsuppress <address>
                 mail an address that bounced again
  bounces <file|dir|-> [--json]
                 read bounce reports (delivery status notifications) that came back by mail:
                 one message, an mbox, a Maildir or a directory of messages, or standard input
                 (for an alias such as  bounces: "|masthead mail bounces -"). An address is
                 suppressed when the report is permanent (5.1.x) and names a mail this site
                 sent to it. Reading the same reports again changes nothing.

Environment: SMTP_URL, MAIL_FROM, MAIL_RATE (mails/second across all instances, default 10),
MAIL_CONCURRENCY (8), MAIL_MAX_ATTEMPTS (8), MAIL_RETRY_BASE_SECONDS (60), MAIL_LEASE_SECONDS (120),
MAIL_DIGEST_HOUR (12, UTC), RENEWAL_REMINDER_DAYS (30,7; off), BASE_URL, DATA_DIR, DATABASE_URL`;

const ISSUE_USAGE = `masthead issue-mail <YYYY-MM> [--publication ABBR]

Queues the table of contents of that issue (titles, deks, pages and links; never premium text) for
every subscriber with a current subscription who has not turned the issue mail off. Running it
again reaches only subscribers who were not mailed yet. The worker (\`masthead serve\` or
\`masthead mail work\`) sends them.`;

/** The messages at a path: standard input (-), a Maildir (new/ and cur/), a directory of messages, or a file (an mbox or one message). */
function readMessages(at: string): string[] {
  if (at === '-') return splitMailbox(fs.readFileSync(0, 'utf8'));
  if (!fs.statSync(at).isDirectory()) return splitMailbox(fs.readFileSync(at, 'utf8'));
  const isMaildir = ['new', 'cur'].some((d) => fs.existsSync(path.join(at, d)));
  const dirs = isMaildir ? ['new', 'cur'].map((d) => path.join(at, d)).filter((d) => fs.existsSync(d)) : [at];
  const out: string[] = [];
  for (const d of dirs) {
    for (const name of fs.readdirSync(d).sort()) {
      const file = path.join(d, name);
      if (!name.startsWith('.') && fs.statSync(file).isFile()) out.push(...splitMailbox(fs.readFileSync(file, 'utf8')));
    }
  }
  return out;
}

async function withStore<T>(fn: (store: Store, config: ReturnType<typeof loadConfig>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    return await fn(store, config);
  } finally {
    await store.close();
  }
}

export const mailCommand: Command = {
  summary: 'The mail queue: run a worker, queue digests, status, requeue, read bounce reports.',
  usage: MAIL_USAGE,
  options: {
    'until-empty': { type: 'boolean' },
    'no-digests': { type: 'boolean' },
    json: { type: 'boolean' },
    unknown: { type: 'boolean' },
    failed: { type: 'boolean' },
    id: { type: 'string' },
  },
  async run({ values, positionals }) {
    const [sub, ...rest] = positionals;
    const usage = (msg: string) => {
      process.stderr.write(`masthead mail: ${msg}\n\nUsage: ${MAIL_USAGE}\n`);
      return 2;
    };
    switch (sub) {
      case 'work':
        return withStore(async (store, config) => {
          const settings = mailSettings(config);
          const log = pino({ level: config.logLevel }, pino.destination(2));
          const worker = new MailWorker({ store, settings, log, digests: !values['no-digests'] });
          if (values['until-empty']) {
            if (!values['no-digests']) {
              await runDigests(store, { digestHour: settings.digestHour });
              await queueRenewalReminders(store, { days: settings.renewalDays });
            }
            const r = await worker.drain().finally(() => worker.stop());
            process.stdout.write(`${r.sent} sent, ${r.retried} to retry, ${r.bounced} bounced, ${r.failed} failed, ${r.skipped} skipped, ${r.unknown} unknown\n`);
            return 0;
          }
          worker.start();
          await new Promise<void>((resolve) => {
            process.once('SIGTERM', () => resolve());
            process.once('SIGINT', () => resolve());
          });
          await worker.stop();
          return 0;
        });
      case 'digests':
        return withStore(async (store, config) => {
          const r = await runDigests(store, { digestHour: mailSettings(config).digestHour });
          process.stdout.write(`${r.checked} follows due, ${r.queued} digests queued\n`);
          for (const f of r.failed) process.stderr.write(`follow ${f.followId}: ${f.error}\n`);
          return r.failed.length ? 1 : 0;
        });
      case 'reminders':
        return withStore(async (store, config) => {
          const r = await queueRenewalReminders(store, { days: mailSettings(config).renewalDays });
          process.stdout.write(`${r.checked} subscriptions end soon or just ended, ${r.queued} reminders queued\n`);
          return 0;
        });
      case 'status':
        return withStore(async (store) => {
          const c = await queueCounts(store.db);
          process.stdout.write(values.json ? `${JSON.stringify(c)}\n` : Object.entries(c).map(([k, v]) => `${k.padEnd(8)} ${v}`).join('\n') + '\n');
          return 0;
        });
      case 'requeue': {
        const chosen = [values.unknown, values.failed, values.id !== undefined].filter(Boolean).length;
        if (chosen !== 1) return usage('say which mails: --unknown, --failed or --id N');
        const id = values.id !== undefined ? Number(values.id) : null;
        if (id !== null && (!Number.isInteger(id) || id < 1)) return usage(`--id must be a mail's number, got "${values.id}"`);
        return withStore(async (store) => {
          const n = await requeue(store.db, id !== null ? { id } : { status: values.unknown ? 'unknown' : 'failed' });
          process.stdout.write(`${n} mail${n === 1 ? '' : 's'} queued again\n`);
          return 0;
        });
      }
      case 'unsuppress': {
        if (rest.length !== 1) return usage('name one address');
        return withStore(async (store) => {
          const ok = await unsuppressAddress(store.db, rest[0]);
          process.stdout.write(ok ? `${rest[0]} will be mailed again\n` : `${rest[0]} was not suppressed\n`);
          return 0;
        });
      }
      case 'bounces': {
        if (rest.length !== 1) return usage('name one file, directory or - (standard input)');
        let messages: string[];
        try {
          messages = readMessages(rest[0]);
        } catch (err) {
          process.stderr.write(`masthead mail bounces: cannot read ${rest[0]}: ${(err as Error).message}\n`);
          return 1;
        }
        return withStore(async (store) => {
          const run = await processBounces(store.db, messages);
          if (values.json) {
            process.stdout.write(`${JSON.stringify(run)}\n`);
            return 0;
          }
          for (const o of run.outcomes) process.stdout.write(`${o.address} ${o.status || '-'}: ${o.verdict}${o.mailId !== null ? ` (mail ${o.mailId})` : ''}\n`);
          const n = (v: BounceVerdict) => run.outcomes.filter((o) => o.verdict === v).length;
          process.stdout.write(`${run.messages} message${run.messages === 1 ? '' : 's'}: ${n('suppressed')} address${n('suppressed') === 1 ? '' : 'es'} suppressed, ${n('already suppressed')} already suppressed, ${n('not permanent')} not permanent, ${n('not a mail we sent to that address')} not matching a mail we sent; ${run.notReports} not a bounce report\n`);
          return 0;
        });
      }
      default:
        return usage(sub ? `unknown subcommand "${sub}"` : 'name a subcommand');
    }
  },
};

export const issueMailCommand: Command = {
  summary: 'Queue an issue\'s table of contents for every subscriber who wants it.',
  usage: ISSUE_USAGE,
  options: { publication: { type: 'string' } },
  async run({ values, positionals }) {
    const m = positionals.length === 1 ? /^(\d{4})-(\d{2})$/.exec(positionals[0]) : null;
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) {
      process.stderr.write(`masthead issue-mail: name one issue as YYYY-MM, like 2025-03\n\nUsage: ${ISSUE_USAGE}\n`);
      return 2;
    }
    const [year, month] = [Number(m[1]), Number(m[2])];
    return withStore(async (store) => {
      const pub = values.publication ? await findPublication(store.db, String(values.publication)) : await getPublication(store.db);
      if (!pub) {
        process.stderr.write(`masthead issue-mail: ${values.publication ? `no publication "${values.publication}"` : 'the database has no publication yet'}\n`);
        return 1;
      }
      const issue = await store.db.selectFrom('issues').select('id').where('publication_id', '=', pub.id).where('year', '=', year).where('month', '=', month).executeTakeFirst();
      if (!issue) {
        process.stderr.write(`masthead issue-mail: ${pub.abbreviation} has no issue ${positionals[0]}\n`);
        return 1;
      }
      const r = await queueIssueMail(store, issue.id);
      if (!r.articles) {
        process.stderr.write(`masthead issue-mail: issue ${positionals[0]} has no published articles yet; nothing queued\n`);
        return 1;
      }
      process.stdout.write(`${r.queued} mail${r.queued === 1 ? '' : 's'} queued (${r.articles} articles in the table of contents)\n`);
      return 0;
    });
  },
};
