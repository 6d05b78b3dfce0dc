import type { ArticleView } from '../present/article.ts';

// The plain-text edition: what a prison tablet or e-messaging system can take. ASCII only, URLs
// written out, split into parts no longer than the system's message limit. Pure: it renders an
// ArticleView (already redacted by the presenter) and never sees the raw article.

// ---------------------------------------------------------------- transliteration

/**
 * Characters that NFKD leaves non-ASCII (or turns into something unhelpful), mapped to ASCII.
 * Applied before NFKD, so a key may be a character NFKD would otherwise decompose.
 */
const ASCII_TABLE: Record<string, string> = {
  // quotation marks and apostrophes
  '\u2018': "'", '\u2019': "'", '\u201A': "'", '\u201B': "'", '\u2032': "'", '\u2035': "'", '\u02BC': "'", '\u02B9': "'",
  '\u00B4': "'", '\u2039': "'", '\u203A': "'",
  '\u201C': '"', '\u201D': '"', '\u201E': '"', '\u201F': '"', '\u2033': '"', '\u2036': '"', '\u00AB': '"', '\u00BB': '"',
  '\u02BA': '"', '\u301D': '"', '\u301E': '"',
  // dashes, hyphens, minus
  '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2212': '-', '\u2043': '-', '\uFE63': '-', '\uFF0D': '-',
  '\u2014': '--', '\u2015': '--', '\u2E3A': '--', '\u2E3B': '---', '\uFE58': '--',
  // punctuation
  '\u2026': '...', '\u2022': '*', '\u2023': '*', '\u25E6': '*', '\u00B7': '.', '\u2027': '.',
  '\u2044': '/', '\u2215': '/', '\u00BF': '', '\u00A1': '', '\u2E18': '', '\u203C': '!!', '\u2047': '??', '\u2048': '?!', '\u2049': '!?',
  '\u00A6': '|', '\u2016': '||', '\u3001': ',', '\u3002': '.',
  // letters NFKD does not take apart
  '\u00DF': 'ss', '\u1E9E': 'SS', '\u00E6': 'ae', '\u00C6': 'AE', '\u0153': 'oe', '\u0152': 'OE', '\u00F8': 'o', '\u00D8': 'O',
  '\u0142': 'l', '\u0141': 'L', '\u0111': 'd', '\u0110': 'D', '\u00F0': 'd', '\u00D0': 'D', '\u00FE': 'th', '\u00DE': 'Th',
  '\u0127': 'h', '\u0126': 'H', '\u0131': 'i', '\u0130': 'I', '\u0140': 'l', '\u013F': 'L', '\u014B': 'ng', '\u014A': 'Ng',
  '\u0167': 't', '\u0166': 'T', '\u0138': 'k', '\u017F': 's', '\u0192': 'f', '\u0259': 'e', '\u018F': 'E',
  // symbols
  '\u20AC': 'EUR', '\u00A3': 'GBP', '\u00A5': 'JPY', '\u00A2': 'c', '\u20B1': 'PHP', '\u20B9': 'INR', '\u20A9': 'KRW',
  '\u00A7': 'Sec.', '\u00B6': 'Para.', '\u00A9': '(c)', '\u00AE': '(R)', '\u2117': '(P)', '\u00B0': ' deg', '\u00B5': 'u',
  '\u00D7': 'x', '\u00F7': '/', '\u00B1': '+/-', '\u2264': '<=', '\u2265': '>=', '\u2260': '!=', '\u2248': '~', '\u00AC': '-',
  '\u2192': '->', '\u2190': '<-', '\u2194': '<->', '\u21D2': '=>', '\u2713': 'v', '\u2714': 'v', '\u2717': 'x', '\u2718': 'x',
  '\u2030': ' per mille', '\u2116': 'No.',
  // white space and invisible characters
  '\u00A0': ' ', '\u2028': '\n', '\u2029': '\n\n', '\u00AD': '', '\u200B': '', '\u200C': '', '\u200D': '', '\u2060': '',
  '\uFEFF': '', '\u200E': '', '\u200F': '', '\u202A': '', '\u202B': '', '\u202C': '', '\u202D': '', '\u202E': '',
  '\u2066': '', '\u2067': '', '\u2068': '', '\u2069': '', '\u180E': '', '\u034F': '',
};

