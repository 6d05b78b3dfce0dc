// Markdown → safe HTML, teaser and plain text. Pure, never throws.
//
// Raw HTML in the source is shown as text (markdown-it `html: false`), and the
// output is passed through a strict sanitize-html allowlist as a second line of
// defence. Headings are shifted down one level (`#` → h2) because the article
// page has its own h1.

import MarkdownIt from 'markdown-it';
import type { Token } from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

export interface RenderedBody {
  /** The whole body as sanitized HTML, without the teaser marker. */
  bodyHtml: string;
  /** The part before `<!--more-->`, or else the first paragraph, as sanitized HTML. */
  teaserHtml: string;
  /** The teaser as plain text. */
  teaserText: string;
  /** The whole body as plain text: blocks separated by blank lines, entities decoded. */
  text: string;
  wordCount: number;
}

/** The editor's teaser marker on a line of its own (up to 3 spaces of indent, like any Markdown block). */
const MARKER_LINE_RE = /^ {0,3}<!--[ \t]*more[ \t]*-->[ \t]*$/i;
const MARKER_CONTENT_RE = /^<!--[ \t]*more[ \t]*-->$/i;
const FENCE_OPEN_RE = /^ {0,3}(`{3,}|~{3,})/;

const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });
// Strikethrough would need <s>/<del>, which the allowlist drops; keep "~~" literal instead.
md.disable('strikethrough');

// Shift headings: # → h2, ## → h3, ### and deeper → h4 (the allowlist stops at h4).
md.core.ruler.push('masthead_shift_headings', (state) => {
  for (const t of state.tokens) {
    if (t.type === 'heading_open' || t.type === 'heading_close') {
      const level = Number(t.tag.slice(1)) || 1;
      t.tag = `h${Math.min(level + 1, 4)}`;
    }
  }
  return true;
});

// Images are not part of the allowlist: render them as a link to the image, with its alt text.
md.renderer.rules.image = (tokens, idx, options, env, self) => {
  const t = tokens[idx];
  const src = String(t.attrGet('src') ?? '');
  const alt = self.renderInlineAsText(t.children ?? [], options, env);
  return `<a href="${md.utils.escapeHtml(src)}">${md.utils.escapeHtml(alt || src)}</a>`;
};

const ALLOWED_TAGS = [
  'p', 'h2', 'h3', 'h4', 'blockquote', 'ul', 'ol', 'li', 'em', 'strong', 'a', 'code', 'pre',
  'hr', 'br', 'sup', 'sub', 'table', 'thead', 'tbody', 'tr', 'th', 'td',
];

const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ALLOWED_TAGS,
  allowedAttributes: { a: ['href', 'title', 'rel'], ol: ['start'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: {},
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  allowedClasses: {},
  allowedStyles: {},
  parseStyleAttributes: false,
  transformTags: {
    a: (tagName, attribs) => {
      const out: sanitizeHtml.Attributes = {};
      const href = attribs.href;
      if (href !== undefined) out.href = href;
      if (attribs.title !== undefined) out.title = attribs.title;
      if (href !== undefined && /^\s*(https?:)?\/\//i.test(href)) out.rel = 'nofollow noopener';
      return { tagName, attribs: out };
    },
  },
};

function sanitize(html: string): string {
  return sanitizeHtml(html, SANITIZE_OPTIONS);
}

/**
 * Put the teaser marker into a block of its own so that it can be found in the
 * token stream even when the editor did not leave blank lines around it.
 * Markers inside fenced code blocks are left alone.
 */
function isolateMarkers(src: string): string {
  const lines = src.split('\n');
  let fence: { char: string; len: number } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (fence) {
      const close = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
      if (close && close[1][0] === fence.char && close[1].length >= fence.len) fence = null;
      continue;
    }
    const open = FENCE_OPEN_RE.exec(line);
    if (open && !(open[1][0] === '`' && line.slice(open.index + open[0].length).includes('`'))) {
      fence = { char: open[1][0], len: open[1].length };
      continue;
    }
    if (MARKER_LINE_RE.test(line)) lines[i] = '\n<!--more-->\n';
  }
  return lines.join('\n');
}

/** Index of the paragraph_open of every top-level paragraph that is only the teaser marker. */
function isMarkerAt(tokens: Token[], i: number): boolean {
  const t = tokens[i];
  return (
    t.type === 'paragraph_open' &&
    tokens[i + 1]?.type === 'inline' &&
    MARKER_CONTENT_RE.test(tokens[i + 1].content.trim()) &&
    tokens[i + 2]?.type === 'paragraph_close'
  );
}

/** Tokens [start, end) of the first top-level block, preferring the first top-level paragraph. */
function firstBlock(tokens: Token[]): Token[] {
  const p = tokens.findIndex((t) => t.type === 'paragraph_open' && t.level === 0);
  if (p >= 0) return tokens.slice(p, p + 3);
  if (tokens.length === 0) return [];
  const first = tokens[0];
  if (first.nesting === 0) return [first];
  for (let i = 1; i < tokens.length; i++) {
    if (tokens[i].level === 0 && tokens[i].nesting === -1) return tokens.slice(0, i + 1);
  }
  return tokens.slice();
}

// ---------------------------------------------------------------- plain text

function inlineText(children: Token[] | null): string {
  let s = '';
  for (const c of children ?? []) {
    switch (c.type) {
      case 'text':
      case 'text_special':
      case 'code_inline':
      case 'html_inline':
        s += c.content;
        break;
      case 'softbreak':
      case 'hardbreak':
        s += '\n';
        break;
      case 'image':
        s += inlineText(c.children) || String(c.attrGet('src') ?? '');
        break;
      default:
        break;
    }
  }
  return s;
}

/** Block tokens → plain text: blocks separated by a blank line, list items marked, quotes prefixed with "> ". */
function tokensToText(tokens: Token[]): string {
  const out: string[] = [];
  const lists: { ordered: boolean; next: number }[] = [];
  let quote = 0;
  let pendingMarker: string | null = null;
  let tightNext = false; // the next block continues a tight list: one newline, not a blank line
  let row: string[] | null = null;

  const emit = (text: string, tight: boolean) => {
    const depth = lists.length;
    const indent = depth > 0 ? '   '.repeat(depth - 1) : '';
    const q = '> '.repeat(quote);
    const firstPrefix = q + indent + (pendingMarker ?? (depth > 0 ? '   ' : ''));
    const restPrefix = q + indent + (depth > 0 ? ' '.repeat(Math.max(3, (pendingMarker ?? '').length)) : '');
    pendingMarker = null;
    const body = text
      .split('\n')
      .map((line, i) => (i === 0 ? firstPrefix : restPrefix) + line)
      .join('\n')
      .replace(/[ \t]+$/gm, '');
    if (out.length > 0) out.push(tight ? '\n' : '\n\n');
    out.push(body);
  };

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    switch (t.type) {
      case 'bullet_list_open':
        lists.push({ ordered: false, next: 1 });
        break;
      case 'ordered_list_open':
        lists.push({ ordered: true, next: Number(t.attrGet('start') ?? 1) || 1 });
        break;
      case 'bullet_list_close':
      case 'ordered_list_close':
        lists.pop();
        // Back in a tight parent list, its next item follows on the next line.
        if (lists.length === 0) tightNext = false;
        break;
      case 'list_item_open': {
        const l = lists[lists.length - 1];
        if (l) pendingMarker = l.ordered ? `${l.next++}. ` : '- ';
        break;
      }
      case 'blockquote_open':
        quote++;
        break;
      case 'blockquote_close':
        quote = Math.max(0, quote - 1);
        break;
      case 'paragraph_open':
        break;
      case 'inline': {
        const prev = tokens[i - 1];
        if (prev?.type === 'paragraph_open' || prev?.type === 'heading_open') {
          const tight = prev.type === 'paragraph_open' && prev.hidden && tightNext;
          emit(inlineText(t.children), tight);
          tightNext = prev.type === 'paragraph_open' && prev.hidden;
        } else if (row) {
          row.push(inlineText(t.children).replace(/\n/g, ' '));
        }
        break;
      }
      case 'fence':
      case 'code_block':
        emit(t.content.replace(/\n+$/, ''), false);
        tightNext = false;
        break;
      case 'hr':
        emit('* * *', false);
        tightNext = false;
        break;
      case 'tr_open':
        row = [];
        break;
      case 'tr_close':
        if (row) emit(row.join(' | '), tightNext);
        row = null;
        tightNext = true;
        break;
      case 'table_close':
        tightNext = false;
        break;
      default:
        break;
    }
  }
  return out.join('').replace(/^\n+|\n+$/g, '');
}

function countWords(text: string): number {
  let n = 0;
  for (const w of text.split(/\s+/)) if (/[\p{L}\p{N}]/u.test(w)) n++;
  return n;
}

/** Inline Markdown (e.g. a "# Heading" used as a title) as plain text. Never throws. */
export function markdownInlineToText(src: string): string {
  try {
    return inlineText(md.parseInline(String(src ?? ''), {})[0]?.children ?? null)
      .replace(/\s+/g, ' ')
      .trim();
  } catch {
    return String(src ?? '').trim();
  }
}

// ---------------------------------------------------------------- escaping

const SCHEME_URL_RE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** A URL that the linkifier shows as written (apart from decoding %-escapes). */
function isSaneUrl(url: string): boolean {
  try {
    if (new URL(url).hostname === '') return false;
    return md.normalizeLinkText(url) === url || /%[0-9a-f]{2}/i.test(url);
  } catch {
    return false;
  }
}

/**
 * Escape one line of plain text so that `renderMarkdown` shows it literally:
 * the rendered text reads exactly like the input (URLs still become links).
 * Only characters that Markdown would interpret at their position are escaped,
 * so the Markdown source stays readable ("[See: PLN, Mar. 2025, p.45.]" is kept as is).
 * Expects a single line without leading or trailing whitespace.
 */
export function escapeMarkdownInline(line: string): string {
  const s = String(line ?? '').replace(/[\r\n]+/g, ' ');
  // The linkifier fires at every "scheme://" and consumes the URL raw, so escapes
  // inside (or right after) it would show up literally. Write URLs as autolinks
  // "<https://…>" instead (same link, same text), and break every other "://"
  // with an escaped colon so that it stays plain text.
  const keep: Array<[number, number]> = [];
  const breakColon = new Set<number>();
  for (let p = s.indexOf('://'); p >= 0; p = s.indexOf('://', p + 1)) {
    const floor = keep.length > 0 ? keep[keep.length - 1][1] : 0;
    if (p < floor) continue;
    let start = p;
    while (start > floor && /[A-Za-z0-9+.-]/.test(s[start - 1])) start--;
    const m = /^[A-Za-z]/.test(s[start] ?? '') ? md.linkify.matchAtStart(s.slice(start)) : null;
    let end = m ? start + m.lastIndex : start;
    while (end > p && s[end - 1] === '*') end--;
    const url = s.slice(start, end);
    if (m && m.index === 0 && end > p + 3 && SCHEME_URL_RE.test(url) && !/[<>\s]/.test(url) && isSaneUrl(url)) {
      keep.push([start, end]);
    } else {
      breakColon.add(p);
    }
  }
  let out = '';
  let k = 0;
  for (let i = 0; i < s.length; i++) {
    while (k < keep.length && keep[k][1] <= i) k++;
    if (k < keep.length && keep[k][0] <= i) {
      out += '<' + s.slice(i, keep[k][1]) + '>';
      i = keep[k][1] - 1;
      continue;
    }
    const c = s[i];
    const prev = i > 0 ? s[i - 1] : '';
    const next = s[i + 1] ?? '';
    switch (c) {
      case '\\':
      case '`':
      case '*':
      case '<':
        out += '\\' + c;
        break;
      case '_':
        out += /[\p{L}\p{N}]/u.test(prev) && /[\p{L}\p{N}]/u.test(next) ? c : '\\' + c;
        break;
      case '~':
        out += i === 0 || prev === '~' || next === '~' ? '\\' + c : c;
        break;
      case ']':
        out += next === '(' || next === '[' || next === ':' ? '\\' + c : c;
        break;
      case '&':
        out += /^&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,31});/i.test(s.slice(i)) ? '\\' + c : c;
        break;
      case '>':
      case '#':
      case '+':
      case '-':
      case '=':
        out += i === 0 ? '\\' + c : c;
        break;
      case '.':
      case ')':
        // "1. " or "2025) " at the start of a line would begin an ordered list.
        out += i > 0 && i <= 9 && /^\d+$/.test(s.slice(0, i)) && (next === '' || next === ' ' || next === '\t') ? '\\' + c : c;
        break;
      case ':':
        out += breakColon.has(i) ? '\\:' : c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

