import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { Kysely } from 'kysely';
import type { DB, Plan, RateClass } from './schema.ts';
import { InputError } from '../domain/types.ts';
import { isPlausibleEmail, normalizeEmail, updateUser } from './users.ts';
import {
  EMPTY_PROFILE, FIELD_MAX, NO_EMAIL_DOMAIN, PLANS, RATE_CLASSES, cleanText, isPlaceholderEmail, lastDay, parseDay, placeholderEmail,
  type Profile,
} from './office-subscribers.ts';

// Subscribers as CSV, in and out. Export: one row per reader account (staff are left out), with
// the subscription that ends last. Import: all or nothing. Every row is checked first; any
// problem names its line and nothing is written; then the whole file is applied in the caller's
// transaction. Importing a file twice changes nothing the second time, and an export imported
// into an empty archive exports the same file again.

export const CSV_COLUMNS = [
  'email', 'name', 'rate_class', 'plan', 'starts_on', 'ends_on', 'prisoner_number', 'facility',
  'address_line1', 'address_line2', 'city', 'state', 'postal_code', 'country', 'notes',
] as const;
type Column = (typeof CSV_COLUMNS)[number];

const PROFILE_COLUMN: Partial<Record<Column, keyof Profile>> = {
  prisoner_number: 'prisonerNumber', facility: 'facility', address_line1: 'addressLine1', address_line2: 'addressLine2',
  city: 'city', state: 'state', postal_code: 'postalCode', country: 'country', notes: 'notes',
};

export const MAX_CSV_BYTES = 5 * 1024 * 1024;
export const MAX_CSV_ROWS = 50_000;
const MAX_ERRORS = 25;

/** Spreadsheets run cells that start like a formula: such cells are written with a leading apostrophe. */
const FORMULA_START = /^[=+\-@\t\r]/;

function cell(v: string | null | undefined): string {
  const s = v ?? '';
  return FORMULA_START.test(s) ? `'${s}` : s;
}

function uncell(s: string): string {
  return s.startsWith("'") && FORMULA_START.test(s.slice(1)) ? s.slice(1) : s;
}

/** Every reader account as CSV (a header line, then one line per reader, by e-mail address). */
export async function exportSubscribersCsv(db: Kysely<DB>): Promise<{ csv: string; rows: number }> {
  const users = await db.selectFrom('users').leftJoin('subscriber_profiles as p', 'p.user_id', 'users.id')
    .select(['users.id', 'users.email', 'users.name', 'users.rate_class', 'p.notes', 'p.prisoner_number', 'p.facility', 'p.address_line1', 'p.address_line2', 'p.city', 'p.state', 'p.postal_code', 'p.country'])
    .where('users.role', '=', 'reader').orderBy('users.email').execute();
  const ents = await db.selectFrom('entitlements').innerJoin('users', 'users.id', 'entitlements.user_id')
    .select(['entitlements.user_id', 'entitlements.plan', 'entitlements.starts_at', 'entitlements.ends_at'])
    .where('users.role', '=', 'reader').where('entitlements.revoked_at', 'is', null).execute();
  const last = new Map<number, { plan: Plan; starts_at: string; ends_at: string }>();
  for (const e of ents) {
    const cur = last.get(e.user_id);
    if (!cur || e.ends_at > cur.ends_at || (e.ends_at === cur.ends_at && e.plan > cur.plan)) last.set(e.user_id, e);
  }
  const records = users.map((u) => {
    const e = last.get(u.id);
    const row: Record<Column, string> = {
      email: isPlaceholderEmail(u.email) ? '' : u.email,
      name: cell(u.name), rate_class: u.rate_class ?? '', plan: e?.plan ?? '',
      starts_on: e ? e.starts_at.slice(0, 10) : '', ends_on: e ? lastDay(e.ends_at) : '',
      prisoner_number: cell(u.prisoner_number), facility: cell(u.facility), address_line1: cell(u.address_line1), address_line2: cell(u.address_line2),
      city: cell(u.city), state: cell(u.state), postal_code: cell(u.postal_code), country: cell(u.country), notes: cell(u.notes),
    };
    return CSV_COLUMNS.map((c) => row[c]);
  });
  return { csv: stringify([[...CSV_COLUMNS], ...records], { record_delimiter: '\r\n' }), rows: records.length };
}

/** A file that cannot be imported: every problem found, each naming its line. */
export class CsvImportError extends Error {
  constructor(readonly problems: { line: number | null; message: string }[], readonly more = 0) {
    super(problems.map((p) => (p.line ? `line ${p.line}: ${p.message}` : p.message)).join('\n'));
    this.name = 'CsvImportError';
  }
}

