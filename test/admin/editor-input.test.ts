import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createTestApp, type TestApp } from '../support/app.ts';
import { signInAs, formFields, type Staff } from './support.ts';
import { htmlToBlocks, blocksToArticle } from '../../src/domain/importers/docx.ts';
import { InputError } from '../../src/domain/types.ts';

// Whatever an editor types (or a broken browser sends) into the editor and the import form, the
// answer is a page or a clear error, never a 500; and whatever HTML a Word file turns into, the
// converter gives an article or an InputError.

let t: TestApp;
let ed: Staff;
let id = 0;
before(async () => {
  t = await createTestApp();
  ed = await signInAs(t, 'editor');
  const page = await ed.browser.get('/admin/articles/new');
  const res = await ed.browser.post('/admin/articles', { ...formFields(page.body, '/admin/articles'), title: 'Fuzz Target', slug: 'fuzz-target', body: 'Text.', action: 'save' });
  id = Number(/\/admin\/articles\/(\d+)\//.exec(String(res.headers.location))![1]);
});
after(async () => {
  await t.cleanup();
});

const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', ' ', '2025-13', '2025-00', '0', '-1', '99999999999999999999', '1e3', '2025-02-30T10:00', '9999-12-31T23:59:59', 'javascript:alert(1)', 'https://', '<!--more-->', '<script>x</script>', '\u2028', '%', "'; drop table articles; --", 'ftp://x', 'x'.repeat(400)),
);
const FIELDS = ['title', 'slug', 'dek', 'body', 'authors', 'topics', 'places', 'source_name_0', 'source_url_0', 'access', 'issue', 'page_first', 'page_last', 'teaser', 'status', 'publish_at', 'note', 'base', 'action'];

test('random editor forms: a page or a clear error, never a 5xx', async () => {
  await ed.browser.get(`/admin/articles/${id}/edit`);
  await fc.assert(
    fc.asyncProperty(fc.dictionary(fc.constantFrom(...FIELDS), nasty, { maxKeys: 10 }), fc.boolean(), async (form, isNew) => {
      const url = isNew ? '/admin/articles' : `/admin/articles/${id}`;
      const res = await ed.browser.post(url, { ...form, action: form.action === 'save' ? 'save' : 'preview' }, { from: isNew ? '/admin/articles/new' : `/admin/articles/${id}/edit` });
      assert.ok(res.statusCode < 500, `${res.statusCode} for ${JSON.stringify(form)}`);
      const prev = await ed.browser.post('/admin/preview', { body: form.body ?? '', teaser: form.teaser ?? '' });
      assert.ok(prev.statusCode < 500);
    }),
    { numRuns: 60 },
  );
});

test('random HTML from a Word file: an article or an InputError', () => {
  const tag = fc.constantFrom('p', 'h1', 'h2', 'h6 class="dek"', 'strong', 'em', 'a href="https://x.example/?a=1&amp;b=2"', 'a href="#f1"', 'ul', 'ol', 'li', 'table', 'tr', 'td', 'br /', 'img src=""', 'blockquote', 'sup');
  const piece = fc.oneof(fc.string({ maxLength: 20 }), tag.map((x) => `<${x}>`), tag.map((x) => `</${x.split(' ')[0]}>`));
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
      try {
        const a = blocksToArticle(htmlToBlocks(parts.join('')), 'x.docx');
        assert.ok(a.title.length > 0);
        assert.ok(!a.bodyMarkdown.includes('\u0000'));
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
      }
    }),
    // A paragraph of only a line break once became an article with an empty title.
    { numRuns: 500, examples: [[['<p>', '<br />', '</p>', '!']], [['<h1>', '<br />', '</h1>', '<p>', '<br />', 'x', '</p>']]] },
  );
});
