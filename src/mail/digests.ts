import { sql, type Kysely } from 'kysely';
import type { DB } from '../store/schema.ts';
import type { Store } from '../store/db.ts';
import type { SearchQuery } from '../search/types.ts';
import { ANONYMOUS } from '../domain/access.ts';
import { getArticle, issueArticles } from '../store/articles.ts';
import { searchArchive } from '../search/index.ts';
import { presentArticle, presentSummary, type ArticleSummaryView } from '../present/article.ts';
import { periodKey, toFollow, type Follow, type SavedQuery } from '../store/follows.ts';
import { enqueueMail, storeContent } from './queue.ts';
import type { DigestPayload, IssuePayload, MailItem } from './templates.tsx';

// What goes into the queue: digests of new articles for follows, and the issue mail.
//
// Digests. A follow's digest lists articles that became visible after the follow was made and
// that it has not mailed before (follow_sent). Candidates come from searchArchive (what /search
// shows for the saved query) for an ANONYMOUS reader, published after the follow's last run minus LOOKBACK_MS (an article imported
// today with this morning's date still counts); their content comes from the presenter for an
// anonymous reader: titles, deks, teasers and links, never premium text, even for subscribers
// (mail gets forwarded). Each follow is advanced with a compare-and-set on its cursor, in the
// same transaction that queues its mail and records what it mailed, so instances running digests
// at the same time queue each digest once; the queue's idempotency key
// (digest:<follow>:<period>) makes doubly sure.

export const MAX_DIGEST_ITEMS = 20;
/** Candidates per run: the search's largest page. */
const CANDIDATES = 50;
const LOOKBACK_MS = 3 * 86400_000;

/** Newest first: the slugs of visible articles matching a query, for an anonymous reader. */
export type FollowSearch = (store: Store, query: SearchQuery, now: string) => Promise<string[]>;

/** The archive's search (the same as /search shows), as an anonymous reader. */
export const archiveSearch: FollowSearch = async (store, query, now) => {
  const r = await searchArchive(store, query, ANONYMOUS, now);
  return r.hits.map((h) => h.slug);
};

export function searchPath(q: SavedQuery): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) params.set(k, String(v));
  params.set('sort', 'date');
  return `/search?${params.toString()}`;
}

function mailItem(v: ArticleSummaryView): MailItem {
  return {
    title: v.title, dek: v.dek, url: v.url, teaserText: v.teaserText, teaserHtml: v.teaserHtml, citation: v.citation,
    publishedAt: v.publishedAt, access: v.access, pages: v.pages,
  };
}

async function siteName(db: Kysely<DB>): Promise<string> {
  const pub = await db.selectFrom('publications').select('name').orderBy('id').limit(1).executeTakeFirst();
  return pub?.name ?? 'Masthead';
}

/** When the archive last changed in a way a follow could notice (a save, or a scheduled article going live). */
async function lastChange(db: Kysely<DB>, now: string): Promise<string> {
  const r = await db.selectFrom('articles')
    .select([
      (eb) => eb.fn.max('updated_at').as('updated'),
      (eb) => eb.fn.max(sql<string>`case when published_at <= ${now} then published_at end`).as('published'),
    ])
    .executeTakeFirst();
  return [r?.updated ?? '', r?.published ?? ''].sort().at(-1) ?? '';
}

export interface DigestRun {
  /** Follows looked at. */
  checked: number;
  /** Digests queued. */
  queued: number;
  /** Follows that could not be looked at this time. */
  failed: { followId: number; error: string }[];
}

export interface DigestOptions {
  digestHour?: number;
  now?: Date;
  search?: FollowSearch;
}

