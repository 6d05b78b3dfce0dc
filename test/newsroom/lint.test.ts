import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseImportFile } from '../../src/domain/importers/index.ts';
import { InputError, type ImportedArticle } from '../../src/domain/types.ts';
import { slugify } from '../../src/domain/slug.ts';
import { contextFromFacts, runChecks, type ArchiveFacts, type LintFinding } from '../../src/newsroom/lint-rules.ts';
import { lintArticle, dismissFinding, restoreFinding, listDismissals, loadArticleForLint } from '../../src/newsroom/lint.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { loadDemo } from '../../src/demo/load.ts';
import { saveArticles } from '../../src/commands/save-articles.ts';

const SEED_FILE = path.resolve(import.meta.dirname, '../../fixtures/seed-pln-bukele.txt');
const SEED_TEXT = fs.readFileSync(SEED_FILE, 'utf8');
const SEED_SLUG = slugify(SEED_TEXT.split('\n')[0]);

/** A clean article of the year 2025 (no finding of its own), to vary one field at a time. */
function article(over: Partial<ImportedArticle> = {}): ImportedArticle {
  return {
    slug: 'test-article',
    title: 'County Jail Pays to Cool Its Cells',
    dek: null,
    bodyMarkdown:
      'A county jail in Texas agreed in March 2025 to pay $2 million and install air conditioning to settle a suit brought by the families of two men who died in cells that reached 110 degrees, court records show.\n\n' +
      'The settlement follows years of complaints from prisoners and their families.\n',
    authors: [],
    topics: [],
    places: [],
    sources: [{ name: 'Texas Tribune', url: 'https://www.texastribune.org/' }],
    access: 'premium',
    status: 'published',
    publishedAt: '2025-04-01',
    issue: { year: 2025, month: 4 },
    pageFirst: 10,
    pageLast: 11,
    ...over,
  };
}

/** A small archive: PLN issues of early 2025, an article on p.45 of March, two sharing p.11 of February. */
function facts(over: Partial<ArchiveFacts> = {}): ArchiveFacts {
  return {
    now: '2025-06-15T12:00:00.000Z',
    publications: ['PLN'],
    issues: [1, 2, 3, 4, 5].map((month) => ({ publication: 'PLN', year: 2025, month })),
    articles: [
      { slug: 'cecot-offer', title: 'Bukele Offers Mega-Prison', status: 'published', publishedAt: '2025-02-25T00:00:00.000Z', publication: 'PLN', year: 2025, month: 3, pageFirst: 45, pageLast: 45 },
      { slug: 'phone-rates', title: 'Phone Rates Capped', status: 'published', publishedAt: '2025-02-01T00:00:00.000Z', publication: 'PLN', year: 2025, month: 2, pageFirst: 10, pageLast: 12 },
      { slug: 'video-visits', title: 'Video Visits Replace Lobby', status: 'published', publishedAt: '2025-02-01T00:00:00.000Z', publication: 'PLN', year: 2025, month: 2, pageFirst: 11, pageLast: 11 },
      { slug: 'next-month', title: 'A Draft for Next Month', status: 'draft', publishedAt: null, publication: null, year: null, month: null, pageFirst: null, pageLast: null },
      { slug: 'scheduled-one', title: 'Scheduled for Later', status: 'scheduled', publishedAt: '2025-09-01T00:00:00.000Z' },
    ],
    titles: [
      { slug: 'cecot-offer', title: 'Bukele Offers Mega-Prison' },
      { slug: 'phone-rates', title: 'Phone Rates Capped' },
      { slug: 'hot-cells', title: 'Jail Settles Suit Over “Deaths” in Hot Cells' },
    ],
    terms: [{ kind: 'topics', slug: 'prison-conditions' }, { kind: 'states', slug: 'texas' }],
    siteOrigins: ['https://news.example.org'],
    ...over,
  };
}

function lint(a: ImportedArticle, f: ArchiveFacts = facts()): LintFinding[] {
  return runChecks(a, contextFromFacts(f, a.slug));
}

function rulesOf(findings: LintFinding[]): string[] {
  return findings.map((f) => f.rule);
}

// ---------------------------------------------------------------- dates

