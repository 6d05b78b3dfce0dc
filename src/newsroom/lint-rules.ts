// The editorial checks as pure functions: an article plus a context object (what the archive
// holds: publications, issues, the articles on cited pages, titles in use, link targets) in,
// findings out. No I/O: src/newsroom/lint.ts gathers the context from the store; tests build it
// from tables with contextFromFacts().

import type { ArticleStatus, ImportedArticle, PrintCitation } from '../domain/types.ts';
import { findCitations, formatCitation, parseCiteParams } from '../domain/citations.ts';
import { renderMarkdown } from '../domain/render.ts';
import { checkDates, findDateMentions, storyYears } from './lint-dates.ts';
import {
  type Field, type FoundLink,
  curlyQuotes, excerptAround, findLinks, lineOf, makeField, maskSeeBrackets, titleKey,
} from './lint-text.ts';

export interface LintFinding {
  /** Which check: see RULES. */
  rule: string;
  /** What is wrong and why it matters, in a sentence or two. */
  message: string;
  /**
   * The words the finding is about, verbatim from the title, dek or body Markdown (so an editor
   * can find them); '' for findings about the whole article (no sources). With `rule`, it
   * identifies the finding when it is dismissed.
   */
  excerpt: string;
  /** How to fix it, in words; null when there is nothing to suggest. */
  suggestion: string | null;
  /** 1-based line in the body Markdown; null for the title, dek, sources and the article as a whole. */
  line: number | null;
  /** When the fix is mechanical: the text to put in place of `excerpt`. */
  replacement?: string | null;
  /** Only with includeDismissed: an editor dismissed this finding for this article. */
  dismissed?: boolean;
}

/** Every check, with what it looks for (for --help and the editor). */
export const RULES: Readonly<Record<string, string>> = {
  'citation-unresolved': 'a print citation that links to no article: unknown publication, no such issue in the archive, or no article on that page',
  'citation-ambiguous': 'a print citation whose page is covered by more than one article',
  'citation-future-issue': 'a print citation to an issue that does not exist yet',
  date: 'a date whose year does not fit the story (e.g. "reported on March 30, 2015" in a story of 2025)',
  'sources-missing': 'an article without sources',
  'teaser-too-short': 'a teaser (the text before <!--more-->, or the first paragraph) too short to tell readers what the story is',
  'teaser-too-long': 'a teaser that gives away too much (or, on a premium article, everything)',
  'link-malformed': 'a link whose address cannot work (typo in http://, spaces, missing https://, unsupported scheme)',
  'link-broken': 'a link to a page of this site that does not exist (or is not published)',
  'title-in-use': 'a title another article already has',
  'straight-quotes': 'straight quotation marks (" and \') where print uses curly ones',
  'double-spaces': 'two or more spaces between words',
};

export const TEASER_MIN_WORDS = 20;
export const TEASER_MAX_WORDS = 120;

// ---------------------------------------------------------------- context

export interface PlacedArticle {
  slug: string;
  title: string;
  pageFirst: number;
  pageLast: number;
}

export interface ArticleFact {
  slug: string;
  title: string;
  status: ArticleStatus;
  publishedAt: string | null;
  /** Where it appeared in print, when it did. */
  publication?: string | null;
  year?: number | null;
  month?: number | null;
  pageFirst?: number | null;
  pageLast?: number | null;
}

export type TermKind = 'topics' | 'states' | 'countries' | 'sources' | 'authors';

/** What the checks need to know about the archive, as plain tables. */
export interface ArchiveFacts {
  now: string;
  /** Publication abbreviations. */
  publications: string[];
  /** Print issues: at least the cited ones that exist and each publication's latest. */
  issues: { publication: string; year: number; month: number }[];
  /** Articles: at least those in cited issues and those linked to. */
  articles: ArticleFact[];
  /** Titles in use (all articles), for "title already used". */
  titles: { slug: string; title: string }[];
  /** Topics, places, sources and authors that exist (at least the linked ones). */
  terms: { kind: TermKind; slug: string }[];
  /** Origins of this site (e.g. "https://news.example.org"): absolute links there are checked like /paths. */
  siteOrigins?: string[];
}

