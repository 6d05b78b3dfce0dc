import type { Kysely } from 'kysely';
import type { Store } from '../store/db.ts';
import type { DB, Plan } from '../store/schema.ts';
import type { RenewalPayload } from './templates.tsx';

// Reminders before a subscription ends. Plans are bought a year at a time (nothing renews by
// itself), so a subscriber hears, RENEWAL_REMINDER_DAYS before the end (30 and 7 days by default),
// that it is coming, and once more in the week after it ended. A subscription's end is the latest
// end of the reader's entitlements that are not revoked, so a renewal or a gift that follows on
// moves it, and no reminder is sent for an end that is no longer the end (the worker checks again
// just before sending). Each reminder is queued once per end date and stage
// (renewal:<reader>:<end>:<stage>). Readers who turned reminders off, and addresses that bounced
// or are placeholders, get none.

const DAY_MS = 86_400_000;
/** The "it has ended" reminder goes out within this long after the end, not later. */
export const ENDED_WINDOW_DAYS = 7;

export interface ReminderRun {
  /** Subscribers whose subscription ends within the largest window, or ended in the last week. */
  checked: number;
  queued: number;
}

/** RENEWAL_REMINDER_DAYS: days before the end, comma-separated ("30,7"); "off" or "0": no reminders. */
export function parseReminderDays(raw: string | undefined): number[] {
  if (raw === undefined || raw.trim() === '') return [30, 7];
  const t = raw.trim().toLowerCase();
  if (t === 'off' || t === '0') return [];
  const days = t.split(',').map((s) => s.trim());
  if (days.some((d) => !/^[1-9]\d{0,2}$/.test(d) || Number(d) > 365)) {
    throw new Error(`RENEWAL_REMINDER_DAYS must be days before the end from 1 to 365, comma-separated (like 30,7), or off; got "${raw}"`);
  }
  return [...new Set(days.map(Number))].sort((a, b) => b - a);
}

/** Which reminder is due `msLeft` before the end: the smallest window it is in; null: none. */
export function reminderStage(msLeft: number, startedMsBeforeEnd: number, days: number[]): number | 'ended' | null {
  if (days.length === 0) return null;
  if (msLeft <= 0) return msLeft > -ENDED_WINDOW_DAYS * DAY_MS ? 'ended' : null;
  let stage: number | null = null;
  for (const d of days) if (msLeft <= d * DAY_MS) stage = d;
  // A subscription shorter than the window (a 20-day gift) gets no "30 days left" notice.
  return stage !== null && startedMsBeforeEnd <= stage * DAY_MS ? null : stage;
}

/** Per reader, the subscription's end: the latest end of the entitlements not revoked. */
function latestEnds(db: Kysely<DB>) {
  return db.selectFrom('entitlements').select(['user_id', (eb) => eb.fn.max('ends_at').as('ends_at')])
    .where('revoked_at', 'is', null).groupBy('user_id');
}

/** Each reader's subscription end, for these readers. */
export async function subscriptionEnds(db: Kysely<DB>, userIds: number[]): Promise<Map<number, string>> {
  if (userIds.length === 0) return new Map();
  const rows = await latestEnds(db).where('user_id', 'in', userIds).execute();
  return new Map(rows.map((r) => [Number(r.user_id), String(r.ends_at)]));
}

/**
 * Queues the reminders that are due now (idempotent: run it as often as you like). Runs every
 * MAIL_DIGEST_INTERVAL_SECONDS in the mail worker, or once with `masthead mail reminders`.
 */
export async function queueRenewalReminders(store: Pick<Store, 'db'>, opts: { days: number[]; now?: Date; siteName?: string }): Promise<ReminderRun> {
  const days = opts.days;
  if (days.length === 0) return { checked: 0, queued: 0 };
  const now = opts.now ?? new Date();
  const nowIso = now.toISOString();
  const from = new Date(now.getTime() - ENDED_WINDOW_DAYS * DAY_MS).toISOString();
  const until = new Date(now.getTime() + Math.max(...days) * DAY_MS).toISOString();
  const db = store.db;
  // queue.ts imports this module for its checks at sending time: imported here when needed.
  const { enqueueMail } = await import('./queue.ts');
  // Per reader: the end of the subscription, and the start and plan of the entitlement that ends last.
  const ends = latestEnds(db).as('ends');
  const rows = await db.selectFrom(ends)
    .innerJoin('entitlements as e', (j) => j.onRef('e.user_id', '=', 'ends.user_id').onRef('e.ends_at', '=', 'ends.ends_at'))
    .innerJoin('users', 'users.id', 'ends.user_id')
    .select(['users.id as user_id', 'users.email', 'ends.ends_at', 'e.starts_at', 'e.plan'])
    .where('e.revoked_at', 'is', null)
    .where('ends.ends_at', '>', from).where('ends.ends_at', '<=', until)
    .where((w) => w.not(w.exists(w.selectFrom('mail_prefs').select('mail_prefs.user_id').whereRef('mail_prefs.user_id', '=', 'users.id').where('mail_prefs.renewal_mail', '=', 0))))
    .where((w) => w.not(w.exists(w.selectFrom('mail_suppressions').select('mail_suppressions.address').whereRef('mail_suppressions.address', '=', 'users.email'))))
    // An end brought forward by revoking a later entitlement (a refund, a mistake) is the office's
    // doing, not an expiry: no reminders for it.
    .where((w) => w.not(w.exists(w.selectFrom('entitlements as r').select('r.id').whereRef('r.user_id', '=', 'users.id').where('r.revoked_at', 'is not', null).whereRef('r.ends_at', '>', 'ends.ends_at'))))
    .orderBy('users.id').orderBy('e.starts_at')
    .execute();
  if (rows.length === 0) return { checked: 0, queued: 0 };
  const siteName = opts.siteName ?? (await db.selectFrom('publications').select('name').orderBy('id').executeTakeFirst())?.name ?? 'Masthead';
  let queued = 0;
  const seen = new Set<number>();
  for (const r of rows) {
    const userId = Number(r.user_id);
    if (seen.has(userId)) continue; // two entitlements ending at the same instant: the earlier-starting one counts
    seen.add(userId);
    const endMs = Date.parse(String(r.ends_at));
    const stage = reminderStage(endMs - now.getTime(), endMs - Date.parse(String(r.starts_at)), days);
    if (stage === null) continue;
    const endsAt = new Date(endMs).toISOString();
    const payload: RenewalPayload = { type: 'renewal', site: { name: siteName }, stage, endsAt, plan: r.plan as Plan, renewUrl: '/subscribe', accountUrl: '/account' };
    if (await enqueueMail(db, { idemKey: `renewal:${userId}:${endsAt}:${stage}`, kind: 'renewal', userId, to: r.email, payload }, nowIso)) queued++;
  }
  return { checked: seen.size, queued };
}

/** True when the reader's subscription still ends when the reminder says (nothing moved it since). */
export function reminderStillTrue(payload: RenewalPayload, currentEnd: string | undefined): boolean {
  return currentEnd !== undefined && Date.parse(currentEnd) === Date.parse(payload.endsAt);
}