interface ParsedRow {
  line: number;
  email: string;
  name: string | null;
  /** The name cell was empty and empty cells clear (see parseSubscribersCsv). */
  clearName: boolean;
  rateClass: RateClass | null;
  plan: Plan | null;
  startsAt: string | null;
  endsAt: string | null;
  /** Values to store; null clears one (only when empty cells clear). */
  profile: Partial<Profile>;
}

export interface CsvImportOptions {
  /**
   * Empty cells clear what is stored, for the columns the file has (name and the profile's
   * fields; never the e-mail, rate class or subscriptions). Otherwise they leave it as it is.
   */
  emptyClears?: boolean;
}

export interface ImportResult {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  granted: number;
  /** Accounts created or changed, for the audit log. */
  userIds: number[];
}

function headerName(h: string): string {
  return h.replace(/^\uFEFF/, '').trim().toLowerCase().replace(/[\s-]+/g, '_');
}

/** Reads and checks a CSV file without touching the database. Throws CsvImportError naming every bad line (up to a limit). */
export function parseSubscribersCsv(content: Buffer | string, opts: CsvImportOptions = {}): ParsedRow[] {
  const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  if (buf.length === 0) throw new CsvImportError([{ line: null, message: 'the file is empty' }]);
  if (buf.length > MAX_CSV_BYTES) throw new CsvImportError([{ line: null, message: `the file is larger than ${MAX_CSV_BYTES / 1048576} MB` }]);
  if (buf.includes(0)) throw new CsvImportError([{ line: null, message: 'the file holds binary data, not CSV text (is it a spreadsheet file? save it as CSV)' }]);
  const text = buf.toString('utf8');
  if (text.includes('\uFFFD')) throw new CsvImportError([{ line: null, message: 'the file is not UTF-8 text (save it as “CSV UTF-8”)' }]);

  let records: { record: string[]; raw: string; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, info: true, raw: true, skip_empty_lines: true, relax_column_count: true, max_record_size: 64 * 1024 }) as never;
  } catch (err) {
    const e = err as Error & { lines?: number; code?: string };
    const msg = e.code === 'CSV_QUOTE_NOT_CLOSED' ? 'a quoted value is never closed (a " without its partner)'
      : e.code === 'CSV_INVALID_CLOSING_QUOTE' ? 'a quote in the middle of a value (write "" for a quote inside a quoted value)'
      : e.message.replace(/^[^:]*:\s*/, '');
    throw new CsvImportError([{ line: e.lines ?? null, message: msg }]);
  }
  if (records.length === 0) throw new CsvImportError([{ line: null, message: 'the file is empty' }]);
  const startLine = (r: { raw: string; info: { lines: number } }) => r.info.lines - (r.raw.replace(/^(\r?\n)+/, '').replace(/\r?\n$/, '').match(/\n/g)?.length ?? 0);

  const header = records[0].record.map(headerName);
  const problems: { line: number | null; message: string }[] = [];
  const known = new Set<string>(CSV_COLUMNS);
  const unknown = header.filter((h) => !known.has(h));
  if (unknown.length) problems.push({ line: 1, message: `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `“${u}”`).join(', ')} (the columns are: ${CSV_COLUMNS.join(', ')})` });
  const dup = header.filter((h, i) => header.indexOf(h) !== i);
  if (dup.length) problems.push({ line: 1, message: `the column “${dup[0]}” appears twice` });
  if (!header.includes('email')) problems.push({ line: 1, message: 'there is no “email” column (the first line must name the columns)' });
  if (problems.length) throw new CsvImportError(problems);
  if (records.length - 1 > MAX_CSV_ROWS) throw new CsvImportError([{ line: null, message: `the file has ${records.length - 1} rows; import at most ${MAX_CSV_ROWS} at a time` }]);

  const out: ParsedRow[] = [];
  const seen = new Map<string, number>();
  let more = 0;
  const today = new Date().toISOString().slice(0, 10);
  for (const r of records.slice(1)) {
    const line = startLine(r);
    const fail = (message: string) => {
      if (problems.length < MAX_ERRORS) problems.push({ line, message });
      else more++;
    };
    if (r.record.length !== header.length) {
      fail(`${r.record.length} value${r.record.length === 1 ? '' : 's'} where the header has ${header.length} columns`);
      continue;
    }
    const v: Partial<Record<Column, string>> = {};
    header.forEach((h, i) => {
      v[h as Column] = uncell(r.record[i] ?? '');
    });
    if (Object.values(v).every((x) => !x?.trim())) continue;
    try {
      const profile: Partial<Profile> = {};
      for (const [col, field] of Object.entries(PROFILE_COLUMN) as [Column, keyof Profile][]) {
        if (v[col] === undefined) continue;
        const val = cleanText(v[col], FIELD_MAX[field], col, field === 'notes');
        if (val !== null || opts.emptyClears) profile[field] = val;
      }
      let email = (v.email ?? '').trim();
      if (email) {
        email = normalizeEmail(email);
        if (!isPlausibleEmail(email)) throw new InputError(`“${v.email}” is not an e-mail address`);
        if (email.endsWith(`@${NO_EMAIL_DOMAIN}`)) throw new InputError(`addresses at ${NO_EMAIL_DOMAIN} are made by the import itself; leave the e-mail empty instead`);
      } else {
        if (!profile.prisonerNumber) throw new InputError('no e-mail address and no prisoner number: one of them is needed to know who this is');
        email = placeholderEmail(profile.prisonerNumber, profile.facility ?? null);
      }
      const prev = seen.get(email);
      if (prev !== undefined) throw new InputError(`the same reader as on line ${prev} (${email.endsWith(NO_EMAIL_DOMAIN) ? `prisoner number ${profile.prisonerNumber}` : email})`);
      seen.set(email, line);
      const name = cleanText(v.name, FIELD_MAX.name, 'name');
      const rc = (v.rate_class ?? '').trim().toLowerCase();
      if (rc && !(RATE_CLASSES as string[]).includes(rc)) throw new InputError(`rate_class “${v.rate_class}” is not one of ${RATE_CLASSES.join(', ')}`);
      const planText = (v.plan ?? '').trim().toLowerCase();
      if (planText && !(PLANS as string[]).includes(planText)) throw new InputError(`plan “${v.plan}” is not one of ${PLANS.join(', ')}`);
      const endsText = (v.ends_on ?? '').trim();
      const startsText = (v.starts_on ?? '').trim();
      let startsAt: string | null = null;
      let endsAt: string | null = null;
      if (planText && !endsText) throw new InputError('a plan needs an ends_on date (the last day of access)');
      if (!planText && (endsText || startsText)) throw new InputError('dates without a plan: give the plan (digital or print-digital)');
      if (planText) {
        const end = parseDay(endsText, 'ends_on');
        endsAt = new Date(end.getTime() + 86400_000).toISOString();
        const start = startsText ? parseDay(startsText, 'starts_on') : parseDay(endsText < today ? endsText : today, 'starts_on');
        if (start.getTime() > end.getTime()) throw new InputError(`starts_on ${startsText} is after ends_on ${endsText}`);
        startsAt = start.toISOString();
      }
      out.push({ line, email, name, clearName: name === null && opts.emptyClears === true && v.name !== undefined, rateClass: (rc || null) as RateClass | null, plan: (planText || null) as Plan | null, startsAt, endsAt, profile });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      fail(err.message);
    }
  }
  if (problems.length) throw new CsvImportError(problems, more);
  return out;
}

