import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createTestApp, type TestApp } from '../support/app.ts';
import { renderMarkdown } from '../../src/domain/render.ts';
import { findCitations, linkCitationsInHtml, parseCiteParams, citePath, formatCitation } from '../../src/domain/citations.ts';
import { parseImportFile, parseImportFileAsync } from '../../src/domain/importers/index.ts';
import { InputError, type ImportedArticle } from '../../src/domain/types.ts';
import { saveArticles } from '../../src/commands/save-articles.ts';
import { saveFile, fileMeta, sniffContentType, MAX_FILE_BYTES } from '../../src/store/files.ts';
import { hostile, PAYLOADS, scriptProblems, responseProblems, wellFormed } from './attacks-support.ts';

// Random and hostile input to the parsers that turn what people send into pages: the Markdown
// renderer and its sanitiser, the citation parser and linker, the importers (plain text, Markdown
// with front matter, Word), and the whole way from an imported file to the pages that show it.
// Properties: nothing throws but a clear InputError, and nothing rendered can run a script.

const SCALE = Number(process.env.ATTACK_SCALE ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
const SEED = process.env.ATTACK_SEED === 'random' ? Date.now() : Number(process.env.ATTACK_SEED ?? 20251127);
let inputs = 0;

test('the script check itself catches what it must (so a pass means something)', () => {
  const bad = [
    '<script>alert(1)</script>', '<script type="module">x</script>', '<script type="application/ld+json" src="//x"></script>',
    '<script type="application/ld+json">{"a":"</script><script>alert(1)</script>"}</script>', '<img src=x onerror=alert(1)>', '<a href=" jav&#x09;ascript:alert(1)">x</a>',
    '<a href="JAVASCRIPT:alert(1)">x</a>', '<form action="javascript:alert(1)"></form>', '<iframe src="/"></iframe>', '<a href="data:text/html,x">x</a>', '<p style="color:red">x</p>',
    '<meta http-equiv="refresh" content="0; url=javascript:alert(1)">', '<svg><script>alert(1)</script></svg>', '<base href="//evil.example/">',
  ];
  for (const html of bad) assert.ok(scriptProblems(html).length > 0, html);
  const good = ['<p>x</p>', '<a href="/articles/x">x</a>', '<script type="application/ld+json">{"@type":"NewsArticle","x":"\\u003c/script>"}</script>', '<img src="data:image/png;base64,AAAA" alt="">', '<p>javascript:alert(1) as text</p>'];
  for (const html of good) assert.deepEqual(scriptProblems(html), [], html);
  assert.ok(responseProblems('application/json', JSON.stringify({ body_html: '<img src=x onerror=alert(1)>' })).length > 0);
  assert.ok(responseProblems('application/rss+xml', '<rss><channel><item><description>&lt;script&gt;alert(1)&lt;/script&gt;</description></item></channel></rss>').length > 0);
});

// ---------------------------------------------------------------- hostile Markdown

const MD_PIECES = [
  '[', ']', '(', ')', '](', '![', '<', '>', '`', '``', '```', '~~~', '*', '_', '**', '#', '# ', '## ', '> ', '- ', '1. ', '|', '|---|', '\\', '&', '&#', ';', ':', '"', "'",
  '\n', '\n\n', '    ', '\t', '<!--more-->', '<!--', '-->', '<!-- more -->', '---', '***', '[^1]', '[x]: ', 'http://', 'https://example.com/', 'mailto:a@b.c',
  'javascript:alert(1)', 'JAVASCRIPT:alert(1)', 'javascript&colon;alert(1)', '&#106;avascript:alert(1)', '&#x6A;avascript:alert(1)', 'java&#x09;script:', 'jav\u0000ascript:',
  'vbscript:msgbox(1)', 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==', 'data:image/svg+xml,<svg onload=alert(1)>',
  '<script>', '</script>', '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '<a href="javascript:alert(1)">', '</a>', '<svg/onload=alert(1)>',
  '<iframe src=//evil.example>', '<style>', '<div style="x">', '<details open ontoggle=alert(1)>', '<math><mi xlink:href="javascript:alert(1)">', '<base href=//evil.example>',
  '<form action=javascript:alert(1)>', '<input autofocus onfocus=alert(1)>', '<meta http-equiv=refresh content="0;url=javascript:alert(1)">', '<object data=x>',
  '[See: PLN, Mar. 2025, p.45.]', '[See: PLN, Jan. 2025, pp.22-23; PLN, Feb. 2025, p.1.]', '[See: ', 'PLN, ', 'Mar. 2025, ', 'p.45', '.]', 'pp.', '-',
];

const markdown: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.array(fc.oneof(fc.constantFrom(...MD_PIECES), fc.constantFrom(...PAYLOADS), fc.string({ maxLength: 8 })), { maxLength: 40 }).map((a) => a.join('')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 1, arbitrary: fc.array(fc.tuple(fc.constantFrom(...MD_PIECES), fc.constantFrom('x', 'javascript:alert(1)', '<script>', '"')), { maxLength: 30 }).map((a) => a.flat().join('')) },
);

