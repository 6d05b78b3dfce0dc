import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderRss, renderAtom, escapeXml, stripInvalidXml, absolutizeLinks, parseDate } from '../../src/present/feeds.ts';
import type { ArticleView, ArticleSummaryView } from '../../src/present/article.ts';
import type { Site } from '../../src/web/views/layout.tsx';

const site: Site = {
  name: 'Prison Legal News',
  abbreviation: 'PLN',
  description: 'Dedicated to protecting human rights',
  issn: '1075-7678',
  baseUrl: 'https://pln.example',
};

const SECRET = 'The warden kept a second ledger of gang payments';

/** A premium article as a subscriber's presenter would hand it out: body included. */
const premium: ArticleView = {
  slug: 'bukele-deal',
  url: '/articles/bukele-deal',
  title: 'Bukele’s Deal & the <Mega> Prison',
  dek: null,
  access: 'premium',
  publishedAt: '2025-03-04T10:00:00.000Z',
  updatedAt: '2025-03-05T08:30:00.000Z',
  issue: { year: 2025, month: 3, volume: 36, number: 3, publication: 'PLN' },
  pages: { first: 45, last: 46 },
  citation: 'PLN, Mar. 2025, pp.45-46',
  authors: [{ slug: 'kevin-bliss', name: 'Kevin Bliss' }],
  topics: [{ slug: 'immigration', name: 'Immigration' }],
  places: [],
  sources: [],
  teaserHtml: '<p>Trump &amp; Bukele made a deal; see <a href="/topics/immigration">immigration</a> and <a href="#n1">note</a>, or <a href="https://other.example/x">elsewhere</a>.\u0001\uD800</p>',
  teaserText: 'Trump & Bukele made a deal; see immigration and note, or elsewhere.',
  bodyHtml: `<p>Trump &amp; Bukele made a deal.</p><p>${SECRET}.</p>`,
  bodyText: `Trump & Bukele made a deal.\n\n${SECRET}.`,
  wordCount: 20,
  decision: { full: true, reason: 'subscriber' },
  citations: [],
  citedBy: [],
};

const free: ArticleSummaryView = {
  slug: 'free-story',
  url: '/articles/free-story',
  title: 'A free story',
  dek: 'Dek',
  access: 'free',
  publishedAt: '2025-03-01 09:00:00', // SQL style, no zone: UTC
  updatedAt: '2025-03-01 09:00:00',
  issue: null,
  pages: null,
  citation: null,
  teaserHtml: '<p>Free teaser with <a href=\'/issues/2025/03\'>the issue</a>.</p>',
  teaserText: 'Free teaser with the issue.',
};

// ---------------------------------------------------------------------------
// A tiny XML well-formedness check: balanced, properly nested tags, quoted attributes
// without duplicates, only the five predefined or numeric entity references, one root,
// no characters XML 1.0 forbids.

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
      assert.equal(attrs.trim(), '');
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

function unescapeXml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!);
}

/** Text content of every <name> element, unescaped. */
function texts(xml: string, name: string): string[] {
  const re = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, 'g');
  return [...xml.matchAll(re)].map((m) => unescapeXml(m[1]));
}

const RFC822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

// ---------------------------------------------------------------------------
// Helpers

test('escapeXml escapes markup characters and drops characters XML 1.0 forbids', () => {
  assert.equal(escapeXml(`a & b < c > d "e" 'f'`), 'a &amp; b &lt; c &gt; d &quot;e&quot; &apos;f&apos;');
  assert.equal(stripInvalidXml('a\u0000b\u0008c\u000Bd\u001Fe\uFFFEf\uFFFFg'), 'abcdefg');
  assert.equal(stripInvalidXml('tab\tlf\ncr\r'), 'tab\tlf\ncr\r');
  assert.equal(stripInvalidXml('lone \uD800 high, lone \uDC00 low, pair \uD83D\uDE00'), 'lone  high, lone  low, pair \uD83D\uDE00');
});

