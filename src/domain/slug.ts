// URL slugs for articles. Pure functions, no I/O.

/** Letters that NFKD does not decompose into ASCII + combining marks. */
const TRANSLITERATE: Record<string, string> = {
  ß: 'ss',
  ẞ: 'ss',
  æ: 'ae',
  Æ: 'ae',
  œ: 'oe',
  Œ: 'oe',
  ø: 'o',
  Ø: 'o',
  ł: 'l',
  Ł: 'l',
  đ: 'd',
  Đ: 'd',
  ð: 'd',
  Ð: 'd',
  þ: 'th',
  Þ: 'th',
  ħ: 'h',
  Ħ: 'h',
  ı: 'i',
  ŀ: 'l',
  Ŀ: 'l',
  ŋ: 'n',
  Ŋ: 'n',
  ŧ: 't',
  Ŧ: 't',
  ĸ: 'k',
  ſ: 's',
};

const TRANSLITERATE_RE = new RegExp(`[${Object.keys(TRANSLITERATE).join('')}]`, 'gu');

/** Apostrophes and quotation marks: removed without leaving a word break ("President’s" → "presidents"). */
const QUOTES_RE = /['’‘‛`´"“”„‟′″«»‹›ʼ]/gu;

export const SLUG_MAX_GENERATED = 80;
export const SLUG_MAX_VALID = 120;
export const SLUG_FALLBACK = 'article';

/**
 * A URL slug for a title: lowercase ASCII letters, digits and single hyphens,
 * at most 80 characters (cut at a word boundary), never empty.
 */
export function slugify(title: string): string {
  const s = String(title ?? '')
    .replace(TRANSLITERATE_RE, (c) => TRANSLITERATE[c] ?? c)
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(QUOTES_RE, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const cut = truncateAtHyphen(s, SLUG_MAX_GENERATED);
  return cut === '' ? SLUG_FALLBACK : cut;
}

function truncateAtHyphen(s: string, max: number): string {
  if (s.length <= max) return s;
  // A cut exactly before a hyphen keeps the whole last word.
  if (s[max] === '-') return s.slice(0, max);
  const head = s.slice(0, max);
  const lastHyphen = head.lastIndexOf('-');
  // One giant "word": cut it hard rather than return nothing.
  return (lastHyphen > 0 ? head.slice(0, lastHyphen) : head).replace(/-+$/, '');
}

const VALID_SLUG_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function isValidSlug(s: string): boolean {
  return typeof s === 'string' && s.length <= SLUG_MAX_VALID && VALID_SLUG_RE.test(s);
}
