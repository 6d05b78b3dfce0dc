import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportCitation, bibtexEscape, bibtexKey } from '../../src/present/citation-export.ts';
import type { ArticleView } from '../../src/present/article.ts';
import type { Site } from '../../src/web/views/layout.tsx';

const site: Site = {
  name: 'Prison Legal News',
  abbreviation: 'PLN',
  description: 'Dedicated to protecting human rights',
  issn: '1075-7678',
  baseUrl: 'https://pln.example',
};

const SECRET = 'The warden kept a second ledger of gang payments';

/** A premium article as a subscriber's presenter hands it out: body included, which no export may use. */
const article: ArticleView = {
  slug: 'bukele-deal',
  url: '/articles/bukele-deal',
  title: 'Bukele’s Deal & the 100% “Mega” Prison',
  dek: 'A dek',
  access: 'premium',
  publishedAt: '2025-03-04T10:00:00.000Z',
  updatedAt: '2025-03-05T08:30:00.000Z',
  issue: { year: 2025, month: 3, volume: 36, number: 3, publication: 'PLN' },
  pages: { first: 45, last: 46 },
  citation: 'PLN, Mar. 2025, pp.45-46',
  authors: [
    { slug: 'ana-maria-mendez-dardon', name: 'Ana María Méndez Dardón' },
    { slug: 'kevin-bliss', name: 'Kevin Bliss' },
    { slug: 'pln-staff', name: 'PLN Staff' },
  ],
  topics: [{ slug: 'immigration', name: 'Immigration' }, { slug: 'gangs', name: 'Gangs' }],
  places: [{ slug: 'el-salvador', name: 'El Salvador', kind: 'country' }],
  sources: [{ name: 'CBS News', url: null, slug: 'cbs-news' }],
  teaserHtml: '<p>Trump &amp; Bukele made a deal worth 100%.</p>',
  teaserText: 'Trump & Bukele made a deal worth 100%.\n\nSecond teaser paragraph.',
  bodyHtml: `<p>Trump &amp; Bukele made a deal.</p><p>${SECRET}.</p>`,
  bodyText: `Trump & Bukele made a deal.\n\n${SECRET}.`,
  wordCount: 20,
  decision: { full: true, reason: 'subscriber' },
  citations: [],
  citedBy: [],
};

const singlePage: ArticleView = {
  ...article,
  slug: 'short-one',
  url: '/articles/short-one',
  title: 'The Short One',
  access: 'free',
  publishedAt: '2025-02-20T10:00:00Z', // published online before the March issue
  pages: { first: 45, last: 45 },
  citation: 'PLN, Mar. 2025, p.45',
  authors: [{ slug: 'x', name: 'Martin Luther King Jr.' }],
  topics: [],
};

function risTags(body: string): [string, string][] {
  return body.split('\r\n').filter(Boolean).map((line) => {
    const m = /^([A-Z][A-Z0-9])  - (.*)$/.exec(line);
    assert.ok(m, `not a RIS line: ${JSON.stringify(line)}`);
    return [m[1], m[2]];
  });
}

function risValues(body: string, tag: string): string[] {
  return risTags(body).filter(([t]) => t === tag).map(([, v]) => v);
}

/** BibTeX fields of a one-entry file, values as written (braces included). */
function bibFields(body: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const m of body.matchAll(/^ {2}([a-z]+)\s*= (.*?),?$/gm)) fields.set(m[1], m[2]);
  return fields;
}

function assertBalancedBraces(s: string): void {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') { i++; continue; }
    if (s[i] === '{') depth++;
    if (s[i] === '}') depth--;
    assert.ok(depth >= 0, `unbalanced } at ${i}`);
  }
  assert.equal(depth, 0, 'unbalanced braces');
}

test('no format includes the body, for premium and free articles alike', () => {
  for (const a of [article, { ...article, access: 'free' as const, decision: { full: true, reason: 'free' as const } }, { ...article, bodyHtml: null, bodyText: null, decision: { full: false, reason: 'no-access' as const } }]) {
    for (const format of ['ris', 'bibtex', 'csl'] as const) {
      const out = exportCitation(a, site, format);
      assert.ok(!out.body.includes(SECRET), `${format} leaked the body`);
      assert.ok(!out.body.includes('second ledger'), `${format} leaked the body`);
    }
  }
});

// ---------------------------------------------------------------------------
// RIS

test('RIS: content type, filename, CRLF line endings, TY first and ER last', () => {
  const out = exportCitation(article, site, 'ris');
  assert.equal(out.contentType, 'application/x-research-info-systems');
  assert.equal(out.filename, 'bukele-deal.ris');
  assert.ok(out.body.endsWith('ER  - \r\n'));
  assert.doesNotMatch(out.body, /[^\r]\n/, 'every line ends with CRLF');
  assert.doesNotMatch(out.body, /\r(?!\n)/);
  const tags = risTags(out.body);
  assert.deepEqual(tags[0], ['TY', 'MGZN']);
  assert.deepEqual(tags.at(-1), ['ER', '']);
});