function noScript(html: string, what: string): void {
  const problems = scriptProblems(html);
  assert.deepEqual(problems, [], `${what} can run script:\n${html.slice(0, 2000)}`);
}

test('the Markdown renderer and sanitiser: any input renders, and the HTML can run no script', () => {
  fc.assert(fc.property(markdown, (src) => {
    inputs++;
    const r = renderMarkdown(src);
    noScript(r.bodyHtml, 'body');
    noScript(r.teaserHtml, 'teaser');
    assert.equal(typeof r.text, 'string');
    assert.ok(Number.isInteger(r.wordCount) && r.wordCount >= 0);
  }), { numRuns: runs(3000), seed: SEED });
});

// ---------------------------------------------------------------- citations

const citationText: fc.Arbitrary<string> = fc.array(fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('[See: ', '[see ', 'PLN, ', 'PLN ', 'pln, ', 'XYZ, ', 'Mar. ', 'March ', 'Sept. ', 'Jan ', 'Dec. ', '2025', '1999', '0000', '99999', ', ', 'p.', 'p. ', 'pp.', '45', '0', '-', '–', '—', '46', '100000', '.]', ']', '; ', ' and ', '\n', '[', '&amp;', '<em>', '</em>', '<a href="/x">', '</a>') },
  { weight: 1, arbitrary: hostile },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
), { maxLength: 40 }).map((a) => a.join(''));

test('the citation parser: any text, citations found inside it, well-formed; parameters of /cite validated', () => {
  fc.assert(fc.property(citationText, (text) => {
    inputs++;
    for (const g of findCitations(text)) {
      assert.ok(g.start >= 0 && g.end <= text.length && g.start < g.end, 'a citation group lies inside the text');
      for (const c of g.citations) {
        assert.ok(Number.isInteger(c.year) && Number.isInteger(c.month) && c.month >= 1 && c.month <= 12, JSON.stringify(c));
        assert.ok(Number.isInteger(c.pageFirst) && c.pageFirst >= 1 && c.pageLast >= c.pageFirst, JSON.stringify(c));
        assert.match(citePath(c), /^\/cite\/[^/]+\/\d+\/\d{2}\/\d+$/);
        assert.equal(typeof formatCitation(c), 'string');
      }
    }
  }), { numRuns: runs(2000), seed: SEED + 1 });

  fc.assert(fc.property(hostile, hostile, hostile, hostile, (p, y, m, pg) => {
    inputs++;
    const r = parseCiteParams(p, y, m, pg);
    if (r) assert.ok(r.month >= 1 && r.month <= 12 && r.page >= 1 && /^[A-Za-z]+$/.test(r.publication));
  }), { numRuns: runs(1000), seed: SEED + 2 });
});

test('citation links in rendered HTML add no script, whatever the text around them', () => {
  fc.assert(fc.property(fc.tuple(markdown, citationText).map(([a, b]) => a + b), (src) => {
    inputs++;
    const html = renderMarkdown(src).bodyHtml;
    const linked = linkCitationsInHtml(html, (c) => citePath(c));
    noScript(linked, 'linked body');
  }), { numRuns: runs(1500), seed: SEED + 3 });
});

// ---------------------------------------------------------------- importers

const yamlValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: hostile.map((s) => JSON.stringify(wellFormed(s))) },
  { weight: 2, arbitrary: hostile.map((s) => wellFormed(s).replace(/\n/g, ' ')) },
  { weight: 1, arbitrary: fc.array(hostile.map((s) => JSON.stringify(wellFormed(s))), { maxLength: 4 }).map((a) => `[${a.join(', ')}]`) },
  { weight: 1, arbitrary: fc.constantFrom('[{name: X, url: "javascript:alert(1)"}]', '[{name: "<script>", url: "https://example.org/\\"><script>"}]', '- a\n  - b', '{a: 1}', '&a [1]', '*a', '!!js/function "function(){}"',
    '!!binary aGk=', '2025-13-45', '2025-03', '"45-46"', '99999-1', 'premium', 'free', 'draft', 'scheduled', 'published', '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]', 'null', '~', '.nan', '0x1F', '1e400') },
);
const FM_KEYS = ['title', 'dek', 'authors', 'author', 'topics', 'places', 'sources', 'access', 'status', 'published_at', 'issue', 'pages', 'page', 'slug', 'url', '__proto__', 'constructor', 'unknown'];

