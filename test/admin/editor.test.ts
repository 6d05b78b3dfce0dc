import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BrowserSession } from '../support/browser-session.ts';
import { signInAs, formFields, type Staff } from './support.ts';

// The article editor, as an editor uses it: drafts, validation, scheduling, teaser, revisions,
// diffs and restore, previews as readers see them, conflicts, and the audit trail.

let t: TestApp;
let ed: Staff;
before(async () => {
  t = await createTestApp();
  ed = await signInAs(t, 'editor');
});
after(async () => {
  await t.cleanup();
});

const PARAS = [
  'The county jail in Marsh County agreed on Tuesday to pay $1.2 million to settle claims that it kept people in solitary confinement for months.',
  'Court records show that one man spent 214 days alone in a cell without a window, leaving it for an hour three times a week.',
  'The settlement requires the jail to review every placement in segregation after fifteen days and to report the numbers to the court each quarter.',
];

async function openNew(b: BrowserSession) {
  const page = await b.get('/admin/articles/new');
  assert.equal(page.statusCode, 200);
  return formFields(page.body, '/admin/articles');
}

async function create(b: BrowserSession, over: Record<string, string>): Promise<number> {
  const fields = await openNew(b);
  const res = await b.post('/admin/articles', { ...fields, title: 'Marsh County Settles Solitary Suit', body: PARAS.join('\n\n'), action: 'save', ...over });
  assert.equal(res.statusCode, 303, res.body.slice(0, 2000));
  const m = /^\/admin\/articles\/(\d+)\/edit\?done=created$/.exec(String(res.headers.location));
  assert.ok(m, String(res.headers.location));
  return Number(m[1]);
}

async function edit(b: BrowserSession, id: number, over: Record<string, string>) {
  const page = await b.get(`/admin/articles/${id}/edit`);
  assert.equal(page.statusCode, 200);
  return b.post(`/admin/articles/${id}`, { ...formFields(page.body, `/admin/articles/${id}`), action: 'save', ...over });
}

test('the list shows drafts, scheduled and published articles, and finds them by title', async () => {
  const id = await create(ed.browser, { title: 'Zanzibar Draft About Jail Phones', slug: 'zanzibar-draft' });
  const all = await ed.browser.get('/admin/articles');
  assert.equal(all.statusCode, 200);
  assert.equal(all.headers['cache-control'], 'private, no-store');
  assert.match(all.body, /Zanzibar Draft About Jail Phones/);
  assert.match(all.body, /Salvadoran President/, 'the demo articles are listed');
  const found = await ed.browser.get('/admin/articles?q=zanzibar');
  assert.match(found.body, new RegExp(`href="/admin/articles/${id}/edit">Zanzibar Draft`));
  assert.match(found.body, /1 article with/);
  assert.doesNotMatch(found.body, /Salvadoran President/);
  const drafts = await ed.browser.get('/admin/articles?state=draft');
  assert.match(drafts.body, /Zanzibar/);
  const published = await ed.browser.get('/admin/articles?state=published');
  assert.doesNotMatch(published.body, /Zanzibar/);
  // Odd search input is answered, not crashed.
  assert.equal((await ed.browser.get('/admin/articles?q=%25_%5C%27')).statusCode, 200);
});

