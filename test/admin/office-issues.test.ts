import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BrowserSession } from '../support/browser-session.ts';
import { signInAs, postFile, type Staff } from './support.ts';
import { makeIssuePdf } from '../fixtures/issue-pdf.ts';
import { tocWarnings, type TocEntry } from '../../src/store/office-toc.ts';
import { createUser, grantEntitlement } from '../../src/store/users.ts';
import { articleViews, ArticleViewCounter } from '../../src/store/office-views.ts';
import { searchMisses } from '../../src/store/office.ts';

// Print issues in the admin: create, details, PDF and cover uploads checked by content, the
// table of contents with its warnings, publishing (the issue mail, audited); and the dashboard
// with its charts and the article view counts behind "most read".

const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

let t: TestApp;
let editor: Staff;
before(async () => {
  t = await createTestApp();
  editor = await signInAs(t, 'editor');
});
after(async () => {
  await t.cleanup();
});

function entry(id: number, first: number | null, last: number | null = first): TocEntry {
  return { id, title: `A${id}`, pageFirst: first, pageLast: last, status: 'published', publishedAt: '2025-01-01T00:00:00Z' };
}

test('table-of-contents warnings: overlaps, gaps, pages past the end, articles without a page', () => {
  const cases: { name: string; entries: TocEntry[]; pages: number | null; expect: string[] }[] = [
    { name: 'every page covered once', entries: [entry(1, 1, 4), entry(2, 5, 8)], pages: 8, expect: [] },
    { name: 'one-page articles with the last page missing count as one page', entries: [entry(1, 1, null), entry(2, 2, 2)], pages: 2, expect: [] },
    { name: 'two articles share page 3', entries: [entry(1, 1, 3), entry(2, 3, 4)], pages: 4, expect: ['overlap 3-3'] },
    { name: 'one article inside another', entries: [entry(1, 1, 6), entry(2, 2, 3)], pages: 6, expect: ['overlap 2-3'] },
    { name: 'a gap in the middle and at the end', entries: [entry(1, 1, 2), entry(2, 5, 6)], pages: 8, expect: ['gap 3-4', 'gap 7-8'] },
    { name: 'a gap at the start', entries: [entry(1, 3, 4)], pages: 4, expect: ['gap 1-2'] },
    { name: 'past the last page', entries: [entry(1, 1, 4), entry(2, 5, 9)], pages: 8, expect: ['beyond'] },
    { name: 'no page', entries: [entry(1, 1, 2), entry(2, null)], pages: 2, expect: ['no-page'] },
    { name: 'no page count: overlaps still found, gaps cannot be', entries: [entry(1, 1, 3), entry(2, 2, 2), entry(3, 9, 9)], pages: null, expect: ['overlap 2-2', 'no-page-count'] },
    { name: 'an empty issue is one gap', entries: [], pages: 3, expect: ['gap 1-3'] },
  ];
  for (const c of cases) {
    const got = tocWarnings(c.entries, c.pages).map((w) => ('pages' in w ? `${w.kind} ${w.pages[0]}-${w.pages[1]}` : w.kind));
    assert.deepEqual(got, c.expect, c.name);
  }
  const [w] = tocWarnings([entry(1, 1, 3), entry(2, 3, 4)], 4);
  assert.equal(w.message, '“A1” (pages 1–3) and “A2” (pages 3–4) both take page 3.');
});