describe('date: a year that does not fit the story', () => {
  /** body, story (published date / issue year), sources → the expected date finding, or null. */
  const cases: { name: string; body: string; publishedAt?: string | null; issueYear?: number | null; sources?: string[]; flag: null | { excerpt: RegExp; suggest: string } }[] = [
    // True positives.
    {
      name: 'the seed: Dropsite News "reported" on March 30, 2015 about events of March 2025',
      body: 'When Pres. Donald J. Trump (R) invoked the 1798 Alien Enemies Act in March 2025 to send several hundred Venezuelan migrants to El Salvador’s Terrorism Confinement Center (CECOT), the tradeoff for Salvadoran Pres. Nayib Bukele was unclear. But on March 30, 2015, Dropsite News reported a clue: The deal included repatriation of Salvadoran gang members.',
      sources: ['CBS News', 'Dropsite News', 'El Faro'],
      publishedAt: null, issueYear: null,
      flag: { excerpt: /March 30, 2015/, suggest: 'March 30, 2025' },
    },
    {
      name: 'the seed sentence in an article placed in the May 2025 issue',
      body: 'But on March 30, 2015, Dropsite News reported a clue.',
      sources: ['Dropsite News'], publishedAt: '2025-04-28', issueYear: 2025,
      flag: { excerpt: /March 30, 2015/, suggest: 'March 30, 2025' },
    },
    {
      name: 'an outlet that is not among the sources, no other date nearby',
      body: 'The Associated Press reported on March 30, 2015, that the deal had been signed.',
      flag: { excerpt: /March 30, 2015/, suggest: 'March 30, 2025' },
    },
    {
      name: 'month and year only ("In March 2015 … reported")',
      body: 'In March 2015, Dropsite News reported that the deal included gang leaders.',
      sources: ['Dropsite News'],
      flag: { excerpt: /March 2015/, suggest: 'March 2025' },
    },
    {
      name: 'abbreviated month',
      body: 'The group published its findings on Apr. 2, 2015, in a 40-page report.',
      flag: { excerpt: /Apr\. 2, 2015/, suggest: 'Apr. 2, 2025' },
    },
    {
      name: 'day before month',
      body: 'Reuters revealed on 2 April 2015 that the contract had been extended.',
      flag: { excerpt: /2 April 2015/, suggest: '2 April 2025' },
    },
    {
      name: 'ISO date',
      body: 'The Marshall Project reported on 2015-03-30 that the jail had no nurse at night.',
      flag: { excerpt: /2015-03-30/, suggest: '2025-03-30' },
    },
    {
      name: 'swapped digits, in the future',
      body: 'Reuters reported on January 5, 2052, that the transfers had begun.',
      flag: { excerpt: /January 5, 2052/, suggest: 'January 5, 2025' },
    },
    {
      name: 'a statement among the events of the story, one keystroke off',
      body: 'Guards were moved to the unit in February 2025. The warden said on March 3, 2015, that the transfers were routine.',
      flag: { excerpt: /March 3, 2015/, suggest: 'March 3, 2025' },
    },
    {
      name: 'not one keystroke off, but an own source reporting years before the events it sits among',
      body: 'The deal was struck in March 2025. Dropsite News reported on March 30, 2019, that gang leaders were part of it.',
      sources: ['Dropsite News'],
      flag: { excerpt: /March 30, 2019/, suggest: 'March 30, 2025' },
    },
    // False positives: history, references, nearby years, plans.
    { name: 'a report two years before the story, next to its year', body: 'Prison officials filed the complaint in 2021. In December 2019, advocates reported the practice at the jail.', publishedAt: '2021-10-27', issueYear: 2021, flag: null },
    { name: 'a different last digit is no sign of a typo', body: 'The lawsuit was filed in 2025. The AP reported on March 30, 2022, that the jail had no nurse.', flag: null },
    { name: 'the 1798 Alien Enemies Act', body: 'Trump invoked the 1798 Alien Enemies Act in March 2025.', flag: null },
    { name: 'his 2019 election', body: 'Bukele has been accused of secret negotiations with gangs after his 2019 election, PLN reported.', flag: null },
    { name: 'since 2022', body: 'The prisons have been under a state of exception since 2022, the newspaper reported.', flag: null },
    { name: '37,000 in 2020', body: 'The prison population swelled from just over 37,000 in 2020 to more than 105,000, El Faro reported.', flag: null },
    { name: 'a case citation year (2016)', body: 'See Smith v. Jones, 123 F.3d 456 (5th Cir. 2016), as the AP reported.', flag: null },
    { name: 'a full date inside a case citation parenthetical', body: 'The court relied on Doe v. Wexford, No. 15-cv-1234 (N.D. Ill. Mar. 30, 2015), the Tribune reported.', flag: null },
    { name: 'a full date inside a [See: …] bracket', body: 'The claim failed. [See: Doe v. Roe, No. 1:15-cv-12 (D. Md. Mar. 30, 2015).] The AP reported it.', flag: null },
    { name: 'one year off is fine', body: 'Dropsite News reported on December 30, 2024, that talks had begun.', sources: ['Dropsite News'], flag: null },
    { name: 'a court date told as history, no reporting verb', body: 'In March 2025 the appeal was argued. On June 5, 2018, the district court had granted summary judgment.', flag: null },
    { name: 'history marked as such ("back in")', body: 'The Marshall Project first reported on the practice back in March 2015.', flag: null },
    { name: 'since a month and year', body: 'The state of exception has suspended civil rights since March 2022, El Faro reported.', flag: null },
    { name: 'a hearing scheduled two years ahead', body: 'A hearing is scheduled for March 3, 2027, the court said.', flag: null },
    { name: 'a story about 2019 told in 2025', body: 'On May 3, 2019, guards beat him. The Marshall Project reported on June 1, 2019, that three guards were fired. A jury ruled on May 2, 2019, too.', flag: null },
    { name: 'a statement from years ago, nothing else pointing at a typo', body: 'The sheriff said on May 1, 2018, that the jail was safe.', flag: null },
    { name: 'no story date and no other dates: nothing to compare', body: 'Dropsite News reported on March 30, 2015.', publishedAt: null, issueYear: null, sources: ['Dropsite News'], flag: null },
    { name: 'a date in inline code', body: 'The log line read `reported 2015-03-30` in the file.', flag: null },
  ];

  for (const c of cases) {
    test(c.name, () => {
      const a = article({
        bodyMarkdown: c.body + '\n',
        sources: (c.sources ?? ['Texas Tribune']).map((name) => ({ name, url: null })),
        publishedAt: c.publishedAt === undefined ? '2025-04-01' : c.publishedAt,
        issue: c.issueYear === undefined ? { year: 2025, month: 4 } : c.issueYear === null ? null : { year: c.issueYear, month: 5 },
      });
      const found = lint(a).filter((f) => f.rule === 'date');
      if (c.flag === null) {
        assert.deepEqual(found, [], `expected no date finding, got: ${found.map((f) => f.message).join(' | ')}`);
        return;
      }
      assert.equal(found.length, 1, `expected one date finding, got ${found.length}`);
      const f = found[0];
      assert.match(f.excerpt, c.flag.excerpt);
      assert.ok(a.bodyMarkdown.includes(f.excerpt), 'the excerpt is verbatim from the body');
      assert.ok(f.suggestion?.includes(c.flag.suggest), `suggestion "${f.suggestion}" proposes ${c.flag.suggest}`);
      assert.ok(f.replacement?.includes(c.flag.suggest), 'the replacement carries the fixed date');
      assert.equal(f.line, 1);
      assert.match(f.message, /year/);
    });
  }

  test('a date in the dek is checked too (no line: it is not in the body)', () => {
    const found = lint(article({ dek: 'Dropsite News reported on March 30, 2015, that gang leaders were part of the deal.', sources: [{ name: 'Dropsite News', url: null }] })).filter((f) => f.rule === 'date');
    assert.equal(found.length, 1);
    assert.equal(found[0].line, null);
    assert.match(found[0].message, /in the dek/);
  });

  test('the seed file as imported: the 2015 finding, and no other date finding', () => {
    const seed = parseImportFile('seed-pln-bukele.txt', SEED_TEXT);
    for (const placed of [{}, { issue: { year: 2025, month: 5 }, publishedAt: '2025-04-28' }, { publishedAt: '2026-11-27T10:00:00.000Z' }]) {
      const found = lint({ ...seed, ...placed }).filter((f) => f.rule === 'date');
      assert.equal(found.length, 1, JSON.stringify(placed));
      assert.match(found[0].excerpt, /March 30, 2015/);
      assert.match(found[0].suggestion ?? '', /March 30, 2025/);
      assert.match(found[0].message, /reported/);
    }
  });
});

