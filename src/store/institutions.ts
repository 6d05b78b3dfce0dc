import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.ts';
import { InputError } from '../domain/types.ts';
import { ipKey, parseRange } from '../domain/ip-ranges.ts';

// Institutions (law libraries, universities, prison law libraries) read premium articles by
// address range, without personal logins, and get a monthly usage count.
// Ranges are stored as first/last keys (32 hex digits, IPv4 mapped into IPv6; see
// domain/ip-ranges.ts), so a lookup is two string comparisons on an index.

export interface InstitutionRange {
  id: number;
  first: string;
  last: string;
  label: string;
}

export interface Institution {
  id: number;
  name: string;
  note: string | null;
  active: boolean;
  createdAt: string;
}

export interface InstitutionListing extends Institution {
  /** Ordered by first address. */
  ranges: InstitutionRange[];
  /** Views counted in the current calendar month (UTC). */
  viewsThisMonth: number;
}

export interface UsageRow {
  /** 'YYYY-MM' (UTC). */
  period: string;
  views: number;
}

/** The widest range parseRange accepts contains at most 2^112 addresses (an IPv6 /16; IPv4 is 2^24). */
const WIDEST_IPV4 = 1n << 24n;
const WIDEST_IPV6 = 1n << 112n;
const MAPPED_FIRST = 0xffffn << 32n;
const MAPPED_LAST = MAPPED_FIRST + 0xffffffffn;

/** The calendar month of an instant, in UTC: '2025-03'. */
export function usagePeriod(now: Date = new Date()): string {
  return now.toISOString().slice(0, 7);
}

function toInstitution(row: { id: number; name: string; note: string | null; active: number; created_at: string }): Institution {
  return { id: row.id, name: row.name, note: row.note, active: Number(row.active) === 1, createdAt: row.created_at };
}

async function requireInstitution(db: Kysely<DB>, id: number): Promise<Institution> {
  const row = Number.isSafeInteger(id) ? await db.selectFrom('institutions').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw new InputError(`no institution with id ${id}`);
  return toInstitution(row);
}

export async function findInstitution(db: Kysely<DB>, id: number): Promise<Institution | null> {
  if (!Number.isSafeInteger(id)) return null;
  const row = await db.selectFrom('institutions').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toInstitution(row) : null;
}

export async function createInstitution(db: Kysely<DB>, name: string, note?: string | null): Promise<Institution> {
  const clean = name.trim().replace(/\s+/g, ' ');
  if (clean === '') throw new InputError('an institution needs a name');
  if (clean.length > 200) throw new InputError('an institution name may be at most 200 characters');
  const row = await db.insertInto('institutions')
    .values({ name: clean, note: note?.trim() || null, created_at: new Date().toISOString() })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toInstitution(row);
}

/**
 * Adds an address range (anything parseRange accepts) to an institution. Adding a range the
 * institution already has is a no-op that returns the existing range (added: false).
 * Throws InputError for a bad range or an unknown institution.
 */
export async function addRange(db: Kysely<DB>, institutionId: number, input: string): Promise<InstitutionRange & { added: boolean }> {
  const range = parseRange(input);
  await requireInstitution(db, institutionId);
  const existing = await db.selectFrom('institution_ranges').select(['id', 'first_ip', 'last_ip', 'label'])
    .where('institution_id', '=', institutionId).where('first_ip', '=', range.first).where('last_ip', '=', range.last)
    .executeTakeFirst();
  if (existing) return { id: existing.id, first: existing.first_ip, last: existing.last_ip, label: existing.label, added: false };
  const row = await db.insertInto('institution_ranges')
    .values({ institution_id: institutionId, first_ip: range.first, last_ip: range.last, label: range.label })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, ...range, added: true };
}

