import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  findCitations,
  formatCitation,
  citePath,
  parseCiteParams,
  linkCitationsInHtml,
} from '../../src/domain/citations.ts';
import type { PrintCitation } from '../../src/domain/types.ts';

type Row = [text: string, publication: string, year: number, month: number, pageFirst: number, pageLast: number];

function cit([text, publication, year, month, pageFirst, pageLast]: Row): PrintCitation {
  return { text, publication, year, month, pageFirst, pageLast };
}

/** input → the citations found, bracket by bracket. */
const findCases: { name: string; input: string; groups: Row[][] }[] = [
  {
    name: 'the seed citation',
    input: 'in February 2025, as PLN reported. [See: PLN, Mar. 2025, p.45.] On the day',
    groups: [[['PLN, Mar. 2025, p.45', 'PLN', 2025, 3, 45, 45]]],
  },
  {
    name: 'two in one bracket, the second inherits the publication',
    input: '[See: PLN, Sept. 2024, p.18; Jan. 2025, p.1.]',
    groups: [[['PLN, Sept. 2024, p.18', 'PLN', 2024, 9, 18, 18], ['Jan. 2025, p.1', 'PLN', 2025, 1, 1, 1]]],
  },
  {
    name: 'three in one bracket with mixed publications',
    input: '[See: PLN, Feb. 2020, p.1; CLN, Mar. 2021, p.50; Apr. 2022, p.12.]',
    groups: [[
      ['PLN, Feb. 2020, p.1', 'PLN', 2020, 2, 1, 1],
      ['CLN, Mar. 2021, p.50', 'CLN', 2021, 3, 50, 50],
      ['Apr. 2022, p.12', 'CLN', 2022, 4, 12, 12],
    ]],
  },
  { name: 'Sep. without t', input: '[See: PLN, Sep. 2019, p.3.]', groups: [[['PLN, Sep. 2019, p.3', 'PLN', 2019, 9, 3, 3]]] },
  { name: 'abbreviation without period', input: '[See: PLN, Mar 2025, p.45.]', groups: [[['PLN, Mar 2025, p.45', 'PLN', 2025, 3, 45, 45]]] },
  { name: 'Aug.', input: '[See: PLN, Aug. 2023, p.60.]', groups: [[['PLN, Aug. 2023, p.60', 'PLN', 2023, 8, 60, 60]]] },
  { name: 'full month name March', input: '[See: PLN, March 2025, p.45.]', groups: [[['PLN, March 2025, p.45', 'PLN', 2025, 3, 45, 45]]] },
  { name: 'full month name September', input: '[See: PLN, September 2018, p.8.]', groups: [[['PLN, September 2018, p.8', 'PLN', 2018, 9, 8, 8]]] },
  { name: 'June', input: '[See: PLN, June 2021, p.22.]', groups: [[['PLN, June 2021, p.22', 'PLN', 2021, 6, 22, 22]]] },
  { name: 'July', input: '[See: PLN, July 2021, p.32.]', groups: [[['PLN, July 2021, p.32', 'PLN', 2021, 7, 32, 32]]] },
  { name: 'month case-insensitive', input: '[See: PLN, DEC. 2010, p.1; nov 2011, p.2.]', groups: [[['PLN, DEC. 2010, p.1', 'PLN', 2010, 12, 1, 1], ['nov 2011, p.2', 'PLN', 2011, 11, 2, 2]]] },
  { name: 'page range pp.22-23', input: '[See: PLN, Jan. 2025, pp.22-23.]', groups: [[['PLN, Jan. 2025, pp.22-23', 'PLN', 2025, 1, 22, 23]]] },
  { name: 'page range with spaces and en dash', input: '[See: PLN, Jan. 2025, pp. 22–23.]', groups: [[['PLN, Jan. 2025, pp. 22–23', 'PLN', 2025, 1, 22, 23]]] },
  { name: 'elided page range pp.122-23', input: '[See: PLN, Oct. 2015, pp.122-23.]', groups: [[['PLN, Oct. 2015, pp.122-23', 'PLN', 2015, 10, 122, 123]]] },
  { name: 'p. 45 with a space', input: '[See: PLN, Mar. 2025, p. 45.]', groups: [[['PLN, Mar. 2025, p. 45', 'PLN', 2025, 3, 45, 45]]] },
  { name: 'CLN', input: '[See: CLN, Jan. 2024, pp.22-23.]', groups: [[['CLN, Jan. 2024, pp.22-23', 'CLN', 2024, 1, 22, 23]]] },
  { name: 'HRDC', input: '[See: HRDC, May 2022, p.7.]', groups: [[['HRDC, May 2022, p.7', 'HRDC', 2022, 5, 7, 7]]] },
  { name: 'See also:', input: '[See also: PLN, Apr. 2024, p.30.]', groups: [[['PLN, Apr. 2024, p.30', 'PLN', 2024, 4, 30, 30]]] },
  { name: 'lower-case see:', input: '[see: PLN, Apr. 2024, p.30.]', groups: [[['PLN, Apr. 2024, p.30', 'PLN', 2024, 4, 30, 30]]] },
  { name: 'missing final period', input: '[See: PLN, Mar. 2025, p.45]', groups: [[['PLN, Mar. 2025, p.45', 'PLN', 2025, 3, 45, 45]]] },
  { name: '"and" before the last one', input: '[See: PLN, Jan. 2025, p.1; and Oct. 2024, p.60.]', groups: [[['PLN, Jan. 2025, p.1', 'PLN', 2025, 1, 1, 1], ['Oct. 2024, p.60', 'PLN', 2024, 10, 60, 60]]] },
  { name: 'NBSP and line break inside (text normalised)', input: '[See: PLN,\u00a0Mar. 2025,\np.45.]', groups: [[['PLN, Mar. 2025, p.45', 'PLN', 2025, 3, 45, 45]]] },
  {
    name: 'two brackets in one paragraph',
    input: 'First. [See: PLN, Mar. 2025, p.45.] Second. [See: CLN, Jan. 2024, p.3.]',
    groups: [[['PLN, Mar. 2025, p.45', 'PLN', 2025, 3, 45, 45]], [['CLN, Jan. 2024, p.3', 'CLN', 2024, 1, 3, 3]]],
  },
  {
    name: 'case citation and print citation mixed: only the print one',
    input: '[See: Smith v. Jones, 578 U.S. 632 (2016); PLN, Mar. 2025, p.45.]',
    groups: [[['PLN, Mar. 2025, p.45', 'PLN', 2025, 3, 45, 45]]],
  },
  // false positives
  { name: 'bare case citation', input: 'The Court held in 578 U.S. 632 (2016) that …', groups: [] },
  { name: 'bracketed case citation', input: '[See: Smith v. Jones, 578 U.S. 632 (2016).]', groups: [] },
  { name: 'month 13 is not a month', input: '[See: PLN, Foo. 2025, p.45.]', groups: [] },
  { name: 'page 0', input: '[See: PLN, Mar. 2025, p.0.]', groups: [] },
  { name: 'page above 10000', input: '[See: PLN, Mar. 2025, p.10001.]', groups: [] },
  { name: 'five-digit year', input: '[See: PLN, Mar. 20251, p.45.]', groups: [] },
  { name: 'year out of range', input: '[See: PLN, Mar. 1850, p.45.]', groups: [] },
  { name: 'backwards page range', input: '[See: PLN, Mar. 2025, pp.45-12.]', groups: [] },
  { name: 'no publication to inherit', input: '[See: Mar. 2025, p.45.]', groups: [] },
  { name: 'lower-case publication', input: '[See: pln, Mar. 2025, p.45.]', groups: [] },
  { name: 'not in a See bracket', input: 'PLN, Mar. 2025, p.45 said so.', groups: [] },
  { name: 'other bracket', input: '[Editor’s note: PLN, Mar. 2025, p.45.]', groups: [] },
  { name: '"Seen" is not "See"', input: '[Seen: PLN, Mar. 2025, p.45.]', groups: [] },
  { name: 'unclosed bracket', input: '[See: PLN, Mar. 2025, p.45. And then nothing', groups: [] },
  { name: 'nested bracket restarts', input: '[See [See: PLN, Mar. 2025, p.45.]', groups: [[['PLN, Mar. 2025, p.45', 'PLN', 2025, 3, 45, 45]]] },
  { name: 'empty input', input: '', groups: [] },
  { name: 'empty bracket', input: '[See:]', groups: [] },
  { name: 'trailing words after the page', input: '[See: PLN, Mar. 2025, p.45 (discussing CECOT).]', groups: [] },
];

