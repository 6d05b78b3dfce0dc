// Print citations such as "[See: PLN, Mar. 2025, p.45.]" in article text.
// Pure: no I/O. Every function here is total on strings (never throws on odd input)
// and runs in time linear in the input: brackets are scanned with a bounded window and
// the per-citation regular expressions are anchored and have no nested quantifiers.

import type { PrintCitation } from './types.ts';

/** One "[See: …]" bracket that holds at least one print citation. */
export interface CitationGroup {
  /** Offset of the opening "[" in the input. */
  start: number;
  /** Offset just past the closing "]". */
  end: number;
  citations: PrintCitation[];
}

/** Longest bracket content we look at; longer "brackets" are not citation lists. */
const MAX_BRACKET = 1000;

const MIN_YEAR = 1900;
const MAX_YEAR = 2200;
const MAX_PAGE = 10000;

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1, january: 1,
  feb: 2, february: 2,
  mar: 3, march: 3,
  apr: 4, april: 4,
  may: 5,
  jun: 6, june: 6,
  jul: 7, july: 7,
  aug: 8, august: 8,
  sep: 9, sept: 9, september: 9,
  oct: 10, october: 10,
  nov: 11, november: 11,
  dec: 12, december: 12,
};

/** AP style, as PLN prints it. */
const MONTH_AP = ['Jan.', 'Feb.', 'Mar.', 'Apr.', 'May', 'June', 'July', 'Aug.', 'Sept.', 'Oct.', 'Nov.', 'Dec.'];

