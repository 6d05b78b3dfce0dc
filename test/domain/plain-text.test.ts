import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toAscii, paginate, renderTextEdition, textEditionContent, bodyLinks, MIN_PART_LIMIT } from '../../src/domain/plain-text.ts';
import { presentArticle, type ArticleView } from '../../src/present/article.ts';
import { ANONYMOUS, OPERATOR } from '../../src/domain/access.ts';
import type { ArticleRecord } from '../../src/domain/article.ts';

const ASCII = /^[\x09\x0a\x0d\x20-\x7e]*$/;
const SITE = { name: 'Prison Legal News' };
const BASE = 'https://news.example';

// ---------------------------------------------------------------- toAscii

const cases: [input: string, expected: string][] = [
  ['Ana María Méndez Dardón', 'Ana Maria Mendez Dardon'],
  ['“Mega” prison', '"Mega" prison'],
  ['President’s ‘secret’', "President's 'secret'"],
  ['later—including', 'later--including'],
  ['pages 30–31', 'pages 30-31'],
  ['wait…', 'wait...'],
  ['Niño, Ñandú', 'Nino, Nandu'],
  ['Müller über Zürich', 'Muller uber Zurich'],
  ['François, garçon', 'Francois, garcon'],
  ['Straße, STRAẞE', 'Strasse, STRASSE'],
  ['œuvre, Œdipus', 'oeuvre, OEdipus'],
  ['Æsir, Ærø', 'AEsir, AEro'],
  ['Søren Kierkegaard', 'Soren Kierkegaard'],
  ['Łódź, Wałęsa', 'Lodz, Walesa'],
  ['¿Qué pasó? ¡Basta!', 'Que paso? Basta!'],
  ['€100, £20, ¥5', 'EUR100, GBP20, JPY5'],
  ['42 U.S.C. § 1983', '42 U.S.C. Sec. 1983'],
  ['§§ 1981–1983', 'Secs. 1981-1983'],
  ['¶ 12', 'Para. 12'],
  ['© 2025 PLN™', '(c) 2025 PLNTM'],
  ['98.6°F', '98.6 degF'],
  ['2½ years, ¾ cup', '2 1/2 years, 3/4 cup'],
  ['ﬁne ﬂow', 'fine flow'],
  ['Ｆｕｌｌｗｉｄｔｈ', 'Fullwidth'],
  ['m² and x³', 'm2 and x3'],
  ['a\u00a0b\u2009c\u202fd', 'a b c d'],
  ['soft\u00adhyphen, zero\u200bwidth, \ufeffBOM', 'softhyphen, zerowidth, BOM'],
  ['non\u2011breaking \u2010 hyphen', 'non-breaking - hyphen'],
  ['5 × 3 ≥ 12 → true', '5 x 3 >= 12 -> true'],
  ['• item', '* item'],
  ['line\u2028break', 'line\nbreak'],
  ['tab\tand\nnewline\r\n', 'tab\tand\nnewline\r\n'],
  ['Привет мир', '? ?'],
  ['中文字 text', '? text'],
  ['Ελληνικά', '?'],
  ['emoji 👍🏽 ok', 'emoji ? ok'],
  ['family 👨‍👩‍👧', 'family ?'],
  ['e\u0301 (combining acute)', 'e (combining acute)'],
  ['ctrl\u0007\u001b\u0085chars', 'ctrlchars'],
  ['plain ASCII stays: ~`!@#$%^&*()_+{}|:"<>?', 'plain ASCII stays: ~`!@#$%^&*()_+{}|:"<>?'],
  ['', ''],
];

for (const [input, expected] of cases) {
  test(`toAscii(${JSON.stringify(input)}) → ${JSON.stringify(expected)}`, () => {
    const out = toAscii(input);
    assert.equal(out, expected);
    assert.match(out, ASCII);
  });
}

test('toAscii: the output is printable ASCII for any input, and ASCII input is left alone', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)) })), (s) => {
      assert.match(toAscii(s), ASCII);
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...'\t\n\r abcXYZ019.,;:!?"\'()-_/\\[]{}<>@#$%^&*+=|~`'.split('')) }), (s) => {
      assert.equal(toAscii(s), s);
    }),
  );
});

