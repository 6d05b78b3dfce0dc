import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createTestApp, type TestApp } from '../support/app.ts';
import { runCli } from '../support/cli.ts';
import { signInAs, postFile, formFields, fieldValue, type Staff } from './support.ts';

// Import in the admin: upload (multipart) or paste, preview with the editorial checks, then save
// or cancel; bad files are refused by their content with a clear reason and nothing written.

const ROOT = path.resolve(import.meta.dirname, '../..');
const SEED = fs.readFileSync(path.join(ROOT, 'fixtures/seed-pln-bukele.txt'));
const DOCX = fs.readFileSync(path.join(import.meta.dirname, 'fixtures/heat-ruling.docx'));

let t: TestApp;
let ed: Staff;
before(async () => {
  t = await createTestApp();
  ed = await signInAs(t, 'editor');
});
after(async () => {
  await t.cleanup();
});

async function count(): Promise<number> {
  return Number((await t.store.db.selectFrom('articles').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
}

test('the seed file: preview with its findings, nothing written until saved, then a draft at a free address', async () => {
  const n = await count();
  const page = await ed.browser.get('/admin/import');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /enctype="multipart\/form-data"/);
  const res = await postFile(t, ed.browser, '/admin/import', { name: 'seed-pln-bukele.txt', content: SEED, type: 'text/plain' });
  assert.equal(res.statusCode, 200, res.body.slice(0, 1500));
  assert.match(res.body, /Import preview/);
  assert.match(res.body, /Nothing is saved yet/);
  assert.equal(fieldValue(res.body, 'title'), 'Salvadoran President’s Dark Secret Allegedly Behind Deal to Hold Deported Migrants in “Mega” Prison');
  // The demo already has the seed at its address: the import gets another one.
  const slug = fieldValue(res.body, 'slug')!;
  assert.match(slug, /-2$/);
  assert.match(res.body, /An article already has the address/);
  assert.equal(fieldValue(res.body, 'source_name_1'), 'Dropsite News');
  // The editorial checks run on the preview: the 2015 typo is found.
  assert.match(res.body, /id="checks"/);
  assert.match(res.body, /<q>[^<]*2015[^<]*<\/q>/);
  assert.equal(await count(), n, 'a preview writes nothing');

  // Cancel is a link away: still nothing written.
  assert.match(res.body, /href="\/admin\/import">Cancel import/);

  const fields = formFields(res.body, '/admin/articles');
  const saved = await ed.browser.post('/admin/articles', { ...fields, action: 'save' });
  assert.equal(saved.statusCode, 303, saved.body.slice(0, 1500));
  assert.equal(await count(), n + 1);
  const row = await t.store.db.selectFrom('articles').select(['status', 'title', 'access']).where('slug', '=', slug).executeTakeFirstOrThrow();
  assert.equal(row.status, 'draft');
  assert.equal(row.access, 'premium');
  const cites = await t.store.db.selectFrom('citations').innerJoin('articles', 'articles.id', 'citations.article_id').select(['citations.text', 'citations.cited_article_id']).where('articles.slug', '=', slug).execute();
  assert.equal(cites.length, 1);
  assert.ok(cites[0].cited_article_id, 'the citation resolves to the demo article on p.45');
  const audit = await t.store.db.selectFrom('audit_log').select(['action', 'user_email']).where('action', '=', 'article.import').execute();
  assert.equal(audit.length, 1);
  const rev = await t.store.db.selectFrom('article_revisions').innerJoin('articles', 'articles.id', 'article_revisions.article_id').select('note').where('articles.slug', '=', slug).execute();
  assert.deepEqual(rev.map((r) => r.note), ['Imported from seed-pln-bukele.txt']);
});

test('a Word .docx: title, dek, formatting and sources come through', async () => {
  await ed.browser.get('/admin/import');
  const res = await postFile(t, ed.browser, '/admin/import', { name: 'heat-ruling.docx', content: DOCX, type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' });
  assert.equal(res.statusCode, 200, res.body.slice(0, 1500));
  assert.equal(fieldValue(res.body, 'title'), 'Jail Ordered to Restore Air Conditioning After Heat Deaths');
  assert.equal(fieldValue(res.body, 'dek'), 'A federal judge found the county ignored its own heat plan.');
  const body = fieldValue(res.body, 'body')!;
  assert.match(body, /ordered \*\*Tallis County\*\* to restore/);
  assert.match(body, /citing \*three deaths\*/);
  assert.match(body, /^## Heat index readings$/m);
  assert.match(body, /court records & filings/);
  assert.doesNotMatch(body, /Sources:/);
  assert.match(res.body, /<strong>Tallis County<\/strong>/, 'the preview renders it');
  assert.match(res.body, /1\. Not a list/);
  assert.equal(fieldValue(res.body, 'source_name_0'), 'Associated Press');
  const saved = await ed.browser.post('/admin/articles', { ...formFields(res.body, '/admin/articles'), action: 'save' });
  assert.equal(saved.statusCode, 303);
  const html = await t.store.db.selectFrom('article_bodies').innerJoin('articles', 'articles.id', 'article_bodies.article_id').select('body_html').where('articles.slug', '=', 'jail-ordered-to-restore-air-conditioning-after-heat-deaths').executeTakeFirstOrThrow();
  assert.match(html.body_html, /<p>The county said it would appeal\. 1\. Not a list, and a # not a heading\.<\/p>/);
});

test('bad files are refused by their content, with the reason, and nothing is written', async () => {
  const n = await count();
  await ed.browser.get('/admin/import');
  const cases: { name: string; content: Buffer; status: number; message: RegExp }[] = [
    { name: 'story.docx', content: Buffer.from('Just some text, not Word.'), status: 400, message: /not a Word \.docx file/ },
    { name: 'story.txt', content: DOCX, status: 400, message: /binary data|not valid UTF-8/ },
    { name: 'latin1.txt', content: Buffer.from('A Title\nCaf\xe9 society\n', 'latin1'), status: 400, message: /line 2: file is not valid UTF-8/ },
    { name: 'story.pdf', content: Buffer.from('%PDF-1.7'), status: 400, message: /(&quot;|")\.pdf(&quot;|") files cannot be imported/ },
    { name: 'empty.md', content: Buffer.alloc(0), status: 400, message: /the file is empty/ },
    { name: 'broken.docx', content: Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(200, 7)]), status: 400, message: /could not be read/ },
    { name: 'front.md', content: Buffer.from('---\ntitle: X\naccess: paid\n---\nBody'), status: 400, message: /front\.md, line 3: .*access/ },
  ];
  for (const c of cases) {
    const res = await postFile(t, ed.browser, '/admin/import', { name: c.name, content: c.content });
    assert.equal(res.statusCode, c.status, `${c.name}: ${res.body.slice(0, 300)}`);
    assert.ok(c.message.test(res.body), `${c.name}: ${/role="alert"><strong>([^<]*)/.exec(res.body)?.[1]}`);
    assert.match(res.body, /role="alert"/);
  }
  const big = await postFile(t, ed.browser, '/admin/import', { name: 'huge.docx', content: Buffer.alloc(11 * 1024 * 1024, 65) });
  assert.equal(big.statusCode, 413);
  assert.match(big.body, /larger than 10 MB/);
  // Without a CSRF token an upload is refused.
  const noToken = await postFile(t, ed.browser, '/admin/import', { name: 'x.txt', content: SEED }, { _csrf: 'forged' });
  assert.equal(noToken.statusCode, 403);
  assert.equal(await count(), n);
});

test('pasted Markdown with front matter keeps its fields', async () => {
  await ed.browser.get('/admin/import');
  const md = '---\ntitle: "Pasted Story About Jail Tablets"\nauthors: [Jo Park]\ntopics: [Tablets]\nissue: 2025-04\npages: "60"\naccess: free\n---\nFirst paragraph about tablets.\n\n<!--more-->\n\nSecond paragraph.\n';
  const res = await ed.browser.post('/admin/import/text', { format: 'md', text: md });
  assert.equal(res.statusCode, 200, res.body.slice(0, 800));
  assert.equal(fieldValue(res.body, 'title'), 'Pasted Story About Jail Tablets');
  assert.equal(fieldValue(res.body, 'authors'), 'Jo Park');
  assert.equal(fieldValue(res.body, 'issue'), '2025-04');
  assert.equal(fieldValue(res.body, 'page_first'), '60');
  assert.match(res.body, /<option value="free" selected/);
});

test('readers cannot import', async () => {
  const r = await signInAs(t, 'reader');
  const res = await postFile(t, r.browser, '/admin/import', { name: 'x.txt', content: SEED }, { _csrf: 'x' });
  assert.equal(res.statusCode, 403);
});

test('masthead import reads .docx too', async () => {
  const dir = fs.mkdtempSync(path.join(t.dataDir, 'docx-'));
  const file = path.join(dir, 'heat.docx');
  fs.writeFileSync(file, DOCX);
  const r = await runCli(['import', file, '--issue', '2025-05', '--page', '58'], t.env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /jail-ordered-to-restore-air-conditioning-after-heat-deaths/);
  fs.writeFileSync(file, 'not a word file');
  const bad = await runCli(['import', file], t.env);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /heat\.docx: this is not a Word \.docx file/);
});
