import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.ts';
import { normalizeAddress } from '../store/follows.ts';

// Bounces that come back later by mail: delivery status notifications (RFC 3464), read from a
// message, an mbox or a Maildir by `masthead mail bounces`. A bounce suppresses an address only
// when it is permanent (status 5.1.x: no such mailbox or domain, as at sending time) and it
// names a mail this site sent to that very address (the Message-ID of a queued mail, in the
// returned headers): anyone can send a mail that looks like a bounce, but not for a mail they
// never received.

export interface DsnRecipient {
  address: string;
  action: string;
  /** "5.1.1"; '' when the report gives none. */
  status: string;
  diagnostic: string | null;
}

export interface Dsn {
  recipients: DsnRecipient[];
  /** The Message-ID of the mail that bounced, from the returned message or headers. */
  messageId: string | null;
}

interface Part {
  headers: Map<string, string>;
  body: string;
}

function parsePart(raw: string): Part {
  const m = /\r?\n\r?\n/.exec(raw);
  const head = m ? raw.slice(0, m.index) : raw;
  const body = m ? raw.slice(m.index + m[0].length) : '';
  return { headers: parseFields(head), body };
}

/** Header fields (folded lines joined), names in lower case; the first of each name counts. */
function parseFields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    if (!out.has(name)) out.set(name, line.slice(i + 1).trim());
  }
  return out;
}

function contentType(p: Part): { type: string; boundary: string | null } {
  const v = p.headers.get('content-type') ?? 'text/plain';
  const type = v.split(';')[0].trim().toLowerCase();
  const b = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))/i.exec(v);
  return { type, boundary: b ? (b[1] ?? b[2]) : null };
}