/** "[See:", "[See also:", "[see", case-insensitive, at the "[". */
const BRACKET_PREFIX_RE = /\[\s*see\b(?:\s+also\b)?\s*:?\s*/iy;

/** Connectors a later citation in a list may start with: "and", "&", "see also:". */
const PART_LEAD_RE = /(?:(?:and|&)\s+|see\b(?:\s+also\b)?\s*:\s*)/iy;

/**
 * One citation, already trimmed, without the closing period:
 *   [PUB ,] Month[.] YYYY , p[p][.] N [–N]
 * Groups: 1 publication, 2 month word, 3 year, 4 first page, 5 last page.
 * Each separator is written so that a run of whitespace can be split only one way.
 */
const PART_RE =
  /^(?:([A-Za-z]{2,10})(?:\s*,\s*|\s+))?([A-Za-z]{3,9})(?:\.\s*|\s+)(\d{4})(?:\s*,\s*|\s+)pp?\.?\s*(\d{1,6})(?:\s*[-\u2010\u2011\u2012\u2013\u2014]\s*(\d{1,6}))?$/i;

const PUBLICATION_RE = /^[A-Z]{2,10}$/;

interface FoundCitation {
  citation: PrintCitation;
  /** Offsets of the citation text (no "See:", no closing period) in the input. */
  start: number;
  end: number;
}

interface FoundGroup {
  start: number;
  end: number;
  items: FoundCitation[];
}

function isSpace(ch: string): boolean {
  // \s in JS includes NBSP and the other Unicode spaces.
  return /\s/.test(ch);
}

function expandRange(first: number, lastDigits: string): number | null {
  const last = Number(lastDigits);
  if (last >= first) return last;
  // Elided range, "pp.122-23" → 122–123.
  const firstDigits = String(first);
  if (lastDigits.length < firstDigits.length) {
    const expanded = Number(firstDigits.slice(0, firstDigits.length - lastDigits.length) + lastDigits);
    if (expanded >= first) return expanded;
  }
  return null;
}

/** Parses the citations of one bracket's content text[from, to). */
function parseBracketContent(text: string, from: number, to: number): FoundCitation[] {
  const items: FoundCitation[] = [];
  let inherited: string | null = null;
  let partStart = from;
  while (partStart <= to) {
    let partEnd = partStart;
    while (partEnd < to && text[partEnd] !== ';') partEnd++;

    let s = partStart;
    let e = partEnd;
    while (s < e && isSpace(text[s])) s++;
    while (e > s && isSpace(text[e - 1])) e--;
    if (e > s && text[e - 1] === '.') e--;
    while (e > s && isSpace(text[e - 1])) e--;
    PART_LEAD_RE.lastIndex = s;
    if (PART_LEAD_RE.test(text)) s = PART_LEAD_RE.lastIndex;

    if (e > s) {
      const raw = text.slice(s, e);
      const m = PART_RE.exec(raw);
      if (m) {
        let publication: string | null = inherited;
        if (m[1] !== undefined) {
          publication = PUBLICATION_RE.test(m[1]) ? m[1] : null;
          inherited = publication;
        }
        const month = MONTHS[m[2].toLowerCase()];
        const year = Number(m[3]);
        const pageFirst = Number(m[4]);
        const pageLast = m[5] === undefined ? pageFirst : expandRange(pageFirst, m[5]);
        if (
          publication !== null &&
          month !== undefined &&
          year >= MIN_YEAR && year <= MAX_YEAR &&
          pageFirst >= 1 && pageFirst <= MAX_PAGE &&
          pageLast !== null && pageLast <= MAX_PAGE
        ) {
          items.push({
            citation: {
              text: raw.replace(/\s+/g, ' '),
              publication,
              year,
              month,
              pageFirst,
              pageLast,
            },
            start: s,
            end: e,
          });
        }
      }
    }
    partStart = partEnd + 1;
  }
  return items;
}

/** All citation brackets with their offsets and the offsets of each citation. */
function scan(text: string): FoundGroup[] {
  const groups: FoundGroup[] = [];
  if (typeof text !== 'string') return groups;
  const n = text.length;
  let i = text.indexOf('[');
  while (i !== -1) {
    BRACKET_PREFIX_RE.lastIndex = i;
    if (!BRACKET_PREFIX_RE.test(text)) {
      i = text.indexOf('[', i + 1);
      continue;
    }
    const contentStart = BRACKET_PREFIX_RE.lastIndex;
    const limit = Math.min(n, contentStart + MAX_BRACKET);
    let j = contentStart;
    while (j < limit && text[j] !== ']' && text[j] !== '[') j++;
    if (j < n && text[j] === ']') {
      const items = parseBracketContent(text, contentStart, j);
      if (items.length > 0) groups.push({ start: i, end: j + 1, items });
      i = text.indexOf('[', j + 1);
    } else if (j < n && text[j] === '[') {
      i = j; // a nested or new bracket: start over from it
    } else {
      i = text.indexOf('[', i + 1);
    }
  }
  return groups;
}

/**
 * Finds the print citations in text, grouped by "[See: …]" / "[See also: …]" bracket;
 * brackets without a valid print citation (e.g. only a case citation) are left out.
 * A citation without a publication inherits the previous one in the same bracket.
 * Each citation's `text` is as written, minus "See:" and the closing period, with runs
 * of whitespace (NBSP, line breaks) collapsed to one space. Never throws.
 */
export function findCitations(text: string): CitationGroup[] {
  return scan(text).map((g) => ({ start: g.start, end: g.end, citations: g.items.map((x) => x.citation) }));
}

/**
 * "PLN, Mar. 2025, p.45" or "PLN, Jan. 2025, pp.22-23".
 * Throws RangeError for a month outside 1–12 (a programming error: stored citations are validated).
 */
export function formatCitation(c: { publication: string; year: number; month: number; pageFirst: number; pageLast: number }): string {
  const month = MONTH_AP[c.month - 1];
  if (!Number.isInteger(c.month) || month === undefined) throw new RangeError(`month out of range: ${c.month}`);
  const pages = c.pageLast > c.pageFirst ? `pp.${c.pageFirst}-${c.pageLast}` : `p.${c.pageFirst}`;
  return `${c.publication}, ${month} ${c.year}, ${pages}`;
}

/** "/cite/PLN/2025/03/45" — the route that resolves a citation. */
export function citePath(c: { publication: string; year: number; month: number; pageFirst: number }): string {
  const month = String(c.month).padStart(2, '0');
  return `/cite/${encodeURIComponent(c.publication)}/${c.year}/${month}/${c.pageFirst}`;
}

/** Validates the params of /cite/:pub/:year/:month/:page; null when anything is off. */
export function parseCiteParams(
  pub: string,
  year: string,
  month: string,
  page: string,
): { publication: string; year: number; month: number; page: number } | null {
  if (typeof pub !== 'string' || typeof year !== 'string' || typeof month !== 'string' || typeof page !== 'string') return null;
  if (!/^[A-Za-z]{2,10}$/.test(pub)) return null;
  if (!/^\d{4}$/.test(year) || !/^\d{1,2}$/.test(month) || !/^\d{1,5}$/.test(page)) return null;
  const y = Number(year);
  const m = Number(month);
  const p = Number(page);
  if (y < MIN_YEAR || y > MAX_YEAR || m < 1 || m > 12 || p < 1 || p > MAX_PAGE) return null;
  return { publication: pub.toUpperCase(), year: y, month: m, page: p };
}

// ---------------------------------------------------------------------------
// Linking citations in rendered HTML

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'",
  nbsp: '\u00a0', ensp: '\u2002', emsp: '\u2003', thinsp: '\u2009',
  ndash: '\u2013', mdash: '\u2014', hyphen: '\u2010', minus: '\u2212',
  lsquo: '\u2018', rsquo: '\u2019', ldquo: '\u201c', rdquo: '\u201d',
  hellip: '\u2026', sect: '\u00a7', para: '\u00b6',
};

const ENTITY_RE = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]{1,31}));/y;

/**
 * Decodes the entities of an HTML text node, keeping for each decoded UTF-16 unit the
 * range of the raw text it came from, so that decoded offsets map back to raw ones.
 */
