// What a reader types, understood the same way for both engines:
//   words            all must match (AND is the default; a literal AND is allowed)
//   "a phrase"       the words in this order
//   a OR b           either (binds tighter than the implicit AND: `jail OR prison guard`)
//   NOT a, -a        must not match
//   word*            words starting with "word"
// Anything else (unbalanced quotes, lone operators, field syntax such as `body:`, NEAR(, ^,
// control characters, very long input) is read as plain words: every query gets an answer.
import { fold, stem, terms } from './tokenize.ts';

export type Unit =
  | { kind: 'phrase'; stems: string[] }
  | { kind: 'prefix'; prefix: string; expansion?: string[]; /** Document frequencies of its most frequent words (see expandPrefixes). */ expansionDfs?: number[] };

export interface Clause {
  /** OR-ed alternatives. */
  any: Unit[];
  negated: boolean;
}

export interface ParsedQuery {
  clauses: Clause[];
  /** Plain words as the reader typed them (for "did you mean"). */
  words: string[];
  /** Something was dropped or read differently from what was typed. */
  notice: string | null;
}

export const MAX_QUERY_CHARS = 500;
export const MAX_UNITS = 24;
/** Prefixes shorter than this would match too much of the vocabulary to be useful. */
export const MIN_PREFIX = 2;

type Lexeme = { kind: 'word' | 'phrase'; text: string; negated: boolean; prefix: boolean } | { kind: 'or' } | { kind: 'and' } | { kind: 'not' } | { kind: 'field' };

/** Characters that end a word in a query (other engines' syntax: fields, groups, boosts). */
const BREAK = /[:(){}[\]^~]/;
const FIELDS = new Set(['title', 'body', 'dek', 'text', 'author', 'authors', 'source', 'sources', 'topic', 'topics', 'lead', 'tags']);

function lex(input: string): Lexeme[] {
  const out: Lexeme[] = [];
  let i = 0;
  const s = input;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) { i++; continue; }
    let negated = false;
    let j = i;
    if (c === '-' && j + 1 < s.length && !/\s/.test(s[j + 1])) { negated = true; j++; }
    if (s[j] === '"' || s[j] === '“' || s[j] === '”') {
      // A phrase runs to the closing quote, or to the end when there is none.
      let k = j + 1;
      while (k < s.length && s[k] !== '"' && s[k] !== '“' && s[k] !== '”') k++;
      const text = s.slice(j + 1, k);
      const prefix = s[k + 1] === '*';
      out.push({ kind: 'phrase', text, negated, prefix });
      i = k + 1 + (prefix ? 1 : 0);
      continue;
    }
    let k = j;
    while (k < s.length && !/\s/.test(s[k]) && s[k] !== '"' && s[k] !== '“' && s[k] !== '”' && !BREAK.test(s[k])) k++;
    let raw = s.slice(j, k);
    i = k;
    // Field syntax ("title:", "body:") searches everywhere: the field name is dropped.
    if (s[k] === ':' && FIELDS.has(raw.toLowerCase())) { out.push({ kind: 'field' }); i = k + 1; continue; }
    while (i < s.length && BREAK.test(s[i])) i++;
    if (!raw) continue;
    raw = raw.trim();
    if (!negated && raw === 'OR') { out.push({ kind: 'or' }); continue; }
    if (!negated && raw === 'AND') { out.push({ kind: 'and' }); continue; }
    if (!negated && raw === 'NOT') { out.push({ kind: 'not' }); continue; }
    const prefix = /\p{L}|\p{N}/u.test(raw) && /\*+$/.test(raw) && !/\*/.test(raw.replace(/\*+$/, ''));
    out.push({ kind: 'word', text: prefix ? raw.replace(/\*+$/, '') : raw, negated, prefix });
  }
  return out;
}

function unitOf(text: string, prefix: boolean): Unit | null {
  const stems = terms(text);
  if (stems.length === 0) return null;
  if (prefix) {
    // The last word is a prefix; index words are stems, so the prefix is cut to what it shares
    // with its own stem ("agency*" → "agenc*", which finds "agencies" too).
    const words = fold(text).match(/[\p{L}\p{N}]+/gu) ?? [];
    const last = words[words.length - 1];
    const st = stem(last);
    let n = 0;
    while (n < last.length && n < st.length && last[n] === st[n]) n++;
    const p = last.slice(0, Math.max(n, Math.min(last.length, MIN_PREFIX)));
    if (stems.length === 1) return p.length >= MIN_PREFIX ? { kind: 'prefix', prefix: p } : { kind: 'phrase', stems };
    // "word prefix*" inside quotes: keep it a phrase of whole words (prefix phrases are rare).
    return { kind: 'phrase', stems };
  }
  return { kind: 'phrase', stems };
}

