import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { diffWords, diffLines } from 'diff';
import type { AppContext } from '../context.ts';
import type { DB } from '../../store/schema.ts';
import { AdminPage, audit, requireStaff, sendAdmin, sendAdminHtml, staffState, type StaffUser } from './shell.tsx';
import { articleFromForm, editableFromRecord, emptyForm, formFromArticle, placeTeaserMarker, readForm, freeSlug, type EditorForm, type FieldError } from './article-form.ts';
import { previewHtml } from './preview.ts';
import { checkArticle, dismissCheck, type Finding } from './checks.ts';
import { ArticleListPage, EditorPage, RevisionsPage, RevisionPage, type RevisionChange } from '../views/admin/articles.tsx';
import { getArticle, nowIso } from '../../store/articles.ts';
import { addRevision, articleIdBySlug, articleRef, getRevision, listAdminArticles, listRevisions, listedState, type ListedState } from '../../store/newsroom.ts';
import { saveArticles } from '../../commands/save-articles.ts';
import { InputError, type ImportedArticle } from '../../domain/types.ts';
import { presentArticle } from '../../present/article.ts';
import { ANONYMOUS, type Viewer } from '../../domain/access.ts';
import { ArticlePage } from '../views/article.tsx';
import { renderPage } from '../views/layout.tsx';
import { pageParam } from '../app.ts';

// Articles in the admin: the list, the editor (drafts, scheduling, teaser, checks), previews as
// readers see them, and revisions with their diffs. Every save goes through saveArticles (so
// citations, links and the search index stay right), in one transaction with its revision and
// its audit record.

type Body = Record<string, unknown>;
const PER_PAGE = 50;
/** Editor forms carry whole articles: more than the site's 64 KB form limit. */
export const EDITOR_BODY_LIMIT = 1024 * 1024;

export class EditConflict extends Error {}

/** What the audit log keeps of an article: every field, and the text's length (the text itself is in the revisions). */
export function auditSummary(a: ImportedArticle | null, revision?: number): unknown {
  if (!a) return null;
  const { bodyMarkdown, ...rest } = a;
  return { ...rest, bodyChars: bodyMarkdown.length, ...(revision !== undefined ? { revision } : {}) };
}

/** Saves an article from the admin: saveArticles, its revision and the audit record, all or nothing. */
export async function saveFromAdmin(ctx: AppContext, req: FastifyRequest, staff: StaffUser, o: { id: number | null; article: ImportedArticle; note: string; base?: string; action?: string }): Promise<{ id: number; revision: number }> {
  const result = await ctx.store.db.transaction().execute(async (trx: Kysely<DB>) => {
    let before: ImportedArticle | null = null;
    if (o.id !== null) {
      const ref = await articleRef(trx, o.id);
      if (!ref) throw new InputError('This article no longer exists.');
      if (o.base && ref.updatedAt !== o.base) throw new EditConflict(ref.updatedAt);
      const rec = await getArticle(trx, ref.slug, { includeHidden: true });
      before = rec ? editableFromRecord(rec) : null;
      o.article.slug = ref.slug;
      // An article imported or loaded outside the admin has no revision yet: keep how it was, so it can be restored.
      if (before && !(await trx.selectFrom('article_revisions').select('id').where('article_id', '=', ref.id).limit(1).executeTakeFirst())) {
        await addRevision(trx, { articleId: ref.id, userId: null, userEmail: 'archive', note: 'As it was before its first change in the admin', snapshot: before });
      }
    } else if (await articleIdBySlug(trx, o.article.slug)) {
      throw new InputError(`Another article already has the address /articles/${o.article.slug}: choose another.`, 'slug');
    }
    await saveArticles(trx, [{ file: 'editor', article: o.article }]);
    const id = (await articleIdBySlug(trx, o.article.slug))!;
    const revision = await addRevision(trx, { articleId: id, userId: staff.userId, userEmail: staff.email, note: o.note || (before ? 'Saved' : 'Created'), snapshot: o.article });
    await audit(ctx, req, { action: o.action ?? (before ? 'article.update' : 'article.create'), entity: 'article', entityId: id, before: auditSummary(before), after: auditSummary(o.article, revision) }, trx);
    return { id, revision };
  });
  // Term counts and issue lists are cached per instance; pages notice the write by themselves.
  ctx.invalidate();
  return result;
}

export async function knownPublications(db: Kysely<DB>): Promise<Set<string>> {
  return new Set((await db.selectFrom('publications').select('abbreviation').execute()).map((p) => p.abbreviation.toUpperCase()));
}