export interface LintContext {
  /** The slug of the article being checked: it never counts as "another article". */
  slug: string | null;
  now: string;
  publications: ReadonlySet<string>;
  issueExists(publication: string, year: number, month: number): boolean;
  latestIssue(publication: string): { year: number; month: number } | null;
  /** Articles covering a page, in the order the citation link picks them (the first one wins). */
  articlesAtPage(publication: string, year: number, month: number, page: number): PlacedArticle[];
  /** Articles of an issue, by first page. */
  issueArticles(publication: string, year: number, month: number): PlacedArticle[];
  article(slug: string): { title: string; status: ArticleStatus; publishedAt: string | null } | null;
  /** Other articles with the same title (case, accents, quotes and punctuation aside). */
  titleUsedBy(title: string): { slug: string; title: string }[];
  termExists(kind: TermKind, slug: string): boolean;
  yearHasIssues(year: number): boolean;
  siteOrigins: readonly string[];
}

const issueKey = (pub: string, year: number, month: number) => `${pub.toUpperCase()} ${year}-${month}`;

export function contextFromFacts(facts: ArchiveFacts, slug: string | null): LintContext {
  const publications = new Set(facts.publications.map((p) => p.toUpperCase()));
  const issues = new Set(facts.issues.map((i) => issueKey(i.publication, i.year, i.month)));
  const latest = new Map<string, { year: number; month: number }>();
  for (const i of facts.issues) {
    const p = i.publication.toUpperCase();
    const cur = latest.get(p);
    if (!cur || i.year * 12 + i.month > cur.year * 12 + cur.month) latest.set(p, { year: i.year, month: i.month });
  }
  const years = new Set(facts.issues.map((i) => i.year));
  const byIssue = new Map<string, PlacedArticle[]>();
  const bySlug = new Map<string, ArticleFact>();
  for (const a of facts.articles) {
    if (!bySlug.has(a.slug)) bySlug.set(a.slug, a);
    if (a.slug === slug || !a.publication || !a.year || !a.month || a.pageFirst == null) continue;
    const k = issueKey(a.publication, a.year, a.month);
    const list = byIssue.get(k) ?? [];
    if (!list.some((x) => x.slug === a.slug)) list.push({ slug: a.slug, title: a.title, pageFirst: a.pageFirst, pageLast: a.pageLast ?? a.pageFirst });
    byIssue.set(k, list);
  }
  const titles = new Map<string, { slug: string; title: string }[]>();
  for (const t of facts.titles) {
    const k = titleKey(t.title);
    if (k === '') continue;
    const list = titles.get(k) ?? [];
    if (!list.some((x) => x.slug === t.slug)) list.push(t);
    titles.set(k, list);
  }
  const terms = new Set(facts.terms.map((t) => `${t.kind}/${t.slug}`));
  return {
    slug,
    now: facts.now,
    publications,
    issueExists: (p, y, m) => issues.has(issueKey(p, y, m)),
    latestIssue: (p) => latest.get(p.toUpperCase()) ?? null,
    articlesAtPage(p, y, m, page) {
      const list = (byIssue.get(issueKey(p, y, m)) ?? []).filter((a) => a.pageFirst <= page && a.pageLast >= page);
      // As the citation resolver: the latest-starting article covering the page, then the oldest.
      return list.map((a, i) => ({ a, i })).sort((x, y2) => y2.a.pageFirst - x.a.pageFirst || x.i - y2.i).map((x) => x.a);
    },
    issueArticles: (p, y, m) => [...(byIssue.get(issueKey(p, y, m)) ?? [])].sort((a, b) => a.pageFirst - b.pageFirst),
    article: (s) => bySlug.get(s) ?? null,
    titleUsedBy: (t) => (titles.get(titleKey(t)) ?? []).filter((x) => x.slug !== slug),
    termExists: (kind, s) => terms.has(`${kind}/${s}`),
    yearHasIssues: (y) => years.has(y),
    siteOrigins: (facts.siteOrigins ?? []).map((o) => o.replace(/\/+$/, '').toLowerCase()),
  };
}

// ---------------------------------------------------------------- what to look up

export interface LintDocument {
  article: ImportedArticle;
  fields: Field[];
  body: Field;
  citations: { citation: PrintCitation; start: number; end: number }[];
  links: FoundLink[];
  /** Years the story is set in: publication date, issue, and the year most of its dates fall in. */
  storyYears: number[];
}

