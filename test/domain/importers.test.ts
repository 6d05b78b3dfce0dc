import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { InputError, type ImportedArticle } from '../../src/domain/types.ts';
import { parsePlainText } from '../../src/domain/importers/plaintext.ts';
import { parseMarkdown } from '../../src/domain/importers/markdown.ts';
import { parseImportFile } from '../../src/domain/importers/index.ts';
import { escapeMarkdownInline, renderMarkdown } from '../../src/domain/render.ts';

const SEED_PATH = new URL('../../fixtures/seed-pln-bukele.txt', import.meta.url);
const SEED = readFileSync(SEED_PATH, 'utf8');
const SEED_TITLE =
  'Salvadoran President’s Dark Secret Allegedly Behind Deal to Hold Deported Migrants in “Mega” Prison';

/** Run fn, expect an InputError, and return it. */
function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an InputError, nothing was thrown');
}

// ================================================================ plain text: the seed

test('plaintext: the seed article parses as the editor sees it', () => {
  const a = parsePlainText(SEED, 'seed-pln-bukele.txt');
  assert.ok(!SEED.endsWith('\n'), 'the fixture has no trailing newline');
  assert.equal(a.title, SEED_TITLE);
  assert.equal(a.slug, 'salvadoran-presidents-dark-secret-allegedly-behind-deal-to-hold-deported');
  assert.deepEqual(a.sources, [
    { name: 'CBS News', url: null },
    { name: 'Dropsite News', url: null },
    { name: 'El Faro', url: null },
  ]);
  assert.equal(a.dek, null);
  assert.deepEqual([a.authors, a.topics, a.places], [[], [], []]);
  assert.equal(a.access, null);
  assert.equal(a.status, null);
  assert.equal(a.publishedAt, null);
  assert.equal(a.issue, null);
  assert.equal(a.pageFirst, null);
  assert.equal(a.pageLast, null);

  const paragraphs = a.bodyMarkdown.trim().split(/\n\n/);
  assert.equal(paragraphs.length, 6);
  assert.ok(paragraphs[0].startsWith('When Pres. Donald J. Trump (R) invoked the 1798 Alien Enemies Act'));
  assert.ok(paragraphs[5].endsWith('“They are not going to hand over everything Bukele wants.”'));
  // The print citation is kept exactly as written, for the citation parser.
  assert.ok(a.bodyMarkdown.includes('[See: PLN, Mar. 2025, p.45.]'));

  for (const footer of ['digital subscriber', 'premium content', 'Already a subscriber', 'Login', 'Sources:']) {
    assert.ok(!a.bodyMarkdown.includes(footer), `body contains "${footer}"`);
  }
});

test('plaintext: the seed renders to exactly its six original paragraphs', () => {
  const a = parsePlainText(SEED, 'seed.txt');
  const r = renderMarkdown(a.bodyMarkdown);
  const original = SEED.split('\n').slice(1, 7);
  assert.equal(r.text, original.join('\n\n'));
  assert.equal((r.bodyHtml.match(/<p>/g) ?? []).length, 6);
  assert.equal(r.teaserText, original[0]);
  assert.doesNotMatch(r.bodyHtml, /subscriber|Login/);
  assert.ok(r.wordCount > 400);
});

test('plaintext: BOM, CRLF and CR line ends give the same article', () => {
  const base = parsePlainText(SEED, 'seed.txt');
  const crlf = parsePlainText('\uFEFF' + SEED.replace(/\n/g, '\r\n') + '\r\n', 'seed.txt');
  const cr = parsePlainText(SEED.replace(/\n/g, '\r'), 'seed.txt');
  const spaced = parsePlainText('\n\n  ' + SEED.replace(/\n/g, '\n\n   ') + '\n\n', 'seed.txt');
  assert.deepEqual(crlf, base);
  assert.deepEqual(cr, base);
  assert.deepEqual(spaced, base);
});

// ================================================================ plain text: edge cases

