import crypto from 'node:crypto';
import { sql, type Kysely, type SqlBool } from 'kysely';
import type { DB, Plan, RateClass } from './schema.ts';
import { InputError } from '../domain/types.ts';
import { createUser, findUser, findUserByEmail, grantEntitlement, isPlausibleEmail, listEntitlements, normalizeEmail, revokeEntitlement, updateUser, type Entitlement, type User } from './users.ts';

// Subscribers as the office keeps them: the account (e-mail, name, rate class), the profile
// (notes; mailing address, prisoner number and facility for the print edition), and the
// entitlements, granted, extended and revoked through the entitlement store (users.ts). Every
// function here takes the caller's transaction; the caller writes the audit record in it.

export const RATE_CLASSES: RateClass[] = ['prisoner', 'individual', 'professional', 'institutional'];
export const PLANS: Plan[] = ['digital', 'print-digital'];
export const RATE_LABEL: Record<RateClass, string> = { prisoner: 'Prisoner', individual: 'Individual', professional: 'Professional', institutional: 'Institutional' };
export const PLAN_LABEL: Record<Plan, string> = { digital: 'Digital', 'print-digital': 'Print + digital' };

/** Readers without an e-mail address (many prisoners) get a placeholder in this reserved domain: no mail is ever sent there. */
export const NO_EMAIL_DOMAIN = 'no-email.invalid';

export function isPlaceholderEmail(email: string): boolean {
  return email.endsWith(`@${NO_EMAIL_DOMAIN}`);
}

/** The placeholder address of a reader known by prisoner number and facility: the same inputs give the same address. */
export function placeholderEmail(prisonerNumber: string, facility: string | null): string {
  const num = prisonerNumber.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'reader';
  const fac = crypto.createHash('sha256').update((facility ?? '').trim().toLowerCase().replace(/\s+/g, ' ')).digest('hex').slice(0, 8);
  return `print-${num}-${fac}@${NO_EMAIL_DOMAIN}`;
}

export interface Profile {
  notes: string | null;
  prisonerNumber: string | null;
  facility: string | null;
  addressLine1: string | null;
  addressLine2: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  country: string | null;
}

export const PROFILE_FIELDS: (keyof Profile)[] = ['notes', 'prisonerNumber', 'facility', 'addressLine1', 'addressLine2', 'city', 'state', 'postalCode', 'country'];

export const EMPTY_PROFILE: Profile = { notes: null, prisonerNumber: null, facility: null, addressLine1: null, addressLine2: null, city: null, state: null, postalCode: null, country: null };

/** Longest value of each field. */
export const FIELD_MAX: Record<keyof Profile | 'name', number> = {
  name: 200, notes: 5000, prisonerNumber: 40, facility: 200, addressLine1: 200, addressLine2: 200, city: 100, state: 60, postalCode: 20, country: 60,
};

export interface SubscriberSummary {
  id: number;
  email: string;
  name: string | null;
  role: 'reader' | 'editor' | 'admin';
  rateClass: RateClass | null;
  prisonerNumber: string | null;
  facility: string | null;
  /** The best plan in force now, or null. */
  plan: Plan | null;
  /** The latest end of any entitlement not revoked, or null. */
  endsAt: string | null;
  status: 'active' | 'expired' | 'none';
}

export interface Subscriber extends SubscriberSummary {
  createdAt: string;
  profile: Profile;
  entitlements: Entitlement[];
}

