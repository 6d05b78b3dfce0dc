import type { ArticleView } from './article.ts';
import type { Site } from '../web/views/layout.tsx';
import { absoluteUrl, parseDate } from './feeds.ts';

// Citation export as RIS, BibTeX and CSL-JSON. Pure string builders: no I/O.
//
// Built from the presenter's ArticleView, and from its metadata only: title, authors, issue,
// pages, URL, topics and, as the abstract, the teaser. The body (bodyHtml / bodyText) is never
// read here, whoever the viewer is: a citation file is shared and imported into other tools.

export type CitationFormat = 'ris' | 'bibtex' | 'csl';

export interface CitationFile {
  contentType: string;
  filename: string;
  body: string;
}

export function exportCitation(a: ArticleView, site: Site, format: CitationFormat): CitationFile {
  const base = safeFilename(a.slug);
  switch (format) {
    case 'ris':
      return { contentType: 'application/x-research-info-systems', filename: `${base}.ris`, body: toRis(a, site) };
    case 'bibtex':
      return { contentType: 'application/x-bibtex; charset=utf-8', filename: `${base}.bib`, body: toBibtex(a, site) };
    case 'csl':
      return { contentType: 'application/vnd.citationstyles.csl+json', filename: `${base}.json`, body: toCslJson(a, site) };
    default:
      throw new RangeError(`unknown citation format: ${String(format)}`);
  }
}

// ---------------------------------------------------------------------------
// Shared metadata

function safeFilename(slug: string): string {
  const s = slug.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  return s || 'citation';
}