test('plaintext: text that looks like Markdown renders literally', () => {
  const lines = [
    '1. This is not a list item.',
    '2025) Neither is this.',
    '# Not a heading',
    '- not a bullet',
    '+ not a bullet either',
    '> not a quote',
    '* not * emphasis *',
    '_not_ emphasis, but snake_case_name stays readable',
    '`not code`',
    '<script>alert(1)</script> & <b>not bold</b>',
    '[not a link](https://example.com) and [Smith v. Jones]: text',
    'AT&amp;T and &copy; are not entities',
    'A back\\slash \\* and a pipe | here',
    '---',
    '***',
    '~~~',
    '<!--more-->',
    '![not an image](x.png)',
    'See https://example.com/a_b*c_ for the_record.',
    'Footnote[^1] and {curly} and $5 and 100%.',
  ];
  const a = parsePlainText(['Title', ...lines].join('\n'), 'md-chars.txt');
  const r = renderMarkdown(a.bodyMarkdown);
  assert.equal(r.text, lines.join('\n\n'));
  assert.equal((r.bodyHtml.match(/<p>/g) ?? []).length, lines.length);
  assert.doesNotMatch(r.bodyHtml, /<(h\d|li|ul|ol|blockquote|em|strong|code|pre|hr|script|b)\b/);
  // The only links are the bare URLs in the text, each linked whole.
  assert.deepEqual(
    [...r.bodyHtml.matchAll(/<a href="([^"]*)"/g)].map((m) => m[1]),
    ['https://example.com', 'https://example.com/a_b*c_'],
  );
  assert.equal(r.teaserText, lines[0]);
});

test('plaintext: escaped paragraphs always render back to the original line', () => {
  const pieces = [
    'a', 'Z', '1', '2', ' ', '\\', '`', '*', '_', '~', '<', '>', '#', '+', '-', '=', '.', ')', '(', '[', ']',
    '!', '&', 'amp;', '#39;', ';', ':', '|', '/', '@', '"', "'", 'é', '’', 'http://', 'https://x.com/',
    'mailto:', 'x@y.com', '<!--more-->', '---', '1. ', '{', '}', '^', '?',
  ];
  const line = fc
    .array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 25 })
    .map((a) => a.join('').trim())
    .filter((s) => s !== '');
  fc.assert(
    fc.property(line, (s) => renderMarkdown(escapeMarkdownInline(s)).text === s),
    { numRuns: 5000 },
  );
});

test('plaintext: sources lines', () => {
  const cases: Array<[string, Array<{ name: string; url: string | null }>]> = [
    ['Sources: CBS News, Dropsite News, El Faro', [
      { name: 'CBS News', url: null }, { name: 'Dropsite News', url: null }, { name: 'El Faro', url: null },
    ]],
    ['sources: AP; Reuters;  ; New York Times.', [
      { name: 'AP', url: null }, { name: 'Reuters', url: null }, { name: 'New York Times', url: null },
    ]],
    ['Source: https://www.example.com/story, www.elfaro.net', [
      { name: 'example.com', url: 'https://www.example.com/story' },
      { name: 'elfaro.net', url: 'https://www.elfaro.net/' },
    ]],
    ['SOURCES: AP, ap, Salon.com', [{ name: 'AP', url: null }, { name: 'Salon.com', url: null }]],
    ['Sources: Acme Inc.', [{ name: 'Acme Inc.', url: null }]],
    ['Sources:', []],
  ];
  for (const [line, expected] of cases) {
    const a = parsePlainText(`Title\nBody.\n${line}`, 'src.txt');
    assert.deepEqual(a.sources, expected, line);
    assert.equal(a.bodyMarkdown, 'Body.\n', line);
  }
});

test('plaintext: the subscription footer is dropped, similar body text is kept', () => {
  const a = parsePlainText(
    [
      'Title',
      'Subscribe to the idea that prisons should be humane, the warden said.',
      'Body two.',
      'Sources: AP',
      'As a digital subscriber to Criminal Legal News, you can access full text and downloads.',
      'Subscribe to Prison Legal News today',
      'Already a subscriber? Login',
      'Login',
    ].join('\n'),
    'footer.txt',
  );
  assert.equal(
    a.bodyMarkdown,
    'Subscribe to the idea that prisons should be humane, the warden said.\n\nBody two.\n',
  );
  assert.deepEqual(a.sources, [{ name: 'AP', url: null }]);
});