// ---------------------------------------------------------------- main

export function renderMarkdown(src: string): RenderedBody {
  const source = typeof src === 'string' ? src : String(src ?? '');
  try {
    return renderUnsafe(source);
  } catch {
    // markdown-it and sanitize-html are not expected to throw; if they ever do,
    // fall back to the text as escaped paragraphs rather than failing a request.
    return renderFallback(source);
  }
}

function renderUnsafe(source: string): RenderedBody {
  const normalized = source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const env = {};
  const tokens = md.parse(isolateMarkers(normalized), env);

  let markerAt = -1;
  const body: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (isMarkerAt(tokens, i)) {
      if (markerAt < 0 && tokens[i].level === 0) markerAt = body.length;
      i += 2;
      continue;
    }
    body.push(tokens[i]);
  }

  let teaserTokens = markerAt >= 0 ? body.slice(0, markerAt) : [];
  if (!teaserTokens.some((t) => t.type === 'inline' || t.type === 'fence' || t.type === 'code_block')) {
    teaserTokens = firstBlock(body);
  }

  const bodyHtml = sanitize(md.renderer.render(body, md.options, env));
  const teaserHtml = sanitize(md.renderer.render(teaserTokens, md.options, env));
  const text = tokensToText(body);
  return {
    bodyHtml,
    teaserHtml,
    teaserText: tokensToText(teaserTokens),
    text,
    wordCount: countWords(text),
  };
}

function renderFallback(source: string): RenderedBody {
  const paras = source
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '' && !MARKER_CONTENT_RE.test(p));
  const esc = (s: string) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const html = (ps: string[]) => ps.map((p) => `<p>${esc(p)}</p>\n`).join('');
  const text = paras.join('\n\n');
  return {
    bodyHtml: html(paras),
    teaserHtml: html(paras.slice(0, 1)),
    teaserText: paras[0] ?? '',
    text,
    wordCount: countWords(text),
  };
}