function likePattern(q: string): string {
  return `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function activeAt(now: string) {
  return sql<string | null>`(select e.plan from entitlements e where e.user_id = users.id and e.revoked_at is null and e.starts_at <= ${now} and e.ends_at > ${now} order by e.plan desc, e.ends_at desc limit 1)`;
}

function lastEnd() {
  return sql<string | null>`(select max(e.ends_at) from entitlements e where e.user_id = users.id and e.revoked_at is null)`;
}

export interface SubscriberQuery {
  q?: string;
  rateClass?: RateClass | null;
  status?: 'active' | 'expired' | 'none' | null;
  limit: number;
  offset: number;
}

/** Accounts matching a search (e-mail, name or prisoner number), with what they are subscribed to. */
export async function searchSubscribers(db: Kysely<DB>, o: SubscriberQuery, now = new Date().toISOString()): Promise<{ items: SubscriberSummary[]; total: number }> {
  let q = db.selectFrom('users').leftJoin('subscriber_profiles as p', 'p.user_id', 'users.id');
  const text = o.q?.trim();
  if (text) {
    const pat = likePattern(text);
    q = q.where((eb) => eb.or([
      sql<SqlBool>`lower(users.email) like ${pat} escape '\\'`,
      sql<SqlBool>`lower(coalesce(users.name, '')) like ${pat} escape '\\'`,
      sql<SqlBool>`lower(coalesce(p.prisoner_number, '')) like ${pat} escape '\\'`,
    ]));
  }
  if (o.rateClass) q = q.where('users.rate_class', '=', o.rateClass);
  const current = (eb: any) => eb.exists(eb.selectFrom('entitlements as e').select('e.id').whereRef('e.user_id', '=', 'users.id')
    .where('e.revoked_at', 'is', null).where('e.starts_at', '<=', now).where('e.ends_at', '>', now));
  const any = (eb: any) => eb.exists(eb.selectFrom('entitlements as e').select('e.id').whereRef('e.user_id', '=', 'users.id').where('e.revoked_at', 'is', null));
  if (o.status === 'active') q = q.where((eb) => current(eb));
  if (o.status === 'expired') q = q.where((eb) => eb.and([any(eb), eb.not(current(eb))]));
  if (o.status === 'none') q = q.where((eb) => eb.not(any(eb)));
  const [rows, total] = await Promise.all([
    q.select([
      'users.id', 'users.email', 'users.name', 'users.role', 'users.rate_class', 'p.prisoner_number', 'p.facility',
      activeAt(now).as('plan'), lastEnd().as('ends_at'),
    ]).orderBy('users.email').limit(o.limit).offset(o.offset).execute(),
    q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    items: rows.map((r) => ({
      id: r.id, email: r.email, name: r.name, role: r.role, rateClass: r.rate_class, prisonerNumber: r.prisoner_number ?? null, facility: r.facility ?? null,
      plan: (r.plan as Plan | null) ?? null, endsAt: r.ends_at ?? null,
      status: r.plan ? 'active' : r.ends_at ? 'expired' : 'none',
    })),
    total: Number(total.n),
  };
}

export async function getProfile(db: Kysely<DB>, userId: number): Promise<Profile> {
  const r = await db.selectFrom('subscriber_profiles').selectAll().where('user_id', '=', userId).executeTakeFirst();
  if (!r) return { ...EMPTY_PROFILE };
  return {
    notes: r.notes, prisonerNumber: r.prisoner_number, facility: r.facility, addressLine1: r.address_line1, addressLine2: r.address_line2,
    city: r.city, state: r.state, postalCode: r.postal_code, country: r.country,
  };
}

async function putProfile(db: Kysely<DB>, userId: number, p: Profile): Promise<void> {
  const row = {
    notes: p.notes, prisoner_number: p.prisonerNumber, facility: p.facility, address_line1: p.addressLine1, address_line2: p.addressLine2,
    city: p.city, state: p.state, postal_code: p.postalCode, country: p.country, updated_at: new Date().toISOString(),
  };
  await db.insertInto('subscriber_profiles').values({ user_id: userId, ...row })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(row)).execute();
}

export async function getSubscriber(db: Kysely<DB>, id: number, now = new Date().toISOString()): Promise<Subscriber | null> {
  const user = Number.isSafeInteger(id) ? await findUser(db, id) : null;
  if (!user) return null;
  const [profile, entitlements] = await Promise.all([getProfile(db, id), listEntitlements(db, id)]);
  const current = entitlements.filter((e) => e.revoked_at === null && e.starts_at <= now && e.ends_at > now)
    .sort((a, b) => (a.plan === b.plan ? b.ends_at.localeCompare(a.ends_at) : a.plan === 'print-digital' ? -1 : 1));
  const live = entitlements.filter((e) => e.revoked_at === null);
  const endsAt = live.length ? live.map((e) => e.ends_at).sort().at(-1)! : null;
  return {
    id: user.id, email: user.email, name: user.name, role: user.role, rateClass: user.rate_class, createdAt: user.created_at,
    prisonerNumber: profile.prisonerNumber, facility: profile.facility, profile, entitlements,
    plan: current[0]?.plan ?? null, endsAt, status: current.length ? 'active' : endsAt ? 'expired' : 'none',
  };
}

/** What the audit log keeps of a subscriber. */
export function subscriberSnapshot(s: Pick<Subscriber, 'email' | 'name' | 'rateClass' | 'profile'>): Record<string, unknown> {
  return { email: s.email, name: s.name, rateClass: s.rateClass, ...s.profile };
}

/** Cleans a text field: trimmed, inner runs of spaces kept, control characters gone; '' is null. */
export function cleanText(v: unknown, max: number, label: string, multiline = false): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new InputError(`${label} must be text`);
  let s = v.replace(multiline ? /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f]/g : /[\u0000-\u001f\u007f]/g, multiline ? '' : ' ').trim();
  if (multiline) s = s.replace(/\r\n?/g, '\n');
  if (!s) return null;
  if (s.length > max) throw new InputError(`${label} may be at most ${max} characters (it has ${s.length})`);
  return s;
}

export interface SubscriberInput {
  name: string | null;
  rateClass: RateClass | null;
  profile: Profile;
}

/** Sets a subscriber's name, rate class and profile. Returns the state before and after (for the audit log). */
export async function updateSubscriber(db: Kysely<DB>, id: number, input: SubscriberInput): Promise<{ before: Record<string, unknown>; after: Record<string, unknown> }> {
  const s = await getSubscriber(db, id);
  if (!s) throw new InputError('There is no such subscriber.');
  const before = subscriberSnapshot(s);
  await updateUser(db, id, { name: input.name, rate_class: input.rateClass });
  await putProfile(db, id, input.profile);
  return { before, after: subscriberSnapshot({ email: s.email, name: input.name, rateClass: input.rateClass, profile: input.profile }) };
}

/**
 * Creates a subscriber's account (or finds it by e-mail address: then it is an error, the office
 * should open it instead). Without an e-mail address, a prisoner number is needed.
 */
export async function createSubscriber(db: Kysely<DB>, input: SubscriberInput & { email: string | null }): Promise<User> {
  let email: string;
  if (input.email) {
    email = normalizeEmail(input.email);
    if (!isPlausibleEmail(email)) throw new InputError(`“${input.email}” is not an e-mail address`);
  } else {
    if (!input.profile.prisonerNumber) throw new InputError('Give an e-mail address, or a prisoner number for a reader without one');
    email = placeholderEmail(input.profile.prisonerNumber, input.profile.facility);
  }
  if (await findUserByEmail(db, email)) throw new InputError(`An account with the address ${email} already exists`);
  const user = await createUser(db, { email, name: input.name, rateClass: input.rateClass });
  await putProfile(db, user.id, input.profile);
  if (isPlaceholderEmail(email)) await suppressPlaceholder(db, email);
  return user;
}

/** Mail to a placeholder address could only bounce: the mail queue is told to skip it. */
async function suppressPlaceholder(db: Kysely<DB>, email: string): Promise<void> {
  await db.insertInto('mail_suppressions').values({ address: email, reason: 'no e-mail address (print reader)', created_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('address').doNothing()).execute();
}

// ---------------------------------------------------------------- entitlements

/** 'YYYY-MM-DD' → the instant access ends: the start of the next day (UTC), as `masthead grant --until` does. */
export function endOfDay(day: string, label = 'the date'): string {
  const d = parseDay(day, label);
  return new Date(d.getTime() + 86400_000).toISOString();
}

export function parseDay(day: string, label = 'the date'): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day.trim());
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!d || !m || d.toISOString().slice(0, 10) !== day.trim() || Number(m[1]) < 1900 || Number(m[1]) > 2200) {
    throw new InputError(`${label} must be a real date like 2026-12-31; got “${day}”`);
  }
  return d;
}

/** The last day of access of an entitlement ending at `endsAt` (access runs until that instant). */
export function lastDay(endsAt: string): string {
  return new Date(Date.parse(endsAt) - 1).toISOString().slice(0, 10);
}

/** `months` calendar months after `from` (UTC), the day clamped to the month's length (Jan 31 + 1 → Feb 28). */
export function addMonths(from: Date, months: number): Date {
  const y = from.getUTCFullYear();
  const m = from.getUTCMonth() + months;
  const lastOfMonth = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(from.getUTCDate(), lastOfMonth), from.getUTCHours(), from.getUTCMinutes(), from.getUTCSeconds(), from.getUTCMilliseconds()));
}

function entitlementSnapshot(e: Pick<Entitlement, 'id' | 'plan' | 'starts_at' | 'ends_at' | 'source' | 'note' | 'revoked_at'>) {
  return { id: e.id, plan: e.plan, startsAt: e.starts_at, endsAt: e.ends_at, source: e.source, note: e.note, revokedAt: e.revoked_at };
}

async function entitlementOf(db: Kysely<DB>, userId: number, id: number): Promise<Entitlement> {
  const e = Number.isSafeInteger(id)
    ? await db.selectFrom('entitlements').select(['id', 'user_id', 'plan', 'starts_at', 'ends_at', 'source', 'note', 'external_ref', 'revoked_at']).where('id', '=', id).where('user_id', '=', userId).executeTakeFirst()
    : undefined;
  if (!e) throw new InputError('That subscription does not belong to this subscriber.');
  return e;
}

/** A subscription through a day (access until the end of that day, UTC). */
export async function grantSubscription(db: Kysely<DB>, userId: number, g: { plan: Plan; until: string; note: string | null }, now = new Date()) {
  const endsAt = endOfDay(g.until, 'The end date');
  if (Date.parse(endsAt) <= now.getTime()) throw new InputError(`The end date ${g.until} is in the past`);
  const { id } = await grantEntitlement(db, { userId, plan: g.plan, startsAt: now.toISOString(), endsAt, source: 'admin', note: g.note });
  return entitlementSnapshot({ id, plan: g.plan, starts_at: now.toISOString(), ends_at: endsAt, source: 'admin', note: g.note, revoked_at: null });
}

/**
 * Extends a subscription by whole months: a new period of the same plan that starts when the
 * subscriber's access on that plan ends (or now, when it has ended), like a renewal.
 */
export async function extendSubscription(db: Kysely<DB>, userId: number, entitlementId: number, months: number, note: string | null, now = new Date()) {
  if (!Number.isInteger(months) || months < 1 || months > 60) throw new InputError('Extend by a whole number of months, from 1 to 60');
  const e = await entitlementOf(db, userId, entitlementId);
  if (e.revoked_at) throw new InputError('That subscription was revoked; grant a new one instead');
  const latest = await db.selectFrom('entitlements').select((eb) => eb.fn.max('ends_at').as('end'))
    .where('user_id', '=', userId).where('plan', '=', e.plan).where('revoked_at', 'is', null).executeTakeFirst();
  const startMs = Math.max(now.getTime(), Date.parse(latest?.end ?? e.ends_at));
  const start = new Date(startMs);
  const end = addMonths(start, months);
  const text = note ?? `extends #${e.id} by ${months} month${months === 1 ? '' : 's'}`;
  const { id } = await grantEntitlement(db, { userId, plan: e.plan, startsAt: start.toISOString(), endsAt: end.toISOString(), source: 'admin', note: text });
  return { extended: entitlementSnapshot(e), added: entitlementSnapshot({ id, plan: e.plan, starts_at: start.toISOString(), ends_at: end.toISOString(), source: 'admin', note: text, revoked_at: null }) };
}

