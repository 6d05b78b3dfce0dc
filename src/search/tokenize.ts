// One tokenizer for both engines: the index and the query are normalised here, in JS, to
// space-separated lowercase word stems, so SQLite FTS5 (unicode61) and PostgreSQL ('simple'
// text search configuration) see exactly the same tokens and find exactly the same articles.
import { stemmer } from 'stemmer';

const WORD = /[\p{L}\p{N}]+/gu;
const MARKS = /\p{M}+/gu;
const stems = new Map<string, string>();
const MAX_STEMS = 500_000;

/** Lowercase, without diacritics; apostrophes inside words are dropped ("prisoner's" → "prisoners"). */
export function fold(text: string): string {
  let t = text.toLowerCase();
  if (/[^\x00-\x7f]/.test(t)) t = t.normalize('NFKD').replace(MARKS, '');
  return t.replace(/(\p{L})['’](?=\p{L})/gu, '$1');
}

export function stem(word: string): string {
  let s = stems.get(word);
  if (s === undefined) {
    s = word.length > 2 && word.length < 40 && !/\d/.test(word) ? stemmer(word) : word;
    if (stems.size >= MAX_STEMS) stems.clear();
    stems.set(word, s);
  }
  return s;
}

/** The words of a text as stems, in order. */
const ASCII_WORD = /[a-z0-9]+/g;
const wordsOf = (folded: string) => folded.matchAll(/[^\x00-\x7f]/.test(folded) ? WORD : ASCII_WORD);

export function terms(text: string): string[] {
  const out: string[] = [];
  for (const m of wordsOf(fold(text))) out.push(stem(m[0]));
  return out;
}

/**
 * Text for the index: stems separated by spaces. With `vocabulary`, each stem seen is recorded
 * with the first word that had it (for "did you mean").
 */
export function indexText(text: string, vocabulary?: Map<string, string>): string {
  if (!vocabulary) return terms(text).join(' ');
  const out: string[] = [];
  for (const m of wordsOf(fold(text))) {
    const st = stem(m[0]);
    if (!vocabulary.has(st)) vocabulary.set(st, m[0]);
    out.push(st);
  }
  return out.join(' ');
}

/**
 * Words with their positions in the original text (for highlighting snippets). With `firsts`,
 * only words starting with one of those characters are stemmed, the others get the stem "":
 * a stem always starts with its word's first character (Porter changes only endings), so a
 * snippet that looks for a few stems need not stem the rest of the text.
 */
export interface Token { start: number; end: number; stem: string }
export function tokens(text: string, firsts?: ReadonlySet<string>): Token[] {
  const stemOf = firsts ? (w: string) => (firsts.has(w[0]) ? stem(w) : '') : stem;
  const out: Token[] = [];
  if (!/[^\x00-\x7f]/.test(text)) {
    // ASCII: lowercasing keeps every offset, so one pass over the lowercased text will do.
    const lower = text.toLowerCase();
    for (const m of lower.matchAll(/[a-z0-9]+(?:'[a-z]+)*/g)) {
      const w = m[0].includes("'") ? m[0].replace(/'/g, '') : m[0];
      out.push({ start: m.index!, end: m.index! + m[0].length, stem: stemOf(w) });
    }
    return out;
  }
  // Folding can change lengths (ligatures, combining marks), so words are found in the original
  // text and folded one at a time.
  const re = /[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{M}]+)*/gu;
  for (const m of text.matchAll(re)) {
    for (const w of fold(m[0]).match(WORD) ?? []) out.push({ start: m.index!, end: m.index! + m[0].length, stem: stemOf(w) });
  }
  return out;
}

/** Document frequencies for the lexicon: each stem of one document's vocabulary counts once. */
export type TermCounts = Map<string, { word: string; df: number }>;

export function countTerms(counts: TermCounts, vocabulary: Map<string, string>): void {
  for (const [term, word] of vocabulary) {
    const c = counts.get(term);
    if (c) c.df++;
    else counts.set(term, { word, df: 1 });
  }
}