test('absolutizeLinks rewrites site-relative and fragment links only', () => {
  const html = '<a href="/x?a=1&amp;b=2">x</a> <a href=\'/y\'>y</a> <a href="//cdn.example/z">z</a> <a href="https://o.example/">o</a> <a href="#n1">n</a> <img src="/i.png">';
  assert.equal(
    absolutizeLinks(html, site, 'https://pln.example/articles/a'),
    '<a href="https://pln.example/x?a=1&amp;b=2">x</a> <a href=\'https://pln.example/y\'>y</a> <a href="//cdn.example/z">z</a> <a href="https://o.example/">o</a> <a href="https://pln.example/articles/a#n1">n</a> <img src="https://pln.example/i.png">',
  );
  assert.equal(absolutizeLinks('<a href="/x">', { ...site, baseUrl: 'https://pln.example/' }, ''), '<a href="https://pln.example/x">');
});

test('parseDate reads zone-less SQL date-times as UTC and rejects non-dates', () => {
  assert.equal(parseDate('2025-03-01 09:00:00')?.toISOString(), '2025-03-01T09:00:00.000Z');
  assert.equal(parseDate('2025-03-01')?.toISOString(), '2025-03-01T00:00:00.000Z');
  assert.equal(parseDate('2025-03-01T09:00:00+02:00')?.toISOString(), '2025-03-01T07:00:00.000Z');
  assert.equal(parseDate('not a date'), null);
  assert.equal(parseDate(null), null);
  assert.equal(parseDate(''), null);
});

// ---------------------------------------------------------------------------
// RSS

test('RSS: well-formed channel with self link, language and newest date as lastBuildDate', () => {
  const xml = renderRss(site, [premium, free], { selfPath: '/feed.xml' });
  assertWellFormed(xml);
  assert.match(xml, /^<\?xml[^>]*>\n<rss version="2\.0" xmlns:atom="http:\/\/www\.w3\.org\/2005\/Atom" xmlns:content="http:\/\/purl\.org\/rss\/1\.0\/modules\/content\/">/);
  assert.match(xml, /<atom:link href="https:\/\/pln\.example\/feed\.xml" rel="self" type="application\/rss\+xml"\/>/);
  const channel = xml.slice(0, xml.indexOf('<item>'));
  assert.deepEqual(texts(channel, 'title'), ['Prison Legal News']);
  assert.deepEqual(texts(channel, 'link'), ['https://pln.example/']);
  assert.deepEqual(texts(channel, 'description'), ['Dedicated to protecting human rights']);
  assert.deepEqual(texts(channel, 'language'), ['en']);
  assert.deepEqual(texts(channel, 'lastBuildDate'), ['Wed, 05 Mar 2025 08:30:00 GMT']);
});

test('RSS: items with absolute link, permalink guid, RFC 822 pubDate and teaser description', () => {
  const xml = renderRss(site, [premium, free], { selfPath: '/feed.xml' });
  const items = xml.split('<item>').slice(1);
  assert.equal(items.length, 2);

  assert.deepEqual(texts(items[0], 'title'), ['Bukele’s Deal & the <Mega> Prison']);
  assert.deepEqual(texts(items[0], 'link'), ['https://pln.example/articles/bukele-deal']);
  assert.match(items[0], /<guid isPermaLink="true">https:\/\/pln\.example\/articles\/bukele-deal<\/guid>/);
  const [pubDate] = texts(items[0], 'pubDate');
  assert.match(pubDate, RFC822);
  assert.equal(pubDate, 'Tue, 04 Mar 2025 10:00:00 GMT');

  const [desc] = texts(items[0], 'description');
  assert.ok(desc.startsWith('<p>Trump &amp; Bukele made a deal; see <a href="https://pln.example/topics/immigration">immigration</a>'), desc);
  assert.ok(desc.includes('<a href="https://pln.example/articles/bukele-deal#n1">note</a>'));
  assert.ok(desc.includes('<a href="https://other.example/x">elsewhere</a>'));
  assert.ok(desc.includes('Subscribers can read the full article at <a href="https://pln.example/articles/bukele-deal">https://pln.example/articles/bukele-deal</a>'));

  assert.deepEqual(texts(items[1], 'pubDate'), ['Sat, 01 Mar 2025 09:00:00 GMT']);
  const [freeDesc] = texts(items[1], 'description');
  assert.equal(freeDesc, '<p>Free teaser with <a href=\'https://pln.example/issues/2025/03\'>the issue</a>.</p>');
  assert.ok(!freeDesc.includes('Subscribers can read'));
  assert.ok(!xml.includes('<category'));
});

