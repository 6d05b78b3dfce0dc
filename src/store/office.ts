import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.ts';
import type { Store } from './db.ts';
import { InputError } from '../domain/types.ts';
import type { TocEntry } from './office-toc.ts';

// The office's queries: print issues as the office manages them (every issue, with or without
// visible articles, its files and its table of contents), and the dashboard's figures.

// ---------------------------------------------------------------- issues

export interface AdminIssue {
  id: number;
  publicationId: number;
  year: number;
  month: number;
  volume: number | null;
  number: number | null;
  pageCount: number | null;
  title: string | null;
  pdfFileId: number | null;
  coverFileId: number | null;
  /** Articles assigned to the issue, in any state. */
  articleCount: number;
}

export interface IssueFields {
  volume: number | null;
  number: number | null;
  pageCount: number | null;
  title: string | null;
}

function toAdminIssue(r: {
  id: number; publication_id: number; year: number; month: number; volume: number | null; number: number | null; page_count: number | null;
  title: string | null; pdf_file_id: number | null; cover_file_id: number | null; n: number | string | null;
}): AdminIssue {
  return {
    id: r.id, publicationId: r.publication_id, year: r.year, month: r.month, volume: r.volume, number: r.number, pageCount: r.page_count,
    title: r.title, pdfFileId: r.pdf_file_id, coverFileId: r.cover_file_id, articleCount: Number(r.n ?? 0),
  };
}

function adminIssueQuery(db: Kysely<DB>) {
  return db.selectFrom('issues')
    .select((eb) => [
      'issues.id', 'issues.publication_id', 'issues.year', 'issues.month', 'issues.volume', 'issues.number', 'issues.page_count',
      'issues.title', 'issues.pdf_file_id', 'issues.cover_file_id',
      eb.selectFrom('articles').whereRef('articles.issue_id', '=', 'issues.id').select((e) => e.fn.countAll<number>().as('c')).as('n'),
    ]);
}

/** Every issue, newest first, with the number of articles assigned to each. */
export async function listAdminIssues(db: Kysely<DB>): Promise<AdminIssue[]> {
  const rows = await adminIssueQuery(db).orderBy('issues.year', 'desc').orderBy('issues.month', 'desc').orderBy('issues.id').execute();
  return rows.map(toAdminIssue);
}

export async function getAdminIssue(db: Kysely<DB>, id: number): Promise<AdminIssue | null> {
  if (!Number.isSafeInteger(id)) return null;
  const row = await adminIssueQuery(db).where('issues.id', '=', id).executeTakeFirst();
  return row ? toAdminIssue(row) : null;
}