test('a new article is a draft that readers cannot see; errors keep what was typed', async () => {
  const fields = await openNew(ed.browser);
  const bad = await ed.browser.post('/admin/articles', { ...fields, title: '', body: 'Some text that must not be lost.', page_first: '12', action: 'save' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /Give the article a title/);
  assert.match(bad.body, /A page number needs the issue/);
  assert.match(bad.body, /Some text that must not be lost\./);
  const before = Number((await t.store.db.selectFrom('articles').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  const id = await create(ed.browser, { slug: 'marsh-solitary-draft', authors: 'Renata Ocampo, Jo Park', topics: 'Solitary Confinement', places: 'TX', source_name_0: 'Marsh County Courier', source_url_0: 'https://courier.example/solitary' });
  const after = Number((await t.store.db.selectFrom('articles').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  assert.equal(after, before + 1);
  const row = await t.store.db.selectFrom('articles').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  assert.equal(row.status, 'draft');
  assert.equal(row.slug, 'marsh-solitary-draft');
  const anon = new BrowserSession(t.app);
  assert.equal((await anon.get('/articles/marsh-solitary-draft')).statusCode, 404);
  const page = await ed.browser.get(`/admin/articles/${id}/edit?done=created`);
  assert.match(page.body, /role="status">Saved\. The article is created\./);
  assert.match(page.body, /value="Renata Ocampo, Jo Park"/);
  assert.match(page.body, /value="Texas"/, 'TX is stored as the state');
  assert.match(page.body, /value="https:\/\/courier\.example\/solitary"/);
  const audit = await t.store.db.selectFrom('audit_log').selectAll().where('entity', '=', 'article').where('entity_id', '=', String(id)).execute();
  assert.equal(audit.length, 1);
  assert.equal(audit[0].action, 'article.create');
  assert.equal(audit[0].user_email, ed.email);
  assert.equal(audit[0].before_json, null);
  assert.equal(JSON.parse(audit[0].after_json!).title, 'Marsh County Settles Solitary Suit');
  // The same address twice is refused, and nothing is overwritten.
  const fields2 = await openNew(ed.browser);
  const dup = await ed.browser.post('/admin/articles', { ...fields2, title: 'Another', slug: 'marsh-solitary-draft', body: 'Other text.', action: 'save' });
  assert.equal(dup.statusCode, 400);
  assert.match(dup.body, /already has the address/);
  assert.equal((await t.store.db.selectFrom('articles').select('title').where('id', '=', id).executeTakeFirstOrThrow()).title, 'Marsh County Settles Solitary Suit');
});

test('the teaser marker: chosen by paragraph, shown in the preview, and what anonymous readers get', async () => {
  const id = await create(ed.browser, { slug: 'marsh-teaser', teaser: '2', status: 'published', access: 'premium' });
  const body = await t.store.db.selectFrom('article_bodies').select('body_markdown').where('article_id', '=', id).executeTakeFirstOrThrow();
  assert.equal(body.body_markdown, `${PARAS[0]}\n\n${PARAS[1]}\n\n<!--more-->\n\n${PARAS[2]}\n`);
  const edit = await ed.browser.get(`/admin/articles/${id}/edit`);
  assert.match(edit.body, /class="teaser-end"/);
  assert.match(edit.body, /As marked in the text \(the first 2 blocks\)/);
  const anon = await new BrowserSession(t.app).get('/articles/marsh-teaser');
  assert.equal(anon.statusCode, 200);
  assert.ok(anon.body.includes('214 days alone'), 'the second paragraph is in the teaser');
  assert.ok(!anon.body.includes('review every placement'), 'the third is not');

  // The previews as readers see them, through the real presenter.
  const asAnon = await ed.browser.get(`/admin/articles/${id}/view?as=anonymous`);
  assert.equal(asAnon.statusCode, 200);
  assert.match(asAnon.body, /Preview as an anonymous reader/);
  assert.ok(asAnon.body.includes('214 days alone'));
  assert.ok(!asAnon.body.includes('review every placement'));
  assert.equal(asAnon.headers['cache-control'], 'private, no-store');
  const asSub = await ed.browser.get(`/admin/articles/${id}/view?as=subscriber`);
  assert.ok(asSub.body.includes('review every placement'));

  // The live-preview endpoint answers JSON with the rendered body.
  const json = await ed.browser.post('/admin/preview', { body: 'Hello *world*\n\n<!--more-->\n\nMore [See: PLN, Mar. 2025, p.45.]', teaser: '' }, { from: `/admin/articles/${id}/edit` });
  assert.equal(json.statusCode, 200);
  const r = JSON.parse(json.body) as { html: string; words: number };
  assert.match(r.html, /<em>world<\/em>/);
  assert.match(r.html, /teaser-end/);
  assert.match(r.html, /href="\/cite\/PLN\/2025\/03\/45"/);
});

test('drafts can be previewed but not seen; scheduled articles go live at their time, without a restart or a stale cache', async () => {
  const id = await create(ed.browser, { slug: 'marsh-scheduled', access: 'free' });
  const anon = new BrowserSession(t.app);
  // Warm the anonymous page cache (home page and the missing article).
  await anon.get('/');
  assert.equal((await anon.get('/articles/marsh-scheduled')).statusCode, 404);
  const preview = await ed.browser.get(`/admin/articles/${id}/view?as=anonymous`);
  assert.match(preview.body, /draft: readers cannot see it/);

  // Past times are refused for scheduling, future ones for publishing.
  const past = await edit(ed.browser, id, { status: 'scheduled', publish_at: '2020-01-01T00:00:00' });
  assert.equal(past.statusCode, 400);
  assert.match(past.body, /That time has passed/);
  const future = new Date(Date.now() + 3600_000).toISOString().slice(0, 19);
  const early = await edit(ed.browser, id, { status: 'published', publish_at: future });
  assert.equal(early.statusCode, 400);
  assert.match(early.body, /choose &quot;Scheduled&quot;|choose "Scheduled"/);

  const at = new Date(Date.now() + 2500);
  const ok = await edit(ed.browser, id, { status: 'scheduled', publish_at: at.toISOString().slice(0, 19) });
  assert.equal(ok.statusCode, 303, ok.body.slice(0, 1000));
  const list = await ed.browser.get('/admin/articles?state=scheduled');
  assert.match(list.body, /marsh-scheduled|Marsh County Settles/);
  assert.equal((await anon.get('/articles/marsh-scheduled')).statusCode, 404);
  const home1 = await anon.get('/');
  assert.doesNotMatch(home1.body, /href="\/articles\/marsh-scheduled"/);
  await new Promise((r) => setTimeout(r, Math.max(0, at.getTime() - Date.now()) + 1200));
  const live = await anon.get('/articles/marsh-scheduled');
  assert.equal(live.statusCode, 200);
  assert.ok(live.body.includes('review every placement'));
  assert.match((await anon.get('/')).body, /href="\/articles\/marsh-scheduled"/);
  const listed = await ed.browser.get('/admin/articles?state=published&q=marsh');
  assert.match(listed.body, new RegExp(`/admin/articles/${id}/edit`));
});

test('every save keeps a revision with its diff; an old revision can be restored', async () => {
  const id = await create(ed.browser, { slug: 'marsh-revisions', note: 'first draft' });
  const changed = PARAS[1].replace('214 days', '241 days');
  const r1 = await edit(ed.browser, id, { body: [PARAS[0], changed, PARAS[2]].join('\n\n'), title: 'Marsh County Pays $1.2 Million Over Solitary', note: 'fixed the day count' });
  assert.equal(r1.statusCode, 303);
  const revs = await t.store.db.selectFrom('article_revisions').select(['id', 'note']).where('article_id', '=', id).orderBy('id').execute();
  assert.deepEqual(revs.map((r) => r.note), ['first draft', 'fixed the day count']);
  const listPage = await ed.browser.get(`/admin/articles/${id}/revisions`);
  assert.match(listPage.body, /fixed the day count/);
  const diff = await ed.browser.get(`/admin/articles/${id}/revisions/${revs[1].id}`);
  assert.equal(diff.statusCode, 200);
  assert.match(diff.body, /<del>214<\/del>/);
  assert.match(diff.body, /<ins>241<\/ins>/);
  assert.match(diff.body, /<del>Marsh County Settles Solitary Suit<\/del>/);

  const restore = await ed.browser.post(`/admin/articles/${id}/revisions/${revs[0].id}/restore`, {}, { from: `/admin/articles/${id}/revisions/${revs[0].id}` });
  assert.equal(restore.statusCode, 303);
  const now = await t.store.db.selectFrom('articles').innerJoin('article_bodies', 'article_bodies.article_id', 'articles.id').select(['title', 'body_markdown', 'status']).where('id', '=', id).executeTakeFirstOrThrow();
  assert.equal(now.title, 'Marsh County Settles Solitary Suit');
  assert.ok(now.body_markdown.includes('214 days'));
  assert.equal(now.status, 'draft');
  const all = await t.store.db.selectFrom('article_revisions').select('note').where('article_id', '=', id).orderBy('id').execute();
  assert.equal(all.length, 3);
  assert.match(all[2].note, /^Restored the revision of/);
  const actions = (await t.store.db.selectFrom('audit_log').select('action').where('entity', '=', 'article').where('entity_id', '=', String(id)).orderBy('id').execute()).map((r) => r.action);
  assert.deepEqual(actions, ['article.create', 'article.update', 'article.restore']);
});

test('a save over someone else\'s newer save is refused with the typed text kept', async () => {
  const id = await create(ed.browser, { slug: 'marsh-conflict' });
  const other = await signInAs(t, 'editor');
  const mine = await ed.browser.get(`/admin/articles/${id}/edit`);
  const myFields = formFields(mine.body, `/admin/articles/${id}`);
  await new Promise((r) => setTimeout(r, 5));
  const theirs = await edit(other.browser, id, { title: 'Their Title' });
  assert.equal(theirs.statusCode, 303);
  const res = await ed.browser.post(`/admin/articles/${id}`, { ...myFields, title: 'My Title', action: 'save' });
  assert.equal(res.statusCode, 409);
  assert.match(res.body, /someone else saved this article/);
  assert.match(res.body, /value="My Title"/);
  assert.equal((await t.store.db.selectFrom('articles').select('title').where('id', '=', id).executeTakeFirstOrThrow()).title, 'Their Title');
  // Saving again, knowingly, replaces theirs.
  const again = await ed.browser.post(`/admin/articles/${id}`, { ...formFields(res.body, `/admin/articles/${id}`), action: 'save' });
  assert.equal(again.statusCode, 303);
  assert.equal((await t.store.db.selectFrom('articles').select('title').where('id', '=', id).executeTakeFirstOrThrow()).title, 'My Title');
});

test('issue and page: the article takes its place in print and citations to it resolve', async () => {
  const id = await create(ed.browser, { slug: 'marsh-in-print', status: 'published', issue: '2025-05', page_first: '56', page_last: '57', access: 'free' });
  const row = await t.store.db.selectFrom('articles').innerJoin('issues', 'issues.id', 'articles.issue_id').select(['issues.year', 'issues.month', 'articles.page_first', 'articles.page_last']).where('articles.id', '=', id).executeTakeFirstOrThrow();
  assert.deepEqual(row, { year: 2025, month: 5, page_first: 56, page_last: 57 });
  const cite = await new BrowserSession(t.app).get('/cite/PLN/2025/05/57');
  assert.equal(cite.statusCode, 302);
  assert.equal(cite.headers.location, '/articles/marsh-in-print');
  const bad = await edit(ed.browser, id, { issue: '2025-13' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /must be a year and month/);
});

test('the preview button renders without saving; nothing is written', async () => {
  const id = await create(ed.browser, { slug: 'marsh-preview-only' });
  const before = await t.store.db.selectFrom('article_revisions').select('id').where('article_id', '=', id).execute();
  const res = await edit(ed.browser, id, { body: 'Only a **preview** of new text.', action: 'preview' });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /Only a <strong>preview<\/strong> of new text\./);
  const body = await t.store.db.selectFrom('article_bodies').select('body_markdown').where('article_id', '=', id).executeTakeFirstOrThrow();
  assert.ok(body.body_markdown.startsWith(PARAS[0]));
  const afterRevs = await t.store.db.selectFrom('article_revisions').select('id').where('article_id', '=', id).execute();
  assert.equal(afterRevs.length, before.length);
});

test('editing an article from the archive keeps how it was as the first revision', async () => {
  const row = await t.store.db.selectFrom('articles').select(['id', 'title']).where('slug', 'like', 'salvadoran-presidents-dark-secret%').orderBy('id').executeTakeFirstOrThrow();
  const res = await edit(ed.browser, row.id, { title: 'A Changed Title' });
  assert.equal(res.statusCode, 303);
  const revs = await t.store.db.selectFrom('article_revisions').select(['note', 'user_email', 'snapshot']).where('article_id', '=', row.id).orderBy('id').execute();
  assert.equal(revs.length, 2);
  assert.equal(revs[0].user_email, 'archive');
  assert.equal(JSON.parse(revs[0].snapshot).title, row.title);
  assert.equal(JSON.parse(revs[1].snapshot).title, 'A Changed Title');
});

test('editorial checks show in the editor; a finding dismissed for this article stays dismissed', async () => {
  const id = await create(ed.browser, { slug: 'marsh-checks', body: `${PARAS[0]}\n\nThe sheriff said  the jail would comply.\n\n${PARAS[2]}` });
  const page = await ed.browser.get(`/admin/articles/${id}/edit`);
  assert.match(page.body, /data-rule="double-spaces"/);
  assert.match(page.body, /data-rule="sources-missing"/);
  const excerpt = /data-rule="double-spaces">[\s\S]*?name="excerpt" value="([^"]*)"/.exec(page.body)![1].replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  const res = await ed.browser.post(`/admin/articles/${id}/dismiss`, { rule: 'double-spaces', excerpt }, { from: `/admin/articles/${id}/edit` });
  assert.equal(res.statusCode, 303);
  const after = await ed.browser.get(String(res.headers.location).replace(/#.*$/, ''));
  assert.match(after.body, /The finding is dismissed/);
  assert.doesNotMatch(after.body, /data-rule="double-spaces"/);
  assert.match(after.body, /data-rule="sources-missing"/, 'other findings stay');
  const logged = await t.store.db.selectFrom('audit_log').select(['action', 'after_json']).where('action', '=', 'lint.dismiss').where('entity_id', '=', String(id)).execute();
  assert.equal(logged.length, 1);
  assert.equal(JSON.parse(logged[0].after_json!).rule, 'double-spaces');
  // The preview button runs the checks on the unsaved text too.
  const preview = await edit(ed.browser, id, { body: `${PARAS[0]}\n\nHe said "fine" and left.`, action: 'preview' });
  assert.match(preview.body, /data-rule="straight-quotes"/);
});