/** Ends a subscription now. */
export async function revokeSubscription(db: Kysely<DB>, userId: number, entitlementId: number) {
  const e = await entitlementOf(db, userId, entitlementId);
  if (e.revoked_at) throw new InputError('That subscription is already revoked');
  await revokeEntitlement(db, e.id);
  const after = await entitlementOf(db, userId, entitlementId);
  return { before: entitlementSnapshot(e), after: entitlementSnapshot(after) };
}

// ---------------------------------------------------------------- print mailing

export interface MailingRow {
  userId: number;
  email: string;
  name: string | null;
  rateClass: RateClass | null;
  prisonerNumber: string | null;
  facility: string | null;
  addressLine1: string | null;
  addressLine2: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  country: string | null;
  endsAt: string;
}

/** A mailing address needs at least a street line and a city or postal code. */
export function hasAddress(r: Pick<MailingRow, 'addressLine1' | 'city' | 'postalCode'>): boolean {
  return Boolean(r.addressLine1 && (r.city || r.postalCode));
}

/**
 * Print subscribers (plan print-digital) whose access covers `at`: the mailing list of the issue
 * mailed then. Sorted for the post office: country, postal code, facility, name.
 */
export async function printSubscribers(db: Kysely<DB>, at: string): Promise<MailingRow[]> {
  const rows = await db.selectFrom('users')
    .innerJoin('entitlements as e', 'e.user_id', 'users.id')
    .leftJoin('subscriber_profiles as p', 'p.user_id', 'users.id')
    .select([
      'users.id', 'users.email', 'users.name', 'users.rate_class', 'p.prisoner_number', 'p.facility', 'p.address_line1', 'p.address_line2',
      'p.city', 'p.state', 'p.postal_code', 'p.country', (eb) => eb.fn.max('e.ends_at').as('ends_at'),
    ])
    .where('e.plan', '=', 'print-digital').where('e.revoked_at', 'is', null).where('e.starts_at', '<=', at).where('e.ends_at', '>', at)
    .groupBy(['users.id', 'users.email', 'users.name', 'users.rate_class', 'p.prisoner_number', 'p.facility', 'p.address_line1', 'p.address_line2', 'p.city', 'p.state', 'p.postal_code', 'p.country'])
    .execute();
  const out = rows.map((r) => ({
    userId: r.id, email: r.email, name: r.name, rateClass: r.rate_class, prisonerNumber: r.prisoner_number ?? null, facility: r.facility ?? null,
    addressLine1: r.address_line1 ?? null, addressLine2: r.address_line2 ?? null, city: r.city ?? null, state: r.state ?? null,
    postalCode: r.postal_code ?? null, country: r.country ?? null, endsAt: String(r.ends_at),
  }));
  const key = (r: MailingRow) => [(r.country ?? '').toUpperCase(), r.postalCode ?? '', (r.facility ?? '').toLowerCase(), (r.name ?? r.email).toLowerCase()];
  return out.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
    return a.userId - b.userId;
  });
}