/** One pass over the follows that are due: queues their digests. Safe to run on several instances at once. */
export async function runDigests(store: Store, opts: DigestOptions = {}): Promise<DigestRun> {
  const db = store.db;
  const nowDate = opts.now ?? new Date();
  const now = nowDate.toISOString();
  const day = periodKey('daily', nowDate, opts.digestHour);
  const week = periodKey('weekly', nowDate, opts.digestHour);
  const search = opts.search ?? archiveSearch;
  const changed = await lastChange(db, now);
  const name = await siteName(db);
  const run: DigestRun = { checked: 0, queued: 0, failed: [] };
  let after = 0;
  for (;;) {
    const rows = await db.selectFrom('follows')
      .innerJoin('users', 'users.id', 'follows.user_id')
      .selectAll('follows')
      .select('users.email')
      .where('follows.id', '>', after)
      .where((eb) => eb.or([
        eb('follows.frequency', '=', 'immediately'),
        eb.and([eb('follows.frequency', '=', 'daily'), eb('follows.last_period', '!=', day)]),
        eb.and([eb('follows.frequency', '=', 'weekly'), eb('follows.last_period', '!=', week)]),
      ]))
      .orderBy('follows.id')
      .limit(500)
      .execute();
    if (!rows.length) break;
    after = rows[rows.length - 1].id;
    for (const row of rows) {
      const f = toFollow(row);
      run.checked++;
      // Nothing saved or published since this follow last looked: nothing new for it.
      const quiet = changed <= f.cursorAt;
      if (quiet && f.frequency === 'immediately') continue;
      const period = f.frequency === 'daily' ? day : f.frequency === 'weekly' ? week : now;
      try {
        const items = quiet ? [] : await newArticles(store, f, now, search);
        if (await queueDigest(db, f, row.email, { period, now, items, siteName: name })) run.queued++;
      } catch (err) {
        // One follow that cannot be searched (or a database hiccup) does not stop the others; it is tried again next run.
        run.failed.push({ followId: f.id, error: (err as Error).message });
      }
    }
  }
  return run;
}

/** Articles new to this follow, newest first, as an anonymous reader sees them. */
export async function newArticles(store: Store, f: Follow, now: string, search: FollowSearch = archiveSearch): Promise<{ id: number; view: ArticleSummaryView }[]> {
  const since = new Date(Date.parse(f.cursorAt) - LOOKBACK_MS).toISOString();
  const slugs = await search(store, { ...f.query, publishedAfter: since, sort: 'date', page: 1, perPage: CANDIDATES, facets: false }, now);
  if (!slugs.length) return [];
  const db = store.db;
  const rows = await db.selectFrom('articles')
    .leftJoin('follow_sent', (j) => j.onRef('follow_sent.article_id', '=', 'articles.id').on('follow_sent.follow_id', '=', f.id))
    .select(['articles.id', 'articles.slug', 'articles.created_at', 'articles.published_at', 'follow_sent.article_id as sent'])
    .where('articles.slug', 'in', slugs)
    .execute();
  const fresh = new Map(rows
    // Visible since after the follow was made (published, or imported with an earlier date), and not mailed yet.
    .filter((r) => r.sent === null && r.published_at !== null && (r.published_at > f.createdAt || r.created_at > f.createdAt))
    .map((r) => [r.slug, r.id]));
  const out: { id: number; view: ArticleSummaryView }[] = [];
  for (const slug of slugs) {
    const id = fresh.get(slug);
    if (id === undefined) continue;
    const record = await getArticle(db, slug, { now });
    if (!record) continue;
    // The presenter, for an anonymous reader: the body is gone before anything is built from it.
    out.push({ id, view: presentArticle(record, ANONYMOUS) });
  }
  return out;
}

/**
 * Advances a follow to `now` and queues its digest (when there is anything new), in one
 * transaction. False when there was nothing to send or another instance did it first.
 */
export async function queueDigest(db: Kysely<DB>, f: Follow, email: string, d: { period: string; now: string; items: { id: number; view: ArticleSummaryView }[]; siteName: string }): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    // Compare-and-set: only one run moves this follow from this cursor.
    const moved = await trx.updateTable('follows')
      .set({ cursor_at: d.now, last_period: f.frequency === 'immediately' ? f.lastPeriod : d.period })
      .where('id', '=', f.id).where('cursor_at', '=', f.cursorAt).where('last_period', '=', f.lastPeriod).where('frequency', '=', f.frequency)
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1 || !d.items.length) return false;
    await trx.insertInto('follow_sent').values(d.items.map((i) => ({ follow_id: f.id, article_id: i.id, sent_at: d.now })))
      .onConflict((oc) => oc.columns(['follow_id', 'article_id']).doNothing()).execute();
    const listed = d.items.slice(0, MAX_DIGEST_ITEMS);
    const payload: DigestPayload = {
      type: 'digest', site: { name: d.siteName }, followLabel: f.label, frequency: f.frequency,
      items: listed.map((i) => mailItem(i.view)), more: d.items.length - listed.length, moreUrl: searchPath(f.query),
    };
    return enqueueMail(trx, { idemKey: `digest:${f.id}:${d.period}`, kind: 'digest', userId: f.userId, followId: f.id, to: email, payload });
  });
}

