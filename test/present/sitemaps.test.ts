import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderUrlset, renderSitemapIndex, renderNewsSitemap, SITEMAP_PAGE_SIZE, NEWS_SITEMAP_MAX, w3cDate } from '../../src/present/sitemaps.ts';
import type { ArticleView, ArticleSummaryView } from '../../src/present/article.ts';
import type { Site } from '../../src/web/views/layout.tsx';

const site: Site = {
  name: 'Prison Legal News',
  abbreviation: 'PLN',
  description: null,
  issn: '1075-7678',
  baseUrl: 'https://pln.example',
};

const SECRET = 'The warden kept a second ledger of gang payments';
const NOW = new Date('2025-03-10T12:00:00Z');
const HOUR = 3600_000;

function summary(slug: string, publishedAt: string | null, extra: Partial<ArticleSummaryView> = {}): ArticleSummaryView {
  return {
    slug,
    url: `/articles/${slug}`,
    title: `Title of ${slug}`,
    dek: null,
    access: 'free',
    publishedAt,
    updatedAt: publishedAt ?? '2025-01-01T00:00:00Z',
    issue: null,
    pages: null,
    citation: null,
    teaserHtml: `<p>Teaser of ${slug}</p>`,
    teaserText: `Teaser of ${slug}`,
    ...extra,
  };
}

const hoursAgo = (h: number) => new Date(NOW.getTime() - h * HOUR).toISOString();

/** A premium article as a subscriber's presenter hands it out, body included. */
const premium: ArticleView = {
  ...summary('bukele-deal', hoursAgo(3), { access: 'premium', title: 'Bukele & the <Mega> Prison\u0001' }),
  authors: [{ slug: 'kevin-bliss', name: 'Kevin Bliss' }],
  topics: [],
  places: [],
  sources: [],
  bodyHtml: `<p>${SECRET}.</p>`,
  bodyText: `${SECRET}.`,
  wordCount: 10,
  decision: { full: true, reason: 'subscriber' },
  citations: [],
  citedBy: [],
};

// A tiny XML well-formedness check (same as in feeds.test.ts): balanced tags, quoted
// attributes, only predefined or numeric entity references, one root, no forbidden characters.
const ENTITY_OK = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;

