// Text helpers for the editorial checks: which parts of a Markdown body are prose, where
// sentences begin and end, line numbers, excerpts, and the links a body holds.
// Pure: no I/O. Every function keeps offsets into the original text, so a finding's excerpt
// is always a verbatim slice of what the editor wrote (the editor can find and highlight it).

/** One checked piece of text: the title, the dek or the body (Markdown). */
export interface Field {
  name: 'title' | 'dek' | 'body';
  /** As written. */
  text: string;
  /**
   * The same text with everything that is not prose blanked out (code, URLs, link
   * destinations, HTML comments): same length, same offsets, line breaks kept.
   */
  prose: string;
  /** Offsets where lines start (body only; findings in the title or dek have no line). */
  lineStarts: number[] | null;
}

export function makeField(name: Field['name'], text: string): Field {
  const t = String(text ?? '');
  return { name, text: t, prose: name === 'body' ? maskMarkdown(t) : maskUrls(t), lineStarts: name === 'body' ? lineStartsOf(t) : null };
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** 1-based line of an offset in the body, or null for the title and dek. */
export function lineOf(field: Field, offset: number): number | null {
  const starts = field.lineStarts;
  if (!starts) return null;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** Replaces text[from, to) by spaces, keeping line breaks. */
function blank(chars: string[], from: number, to: number): void {
  for (let i = Math.max(0, from); i < Math.min(chars.length, to); i++) if (chars[i] !== '\n') chars[i] = ' ';
}

const URL_RE = /\b(?:[a-z][a-z0-9+.-]{1,20}:\/\/|www\.)[^\s<>]+/gi;

function maskUrls(text: string): string {
  const chars = text.split('');
  for (const m of text.matchAll(URL_RE)) blank(chars, m.index, m.index + m[0].length);
  return chars.join('');
}

/**
 * Blanks fenced code blocks (fence lines included) in `chars`; every other line goes to
 * `otherLine`, with its offsets.
 */
function blankFences(text: string, chars: string[], otherLine?: (line: string, start: number, end: number) => void): void {
  const lines = lineStartsOf(text);
  let fence: { ch: string; len: number } | null = null;
  for (let k = 0; k < lines.length; k++) {
    const start = lines[k];
    const end = k + 1 < lines.length ? lines[k + 1] - 1 : text.length;
    const line = text.slice(start, end);
    if (fence) {
      blank(chars, start, end);
      const close = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
      if (close && close[1][0] === fence.ch && close[1].length >= fence.len) fence = null;
      continue;
    }
    const open = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (open) {
      fence = { ch: open[1][0], len: open[1].length };
      blank(chars, start, end);
      continue;
    }
    otherLine?.(line, start, end);
  }
}

/**
 * Markdown with code (fenced and inline), HTML comments, autolinks, link destinations,
 * reference definitions and bare URLs blanked out.
 */
export function maskMarkdown(text: string): string {
  const chars = Array.from({ length: text.length }, (_, i) => text[i]);
  blankFences(text, chars, (line, start, end) => {
    // Reference definitions: "[id]: https://…".
    if (/^ {0,3}\[[^\]\n]{1,200}\]:\s*\S/.test(line)) blank(chars, start, end);
  });
  const masked = () => chars.join('');
  // Inline code spans (same number of backticks closes).
  let s = masked();
  for (const m of s.matchAll(/(`+)[^`\n]*?(?:\n[^`\n]*?)?\1/g)) blank(chars, m.index, m.index + m[0].length);
  // HTML comments (the teaser marker among them).
  s = masked();
  for (const m of s.matchAll(/<!--[\s\S]*?-->/g)) blank(chars, m.index, m.index + m[0].length);
  // Autolinks.
  for (const m of s.matchAll(/<(?:[a-z][a-z0-9+.-]{1,31}:[^\s<>]*|[^\s<>@]+@[^\s<>]+)>/gi)) blank(chars, m.index, m.index + m[0].length);
  // Link destinations: "](…)" with balanced parentheses.
  s = masked();
  for (let i = s.indexOf(']('); i !== -1; i = s.indexOf('](', i + 2)) {
    const end = closingParen(s, i + 1);
    if (end !== -1) blank(chars, i + 1, end + 1);
  }
  // Bare URLs.
  s = masked();
  for (const m of s.matchAll(URL_RE)) blank(chars, m.index, m.index + m[0].length);
  return masked();
}

/** Offset of the ")" closing the "(" at `open`, or -1 (no line break inside a destination). */
function closingParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length && i < open + 2000; i++) {
    const c = s[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return i;
    } else if (c === '\n' && s[i + 1] === '\n') return -1;
  }
  return -1;
}

/** Blanks every "[See …]" / "[see also …]" bracket: citations, case citations, cross-references. */
export function maskSeeBrackets(prose: string): string {
  return prose.replace(/\[\s*see\b[^\[\]]{0,1000}\]/gi, (m) => m.replace(/[^\n]/g, ' '));
}

// ---------------------------------------------------------------- sentences

/** Words after which a period does not end a sentence. */
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'pres', 'gov', 'sen', 'rep', 'gen', 'lt', 'sgt', 'capt', 'col', 'cpl', 'det', 'atty', 'hon', 'rev', 'sr', 'jr', 'st',
  'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec',
  'no', 'nos', 'vs', 'v', 'etc', 'inc', 'co', 'corp', 'ltd', 'llc', 'dept', 'dist', 'cir', 'ct', 'app', 'supp', 'cal', 'fla', 'tex', 'ill', 'mich', 'pa', 'ga', 'la', 'ala', 'ariz', 'colo', 'conn', 'wis', 'wash', 'mass', 'minn', 'tenn', 'okla', 'ore', 'nev',
  'p', 'pp', 'para', 'fig', 'vol', 'ed', 'est', 'approx', 'e.g', 'i.e', 'u.s', 'u.n', 'a.m', 'p.m',
]);

export interface Span {
  start: number;
  end: number;
}

/** Sentences of a text (prose), as offsets. Paragraph breaks always end a sentence. */
export function sentences(prose: string): Span[] {
  const out: Span[] = [];
  let start = 0;
  const n = prose.length;
  const push = (end: number) => {
    let s = start;
    while (s < end && /\s/.test(prose[s])) s++;
    if (end > s) out.push({ start: s, end });
  };
  for (let i = 0; i < n; i++) {
    const c = prose[i];
    if (c === '\n' && prose[i + 1] === '\n') {
      push(i);
      start = i + 1;
      continue;
    }
    if (c !== '.' && c !== '!' && c !== '?') continue;
    // Closing quotes and brackets belong to the sentence.
    let j = i + 1;
    while (j < n && /["'”’)\]]/.test(prose[j])) j++;
    if (j < n && !/\s/.test(prose[j])) continue;
    let k = j;
    while (k < n && /\s/.test(prose[k])) k++;
    if (k < n && !/[A-Z0-9“"‘'(\[]/.test(prose[k])) continue;
    if (c === '.') {
      let w = i;
      while (w > 0 && /[A-Za-z.]/.test(prose[w - 1])) w--;
      const word = prose.slice(w, i).toLowerCase();
      if (ABBREVIATIONS.has(word) || /^[a-z]$/.test(word) || /^(?:[a-z]\.)+[a-z]$/.test(word)) continue;
    }
    push(j);
    start = j;
  }
  push(n);
  return out;
}

/** Index of the sentence holding `offset`, or -1. */
export function sentenceAt(list: Span[], offset: number): number {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].end <= offset) lo = mid + 1;
    else if (list[mid].start > offset) hi = mid - 1;
    else return mid;
  }
  return -1;
}

// ---------------------------------------------------------------- excerpts

export const MAX_EXCERPT = 160;

/**
 * A verbatim slice of `text` around [start, end): the words [start, end) touches, plus
 * `wordsBefore` and `wordsAfter` words of context, never across a line break, at most
 * MAX_EXCERPT characters.
 */
export function excerptAround(text: string, start: number, end: number, wordsBefore = 3, wordsAfter = 3): Span {
  const ws = (c: string | undefined) => c === undefined || /\s/.test(c);
  let s = start;
  while (s > 0 && !ws(text[s - 1]) && !ws(text[s])) s--;
  let e = Math.max(end, start);
  while (e < text.length && !ws(text[e]) && e > 0 && !ws(text[e - 1])) e++;
  for (let k = 0; k < wordsBefore; k++) {
    let p = s;
    while (p > 0 && ws(text[p - 1]) && text[p - 1] !== '\n') p--;
    if (p === 0 || text[p - 1] === '\n') break;
    while (p > 0 && !ws(text[p - 1])) p--;
    s = p;
  }
  for (let k = 0; k < wordsAfter; k++) {
    let p = e;
    while (p < text.length && ws(text[p]) && text[p] !== '\n') p++;
    if (p >= text.length || text[p] === '\n') break;
    while (p < text.length && !ws(text[p])) p++;
    e = p;
  }
  if (e - s > MAX_EXCERPT) {
    const room = Math.max(0, MAX_EXCERPT - (end - start));
    s = Math.max(s, start - Math.floor(room / 2));
    e = Math.min(e, s + MAX_EXCERPT);
  }
  return { start: s, end: e };
}

// ---------------------------------------------------------------- links

export interface FoundLink {
  url: string;
  start: number;
  end: number;
  kind: 'inline' | 'autolink' | 'bare' | 'reference' | 'typo';
}

/** Looks like a web address written wrongly: "http:/x", "http//x", "htp://x", "http:\\x". */
const TYPO_URL_RE = /\b(?:https?:\/(?!\/)|https?\/\/|https?:\\\\|htps?:\/\/|htp:\/\/|hhttps?:\/\/)[^\s<>)\]]*/gi;

/** Every link in a Markdown body: inline links and images, autolinks, reference definitions, bare URLs. */
export function findLinks(text: string): FoundLink[] {
  const out: FoundLink[] = [];
  const codeFree = maskCodeOnly(text);
  const taken: Span[] = [];
  const overlaps = (s: number, e: number) => taken.some((t) => s < t.end && e > t.start);
  // Inline links: "](destination "title")".
  for (let i = codeFree.indexOf(']('); i !== -1; i = codeFree.indexOf('](', i + 2)) {
    const close = closingParen(codeFree, i + 1);
    if (close === -1) continue;
    const inner = codeFree.slice(i + 2, close);
    const lead = inner.length - inner.trimStart().length;
    let dest: string;
    let destStart = i + 2 + lead;
    const rest = inner.trimStart();
    if (rest.startsWith('<')) {
      const gt = rest.indexOf('>');
      dest = gt === -1 ? rest.slice(1) : rest.slice(1, gt);
      destStart += 1;
    } else {
      const m = /^\S*/.exec(rest);
      dest = m ? m[0] : '';
      // "[text](https://x.org/a b)": a space inside the destination.
      const after = rest.slice(dest.length).trim();
      if (after !== '' && !/^(?:"[^"]*"|'[^']*'|\([^)]*\))$/.test(after)) dest = rest.trimEnd();
    }
    out.push({ url: dest, start: destStart, end: destStart + dest.length, kind: 'inline' });
    taken.push({ start: i, end: close + 1 });
  }
  // Reference definitions.
  for (const m of codeFree.matchAll(/^ {0,3}\[[^\]\n]{1,200}\]:[ \t]*<?([^\s>]*)>?/gm)) {
    const s = m.index + m[0].indexOf(m[1], m[0].indexOf(']:'));
    out.push({ url: m[1], start: s, end: s + m[1].length, kind: 'reference' });
    taken.push({ start: m.index, end: m.index + m[0].length });
  }
  // Autolinks.
  for (const m of codeFree.matchAll(/<([a-z][a-z0-9+.-]{1,31}:[^\s<>]*)>/gi)) {
    if (overlaps(m.index, m.index + m[0].length)) continue;
    out.push({ url: m[1], start: m.index + 1, end: m.index + 1 + m[1].length, kind: 'autolink' });
    taken.push({ start: m.index, end: m.index + m[0].length });
  }
  // Addresses mistyped so that nothing links them.
  for (const m of codeFree.matchAll(TYPO_URL_RE)) {
    if (overlaps(m.index, m.index + m[0].length)) continue;
    const url = trimUrl(m[0]);
    out.push({ url, start: m.index, end: m.index + url.length, kind: 'typo' });
    taken.push({ start: m.index, end: m.index + url.length });
  }
  // Bare URLs (markdown-it's linkify turns them into links).
  for (const m of codeFree.matchAll(/\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s<>]*/gi)) {
    if (overlaps(m.index, m.index + m[0].length)) continue;
    const url = trimUrl(m[0]);
    out.push({ url, start: m.index, end: m.index + url.length, kind: 'bare' });
  }
  return out.sort((a, b) => a.start - b.start);
}

/** Sentence punctuation after a bare URL is not part of it; neither is an unbalanced ")". */
function trimUrl(url: string): string {
  let u = url;
  for (;;) {
    const last = u[u.length - 1];
    if (last && '.,;:!?\'"’”*_'.includes(last)) u = u.slice(0, -1);
    else if ((last === ')' && (u.match(/\(/g)?.length ?? 0) < (u.match(/\)/g)?.length ?? 0)) || (last === ']' && !u.includes('['))) u = u.slice(0, -1);
    else return u;
  }
}

/** The body with only code (fenced blocks and inline spans) blanked: links in code are not links. */
function maskCodeOnly(text: string): string {
  const chars = Array.from({ length: text.length }, (_, i) => text[i]);
  blankFences(text, chars);
  const s = chars.join('');
  for (const m of s.matchAll(/(`+)[^`\n]*?(?:\n[^`\n]*?)?\1/g)) blank(chars, m.index, m.index + m[0].length);
  for (const m of s.matchAll(/<!--[\s\S]*?-->/g)) blank(chars, m.index, m.index + m[0].length);
  return chars.join('');
}

// ---------------------------------------------------------------- typography

/** The text with straight quotes made curly, as a typesetter would. */
export function curlyQuotes(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    const prev = i > 0 ? s[i - 1] : '';
    const next = s[i + 1] ?? '';
    const opening = prev === '' || /[\s(\[{\u2014\u2013/-]/.test(prev);
    if (c === '"') out += opening && next !== '' && !/\s/.test(next) ? '\u201c' : '\u201d';
    else if (c === "'") {
      // '90s, 'em: an apostrophe even at the start of a word.
      if (opening && /^\d\d(?:s\b|\b)/.test(s.slice(i + 1))) out += '\u2019';
      else out += opening && next !== '' && !/\s/.test(next) ? '\u2018' : '\u2019';
    } else out += c;
  }
  return out;
}

/** Normalises a title for "already used" comparisons: case, accents, quotes and punctuation do not count. */
export function titleKey(title: string): string {
  return String(title ?? '')
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/['’‘‛`´"“”„‟′″«»‹›ʼ]/gu, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