// ---------------------------------------------------------------- the issue mail

export interface IssueMailResult {
  /** Mails queued now (subscribers already queued for this issue are not queued again). */
  queued: number;
  articles: number;
}

/**
 * Queues the issue's table of contents (titles, deks, pages, links: what an anonymous reader
 * sees) for every subscriber with a current entitlement who has not turned the issue mail off and
 * whose address has not bounced. One statement for all recipients; the content is stored once.
 * Idempotent (issue:<issue>:<user>): calling it again only reaches subscribers added since.
 * Runs inside the caller's transaction when `store.db` is one (pass `{ ...store, db: trx }`).
 */
export async function queueIssueMail(store: Pick<Store, 'db'>, issueId: number, opts: { now?: Date } = {}): Promise<IssueMailResult> {
  const nowDate = opts.now ?? new Date();
  const now = nowDate.toISOString();
  const work = async (trx: Kysely<DB>): Promise<IssueMailResult> => {
    const issue = await trx.selectFrom('issues').innerJoin('publications', 'publications.id', 'issues.publication_id')
      .select(['issues.id', 'issues.year', 'issues.month', 'issues.volume', 'issues.number', 'issues.title', 'publications.name'])
      .where('issues.id', '=', issueId).executeTakeFirst();
    if (!issue) throw new Error(`there is no issue with id ${issueId}`);
    const articles = (await issueArticles(trx, issueId, now)).map(presentSummary);
    if (!articles.length) return { queued: 0, articles: 0 };
    const payload: IssuePayload = {
      type: 'issue', site: { name: issue.name },
      issue: { year: issue.year, month: issue.month, volume: issue.volume, number: issue.number, title: issue.title, url: `/issues/${issue.year}/${String(issue.month).padStart(2, '0')}` },
      items: articles.map(mailItem),
    };
    const key = `issue:${issueId}`;
    await trx.insertInto('mail_contents').values({ key, payload: JSON.stringify(payload), created_at: now })
      .onConflict((oc) => oc.column('key').doUpdateSet({ payload: JSON.stringify(payload) })).execute();
    const contentId = await storeContent(trx, key, payload);
    const r = await trx.insertInto('mail_queue')
      .columns(['idem_key', 'kind', 'user_id', 'to_address', 'content_id', 'status', 'attempts', 'next_attempt_at', 'created_at'])
      .expression((eb) => eb.selectFrom('users')
        .select([
          sql<string>`${`${key}:`} || cast(users.id as text)`.as('idem_key'),
          sql<string>`cast(${'issue'} as text)`.as('kind'),
          'users.id',
          'users.email',
          sql<number>`cast(${contentId} as integer)`.as('content_id'),
          sql<string>`cast(${'queued'} as text)`.as('status'),
          sql<number>`0`.as('attempts'),
          sql<string>`cast(${now} as text)`.as('next_attempt_at'),
          sql<string>`cast(${now} as text)`.as('created_at'),
        ])
        .where((w) => w.exists(w.selectFrom('entitlements').select('entitlements.id')
          .whereRef('entitlements.user_id', '=', 'users.id')
          .where('entitlements.revoked_at', 'is', null).where('entitlements.starts_at', '<=', now).where('entitlements.ends_at', '>', now)))
        .where((w) => w.not(w.exists(w.selectFrom('mail_prefs').select('mail_prefs.user_id').whereRef('mail_prefs.user_id', '=', 'users.id').where('mail_prefs.issue_mail', '=', 0))))
        .where((w) => w.not(w.exists(w.selectFrom('mail_suppressions').select('mail_suppressions.address').whereRef('mail_suppressions.address', '=', 'users.email')))))
      .onConflict((oc) => oc.column('idem_key').doNothing())
      .executeTakeFirst();
    return { queued: Number(r.numInsertedOrUpdatedRows ?? 0), articles: articles.length };
  };
  return store.db.isTransaction ? work(store.db) : store.db.transaction().execute(work);
}