/** Control characters (and lone surrogates) have no place in a citation field. */
const CONTROL_RE = /[\u0000-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** One line of clean text: controls removed, every run of whitespace one space. */
function oneLine(s: string): string {
  return s.replace(/[\t\n\r\f\v]/g, ' ').replace(CONTROL_RE, '').replace(/\s+/g, ' ').trim();
}

/**
 * [year, month?, day?] the article is cited under. The print issue decides ("PLN, Mar. 2025");
 * the day comes from the publication date only when that falls in the issue's month.
 */
function issuedParts(a: ArticleView): [number] | [number, number] | [number, number, number] | null {
  const pub = parseDate(a.publishedAt);
  const pubParts: [number, number, number] | null = pub ? [pub.getUTCFullYear(), pub.getUTCMonth() + 1, pub.getUTCDate()] : null;
  if (a.issue) {
    if (pubParts && pubParts[0] === a.issue.year && pubParts[1] === a.issue.month) return pubParts;
    if (a.issue.month >= 1 && a.issue.month <= 12) return [a.issue.year, a.issue.month];
    return [a.issue.year];
  }
  return pubParts;
}

interface PersonName {
  family: string;
  given: string;
  suffix: string | null;
}

const NAME_SUFFIX_RE = /^(?:jr|sr)\.?$|^(?:ii|iii|iv)$/i;
const NAME_PARTICLES = new Set(['van', 'von', 'der', 'den', 'de', 'del', 'della', 'di', 'da', 'dos', 'das', 'du', 'la', 'le', 'ter', 'ten', 'bin', 'ibn', 'al', 'el', 'st.']);
/** Bylines that are not a person ("PLN Staff", "The Editors"): kept whole. */
const CORPORATE_RE = /\b(?:staff|editors?|editorial|desk|news|press|association|project|institute|center|centre|committee)\b/i;

/**
 * "Nayib Bukele" → family "Bukele", given "Nayib"; "Ana María Méndez Dardón" → "Dardón",
 * "Ana María Méndez" (split on the last space, as reference managers do); "Ludwig van
 * Beethoven" keeps the particle with the family name; "Martin Luther King Jr." keeps the suffix.
 * "Smith, Jane" is taken as already inverted. null: one word or a corporate byline.
 */
function splitName(raw: string): PersonName | null {
  const name = oneLine(raw);
  if (CORPORATE_RE.test(name)) return null;
  const comma = /^([^,]+),\s*([^,]+?)(?:,\s*([^,]+))?$/.exec(name);
  if (comma) return { family: comma[1].trim(), given: comma[2].trim(), suffix: comma[3]?.trim() ?? null };
  const words = name.split(' ').filter(Boolean);
  let suffix: string | null = null;
  if (words.length >= 3 && NAME_SUFFIX_RE.test(words[words.length - 1])) suffix = words.pop()!;
  if (words.length < 2) return null;
  let familyStart = words.length - 1;
  while (familyStart > 1 && NAME_PARTICLES.has(words[familyStart - 1].toLowerCase()) && words[familyStart - 1] === words[familyStart - 1].toLowerCase()) familyStart--;
  return { family: words.slice(familyStart).join(' '), given: words.slice(0, familyStart).join(' '), suffix };
}

function pageRange(a: ArticleView): { first: number; last: number } | null {
  if (!a.pages) return null;
  return { first: a.pages.first, last: Math.max(a.pages.first, a.pages.last) };
}

// ---------------------------------------------------------------------------
// RIS

/** RIS as Zotero, EndNote and Mendeley read it: "TAG  - value", CRLF, ending in "ER  - ". */
function toRis(a: ArticleView, site: Site): string {
  const lines: string[] = [];
  const add = (tag: string, value: string | number | null | undefined): void => {
    if (value === null || value === undefined) return;
    const v = oneLine(String(value));
    if (v !== '') lines.push(`${tag}  - ${v}`);
  };
  // A monthly magazine with volume, issue and pages: MGZN (Zotero: magazineArticle).
  add('TY', 'MGZN');
  add('TI', a.title);
  for (const author of a.authors) {
    const n = splitName(author.name);
    add('AU', n ? [n.family, n.given, n.suffix].filter(Boolean).join(', ') : author.name);
  }
  const issued = issuedParts(a);
  if (issued) {
    add('PY', issued[0]);
    const [y, m, d] = issued;
    add('DA', `${y}/${m === undefined ? '' : pad2(m)}/${d === undefined ? '' : pad2(d)}`);
  }
  add('T2', site.name);
  add('J2', site.abbreviation);
  add('VL', a.issue?.volume);
  add('IS', a.issue?.number);
  const pages = pageRange(a);
  if (pages) {
    add('SP', pages.first);
    if (pages.last > pages.first) add('EP', pages.last);
  }
  add('SN', site.issn);
  add('UR', absoluteUrl(site, a.url));
  for (const t of a.topics) add('KW', t.name);
  add('AB', a.teaserText);
  add('LA', 'en');
  lines.push('ER  - ');
  return lines.join('\r\n') + '\r\n';
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

// ---------------------------------------------------------------------------
// BibTeX

const BIBTEX_MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

const BIBTEX_ASCII: Readonly<Record<string, string>> = {
  '\\': '\\textbackslash{}',
  '{': '\\{',
  '}': '\\}',
  '&': '\\&',
  '%': '\\%',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
};

/** Non-ASCII characters with a LaTeX spelling that does not come from decomposition. */
const BIBTEX_SPECIAL: Readonly<Record<string, string>> = {
  ß: '{\\ss}', æ: '{\\ae}', Æ: '{\\AE}', œ: '{\\oe}', Œ: '{\\OE}', ø: '{\\o}', Ø: '{\\O}',
  ł: '{\\l}', Ł: '{\\L}', ı: '{\\i}', å: '{\\aa}', Å: '{\\AA}', ð: '{\\dh}', Ð: '{\\DH}', þ: '{\\th}', Þ: '{\\TH}',
  '\u2018': '`', '\u2019': "'", '\u201A': ',', '\u201C': '``', '\u201D': "''", '\u201E': ',,',
  '\u2013': '--', '\u2014': '---', '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2212': '-',
  '\u2026': '{\\ldots}', '\u00A0': '~', '\u2009': '\\,', '\u00A7': '{\\S}', '\u00B6': '{\\P}',
  '\u00A9': '{\\textcopyright}', '\u00AE': '{\\textregistered}', '\u2122': '{\\texttrademark}',
  '\u00AB': '{\\guillemotleft}', '\u00BB': '{\\guillemotright}', '\u00B0': '{\\textdegree}',
  '\u00BF': '{?`}', '\u00A1': '{!`}', '\u20AC': '{\\texteuro}', '\u00A3': '{\\pounds}', '\u2022': '{\\textbullet}',
};

/** Combining marks → LaTeX accent commands. */
const BIBTEX_ACCENTS: Readonly<Record<string, string>> = {
  '\u0300': '`', '\u0301': "'", '\u0302': '^', '\u0303': '~', '\u0304': '=', '\u0306': 'u', '\u0307': '.',
  '\u0308': '"', '\u030A': 'r', '\u030B': 'H', '\u030C': 'v', '\u0323': 'd', '\u0327': 'c', '\u0328': 'k',
};

/** One character of a BibTeX field, as LaTeX that is ASCII and brace-balanced. */
function bibtexChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  if (cp < 0x80) return BIBTEX_ASCII[ch] ?? ch;
  const special = BIBTEX_SPECIAL[ch];
  if (special !== undefined) return special;
  const [base, ...marks] = Array.from(ch.normalize('NFD'));
  if (marks.length > 0 && base.codePointAt(0)! < 0x80 && /[A-Za-z]/.test(base) && marks.every((m) => BIBTEX_ACCENTS[m] !== undefined)) {
    // "í" → {\'{\i}}: the dotless i carries the accent, as LaTeX expects.
    let out = base === 'i' ? '\\i' : base === 'j' ? '\\j' : base;
    for (const m of marks) out = `\\${BIBTEX_ACCENTS[m]}{${out}}`;
    return `{${out}}`;
  }
  // Anything else (Greek, CJK, emoji, …): the UTF-8 character itself, braced so that
  // styles never split or case-change it. The file is served as UTF-8.
  return `{${ch}}`;
}

/** Text for a BibTeX field: specials escaped, non-ASCII as LaTeX or braced, one line. */
export function bibtexEscape(s: string): string {
  let out = '';
  for (const ch of oneLine(s).normalize('NFC')) out += bibtexChar(ch);
  return out;
}

/** "Bukele, Nayib"; a one-word or corporate byline braced whole so BibTeX does not split it. */
function bibtexName(raw: string): string {
  const n = splitName(raw);
  if (!n) return `{${bibtexEscape(raw)}}`;
  const part = (s: string) => (/\band\b/i.test(s) ? `{${bibtexEscape(s)}}` : bibtexEscape(s));
  return [part(n.family), ...(n.suffix ? [part(n.suffix)] : []), part(n.given)].join(', ');
}

const FOLD: Readonly<Record<string, string>> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', ı: 'i', ð: 'd', þ: 'th' };

/** Folds to ASCII letters and digits: "Méndez" → "mendez". */
function asciiFold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[ßæœøłıðþ]/gi, (ch) => FOLD[ch.toLowerCase()] ?? '')
    .toLowerCase();
}

