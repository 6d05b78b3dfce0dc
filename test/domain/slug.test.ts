import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isValidSlug, slugify } from '../../src/domain/slug.ts';

const SEED_TITLE =
  'Salvadoran President’s Dark Secret Allegedly Behind Deal to Hold Deported Migrants in “Mega” Prison';

const slugCases: Array<[string, string]> = [
  ['Hello World', 'hello-world'],
  ['President’s Deal', 'presidents-deal'],
  ["It's a “Mega” ‘deal’", 'its-a-mega-deal'],
  ['"Quoted" title', 'quoted-title'],
  ['Café Niño São Paulo', 'cafe-nino-sao-paulo'],
  ['Ana María Méndez Dardón', 'ana-maria-mendez-dardon'],
  ['Straße', 'strasse'],
  ['Æsir Øresund Łódź', 'aesir-oresund-lodz'],
  ['Œuvre þorn Đorđe', 'oeuvre-thorn-dorde'],
  ['ﬁnal ½ cup', 'final-1-2-cup'],
  ['  --Hello,   World!--  ', 'hello-world'],
  ['R. v. Smith (2025), 123 F.3d 456', 'r-v-smith-2025-123-f-3d-456'],
  ['$30,000 for a four-day stay', '30-000-for-a-four-day-stay'],
  ['Tabs\tand\nnewlines', 'tabs-and-newlines'],
  ['UPPER lower MiXeD', 'upper-lower-mixed'],
  ['', 'article'],
  ['   ', 'article'],
  ['!!! ??? ’’’', 'article'],
  ['日本語のタイトル', 'article'],
  ['Ελληνικά', 'article'],
  [SEED_TITLE, 'salvadoran-presidents-dark-secret-allegedly-behind-deal-to-hold-deported'],
];

for (const [input, expected] of slugCases) {
  test(`slugify(${JSON.stringify(input)}) = ${expected}`, () => {
    assert.equal(slugify(input), expected);
  });
}

test('slugify cuts long titles at a hyphen, at most 80 characters', () => {
  const title = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
  const s = slugify(title);
  assert.ok(s.length <= 80, `length ${s.length}`);
  assert.ok(title.toLowerCase().replace(/ /g, '-').startsWith(s));
  assert.ok(!s.endsWith('-'));
  assert.match(s, /word\d+$/); // a whole word, not a fragment
});

test('slugify keeps a word that ends exactly at 80 characters', () => {
  const title = `${'a'.repeat(80)} b`;
  assert.equal(slugify(title), 'a'.repeat(80));
  const title2 = `${'a'.repeat(39)} ${'b'.repeat(40)} c`;
  assert.equal(slugify(title2), `${'a'.repeat(39)}-${'b'.repeat(40)}`);
});

test('slugify hard-cuts a single word longer than 80 characters', () => {
  assert.equal(slugify('x'.repeat(200)), 'x'.repeat(80));
});

test('slugify output is always a valid slug of at most 80 characters', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (title) => {
      const s = slugify(title);
      return isValidSlug(s) && s.length <= 80 && s.length > 0;
    }),
    { numRuns: 2000 },
  );
});

const validCases: Array<[string, boolean]> = [
  ['hello-world', true],
  ['a', true],
  ['2025', true],
  ['a1-b2-c3', true],
  ['a'.repeat(120), true],
  ['a'.repeat(121), false],
  ['', false],
  ['Hello', false],
  ['-a', false],
  ['a-', false],
  ['a--b', false],
  ['a_b', false],
  ['a b', false],
  ['café', false],
  ['a/b', false],
];

for (const [input, expected] of validCases) {
  test(`isValidSlug(${JSON.stringify(input.length > 20 ? `${input.slice(0, 10)}…(${input.length})` : input)}) = ${expected}`, () => {
    assert.equal(isValidSlug(input), expected);
  });
}