function decodeWithMap(raw: string): { text: string; starts: number[]; ends: number[] } {
  let text = '';
  const starts: number[] = [];
  const ends: number[] = [];
  let i = 0;
  while (i < raw.length) {
    let decoded: string | undefined;
    let next = i + 1;
    if (raw[i] === '&') {
      ENTITY_RE.lastIndex = i;
      const m = ENTITY_RE.exec(raw);
      if (m) {
        if (m[3] !== undefined) {
          decoded = NAMED_ENTITIES[m[3]];
        } else {
          const cp = m[1] !== undefined ? Number(m[1]) : parseInt(m[2], 16);
          decoded = cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : '\ufffd';
        }
        if (decoded !== undefined) next = ENTITY_RE.lastIndex;
      }
    }
    if (decoded === undefined) decoded = raw[i];
    for (let k = 0; k < decoded.length; k++) {
      starts.push(i);
      ends.push(next);
    }
    text += decoded;
    i = next;
  }
  return { text, starts, ends };
}

function escapeAttr(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => (ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : ch === '>' ? '&gt;' : ch === '"' ? '&quot;' : '&#39;'));
}

function linkText(raw: string, hrefFor: (c: PrintCitation) => string | null): string {
  if (!raw.includes('[')) return raw;
  const { text, starts, ends } = decodeWithMap(raw);
  let out = '';
  let pos = 0;
  for (const group of scan(text)) {
    for (const item of group.items) {
      const href = hrefFor(item.citation);
      if (typeof href !== 'string' || href === '') continue;
      const rs = starts[item.start];
      const re = ends[item.end - 1];
      out += `${raw.slice(pos, rs)}<a href="${escapeAttr(href)}" class="cite">${raw.slice(rs, re)}</a>`;
      pos = re;
    }
  }
  return pos === 0 ? raw : out + raw.slice(pos);
}

/** Elements whose content is not HTML text and must never be touched. */
const RAW_TEXT_ELEMENTS = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'plaintext']);

interface Tag {
  end: number;
  /** Lower-case element name, '' for comments, doctypes and the like. */
  name: string;
  closing: boolean;
}

/** The markup token that starts at html[lt] === '<', or null when this '<' is just text. */
function scanTag(html: string, lt: number): Tag | null {
  const n = html.length;
  const c1 = html[lt + 1];
  if (c1 === '!') {
    if (html.startsWith('<!--', lt)) {
      const close = html.indexOf('-->', lt + 4);
      return { end: close === -1 ? n : close + 3, name: '', closing: false };
    }
    const close = html.indexOf('>', lt + 2);
    return { end: close === -1 ? n : close + 1, name: '', closing: false };
  }
  if (c1 === '?') {
    const close = html.indexOf('>', lt + 2);
    return { end: close === -1 ? n : close + 1, name: '', closing: false };
  }
  const closing = c1 === '/';
  let i = closing ? lt + 2 : lt + 1;
  const nameStart = i;
  if (!/[A-Za-z]/.test(html[i] ?? '')) return null;
  while (i < n && /[A-Za-z0-9-]/.test(html[i])) i++;
  const name = html.slice(nameStart, i).toLowerCase();
  // Attributes: quotes only matter for a value right after '='.
  while (i < n) {
    const ch = html[i];
    if (ch === '>') return { end: i + 1, name, closing };
    if (ch === '=') {
      i++;
      while (i < n && isSpace(html[i])) i++;
      const q = html[i];
      if (q === '"' || q === "'") {
        const close = html.indexOf(q, i + 1);
        if (close === -1) return { end: n, name, closing };
        i = close + 1;
      }
      continue;
    }
    i++;
  }
  return { end: n, name, closing };
}

/**
 * Wraps each print citation inside "[See: …]" brackets of rendered HTML in
 * `<a href="…" class="cite">…</a>` when hrefFor returns a non-empty string.
 * Only text nodes are touched: never markup, attribute values, comments, raw-text
 * elements (script, style, …) or text already inside an `<a>`. Entities in the
 * text (e.g. `&amp;`, `&nbsp;`) are kept as written. A citation split by markup
 * (e.g. `[See: <em>PLN</em>, …]`) is left alone.
 */
export function linkCitationsInHtml(html: string, hrefFor: (c: PrintCitation) => string | null): string {
  if (typeof html !== 'string' || !html.includes('[')) return html;
  const n = html.length;
  let out = '';
  let textStart = 0;
  let anchorDepth = 0;
  let i = 0;
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt === -1) break;
    const tag = scanTag(html, lt);
    if (tag === null) {
      i = lt + 1;
      continue;
    }
    const textRun = html.slice(textStart, lt);
    out += anchorDepth > 0 ? textRun : linkText(textRun, hrefFor);
    out += html.slice(lt, tag.end);
    i = textStart = tag.end;
    if (tag.name === 'a') {
      if (tag.closing) anchorDepth = Math.max(0, anchorDepth - 1);
      else anchorDepth++;
    } else if (!tag.closing && RAW_TEXT_ELEMENTS.has(tag.name)) {
      const closeRe = new RegExp(`</${tag.name}[\\s/>]`, 'ig');
      closeRe.lastIndex = i;
      const m = closeRe.exec(html);
      const close = m ? m.index : n;
      out += html.slice(i, close);
      i = textStart = close;
    }
  }
  const rest = html.slice(textStart);
  out += anchorDepth > 0 ? rest : linkText(rest, hrefFor);
  return out;
}