const KEY_STOPWORDS = new Set([
  'a', 'an', 'the', 'and', 'or', 'but', 'nor', 'of', 'on', 'in', 'into', 'to', 'for', 'at', 'by', 'with', 'from', 'as', 'over',
  'after', 'about', 'is', 'are', 'was', 'were', 'be', 'its', 'it', 'this', 'that', 'how', 'why', 'what', 'when', 'who', 's',
]);

/** "pln2025bukele": abbreviation, year, first significant title word; ASCII letters and digits only. */
export function bibtexKey(a: ArticleView, site: Site): string {
  const abbr = asciiFold(site.abbreviation).replace(/[^a-z0-9]/g, '');
  const year = issuedParts(a)?.[0] ?? '';
  const words = asciiFold(a.title).split(/[^a-z0-9]+/).filter(Boolean);
  const word = words.find((w) => !KEY_STOPWORDS.has(w)) ?? words[0] ?? '';
  const key = `${abbr}${year}${word}`;
  // A key must start with a letter for some tools.
  return /^[a-z]/.test(key) ? key : `a${key}`;
}

function toBibtex(a: ArticleView, site: Site): string {
  const fields: [string, string][] = [];
  const braced = (name: string, value: string | number | null | undefined): void => {
    if (value === null || value === undefined || String(value).trim() === '') return;
    fields.push([name, `{${bibtexEscape(String(value))}}`]);
  };
  // Double braces keep the title's capitalisation in styles that lower-case titles.
  fields.push(['title', `{{${bibtexEscape(a.title)}}}`]);
  if (a.authors.length > 0) fields.push(['author', `{${a.authors.map((x) => bibtexName(x.name)).join(' and ')}}`]);
  braced('journal', site.name);
  const issued = issuedParts(a);
  if (issued) {
    fields.push(['year', String(issued[0])]);
    const m = issued[1];
    if (m !== undefined) fields.push(['month', BIBTEX_MONTHS[m - 1]]);
  }
  braced('volume', a.issue?.volume);
  braced('number', a.issue?.number);
  const pages = pageRange(a);
  if (pages) fields.push(['pages', pages.last > pages.first ? `{${pages.first}--${pages.last}}` : `{${pages.first}}`]);
  braced('issn', site.issn);
  // URLs are read verbatim (url/hyperref, biblatex): not LaTeX-escaped; characters that
  // would break the braces or the line are percent-encoded instead.
  fields.push(['url', `{${bibtexUrl(absoluteUrl(site, a.url))}}`]);
  braced('note', a.citation);
  if (a.topics.length > 0) braced('keywords', a.topics.map((t) => t.name).join(', '));
  braced('abstract', a.teaserText);
  braced('language', 'english');
  const width = Math.max(...fields.map(([k]) => k.length));
  return `@article{${bibtexKey(a, site)},\n${fields.map(([k, v]) => `  ${k.padEnd(width)} = ${v}`).join(',\n')}\n}\n`;
}