function assertWellFormed(xml: string): void {
  assert.doesNotMatch(xml, /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/, 'illegal control character');
  assert.doesNotMatch(xml, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/, 'lone surrogate');
  assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>/);
  const body = xml.replace(/^<\?xml[^?]*\?>/, '');
  const token = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[A-Za-z_][\w:.-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>|([^<]+)/y;
  const stack: string[] = [];
  let roots = 0;
  let pos = 0;
  while (pos < body.length) {
    token.lastIndex = pos;
    const m = token.exec(body);
    assert.ok(m, `unparseable XML at ${pos}: ${JSON.stringify(body.slice(pos, pos + 60))}`);
    pos = token.lastIndex;
    if (m[5] !== undefined) {
      assert.doesNotMatch(m[5], ENTITY_OK, `raw & in text ${JSON.stringify(m[5].slice(0, 80))}`);
      if (stack.length === 0) assert.match(m[5], /^\s*$/, 'text outside the root element');
      continue;
    }
    const [, closing, name, attrs, selfClosing] = m;
    if (closing) {
      assert.equal(stack.pop(), name, `</${name}> does not close the open element`);
      continue;
    }
    const names = [...attrs.matchAll(/([A-Za-z_][\w:.-]*)\s*=\s*("[^"]*"|'[^']*')/g)];
    assert.equal(new Set(names.map((a) => a[1])).size, names.length, `duplicate attribute on <${name}>`);
    for (const a of names) assert.doesNotMatch(a[2], ENTITY_OK, `raw & in attribute ${a[1]}`);
    if (stack.length === 0) roots++;
    if (!selfClosing) stack.push(name);
  }
  assert.deepEqual(stack, [], 'unclosed elements');
  assert.equal(roots, 1, 'exactly one root element');
}

function texts(xml: string, name: string): string[] {
  const re = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, 'g');
  return [...xml.matchAll(re)].map((m) => m[1].replace(/&(amp|lt|gt|quot|apos);/g, (_x, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!));
}

test('SITEMAP_PAGE_SIZE is 10000', () => {
  assert.equal(SITEMAP_PAGE_SIZE, 10000);
});

test('w3cDate: dates stay dates, date-times become UTC to the second, junk is dropped', () => {
  assert.equal(w3cDate('2025-03-01'), '2025-03-01');
  assert.equal(w3cDate('2025-03-01T10:20:30.456Z'), '2025-03-01T10:20:30Z');
  assert.equal(w3cDate('2025-03-01T10:20:30+02:00'), '2025-03-01T08:20:30Z');
  assert.equal(w3cDate('2025-03-01 10:20:30'), '2025-03-01T10:20:30Z');
  assert.equal(w3cDate('2025-13-45'), null);
  assert.equal(w3cDate('2025-02-30'), null);
  assert.equal(w3cDate('yesterday'), null);
  assert.equal(w3cDate(null), null);
  assert.equal(w3cDate(undefined), null);
});

test('renderUrlset: well-formed, escaped locs, W3C lastmod only when there is a date', () => {
  const xml = renderUrlset([
    { loc: 'https://pln.example/' },
    { loc: 'https://pln.example/search?q=a&topic=b', lastmod: '2025-03-01T10:20:30.000Z' },
    { loc: 'https://pln.example/articles/x', lastmod: null },
    { loc: 'https://pln.example/articles/y\u0002', lastmod: 'not a date' },
    { loc: 'https://pln.example/issues/2025/03', lastmod: '2025-03-01' },
  ]);
  assertWellFormed(xml);
  assert.match(xml, /<urlset xmlns="http:\/\/www\.sitemaps\.org\/schemas\/sitemap\/0\.9">/);
  assert.deepEqual(texts(xml, 'loc'), [
    'https://pln.example/',
    'https://pln.example/search?q=a&topic=b',
    'https://pln.example/articles/x',
    'https://pln.example/articles/y',
    'https://pln.example/issues/2025/03',
  ]);
  assert.ok(xml.includes('<loc>https://pln.example/search?q=a&amp;topic=b</loc>'));
  assert.deepEqual(texts(xml, 'lastmod'), ['2025-03-01T10:20:30Z', '2025-03-01']);
  assert.equal((xml.match(/<url>/g) ?? []).length, 5);
});

test('renderUrlset: an empty set is still a well-formed document', () => {
  const xml = renderUrlset([]);
  assertWellFormed(xml);
  assert.ok(!xml.includes('<url>'));
});

test('renderSitemapIndex: well-formed <sitemapindex> of <sitemap> entries', () => {
  const xml = renderSitemapIndex([
    { loc: 'https://pln.example/sitemap-pages.xml' },
    { loc: 'https://pln.example/sitemap-articles-1.xml', lastmod: '2025-03-05T08:30:00Z' },
  ]);
  assertWellFormed(xml);
  assert.match(xml, /<sitemapindex xmlns="http:\/\/www\.sitemaps\.org\/schemas\/sitemap\/0\.9">/);
  assert.equal((xml.match(/<sitemap>/g) ?? []).length, 2);
  assert.deepEqual(texts(xml, 'loc'), ['https://pln.example/sitemap-pages.xml', 'https://pln.example/sitemap-articles-1.xml']);
  assert.deepEqual(texts(xml, 'lastmod'), ['2025-03-05T08:30:00Z']);
  assert.ok(!xml.includes('<url>'));
});

test('renderNewsSitemap: only items published in the two days up to now, newest first', () => {
  const items = [
    summary('older-than-two-days', hoursAgo(49)),
    summary('exactly-two-days', hoursAgo(48)),
    summary('one-hour', hoursAgo(1)),
    summary('yesterday', hoursAgo(24)),
    summary('scheduled-future', new Date(NOW.getTime() + HOUR).toISOString()),
    summary('unpublished', null),
    summary('bad-date', 'garbage'),
    summary('forty-seven-hours', hoursAgo(47)),
  ];
  const xml = renderNewsSitemap(site, items, NOW);
  assertWellFormed(xml);
  assert.deepEqual(texts(xml, 'loc'), [
    'https://pln.example/articles/one-hour',
    'https://pln.example/articles/yesterday',
    'https://pln.example/articles/forty-seven-hours',
    'https://pln.example/articles/exactly-two-days',
  ]);
  assert.deepEqual(texts(xml, 'news:publication_date'), [hoursAgo(1), hoursAgo(24), hoursAgo(47), hoursAgo(48)].map((d) => d.replace('.000Z', 'Z')));
  // The same items a day later: only what was published since then.
  const later = renderNewsSitemap(site, items, new Date(NOW.getTime() + 24 * HOUR));
  assert.deepEqual(texts(later, 'loc'), ['https://pln.example/articles/scheduled-future', 'https://pln.example/articles/one-hour', 'https://pln.example/articles/yesterday']);
});

test('renderNewsSitemap: Google News namespace, publication name and language, escaped title, no teaser or body', () => {
  const xml = renderNewsSitemap({ ...site, name: 'News & Notes' }, [premium, summary('free-one', hoursAgo(5))], NOW);
  assertWellFormed(xml);
  assert.match(xml, /<urlset xmlns="http:\/\/www\.sitemaps\.org\/schemas\/sitemap\/0\.9" xmlns:news="http:\/\/www\.google\.com\/schemas\/sitemap-news\/0\.9">/);
  assert.deepEqual(texts(xml, 'news:name'), ['News & Notes', 'News & Notes']);
  assert.deepEqual(texts(xml, 'news:language'), ['en', 'en']);
  assert.deepEqual(texts(xml, 'news:title'), ['Bukele & the <Mega> Prison', 'Title of free-one']);
  assert.ok(xml.includes('<news:title>Bukele &amp; the &lt;Mega&gt; Prison</news:title>'));
  assert.ok(!xml.includes(SECRET));
  assert.ok(!xml.includes('Teaser of'));
});

test('renderNewsSitemap: at most NEWS_SITEMAP_MAX urls, the newest', () => {
  assert.equal(NEWS_SITEMAP_MAX, 1000);
  const items = Array.from({ length: 1005 }, (_, i) => summary(`a${i}`, new Date(NOW.getTime() - i * 60_000).toISOString()));
  const xml = renderNewsSitemap(site, items.reverse(), NOW);
  const locs = texts(xml, 'loc');
  assert.equal(locs.length, 1000);
  assert.equal(locs[0], 'https://pln.example/articles/a0');
  assert.equal(locs[999], 'https://pln.example/articles/a999');
});

test('renderNewsSitemap: nothing recent gives an empty, well-formed urlset', () => {
  const xml = renderNewsSitemap(site, [summary('old', '2020-01-01T00:00:00Z')], NOW);
  assertWellFormed(xml);
  assert.ok(!xml.includes('<url>'));
});