const plainErrors: Array<{ name: string; text: string; line: number; message: RegExp }> = [
  { name: 'empty file', text: '', line: 1, message: /empty/ },
  { name: 'only whitespace', text: ' \n\t\n\r\n', line: 1, message: /empty/ },
  { name: 'only a BOM', text: '\uFEFF', line: 1, message: /empty/ },
  { name: 'title only', text: 'A title', line: 2, message: /no body/ },
  { name: 'title only, trailing newline', text: 'A title\n', line: 2, message: /no body/ },
  { name: 'title after blank lines, no body', text: '\n\nA title\n', line: 4, message: /no body/ },
  { name: 'title and footer only', text: 'A title\nSources: AP\nAlready a subscriber? Login', line: 2, message: /no body/ },
  { name: 'title too long', text: `${'x'.repeat(301)}\nBody.`, line: 1, message: /title.*301.*300/ },
  { name: 'title too long after blank line', text: `\n${'Word '.repeat(70)}\nBody.`, line: 2, message: /300/ },
  { name: 'NUL byte', text: 'Title\nBody.\nBad \u0000 line', line: 3, message: /NUL/ },
  { name: 'bell character', text: 'Title\nBo\u0007dy', line: 2, message: /control character \(U\+0007\)/ },
  { name: 'C1 control', text: 'Title\nBody\u0092s', line: 2, message: /U\+0092/ },
  { name: 'replacement character', text: 'Title\nBody.\n\nCaf\uFFFD', line: 4, message: /not valid UTF-8/ },
  { name: 'control in CRLF file', text: 'Title\r\nOne\r\nTwo\u001B\r\n', line: 3, message: /U\+001B/ },
];

for (const c of plainErrors) {
  test(`plaintext error: ${c.name} → line ${c.line}`, () => {
    const e = inputError(() => parsePlainText(c.text, 'bad.txt'));
    assert.equal(e.file, 'bad.txt');
    assert.equal(e.line, c.line);
    assert.match(e.message, c.message);
    assert.match(e.describe(), new RegExp(`^bad\\.txt:${c.line}: `));
  });
}

test('plaintext: a 300-character title is accepted (counted in characters, not UTF-16 units)', () => {
  const title = '’'.repeat(150) + '𝕏'.repeat(150);
  assert.equal(parsePlainText(`${title}\nBody.`, 't.txt').title, title);
});

// ================================================================ markdown

const FULL = `---
title: "Mega Prison: The Deal"
slug: mega-prison-deal
dek: What the deal was really about
authors: Jane Doe
topics: [Prisons, Immigration, prisons]
places: [TX, el Salvador, texas]
sources:
  - CBS News
  - name: El Faro
    url: https://elfaro.net/
  - {name: Dropsite News}
access: premium
status: published
published_at: 2025-03-30
issue: 2025-04
pages: 45-46
---

First paragraph with *emphasis*.

<!--more-->

## A section

More text.
`;

test('markdown: front matter happy path', () => {
  const a = parseMarkdown(FULL, 'full.md');
  const expected: ImportedArticle = {
    slug: 'mega-prison-deal',
    title: 'Mega Prison: The Deal',
    dek: 'What the deal was really about',
    bodyMarkdown: 'First paragraph with *emphasis*.\n\n<!--more-->\n\n## A section\n\nMore text.\n',
    authors: ['Jane Doe'],
    topics: ['Prisons', 'Immigration'],
    places: ['Texas', 'el Salvador'],
    sources: [
      { name: 'CBS News', url: null },
      { name: 'El Faro', url: 'https://elfaro.net/' },
      { name: 'Dropsite News', url: null },
    ],
    access: 'premium',
    status: 'published',
    publishedAt: '2025-03-30',
    issue: { year: 2025, month: 4 },
    pageFirst: 45,
    pageLast: 46,
  };
  assert.deepEqual(a, expected);
  const r = renderMarkdown(a.bodyMarkdown);
  assert.equal(r.teaserText, 'First paragraph with emphasis.');
  assert.match(r.bodyHtml, /<h3>A section<\/h3>/);
});

