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

/** Whether the text contains any of the words (a phrase counts when all of it is there in order). */
export function containsAny(text: string, h: Highlight): boolean {
  if (!text) return false;
  return matches(tokens(text), h).some(Boolean);
}

/** The whole text escaped with its matches marked (for titles). */
export function markAll(text: string, h: Highlight): string {
  const toks = tokens(text);
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

/**
 * About `words` words of the text: the window with the most distinct matched words, or the
 * beginning when nothing matches. Returns null for an empty text.
 */
export function snippet(text: string, h: Highlight, words = 32): { html: string; matched: boolean } | null {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (!clean) return null;
  // Long texts: only the parts near matches need tokens, but texts here are articles (a few
  // thousand words), which tokenise in well under a millisecond.
  const toks = tokens(clean);
  if (!toks.length) return { html: escape(clean.slice(0, 240)), matched: false };
  const hit = matches(toks, h);
  let best = 0, bestScore = -1;
  for (let i = 0; i < toks.length; i++) {
    if (!hit[i]) continue;
    const seen = new Set<string>();
    let score = 0;
    for (let j = i; j < Math.min(toks.length, i + words); j++) if (hit[j] && !seen.has(toks[j].stem)) { seen.add(toks[j].stem); score++; }
    if (score > bestScore) { bestScore = score; best = i; }
  }
  const matched = bestScore > 0;
  // Start a few words before the first match, at a word boundary.
  const first = matched ? Math.max(0, best - 6) : 0;
  const last = Math.min(toks.length - 1, first + words - 1);
  const from = first === 0 ? 0 : toks[first].start;
  const to = last === toks.length - 1 ? clean.length : toks[last].end;
  const html = (from > 0 ? '… ' : '') + render(clean, toks, hit, from, to) + (to < clean.length ? ' …' : '');
  return { html, matched };
}