function decodeBody(p: Part): string {
  const enc = (p.headers.get('content-transfer-encoding') ?? '').toLowerCase();
  if (enc === 'base64') return Buffer.from(p.body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (enc === 'quoted-printable') {
    return Buffer.from(p.body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  }
  return p.body;
}

function children(p: Part, boundary: string): Part[] {
  const delimiter = new RegExp(`^--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(--)?[ \\t]*\\r?$`, 'm');
  const out: Part[] = [];
  let rest = p.body;
  let first = true;
  for (;;) {
    const m = delimiter.exec(rest);
    if (!m) break;
    if (!first) out.push(parsePart(rest.slice(0, m.index).replace(/\r?\n$/, '')));
    first = false;
    if (m[1]) break;
    rest = rest.slice(m.index + m[0].length).replace(/^\n/, '');
  }
  return out;
}

function walk(p: Part, visit: (p: Part, type: string) => void, depth = 0): void {
  if (depth > 10) return;
  const { type, boundary } = contentType(p);
  visit(p, type);
  if (type.startsWith('multipart/') && boundary) for (const c of children(p, boundary)) walk(c, visit, depth + 1);
}

function addressOf(field: string | undefined): string | null {
  if (!field) return null;
  const v = (field.includes(';') ? field.slice(field.indexOf(';') + 1) : field).trim().replace(/^<|>$/g, '');
  return /^[^\s@<>]+@[^\s@<>]+$/.test(v) ? normalizeAddress(v) : null;
}

/** The delivery status notification in a message, or null when it holds none. */
export function parseDsn(raw: string): Dsn | null {
  const root = parsePart(raw);
  let status: string | null = null;
  let messageId: string | null = null;
  walk(root, (p, type) => {
    if (type === 'message/delivery-status' && status === null) status = decodeBody(p);
    else if ((type === 'message/rfc822' || type === 'text/rfc822-headers' || type === 'message/rfc822-headers') && messageId === null) {
      messageId = parsePart(decodeBody(p)).headers.get('message-id') ?? null;
    }
  });
  if (status === null) return null;
  const recipients: DsnRecipient[] = [];
  for (const group of (status as string).split(/\r?\n[ \t]*\r?\n/)) {
    const f = parseFields(group);
    const address = addressOf(f.get('final-recipient')) ?? addressOf(f.get('original-recipient'));
    if (!address) continue;
    recipients.push({
      address,
      action: (f.get('action') ?? '').toLowerCase(),
      status: /^\d\.\d{1,3}\.\d{1,3}/.exec(f.get('status') ?? '')?.[0] ?? '',
      diagnostic: f.get('diagnostic-code')?.slice(0, 300) ?? null,
    });
  }
  return { recipients, messageId: (messageId as string | null)?.trim() ?? null };
}

/** The messages in a file: an mbox ("From " lines between messages) or one message. */
export function splitMailbox(text: string): string[] {
  if (!text.startsWith('From ')) return text.trim() ? [text] : [];
  return text.split(/\r?\n(?=From )/).map((m) => m.slice(m.indexOf('\n') + 1).replace(/^>(>*From )/gm, '$1')).filter((m) => m.trim());
}

/** A permanent failure of the address itself, as at sending time (see classifyFailure). */
export function isPermanentAddressFailure(r: DsnRecipient): boolean {
  return r.action === 'failed' && /^5\.1\.\d+$/.test(r.status);
}

export type BounceVerdict = 'suppressed' | 'already suppressed' | 'not permanent' | 'not a mail we sent to that address';

export interface BounceOutcome {
  address: string;
  status: string;
  verdict: BounceVerdict;
  /** The queued mail it answers, when found. */
  mailId: number | null;
}

/** The queue row a Message-ID of ours names: `<idem-key.ID@host>`. */
function queueIdOf(messageId: string | null): number | null {
  const m = messageId ? /\.(\d{1,15})@[^>]*>?\s*$/.exec(messageId) : null;
  return m ? Number(m[1]) : null;
}

/** Suppresses the addresses a report shows to be gone, in one transaction; what became of each. */
export async function recordDsn(db: Kysely<DB>, dsn: Dsn, now = new Date()): Promise<BounceOutcome[]> {
  const id = queueIdOf(dsn.messageId);
  return db.transaction().execute(async (trx) => {
    const row = id === null ? undefined : await trx.selectFrom('mail_queue')
      .leftJoin('users', 'users.id', 'mail_queue.user_id')
      .select(['mail_queue.id', 'mail_queue.to_address', 'mail_queue.status', 'mail_queue.idem_key', 'users.email'])
      .where('mail_queue.id', '=', id).executeTakeFirst();
    // The whole Message-ID must be the one the queue gave that mail, not just its number.
    const ours = row && dsn.messageId !== null && dsn.messageId.startsWith(`<${row.idem_key.replace(/[^A-Za-z0-9.-]/g, '.')}.${row.id}@`) ? row : undefined;
    const out: BounceOutcome[] = [];
    for (const r of dsn.recipients) {
      const base = { address: r.address, status: r.status, mailId: ours ? Number(ours.id) : null };
      if (!isPermanentAddressFailure(r)) {
        out.push({ ...base, verdict: 'not permanent' });
        continue;
      }
      const sentTo = ours ? [ours.to_address, ours.email].filter((a): a is string => Boolean(a)).map(normalizeAddress) : [];
      if (!sentTo.includes(r.address)) {
        out.push({ ...base, verdict: 'not a mail we sent to that address' });
        continue;
      }
      const reason = `bounced later (DSN ${r.status}${r.diagnostic ? `: ${r.diagnostic}` : ''})`.slice(0, 500);
      const known = await trx.selectFrom('mail_suppressions').select('address').where('address', '=', r.address).executeTakeFirst();
      if (!known) {
        await trx.insertInto('mail_suppressions').values({ address: r.address, reason, created_at: now.toISOString() })
          .onConflict((oc) => oc.column('address').doNothing()).execute();
      }
      await trx.updateTable('mail_queue').set({ status: 'bounced', last_error: reason })
        .where('id', '=', ours!.id).where('status', 'in', ['sent', 'unknown']).execute();
      out.push({ ...base, verdict: known ? 'already suppressed' : 'suppressed' });
    }
    return out;
  });
}

export interface BounceRun {
  messages: number;
  /** Messages that held no delivery status notification (replies, spam, other bounces). */
  notReports: number;
  outcomes: BounceOutcome[];
}

/** Reads every message and records its report, each in its own transaction. */
export async function processBounces(db: Kysely<DB>, messages: string[]): Promise<BounceRun> {
  const run: BounceRun = { messages: messages.length, notReports: 0, outcomes: [] };
  for (const m of messages) {
    const dsn = parseDsn(m);
    if (!dsn || dsn.recipients.length === 0) run.notReports++;
    else run.outcomes.push(...(await recordDsn(db, dsn)));
  }
  return run;
}