// ---------------------------------------------------------------- citations

describe('citations', () => {
  const cases: { name: string; cite: string; rule: string | null; message?: RegExp; suggestion?: RegExp }[] = [
    { name: 'resolves to exactly one article', cite: '[See: PLN, Mar. 2025, p.45.]', rule: null },
    { name: 'no article on that page', cite: '[See: PLN, Mar. 2025, p.47.]', rule: 'citation-unresolved', message: /covers page 47/, suggestion: /p\.45/ },
    { name: 'two articles cover the page', cite: '[See: PLN, Feb. 2025, p.11.]', rule: 'citation-ambiguous', message: /2 articles \(“Video Visits Replace Lobby”, p\.11; “Phone Rates Capped”, pp\.10-12\).*links to the first/ },
    { name: 'an issue not in the archive, with the likely fix', cite: '[See: PLN, Mar. 2015, p.45.]', rule: 'citation-unresolved', message: /not in the archive/, suggestion: /PLN, Mar\. 2025, p\.45/ },
    { name: 'an issue that does not exist yet', cite: '[See: PLN, Dec. 2025, p.3.]', rule: 'citation-future-issue', message: /does not exist yet.*May 2025/ },
    { name: 'another publication', cite: '[See: CLN, Dec. 2024, p.14.]', rule: 'citation-unresolved', message: /CLN.*not a publication/, suggestion: /PLN/ },
    { name: 'a case citation is not a print citation', cite: '[See: Smith v. Jones, 2016 WL 1234 (N.D. Ill. 2016).]', rule: null },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const a = article({ bodyMarkdown: `A county jail agreed in March 2025 to pay $2 million and install air conditioning after two men died in cells that reached 110 degrees. ${c.cite}\n\nMore text follows here.\n` });
      const found = lint(a).filter((f) => f.rule.startsWith('citation'));
      if (c.rule === null) return assert.deepEqual(found, []);
      assert.deepEqual(rulesOf(found), [c.rule]);
      if (c.message) assert.match(found[0].message, c.message);
      if (c.suggestion) assert.match(found[0].suggestion ?? '', c.suggestion);
      assert.equal(found[0].line, 1);
      assert.ok(c.cite.includes(found[0].excerpt));
    });
  }

  test('the article being checked does not make its own page ambiguous', () => {
    const a = article({ slug: 'video-visits', bodyMarkdown: 'Text of March 2025 with enough words to make a teaser of a decent length for the lists and feeds of the site. [See: PLN, Feb. 2025, p.11.]\n\nMore.\n' });
    assert.deepEqual(rulesOf(lint(a)).filter((r) => r.startsWith('citation')), []);
  });
});