for (const { name, input, groups } of findCases) {
  test(`findCitations: ${name}`, () => {
    const found = findCitations(input);
    assert.deepEqual(found.map((g) => g.citations), groups.map((g) => g.map(cit)));
  });
}

test('findCitations: at least 20 table rows, true and false positives', () => {
  assert.ok(findCases.length >= 20);
  assert.ok(findCases.some((c) => c.groups.length === 0));
  assert.ok(findCases.some((c) => c.groups.length > 0));
});

test('findCitations: start/end cover the whole bracket', () => {
  const input = 'as PLN reported. [See: PLN, Mar. 2025, p.45.] On the day [See also: CLN, Jan. 2024, pp.22-23] end';
  const groups = findCitations(input);
  assert.equal(groups.length, 2);
  assert.equal(input.slice(groups[0].start, groups[0].end), '[See: PLN, Mar. 2025, p.45.]');
  assert.equal(input.slice(groups[1].start, groups[1].end), '[See also: CLN, Jan. 2024, pp.22-23]');
});

test('findCitations: the seed article', () => {
  const seed =
    'Bukele offered space to hold U.S. immigration detainees at CECOT, one of the world’s largest prisons, in February 2025, as PLN reported. [See: PLN, Mar. 2025, p.45.] On the day that U.S. Secretary of State Marco Rubio announced the offer, …';
  const groups = findCitations(seed);
  assert.equal(groups.length, 1);
  assert.deepEqual(groups[0].citations, [cit(['PLN, Mar. 2025, p.45', 'PLN', 2025, 3, 45, 45])]);
});