function bibtexUrl(url: string): string {
  return url.replace(/[{}\\\s\u0000-\u001F\u007F]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

// ---------------------------------------------------------------------------
// CSL-JSON

interface CslName {
  family?: string;
  given?: string;
  suffix?: string;
  literal?: string;
}

function toCslJson(a: ArticleView, site: Site): string {
  const item: Record<string, unknown> = {
    id: a.slug,
    type: 'article-magazine',
    title: oneLine(a.title),
  };
  if (a.authors.length > 0) {
    item.author = a.authors.map((x): CslName => {
      const n = splitName(x.name);
      if (!n) return { literal: oneLine(x.name) };
      return n.suffix ? { family: n.family, given: n.given, suffix: n.suffix } : { family: n.family, given: n.given };
    });
  }
  item['container-title'] = site.name;
  item['container-title-short'] = site.abbreviation;
  const issued = issuedParts(a);
  if (issued) item.issued = { 'date-parts': [issued] };
  if (a.issue?.volume != null) item.volume = String(a.issue.volume);
  if (a.issue?.number != null) item.issue = String(a.issue.number);
  const pages = pageRange(a);
  if (pages) item.page = pages.last > pages.first ? `${pages.first}-${pages.last}` : String(pages.first);
  if (site.issn) item.ISSN = site.issn;
  item.URL = absoluteUrl(site, a.url);
  if (a.topics.length > 0) item.keyword = a.topics.map((t) => oneLine(t.name)).join(', ');
  const abstract = oneLine(a.teaserText);
  if (abstract) item.abstract = abstract;
  item.language = 'en';
  return JSON.stringify([item], null, 2) + '\n';
}