const markdownOk: Array<{ name: string; text: string; check: Partial<ImportedArticle> }> = [
  {
    name: 'no front matter, "# Heading" is the title and leaves the body',
    text: '# The *Smith* Case\n\nBody text.\n',
    check: { title: 'The Smith Case', slug: 'the-smith-case', bodyMarkdown: 'Body text.\n' },
  },
  {
    name: 'front matter without title, heading is the title',
    text: '---\naccess: free\n---\n\n# Heading Title #\n\nBody.',
    check: { title: 'Heading Title', access: 'free', bodyMarkdown: 'Body.\n' },
  },
  {
    name: 'front matter title and a different heading: heading stays in the body',
    text: '---\ntitle: Real Title\n---\n# Background\n\nBody.',
    check: { title: 'Real Title', slug: 'real-title', bodyMarkdown: '# Background\n\nBody.\n' },
  },
  {
    name: 'front matter title equal to heading: heading dropped',
    text: '---\ntitle: Same Title\n---\n# Same Title\n\nBody.',
    check: { title: 'Same Title', bodyMarkdown: 'Body.\n' },
  },
  {
    name: 'date-time with offset becomes a UTC ISO string',
    text: '---\ntitle: X\npublished_at: 2025-03-30T09:00:00-04:00\n---\nBody',
    check: { publishedAt: '2025-03-30T13:00:00.000Z' },
  },
  {
    name: 'date-time with a space and Z',
    text: '---\ntitle: X\npublished_at: "2025-03-30 09:15Z"\n---\nBody',
    check: { publishedAt: '2025-03-30T09:15:00.000Z' },
  },
  {
    name: 'quoted date, quoted issue',
    text: '---\ntitle: X\npublished_at: "2025-03-30"\nissue: "2025-03"\n---\nBody',
    check: { publishedAt: '2025-03-30', issue: { year: 2025, month: 3 } },
  },
  {
    name: 'page: 45',
    text: '---\ntitle: X\npage: 45\n---\nBody',
    check: { pageFirst: 45, pageLast: 45 },
  },
  {
    name: 'pages: "45–46" with an en dash',
    text: '---\ntitle: X\npages: "45–46"\n---\nBody',
    check: { pageFirst: 45, pageLast: 46 },
  },
  {
    name: 'authors as a list, author alias, numbers as text',
    text: '---\ntitle: 1984\nauthor: [Jane Doe, John Roe]\n---\nBody',
    check: { title: '1984', slug: '1984', authors: ['Jane Doe', 'John Roe'] },
  },
  {
    name: 'empty values are absent',
    text: '---\ntitle: X\ndek:\nsources:\naccess: ~\n---\nBody',
    check: { dek: null, sources: [], access: null },
  },
  {
    name: 'empty front matter',
    text: '---\n---\n# T\n\nBody',
    check: { title: 'T', bodyMarkdown: 'Body\n' },
  },
  {
    name: 'CRLF and BOM',
    text: '\uFEFF---\r\ntitle: X\r\nissue: 2024-12\r\n---\r\nBody\r\n',
    check: { title: 'X', issue: { year: 2024, month: 12 }, bodyMarkdown: 'Body\n' },
  },
];

for (const c of markdownOk) {
  test(`markdown: ${c.name}`, () => {
    const a = parseMarkdown(c.text, 'ok.md');
    for (const [k, v] of Object.entries(c.check)) {
      assert.deepEqual(a[k as keyof ImportedArticle], v, k);
    }
  });
}