// ---------------------------------------------------------------- paginate

const wordsOf = (s: string) => s.split(/\s+/).filter(Boolean);

/** The words of the parts (headings removed) read back as the original words, long words in pieces. */
function assertWordsKept(original: string, parts: string[], headingOf: (i: number, n: number) => string, limit: number) {
  const n = parts.length;
  const got: string[] = [];
  parts.forEach((p, i) => {
    const h = headingOf(i + 1, n);
    assert.ok(p.startsWith(h), `part ${i + 1} starts with its heading`);
    got.push(...wordsOf(p.slice(h.length)));
  });
  const smallest = limit - Math.max(...parts.map((_, i) => headingOf(i + 1, n).length));
  let k = 0;
  for (const w of wordsOf(original)) {
    let rebuilt = '';
    if (w.length <= smallest) {
      assert.equal(got[k++], w, 'a word that fits a part is never cut');
      continue;
    }
    while (rebuilt.length < w.length) rebuilt += got[k++] ?? '\u0000';
    assert.equal(rebuilt, w, 'a word longer than a part is cut into pieces, in order');
  }
  assert.equal(k, got.length, 'nothing added');
}

const heading = (i: number, n: number) => `Part ${i} of ${n}\n\n`;

test('paginate: short text is one part', () => {
  assert.deepEqual(paginate('Hello world.', 200, heading), ['Part 1 of 1\n\nHello world.']);
});

test('paginate: breaks between words, drops the white space at the break, keeps paragraphs', () => {
  const text = 'alpha beta gamma delta\n\nepsilon zeta eta theta';
  const parts = paginate(text, 'Part 1 of 2\n\n'.length + 22, heading);
  assert.deepEqual(parts, ['Part 1 of 2\n\nalpha beta gamma delta', 'Part 2 of 2\n\nepsilon zeta eta theta']);
});

test('paginate: a word longer than a part is cut into pieces; the rest is not', () => {
  const long = 'x'.repeat(250);
  const text = `short words ${long} after`;
  const parts = paginate(text, 100, heading);
  for (const p of parts) assert.ok(p.length <= 100, `${p.length} > 100`);
  assertWordsKept(text, parts, heading, 100);
  assert.ok(parts[0].endsWith('short words'), 'the words before stay whole');
});

test('paginate: the headings count the parts right, also past 9 and 99 parts', () => {
  for (const words of [5, 40, 400, 3000]) {
    const text = Array.from({ length: words }, (_, i) => `word${i}`).join(' ');
    const parts = paginate(text, 100, heading);
    parts.forEach((p, i) => {
      assert.ok(p.startsWith(`Part ${i + 1} of ${parts.length}\n\n`));
      assert.ok(p.length <= 100);
    });
    assertWordsKept(text, parts, heading, 100);
  }
});

test('paginate: a part ends at a paragraph break rather than mid-paragraph when it is mostly full', () => {
  const p1 = 'a '.repeat(38).trim(); // 75 of the 87 characters a part has room for
  const p2 = 'b '.repeat(30).trim();
  const parts = paginate(`${p1}\n\n${p2}`, 100, heading);
  assert.equal(parts[0], `Part 1 of 2\n\n${p1}`);
  assert.equal(parts[1], `Part 2 of 2\n\n${p2}`);
});

test('paginate: in mid-paragraph, a mostly full part ends after a sentence, not after an abbreviation', () => {
  const first = 'The court ruled for the prisoners and ordered the jail to fix its ventilation now.'; // 82 characters
  const text = `${first} Officials said the U.S. Marshals would appeal the order soon.`;
  const parts = paginate(text, 100, heading);
  assert.deepEqual(parts, [`Part 1 of 2\n\n${first}`, 'Part 2 of 2\n\nOfficials said the U.S. Marshals would appeal the order soon.']);
  const abbreviated = 'x '.repeat(36) + 'in the case of Smith v. Jones in the U.S. District Court for the District of Columbia';
  for (const p of paginate(abbreviated, 100, heading)) assert.doesNotMatch(p, /(v\.|U\.S\.)$/);
});

// ---------------------------------------------------------------- the edition