function formBody(f: EditorForm): string {
  return f.teaser && /^\d+$/.test(f.teaser) ? placeTeaserMarker(f.body, Number(f.teaser)) : f.body;
}

/** The field an InputError from a save is about (saveArticles names pages and issues). */
function errorField(err: InputError): FieldError['field'] {
  if (err.file === 'slug') return 'slug';
  if (/page/i.test(err.message)) return 'pageFirst';
  if (/issue/i.test(err.message)) return 'issue';
  if (/published_at/.test(err.message)) return 'publishAt';
  return 'title';
}

export interface EditorRender {
  mode: 'new' | 'edit' | 'import';
  id: number | null;
  form: EditorForm;
  errors?: FieldError[];
  state?: ListedState | null;
  notice?: string | null;
  error?: string | null;
  imported?: { file: string; warnings: string[]; slugNote: string | null };
  /** Checks this (stored or parsed) article; otherwise the form is checked when it is valid. */
  checkThis?: ImportedArticle | null;
  status?: number;
}

export async function renderEditor(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, staff: StaffUser, r: EditorRender): Promise<FastifyReply> {
  const db = ctx.store.db;
  const pubs = await knownPublications(db);
  const preview = previewHtml(formBody(r.form), pubs);
  let findings: Finding[] | null = null;
  let candidate = r.checkThis ?? null;
  if (!candidate && r.mode !== 'new') {
    const ref = r.id !== null ? await articleRef(db, r.id) : null;
    const existing = ref ? { slug: ref.slug, publishedAt: null, visible: false } : null;
    candidate = articleFromForm(r.form, { existing }).article;
  }
  if (candidate && r.mode !== 'new') {
    try {
      findings = await checkArticle(ctx.store, candidate, { slug: candidate.slug, baseUrl: ctx.config.baseUrl });
    } catch (err) {
      req.log.error({ err }, 'editorial checks failed');
      findings = null;
    }
  }
  let revisions = 0;
  let publicUrl: string | null = null;
  if (r.id !== null) {
    revisions = (await listRevisions(db, r.id)).length;
    if (r.state === 'published') publicUrl = `/articles/${encodeURIComponent(r.form.slug)}`;
  }
  return sendAdmin(reply, EditorPage({
    site: staffState(req)!.site, staff, csrf: reply.generateCsrf(), mode: r.mode, id: r.id, form: r.form, errors: r.errors ?? [], preview, findings,
    state: r.state ?? null, notice: r.notice, error: r.error, imported: r.imported, revisions, publicUrl,
  }), r.status ?? ((r.errors?.length ?? 0) > 0 ? 400 : 200));
}

const NOTICES: Record<string, string> = {
  saved: 'Saved.',
  created: 'Saved. The article is created.',
  restored: 'The revision is restored (as a new save).',
  dismissed: 'The finding is dismissed for this article.',
};

/** The subscriber the "preview as subscriber" page is rendered for (no real account). */
const PREVIEW_SUBSCRIBER: Viewer = Object.freeze({ kind: 'user', userId: -1, email: 'subscriber@preview.invalid', role: 'reader', subscribed: true, institution: null });

const SNAPSHOT_FIELDS: [string, (a: ImportedArticle) => string][] = [
  ['Title', (a) => a.title],
  ['Dek', (a) => a.dek ?? ''],
  ['Authors', (a) => a.authors.join(', ')],
  ['Topics', (a) => a.topics.join(', ')],
  ['States and countries', (a) => a.places.join(', ')],
  ['Sources', (a) => a.sources.map((s) => (s.url ? `${s.name} (${s.url})` : s.name)).join('; ')],
  ['Access', (a) => a.access ?? ''],
  ['Status', (a) => a.status ?? ''],
  ['Publication time', (a) => a.publishedAt ?? ''],
  ['Issue', (a) => (a.issue ? `${a.issue.year}-${String(a.issue.month).padStart(2, '0')}` : '')],
  ['Pages', (a) => (a.pageFirst != null ? `${a.pageFirst}${a.pageLast && a.pageLast !== a.pageFirst ? `-${a.pageLast}` : ''}` : '')],
];

export function compareArticles(a: ImportedArticle, b: ImportedArticle): { fields: RevisionChange[]; body: { value: string; added?: boolean; removed?: boolean }[] | null } {
  const fields = SNAPSHOT_FIELDS.map(([field, get]) => ({ field, before: get(a), after: get(b) })).filter((c) => c.before !== c.after);
  if (a.bodyMarkdown === b.bodyMarkdown) return { fields, body: null };
  const body = (diffWords(a.bodyMarkdown, b.bodyMarkdown, { timeout: 2000 }) as { value: string; added?: boolean; removed?: boolean }[] | undefined) ?? diffLines(a.bodyMarkdown, b.bodyMarkdown);
  return { fields, body };
}

