// Plain-text article import, in the form of the seed article:
//
//   Title line
//   One paragraph per line …
//   Sources: CBS News, Dropsite News, El Faro
//   As a digital subscriber to Prison Legal News, you can access …   (web footer: dropped)
//   Already a subscriber? Login                                        (web footer: dropped)
//
// Pure: the caller reads the file.

import { InputError, type ImportedArticle, type Source } from '../types.ts';
import { escapeMarkdownInline } from '../render.ts';
import { slugify } from '../slug.ts';

export const MAX_TITLE_LENGTH = 300;

/** Strip a byte-order mark and normalise CRLF / CR line ends to LF. */
export function normalizeText(text: string): string {
  return String(text ?? '').replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

// C0 controls except tab (LF is the line separator), DEL and C1 controls.
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;

/**
 * Throw an InputError naming the first line with a character that does not
 * belong in text: U+FFFD (the file was not valid UTF-8) or a control character.
 * `lines[0]` is line `firstLine` of the file.
 */
export function checkTextLines(lines: readonly string[], file: string, firstLine = 1): void {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const lineNo = firstLine + i;
    if (line.includes('\uFFFD')) {
      throw new InputError('file is not valid UTF-8 text (save it as UTF-8)', file, lineNo);
    }
    const m = CONTROL_RE.exec(line);
    if (m) {
      const code = m[0].charCodeAt(0);
      const hex = code.toString(16).toUpperCase().padStart(4, '0');
      const what = code === 0 ? 'a NUL character' : `a control character (U+${hex})`;
      throw new InputError(
        `line ${lineNo} contains ${what}; is this a binary or UTF-16 file? Save it as UTF-8 text`,
        file,
        lineNo,
      );
    }
  }
}

/** The number of characters as a reader counts them (code points, not UTF-16 units). */
export function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

// ---------------------------------------------------------------- sources

const SOURCES_RE = /^sources?\s*:\s*/i;

/** Split "CBS News, Dropsite News; https://elfaro.net/x" into sources. */
export function parseSourcesLine(list: string): Source[] {
  const out: Source[] = [];
  // A sentence-ending period after the last source is not part of its name ("…, El Faro.").
  const trimmed = list.trim();
  const body = /\b(inc|co|corp|ltd|llc|jr|sr|st|bros)\.$/i.test(trimmed) ? trimmed : trimmed.replace(/\.+$/, '');
  for (const part of body.split(/[,;]/)) {
    const s = part.trim().replace(/\s+/g, ' ');
    if (s === '') continue;
    out.push(sourceFromText(s));
  }
  return dedupeSources(out);
}

function sourceFromText(s: string): Source {
  if (/^(https?:\/\/|www\.)\S+$/i.test(s)) {
    const url = /^www\./i.test(s) ? `https://${s}` : s;
    try {
      const u = new URL(url);
      if ((u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '') {
        return { name: u.hostname.replace(/^www\./i, ''), url: u.href };
      }
    } catch {
      // not a URL after all: keep it as a name
    }
  }
  return { name: s, url: null };
}

export function dedupeSources(sources: Source[]): Source[] {
  const seen = new Map<string, Source>();
  for (const s of sources) {
    const key = s.name.toLowerCase();
    const prev = seen.get(key);
    if (!prev) seen.set(key, s);
    else if (prev.url === null && s.url !== null) seen.set(key, { name: prev.name, url: s.url });
  }
  return [...seen.values()];
}

// ---------------------------------------------------------------- footer

/** Lines of the web page's subscription footer, dropped wherever they appear. */
const FOOTER_ANYWHERE: RegExp[] = [
  /^as an? (digital |print |online |paid )?subscriber\b/i,
  /^already an? subscriber\s*\?/i,
];

/** Lines that are footer only at the end of the file (after the last paragraph). */
const FOOTER_AT_END: RegExp[] = [
  ...FOOTER_ANYWHERE,
  /^subscribe\b/i,
  /^(log ?in|sign ?in|register|subscribe)( now| today| here)?[.!]?$/i,
];

function isFooter(line: string, atEnd: boolean): boolean {
  return (atEnd ? FOOTER_AT_END : FOOTER_ANYWHERE).some((re) => re.test(line));
}

// ---------------------------------------------------------------- parse

export function parsePlainText(text: string, file: string): ImportedArticle {
  const lines = normalizeText(text).split('\n');
  checkTextLines(lines, file);

  const entries = lines
    .map((raw, i) => ({ text: raw.trim(), line: i + 1 }))
    .filter((e) => e.text !== '');
  if (entries.length === 0) throw new InputError('file is empty', file, 1);

  const [titleEntry, ...rest] = entries;
  const title = titleEntry.text.replace(/\s+/g, ' ');
  const titleLength = charLength(title);
  if (titleLength > MAX_TITLE_LENGTH) {
    throw new InputError(
      `title (the first line) is ${titleLength} characters long; at most ${MAX_TITLE_LENGTH} are allowed. ` +
        'Is the first line a paragraph rather than a title?',
      file,
      titleEntry.line,
    );
  }

  // The trailing block: footer lines and "Sources:" lines after the last paragraph.
  let tailStart = rest.length;
  while (tailStart > 0) {
    const t = rest[tailStart - 1].text;
    if (isFooter(t, true) || SOURCES_RE.test(t)) tailStart--;
    else break;
  }

  const paragraphs: string[] = [];
  const sources: Source[] = [];
  rest.forEach((e, i) => {
    if (SOURCES_RE.test(e.text)) {
      sources.push(...parseSourcesLine(e.text.replace(SOURCES_RE, '')));
      return;
    }
    if (isFooter(e.text, i >= tailStart)) return;
    paragraphs.push(escapeMarkdownInline(e.text));
  });

  if (paragraphs.length === 0) {
    throw new InputError('article has no body: expected paragraphs after the title line', file, titleEntry.line + 1);
  }

  return {
    slug: slugify(title),
    title,
    dek: null,
    bodyMarkdown: paragraphs.join('\n\n') + '\n',
    authors: [],
    topics: [],
    places: [],
    sources: dedupeSources(sources),
    access: null,
    status: null,
    publishedAt: null,
    issue: null,
    pageFirst: null,
    pageLast: null,
  };
}