const TABLE_RE = new RegExp(`[${Object.keys(ASCII_TABLE).filter((k) => k.length === 1).join('')}]`, 'gu');
const VULGAR_FRACTION = /(\d)(?=[\u00BC-\u00BE\u2150-\u215E])/g;
const UNKNOWN = '?';

/**
 * Text in printable ASCII (plus tab, line feed and carriage return): accents dropped ("Méndez" →
 * "Mendez"), typographic quotes, dashes and symbols spelled in ASCII, invisible characters removed.
 * A run of characters with no ASCII spelling (other scripts, emoji) becomes a single "?".
 */
export function toAscii(input: string): string {
  const s = String(input ?? '')
    .replace(/§§/g, 'Secs.')
    .replace(/¶¶/g, 'Paras.')
    .replace(VULGAR_FRACTION, '$1 ') // "2½" → "2 1/2", not "21/2"
    .replace(TABLE_RE, (c) => ASCII_TABLE[c] ?? c)
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    // NFKD can produce characters the table spells (e.g. "⁄" from "½", U+2010 from U+2011).
    .replace(TABLE_RE, (c) => ASCII_TABLE[c] ?? c);
  let out = '';
  let unknownRun = false;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0x09 || cp === 0x0a || cp === 0x0d || (cp >= 0x20 && cp <= 0x7e)) {
      out += ch;
      unknownRun = false;
    } else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || /[\p{Cf}\p{M}]/u.test(ch) || (cp >= 0xfe00 && cp <= 0xfe0f)) {
      // control, format and variation characters: nothing to show
    } else if (/\s/u.test(ch)) {
      out += ' ';
      unknownRun = false;
    } else if (!unknownRun) {
      out += UNKNOWN;
      unknownRun = true;
    }
  }
  return out;
}

// ---------------------------------------------------------------- splitting into parts

/** The smallest part limit the edition can honour: a heading plus a readable amount of text. */
export const MIN_PART_LIMIT = 100;

interface Token {
  /** White space before the word, as in the text (dropped at the start of a part). */
  sep: string;
  word: string;
  /** Length of the paragraph that starts with this word (only set at paragraph starts). */
  paragraph?: number;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /(\s*)(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) tokens.push({ sep: m[1], word: m[2] });
  // Paragraph lengths, for the choice of where a part ends.
  let start = 0;
  for (let i = 1; i <= tokens.length; i++) {
    if (i === tokens.length || tokens[i].sep.includes('\n\n')) {
      let len = tokens[start].word.length;
      for (let j = start + 1; j < i; j++) len += tokens[j].sep.length + tokens[j].word.length;
      tokens[start].paragraph = len;
      start = i;
    }
  }
  return tokens;
}

// Each part may be a separate message (prisons charge per message), so parts are filled; but a
// part that is already mostly full ends at a paragraph break, or at the end of a sentence or a
// line, rather than in the middle of one.
/** A part ends at a paragraph break rather than mid-paragraph once it is this full. */
const PARAGRAPH_BREAK_FILL = 0.8;
/** Within a paragraph, a part ends after a sentence or line if that leaves it at least this full. */
const SENTENCE_BREAK_FILL = 0.85;