const markdownErrors: Array<{ name: string; text: string; line: number; message: RegExp }> = [
  { name: 'empty file', text: '', line: 1, message: /empty/ },
  { name: 'missing closing ---', text: '---\ntitle: X\n\nBody text\n', line: 1, message: /no closing ---/ },
  { name: 'no title anywhere', text: 'Just a body.\n', line: 1, message: /no title/ },
  { name: 'front matter without title, body without heading', text: '---\naccess: free\n---\nBody\n', line: 1, message: /no title/ },
  { name: 'no body after front matter', text: '---\ntitle: X\n---\n', line: 4, message: /^article has no body$/ },
  { name: 'no body, only blank lines', text: '---\ntitle: X\n---\n\n\n', line: 4, message: /no body/ },
  { name: 'no body after the heading title', text: '\n# Only A Title\n\n', line: 3, message: /no body/ },
  { name: 'only the teaser marker', text: '---\ntitle: X\n---\n<!--more-->\n', line: 4, message: /no body/ },
  { name: 'unknown key (typo)', text: '---\ntitle: X\ntopcis: [a]\n---\nBody', line: 3, message: /unknown front matter key "topcis".*did you mean "topics"/ },
  { name: 'unknown key from another tool', text: '---\ntitle: X\naccess: free\n\ndate: 2025-01-01\n---\nBody', line: 5, message: /"date".*"published_at"/ },
  { name: 'YAML syntax error', text: '---\ntitle: X\n  bad: indent\n---\nBody', line: 2, message: /not valid YAML/ },
  { name: 'YAML unclosed flow list', text: '---\ntitle: X\nslug: x\ntopics: [a, b\n---\nBody', line: 4, message: /not valid YAML/ },
  { name: 'duplicate key', text: '---\ntitle: X\naccess: free\ntitle: Y\n---\nBody', line: 4, message: /unique/ },
  { name: 'front matter is a list', text: '---\n- a\n- b\n---\nBody', line: 2, message: /key: value/ },
  { name: 'title not text', text: '---\ntitle: [a, b]\n---\nBody', line: 2, message: /title must be text/ },
  { name: 'title empty string', text: '---\ntitle: ""\n---\nBody', line: 2, message: /title is empty/ },
  { name: 'title too long', text: `---\nslug: x\ntitle: ${'x'.repeat(301)}\n---\nBody`, line: 3, message: /longer than 300/ },
  { name: 'invalid slug', text: '---\ntitle: X\nslug: Not A Slug\n---\nBody', line: 3, message: /slug must be/ },
  { name: 'topics not a list', text: '---\ntitle: X\ntopics: Prisons\n---\nBody', line: 3, message: /topics must be a list/ },
  { name: 'places item not text', text: '---\ntitle: X\nplaces:\n  - Texas\n  - {a: b}\n---\nBody', line: 5, message: /places item 2: place must be text/ },
  { name: 'source url not http', text: '---\ntitle: X\nsources:\n  - CBS\n  - name: Y\n    url: ftp://example.com\n---\nBody', line: 6, message: /sources item 2: url must be an http/ },
  { name: 'source unknown key', text: '---\ntitle: X\nsources:\n  - name: Y\n    link: https://example.com\n---\nBody', line: 5, message: /unknown key "link" in sources item 1/ },
  { name: 'source without name', text: '---\ntitle: X\nsources:\n  - url: https://example.com\n---\nBody', line: 4, message: /source name must be text/ },
  { name: 'access invalid', text: '---\ntitle: X\naccess: paid\n---\nBody', line: 3, message: /access must be free or premium/ },
  { name: 'status invalid', text: '---\ntitle: X\nstatus: live\n---\nBody', line: 3, message: /status must be draft, scheduled or published/ },
  { name: 'published_at not a date', text: '---\ntitle: X\npublished_at: next week\n---\nBody', line: 3, message: /published_at must be a date/ },
  { name: 'published_at impossible date', text: '---\ntitle: X\npublished_at: 2025-02-30\n---\nBody', line: 3, message: /not a real date/ },
  { name: 'published_at without time zone', text: '---\ntitle: X\npublished_at: 2025-03-30T09:00\n---\nBody', line: 3, message: /time zone/ },
  { name: 'issue month 13', text: '---\ntitle: X\nissue: 2025-13\n---\nBody', line: 3, message: /month 13/ },
  { name: 'issue wrong format', text: '---\ntitle: X\nissue: March 2025\n---\nBody', line: 3, message: /issue must be .*2025-03/ },
  { name: 'pages reversed', text: '---\ntitle: X\npages: 46-45\n---\nBody', line: 3, message: /last page \(45\) is before the first page \(46\)/ },
  { name: 'page zero', text: '---\ntitle: X\npage: 0\n---\nBody', line: 3, message: /start at 1/ },
  { name: 'pages garbage', text: '---\ntitle: X\npages: forty-five\n---\nBody', line: 3, message: /pages must be a page number/ },
  { name: 'both page and pages', text: '---\ntitle: X\npages: 4\npage: 5\n---\nBody', line: 4, message: /either pages or page/ },
  { name: 'control character in body', text: '---\ntitle: X\n---\nBody\n\nBad\u0000', line: 6, message: /NUL/ },
  { name: 'replacement character in front matter', text: '---\ntitle: Caf\uFFFD\n---\nBody', line: 2, message: /not valid UTF-8/ },
];