test('RIS: field values', () => {
  const body = exportCitation(article, site, 'ris').body;
  assert.deepEqual(risValues(body, 'TI'), ['Bukele’s Deal & the 100% “Mega” Prison']);
  assert.deepEqual(risValues(body, 'AU'), ['Dardón, Ana María Méndez', 'Bliss, Kevin', 'PLN Staff']);
  assert.deepEqual(risValues(body, 'PY'), ['2025']);
  assert.deepEqual(risValues(body, 'DA'), ['2025/03/04']);
  assert.deepEqual(risValues(body, 'T2'), ['Prison Legal News']);
  assert.deepEqual(risValues(body, 'J2'), ['PLN']);
  assert.deepEqual(risValues(body, 'VL'), ['36']);
  assert.deepEqual(risValues(body, 'IS'), ['3']);
  assert.deepEqual(risValues(body, 'SP'), ['45']);
  assert.deepEqual(risValues(body, 'EP'), ['46']);
  assert.deepEqual(risValues(body, 'SN'), ['1075-7678']);
  assert.deepEqual(risValues(body, 'UR'), ['https://pln.example/articles/bukele-deal']);
  assert.deepEqual(risValues(body, 'KW'), ['Immigration', 'Gangs']);
  // The teaser, on one line: a line break would end the field.
  assert.deepEqual(risValues(body, 'AB'), ['Trump & Bukele made a deal worth 100%. Second teaser paragraph.']);
});

test('RIS: one page, issue month decides the date, suffixes and missing metadata', () => {
  const body = exportCitation(singlePage, { ...site, issn: null }, 'ris').body;
  assert.deepEqual(risValues(body, 'SP'), ['45']);
  assert.deepEqual(risValues(body, 'EP'), []);
  assert.deepEqual(risValues(body, 'PY'), ['2025']);
  assert.deepEqual(risValues(body, 'DA'), ['2025/03/'], 'cited as the March issue, day unknown');
  assert.deepEqual(risValues(body, 'AU'), ['King, Martin Luther, Jr.']);
  assert.deepEqual(risValues(body, 'SN'), []);
  assert.deepEqual(risValues(body, 'KW'), []);

  const noPrint = exportCitation({ ...article, issue: null, pages: null, citation: null, title: 'Line\r\nbreak\u0007' }, site, 'ris').body;
  assert.deepEqual(risValues(noPrint, 'TI'), ['Line break']);
  assert.deepEqual(risValues(noPrint, 'DA'), ['2025/03/04']);
  assert.deepEqual(risValues(noPrint, 'VL'), []);
  assert.deepEqual(risValues(noPrint, 'SP'), []);
});

// ---------------------------------------------------------------------------
// BibTeX