export interface EndingRow {
  userId: number;
  email: string;
  name: string | null;
  rateClass: RateClass | null;
  plan: Plan;
  endsAt: string;
}

/**
 * Subscriptions that end with an issue: readers whose access covers `issueAt` (when that issue is
 * mailed) but not `followingAt` (the next one), so that issue is their last: time to renew.
 */
export async function endingWith(db: Kysely<DB>, issueAt: string, followingAt: string): Promise<EndingRow[]> {
  const rows = await db.selectFrom('users')
    .innerJoin('entitlements as e', 'e.user_id', 'users.id')
    .select(['users.id', 'users.email', 'users.name', 'users.rate_class', (eb) => eb.fn.max('e.plan').as('plan'), (eb) => eb.fn.max('e.ends_at').as('ends_at')])
    .where('e.revoked_at', 'is', null).where('e.starts_at', '<=', issueAt).where('e.ends_at', '>', issueAt)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('entitlements as f').select('f.id').whereRef('f.user_id', '=', 'users.id')
      .where('f.revoked_at', 'is', null).where('f.starts_at', '<=', followingAt).where('f.ends_at', '>', followingAt))))
    .groupBy(['users.id', 'users.email', 'users.name', 'users.rate_class'])
    .execute();
  return rows.map((r) => ({ userId: r.id, email: r.email, name: r.name, rateClass: r.rate_class, plan: r.plan as Plan, endsAt: String(r.ends_at) }))
    .sort((a, b) => a.endsAt.localeCompare(b.endsAt) || a.email.localeCompare(b.email));
}

/** When an issue of a month is mailed: the first of that month (UTC), or now if that has passed. */
export function mailingInstant(year: number, month: number, now: Date = new Date()): string {
  const first = Date.UTC(year, month - 1, 1);
  return new Date(Math.max(first, now.getTime())).toISOString();
}

/** The lines of a mailing label: name and prisoner number, facility, street lines, city/state/postal code, country. */
export function labelLines(r: MailingRow): string[] {
  const lines: string[] = [];
  const who = (r.name ?? '').trim() || (isPlaceholderEmail(r.email) ? '' : r.email);
  lines.push(r.prisonerNumber ? `${who}${who ? ' ' : ''}#${r.prisonerNumber}` : who);
  if (r.facility) lines.push(r.facility);
  if (r.addressLine1) lines.push(r.addressLine1);
  if (r.addressLine2) lines.push(r.addressLine2);
  const cityLine = [r.city, [r.state, r.postalCode].filter(Boolean).join(' ')].filter(Boolean).join(', ');
  if (cityLine) lines.push(cityLine);
  if (r.country && !/^(us|usa|united states( of america)?)$/i.test(r.country.trim())) lines.push(r.country.toUpperCase());
  return lines.filter((l) => l.trim() !== '');
}