test('an editor creates an issue; a bad month or a month that has one is refused and writes nothing', async () => {
  const b = editor.browser;
  const page = await b.get('/admin/issues');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /March 2025/);
  const count = async () => Number((await t.store.db.selectFrom('issues').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const before = await count();

  const bad = await b.post('/admin/issues', { month: '2026-13', volume: '37', number: '', pageCount: 'ten', title: '' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /The month must be written YYYY-MM/);
  assert.match(bad.body, /Page count must be a whole number/);
  assert.match(bad.body, /value="37"/, 'the form comes back as typed');
  const dup = await b.post('/admin/issues', { month: '2025-03', volume: '', number: '', pageCount: '', title: '' }, { from: '/admin/issues' });
  assert.equal(dup.statusCode, 400);
  assert.match(dup.body, /There is already an issue for March 2025/);
  assert.equal(await count(), before);

  const ok = await b.post('/admin/issues', { month: '2026-12', volume: '37', number: '12', pageCount: '10', title: 'Year in Review' }, { from: '/admin/issues' });
  assert.equal(ok.statusCode, 303);
  const loc = String(ok.headers.location);
  assert.match(loc, /^\/admin\/issues\/\d+\?done=created$/);
  const shown = await b.get(loc);
  assert.match(shown.body, /The issue is created/);
  assert.match(shown.body, /<h1>December 2026<span class="meta block">Vol\. 37, No\. 12<\/span><\/h1>/);
  assert.equal(await count(), before + 1);
  const row = await t.store.db.selectFrom('issues').selectAll().where('year', '=', 2026).where('month', '=', 12).executeTakeFirstOrThrow();
  assert.deepEqual([row.volume, row.number, row.page_count, row.title], [37, 12, 10, 'Year in Review']);
  const a = await t.store.db.selectFrom('audit_log').selectAll().where('action', '=', 'issue.create').where('entity_id', '=', String(row.id)).executeTakeFirstOrThrow();
  assert.equal(a.user_email, editor.email);
  assert.equal(JSON.parse(a.after_json!).pageCount, 10);

  // Details change, audited with before and after.
  const upd = await b.post(`/admin/issues/${row.id}`, { volume: '37', number: '12', pageCount: '12', title: 'Year in Review' }, { from: `/admin/issues/${row.id}` });
  assert.equal(upd.statusCode, 303);
  const u = await t.store.db.selectFrom('audit_log').selectAll().where('action', '=', 'issue.update').where('entity_id', '=', String(row.id)).executeTakeFirstOrThrow();
  assert.equal(JSON.parse(u.before_json!).pageCount, 10);
  assert.equal(JSON.parse(u.after_json!).pageCount, 12);
  const badUpd = await b.post(`/admin/issues/${row.id}`, { volume: '-1', number: '12', pageCount: '12', title: '' }, { from: `/admin/issues/${row.id}` });
  assert.equal(badUpd.statusCode, 400);
  assert.match(badUpd.body, /Volume must be a whole number/);
  assert.equal((await t.store.db.selectFrom('issues').select('volume').where('id', '=', row.id).executeTakeFirstOrThrow()).volume, 37);
});

test('the table of contents lists the assigned articles with warnings for overlaps and gaps', async () => {
  const issue = await t.store.db.insertInto('issues').values({ publication_id: 1, year: 2027, month: 2, volume: 38, number: 2, page_count: 10, title: null, created_at: new Date().toISOString() }).returning('id').executeTakeFirstOrThrow();
  const arts = await t.store.db.selectFrom('articles').select(['id', 'title']).orderBy('id').limit(4).execute();
  const place = async (id: number, first: number | null, last: number | null) => {
    await t.store.db.updateTable('articles').set({ issue_id: issue.id, page_first: first, page_last: last }).where('id', '=', id).execute();
  };
  await place(arts[0].id, 1, 3);
  await place(arts[1].id, 3, 5);
  await place(arts[2].id, 8, 8);
  await place(arts[3].id, null, null);
  const page = await editor.browser.get(`/admin/issues/${issue.id}`);
  assert.equal(page.statusCode, 200);
  const warnings = /<ul class="findings" id="toc-warnings">([\s\S]*?)<\/ul>/.exec(page.body)?.[1] ?? '';
  const kinds = [...warnings.matchAll(/data-kind="([a-z-]+)"/g)].map((m) => m[1]);
  assert.deepEqual(kinds, ['overlap', 'gap', 'gap', 'no-page']);
  assert.match(warnings, /both take page 3/);
  assert.match(warnings, /No article is on pages 6–7/);
  assert.match(warnings, /No article is on pages 9–10/);
  // The table, in page order, links each article to its editor.
  const rows = [...page.body.matchAll(/<tr><td class="nowrap">([^<]*|<span class="meta">none<\/span>)<\/td><td><a href="\/admin\/articles\/(\d+)\/edit">/g)].map((m) => [m[1], Number(m[2])]);
  assert.deepEqual(rows, [['1–3', arts[0].id], ['3–5', arts[1].id], ['8', arts[2].id], ['<span class="meta">none</span>', arts[3].id]]);

  // Fixing the pages clears the warnings.
  await place(arts[1].id, 4, 7);
  await place(arts[2].id, 8, 10);
  await place(arts[3].id, null, null);
  await t.store.db.updateTable('articles').set({ issue_id: null }).where('id', '=', arts[3].id).execute();
  const fixed = await editor.browser.get(`/admin/issues/${issue.id}`);
  assert.match(fixed.body, /No overlapping pages and no gaps/);
});

test('uploads: the issue PDF and the cover are checked by their content, stored, audited and served by issue', async () => {
  const issue = await t.store.db.selectFrom('issues').select(['id', 'pdf_file_id']).where('year', '=', 2025).where('month', '=', 4).executeTakeFirstOrThrow();
  const files = async () => Number((await t.store.db.selectFrom('files').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const url = `/admin/issues/${issue.id}`;
  await editor.browser.get(url);
  const n0 = await files();

  // A text file named .pdf is not a PDF.
  const fake = await postFile(t, editor.browser, `${url}/pdf`, { name: 'issue.pdf', content: 'Not a PDF at all', type: 'application/pdf' });
  assert.equal(fake.statusCode, 400);
  assert.match(fake.body, /not a PDF/);
  // A truncated PDF cannot be read.
  await editor.browser.get(url);
  const broken = await postFile(t, editor.browser, `${url}/pdf`, { name: 'issue.pdf', content: Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n'), type: 'application/pdf' });
  assert.equal(broken.statusCode, 400);
  assert.match(broken.body, /Not uploaded/);
  assert.equal(await files(), n0, 'nothing stored');

  await editor.browser.get(url);
  const pdf = Buffer.from(await makeIssuePdf({ pages: 3 }));
  const ok = await postFile(t, editor.browser, `${url}/pdf`, { name: 'pln-2025-04.pdf', content: pdf, type: 'application/pdf' });
  assert.equal(ok.statusCode, 303, ok.body.slice(0, 500));
  const shown = await editor.browser.get(String(ok.headers.location));
  assert.match(shown.body, /The issue PDF is uploaded \(3 pages\)\. Note: the issue is listed with 64 pages; the PDF has 3\./);
  const after = await t.store.db.selectFrom('issues').select('pdf_file_id').where('id', '=', issue.id).executeTakeFirstOrThrow();
  assert.ok(after.pdf_file_id);
  const stored = await t.store.db.selectFrom('files').select(['size', 'content_type', 'kind']).where('id', '=', after.pdf_file_id!).executeTakeFirstOrThrow();
  assert.deepEqual([Number(stored.size), stored.content_type, stored.kind], [pdf.length, 'application/pdf', 'issue-pdf']);
  const a = await t.store.db.selectFrom('audit_log').selectAll().where('action', '=', 'issue.pdf').where('entity_id', '=', String(issue.id)).executeTakeFirstOrThrow();
  assert.equal(JSON.parse(a.after_json!).pages, 3);

  // A subscriber downloads it (stamped) from the public API.
  const reader = await createUser(t.store.db, { email: `pdf-reader-${process.pid}@example.org`, passwordHash: null, verified: true });
  await grantEntitlement(t.store.db, { userId: reader.id, plan: 'digital', endsAt: new Date(Date.now() + 86400_000).toISOString(), source: 'admin' });
  const { createApiToken } = await import('../../src/store/users.ts');
  const token = await createApiToken(t.store.db, reader.id, 'api');
  const dl = await t.app.inject({ url: '/api/v1/issues/2025/04/pdf', headers: { authorization: `Bearer ${token}` } });
  assert.equal(dl.statusCode, 200);
  assert.equal(dl.headers['content-type'], 'application/pdf');

  // Covers: a PDF is not an image; a PNG is stored and shown.
  await editor.browser.get(url);
  const notImage = await postFile(t, editor.browser, `${url}/cover`, { name: 'cover.png', content: pdf, type: 'image/png' });
  assert.equal(notImage.statusCode, 400);
  assert.match(notImage.body, /must be a JPEG or PNG image/);
  await editor.browser.get(url);
  const cover = await postFile(t, editor.browser, `${url}/cover`, { name: '../../etc/passwd.png', content: PNG_1X1, type: 'image/png' });
  assert.equal(cover.statusCode, 303);
  const withCover = await editor.browser.get(url);
  assert.match(withCover.body, new RegExp(`<img src="/admin/issues/${issue.id}/cover\\?v=\\d+" alt="Cover of the April 2025 issue"`));
  const img = await editor.browser.get(`${url}/cover`);
  assert.equal(img.statusCode, 200);
  assert.equal(img.headers['content-type'], 'image/png');
  assert.equal(img.headers['cache-control'], 'private, no-store');
  assert.deepEqual(img.rawPayload, PNG_1X1);
  // Anonymous visitors do not get it.
  const anon = await new BrowserSession(t.app).get(`${url}/cover`);
  assert.equal(anon.statusCode, 303);
  // Replacing the cover removes the old file.
  const first = (await t.store.db.selectFrom('issues').select('cover_file_id').where('id', '=', issue.id).executeTakeFirstOrThrow()).cover_file_id!;
  await editor.browser.get(url);
  assert.equal((await postFile(t, editor.browser, `${url}/cover`, { name: 'c.png', content: PNG_1X1, type: 'image/png' })).statusCode, 303);
  assert.equal(await t.store.db.selectFrom('files').select('id').where('id', '=', first).executeTakeFirst(), undefined);
});

test('publishing an issue queues its mail for current subscribers and is audited; an issue with nothing visible is not published', async () => {
  const sub = await createUser(t.store.db, { email: `issue-mail-${process.pid}@example.org`, verified: true });
  await grantEntitlement(t.store.db, { userId: sub.id, plan: 'print-digital', endsAt: new Date(Date.now() + 30 * 86400_000).toISOString(), source: 'admin' });
  const march = await t.store.db.selectFrom('issues').select('id').where('year', '=', 2025).where('month', '=', 3).executeTakeFirstOrThrow();
  const url = `/admin/issues/${march.id}`;
  const res = await editor.browser.post(`${url}/publish`, {}, { from: url });
  assert.equal(res.statusCode, 303);
  const shown = await editor.browser.get(String(res.headers.location));
  assert.match(shown.body, /The issue is published: mail is queued for \d+ subscribers?/);
  assert.match(shown.body, /Published \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC by /);
  const queued = await t.store.db.selectFrom('mail_queue').select(['to_address', 'kind']).where('idem_key', '=', `issue:${march.id}:${sub.id}`).executeTakeFirst();
  assert.deepEqual(queued, { to_address: sub.email, kind: 'issue' });
  const a = await t.store.db.selectFrom('audit_log').selectAll().where('action', '=', 'issue.publish').where('entity_id', '=', String(march.id)).executeTakeFirstOrThrow();
  assert.ok(JSON.parse(a.after_json!).queued >= 1);
  // Again: nobody is mailed twice.
  const again = await editor.browser.post(`${url}/publish`, {}, { from: url });
  assert.match(String(again.headers.location), /queued=0$/);

  const empty = await t.store.db.insertInto('issues').values({ publication_id: 1, year: 2027, month: 6, volume: null, number: null, page_count: null, title: null, created_at: new Date().toISOString() }).returning('id').executeTakeFirstOrThrow();
  const none = await editor.browser.post(`/admin/issues/${empty.id}/publish`, {}, { from: `/admin/issues/${empty.id}` });
  assert.equal(none.statusCode, 409);
  assert.match(none.body, /Not published: no article of this issue is visible/);
  assert.equal(await t.store.db.selectFrom('audit_log').select('id').where('action', '=', 'issue.publish').where('entity_id', '=', String(empty.id)).executeTakeFirst(), undefined);
});

test('readers cannot reach the issue pages; unknown issues are a 404', async () => {
  const reader = await signInAs(t, 'reader');
  assert.equal((await reader.browser.get('/admin/issues')).statusCode, 403);
  assert.equal((await editor.browser.get('/admin/issues/999999')).statusCode, 404);
  assert.equal((await editor.browser.get('/admin/issues/abc')).statusCode, 404);
});

test('the dashboard draws its charts as accessible SVG, counts article views (cached pages too) and lists searches that found nothing', async () => {
  const art = await t.store.db.selectFrom('articles').select(['id', 'slug', 'title']).where('access', '=', 'free').orderBy('id').executeTakeFirstOrThrow();
  const other = await t.store.db.selectFrom('articles').select(['id', 'slug']).where('id', '!=', art.id).orderBy('id').executeTakeFirstOrThrow();
  const anon = new BrowserSession(t.app);
  for (let i = 0; i < 3; i++) assert.equal((await anon.get(`/articles/${art.slug}`)).statusCode, 200); // the 2nd and 3rd from the page cache
  assert.equal((await editor.browser.get(`/articles/${art.slug}`)).statusCode, 200);
  assert.equal((await anon.get(`/articles/${other.slug}`)).statusCode, 200);
  assert.equal((await anon.get('/articles/no-such-article-at-all')).statusCode, 404);
  await articleViews(t.store).flush();
  const views = await t.store.db.selectFrom('article_views').select(['article_id', 'views']).orderBy('article_id').execute();
  assert.deepEqual(views.map((v) => [v.article_id, Number(v.views)]), [[art.id, 4], [other.id, 1]].sort((a, b) => a[0] - b[0]));
  // Counts from another instance add up.
  articleViews(t.store).count(art.slug);
  await articleViews(t.store).flush();
  assert.equal(Number((await t.store.db.selectFrom('article_views').select('views').where('article_id', '=', art.id).executeTakeFirstOrThrow()).views), 5);

  // search_misses belongs to search (migration 0004_search); the dashboard copes without it.
  const missesKept = (await searchMisses(t.store)) !== null;
  if (missesKept) await t.store.db.insertInto('search_misses').values({ query: 'parole board tablets', count: 7, last_at: '2026-11-20T10:00:00.000Z' }).execute();
  const sub = await createUser(t.store.db, { email: `dash-${process.pid}@example.org`, verified: true });
  await grantEntitlement(t.store.db, { userId: sub.id, plan: 'print-digital', startsAt: new Date(Date.now() - 40 * 86400_000).toISOString(), endsAt: new Date(Date.now() + 86400_000).toISOString(), source: 'admin' });

  const page = await editor.browser.get('/admin');
  assert.equal(page.statusCode, 200);
  for (const id of ['chart-subscribers', 'chart-articles', 'chart-most-read']) {
    assert.match(page.body, new RegExp(`<svg role="img" aria-labelledby="${id}-title ${id}-desc"`), id);
    assert.match(page.body, new RegExp(`<title id="${id}-title">`), id);
    assert.match(page.body, new RegExp(`<table class="admin-table" id="${id}-table">`), `${id} has its data table`);
  }
  assert.doesNotMatch(page.body, /<script|style="/, 'no script and no inline style');
  const most = /<table class="admin-table" id="chart-most-read-table">([\s\S]*?)<\/table>/.exec(page.body)?.[1] ?? '';
  const first = /<tbody><tr><th scope="row"><a href="([^"]+)">[^<]+<\/a><\/th><td class="nowrap">(\d+)<\/td>/.exec(most);
  assert.deepEqual(first?.slice(1), [`/articles/${art.slug}`, '5'], 'the most-read article first, linked, with its views');
  if (missesKept) assert.match(page.body, /parole board tablets<\/a><\/td><td>7<\/td>/);
  else assert.match(page.body, /Searches that find nothing are not recorded on this installation yet/);
  // The subscribers chart's table has this month with the print subscriber.
  const table = /<table class="admin-table" id="chart-subscribers-table">([\s\S]*?)<\/table>/.exec(page.body)![1];
  const lastRow = [...table.matchAll(/<tr><th scope="row">([^<]+)<\/th><td class="nowrap">(\d+)<\/td><td class="nowrap">(\d+)<\/td><\/tr>/g)].at(-1)!;
  assert.ok(Number(lastRow[2]) >= 1, 'print + digital this month');
});

test('view counts go to the UTC day of the view, across midnight; unknown slugs are not written', async () => {
  const art = await t.store.db.selectFrom('articles').select(['id', 'slug']).orderBy('id', 'desc').executeTakeFirstOrThrow();
  const c = new ArticleViewCounter(t.store, 60_000);
  const late = Date.parse('2020-02-29T23:59:59.999Z');
  c.count(art.slug, late);
  c.count(art.slug, late);
  c.count(art.slug, late + 1);
  c.count('no-such-slug', late);
  c.count('', late);
  assert.equal(c.waiting, 4);
  await c.close();
  assert.equal(c.waiting, 0);
  const rows = await t.store.db.selectFrom('article_views').select(['day', 'views']).where('article_id', '=', art.id).where('day', '<', '2021').orderBy('day').execute();
  assert.deepEqual(rows.map((r) => [r.day, Number(r.views)]), [['2020-02-29', 2], ['2020-03-01', 1]]);
});