test('findCitations: 100 KB of brackets and "PLN, " is fast', () => {
  const inputs = [
    '[See: PLN, '.repeat(10_000),
    '[See: ' + 'PLN, '.repeat(20_000) + ']',
    '[' + 'PLN, '.repeat(20_000),
    '[See: PLN, Mar. 2025, p.45; '.repeat(4_000),
    '[See: ' + ' '.repeat(100_000) + 'x]',
    '[See: PLN' + ' '.repeat(900) + 'x]'.repeat(100),
    '[See: ' + ';'.repeat(100_000),
    '[See:' + ' PLN, Mar. 2025, p.45;'.repeat(40) + ']',
  ];
  const t0 = performance.now();
  for (const input of inputs) findCitations(input);
  const elapsed = performance.now() - t0;
  assert.ok(elapsed < 2000, `took ${elapsed} ms`);
});

test('findCitations: never throws on arbitrary or binary strings', () => {
  const pieces = ['[', ']', 'See:', 'see also:', 'PLN', ',', ' ', '\u00a0', ';', '.', 'Mar', 'Sept', '2025', 'p', 'pp', '45', '-', '–', '0', '\0', '\ud800'];
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.array(fc.constantFrom(...pieces)).map((a) => a.join(''))), (s) => {
      const groups = findCitations(s);
      for (const g of groups) {
        assert.equal(s[g.start], '[');
        assert.equal(s[g.end - 1], ']');
        for (const c of g.citations) {
          assert.ok(c.month >= 1 && c.month <= 12);
          assert.ok(c.pageFirst >= 1 && c.pageLast >= c.pageFirst && c.pageLast <= 10000);
        }
      }
    }),
    { numRuns: 500 },
  );
  // Not a string at all (e.g. a null column): no throw.
  assert.deepEqual(findCitations(undefined as unknown as string), []);
});