export async function findAdminIssue(db: Kysely<DB>, publicationId: number, year: number, month: number): Promise<AdminIssue | null> {
  const row = await adminIssueQuery(db).where('issues.publication_id', '=', publicationId).where('issues.year', '=', year).where('issues.month', '=', month).executeTakeFirst();
  return row ? toAdminIssue(row) : null;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export function issueName(i: { year: number; month: number }): string {
  return `${MONTHS[i.month - 1]} ${i.year}`;
}

export function issueKey(i: { year: number; month: number }): string {
  return `${i.year}-${String(i.month).padStart(2, '0')}`;
}

/** "2025-03" → {year, month}, or null. */
export function parseIssueKey(s: string): { year: number; month: number } | null {
  const m = /^(\d{4})-(\d{2})$/.exec(s.trim());
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  return month >= 1 && month <= 12 && year >= 1800 && year <= 2200 ? { year, month } : null;
}

/** Creates an issue of the publication. Throws InputError when that month already has one. */
export async function createIssue(db: Kysely<DB>, publicationId: number, i: { year: number; month: number } & IssueFields): Promise<AdminIssue> {
  const existing = await findAdminIssue(db, publicationId, i.year, i.month);
  if (existing) throw new InputError(`There is already an issue for ${issueName(i)}.`);
  const row = await db.insertInto('issues').values({
    publication_id: publicationId, year: i.year, month: i.month, volume: i.volume, number: i.number, page_count: i.pageCount, title: i.title,
    created_at: new Date().toISOString(),
  }).returning('id').executeTakeFirstOrThrow();
  return (await getAdminIssue(db, row.id))!;
}

/** Sets an issue's volume, number, page count and title (its month is fixed: citations point at it). */
export async function updateIssue(db: Kysely<DB>, id: number, f: IssueFields): Promise<void> {
  await db.updateTable('issues').set({ volume: f.volume, number: f.number, page_count: f.pageCount, title: f.title }).where('id', '=', id).execute();
}

/** Attaches a cover image to an issue, deleting the earlier cover's file when nothing else uses it. */
export async function setIssueCover(db: Kysely<DB>, issueId: number, fileId: number): Promise<{ replaced: number | null }> {
  const row = await db.selectFrom('issues').select(['cover_file_id']).where('id', '=', issueId).executeTakeFirst();
  if (!row) throw new InputError('There is no such issue.');
  await db.updateTable('issues').set({ cover_file_id: fileId }).where('id', '=', issueId).execute();
  const replaced = row.cover_file_id ?? null;
  if (replaced !== null && replaced !== fileId) {
    const stillUsed = await db.selectFrom('issues').select('id').where((eb) => eb.or([eb('pdf_file_id', '=', replaced), eb('cover_file_id', '=', replaced)])).executeTakeFirst();
    if (!stillUsed) await db.deleteFrom('files').where('id', '=', replaced).execute();
  }
  return { replaced };
}

/** Every article assigned to the issue, in any state, in page order (articles without a page last). */
export async function issueToc(db: Kysely<DB>, issueId: number): Promise<TocEntry[]> {
  const rows = await db.selectFrom('articles')
    .select(['id', 'title', 'page_first', 'page_last', 'status', 'published_at'])
    .where('issue_id', '=', issueId)
    .execute();
  return rows
    .map((r) => ({ id: r.id, title: r.title, pageFirst: r.page_first, pageLast: r.page_last, status: r.status, publishedAt: r.published_at }))
    .sort((a, b) => (a.pageFirst ?? Infinity) - (b.pageFirst ?? Infinity) || (a.pageLast ?? 0) - (b.pageLast ?? 0) || a.id - b.id);
}

/** When the issue was last published from the admin (its mail queued), from the audit log. */
export async function issuePublished(db: Kysely<DB>, issueId: number): Promise<{ at: string; by: string } | null> {
  const row = await db.selectFrom('audit_log').select(['at', 'user_email'])
    .where('entity', '=', 'issue').where('entity_id', '=', String(issueId)).where('action', '=', 'issue.publish')
    .orderBy('id', 'desc').limit(1).executeTakeFirst();
  return row ? { at: row.at, by: row.user_email } : null;
}

/**
 * The issue the office prepares next: the earliest issue of this month or later; when there is
 * none, the next calendar month (which may have no issue row yet).
 */
export async function nextIssueMonth(db: Kysely<DB>, now: Date = new Date()): Promise<{ year: number; month: number; issue: AdminIssue | null }> {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth() + 1;
  const row = await adminIssueQuery(db)
    .where((eb) => eb.or([eb('issues.year', '>', y), eb.and([eb('issues.year', '=', y), eb('issues.month', '>=', m)])]))
    .orderBy('issues.year').orderBy('issues.month').limit(1).executeTakeFirst();
  if (row) {
    const issue = toAdminIssue(row);
    return { year: issue.year, month: issue.month, issue };
  }
  const next = new Date(Date.UTC(y, m, 1));
  return { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, issue: null };
}

// ---------------------------------------------------------------- dashboard

/** The first instant of each of the last `months` calendar months (UTC), oldest first, ending with this one. */
export function monthStarts(months: number, now: Date = new Date()): Date[] {
  const out: Date[] = [];
  for (let i = months - 1; i >= 0; i--) out.push(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1)));
  return out;
}

export interface SubscriberPoint {
  /** 'YYYY-MM': the count is taken at the end of that month (or now, for this month). */
  month: string;
  digital: number;
  printDigital: number;
}