export function prepare(article: ImportedArticle): LintDocument {
  const body = makeField('body', article.bodyMarkdown ?? '');
  const fields = [makeField('title', article.title ?? ''), ...(article.dek ? [makeField('dek', article.dek)] : []), body];
  const citations: LintDocument['citations'] = [];
  for (const g of findCitations(body.prose)) for (const c of g.citations) citations.push({ citation: c, start: g.start, end: g.end });
  const years = new Set(storyYears({ publishedAt: article.publishedAt, issueYear: article.issue?.year ?? null }));
  const counts = new Map<number, number>();
  for (const f of fields) for (const m of findDateMentions(maskSeeBrackets(f.prose))) counts.set(m.year, (counts.get(m.year) ?? 0) + 1);
  for (const c of citations) counts.set(c.citation.year, (counts.get(c.citation.year) ?? 0) + 1);
  let textYear: number | null = null;
  let best = 0;
  for (const [y, n] of counts) if (n > best || (n === best && textYear !== null && y > textYear)) [textYear, best] = [y, n];
  if (textYear !== null) years.add(textYear);
  return { article, fields, body, citations, links: findLinks(body.text), storyYears: [...years] };
}

/** Internal paths of this site that an article may link to. */
export type SitePath =
  | { kind: 'static' }
  | { kind: 'article'; slug: string }
  | { kind: 'issue'; year: number; month: number }
  | { kind: 'issue-year'; year: number }
  | { kind: 'term'; term: TermKind; slug: string }
  | { kind: 'cite'; publication: string; year: number; month: number; page: number }
  | { kind: 'unknown' };

const STATIC_PATHS = new Set([
  '/', '/articles', '/issues', '/topics', '/states', '/countries', '/sources', '/authors', '/search', '/subscribe',
  '/login', '/signup', '/reset', '/account', '/feed.xml', '/feed.atom', '/sitemap.xml', '/sitemap-pages.xml',
  '/sitemap-news.xml', '/robots.txt', '/favicon.svg', '/favicon.ico', '/healthz', '/admin',
]);