test('findCitations: formatCitation output parses back', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('PLN', 'CLN', 'HRDC'),
      fc.integer({ min: 1900, max: 2200 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 9000 }),
      fc.integer({ min: 0, max: 50 }),
      (publication, year, month, pageFirst, extra) => {
        const c = { publication, year, month, pageFirst, pageLast: pageFirst + extra };
        const text = formatCitation(c);
        assert.deepEqual(findCitations(`[See: ${text}.]`), [{ start: 0, end: text.length + 8, citations: [{ text, ...c }] }]);
      },
    ),
  );
});

const formatCases: { input: Parameters<typeof formatCitation>[0]; expected: string }[] = [
  { input: { publication: 'PLN', year: 2025, month: 3, pageFirst: 45, pageLast: 45 }, expected: 'PLN, Mar. 2025, p.45' },
  { input: { publication: 'PLN', year: 2025, month: 1, pageFirst: 22, pageLast: 23 }, expected: 'PLN, Jan. 2025, pp.22-23' },
  { input: { publication: 'PLN', year: 2024, month: 2, pageFirst: 1, pageLast: 1 }, expected: 'PLN, Feb. 2024, p.1' },
  { input: { publication: 'PLN', year: 2024, month: 4, pageFirst: 1, pageLast: 1 }, expected: 'PLN, Apr. 2024, p.1' },
  { input: { publication: 'CLN', year: 2024, month: 5, pageFirst: 7, pageLast: 7 }, expected: 'CLN, May 2024, p.7' },
  { input: { publication: 'PLN', year: 2024, month: 6, pageFirst: 10, pageLast: 12 }, expected: 'PLN, June 2024, pp.10-12' },
  { input: { publication: 'PLN', year: 2024, month: 7, pageFirst: 3, pageLast: 3 }, expected: 'PLN, July 2024, p.3' },
  { input: { publication: 'PLN', year: 2024, month: 8, pageFirst: 3, pageLast: 3 }, expected: 'PLN, Aug. 2024, p.3' },
  { input: { publication: 'PLN', year: 2024, month: 9, pageFirst: 18, pageLast: 18 }, expected: 'PLN, Sept. 2024, p.18' },
  { input: { publication: 'PLN', year: 2024, month: 10, pageFirst: 60, pageLast: 60 }, expected: 'PLN, Oct. 2024, p.60' },
  { input: { publication: 'HRDC', year: 2024, month: 11, pageFirst: 2, pageLast: 2 }, expected: 'HRDC, Nov. 2024, p.2' },
  { input: { publication: 'PLN', year: 2024, month: 12, pageFirst: 50, pageLast: 51 }, expected: 'PLN, Dec. 2024, pp.50-51' },
  { input: { publication: 'PLN', year: 2024, month: 12, pageFirst: 50, pageLast: 49 }, expected: 'PLN, Dec. 2024, p.50' },
];

for (const { input, expected } of formatCases) {
  test(`formatCitation: ${expected}`, () => {
    assert.equal(formatCitation(input), expected);
  });
}

test('formatCitation: month out of range is a RangeError', () => {
  for (const month of [0, 13, 1.5, NaN]) {
    assert.throws(() => formatCitation({ publication: 'PLN', year: 2025, month, pageFirst: 1, pageLast: 1 }), RangeError);
  }
});

const citePathCases: { input: Parameters<typeof citePath>[0]; expected: string }[] = [
  { input: { publication: 'PLN', year: 2025, month: 3, pageFirst: 45 }, expected: '/cite/PLN/2025/03/45' },
  { input: { publication: 'PLN', year: 2024, month: 12, pageFirst: 1 }, expected: '/cite/PLN/2024/12/1' },
  { input: { publication: 'CLN', year: 2024, month: 1, pageFirst: 22 }, expected: '/cite/CLN/2024/01/22' },
  { input: { publication: 'HRDC', year: 1999, month: 9, pageFirst: 10000 }, expected: '/cite/HRDC/1999/09/10000' },
];