// ---------------------------------------------------------------- sources, teaser, title

describe('sources, teaser and title', () => {
  test('no sources', () => {
    const found = lint(article({ sources: [] }));
    assert.deepEqual(rulesOf(found), ['sources-missing']);
    assert.equal(found[0].line, null);
    assert.match(found[0].suggestion ?? '', /Sources:/);
  });

  const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');
  const teaserCases: { name: string; body: string; access?: 'free' | 'premium'; rule: string | null; message?: RegExp }[] = [
    { name: 'a first paragraph of a good length', body: `${words(60)}\n\n${words(200)}\n`, rule: null },
    { name: 'a first paragraph of 8 words', body: `${words(8)}\n\n${words(200)}\n`, rule: 'teaser-too-short', message: /8 words/ },
    { name: 'a marker after 5 words', body: `${words(5)}\n\n<!--more-->\n\n${words(200)}\n`, rule: 'teaser-too-short', message: /<!--more-->/ },
    { name: 'a first paragraph of 150 words', body: `${words(150)}\n\n${words(50)}\n`, rule: 'teaser-too-long', message: /150 words/ },
    { name: 'a premium article of one paragraph: the teaser is all of it', body: `${words(90)}\n`, rule: 'teaser-too-long', message: /whole article/ },
    { name: 'a free article of one paragraph is fine', body: `${words(90)}\n`, access: 'free', rule: null },
    { name: 'a marker that keeps a long first paragraph short enough', body: `${words(40)}\n\n<!--more-->\n\n${words(200)}\n`, rule: null },
  ];
  for (const c of teaserCases) {
    test(`teaser: ${c.name}`, () => {
      const found = lint(article({ bodyMarkdown: c.body, access: c.access ?? 'premium' })).filter((f) => f.rule.startsWith('teaser'));
      if (c.rule === null) return assert.deepEqual(found, []);
      assert.deepEqual(rulesOf(found), [c.rule]);
      assert.match(found[0].message, c.message!);
      assert.ok(found[0].suggestion);
    });
  }

  test('a title another article has (case, quotes and punctuation aside)', () => {
    const found = lint(article({ title: 'Jail settles suit over "deaths" in hot cells' })).filter((f) => f.rule === 'title-in-use');
    assert.equal(found.length, 1);
    assert.match(found[0].message, /\/articles\/hot-cells/);
    assert.equal(found[0].excerpt, 'Jail settles suit over "deaths" in hot cells');
  });

  test('the article\'s own title is not "in use" by itself', () => {
    assert.deepEqual(lint(article({ slug: 'hot-cells', title: 'Jail Settles Suit Over “Deaths” in Hot Cells' })).filter((f) => f.rule === 'title-in-use'), []);
  });
});

