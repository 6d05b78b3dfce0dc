import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../support/app.ts';
import { slugify } from '../../src/domain/slug.ts';

const SEED_SLUG = slugify('Salvadoran President’s Dark Secret Allegedly Behind Deal to Hold Deported Migrants in “Mega” Prison');

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(async () => t.cleanup());

test('GET /api/v1/articles pages through every visible article', async () => {
  const first = (await t.app.inject({ url: '/api/v1/articles?limit=10' })).json();
  assert.equal(first.items.length, 10);
  assert.equal(first.total, 26);
  const rest = (await t.app.inject({ url: '/api/v1/articles?limit=100&offset=10' })).json();
  assert.equal(rest.items.length, 16);
  const slugs = new Set([...first.items, ...rest.items].map((i: { slug: string }) => i.slug));
  assert.equal(slugs.size, 26);
  assert.ok(!('body_html' in first.items[0]), 'lists carry no body');
});

test('bad paging parameters get a 400 that says what is wrong', async () => {
  for (const q of ['limit=0', 'limit=101', 'limit=abc', 'offset=-1']) {
    const res = await t.app.inject({ url: `/api/v1/articles?${q}` });
    assert.equal(res.statusCode, 400, q);
    assert.match(res.json().message, /^(limit|offset):/);
  }
});

test('GET /api/v1/articles/:slug has the documented fields; body_html null without access', async () => {
  const a = (await t.app.inject({ url: `/api/v1/articles/${SEED_SLUG}` })).json();
  for (const k of ['slug', 'url', 'title', 'dek', 'access', 'published_at', 'issue', 'pages', 'citation', 'sources', 'topics', 'teaser_html', 'body_html']) {
    assert.ok(k in a, k);
  }
  assert.equal(a.access, 'premium');
  assert.equal(a.body_html, null);
  assert.deepEqual(a.issue, { year: 2025, month: 5, volume: 36, number: 5 });
  assert.deepEqual(a.pages, { first: 30, last: 31 });
  assert.equal(a.citation, 'PLN, May 2025, pp.30-31');
  assert.deepEqual(a.sources, [{ name: 'CBS News', url: null }, { name: 'Dropsite News', url: null }, { name: 'El Faro', url: null }]);
  assert.match(a.teaser_html, /^<p>When Pres\. Donald J\. Trump/);
  assert.equal(a.url, `http://masthead.test/articles/${SEED_SLUG}`);
});

test('a free article carries its body', async () => {
  const list = (await t.app.inject({ url: '/api/v1/articles?limit=100' })).json();
  const free = list.items.find((i: { access: string }) => i.access === 'free');
  const a = (await t.app.inject({ url: `/api/v1/articles/${free.slug}` })).json();
  assert.ok(a.body_html.length > a.teaser_html.length);
});

test('citation export in RIS, BibTeX and CSL-JSON', async () => {
  const ris = await t.app.inject({ url: `/api/v1/articles/${SEED_SLUG}/citation?format=ris` });
  assert.equal(ris.statusCode, 200);
  assert.match(ris.headers['content-type'] as string, /research-info-systems/);
  assert.match(ris.body, /^TY {2}- /);
  assert.match(ris.body, /SP {2}- 30/);
  const bib = await t.app.inject({ url: `/api/v1/articles/${SEED_SLUG}/citation?format=bibtex` });
  assert.match(bib.body, /^@article\{/);
  assert.match(bib.body, /pages\s*=\s*\{30--31\}/);
  const csl = (await t.app.inject({ url: `/api/v1/articles/${SEED_SLUG}/citation?format=csl` })).json();
  assert.equal(csl[0]['container-title'], 'Prison Legal News');
  assert.deepEqual(csl[0].issued['date-parts'][0].slice(0, 2), [2025, 5], 'the print issue dates a citation');
  const bad = await t.app.inject({ url: `/api/v1/articles/${SEED_SLUG}/citation?format=doc` });
  assert.equal(bad.statusCode, 400);
  assert.equal((await t.app.inject({ url: '/api/v1/articles/nope/citation' })).statusCode, 404);
});

test('unknown API paths answer JSON 404', async () => {
  const res = await t.app.inject({ url: '/api/v1/nothing' });
  assert.equal(res.statusCode, 404);
  assert.equal(res.json().error, 'not_found');
});