for (const { input, expected } of citePathCases) {
  test(`citePath: ${expected}`, () => {
    assert.equal(citePath(input), expected);
  });
}

test('citePath round-trips through parseCiteParams', () => {
  const c = { publication: 'PLN', year: 2025, month: 3, pageFirst: 45 };
  const [, , pub, year, month, page] = citePath(c).split('/');
  assert.deepEqual(parseCiteParams(pub, year, month, page), { publication: 'PLN', year: 2025, month: 3, page: 45 });
});

const parseCases: { args: [string, string, string, string]; expected: ReturnType<typeof parseCiteParams> }[] = [
  { args: ['PLN', '2025', '03', '45'], expected: { publication: 'PLN', year: 2025, month: 3, page: 45 } },
  { args: ['PLN', '2025', '3', '45'], expected: { publication: 'PLN', year: 2025, month: 3, page: 45 } },
  { args: ['pln', '2025', '12', '1'], expected: { publication: 'PLN', year: 2025, month: 12, page: 1 } },
  { args: ['Hrdc', '1900', '1', '10000'], expected: { publication: 'HRDC', year: 1900, month: 1, page: 10000 } },
  { args: ['CLN', '2200', '09', '7'], expected: { publication: 'CLN', year: 2200, month: 9, page: 7 } },
  { args: ['P', '2025', '03', '45'], expected: null },
  { args: ['ABCDEFGHIJK', '2025', '03', '45'], expected: null },
  { args: ['PL1', '2025', '03', '45'], expected: null },
  { args: ['PLN', '1899', '03', '45'], expected: null },
  { args: ['PLN', '2201', '03', '45'], expected: null },
  { args: ['PLN', '20251', '03', '45'], expected: null },
  { args: ['PLN', '25', '03', '45'], expected: null },
  { args: ['PLN', '2025', '0', '45'], expected: null },
  { args: ['PLN', '2025', '00', '45'], expected: null },
  { args: ['PLN', '2025', '13', '45'], expected: null },
  { args: ['PLN', '2025', '003', '45'], expected: null },
  { args: ['PLN', '2025', 'Mar', '45'], expected: null },
  { args: ['PLN', '2025', '03', '0'], expected: null },
  { args: ['PLN', '2025', '03', '10001'], expected: null },
  { args: ['PLN', '2025', '03', '-1'], expected: null },
  { args: ['PLN', '2025', '03', '4.5'], expected: null },
  { args: ['PLN', '2025', '03', '1e3'], expected: null },
  { args: ['PLN', '2025', '03', ' 45'], expected: null },
  { args: ['PLN', '2025', '03', ''], expected: null },
  { args: ['PLN', '２０２５', '03', '45'], expected: null },
];

for (const { args, expected } of parseCases) {
  test(`parseCiteParams(${args.map((a) => JSON.stringify(a)).join(', ')})`, () => {
    assert.deepEqual(parseCiteParams(...args), expected);
  });
}

test('parseCiteParams: non-string params give null', () => {
  assert.equal(parseCiteParams(undefined as unknown as string, '2025', '03', '45'), null);
});

const hrefFor = (c: PrintCitation): string => citePath(c);