// ---------------------------------------------------------------- links

describe('links', () => {
  const cases: { name: string; md: string; rule: string | null; message?: RegExp; replacement?: string }[] = [
    { name: 'an ordinary external link', md: '[report](https://www.hrw.org/report/2025/x)', rule: null },
    { name: 'a bare URL with a period after it', md: 'Read https://apnews.com/article/abc.', rule: null },
    { name: 'mailto', md: '[write](mailto:editor@example.org)', rule: null },
    { name: 'an existing article', md: '[offer](/articles/cecot-offer)', rule: null },
    { name: 'an existing article, absolute on this site', md: '[offer](https://news.example.org/articles/cecot-offer)', rule: null },
    { name: 'an existing issue', md: '[March](/issues/2025/03)', rule: null },
    { name: 'a year with issues', md: '[2025](/issues/2025)', rule: null },
    { name: 'an existing topic', md: '[conditions](/topics/prison-conditions)', rule: null },
    { name: 'a resolving /cite link', md: '[p.45](/cite/PLN/2025/03/45)', rule: null },
    { name: 'search', md: '[search](/search?q=heat)', rule: null },
    { name: 'an anchor', md: '[below](#notes)', rule: null },
    { name: 'a link inside inline code is not a link', md: 'type `http:/example.org` there', rule: null },
    { name: 'no such article', md: '[x](/articles/no-such-story)', rule: 'link-broken', message: /no-such-story/ },
    { name: 'no such article, absolute on this site', md: '[x](https://news.example.org/articles/no-such-story)', rule: 'link-broken', message: /no-such-story/ },
    { name: 'a draft', md: '[x](/articles/next-month)', rule: 'link-broken', message: /draft/ },
    { name: 'an article that goes live after this one', md: '[x](/articles/scheduled-one)', rule: 'link-broken', message: /2025-09-01/ },
    { name: 'no such issue', md: '[x](/issues/2031/03)', rule: 'link-broken', message: /no March 2031 issue/ },
    { name: 'no such topic', md: '[x](/topics/no-such-topic)', rule: 'link-broken', message: /no topic "no-such-topic"/ },
    { name: 'a /cite link to an empty page', md: '[x](/cite/PLN/2025/03/47)', rule: 'link-broken', message: /page 47/ },
    { name: 'a path the site does not have', md: '[x](/stories/heat)', rule: 'link-broken', message: /no page at \/stories\/heat/ },
    { name: 'one slash after http:', md: '[x](http:/example.org/a)', rule: 'link-malformed', replacement: 'http://example.org/a' },
    { name: 'no https://', md: '[x](www.example.org/a)', rule: 'link-malformed', replacement: 'https://www.example.org/a' },
    { name: 'a space in the address', md: '[x](https://example.org/a b.pdf)', rule: 'link-malformed', replacement: 'https://example.org/a%20b.pdf' },
    { name: 'javascript:', md: '[x](javascript:alert(1))', rule: 'link-malformed', message: /javascript/ },
    { name: 'no domain ending', md: '[x](https://example/a)', rule: 'link-malformed', message: /domain ending/ },
    { name: 'protocol-relative', md: '[x](//example.org/a)', rule: 'link-malformed', replacement: 'https://example.org/a' },
    { name: 'a relative address', md: '[x](articles/cecot-offer)', rule: 'link-malformed', message: /relative/ },
    { name: 'a mistyped scheme in the text', md: 'See htp://example.org/report for the data.', rule: 'link-malformed', replacement: 'http://example.org/report' },
    { name: 'an empty link', md: '[x]()', rule: 'link-malformed', message: /no address/ },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const body = `A county jail agreed in March 2025 to pay $2 million and install air conditioning after two men died in cells that reached 110 degrees.\n\nMore: ${c.md}\n`;
      const found = lint(article({ bodyMarkdown: body })).filter((f) => f.rule.startsWith('link'));
      if (c.rule === null) return assert.deepEqual(found, [], found.map((f) => f.message).join(' | '));
      assert.deepEqual(rulesOf(found), [c.rule], found.map((f) => f.message).join(' | '));
      if (c.message) assert.match(found[0].message, c.message);
      if (c.replacement) assert.equal(found[0].replacement, c.replacement);
      assert.equal(found[0].line, 3);
      assert.ok(body.includes(found[0].excerpt), 'excerpt is verbatim');
    });
  }

  test('a source with an address that cannot work', () => {
    const found = lint(article({ sources: [{ name: 'Archive', url: 'ftp://files.example.org/x' }] })).filter((f) => f.rule === 'link-malformed');
    assert.equal(found.length, 1);
    assert.match(found[0].message, /^Source Archive: /);
  });
});