/** Removes a range (given as any text parseRange accepts for it) from an institution; false when it had no such range. */
export async function removeRange(db: Kysely<DB>, institutionId: number, input: string): Promise<boolean> {
  const range = parseRange(input);
  const r = await db.deleteFrom('institution_ranges')
    .where('institution_id', '=', institutionId).where('first_ip', '=', range.first).where('last_ip', '=', range.last)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Every institution, active or not, with its ranges and this month's views. Three queries. */
export async function listInstitutions(db: Kysely<DB>, now: Date = new Date()): Promise<InstitutionListing[]> {
  const rows = await db.selectFrom('institutions').selectAll().orderBy('name').orderBy('id').execute();
  const ranges = await db.selectFrom('institution_ranges').select(['id', 'institution_id', 'first_ip', 'last_ip', 'label'])
    .orderBy('first_ip').orderBy('last_ip').execute();
  const usage = await db.selectFrom('institution_usage').select(['institution_id', 'views'])
    .where('period', '=', usagePeriod(now)).execute();
  const byInstitution = new Map<number, InstitutionRange[]>();
  for (const r of ranges) {
    let list = byInstitution.get(r.institution_id);
    if (!list) byInstitution.set(r.institution_id, (list = []));
    list.push({ id: r.id, first: r.first_ip, last: r.last_ip, label: r.label });
  }
  const views = new Map(usage.map((u) => [u.institution_id, Number(u.views)]));
  return rows.map((row) => ({ ...toInstitution(row), ranges: byInstitution.get(row.id) ?? [], viewsThisMonth: views.get(row.id) ?? 0 }));
}

/**
 * The active institution whose ranges contain a request's address (Fastify's req.ip), or null.
 * When ranges of several institutions contain it, the narrowest range wins (a department's /28
 * inside a university's /16 is the department's).
 *
 * One query on the (first_ip, last_ip) index. The scan is bounded below by the widest range that
 * can contain the address (2^24 addresses for IPv4, 2^112 for IPv6), so it reads only the ranges
 * that start near the address, not every range that starts before it.
 */
export async function institutionForIp(db: Kysely<DB>, ip: string): Promise<{ id: number; name: string } | null> {
  const key = ipKey(ip);
  if (key === null) return null;
  const value = BigInt(`0x${key}`);
  const widest = value >= MAPPED_FIRST && value <= MAPPED_LAST ? WIDEST_IPV4 : WIDEST_IPV6;
  const lowest = value - widest + 1n;
  const floor = (lowest > 0n ? lowest : 0n).toString(16).padStart(32, '0');
  const rows = await db.selectFrom('institution_ranges as r')
    .innerJoin('institutions as i', 'i.id', 'r.institution_id')
    .select(['i.id', 'i.name', 'r.first_ip', 'r.last_ip'])
    .where('r.first_ip', '>=', floor)
    .where('r.first_ip', '<=', key)
    .where('r.last_ip', '>=', key)
    .where('i.active', '=', 1)
    .execute();
  let best: { id: number; name: string; width: bigint; first: string } | null = null;
  for (const r of rows) {
    const width = BigInt(`0x${r.last_ip}`) - BigInt(`0x${r.first_ip}`);
    // Narrowest first; between equally narrow ranges, the later start, then the lower id, so the answer is stable.
    if (!best || width < best.width || (width === best.width && (r.first_ip > best.first || (r.first_ip === best.first && r.id < best.id)))) {
      best = { id: r.id, name: r.name, width, first: r.first_ip };
    }
  }
  return best ? { id: best.id, name: best.name } : null;
}

/** Counts one view of a premium article by an institution, in this month's row. Atomic on both databases. */
export async function recordInstitutionView(db: Kysely<DB>, institutionId: number, now: Date = new Date()): Promise<void> {
  await db.insertInto('institution_usage')
    .values({ institution_id: institutionId, period: usagePeriod(now), views: 1 })
    .onConflict((oc) => oc.columns(['institution_id', 'period']).doUpdateSet({ views: sql`institution_usage.views + 1` }))
    .execute();
}

/**
 * Views per month for the last `months` calendar months (UTC) up to and including the current
 * one, oldest first, months without views included as 0.
 */
export async function usageReport(db: Kysely<DB>, institutionId: number, months = 12, now: Date = new Date()): Promise<UsageRow[]> {
  if (!Number.isInteger(months) || months < 1 || months > 1200) throw new InputError(`months must be a whole number from 1 to 1200, got ${months}`);
  const periods: string[] = [];
  for (let i = months - 1; i >= 0; i--) {
    periods.push(usagePeriod(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1))));
  }
  const rows = await db.selectFrom('institution_usage').select(['period', 'views'])
    .where('institution_id', '=', institutionId)
    .where('period', '>=', periods[0])
    .where('period', '<=', periods[periods.length - 1])
    .execute();
  const views = new Map(rows.map((r) => [r.period, Number(r.views)]));
  return periods.map((period) => ({ period, views: views.get(period) ?? 0 }));
}

/** Stops an institution's access at once (its ranges and usage are kept). False when there is no such institution. */
export async function deactivateInstitution(db: Kysely<DB>, institutionId: number): Promise<boolean> {
  const r = await db.updateTable('institutions').set({ active: 0 }).where('id', '=', institutionId).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Restores a deactivated institution's access. False when there is no such institution. */
export async function activateInstitution(db: Kysely<DB>, institutionId: number): Promise<boolean> {
  const r = await db.updateTable('institutions').set({ active: 1 }).where('id', '=', institutionId).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