/**
 * Subscribers by plan at the end of each of the last `months` months (this month: now). A
 * subscriber is someone with an entitlement in force at that instant (a revoked one counts
 * until it was revoked).
 */
export async function subscribersOverTime(db: Kysely<DB>, months = 12, now: Date = new Date()): Promise<SubscriberPoint[]> {
  const starts = monthStarts(months, now);
  const points = starts.map((s, i) => {
    const end = i === starts.length - 1 ? now : new Date(Date.UTC(s.getUTCFullYear(), s.getUTCMonth() + 1, 1) - 1);
    return { month: s.toISOString().slice(0, 7), at: end.toISOString() };
  });
  const counts = await Promise.all(points.map((p) => db.selectFrom('entitlements')
    .select(['plan', sql<number>`count(distinct user_id)`.as('n')])
    .where('starts_at', '<=', p.at).where('ends_at', '>', p.at)
    .where((eb) => eb.or([eb('revoked_at', 'is', null), eb('revoked_at', '>', p.at)]))
    .groupBy('plan').execute()));
  return points.map((p, i) => ({
    month: p.month,
    digital: Number(counts[i].find((c) => c.plan === 'digital')?.n ?? 0),
    printDigital: Number(counts[i].find((c) => c.plan === 'print-digital')?.n ?? 0),
  }));
}

/** Articles published (and visible by now) in each of the last `months` months, oldest first. */
export async function articlesPerMonth(db: Kysely<DB>, months = 12, now: Date = new Date()): Promise<{ month: string; articles: number }[]> {
  const starts = monthStarts(months, now);
  const from = starts[0].toISOString();
  const rows = await db.selectFrom('articles')
    .select([sql<string>`substr(published_at, 1, 7)`.as('month'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', '!=', 'draft').where('published_at', '>=', from).where('published_at', '<=', now.toISOString())
    .groupBy(sql`substr(published_at, 1, 7)`)
    .execute();
  const by = new Map(rows.map((r) => [r.month, Number(r.n)]));
  return starts.map((s) => {
    const month = s.toISOString().slice(0, 7);
    return { month, articles: by.get(month) ?? 0 };
  });
}

export interface MostRead {
  id: number;
  slug: string;
  title: string;
  access: 'free' | 'premium';
  views: number;
}

/** The most-read visible articles over the last `days` days (today included). */
export async function mostReadArticles(db: Kysely<DB>, days = 30, limit = 10, now: Date = new Date()): Promise<MostRead[]> {
  const from = new Date(now.getTime() - (days - 1) * 86400_000).toISOString().slice(0, 10);
  const rows = await db.selectFrom('article_views')
    .innerJoin('articles', 'articles.id', 'article_views.article_id')
    .select(['articles.id', 'articles.slug', 'articles.title', 'articles.access', sql<number>`sum(article_views.views)`.as('views')])
    .where('article_views.day', '>=', from)
    .where('articles.status', '!=', 'draft').where('articles.published_at', '<=', now.toISOString())
    .groupBy(['articles.id', 'articles.slug', 'articles.title', 'articles.access'])
    .orderBy('views', 'desc').orderBy('articles.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, views: Number(r.views) }));
}

async function tableExists(store: Store, name: string): Promise<boolean> {
  if (store.dialect === 'postgres') {
    const r = await sql<{ t: string | null }>`select to_regclass(${name})::text as t`.execute(store.db);
    return r.rows[0]?.t != null;
  }
  const r = await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = ${name}`.execute(store.db);
  return Number(r.rows[0]?.n ?? 0) > 0;
}

/** The most frequent searches that found nothing (search_misses, kept by search), or null when that table does not exist. */
export async function searchMisses(store: Store, limit = 20): Promise<{ query: string; count: number; lastAt: string }[] | null> {
  if (!(await tableExists(store, 'search_misses'))) return null;
  const rows = await store.db.selectFrom('search_misses').select(['query', 'count', 'last_at'])
    .orderBy('count', 'desc').orderBy('last_at', 'desc').limit(limit).execute();
  return rows.map((r) => ({ query: r.query, count: Number(r.count), lastAt: r.last_at }));
}
