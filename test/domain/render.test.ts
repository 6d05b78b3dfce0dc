import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { renderMarkdown } from '../../src/domain/render.ts';

// ---------------------------------------------------------------- safety

const unsafeCases: Array<{ name: string; md: string; forbidden: RegExp[] }> = [
  { name: 'inline script', md: 'Hi <script>alert(1)</script> there', forbidden: [/<script/i] },
  { name: 'script block', md: '<script>\nalert(1)\n</script>', forbidden: [/<script/i] },
  { name: 'img onerror', md: '<img src=x onerror="alert(1)">', forbidden: [/<img/i, /<[a-z][^>]*\sonerror=/i] },
  { name: 'raw div with handler', md: '<div onclick="evil()">x</div>', forbidden: [/<div/i, /<[a-z][^>]*\sonclick=/i] },
  { name: 'iframe', md: '<iframe src="https://evil.example"></iframe>', forbidden: [/<iframe/i] },
  { name: 'style', md: '<style>body{display:none}</style>', forbidden: [/<style/i] },
  { name: 'javascript: link', md: '[click](javascript:alert(1))', forbidden: [/href="javascript/i] },
  { name: 'mixed-case javascript: link', md: '[click](JaVaScRiPt:alert(1))', forbidden: [/href="javascript/i] },
  { name: 'entity-encoded javascript: link', md: '[click](javascript&#58;alert(1))', forbidden: [/href="javascript/i] },
  { name: 'javascript: autolink', md: '<javascript:alert(1)>', forbidden: [/href="javascript/i] },
  { name: 'vbscript: link', md: '[click](vbscript:msgbox(1))', forbidden: [/href="vbscript/i] },
  { name: 'data: link', md: '[click](data:text/html;base64,PHNjcmlwdD4=)', forbidden: [/href="data:/i] },
  { name: 'data: image', md: '![x](data:image/svg+xml;base64,PHN2Zz4=)', forbidden: [/href="data:/i, /<img/i] },
  { name: 'protocol-relative link', md: '[x](//evil.example/path)', forbidden: [/href="\/\//] },
  { name: 'html comment', md: 'a <!-- hidden --> b', forbidden: [/<!--/] },
];

for (const c of unsafeCases) {
  test(`render: ${c.name} does not survive`, () => {
    const r = renderMarkdown(c.md);
    for (const re of c.forbidden) {
      assert.doesNotMatch(r.bodyHtml, re);
      assert.doesNotMatch(r.teaserHtml, re);
    }
  });
}

test('render: quotes in a link title cannot break out of the attribute', () => {
  const r = renderMarkdown('[x](https://a.example "a\\" onmouseover=\\"evil()")');
  assert.match(r.bodyHtml, /title="a&quot; onmouseover=&quot;evil\(\)"/);
  assert.doesNotMatch(r.bodyHtml, /\sonmouseover="/);
});

test('render: raw HTML is shown as text, not dropped', () => {
  const r = renderMarkdown('Use <b>bold</b> & <i>x</i>');
  assert.equal(r.bodyHtml.trim(), '<p>Use &lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;x&lt;/i&gt;</p>');
  assert.equal(r.text, 'Use <b>bold</b> & <i>x</i>');
});

test('render: only allowlisted tags and attributes appear', () => {
  const md = [
    '# H1', '## H2', 'Para with *em*, **strong**, `code`, [link](https://example.com "T") and ~~strike~~.',
    '> quote', '- a\n- b', '1. one\n2. two', '```js\nx < 1\n```', '---', '| a | b |\n|:--|--:|\n| 1 | 2 |',
    '![alt text](https://example.com/i.png)',
  ].join('\n\n');
  const { bodyHtml } = renderMarkdown(md);
  const allowed = new Set(['p', 'h2', 'h3', 'h4', 'blockquote', 'ul', 'ol', 'li', 'em', 'strong', 'a', 'code', 'pre',
    'hr', 'br', 'sup', 'sub', 'table', 'thead', 'tbody', 'tr', 'th', 'td']);
  for (const m of bodyHtml.matchAll(/<\/?([a-z0-9]+)([^>]*)>/gi)) {
    assert.ok(allowed.has(m[1].toLowerCase()), `tag ${m[1]}`);
    const attrs = [...m[2].matchAll(/([a-z-]+)=/gi)].map((a) => a[1]);
    for (const a of attrs) assert.ok(['href', 'title', 'rel', 'start'].includes(a), `attribute ${a} on ${m[1]}`);
  }
  assert.doesNotMatch(bodyHtml, /class=|style=/);
  assert.match(bodyHtml, /<a href="https:\/\/example.com\/i.png" rel="nofollow noopener">alt text<\/a>/);
});

// ---------------------------------------------------------------- links

const linkCases: Array<{ md: string; html: RegExp }> = [
  { md: '[a](https://example.com/x)', html: /<a href="https:\/\/example.com\/x" rel="nofollow noopener">a<\/a>/ },
  { md: '[a](http://example.com)', html: /<a href="http:\/\/example.com" rel="nofollow noopener">a<\/a>/ },
  { md: 'see https://example.com/page.', html: /<a href="https:\/\/example.com\/page" rel="nofollow noopener">https:\/\/example.com\/page<\/a>\./ },
  { md: '[a](/cite/PLN/2025/03/45)', html: /<a href="\/cite\/PLN\/2025\/03\/45">a<\/a>/ },
  { md: '[a](#notes)', html: /<a href="#notes">a<\/a>/ },
  { md: '[a](../other)', html: /<a href="..\/other">a<\/a>/ },
  { md: '[mail](mailto:editor@example.org)', html: /<a href="mailto:editor@example.org">mail<\/a>/ },
  { md: '[a](https://example.com "Title")', html: /<a href="https:\/\/example.com" title="Title" rel="nofollow noopener">a<\/a>/ },
  { md: '[a](ftp://example.com/file)', html: /<a>a<\/a>/ },
];

for (const c of linkCases) {
  test(`render link: ${c.md}`, () => {
    assert.match(renderMarkdown(c.md).bodyHtml, c.html);
  });
}

// ---------------------------------------------------------------- headings

const headingCases: Array<[string, string]> = [
  ['# One', '<h2>One</h2>'],
  ['## Two', '<h3>Two</h3>'],
  ['### Three', '<h4>Three</h4>'],
  ['#### Four', '<h4>Four</h4>'],
  ['###### Six', '<h4>Six</h4>'],
  ['Setext\n======', '<h2>Setext</h2>'],
  ['Setext\n------', '<h3>Setext</h3>'],
];

for (const [md, html] of headingCases) {
  test(`render heading: ${JSON.stringify(md)} → ${html}`, () => {
    const r = renderMarkdown(md);
    assert.equal(r.bodyHtml.trim(), html);
    assert.doesNotMatch(r.bodyHtml, /<h1/);
  });
}

// ---------------------------------------------------------------- teaser

const teaserCases: Array<{ name: string; md: string; teaser: string[]; notTeaser: string[]; body: string[] }> = [
  {
    name: 'marker splits the teaser',
    md: 'One.\n\nTwo.\n\n<!--more-->\n\nThree.',
    teaser: ['One.', 'Two.'],
    notTeaser: ['Three.'],
    body: ['One.', 'Two.', 'Three.'],
  },
  {
    name: 'marker with inner and outer whitespace',
    md: 'One.\n\n  <!--   more   -->  \n\nTwo.',
    teaser: ['One.'],
    notTeaser: ['Two.'],
    body: ['One.', 'Two.'],
  },
  {
    name: 'marker without blank lines around it',
    md: 'One.\n<!--more-->\nTwo.',
    teaser: ['One.'],
    notTeaser: ['Two.'],
    body: ['One.', 'Two.'],
  },
  {
    name: 'marker after a list',
    md: '- a\n- b\n<!--more-->\nRest.',
    teaser: ['<li>a</li>', '<li>b</li>'],
    notTeaser: ['Rest.'],
    body: ['<li>a</li>', 'Rest.'],
  },
  {
    name: 'marker upper case',
    md: 'One.\n\n<!--MORE-->\n\nTwo.',
    teaser: ['One.'],
    notTeaser: ['Two.'],
    body: ['One.', 'Two.'],
  },
  {
    name: 'no marker: the first paragraph',
    md: 'First paragraph.\n\nSecond paragraph.',
    teaser: ['<p>First paragraph.</p>'],
    notTeaser: ['Second'],
    body: ['First paragraph.', 'Second paragraph.'],
  },
  {
    name: 'no marker, heading first: the first paragraph',
    md: '# Heading\n\nFirst paragraph.\n\nSecond paragraph.',
    teaser: ['<p>First paragraph.</p>'],
    notTeaser: ['Second', 'Heading'],
    body: ['<h2>Heading</h2>', 'First paragraph.'],
  },
  {
    name: 'marker inside a code fence is not a marker',
    md: 'One.\n\n```\n<!--more-->\n```\n\nTwo.',
    teaser: ['<p>One.</p>'],
    notTeaser: ['Two.'],
    body: ['&lt;!--more--&gt;', 'Two.'],
  },
  {
    name: 'marker in the middle of a line is text',
    md: 'Write <!--more--> to split.\n\nTwo.',
    teaser: ['Write &lt;!--more--&gt; to split.'],
    notTeaser: ['Two.'],
    body: ['Write &lt;!--more--&gt; to split.'],
  },
  {
    name: 'marker at the very top falls back to the first paragraph',
    md: '<!--more-->\n\nOne.\n\nTwo.',
    teaser: ['<p>One.</p>'],
    notTeaser: ['Two.'],
    body: ['One.', 'Two.'],
  },
];

for (const c of teaserCases) {
  test(`render teaser: ${c.name}`, () => {
    const r = renderMarkdown(c.md);
    for (const s of c.teaser) assert.ok(r.teaserHtml.includes(s), `teaser should include ${s}: ${r.teaserHtml}`);
    for (const s of c.notTeaser) assert.ok(!r.teaserHtml.includes(s), `teaser should not include ${s}: ${r.teaserHtml}`);
    for (const s of c.body) assert.ok(r.bodyHtml.includes(s), `body should include ${s}: ${r.bodyHtml}`);
    if (!c.name.includes('middle') && !c.name.includes('fence')) {
      assert.doesNotMatch(r.bodyHtml, /more--/i, 'the marker is removed from the body');
      assert.doesNotMatch(r.text, /more--/i);
    }
  });
}

test('render: a second marker is removed too, the teaser ends at the first', () => {
  const r = renderMarkdown('A.\n\n<!--more-->\n\nB.\n\n<!--more-->\n\nC.');
  assert.equal(r.teaserText, 'A.');
  assert.equal(r.text, 'A.\n\nB.\n\nC.');
});

test('render: teaserText is the teaser as plain text', () => {
  const r = renderMarkdown('The *first* [paragraph](https://x.example) &amp; more.\n\nSecond.');
  assert.equal(r.teaserText, 'The first paragraph & more.');
});

// ---------------------------------------------------------------- plain text

const textCases: Array<[string, string]> = [
  ['One.\n\nTwo.', 'One.\n\nTwo.'],
  ['AT&amp;T &copy; 2025 &#8212; &quot;x&quot;', 'AT&T © 2025 — "x"'],
  ['# Title\n\nBody *em* **strong** `code`.', 'Title\n\nBody em strong code.'],
  ['- a\n- b\n\nAfter.', '- a\n- b\n\nAfter.'],
  ['- a\n  - nested\n- b', '- a\n   - nested\n- b'],
  ['1. a\n2. b', '1. a\n2. b'],
  ['> quoted\n> text', '> quoted\n> text'],
  ['```\nline 1\nline 2\n```', 'line 1\nline 2'],
  ['a\\*b\\* \\[c\\]', 'a*b* [c]'],
  ['[See: PLN, Mar. 2025, p.45.]', '[See: PLN, Mar. 2025, p.45.]'],
  ['', ''],
];

for (const [md, text] of textCases) {
  test(`render text: ${JSON.stringify(md)}`, () => {
    assert.equal(renderMarkdown(md).text, text);
  });
}

test('render: wordCount counts words of the plain text', () => {
  assert.equal(renderMarkdown('One two three.\n\n# Four\n\n- five — six').wordCount, 6);
  assert.equal(renderMarkdown('').wordCount, 0);
  assert.equal(renderMarkdown('$30,000 for 4 days').wordCount, 4);
});

test('render: CRLF and BOM input', () => {
  const r = renderMarkdown('\uFEFFOne.\r\n\r\n<!--more-->\r\n\r\nTwo.\r\n');
  assert.equal(r.teaserText, 'One.');
  assert.equal(r.text, 'One.\n\nTwo.');
});

// ---------------------------------------------------------------- never throws

const nasty = [
  '',
  '\u0000',
  '\uFFFD\uD800',
  '> '.repeat(5000) + 'deep',
  '- '.repeat(5000) + 'deep',
  '['.repeat(50000),
  '*'.repeat(50000),
  '`'.repeat(10000),
  '<'.repeat(10000),
  '<!--more-->'.repeat(1000),
  '\n<!--more-->\n'.repeat(1000),
  '| a |\n|---|\n' + '| x |\n'.repeat(2000),
  '[a]: javascript:alert(1)\n\n[a]',
];

for (const [i, md] of nasty.entries()) {
  test(`render never throws: nasty input #${i}`, () => {
    const r = renderMarkdown(md);
    assert.equal(typeof r.bodyHtml, 'string');
    assert.equal(typeof r.text, 'string');
    assert.doesNotMatch(r.bodyHtml, /href="javascript/i);
  });
}

test('render never throws and never emits script on arbitrary strings', () => {
  const markdownish = fc
    .array(fc.constantFrom('<', '>', '[', ']', '(', ')', '*', '_', '`', '#', '-', '\n', ' ', 'a', ':', 'javascript', 'script', '!', '<!--more-->', '&', '|', '\\', '"'), { maxLength: 60 })
    .map((a) => a.join(''));
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), markdownish), (s) => {
      const r = renderMarkdown(s);
      return (
        typeof r.bodyHtml === 'string' &&
        !/<script|href="javascript|<img|<[a-z][^>]*\son\w+=/i.test(r.bodyHtml) &&
        !/<script/i.test(r.teaserHtml) &&
        Number.isInteger(r.wordCount)
      );
    }),
    { numRuns: 3000 },
  );
});

test('render tolerates non-string input at runtime', () => {
  const r = renderMarkdown(undefined as unknown as string);
  assert.equal(r.bodyHtml, '');
  assert.equal(r.wordCount, 0);
});
