// Snippets: the best short window of a text around the query's words, escaped, with <mark>.
import { tokens, type Token } from './tokenize.ts';
import type { Highlight } from './query.ts';

export type { Highlight } from './query.ts';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]!));

function matches(toks: Token[], h: Highlight): boolean[] {
  const hit = toks.map((t) => h.stems.has(t.stem) || h.prefixes.some((p) => t.stem.startsWith(p)));
  for (const ph of h.phrases) {
    for (let i = 0; i + ph.length <= toks.length; i++) {
      let ok = true;
      for (let j = 0; j < ph.length && ok; j++) ok = toks[i + j].stem === ph[j];
      if (ok) for (let j = 0; j < ph.length; j++) hit[i + j] = true;
    }
  }
  return hit;
}

/** Tokens of texts already seen, for the few short texts of one search hit. */
export type TokenCache = Map<string, Token[]>;

function tokensOf(text: string, cache?: TokenCache): Token[] {
  if (!cache) return tokens(text);
  let t = cache.get(text);
  if (!t) cache.set(text, (t = tokens(text)));
  return t;
}

/** Whether the text contains any of the words (a phrase counts when all of it is there in order). */
export function containsAny(text: string, h: Highlight, cache?: TokenCache): boolean {
  if (!text) return false;
  return matches(tokensOf(text, cache), h).some(Boolean);
}

/** The whole text escaped with its matches marked (for titles). */
export function markAll(text: string, h: Highlight, cache?: TokenCache): string {
  const toks = tokensOf(text, cache);
  const hit = matches(toks, h);
  return render(text, toks, hit, 0, text.length);
}

function render(text: string, toks: Token[], hit: boolean[], from: number, to: number): string {
  let out = '';
  let at = from;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (!hit[i] || t.start < from || t.end > to) continue;
    out += escape(text.slice(at, t.start)) + '<mark>' + escape(text.slice(t.start, t.end)) + '</mark>';
    at = t.end;
  }
  return out + escape(text.slice(at, to));
}

/** The first characters of every stem, prefix and phrase word to look for (see tokens()). */
function firstsOf(h: Highlight): Set<string> {
  return new Set([...h.stems, ...h.prefixes, ...h.phrases.flat()].filter(Boolean).map((x) => x[0]));
}

/** The most distinct matched words a window can have (a window with these many is the best). */
function bestPossible(h: Highlight): number {
  return h.stems.size + h.prefixes.length + new Set(h.phrases.flat()).size;
}

/**
 * About `words` words of the text: the window with the most distinct matched words, or the
 * beginning when nothing matches. Returns null for an empty text. The beginning of a long text is
 * looked at first; the rest only when the best possible window is not there.
 */
export function snippet(text: string, h: Highlight, words = 32): { html: string; matched: boolean } | null {
  const clean = /\s\s|[\t\n\r]/.test(text) ? text.replace(/\s+/g, ' ').trim() : text.trim();
  if (!clean) return null;
  const max = bestPossible(h);
  const firsts = firstsOf(h);
  let end = clean.length > 3000 ? clean.indexOf(' ', 2500) : -1;
  for (;;) {
    const part = end > 0 ? clean.slice(0, end) : clean;
    const toks = tokens(part, firsts);
    if (!toks.length) return { html: escape(clean.slice(0, 240)), matched: false };
    const hit = matches(toks, h);
    let best = 0, bestScore = -1;
    for (let i = 0; i < toks.length && bestScore < max; i++) {
      if (!hit[i]) continue;
      const seen = new Set<string>();
      let score = 0;
      for (let j = i; j < Math.min(toks.length, i + words); j++) if (hit[j] && !seen.has(toks[j].stem)) { seen.add(toks[j].stem); score++; }
      if (score > bestScore) { bestScore = score; best = i; }
    }
    // In the beginning only: good enough when the window is the best possible and complete.
    if (end > 0 && !(bestScore >= max && best + words <= toks.length)) { end = -1; continue; }
    const matched = bestScore > 0;
    // Start a few words before the window's first match, but late enough that its last match
    // and a few words after it still fit.
    // Tighten: the latest start that still has every distinct word of the window.
    let start = best;
    if (matched) {
      const need = new Set<string>();
      for (let j = best; j < Math.min(toks.length, best + words); j++) if (hit[j]) need.add(toks[j].stem);
      for (let j = Math.min(toks.length, best + words) - 1; j >= best; j--) {
        if (hit[j] && need.delete(toks[j].stem) && need.size === 0) { start = j; break; }
      }
    }
    const first = matched ? Math.max(0, start - 6) : 0;
    const last = Math.min(toks.length - 1, first + words - 1);
    const from = first === 0 ? 0 : toks[first].start;
    const to = last === toks.length - 1 && end < 0 ? clean.length : toks[last].end;
    const html = (from > 0 ? '… ' : '') + render(clean, toks, hit, from, to) + (to < clean.length ? ' …' : '');
    return { html, matched };
  }
}