function record(over: Partial<ArticleRecord> = {}): ArticleRecord {
  const bodyText = over.bodyText ?? 'First paragraph.\n\nSecond paragraph.';
  return {
    id: 1,
    slug: 'test-article',
    title: 'Salvadoran President’s Dark Secret — in “Mega” Prison',
    dek: null,
    bodyHtml: `<p>${bodyText}</p>`,
    bodyText,
    bodyMarkdown: bodyText,
    teaserHtml: '<p>First paragraph.</p>',
    teaserText: 'First paragraph.',
    wordCount: 4,
    access: 'premium',
    status: 'published',
    publishedAt: '2025-04-28T00:00:00.000Z',
    updatedAt: '2025-04-28T00:00:00.000Z',
    issue: { year: 2025, month: 5, volume: 36, number: 5, publication: 'PLN' },
    pageFirst: 30,
    pageLast: 31,
    authors: [{ slug: 'renata-ocampo', name: 'Renata Ocampo' }, { slug: 'jose-nunez', name: 'José Núñez' }],
    topics: [],
    places: [],
    sources: [
      { slug: 'cbs-news', name: 'CBS News', url: 'https://www.cbsnews.com/' },
      { slug: 'el-faro', name: 'El Faro', url: null },
    ],
    citations: [],
    citedBy: [],
    ...over,
  };
}

const view = (over: Partial<ArticleRecord> = {}): ArticleView => presentArticle(record(over), OPERATOR);

test('the edition: header with title, byline, publication and date, citation and the article URL written out', () => {
  const parts = renderTextEdition(view(), SITE, { partLimit: 2000, baseUrl: BASE });
  assert.equal(parts.length, 1);
  const text = parts[0];
  assert.equal(
    text.split('\n\n').slice(0, 2).join('\n\n'),
    [
      'Part 1 of 1',
      [
        `Salvadoran President's Dark Secret -- in "Mega" Prison`,
        'By Renata Ocampo and Jose Nunez',
        'Prison Legal News, April 28, 2025',
        'Cite as: PLN, May 2025, pp.30-31',
        'Online: https://news.example/articles/test-article',
      ].join('\n'),
    ].join('\n\n'),
  );
  assert.match(text, /\n\nFirst paragraph\.\n\nSecond paragraph\.\n\n/);
  assert.match(text, ASCII);
});

test('the edition: sources spelled out with their URLs, body links written out, an end line', () => {
  const v = view({
    bodyText: 'See the ruling and the report at example.org/x. [See: PLN, Mar. 2025, p.45.]',
    bodyHtml:
      '<p>See <a href="https://court.example/ruling?a=1&amp;b=2">the ruling</a> and <a href="/articles/other">the report</a> at ' +
      '<a href="http://example.org/x">example.org/x</a>. [See: <a href="/cite/PLN/2025/03/45" class="cite">PLN, Mar. 2025, p.45</a>.]</p>',
  });
  const text = renderTextEdition(v, SITE, { partLimit: 2000, baseUrl: BASE }).join('');
  assert.match(text, /\n\nSources:\n- CBS News: https:\/\/www\.cbsnews\.com\/\n- El Faro\n\n/);
  assert.match(text, /\n\nLinks in this article:\n- the ruling: https:\/\/court\.example\/ruling\?a=1&b=2\n- the report: https:\/\/news\.example\/articles\/other\n\n/);
  assert.doesNotMatch(text, /cite\/PLN/, 'citation links are not listed: the citation is in the text');
  assert.doesNotMatch(text, /example\.org\/x:/, 'a link whose words are its address is not listed again');
  assert.match(text, /\[End of article\. PLN, May 2025, pp\.30-31\]$/);
});

test('bodyLinks: nothing without a body, and no javascript: addresses', () => {
  assert.deepEqual(bodyLinks(null, BASE), []);
  assert.deepEqual(bodyLinks('<p><a href="javascript:alert(1)">x</a></p>', BASE), []);
});

test('the edition: without access (a redacted view) it never has the gated text', () => {
  const v = presentArticle(record({ bodyText: 'First paragraph.\n\nGATED SECRET TEXT.' }), ANONYMOUS);
  assert.equal(v.bodyText, null);
  const text = textEditionContent(v, SITE, BASE);
  assert.doesNotMatch(text, /GATED/);
});