const ABBREVIATION = /^(?:(?:[A-Za-z]\.)+|(?:Mr|Mrs|Ms|Dr|Pres|Sen|Rep|Gov|Gen|Lt|Sgt|Capt|Col|Det|Ofc|St|Mt|No|Nos|Inc|Co|Corp|Ltd|Jr|Sr|vs?|etc|Jan|Feb|Mar|Apr|Aug|Sept?|Oct|Nov|Dec|pp?|para|sec|Sec|Ch|Art|cert|ed|Cal|Ill|Fla|Tex|Pa|Mich|Ariz|Colo|Wis|Ala|Tenn|Mo|Ga|La|Wash|Ore|Okla|Ky|Va|Md|Mass|Conn|Minn|Miss|Ark|Kan|Neb|Nev)\.)["')\]]*$/;

function endsSentence(word: string, next: Token): boolean {
  return /[.!?]["')\]]*$/.test(word) && !ABBREVIATION.test(word) && /^[A-Z0-9"'(\[]/.test(next.word);
}

function joinTokens(tokens: Token[]): string {
  return tokens.map((t, i) => (i === 0 ? '' : t.sep) + t.word).join('');
}

/** Packs words into chunks of at most capacity(i) characters (i from 1); only a word longer than a whole chunk is cut. */
function pack(tokens: Token[], capacity: (i: number) => number): string[] {
  const chunks: string[] = [];
  let cur: Token[] = [];
  let len = 0;
  const cap = () => capacity(chunks.length + 1);
  const add = (t: Token) => {
    len += (cur.length ? t.sep.length : 0) + t.word.length;
    cur.push(t);
  };
  /** Ends the current chunk after its first `upto` tokens; the rest start the next one. */
  const flush = (upto: number) => {
    chunks.push(joinTokens(cur.slice(0, upto)));
    const rest = cur.slice(upto);
    cur = [];
    len = 0;
    for (const r of rest) add(r);
  };
  for (const t of tokens) {
    if (cur.length) {
      const c = cap();
      const joined = len + t.sep.length + t.word.length;
      const paragraphWontFit = t.paragraph !== undefined && len + t.sep.length + t.paragraph > c;
      if (joined <= c && !(paragraphWontFit && len >= c * PARAGRAPH_BREAK_FILL)) {
        add(t);
        continue;
      }
      let upto = cur.length;
      if (t.paragraph === undefined) {
        // In mid-paragraph: end after the last sentence or line in the chunk, if that is late enough.
        let at = len;
        for (let j = cur.length - 1; j >= 1; j--) {
          at -= cur[j].sep.length + cur[j].word.length;
          if (at < c * SENTENCE_BREAK_FILL) break;
          if (cur[j].sep.includes('\n') || endsSentence(cur[j - 1].word, cur[j])) {
            if (len - at - cur[j].sep.length + t.sep.length + t.word.length <= c) upto = j;
            break;
          }
        }
      }
      flush(upto);
      if (cur.length) {
        if (len + t.sep.length + t.word.length <= cap()) {
          add(t);
          continue;
        }
        flush(cur.length);
      }
    }
    let word = t.word;
    for (let c = cap(); word.length > c; c = cap()) {
      chunks.push(word.slice(0, c));
      word = word.slice(c);
    }
    add({ sep: '', word });
  }
  if (cur.length || chunks.length === 0) chunks.push(joinTokens(cur));
  return chunks;
}

/**
 * Splits text into parts of at most `limit` characters, each starting with heading(i, n). Words
 * are never cut, except a single word longer than a whole part, which is cut into pieces. White
 * space at a break is dropped; line breaks and blank lines elsewhere are kept.
 */
export function paginate(text: string, limit: number, heading: (i: number, n: number) => string): string[] {
  const tokens = tokenize(text);
  // The headings' lengths depend on the number of parts; guess, and guess again until it holds.
  let n = 1;
  for (let attempt = 0; attempt < 12; attempt++) {
    const capacity = (i: number) => {
      const c = limit - heading(i, n).length;
      if (c < 1) throw new RangeError(`A part limit of ${limit} characters leaves no room for text after the heading "${heading(i, n)}".`);
      return c;
    };
    const chunks = pack(tokens, capacity);
    if (String(chunks.length).length === String(n).length) return chunks.map((c, i) => heading(i + 1, chunks.length) + c);
    n = chunks.length;
  }
  throw new Error('paginate: the number of parts did not settle');
}

// ---------------------------------------------------------------- the edition

/** What the edition needs to know about the publication (a `Site` will do). */
export interface TextEditionSite {
  name: string;
}

export interface TextEditionOptions {
  /** Longest part, in characters, heading included. At least MIN_PART_LIMIT. */
  partLimit: number;
  /** The site's public address, e.g. "https://www.prisonlegalnews.org", for URLs written out. */
  baseUrl: string;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function longDate(iso: string | null): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}`;
}

function names(list: { name: string }[]): string {
  const n = list.map((p) => p.name);
  return n.length <= 1 ? n.join('') : `${n.slice(0, -1).join(', ')} and ${n[n.length - 1]}`;
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|nbsp);/gi, (m, e: string) => {
    const k = e.toLowerCase();
    if (k[0] === '#') {
      const cp = k[1] === 'x' ? parseInt(k.slice(2), 16) : Number(k.slice(1));
      return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' } as Record<string, string>)[k] ?? m;
  });
}

function absoluteUrl(href: string, baseUrl: string): string | null {
  try {
    const u = new URL(href, baseUrl + '/');
    return u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'mailto:' ? u.href : null;
  } catch {
    return null;
  }
}

/**
 * The links in the (already redacted) body HTML, with their addresses: the body text has the link
 * words only. Citation links are left out (the citation is in the text), and so are links whose
 * words are their address.
 */
export function bodyLinks(bodyHtml: string | null, baseUrl: string): { text: string; url: string }[] {
  if (!bodyHtml) return [];
  const out: { text: string; url: string }[] = [];
  const seen = new Set<string>();
  for (const m of bodyHtml.matchAll(/<a\b([^>]*)>([\s\S]*?)<\/a>/gi)) {
    const attrs = m[1];
    if (/\bclass="[^"]*\bcite\b[^"]*"/i.test(attrs)) continue;
    const href = /\bhref="([^"]*)"/i.exec(attrs)?.[1];
    if (!href) continue;
    const url = absoluteUrl(decodeEntities(href), baseUrl);
    if (!url || seen.has(url)) continue;
    const text = decodeEntities(m[2].replace(/<[^>]*>/g, '')).replace(/\s+/g, ' ').trim();
    const bare = (s: string) => s.replace(/^(https?:\/\/|mailto:)/i, '').replace(/\/$/, '');
    if (text && bare(text) === bare(url)) continue;
    seen.add(url);
    out.push({ text: text || url, url });
  }
  return out;
}

/** The whole edition as one text, before it is split: header, body, sources, links. */
export function textEditionContent(view: ArticleView, site: TextEditionSite, baseUrl: string): string {
  const url = baseUrl + view.url;
  const header: string[] = [view.title];
  if (view.dek) header.push(view.dek);
  if (view.authors.length) header.push(`By ${names(view.authors)}`);
  const date = longDate(view.publishedAt);
  header.push(date ? `${site.name}, ${date}` : site.name);
  if (view.citation) header.push(`Cite as: ${view.citation}`);
  header.push(`Online: ${url}`);

  const blocks = [header.join('\n')];
  blocks.push(view.bodyText ?? view.teaserText);
  if (view.sources.length) {
    blocks.push(['Sources:', ...view.sources.map((s) => (s.url ? `- ${s.name}: ${s.url}` : `- ${s.name}`))].join('\n'));
  }
  const links = bodyLinks(view.bodyHtml, baseUrl);
  if (links.length) blocks.push(['Links in this article:', ...links.map((l) => `- ${l.text}: ${l.url}`)].join('\n'));
  blocks.push(`[End of article${view.citation ? `. ${view.citation}` : ''}]`);

  return toAscii(blocks.join('\n\n'))
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The title cut to about `max` characters at a word boundary, for the headings of later parts. */
function shortTitle(title: string, max: number): string {
  const t = toAscii(title).replace(/\s+/g, ' ').trim();
  if (t.length <= max) return t;
  const cut = t.slice(0, Math.max(0, max - 3)).replace(/\s+\S*$/, '');
  return (cut || t.slice(0, Math.max(0, max - 3))) + '...';
}

/**
 * The plain-text edition of an article, as parts of at most `partLimit` characters, each headed
 * "Part i of n" (later parts also name the article, so a loose page can be placed). The view
 * must come from the presenter: without access its bodyText is null, and the caller should not
 * offer an edition at all.
 */
export function renderTextEdition(view: ArticleView, site: TextEditionSite, opts: TextEditionOptions): string[] {
  if (!Number.isInteger(opts.partLimit) || opts.partLimit < MIN_PART_LIMIT) {
    throw new RangeError(`The part limit must be a whole number of at least ${MIN_PART_LIMIT} characters, got ${opts.partLimit}.`);
  }
  const content = textEditionContent(view, site, opts.baseUrl.replace(/\/+$/, ''));
  const titleRoom = Math.min(60, Math.floor(opts.partLimit / 4));
  const title = shortTitle(view.title, titleRoom);
  const heading = (i: number, n: number) => (i === 1 || !title ? `Part ${i} of ${n}\n\n` : `Part ${i} of ${n} -- ${title}\n\n`);
  return paginate(content, opts.partLimit, heading);
}

/** The line between parts when all parts are sent as one document. */
export const PART_SEPARATOR = '\n\n' + '-'.repeat(40) + '\n\n';