// ---------------------------------------------------------------- typography

describe('straight quotes and double spaces', () => {
  const cases: { name: string; text: string; rule: string | null; excerpt?: string; replacement?: string; count?: number }[] = [
    { name: 'straight double quotes', text: 'He said "no" twice.', rule: 'straight-quotes', excerpt: 'said "no" twice.', replacement: 'said “no” twice.' },
    { name: 'a straight apostrophe', text: 'El Salvador\'s prisons.', rule: 'straight-quotes', excerpt: "El Salvador's prisons.", replacement: 'El Salvador’s prisons.' },
    { name: "an apostrophe for a decade ('90s)", text: 'Since the \'90s the jail grew.', rule: 'straight-quotes', replacement: 'the ’90s the' },
    { name: 'counts every quote in the paragraph', text: 'The "Mega" prison\'s cells.', rule: 'straight-quotes', count: 3 },
    { name: 'curly quotes are right', text: 'He said “no” to El Salvador’s offer.', rule: null },
    { name: 'quotes inside code are code', text: 'Type `"x"` here.', rule: null },
    { name: 'quotes inside a link address are not prose', text: 'See [the report](https://example.org/a\'b).', rule: null },
    { name: 'a double space between words', text: 'The jail  agreed to pay.', rule: 'double-spaces', excerpt: 'jail  agreed', replacement: 'jail agreed' },
    { name: 'two spaces after a period', text: 'It agreed.  The families sued.', rule: 'double-spaces', replacement: 'agreed. The' },
    { name: 'a list item indented after its marker', text: '-  first item\n-  second item', rule: null },
    { name: 'a numbered item', text: '1.  first item', rule: null },
    { name: 'a hard line break (two trailing spaces)', text: 'First line  \nSecond line', rule: null },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const body = `A county jail agreed in March 2025 to pay $2 million and install air conditioning after two men died in cells that reached 110 degrees.\n\n${c.text}\n`;
      const found = lint(article({ bodyMarkdown: body })).filter((f) => f.rule === 'straight-quotes' || f.rule === 'double-spaces');
      if (c.rule === null) return assert.deepEqual(found, [], found.map((f) => f.message).join(' | '));
      assert.deepEqual(rulesOf(found), [c.rule]);
      if (c.excerpt) assert.equal(found[0].excerpt, c.excerpt);
      if (c.replacement) assert.ok(found[0].replacement?.includes(c.replacement), `replacement "${found[0].replacement}"`);
      if (c.count) assert.match(found[0].message, new RegExp(`\\(${c.count} in this paragraph`));
      assert.ok(body.includes(found[0].excerpt));
      assert.equal(found[0].line, 3);
    });
  }

  test('in the title: no line, says where', () => {
    const found = lint(article({ title: 'El Salvador\'s  Mega-Prison' }));
    assert.deepEqual(rulesOf(found).sort(), ['double-spaces', 'straight-quotes']);
    for (const f of found) {
      assert.equal(f.line, null);
      assert.match(f.message, /in the title/);
    }
  });
});