test('the edition: the seed name is transliterated', () => {
  const text = renderTextEdition(view({ bodyText: 'said Ana María Méndez Dardón.' }), SITE, { partLimit: 2000, baseUrl: BASE }).join('');
  assert.match(text, /Ana Maria Mendez Dardon/);
});

test('the edition: "Part i of n" headings; later parts name the article', () => {
  const body = Array.from({ length: 60 }, (_, i) => `Paragraph ${i} has some words in it to fill the space of a message.`).join('\n\n');
  const parts = renderTextEdition(view({ bodyText: body }), SITE, { partLimit: 500, baseUrl: BASE });
  assert.ok(parts.length > 5);
  parts.forEach((p, i) => {
    assert.ok(p.length <= 500);
    if (i === 0) assert.ok(p.startsWith(`Part 1 of ${parts.length}\n\nSalvadoran President's`));
    else assert.ok(p.startsWith(`Part ${i + 1} of ${parts.length} -- Salvadoran President's Dark Secret -- in "Mega" Prison\n\n`), p.slice(0, 90));
  });
});

test('the edition: a word longer than a part is cut into pieces that fit parts with headings of different lengths', () => {
  const long = Array.from({ length: 1500 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
  const v = view({ bodyText: `Before it. ${long} After it.` });
  const parts = renderTextEdition(v, SITE, { partLimit: 200, baseUrl: BASE });
  const bodies = parts.map((p) => p.replace(/^Part \d+ of \d+( -- [^\n]*)?\n\n/, ''));
  for (const p of parts) assert.ok(p.length <= 200);
  const words = bodies.join(' ').split(/\s+/);
  const from = words.indexOf('it.') + 1;
  let rebuilt = '';
  for (let i = from; rebuilt.length < long.length; i++) rebuilt += words[i];
  assert.equal(rebuilt, long, 'the pieces, in order, nothing lost or repeated');
});

test('the edition: refuses a part limit too small for a heading', () => {
  assert.throws(() => renderTextEdition(view(), SITE, { partLimit: MIN_PART_LIMIT - 1, baseUrl: BASE }), RangeError);
});

// Random bodies: words of all lengths (some longer than any part), paragraphs, lists, non-ASCII.
const wordArb = fc.oneof(
  { weight: 20, arbitrary: fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzé’—“”ÑßøΩ中'.split('')), minLength: 1, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('a', 'b', '/', '.', '-'), minLength: 100, maxLength: 6000, size: 'max' }) },
);
const sepArb = fc.constantFrom(' ', ' ', ' ', ' ', '  ', '\n', '\n\n', '\n\n- ', '\n> ', '\u00a0', '\t');
const bodyArb = fc.array(fc.tuple(wordArb, sepArb), { minLength: 1, maxLength: 800, size: 'max' }).map((xs) => xs.map(([w, s]) => w + s).join('').trim() || 'x');

test('the edition (property): every part within the limit, pure ASCII, headings right, no word cut unless longer than a part', () => {
  fc.assert(
    fc.property(bodyArb, fc.integer({ min: 200, max: 5000 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 150 }), (body, limit, title) => {
      const v = view({ bodyText: body, title: title.trim() || 'T' });
      const parts = renderTextEdition(v, SITE, { partLimit: limit, baseUrl: BASE });
      const n = parts.length;
      const headings: string[] = [];
      parts.forEach((p, i) => {
        assert.ok(p.length <= limit, `part ${i + 1} has ${p.length} characters, limit ${limit}`);
        assert.match(p, ASCII);
        const m = /^Part (\d+) of (\d+)( -- [^\n]*)?\n\n/.exec(p);
        assert.ok(m, 'each part starts with its heading');
        assert.equal(Number(m[1]), i + 1);
        assert.equal(Number(m[2]), n);
        headings.push(m[0]);
      });
      // The words of the whole edition, in order, with only over-long words cut.
      const content = textEditionContent(v, SITE, BASE);
      assertWordsKept(content, parts, (i) => headings[i - 1], limit);
    }),
    { numRuns: 100, interruptAfterTimeLimit: 20_000, markInterruptAsFailure: true },
  );
});