export function classifyPath(rawPath: string): SitePath {
  let p = rawPath.replace(/[?#].*$/s, '');
  try {
    p = decodeURI(p);
  } catch {
    return { kind: 'unknown' };
  }
  if (p.length > 1) p = p.replace(/\/+$/, '');
  if (STATIC_PATHS.has(p) || p.startsWith('/admin/')) return { kind: 'static' };
  const seg = p.split('/').slice(1);
  if ((seg[0] === 'articles' && (seg.length === 2 || (seg.length === 3 && seg[2] === 'print'))) && seg[1]) return { kind: 'article', slug: seg[1] };
  if (seg[0] === 'api' && seg[1] === 'v1' && seg[2] === 'articles' && seg[3]) return { kind: 'article', slug: seg[3] };
  if (seg[0] === 'issues' && seg.length === 2 && /^\d{4}$/.test(seg[1])) return { kind: 'issue-year', year: Number(seg[1]) };
  if (seg[0] === 'issues' && seg.length === 3 && /^\d{4}$/.test(seg[1]) && /^\d{1,2}$/.test(seg[2]) && Number(seg[2]) >= 1 && Number(seg[2]) <= 12) {
    return { kind: 'issue', year: Number(seg[1]), month: Number(seg[2]) };
  }
  if (seg.length === 2 && ['topics', 'states', 'countries', 'sources', 'authors'].includes(seg[0]) && seg[1]) return { kind: 'term', term: seg[0] as TermKind, slug: seg[1] };
  if (seg[0] === 'cite' && seg.length === 5) {
    const c = parseCiteParams(seg[1], seg[2], seg[3], seg[4]);
    if (c) return { kind: 'cite', ...c };
  }
  return { kind: 'unknown' };
}

/** The path of an address that points at this site, or null. */
function internalPath(url: string, ctx: Pick<LintContext, 'siteOrigins'>): string | null {
  if (url.startsWith('/') && !url.startsWith('//')) return url;
  try {
    const u = new URL(url);
    if (ctx.siteOrigins.includes(u.origin.toLowerCase())) return u.pathname + u.search + u.hash;
  } catch {
    // not absolute
  }
  return null;
}

/** What lintArticle must look up in the store to build the context for this document. */
export function lookups(doc: LintDocument, siteOrigins: readonly string[] = []): {
  issues: { publication: string; year: number; month: number }[];
  articleSlugs: string[];
  terms: { kind: TermKind; slug: string }[];
  issueYears: number[];
} {
  const issues = new Map<string, { publication: string; year: number; month: number }>();
  const addIssue = (publication: string, year: number, month: number) => issues.set(issueKey(publication, year, month), { publication: publication.toUpperCase(), year, month });
  for (const { citation: c } of doc.citations) {
    addIssue(c.publication, c.year, c.month);
    for (const y of doc.storyYears) if (y !== c.year) addIssue(c.publication, y, c.month);
  }
  const articleSlugs = new Set<string>();
  const terms = new Map<string, { kind: TermKind; slug: string }>();
  const years = new Set<number>();
  const probe = { siteOrigins: siteOrigins.map((o) => o.toLowerCase()) };
  for (const l of doc.links) {
    const path = internalPath(l.url, probe);
    if (path === null) continue;
    const p = classifyPath(path);
    if (p.kind === 'article') articleSlugs.add(p.slug);
    else if (p.kind === 'issue') years.add(p.year);
    else if (p.kind === 'issue-year') years.add(p.year);
    else if (p.kind === 'term') terms.set(`${p.term}/${p.slug}`, { kind: p.term, slug: p.slug });
    else if (p.kind === 'cite') addIssue(p.publication, p.year, p.month);
  }
  return { issues: [...issues.values()], articleSlugs: [...articleSlugs], terms: [...terms.values()], issueYears: [...years] };
}

// ---------------------------------------------------------------- rules

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function quoteTitle(t: string): string {
  return `“${t.length > 80 ? t.slice(0, 77) + '…' : t}”`;
}

function pagesOf(a: PlacedArticle): string {
  return a.pageLast > a.pageFirst ? `pp.${a.pageFirst}-${a.pageLast}` : `p.${a.pageFirst}`;
}

/** Another year in which the same citation would resolve to exactly one article. */
function alternateCitation(c: PrintCitation, doc: LintDocument, ctx: LintContext): string | null {
  for (const y of doc.storyYears) {
    if (y === c.year) continue;
    const found = ctx.articlesAtPage(c.publication, y, c.month, c.pageFirst);
    if (found.length === 1) return `${formatCitation({ ...c, year: y })} (${quoteTitle(found[0].title)})`;
  }
  return null;
}

export function checkCitations(doc: LintDocument, ctx: LintContext): LintFinding[] {
  const out: LintFinding[] = [];
  for (const { citation: c, start } of doc.citations) {
    const line = lineOf(doc.body, start);
    const issueName = `${c.publication}, ${MONTH_NAMES[c.month - 1]} ${c.year}`;
    const base = { excerpt: c.text, line };
    const alt = alternateCitation(c, doc, ctx);
    const altHint = alt ? `Did you mean ${alt}?` : null;
    if (!ctx.publications.has(c.publication.toUpperCase())) {
      const known = [...ctx.publications];
      out.push({
        rule: 'citation-unresolved', ...base,
        message: `"${c.text}" cites ${c.publication}, which is not a publication of this archive, so it will not link to an article.`,
        suggestion: known.length ? `Check the abbreviation: this archive publishes ${known.join(', ')}. A citation of another publication can stay as it is (dismiss this finding).` : 'Add the publication first, or dismiss this finding for a citation of another publication.',
      });
      continue;
    }
    if (!ctx.issueExists(c.publication, c.year, c.month)) {
      const latest = ctx.latestIssue(c.publication);
      const nowYm = Number(ctx.now.slice(0, 4)) * 12 + Number(ctx.now.slice(5, 7));
      const citedYm = c.year * 12 + c.month;
      const future = citedYm > nowYm || (latest !== null && citedYm > latest.year * 12 + latest.month);
      if (future) {
        out.push({
          rule: 'citation-future-issue', ...base,
          message: `"${c.text}" cites the ${issueName} issue, which does not exist yet${latest ? ` (the latest ${c.publication} issue is ${MONTH_NAMES[latest.month - 1]} ${latest.year})` : ''}: the citation cannot link to anything.`,
          suggestion: altHint ?? 'Check the month and year; if the issue is being prepared, create it and place the cited article on that page before publishing.',
        });
      } else {
        out.push({
          rule: 'citation-unresolved', ...base,
          message: `"${c.text}" cites the ${issueName} issue, which is not in the archive, so it will not link to an article.`,
          suggestion: altHint ?? 'Check the month and year, or add that issue and its articles to the archive.',
        });
      }
      continue;
    }
    const found = ctx.articlesAtPage(c.publication, c.year, c.month, c.pageFirst);
    if (found.length === 0) {
      const inIssue = ctx.issueArticles(c.publication, c.year, c.month);
      const nearest = inIssue.slice().sort((a, b) => Math.abs(a.pageFirst - c.pageFirst) - Math.abs(b.pageFirst - c.pageFirst))[0];
      out.push({
        rule: 'citation-unresolved', ...base,
        message: `No article in the ${issueName} issue covers page ${c.pageFirst}, so "${c.text}" will not link to anything.`,
        suggestion: altHint ?? (nearest
          ? `Check the page: the nearest article starts on p.${nearest.pageFirst} (${quoteTitle(nearest.title)}, ${pagesOf(nearest)}). Or give the cited article its pages in that issue.`
          : 'No article of that issue has pages yet: place the cited article on its page in the issue.'),
      });
    } else if (found.length > 1) {
      out.push({
        rule: 'citation-ambiguous', ...base,
        message: `Page ${c.pageFirst} of the ${issueName} issue is covered by ${found.length} articles (${found.map((a) => `${quoteTitle(a.title)}, ${pagesOf(a)}`).join('; ')}); "${c.text}" links to the first.`,
        suggestion: `Fix the page ranges in that issue so that one article covers page ${c.pageFirst}, or cite the page where the intended article starts.`,
      });
    }
  }
  return out;
}

export function checkDateYears(doc: LintDocument): LintFinding[] {
  return checkDates(doc.fields, {
    publishedAt: doc.article.publishedAt,
    issueYear: doc.article.issue?.year ?? null,
    sources: doc.article.sources.map((s) => s.name),
  });
}

export function checkSources(doc: LintDocument): LintFinding[] {
  if (doc.article.sources.some((s) => s.name.trim() !== '')) return [];
  return [{
    rule: 'sources-missing', excerpt: '', line: null,
    message: 'This article names no sources. Readers (and other outlets) rely on them to check the story, and the archive can be filtered by source.',
    suggestion: 'Add a last line "Sources: Outlet One, Outlet Two" (plain text) or a `sources:` list in the front matter or the editor.',
  }];
}

function countWords(s: string): number {
  let n = 0;
  for (const w of s.split(/\s+/)) if (/[\p{L}\p{N}]/u.test(w)) n++;
  return n;
}

export function checkTeaser(doc: LintDocument): LintFinding[] {
  const rendered = renderMarkdown(doc.article.bodyMarkdown ?? '');
  const teaserWords = countWords(rendered.teaserText);
  const bodyWords = rendered.wordCount;
  const text = doc.body.text;
  // The excerpt: the start of the first line of text.
  const first = /[^\s]/.exec(doc.body.prose);
  const at = first ? first.index : 0;
  const ex = excerptAround(text, at, at, 0, 8);
  const base = { excerpt: text.slice(ex.start, ex.end), line: lineOf(doc.body, at) };
  const hasMarker = /^ {0,3}<!--[ \t]*more[ \t]*-->[ \t]*$/im.test(text);
  const teaserWhat = hasMarker ? 'The teaser (the text before <!--more-->)' : 'The teaser (the first paragraph, as there is no <!--more--> marker)';
  if (bodyWords === 0) return [];
  if (doc.article.access === 'premium' && teaserWords >= bodyWords && bodyWords > TEASER_MIN_WORDS) {
    return [{
      rule: 'teaser-too-long', ...base,
      message: `${teaserWhat} is the whole article: on a premium article, readers without a subscription would see all of it.`,
      suggestion: 'Split the text into paragraphs, or put <!--more--> on a line of its own after the opening paragraph.',
    }];
  }
  if (teaserWords < TEASER_MIN_WORDS && bodyWords > teaserWords) {
    return [{
      rule: 'teaser-too-short', ...base,
      message: `${teaserWhat} has ${teaserWords} word${teaserWords === 1 ? '' : 's'}; lists, feeds and readers without a subscription see only the teaser, and fewer than ${TEASER_MIN_WORDS} words rarely tell them what the story is.`,
      suggestion: hasMarker ? 'Move <!--more--> further down, after the paragraph that says what happened.' : 'Open with a paragraph that says what happened, to whom, and where, or mark the end of the teaser with <!--more-->.',
    }];
  }
  if (teaserWords > TEASER_MAX_WORDS) {
    return [{
      rule: 'teaser-too-long', ...base,
      message: `${teaserWhat} has ${teaserWords} words (more than ${TEASER_MAX_WORDS}): it crowds lists and feeds, and on a premium article gives away much of the story.`,
      suggestion: 'Put <!--more--> on a line of its own after the first two or three sentences, or shorten the opening paragraph.',
    }];
  }
  return [];
}

/** Why an address cannot work, or null when it can (internal paths are checked separately). */
function badAddress(url: string): { message: string; suggestion: string | null; replacement: string | null } | null {
  if (url.trim() === '') return { message: 'A link has no address.', suggestion: 'Fill in the address, or remove the link.', replacement: null };
  if (url.startsWith('#')) return null;
  if (/\s/.test(url.trim())) {
    const fixed = url.trim().replace(/\s+/g, '%20');
    return { message: `The address "${url}" contains a space; browsers stop or mangle it there.`, suggestion: `Remove the space, or write it as %20: ${fixed}`, replacement: fixed };
  }
  if (url.startsWith('//')) {
    return { message: `"${url}" has no scheme; the article page drops such links.`, suggestion: `Write it with https: https:${url}`, replacement: `https:${url}` };
  }
  if (url.startsWith('/')) return null;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  if (scheme) {
    const s = scheme[1].toLowerCase();
    if (s === 'mailto') return /^mailto:[^@\s]+@[^@\s]+\.[^@\s]+$/i.test(url) ? null : { message: `"${url}" is not a valid e-mail link.`, suggestion: 'Write it as mailto:name@example.org.', replacement: null };
    if (s !== 'http' && s !== 'https') {
      if (/^(?:[a-z0-9-]+\.)+[a-z]{2,}$/i.test(s)) return null; // "example.org:8080/x" is caught below as missing a scheme
      return { message: `"${url}" uses "${s}:", which the article page does not link (only http, https and mailto).`, suggestion: 'Link to an https:// page instead.', replacement: null };
    }
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return { message: `"${url}" is not a valid web address.`, suggestion: 'Copy the address again from the browser’s address bar.', replacement: null };
    }
    if (!url.slice(scheme[0].length).startsWith('//')) {
      const fixed = `${s}://${url.slice(scheme[0].length).replace(/^\/+/, '')}`;
      return { message: `"${url}" is missing a slash after "${s}:".`, suggestion: `Write ${fixed}`, replacement: fixed };
    }
    const host = u.hostname;
    if (host === '' || (!host.includes('.') && host !== 'localhost' && !/^\[/.test(host))) {
      return { message: `"${url}" has no domain ending (such as .org or .com), so it leads nowhere.`, suggestion: 'Check the address.', replacement: null };
    }
    if (/\.$/.test(host) || /\.\./.test(host) || /^\.|[^a-z0-9.-]/i.test(host.replace(/^\[.*\]$/, 'x')) || (!/^\[/.test(host) && !/\.(?:[a-z]{2,63}|xn--[a-z0-9-]+)$/i.test(host) && host !== 'localhost' && !/^\d+\.\d+\.\d+\.\d+$/.test(host))) {
      return { message: `"${url}" has an invalid domain "${host}".`, suggestion: 'Check the address.', replacement: null };
    }
    return null;
  }
  if (/^(?:www\.)?(?:[a-z0-9-]+\.)+[a-z]{2,}(?:[/?#:]|$)/i.test(url)) {
    return { message: `"${url}" has no https://, so it is read as a page of this site and leads nowhere.`, suggestion: `Write https://${url}`, replacement: `https://${url}` };
  }
  return { message: `"${url}" is a relative address: it is resolved against the article’s own address and will not lead where it seems.`, suggestion: `Start it with a slash (/${url.replace(/^\.?\/*/, '')}) or write the full https:// address.`, replacement: null };
}

/** Why an internal path does not lead to a page a reader can open, or null. */
function brokenPath(path: string, doc: LintDocument, ctx: LintContext): { message: string; suggestion: string | null } | null {
  const p = classifyPath(path);
  const own = doc.article.publishedAt ?? ctx.now;
  switch (p.kind) {
    case 'static':
      return null;
    case 'article': {
      const a = ctx.article(p.slug);
      if (!a) return { message: `The link ${path} leads to no article: there is no article with the address "${p.slug}".`, suggestion: 'Check the address on the article’s page, or link with a print citation such as [See: PLN, Mar. 2025, p.45.], which stays valid.' };
      if (a.status === 'draft') return { message: `The link ${path} leads to ${quoteTitle(a.title)}, which is a draft: readers get "page not found" until it is published.`, suggestion: 'Publish that article first, or remove the link.' };
      if (a.publishedAt && a.publishedAt > own) return { message: `The link ${path} leads to ${quoteTitle(a.title)}, which goes live only on ${a.publishedAt.slice(0, 10)}, after this article: until then readers get "page not found".`, suggestion: 'Schedule this article after that one, or remove the link.' };
      return null;
    }
    case 'issue':
      return ctx.yearHasIssues(p.year) && [...ctx.publications].some((pub) => ctx.issueExists(pub, p.year, p.month))
        ? null
        : { message: `The link ${path} leads to no issue: the archive has no ${MONTH_NAMES[p.month - 1]} ${p.year} issue.`, suggestion: 'Check the year and month.' };
    case 'issue-year':
      return ctx.yearHasIssues(p.year) ? null : { message: `The link ${path} leads nowhere: the archive has no issues of ${p.year}.`, suggestion: 'Check the year.' };
    case 'term':
      return ctx.termExists(p.term, p.slug) ? null : { message: `The link ${path} leads nowhere: there is no ${p.term.replace(/s$/, '').replace(/ie$/, 'y')} "${p.slug}" in the archive.`, suggestion: `Check the address against the list at /${p.term}.` };
    case 'cite': {
      if (!ctx.issueExists(p.publication, p.year, p.month)) return { message: `The link ${path} cites an issue the archive does not have (${p.publication}, ${MONTH_NAMES[p.month - 1]} ${p.year}).`, suggestion: 'Check the year, month and page.' };
      return ctx.articlesAtPage(p.publication, p.year, p.month, p.page).length ? null : { message: `The link ${path} cites page ${p.page} of ${p.publication}, ${MONTH_NAMES[p.month - 1]} ${p.year}, where no article is.`, suggestion: 'Check the page.' };
    }
    case 'unknown':
      return { message: `There is no page at ${path} on this site.`, suggestion: 'Check the address: articles are at /articles/<address>, issues at /issues/YYYY/MM.' };
  }
}

export function checkLinks(doc: LintDocument, ctx: LintContext): LintFinding[] {
  const out: LintFinding[] = [];
  for (const l of doc.links) {
    const line = lineOf(doc.body, l.start);
    if (l.kind === 'typo') {
      const fixed = l.url.replace(/^[a-z]*:?[/\\]*/i, (m) => (/s:|ps|s\//i.test(m) || /^https/i.test(m) ? 'https://' : 'http://'));
      out.push({ rule: 'link-malformed', excerpt: l.url, line, message: `"${l.url}" is a web address with a typo in its beginning, so it does not link.`, suggestion: `Write ${fixed}`, replacement: fixed });
      continue;
    }
    const bad = badAddress(l.url);
    if (bad) {
      out.push({ rule: 'link-malformed', excerpt: l.url, line, message: bad.message, suggestion: bad.suggestion, replacement: bad.replacement });
      continue;
    }
    const path = internalPath(l.url, ctx);
    if (path === null) continue;
    const broken = brokenPath(path, doc, ctx);
    if (broken) out.push({ rule: 'link-broken', excerpt: l.url, line, ...broken });
  }
  for (const s of doc.article.sources) {
    if (s.url === null || s.url === undefined) continue;
    const bad = badAddress(s.url) ?? (/^https?:\/\//i.test(s.url) ? null : { message: `"${s.url}" is not a web address.`, suggestion: 'Give the source’s https:// address.', replacement: null });
    if (bad) out.push({ rule: 'link-malformed', excerpt: s.url, line: null, message: `Source ${s.name}: ${bad.message}`, suggestion: bad.suggestion, replacement: bad.replacement });
  }
  return out;
}

export function checkTitle(doc: LintDocument, ctx: LintContext): LintFinding[] {
  const title = doc.article.title ?? '';
  const others = ctx.titleUsedBy(title);
  if (others.length === 0) return [];
  return [{
    rule: 'title-in-use', excerpt: title, line: null,
    message: `Another article already has this title (${others.slice(0, 3).map((o) => `/articles/${o.slug}`).join(', ')}${others.length > 3 ? ` and ${others.length - 3} more` : ''}): readers, search results and feeds cannot tell them apart.`,
    suggestion: 'Give this article a title of its own, e.g. with the place, the court or the outcome.',
  }];
}

/** Lines (offsets) of a field: the body's lines, or the whole title/dek. */
function linesOf(field: Field): { start: number; end: number }[] {
  if (!field.lineStarts) return [{ start: 0, end: field.text.length }];
  return field.lineStarts.map((s, i) => ({ start: s, end: i + 1 < field.lineStarts!.length ? field.lineStarts![i + 1] - 1 : field.text.length }));
}

const LIST_MARKER_RE = /^\s{0,3}(?:[-*+>]|\d{1,9}[.)]|#{1,6})$/;

export function checkTypography(doc: LintDocument): LintFinding[] {
  const out: LintFinding[] = [];
  for (const field of doc.fields) {
    const where = field.name === 'body' ? 'in this paragraph' : `in the ${field.name}`;
    for (const { start, end } of linesOf(field)) {
      const prose = field.prose.slice(start, end);
      // Straight quotes.
      const quotes = [...prose.matchAll(/["']/g)].map((m) => start + m.index);
      if (quotes.length) {
        const q = quotes[0];
        const ex = excerptAround(field.text, q, q + 1, 1, 1);
        const excerpt = field.text.slice(ex.start, ex.end);
        // Curl only prose quotes, judging each by its context in the whole line.
        const curledLine = curlyQuotes(field.text.slice(start, end));
        let replacement = '';
        for (let i = ex.start; i < ex.end; i++) replacement += field.prose[i] === '"' || field.prose[i] === "'" ? curledLine[i - start] : field.text[i];
        out.push({
          rule: 'straight-quotes', excerpt, line: lineOf(field, q), replacement,
          message: `Straight quotation marks (${quotes.length} ${where}, first in "${excerpt}"): the printed magazine and the site use curly ones (“ ” ‘ ’).`,
          suggestion: `Use curly quotes and apostrophes: "${replacement}".`,
        });
      }
      // Double spaces.
      // Runs of spaces in prose; masked code and addresses are blanks in `prose` but not spaces in the text.
      const runs = [...prose.matchAll(/(?<=\S)[ \u00a0]{2,}(?=\S)/g)].filter((m) =>
        !LIST_MARKER_RE.test(prose.slice(0, m.index)) && /^[ \u00a0]+$/.test(field.text.slice(start + m.index, start + m.index + m[0].length)));
      if (runs.length) {
        const r = start + runs[0].index;
        const ex = excerptAround(field.text, r, r + runs[0][0].length, 1, 1);
        const excerpt = field.text.slice(ex.start, ex.end);
        let replacement = '';
        for (let i = ex.start; i < ex.end; i++) {
          const inRun = runs.some((m) => i > start + m.index && i < start + m.index + m[0].length);
          if (!inRun) replacement += field.text[i];
        }
        out.push({
          rule: 'double-spaces', excerpt, line: lineOf(field, r), replacement,
          message: `${runs.length === 1 ? 'A double space' : `${runs.length} double spaces`} ${where}, first in "${excerpt}": one space between words and sentences.`,
          suggestion: `Use a single space: "${replacement}".`,
        });
      }
    }
  }
  return out;
}

/** Runs every check. Findings about the whole article first, then in the order of the text. */
export function runChecks(article: ImportedArticle, ctx: LintContext): LintFinding[] {
  const doc = prepare(article);
  const all = [
    ...checkTitle(doc, ctx),
    ...checkSources(doc),
    ...checkTeaser(doc),
    ...checkCitations(doc, ctx),
    ...checkDateYears(doc),
    ...checkLinks(doc, ctx),
    ...checkTypography(doc),
  ];
  const seen = new Set<string>();
  const unique = all.filter((f) => {
    const k = `${f.rule}\u0000${f.excerpt}\u0000${f.line}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return unique
    .map((f, i) => ({ f, i }))
    .sort((a, b) => (a.f.line ?? 0) - (b.f.line ?? 0) || a.i - b.i)
    .map(({ f }) => ({ ...f, replacement: f.replacement ?? null }));
}