test('the clean article has no findings at all', () => {
  assert.deepEqual(lint(article()), []);
});

test('the seed file: exactly the 2015 finding when its citation resolves', () => {
  const seed = parseImportFile('seed-pln-bukele.txt', SEED_TEXT);
  const found = lint(seed);
  assert.deepEqual(rulesOf(found), ['date'], found.map((f) => `${f.rule}: ${f.message}`).join('\n'));
  assert.equal(found[0].line, 1, 'first paragraph of the body');
});

test('checks never throw on odd input', () => {
  const odd = ['', '[', '](', '[See: ]', '<!--more-->', '``` \n"x"\n', 'http://', '[x](', 'March 30,', '(((((', '\u0000', 'a'.repeat(20000)];
  for (const body of odd) {
    assert.doesNotThrow(() => lint(article({ bodyMarkdown: body, title: body.slice(0, 50) })), JSON.stringify(body.slice(0, 20)));
  }
});

// ---------------------------------------------------------------- with the store (both databases)

describe('lintArticle and dismissFinding over the store', () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase();
    await loadDemo(t.store.db);
  });
  after(async () => t.cleanup());

  test('the stored seed: one finding, the 2015 date', async () => {
    const stored = await loadArticleForLint(t.store, SEED_SLUG);
    assert.ok(stored);
    const found = await lintArticle(t.store, stored);
    assert.deepEqual(rulesOf(found), ['date'], found.map((f) => `${f.rule}: ${f.message}`).join('\n'));
    assert.match(found[0].excerpt, /March 30, 2015/);
    assert.match(found[0].suggestion ?? '', /March 30, 2025/);
  });

  test('the seed file, not saved, checked against the archive: the same single finding', async () => {
    const found = await lintArticle(t.store, parseImportFile('seed.txt', SEED_TEXT));
    assert.deepEqual(rulesOf(found), ['date']);
  });

  test('citations are resolved against the stored issues and pages', async () => {
    // Two articles share p.20 of the April 2025 issue.
    const placed = (slug: string, title: string, pages: [number, number]): { file: string; article: ImportedArticle } => ({
      file: `${slug}.md`,
      article: article({ slug, title, issue: { year: 2025, month: 4 }, pageFirst: pages[0], pageLast: pages[1] }),
    });
    await saveArticles(t.store.db, [placed('overlap-a', 'Overlap A', [19, 20]), placed('overlap-b', 'Overlap B', [20, 21])]);
    const body = (cite: string) => `A county jail agreed in March 2025 to pay $2 million and install air conditioning after two men died in cells that reached 110 degrees. ${cite}\n\nMore.\n`;
    const check = async (cite: string) => rulesOf(await lintArticle(t.store, article({ slug: 'citing', title: 'Citing Article', bodyMarkdown: body(cite) })));
    assert.deepEqual(await check('[See: PLN, Mar. 2025, p.45.]'), []);
    assert.deepEqual(await check('[See: PLN, Apr. 2025, p.20.]'), ['citation-ambiguous']);
    assert.deepEqual(await check('[See: PLN, Mar. 2025, p.63.]'), ['citation-unresolved']);
    assert.deepEqual(await check('[See: PLN, Mar. 2015, p.45.]'), ['citation-unresolved']);
    assert.deepEqual(await check('[See: PLN, Dec. 2030, p.3.]'), ['citation-future-issue']);
    const fix = (await lintArticle(t.store, article({ slug: 'citing', title: 'Citing Article', bodyMarkdown: body('[See: PLN, Mar. 2015, p.45.]') })))[0];
    assert.match(fix.suggestion ?? '', /PLN, Mar\. 2025, p\.45/);
  });

  test('titles in use, internal links and absolute links to this site', async () => {
    const demoTitle = (await t.store.db.selectFrom('articles').select(['slug', 'title']).where('slug', '!=', SEED_SLUG).orderBy('id').limit(1).executeTakeFirstOrThrow());
    const dup = await lintArticle(t.store, article({ slug: 'another-slug', title: demoTitle.title.toUpperCase() }));
    assert.ok(dup.some((f) => f.rule === 'title-in-use' && f.message.includes(`/articles/${demoTitle.slug}`)));
    const sameArticle = await lintArticle(t.store, article({ slug: demoTitle.slug, title: demoTitle.title }));
    assert.ok(!sameArticle.some((f) => f.rule === 'title-in-use'), 'an article does not collide with itself');

    const body = `A county jail agreed in March 2025 to pay $2 million and install air conditioning after two men died in cells that reached 110 degrees.\n\n` +
      `See [one](/articles/${demoTitle.slug}), [two](/articles/no-such-story), [three](https://news.example.org/articles/also-missing), [four](/issues/2025/03), [five](/topics/prison-conditions), [six](/topics/nothing-here).\n`;
    const found = await lintArticle(t.store, article({ bodyMarkdown: body }), { baseUrl: 'https://news.example.org' });
    assert.deepEqual(found.filter((f) => f.rule === 'link-broken').map((f) => f.excerpt), ['/articles/no-such-story', 'https://news.example.org/articles/also-missing', '/topics/nothing-here']);
  });

  test('a dismissed finding is left out for that article only; dismissing twice is harmless; it can be restored', async () => {
    const stored = (await loadArticleForLint(t.store, SEED_SLUG))!;
    const [finding] = await lintArticle(t.store, stored);
    const editor = await t.store.db.insertInto('users').values({ email: 'ed@example.org', name: 'Ed', password_hash: null, role: 'editor', rate_class: null, email_verified_at: null, created_at: '2025-01-01T00:00:00Z', updated_at: '2025-01-01T00:00:00Z' }).returning('id').executeTakeFirstOrThrow();
    await dismissFinding(t.store, SEED_SLUG, finding, editor.id);
    await dismissFinding(t.store, SEED_SLUG, { rule: finding.rule, excerpt: finding.excerpt }, editor.id);
    assert.deepEqual(await lintArticle(t.store, stored), []);
    const all = await lintArticle(t.store, stored, { includeDismissed: true });
    assert.equal(all.length, 1);
    assert.equal(all[0].dismissed, true);
    assert.deepEqual((await listDismissals(t.store, SEED_SLUG)).map((d) => [d.rule, d.excerpt, d.userId]), [['date', finding.excerpt, editor.id]]);
    // The same text under another slug is still reported.
    assert.deepEqual(rulesOf(await lintArticle(t.store, stored, { slug: 'some-other-article' })).filter((r) => r === 'date'), ['date']);
    // The file of the seed, checked before saving, carries the same slug: dismissed there too.
    assert.deepEqual(await lintArticle(t.store, parseImportFile('seed.txt', SEED_TEXT)), []);
    await restoreFinding(t.store, SEED_SLUG, finding);
    assert.equal((await lintArticle(t.store, stored)).length, 1);
  });

  test('dismissFinding refuses an unknown rule or a malformed slug and writes nothing', async () => {
    const before = (await t.store.db.selectFrom('lint_dismissals').selectAll().execute()).length;
    await assert.rejects(dismissFinding(t.store, SEED_SLUG, { rule: 'no-such-rule', excerpt: 'x' }, null), InputError);
    await assert.rejects(dismissFinding(t.store, 'Not A Slug', { rule: 'date', excerpt: 'x' }, null), InputError);
    await assert.rejects(dismissFinding(t.store, SEED_SLUG, { rule: 'date', excerpt: 'x'.repeat(5000) }, null), InputError);
    assert.equal((await t.store.db.selectFrom('lint_dismissals').selectAll().execute()).length, before);
  });
});