const linkCases: { name: string; html: string; href?: (c: PrintCitation) => string | null; expected: string }[] = [
  {
    name: 'the seed paragraph',
    html: '<p>… as PLN reported. [See: PLN, Mar. 2025, p.45.] On the day …</p>',
    expected: '<p>… as PLN reported. [See: <a href="/cite/PLN/2025/03/45" class="cite">PLN, Mar. 2025, p.45</a>.] On the day …</p>',
  },
  {
    name: 'two citations in one bracket → two links',
    html: '<p>[See: PLN, Sept. 2024, p.18; Jan. 2025, p.1.]</p>',
    expected:
      '<p>[See: <a href="/cite/PLN/2024/09/18" class="cite">PLN, Sept. 2024, p.18</a>; <a href="/cite/PLN/2025/01/1" class="cite">Jan. 2025, p.1</a>.]</p>',
  },
  {
    name: 'null href → unchanged',
    html: '<p>[See: PLN, Mar. 2025, p.45.]</p>',
    href: () => null,
    expected: '<p>[See: PLN, Mar. 2025, p.45.]</p>',
  },
  {
    name: 'null for one, link for the other',
    html: '<p>[See: PLN, Mar. 2025, p.45; CLN, Jan. 2024, p.3.]</p>',
    href: (c) => (c.publication === 'CLN' ? citePath(c) : null),
    expected: '<p>[See: PLN, Mar. 2025, p.45; <a href="/cite/CLN/2024/01/3" class="cite">CLN, Jan. 2024, p.3</a>.]</p>',
  },
  {
    name: 'citation inside an attribute value is untouched',
    html: '<p title="[See: PLN, Mar. 2025, p.45.]">x</p>',
    expected: '<p title="[See: PLN, Mar. 2025, p.45.]">x</p>',
  },
  {
    name: 'attribute value with ">" inside, then a real citation',
    html: '<img alt="a > [See: PLN, Mar. 2025, p.45.]" src=x.png> [See: PLN, Mar. 2025, p.45.]',
    expected: '<img alt="a > [See: PLN, Mar. 2025, p.45.]" src=x.png> [See: <a href="/cite/PLN/2025/03/45" class="cite">PLN, Mar. 2025, p.45</a>.]',
  },
  {
    name: 'citation inside an existing link is untouched',
    html: '<p><a href="/x">[See: PLN, Mar. 2025, p.45.]</a> and <A HREF="/y"><em>[See: PLN, Mar. 2025, p.45.]</em></A></p>',
    expected: '<p><a href="/x">[See: PLN, Mar. 2025, p.45.]</a> and <A HREF="/y"><em>[See: PLN, Mar. 2025, p.45.]</em></A></p>',
  },
  {
    name: 'after an existing link closes, text is linked again; <abbr> is not <a>',
    html: '<p><a href="/x">x</a> <abbr>PLN</abbr> [See: PLN, Mar. 2025, p.45.]</p>',
    expected: '<p><a href="/x">x</a> <abbr>PLN</abbr> [See: <a href="/cite/PLN/2025/03/45" class="cite">PLN, Mar. 2025, p.45</a>.]</p>',
  },
  {
    name: 'comments, scripts and styles are untouched',
    html: '<!-- [See: PLN, Mar. 2025, p.45.] --><script>var s = "[See: PLN, Mar. 2025, p.45.]";</script><style>/* [See: PLN, Mar. 2025, p.45.] */</style>',
    expected: '<!-- [See: PLN, Mar. 2025, p.45.] --><script>var s = "[See: PLN, Mar. 2025, p.45.]";</script><style>/* [See: PLN, Mar. 2025, p.45.] */</style>',
  },
  {
    name: 'entities survive, &nbsp; counts as a space',
    html: '<p>Tom &amp; Jerry [See: PLN,&nbsp;Mar.&nbsp;2025, p.45.] &lt;end&gt;</p>',
    expected: '<p>Tom &amp; Jerry [See: <a href="/cite/PLN/2025/03/45" class="cite">PLN,&nbsp;Mar.&nbsp;2025, p.45</a>.] &lt;end&gt;</p>',
  },
  {
    name: 'numeric NBSP and &ndash; in a range',
    html: '<p>[See:&#160;CLN, Jan. 2024, pp.22&ndash;23.]</p>',
    expected: '<p>[See:&#160;<a href="/cite/CLN/2024/01/22" class="cite">CLN, Jan. 2024, pp.22&ndash;23</a>.]</p>',
  },
  {
    name: 'href is attribute-escaped',
    html: '<p>[See: PLN, Mar. 2025, p.45.]</p>',
    href: () => '/cite?a=1&b="2"<x>\'',
    expected: '<p>[See: <a href="/cite?a=1&amp;b=&quot;2&quot;&lt;x&gt;&#39;" class="cite">PLN, Mar. 2025, p.45</a>.]</p>',
  },
  {
    name: 'case citation is not linked, the print one is',
    html: '<p>[See: Smith v. Jones, 578 U.S. 632 (2016); PLN, Mar. 2025, p.45.]</p>',
    expected: '<p>[See: Smith v. Jones, 578 U.S. 632 (2016); <a href="/cite/PLN/2025/03/45" class="cite">PLN, Mar. 2025, p.45</a>.]</p>',
  },
  {
    name: 'citation split by markup is left alone',
    html: '<p>[See: <em>PLN</em>, Mar. 2025, p.45.]</p>',
    expected: '<p>[See: <em>PLN</em>, Mar. 2025, p.45.]</p>',
  },
  {
    name: 'stray "<" in text is text',
    html: '<p>1 < 2 [See: PLN, Mar. 2025, p.45.]</p>',
    expected: '<p>1 < 2 [See: <a href="/cite/PLN/2025/03/45" class="cite">PLN, Mar. 2025, p.45</a>.]</p>',
  },
  {
    name: 'no brackets → same string',
    html: '<p>Nothing to see here.</p>',
    expected: '<p>Nothing to see here.</p>',
  },
  {
    name: 'unterminated tag and comment do not throw',
    html: '[See: PLN, Mar. 2025, p.45.] <p title="oops [See: PLN, Mar. 2025, p.45.]',
    expected: '[See: <a href="/cite/PLN/2025/03/45" class="cite">PLN, Mar. 2025, p.45</a>.] <p title="oops [See: PLN, Mar. 2025, p.45.]',
  },
];