function parseSnapshot(s: string): ImportedArticle {
  const a = JSON.parse(s) as ImportedArticle;
  return { ...a, authors: a.authors ?? [], topics: a.topics ?? [], places: a.places ?? [], sources: a.sources ?? [] };
}

export const articleRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const db = ctx.store.db;

  async function load(id: number) {
    const ref = await articleRef(db, id);
    if (!ref) return null;
    const rec = await getArticle(db, ref.slug, { includeHidden: true });
    return rec ? { ref, rec, article: editableFromRecord(rec) } : null;
  }

  function idParam(raw: string): number | null {
    return /^\d{1,9}$/.test(raw) ? Number(raw) : null;
  }

  async function missing(req: FastifyRequest, reply: FastifyReply, staff: StaffUser) {
    return sendAdmin(reply, (
      <AdminPage site={staffState(req)!.site} staff={staff} csrf={reply.generateCsrf()} title="No such article" active="articles">
        <h1>No such article</h1>
        <p>There is no article with this number. <a href="/admin/articles">All articles</a></p>
      </AdminPage>
    ), 404);
  }

  app.get('/admin/articles', async (req, reply) => {
    const staff = requireStaff(req, reply, 'editor');
    if (!staff) return reply;
    const qs = req.query as Record<string, string | undefined>;
    const q = typeof qs.q === 'string' ? qs.q.slice(0, 200) : '';
    const state = qs.state === 'draft' || qs.state === 'scheduled' || qs.state === 'published' ? qs.state : null;
    const page = pageParam(qs);
    const { items, total } = await listAdminArticles(db, { q, state, limit: PER_PAGE, offset: (page - 1) * PER_PAGE });
    const params = new URLSearchParams();
    if (q) params.set('q', q);
    if (state) params.set('state', state);
    const base = `/admin/articles${params.size ? `?${params}` : ''}`;
    return sendAdmin(reply, ArticleListPage({ site: staffState(req)!.site, staff, csrf: reply.generateCsrf(), rows: items, total, q, state, page, pages: Math.max(1, Math.ceil(total / PER_PAGE)), base }));
  });

  app.get('/admin/articles/new', async (req, reply) => {
    const staff = requireStaff(req, reply, 'editor');
    if (!staff) return reply;
    return renderEditor(ctx, req, reply, staff, { mode: 'new', id: null, form: emptyForm() });
  });

  // A new article: from the empty editor, or from an import preview.
  app.post('/admin/articles', { bodyLimit: EDITOR_BODY_LIMIT }, async (req, reply) => {
    const staff = requireStaff(req, reply, 'editor');
    if (!staff) return reply;
    const b = (req.body ?? {}) as Body;
    const form = readForm(b);
    const importedFrom = typeof b.imported === 'string' && b.imported ? b.imported.slice(0, 200) : null;
    const mode = importedFrom ? 'import' : 'new';
    const imported = importedFrom ? { file: importedFrom, warnings: [], slugNote: null } : undefined;
    const { article, errors } = articleFromForm(form, { existing: null });
    if (b.action === 'preview' || !article) {
      return renderEditor(ctx, req, reply, staff, { mode, id: null, form, errors, imported, checkThis: article, status: errors.length ? 400 : 200 });
    }
    try {
      const { id } = await saveFromAdmin(ctx, req, staff, { id: null, article, note: form.note || (importedFrom ? `Imported from ${importedFrom}` : 'Created'), action: importedFrom ? 'article.import' : 'article.create' });
      return reply.redirect(`/admin/articles/${id}/edit?done=created`, 303);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      return renderEditor(ctx, req, reply, staff, { mode, id: null, form, errors: [{ field: errorField(err), message: err.message }], imported });
    }
  });

  app.get<{ Params: { id: string } }>('/admin/articles/:id/edit', async (req, reply) => {
    const staff = requireStaff(req, reply, 'editor');
    if (!staff) return reply;
    const id = idParam(req.params.id);
    const got = id !== null ? await load(id) : null;
    if (!got) return missing(req, reply, staff);
    const form = formFromArticle(got.article, { base: got.ref.updatedAt });
    const done = (req.query as Record<string, string | undefined>).done ?? '';
    return renderEditor(ctx, req, reply, staff, { mode: 'edit', id, form, state: listedState(got.rec.status, got.rec.publishedAt, nowIso()), checkThis: got.article, notice: NOTICES[done] ?? null });
  });

  app.post<{ Params: { id: string } }>('/admin/articles/:id', { bodyLimit: EDITOR_BODY_LIMIT }, async (req, reply) => {
    const staff = requireStaff(req, reply, 'editor');
    if (!staff) return reply;
    const id = idParam(req.params.id);
    const got = id !== null ? await load(id) : null;
    if (!got) return missing(req, reply, staff);
    const b = (req.body ?? {}) as Body;
    const form = readForm(b);
    form.slug = got.ref.slug;
    const now = nowIso();
    const state = listedState(got.rec.status, got.rec.publishedAt, now);
    const { article, errors } = articleFromForm(form, { existing: { slug: got.ref.slug, publishedAt: got.rec.publishedAt, visible: state === 'published' }, now });
    if (b.action === 'preview' || !article) {
      return renderEditor(ctx, req, reply, staff, { mode: 'edit', id, form, errors, state, checkThis: article, status: errors.length ? 400 : 200 });
    }
    try {
      await saveFromAdmin(ctx, req, staff, { id: id!, article, note: form.note, base: form.base });
      return reply.redirect(`/admin/articles/${id}/edit?done=saved`, 303);
    } catch (err) {
      if (err instanceof EditConflict) {
        // Keep what this editor typed; the next save (knowingly) replaces the other one.
        form.base = err.message;
        return renderEditor(ctx, req, reply, staff, { mode: 'edit', id, form, state, status: 409, error: `Not saved: someone else saved this article (at ${err.message.replace('T', ' ').slice(0, 19)} UTC) after you opened it. Your version is below. Look at the revisions to see their changes; saving again replaces them with yours.` });
      }
      if (!(err instanceof InputError)) throw err;
      return renderEditor(ctx, req, reply, staff, { mode: 'edit', id, form, state, errors: [{ field: errorField(err), message: err.message }] });
    }
  });

  // The live preview (editor.js): the body as it would render, as JSON.
  app.post('/admin/preview', { bodyLimit: EDITOR_BODY_LIMIT }, async (req, reply) => {
    const staff = requireStaff(req, reply, 'editor');
    if (!staff) return reply;
    const b = (req.body ?? {}) as Body;
    const form = readForm(b);
    const r = previewHtml(formBody(form), await knownPublications(db));
    return reply.header('cache-control', 'private, no-store').type('application/json; charset=utf-8').send(JSON.stringify(r));
  });

  app.post<{ Params: { id: string } }>('/admin/articles/:id/dismiss', async (req, reply) => {
    const staff = requireStaff(req, reply, 'editor');
    if (!staff) return reply;
    const id = idParam(req.params.id);
    const ref = id !== null ? await articleRef(db, id) : null;
    if (!ref) return missing(req, reply, staff);
    const b = (req.body ?? {}) as Body;
    const rule = typeof b.rule === 'string' ? b.rule.slice(0, 100) : '';
    const excerpt = typeof b.excerpt === 'string' ? b.excerpt.slice(0, 1000) : '';
    if (!rule) return reply.redirect(`/admin/articles/${id}/edit#checks`, 303);
    if (!(await dismissCheck(ctx.store, ref.slug, { rule, excerpt }, staff.userId))) {
      return reply.redirect(`/admin/articles/${id}/edit`, 303);
    }
    await audit(ctx, req, { action: 'lint.dismiss', entity: 'article', entityId: id, before: null, after: { rule, excerpt } });
    return reply.redirect(`/admin/articles/${id}/edit?done=dismissed#checks`, 303);
  });

  // The saved article as a reader sees it: the real presenter and page, for an anonymous reader or a subscriber.
  app.get<{ Params: { id: string } }>('/admin/articles/:id/view', async (req, reply) => {
    const staff = requireStaff(req, reply, 'editor');
    if (!staff) return reply;
    const id = idParam(req.params.id);
    const got = id !== null ? await load(id) : null;
    if (!got) return missing(req, reply, staff);
    const as = (req.query as Record<string, string | undefined>).as === 'subscriber' ? 'subscriber' : 'anonymous';
    const viewer = as === 'subscriber' ? PREVIEW_SUBSCRIBER : ANONYMOUS;
    const view = presentArticle(got.rec, viewer);
    const state = listedState(got.rec.status, got.rec.publishedAt, nowIso());
    const html = renderPage(ArticlePage({ a: view, site: staffState(req)!.site, viewer }));
    const other = as === 'subscriber' ? 'anonymous' : 'subscriber';
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
    const banner = `<aside class="preview-banner" aria-label="Preview"><p>Preview as ${as === 'subscriber' ? 'a subscriber' : 'an anonymous reader'} · ${esc(state === 'published' ? 'published' : state === 'scheduled' ? `scheduled for ${got.rec.publishedAt ?? ''}` : 'draft: readers cannot see it')} · <a href="/admin/articles/${id}/view?as=${other}">View as ${other === 'subscriber' ? 'a subscriber' : 'an anonymous reader'}</a> · <a href="/admin/articles/${id}/edit">Back to the editor</a></p></aside>`;
    const out = html
      .replace('</head>', '<link rel="stylesheet" href="/admin/assets/admin.css"><meta name="robots" content="noindex, nofollow"></head>')
      .replace('<a class="skip" href="#main">Skip to content</a>', (skipLink) => skipLink + banner);
    return sendAdminHtml(reply, out);
  });

  app.get<{ Params: { id: string } }>('/admin/articles/:id/revisions', async (req, reply) => {
    const staff = requireStaff(req, reply, 'editor');
    if (!staff) return reply;
    const id = idParam(req.params.id);
    const got = id !== null ? await load(id) : null;
    if (!got) return missing(req, reply, staff);
    const done = (req.query as Record<string, string | undefined>).done ?? '';
    return sendAdmin(reply, RevisionsPage({ site: staffState(req)!.site, staff, csrf: reply.generateCsrf(), id: id!, title: got.rec.title, revisions: await listRevisions(db, id!), notice: NOTICES[done] ?? null }));
  });

  app.get<{ Params: { id: string; rev: string } }>('/admin/articles/:id/revisions/:rev', async (req, reply) => {
    const staff = requireStaff(req, reply, 'editor');
    if (!staff) return reply;
    const id = idParam(req.params.id);
    const revId = idParam(req.params.rev);
    const got = id !== null ? await load(id) : null;
    const r = got && revId !== null ? await getRevision(db, id!, revId) : null;
    if (!got || !r) return missing(req, reply, staff);
    const against = (req.query as Record<string, string | undefined>).against === 'current' ? 'current' : 'previous';
    const snap = parseSnapshot(r.rev.snapshot);
    let cmp;
    let label;
    if (against === 'current') {
      cmp = compareArticles(snap, got.article);
      label = 'from this revision to the current version';
    } else if (r.previous) {
      cmp = compareArticles(parseSnapshot(r.previous.snapshot), snap);
      label = 'made by this revision (against the one before it)';
    } else {
      cmp = compareArticles({ ...snap, title: '', dek: null, bodyMarkdown: '', authors: [], topics: [], places: [], sources: [], access: null, status: null, publishedAt: null, issue: null, pageFirst: null, pageLast: null }, snap);
      label = 'made by this revision (the first one)';
    }
    const { snapshot: _s, ...rev } = r.rev;
    return sendAdmin(reply, RevisionPage({ site: staffState(req)!.site, staff, csrf: reply.generateCsrf(), id: id!, title: got.rec.title, rev, against, againstLabel: label, fieldChanges: cmp.fields, bodyDiff: cmp.body, isLatest: r.latestId === r.rev.id }));
  });

  app.post<{ Params: { id: string; rev: string } }>('/admin/articles/:id/revisions/:rev/restore', async (req, reply) => {
    const staff = requireStaff(req, reply, 'editor');
    if (!staff) return reply;
    const id = idParam(req.params.id);
    const revId = idParam(req.params.rev);
    const got = id !== null ? await load(id) : null;
    const r = got && revId !== null ? await getRevision(db, id!, revId) : null;
    if (!got || !r) return missing(req, reply, staff);
    const snap = parseSnapshot(r.rev.snapshot);
    // The text and fields come back; whether and when it is published stays as it is now.
    const article: ImportedArticle = { ...snap, slug: got.ref.slug, status: got.rec.status, publishedAt: got.rec.publishedAt };
    try {
      await saveFromAdmin(ctx, req, staff, { id: id!, article, note: `Restored the revision of ${r.rev.createdAt.replace('T', ' ').slice(0, 19)} UTC`, action: 'article.restore' });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      return renderEditor(ctx, req, reply, staff, { mode: 'edit', id, form: formFromArticle(article, { base: got.ref.updatedAt }), errors: [{ field: errorField(err), message: `The revision could not be restored: ${err.message}` }] });
    }
    return reply.redirect(`/admin/articles/${id}/edit?done=restored`, 303);
  });
};

export { freeSlug };