for (const c of markdownErrors) {
  test(`markdown error: ${c.name} → line ${c.line}`, () => {
    const e = inputError(() => parseMarkdown(c.text, 'bad.md'));
    assert.equal(e.file, 'bad.md');
    assert.equal(e.line, c.line, e.describe());
    assert.match(e.message, c.message);
  });
}

// ================================================================ dispatch

test('parseImportFile: chooses the importer by extension', () => {
  assert.equal(parseImportFile('x/seed.txt', SEED).title, SEED_TITLE);
  assert.equal(parseImportFile('SEED.TXT', Buffer.from(SEED, 'utf8')).title, SEED_TITLE);
  assert.equal(parseImportFile('a.md', '# Md Title\n\nBody').title, 'Md Title');
  assert.equal(parseImportFile('a.markdown', Buffer.from('# Md Title\n\nBody')).title, 'Md Title');
  // A .txt file is plain text even when it looks like Markdown.
  assert.equal(parseImportFile('a.txt', '# Md Title\n\nBody').title, '# Md Title');
});

test('parseImportFile: a UTF-8 BOM in a Buffer is accepted', () => {
  const buf = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SEED, 'utf8')]);
  assert.deepEqual(parseImportFile('seed.txt', buf), parsePlainText(SEED, 'seed.txt'));
});

const dispatchErrors: Array<{ name: string; file: string; content: Buffer | string; line?: number; message: RegExp }> = [
  { name: '.docx', file: 'story.docx', content: Buffer.from('PK\u0003\u0004'), message: /^Word \.docx import is not supported yet; save as \.txt or \.md$/ },
  { name: '.DOCX upper case', file: 'STORY.DOCX', content: '', message: /\.docx import is not supported yet/ },
  { name: '.pdf', file: 'story.pdf', content: '', message: /\.txt.*\.md/ },
  { name: '.html', file: 'story.html', content: '<p>x</p>', message: /"\.html".*\.txt.*\.md/ },
  { name: 'no extension', file: 'README', content: 'x', message: /no extension.*\.txt/ },
  { name: 'dotfile', file: '.txt', content: 'x', message: /no extension/ },
  { name: 'Latin-1 bytes', file: 'latin1.txt', content: Buffer.from('Title\nBody\nCaf\xe9 con leche', 'latin1'), line: 3, message: /not valid UTF-8.*0xE9/ },
  { name: 'truncated UTF-8 sequence at the end', file: 'cut.md', content: Buffer.from([0x23, 0x20, 0x54, 0x0a, 0xe2, 0x80]), line: 2, message: /not valid UTF-8/ },
  { name: 'UTF-8 encoded surrogate', file: 's.txt', content: Buffer.from([0x54, 0x0a, 0xed, 0xa0, 0x80]), line: 2, message: /not valid UTF-8/ },
  { name: 'UTF-16 LE', file: 'u16.txt', content: Buffer.from('\uFEFFTitle\nBody', 'utf16le'), line: 1, message: /not valid UTF-8.*UTF-16/ },
];

for (const c of dispatchErrors) {
  test(`parseImportFile error: ${c.name}`, () => {
    const e = inputError(() => parseImportFile(c.file, c.content));
    assert.equal(e.file, c.file);
    assert.equal(e.line, c.line);
    assert.match(e.message, c.message);
  });
}

test('parseImportFile: errors from the importers pass through with their line', () => {
  const e = inputError(() => parseImportFile('x.md', Buffer.from('---\ntitle: X\naccess: paid\n---\nBody')));
  assert.equal(e.describe(), 'x.md:3: access must be free or premium');
});