const frontMatter: fc.Arbitrary<string> = fc.array(fc.tuple(fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...FM_KEYS) }, { weight: 1, arbitrary: hostile.map(wellFormed) }), yamlValue), { maxLength: 8 })
  .map((pairs) => pairs.map(([k, v]) => `${k}: ${v}`).join('\n'));

const YAML_BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ntitle: *f';

const markdownFile: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(frontMatter, markdown).map(([fm, body]) => `---\n${fm}\n---\n${body}`) },
  { weight: 1, arbitrary: markdown },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('---\n', '---\r\n', '---', '--- \n', '\ufeff---\n'), fc.string({ maxLength: 200 })).map(([a, b]) => a + b) },
  { weight: 1, arbitrary: markdown.map((body) => `---\n${YAML_BOMB}\n---\n${body}`) },
);

const plainFile: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.oneof(hostile, fc.constantFrom('Sources: ', 'Sources: CBS News, <script>, javascript:alert(1)', 'As a digital subscriber to Prison Legal News, you can access full text and downloads for this and other premium content.', 'Already a subscriber? Login', '', ' ', '[See: PLN, Mar. 2025, p.45.]')), { maxLength: 12 }).map((l) => l.join('\n')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
);

/** The importer's contract: an article, or an InputError that says what is wrong (and where). */
function importOrInputError(parse: () => ImportedArticle, source: string): ImportedArticle | null {
  try {
    return parse();
  } catch (err) {
    assert.ok(err instanceof InputError, `not an InputError: ${(err as Error)?.stack ?? err}\ninput:\n${source.slice(0, 1000)}`);
    assert.ok(err.message.length > 3, 'the error says something');
    if (err.line !== undefined) assert.ok(err.line >= 1 && err.line <= source.split('\n').length + 1, `line ${err.line} is in the file`);
    return null;
  }
}

function checkArticle(a: ImportedArticle): void {
  assert.match(a.slug, /^[a-z0-9]+(-[a-z0-9]+)*$/, `slug ${a.slug}`);
  assert.ok(a.title.trim().length > 0);
  for (const s of a.sources) if (s.url !== null) assert.match(s.url, /^https?:\/\//i, `source URL ${s.url}`);
  const r = renderMarkdown(a.bodyMarkdown);
  noScript(r.bodyHtml, 'imported body');
  noScript(r.teaserHtml, 'imported teaser');
}

test('the Markdown importer: any file is an article or a clear InputError', () => {
  fc.assert(fc.property(markdownFile, (src) => {
    inputs++;
    const a = importOrInputError(() => parseImportFile('attack.md', src), src);
    if (a) checkArticle(a);
  }), { numRuns: runs(2500), seed: SEED + 4 });
});

test('the plain-text importer: any file is an article or a clear InputError; bytes that are not UTF-8 too', () => {
  fc.assert(fc.property(plainFile, (src) => {
    inputs++;
    const a = importOrInputError(() => parseImportFile('attack.txt', src), src);
    if (a) checkArticle(a);
  }), { numRuns: runs(1500), seed: SEED + 5 });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom('attack.txt', 'attack.md'), (bytes, name) => {
    inputs++;
    const a = importOrInputError(() => parseImportFile(name, Buffer.from(bytes)), Buffer.from(bytes).toString('latin1'));
    if (a) checkArticle(a);
  }), { numRuns: runs(500), seed: SEED + 6 });
});

test('the Word importer: random bytes and broken archives are refused with an InputError', async () => {
  const zipish = fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.from(b)]));
  await fc.assert(fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)), zipish), async (bytes) => {
    inputs++;
    try {
      const a = await parseImportFileAsync('attack.docx', bytes);
      checkArticle(a);
    } catch (err) {
      assert.ok(err instanceof InputError, `not an InputError: ${(err as Error)?.stack ?? err}`);
    }
  }), { numRuns: runs(300), seed: SEED + 7 });
});

// ---------------------------------------------------------------- imported file → pages

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(async () => {
  process.stdout.write(`# ${inputs} inputs to the renderer, citation parser and importers\n`);
  await t?.cleanup();
});