test('RSS and Atom: teaser only, never the body, even when handed a full view', () => {
  const freeWithBody = { ...free, bodyHtml: `<p>${SECRET} (free)</p>`, bodyText: `${SECRET} (free)` } as ArticleSummaryView;
  for (const xml of [
    renderRss(site, [premium, freeWithBody], { selfPath: '/feed.xml' }),
    renderAtom(site, [premium, freeWithBody], { selfPath: '/feed.atom' }),
  ]) {
    assertWellFormed(xml);
    assert.ok(!xml.includes(SECRET), 'body text leaked into a public feed');
    assert.ok(!xml.includes('second ledger'));
    assert.ok(!xml.includes('content:encoded'));
    assert.ok(!xml.includes('<content'));
  }
});

test('RSS: illegal characters removed and everything escaped', () => {
  const nasty: ArticleSummaryView = { ...free, slug: 'n', url: '/articles/n', title: 'A\u0000B\u001F & C <script>\uFFFF\uDFFF', teaserHtml: '<p>x\u000Cy & z</p>' };
  const xml = renderRss({ ...site, name: 'News & <Notes>', description: null }, [nasty], { selfPath: '/feed.xml?topic=a&x=1' });
  assertWellFormed(xml);
  assert.ok(xml.includes('<title>News &amp; &lt;Notes&gt;</title>'));
  assert.ok(xml.includes('<description>News &amp; &lt;Notes&gt;</description>'), 'description falls back to the site name');
  assert.ok(xml.includes('<title>AB &amp; C &lt;script&gt;</title>'));
  assert.ok(xml.includes('href="https://pln.example/feed.xml?topic=a&amp;x=1"'));
  assert.deepEqual(texts(xml, 'description').slice(1), ['<p>xy & z</p>']);
});

test('RSS: fullText puts content:encoded on the given slugs only', () => {
  const full = new Map([['bukele-deal', `<p>${SECRET} &amp; more, see <a href="/articles/other">other</a>.</p>`]]);
  const xml = renderRss(site, [premium, free], { selfPath: '/feeds/private/abc.xml', title: 'PLN for Jane', fullText: full });
  assertWellFormed(xml);
  const items = xml.split('<item>').slice(1);
  assert.deepEqual(texts(items[0], 'content:encoded'), [`<p>${SECRET} &amp; more, see <a href="https://pln.example/articles/other">other</a>.</p>`]);
  assert.deepEqual(texts(items[1], 'content:encoded'), []);
  // The subscriber has the text: no "subscribers can read" line on that item.
  assert.ok(!texts(items[0], 'description')[0].includes('Subscribers can read'));
  assert.ok(texts(items[0], 'description')[0].startsWith('<p>Trump &amp; Bukele'));
  assert.deepEqual(texts(xml.slice(0, xml.indexOf('<item>')), 'title'), ['PLN for Jane']);
  assert.match(xml, /href="https:\/\/pln\.example\/feeds\/private\/abc\.xml" rel="self"/);
});

test('RSS: an empty feed is well-formed and dated by now', () => {
  const xml = renderRss(site, [], { selfPath: '/feed.xml', now: new Date('2025-06-01T12:00:00Z') });
  assertWellFormed(xml);
  assert.deepEqual(texts(xml, 'lastBuildDate'), ['Sun, 01 Jun 2025 12:00:00 GMT']);
  assert.ok(!xml.includes('<item>'));
});

// ---------------------------------------------------------------------------
// Atom