export function parseQuery(input: string): ParsedQuery {
  let notice: string | null = null;
  // Control characters and invisible formatting marks are never part of a query.
  let q = input.replace(/[\p{Cc}\p{Cf}]+/gu, ' ');
  if (q.length > MAX_QUERY_CHARS) {
    q = q.slice(0, MAX_QUERY_CHARS);
    notice = `Only the first ${MAX_QUERY_CHARS} characters of the query were used.`;
  }
  const lexemes = lex(q);
  const clauses: Clause[] = [];
  const words: string[] = [];
  let pendingOr = false;
  let pendingNot = false;
  let units = 0;
  let dropped = false;
  for (const lx of lexemes) {
    if (lx.kind === 'or') { pendingOr = clauses.length > 0 && !clauses[clauses.length - 1].negated; continue; }
    if (lx.kind === 'and') { pendingOr = false; continue; }
    if (lx.kind === 'not') { pendingNot = true; pendingOr = false; continue; }
    if (lx.kind === 'field') { notice = notice ?? 'Searches cover every part of an article; field names such as "title:" are not needed.'; continue; }
    const unit = unitOf(lx.text, lx.prefix);
    const negated = lx.negated || pendingNot;
    pendingNot = false;
    if (!unit) { pendingOr = false; continue; }
    if (units >= MAX_UNITS) { dropped = true; continue; }
    units++;
    if (lx.kind === 'word' && !negated) words.push(lx.text);
    if (pendingOr && !negated) clauses[clauses.length - 1].any.push(unit);
    else clauses.push({ any: [unit], negated });
    pendingOr = false;
  }
  if (dropped) notice = `Only the first ${MAX_UNITS} words of the query were used.`;
  // Duplicate clauses add nothing.
  const seen = new Set<string>();
  const unique = clauses.filter((c) => {
    const k = JSON.stringify(c);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return { clauses: unique, words, notice };
}

export function hasPositive(q: ParsedQuery): boolean {
  return q.clauses.some((c) => !c.negated);
}

export interface Highlight { stems: Set<string>; prefixes: string[]; phrases: string[][] }

function unitsHighlight(units: Unit[]): Highlight {
  const h: Highlight = { stems: new Set(), prefixes: [], phrases: [] };
  for (const u of units) {
    if (u.kind === 'prefix') h.prefixes.push(u.prefix);
    else if (u.stems.length === 1) h.stems.add(u.stems[0]);
    else h.phrases.push(u.stems);
  }
  return h;
}

/** Stems, prefixes and phrases to highlight (the positive ones), and each positive clause on its own. */
export function highlightTerms(q: ParsedQuery): Highlight & { clauses: Highlight[] } {
  const positive = q.clauses.filter((c) => !c.negated);
  return { ...unitsHighlight(positive.flatMap((c) => c.any)), clauses: positive.map((c) => unitsHighlight(c.any)) };
}

// ------------------------------------------------------------ engines

/** FTS5 query over the text columns; `tags` are added by the engine. */
export function toFts5(q: ParsedQuery): { positive: string | null; negative: string[]; anyPositive: string | null } {
  const unit = (u: Unit) => (u.kind === 'prefix'
    ? (u.expansion?.length ? `(${u.expansion.map((x) => `"${x}"`).join(' OR ')})` : `"${u.prefix}"*`)
    : `"${u.stems.join(' ')}"`);
  const clause = (c: Clause) => (c.any.length === 1 ? unit(c.any[0]) : `(${c.any.map(unit).join(' OR ')})`);
  const pos = q.clauses.filter((c) => !c.negated);
  const neg = q.clauses.filter((c) => c.negated).map(clause);
  return {
    positive: pos.length ? pos.map(clause).join(' AND ') : null,
    negative: neg,
    anyPositive: pos.length ? pos.flatMap((c) => c.any).map(unit).join(' OR ') : null,
  };
}

/**
 * PostgreSQL tsquery text. No weight restrictions in the matching query: the index cannot check
 * weights, and a restriction would make PostgreSQL re-read every candidate's tsvector. Filter
 * tokens cannot be typed by accident (see tag in documents.ts). `weight` restricts every word
 * (for ranking tiers on the small title-and-lead vector).
 */
export function toTsquery(q: ParsedQuery, weight = ''): { positive: string | null; negative: string[]; anyPositive: string | null } {
  const lexeme = (s: string) => `'${s.replace(/'/g, "''").replace(/\\/g, '\\\\')}'`;
  const w = weight ? `:${weight}` : '';
  // A phrase: its pairs of neighbouring stems (one lexeme each, see pairsOf in documents.ts);
  // two words are exactly their pair, longer phrases also keep the positions check.
  const phrase = (stems: string[]) => {
    const pairs = stems.slice(1).map((x, i) => lexeme(`${stems[i]}0${x}`));
    return stems.length === 2 ? pairs[0] : `(${pairs.join(' & ')} & (${stems.map((x) => `${lexeme(x)}${w}`).join(' <-> ')}))`;
  };
  const unit = (u: Unit) => (u.kind === 'prefix'
    ? (u.expansion?.length ? `(${u.expansion.map((x) => `${lexeme(x)}${w}`).join(' | ')})` : `${lexeme(u.prefix)}:*${weight}`)
    : u.stems.length === 1 ? `${lexeme(u.stems[0])}${w}` : phrase(u.stems));
  const clause = (c: Clause) => (c.any.length === 1 ? unit(c.any[0]) : `(${c.any.map(unit).join(' | ')})`);
  const pos = q.clauses.filter((c) => !c.negated);
  const neg = q.clauses.filter((c) => c.negated).map(clause);
  return {
    positive: pos.length ? pos.map(clause).join(' & ') : null,
    negative: neg,
    anyPositive: pos.length ? pos.flatMap((c) => c.any).map(unit).join(' | ') : null,
  };
}

/** Every stem of the positive words, or null when a prefix makes the set open-ended. */
export function positiveStems(q: ParsedQuery): string[] | null {
  const out: string[] = [];
  for (const c of q.clauses) {
    if (c.negated) continue;
    for (const u of c.any) {
      if (u.kind === 'prefix') return null;
      out.push(...u.stems);
    }
  }
  return out;
}