test('BibTeX: content type, filename, key, month macro, pages, escaping', () => {
  const out = exportCitation(article, site, 'bibtex');
  assert.equal(out.contentType, 'application/x-bibtex; charset=utf-8');
  assert.equal(out.filename, 'bukele-deal.bib');
  assert.match(out.body, /^@article\{pln2025bukele,\n/);
  assert.ok(out.body.endsWith('\n}\n'));
  assertBalancedBraces(out.body);
  assert.match(out.body, /^[\x20-\x7E\n]*$/, 'ASCII only');

  const f = bibFields(out.body);
  assert.equal(f.get('title'), "{{Bukele's Deal \\& the 100\\% ``Mega'' Prison}}");
  assert.equal(f.get('author'), "{Dard{\\'{o}}n, Ana Mar{\\'{\\i}}a M{\\'{e}}ndez and Bliss, Kevin and {PLN Staff}}");
  assert.equal(f.get('journal'), '{Prison Legal News}');
  assert.equal(f.get('year'), '2025');
  assert.equal(f.get('month'), 'mar', 'month macro, unquoted');
  assert.equal(f.get('volume'), '{36}');
  assert.equal(f.get('number'), '{3}');
  assert.equal(f.get('pages'), '{45--46}');
  assert.equal(f.get('issn'), '{1075-7678}');
  assert.equal(f.get('url'), '{https://pln.example/articles/bukele-deal}');
  assert.equal(f.get('note'), '{PLN, Mar. 2025, pp.45-46}');
  assert.equal(f.get('keywords'), '{Immigration, Gangs}');
  assert.equal(f.get('abstract'), '{Trump \\& Bukele made a deal worth 100\\%. Second teaser paragraph.}');
});

test('BibTeX: single page, issue month, suffix', () => {
  const f = bibFields(exportCitation(singlePage, site, 'bibtex').body);
  assert.equal(f.get('pages'), '{45}');
  assert.equal(f.get('month'), 'mar');
  assert.equal(f.get('note'), '{PLN, Mar. 2025, p.45}');
  assert.equal(f.get('author'), '{King, Jr., Martin Luther}');
  assert.equal(f.has('keywords'), false);
});

test('BibTeX: every special character is escaped, non-ASCII transliterated or braced', () => {
  assert.equal(bibtexEscape('& % $ # _ { } ~ ^ \\'), '\\& \\% \\$ \\# \\_ \\{ \\} \\textasciitilde{} \\textasciicircum{} \\textbackslash{}');
  assert.equal(bibtexEscape('Straße Ærø Łódź – — …'), 'Stra{\\ss}e {\\AE}r{\\o} {\\L}{\\\'{o}}d{\\\'{z}} -- --- {\\ldots}');
  assert.equal(bibtexEscape('Ça, naïve, Señor, Dvořák'), '{\\c{C}}a, na{\\"{\\i}}ve, Se{\\~{n}}or, Dvo{\\v{r}}{\\\'{a}}k');
  assert.equal(bibtexEscape('Ελλάδα 中 😀'), '{Ε}{λ}{λ}{ά}{δ}{α} {中} {😀}');
  assert.equal(bibtexEscape('two\nlines\u0000'), 'two lines');
  for (const s of ['}{', '\\}', '{{{', 'a}b{c', '\\{\\']) assertBalancedBraces(bibtexEscape(s));
});

test('BibTeX: keys are ASCII and skip leading small words', () => {
  assert.equal(bibtexKey({ ...article, title: 'The Árbol of Justice' }, site), 'pln2025arbol');
  assert.equal(bibtexKey({ ...article, title: '“A” & the' }, site), 'pln2025a');
  assert.equal(bibtexKey({ ...article, issue: null, publishedAt: null, title: '¿?' }, { ...site, abbreviation: 'CLN' }), 'cln');
  assert.equal(bibtexKey({ ...article, issue: null, publishedAt: '2024-06-01', title: 'Østrig' }, site), 'pln2024ostrig');
});

// ---------------------------------------------------------------------------
// CSL-JSON

test('CSL-JSON: a one-element array with the metadata', () => {
  const out = exportCitation(article, site, 'csl');
  assert.equal(out.contentType, 'application/vnd.citationstyles.csl+json');
  assert.equal(out.filename, 'bukele-deal.json');
  const parsed = JSON.parse(out.body) as Record<string, unknown>[];
  assert.ok(Array.isArray(parsed));
  assert.equal(parsed.length, 1);
  assert.deepEqual(parsed[0], {
    id: 'bukele-deal',
    type: 'article-magazine',
    title: 'Bukele’s Deal & the 100% “Mega” Prison',
    author: [{ family: 'Dardón', given: 'Ana María Méndez' }, { family: 'Bliss', given: 'Kevin' }, { literal: 'PLN Staff' }],
    'container-title': 'Prison Legal News',
    'container-title-short': 'PLN',
    issued: { 'date-parts': [[2025, 3, 4]] },
    volume: '36',
    issue: '3',
    page: '45-46',
    ISSN: '1075-7678',
    URL: 'https://pln.example/articles/bukele-deal',
    keyword: 'Immigration, Gangs',
    abstract: 'Trump & Bukele made a deal worth 100%. Second teaser paragraph.',
    language: 'en',
  });
});

test('CSL-JSON: single page, issue month, suffix, absent metadata left out', () => {
  const [item] = JSON.parse(exportCitation({ ...singlePage, issue: { ...singlePage.issue!, volume: null, number: null } }, { ...site, issn: null }, 'csl').body) as Record<string, unknown>[];
  assert.equal(item.page, '45');
  assert.deepEqual(item.issued, { 'date-parts': [[2025, 3]] });
  assert.deepEqual(item.author, [{ family: 'King', given: 'Martin Luther', suffix: 'Jr.' }]);
  assert.equal('volume' in item, false);
  assert.equal('issue' in item, false);
  assert.equal('ISSN' in item, false);
  const [bare] = JSON.parse(exportCitation({ ...article, issue: null, pages: null, citation: null, authors: [{ slug: 'cher', name: 'Cher' }], publishedAt: null }, site, 'csl').body) as Record<string, unknown>[];
  assert.deepEqual(bare.author, [{ literal: 'Cher' }]);
  assert.equal('issued' in bare, false);
  assert.equal('page' in bare, false);
});

test('names: particles stay with the family name; already inverted names are kept', () => {
  const names = (list: string[]) =>
    (JSON.parse(exportCitation({ ...article, authors: list.map((name, i) => ({ slug: `a${i}`, name })) }, site, 'csl').body) as { author: unknown }[])[0].author;
  assert.deepEqual(names(['Ludwig van Beethoven', 'Smith, Jane', 'Mary  Ann\tEvans']), [
    { family: 'van Beethoven', given: 'Ludwig' },
    { family: 'Smith', given: 'Jane' },
    { family: 'Evans', given: 'Mary Ann' },
  ]);
});

test('filenames are safe for Content-Disposition', () => {
  assert.equal(exportCitation({ ...article, slug: 'a"b/../c d' }, site, 'ris').filename, 'a-b-..-c-d.ris');
  assert.equal(exportCitation({ ...article, slug: '...' }, site, 'csl').filename, 'citation.json');
});