for (const { name, html, href, expected } of linkCases) {
  test(`linkCitationsInHtml: ${name}`, () => {
    assert.equal(linkCitationsInHtml(html, href ?? hrefFor), expected);
  });
}

test('linkCitationsInHtml: hrefFor gets the parsed citation', () => {
  const seen: PrintCitation[] = [];
  linkCitationsInHtml('<p>[See: PLN,&nbsp;Sept. 2024, p.18; Jan. 2025, pp.1&ndash;2.]</p>', (c) => {
    seen.push(c);
    return null;
  });
  assert.deepEqual(seen, [
    cit(['PLN, Sept. 2024, p.18', 'PLN', 2024, 9, 18, 18]),
    cit(['Jan. 2025, pp.1–2', 'PLN', 2025, 1, 1, 2]),
  ]);
});

test('linkCitationsInHtml: never throws, and with null hrefs returns the input unchanged', () => {
  const pieces = ['<', '>', '</a>', '<a href="', '"', "'", '=', '<!--', '-->', '<script>', '&amp;', '&nbsp;', '&#x', ';', '[See: ', 'PLN, Mar. 2025, p.45', ']', ' ', 'x'];
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.array(fc.constantFrom(...pieces)).map((a) => a.join(''))), (s) => {
      assert.equal(linkCitationsInHtml(s, () => null), s);
      const linked = linkCitationsInHtml(s, hrefFor);
      // Removing the inserted anchors gives back the input.
      assert.equal(linked.replace(/<a href="\/cite\/[^"]*" class="cite">|<\/a>(?<=class="cite">[^<]*<\/a>)/g, ''), s);
    }),
    { numRuns: 500 },
  );
});

test('linkCitationsInHtml: large input is fast', () => {
  const html = '<p>' + 'text &amp; [See: PLN, Mar. 2025, p.45.] <a href="/x">[See: PLN, '.repeat(3_000) + '</p>' + '<p title="'.repeat(10_000);
  const t0 = performance.now();
  linkCitationsInHtml(html, hrefFor);
  const elapsed = performance.now() - t0;
  assert.ok(elapsed < 2000, `took ${elapsed} ms`);
});