const CHUNK = 500;

function chunks<T>(xs: T[], n = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

type ProfileRow = Omit<DB['subscriber_profiles'], 'user_id' | 'updated_at'>;

function profileRow(p: Profile): ProfileRow {
  return {
    notes: p.notes, prisoner_number: p.prisonerNumber, facility: p.facility, address_line1: p.addressLine1, address_line2: p.addressLine2,
    city: p.city, state: p.state, postal_code: p.postalCode, country: p.country,
  };
}

function profileOf(r: ProfileRow | undefined): Profile {
  if (!r) return { ...EMPTY_PROFILE };
  return {
    notes: r.notes, prisonerNumber: r.prisoner_number, facility: r.facility, addressLine1: r.address_line1, addressLine2: r.address_line2,
    city: r.city, state: r.state, postalCode: r.postal_code, country: r.country,
  };
}

/**
 * Applies checked rows in the caller's transaction: accounts are created or updated (empty
 * cells leave a value as it is, or clear it when parsed with emptyClears), and a subscription is granted (source "import") unless one of
 * the same plan already reaches that day. Works in batches of CHUNK rows: a few statements per
 * batch, not per row.
 */
export async function applySubscriberRows(db: Kysely<DB>, rows: ParsedRow[]): Promise<ImportResult> {
  const result: ImportResult = { rows: rows.length, created: 0, updated: 0, unchanged: 0, granted: 0, userIds: [] };
  const now = new Date().toISOString();
  for (const batch of chunks(rows)) {
    const emails = batch.map((r) => r.email);
    const users = new Map((await db.selectFrom('users').select(['id', 'email', 'name', 'rate_class']).where('email', 'in', emails).execute()).map((u) => [u.email, u]));
    const fresh = batch.filter((r) => !users.has(r.email));
    if (fresh.length) {
      const made = await db.insertInto('users').values(fresh.map((r) => ({
        email: r.email, name: r.name, password_hash: null, role: 'reader' as const, rate_class: r.rateClass, email_verified_at: null, created_at: now, updated_at: now,
      }))).returning(['id', 'email', 'name', 'rate_class']).execute();
      for (const u of made) users.set(u.email, u);
      const placeholders = fresh.filter((r) => isPlaceholderEmail(r.email)).map((r) => ({ address: r.email, reason: 'no e-mail address (print reader)', created_at: now }));
      if (placeholders.length) await db.insertInto('mail_suppressions').values(placeholders).onConflict((oc) => oc.column('address').doNothing()).execute();
    }
    const ids = batch.map((r) => users.get(r.email)!.id);
    const profiles = new Map((await db.selectFrom('subscriber_profiles').selectAll().where('user_id', 'in', ids).execute()).map((p) => [p.user_id, p]));
    const reach = new Map<string, string>();
    for (const e of await db.selectFrom('entitlements').select(['user_id', 'plan', (eb) => eb.fn.max('ends_at').as('ends')])
      .where('user_id', 'in', ids).where('revoked_at', 'is', null).groupBy(['user_id', 'plan']).execute()) {
      reach.set(`${e.user_id} ${e.plan}`, String(e.ends));
    }
    const profileWrites: (ProfileRow & { user_id: number; updated_at: string })[] = [];
    const grants: { user_id: number; plan: Plan; starts_at: string; ends_at: string; source: 'import'; note: string; external_ref: null; created_at: string; revoked_at: null }[] = [];
    const isNewBatch = new Set(fresh.map((r) => r.email));
    for (const r of batch) {
      const user = users.get(r.email)!;
      const isNew = isNewBatch.has(r.email);
      let changed = isNew;
      if (!isNew) {
        const set: { name?: string | null; rate_class?: RateClass } = {};
        if (r.name !== null && r.name !== user.name) set.name = r.name;
        if (r.clearName && user.name !== null) set.name = null;
        if (r.rateClass !== null && r.rateClass !== user.rate_class) set.rate_class = r.rateClass;
        if (Object.keys(set).length) {
          await updateUser(db, user.id, set);
          changed = true;
        }
      }
      const stored = profiles.get(user.id);
      const before = profileOf(stored);
      const merged: Profile = { ...EMPTY_PROFILE, ...before, ...r.profile };
      const profileChanged = (Object.keys(merged) as (keyof Profile)[]).some((k) => merged[k] !== before[k]);
      if (profileChanged || (!stored && Object.keys(r.profile).length)) {
        profileWrites.push({ user_id: user.id, ...profileRow(merged), updated_at: now });
        if (profileChanged) changed = true;
      }
      if (r.plan && r.endsAt && r.startsAt) {
        const key = `${user.id} ${r.plan}`;
        const has = reach.get(key);
        if (!has || has < r.endsAt) {
          grants.push({ user_id: user.id, plan: r.plan, starts_at: r.startsAt, ends_at: r.endsAt, source: 'import', note: 'CSV import', external_ref: null, created_at: now, revoked_at: null });
          reach.set(key, r.endsAt);
          result.granted++;
          changed = true;
        }
      }
      if (isNew) result.created++;
      else if (changed) result.updated++;
      else result.unchanged++;
      if (changed) result.userIds.push(user.id);
    }
    if (profileWrites.length) {
      await db.insertInto('subscriber_profiles').values(profileWrites).onConflict((oc) => oc.column('user_id').doUpdateSet((eb) => ({
        notes: eb.ref('excluded.notes'), prisoner_number: eb.ref('excluded.prisoner_number'), facility: eb.ref('excluded.facility'),
        address_line1: eb.ref('excluded.address_line1'), address_line2: eb.ref('excluded.address_line2'), city: eb.ref('excluded.city'),
        state: eb.ref('excluded.state'), postal_code: eb.ref('excluded.postal_code'), country: eb.ref('excluded.country'), updated_at: eb.ref('excluded.updated_at'),
      }))).execute();
    }
    if (grants.length) await db.insertInto('entitlements').values(grants).execute();
  }
  return result;
}

/** Checks, then applies, a CSV file. Throws CsvImportError (nothing written by it) for a bad file. */
export async function importSubscribersCsv(db: Kysely<DB>, content: Buffer | string): Promise<ImportResult> {
  return applySubscriberRows(db, parseSubscribersCsv(content));
}