test('Atom: well-formed feed with id, updated, self and alternate links, author', () => {
  const xml = renderAtom(site, [premium, free], { selfPath: '/feed.atom' });
  assertWellFormed(xml);
  assert.match(xml, /<feed xmlns="http:\/\/www\.w3\.org\/2005\/Atom" xml:lang="en">/);
  const head = xml.slice(0, xml.indexOf('<entry>'));
  assert.deepEqual(texts(head, 'title'), ['Prison Legal News']);
  assert.deepEqual(texts(head, 'subtitle'), ['Dedicated to protecting human rights']);
  assert.deepEqual(texts(head, 'id'), ['https://pln.example/feed.atom']);
  assert.deepEqual(texts(head, 'updated'), ['2025-03-05T08:30:00Z']);
  assert.match(head, /<link rel="self" type="application\/atom\+xml" href="https:\/\/pln\.example\/feed\.atom"\/>/);
  assert.match(head, /<link rel="alternate" type="text\/html" href="https:\/\/pln\.example\/"\/>/);
  assert.match(head, /<author><name>Prison Legal News<\/name><\/author>/);
});

test('Atom: entries with URL ids, published/updated, html summary with the teaser', () => {
  const xml = renderAtom(site, [premium, free], { selfPath: '/feed.atom' });
  const entries = xml.split('<entry>').slice(1);
  assert.equal(entries.length, 2);
  assert.deepEqual(texts(entries[0], 'title'), ['Bukele’s Deal & the <Mega> Prison']);
  assert.deepEqual(texts(entries[0], 'id'), ['https://pln.example/articles/bukele-deal']);
  assert.match(entries[0], /<link rel="alternate" type="text\/html" href="https:\/\/pln\.example\/articles\/bukele-deal"\/>/);
  assert.deepEqual(texts(entries[0], 'published'), ['2025-03-04T10:00:00Z']);
  assert.deepEqual(texts(entries[0], 'updated'), ['2025-03-05T08:30:00Z']);
  assert.match(entries[0], /<summary type="html">/);
  const [summary] = texts(entries[0], 'summary');
  assert.ok(summary.includes('href="https://pln.example/topics/immigration"'));
  assert.ok(summary.includes('Subscribers can read the full article at'));
  const [freeSummary] = texts(entries[1], 'summary');
  assert.ok(!freeSummary.includes('Subscribers can read'));
  assert.deepEqual(texts(entries[1], 'published'), ['2025-03-01T09:00:00Z']);
});

test('Atom: fullText gives <content type="html"> for the given slugs only', () => {
  const xml = renderAtom(site, [premium, free], { selfPath: '/feed.atom', fullText: new Map([['free-story', '<p>Whole free story</p>']]) });
  assertWellFormed(xml);
  const entries = xml.split('<entry>').slice(1);
  assert.deepEqual(texts(entries[0], 'content'), []);
  assert.ok(texts(entries[0], 'summary')[0].includes('Subscribers can read'));
  assert.match(entries[1], /<content type="html">&lt;p&gt;Whole free story&lt;\/p&gt;<\/content>/);
});

test('Atom: an entry without usable dates still has <updated>', () => {
  const undated: ArticleSummaryView = { ...free, publishedAt: null, updatedAt: 'garbage' };
  const xml = renderAtom(site, [undated], { selfPath: '/feed.atom', now: new Date('2025-06-01T12:00:00Z') });
  assertWellFormed(xml);
  const entry = xml.split('<entry>')[1];
  assert.deepEqual(texts(entry, 'updated'), ['2025-06-01T12:00:00Z']);
  assert.deepEqual(texts(entry, 'published'), []);
  const rss = renderRss(site, [undated], { selfPath: '/feed.xml', now: new Date('2025-06-01T12:00:00Z') });
  assertWellFormed(rss);
  assert.ok(!rss.includes('<pubDate>'));
});

test('the well-formedness check itself rejects broken XML', () => {
  const decl = '<?xml version="1.0" encoding="UTF-8"?>\n';
  assertWellFormed(`${decl}<a><b x="1"/>t &amp; &#38; &#x26;</a>\n`);
  for (const bad of [
    '<a><b></a></b>',
    '<a>',
    '<a>x & y</a>',
    '<a x="1" x="2"/>',
    '<a x=1/>',
    '<a/><b/>',
    '<a>\u0001</a>',
    '<a>\uD800</a>',
    'text<a/>',
  ]) {
    assert.throws(() => assertWellFormed(decl + bad), assert.AssertionError, bad);
  }
});