/** Front matter that imports (mostly): hostile text where people write text. */
const importable: fc.Arbitrary<string> = fc.record({
  title: hostile, dek: hostile, author: hostile, topic: hostile, source: hostile, url: fc.constantFrom('https://example.org/a?b=<script>', 'https://example.org/"><svg onload=alert(1)>', 'http://x.example/\'onmouseover=\'alert(1)'),
  access: fc.constantFrom('free', 'premium'), body: markdown, n: fc.integer({ min: 1, max: 1e9 }),
}).map((r) => {
  const q = (s: string) => JSON.stringify(wellFormed(s).trim() || 'x');
  return `---\ntitle: ${q(`${r.title} ${r.n}`)}\ndek: ${q(r.dek)}\nauthors: [${q(r.author)}]\ntopics: [${q(r.topic)}]\nsources:\n  - name: ${q(r.source)}\n    url: ${JSON.stringify(r.url)}\naccess: ${r.access}\nstatus: published\npublished_at: 2025-03-0${1 + (r.n % 9)}\nissue: 2025-03\npages: "${1 + (r.n % 80)}"\n---\n${r.body}\n\n[See: PLN, Mar. 2025, p.45.]\n`;
});

test('imported hostile articles, on every page that shows them: no 5xx, no script', async () => {
  let saved = 0;
  await fc.assert(fc.asyncProperty(importable, async (src) => {
    inputs++;
    const a = importOrInputError(() => parseImportFile('attack.md', src), src);
    if (!a) return;
    try {
      await saveArticles(t.store.db, [{ file: 'attack.md', article: a }]);
    } catch (err) {
      assert.ok(err instanceof InputError, `saving: not an InputError: ${(err as Error)?.stack ?? err}`);
      return;
    }
    saved++;
    const row = await t.store.db.selectFrom('articles').select('slug').where('slug', '=', a.slug).executeTakeFirstOrThrow();
    const topic = await t.store.db.selectFrom('topics').innerJoin('article_topics', 'article_topics.topic_id', 'topics.id').innerJoin('articles', 'articles.id', 'article_topics.article_id')
      .select('topics.slug').where('articles.slug', '=', row.slug).executeTakeFirst();
    const urls = [`/articles/${row.slug}`, `/articles/${row.slug}/print`, `/api/v1/articles/${row.slug}`, `/api/v1/articles/${row.slug}/citation?format=ris`, `/api/v1/articles/${row.slug}/text`, '/', '/feed.xml', '/feed.atom', '/issues/2025/03', '/cite/PLN/2025/03/45'];
    if (topic) urls.push(`/topics/${topic.slug}`);
    for (const url of urls) {
      const res = await t.app.inject({ url, headers: { host: 'masthead.test' } });
      assert.ok(res.statusCode < 500, `${res.statusCode} for ${url}\n${res.body.slice(0, 400)}`);
      assert.deepEqual(responseProblems(String(res.headers['content-type'] ?? ''), res.body), [], `script in ${url} for:\n${src.slice(0, 1500)}`);
    }
  }), { numRuns: runs(80), seed: SEED + 8 });
  assert.ok(saved >= runs(80) / 3, `only ${saved} of the hostile articles imported: the generator should make importable ones`);
});

test('uploads are judged by their bytes: a file is stored only as what its content is', async () => {
  const head = fc.constantFrom(Buffer.from('%PDF-1.7\n'), Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('<svg onload=alert(1)>'), Buffer.from('<html><script>alert(1)</script>'), Buffer.alloc(0));
  const bytes = fc.tuple(fc.uint8Array({ maxLength: 64 }), head, fc.uint8Array({ maxLength: 64 }), fc.boolean())
    .map(([pre, h, post, prefixed]) => Buffer.concat(prefixed ? [Buffer.from(pre), h, Buffer.from(post)] : [h, Buffer.from(post)]));
  const declared = fc.constantFrom('application/pdf', 'image/jpeg', 'image/png', 'image/svg+xml', 'text/html', 'application/octet-stream');
  await fc.assert(fc.asyncProperty(bytes, declared, fc.constantFrom('issue-pdf', 'cover'), async (content, type, kind) => {
    inputs++;
    const sniffed = sniffContentType(content);
    try {
      const id = await saveFile(t.store.db, { kind, contentType: type, content });
      assert.equal(sniffed, type, `stored ${type} whose bytes are ${sniffed}`);
      if (kind === 'issue-pdf') assert.equal(type, 'application/pdf');
      const meta = await fileMeta(t.store.db, id);
      assert.equal(meta?.contentType, type);
      await t.store.db.deleteFrom('files').where('id', '=', id).execute();
    } catch (err) {
      assert.ok(err instanceof InputError, `not an InputError: ${(err as Error)?.stack ?? err}`);
      assert.ok(content.length === 0 || sniffed !== type || (kind === 'issue-pdf' && type !== 'application/pdf'), `refused a good ${type}: ${err.message}`);
    }
  }), { numRuns: runs(300), seed: SEED + 9 });
  assert.ok(MAX_FILE_BYTES <= 256 * 1048576, 'uploads are size-limited');
});

test(`at least ${runs(10000)} inputs were tried here`, () => {
  assert.ok(inputs >= runs(10000), `${inputs} inputs`);
});
