import type { ArticleSummaryView } from './article.ts';
import type { Site } from '../web/views/layout.tsx';

// RSS 2.0 and Atom 1.0 feeds. Pure string builders: no I/O.
//
// Public feeds are built from ArticleSummaryView, which has no body at all: an item carries
// its teaser, and a premium item says where subscribers can read the rest. Full text goes
// into a feed only through `fullText`, which the caller fills for a private, signed
// subscriber feed after the presenter has decided that this subscriber may read it.

export interface FeedOptions {
  /** Path of the feed itself, e.g. "/feed.xml" (made absolute with the site's base URL). */
  selfPath: string;
  /** Feed title; defaults to the site name. */
  title?: string;
  /** slug → full body HTML, for the private subscriber feed only. Items without an entry carry the teaser alone. */
  fullText?: Map<string, string>;
  /** Used as the feed's build/updated time only when there are no items to take it from. */
  now?: Date;
}

// ---------------------------------------------------------------------------
// XML helpers (shared with sitemaps.ts)

/**
 * Characters XML 1.0 does not allow anywhere: C0 controls except tab, LF and CR,
 * lone surrogates, and U+FFFE / U+FFFF.
 */
const INVALID_XML_RE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Removes the characters that would make an XML 1.0 document ill-formed. */
export function stripInvalidXml(s: string): string {
  return s.replace(INVALID_XML_RE, '');
}

const XML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text or attribute value for XML: invalid characters removed, markup characters escaped. */
export function escapeXml(value: string | number): string {
  return stripInvalidXml(String(value)).replace(/[&<>"']/g, (ch) => XML_ESCAPES[ch]);
}

/** `<name>text</name>`, escaped. */
export function xmlElement(name: string, text: string | number): string {
  return `<${name}>${escapeXml(text)}</${name}>`;
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** The site's base URL without a trailing slash. */
export function siteBase(site: Site): string {
  return site.baseUrl.replace(/\/+$/, '');
}

/** An absolute URL for a site path ("/articles/x"); absolute http(s) URLs are kept as they are. */
export function absoluteUrl(site: Site, pathOrUrl: string): string {
  if (/^https?:\/\//i.test(pathOrUrl)) return pathOrUrl;
  return siteBase(site) + (pathOrUrl.startsWith('/') ? pathOrUrl : `/${pathOrUrl}`);
}

/**
 * Parses a stored date. ISO 8601 with or without a zone; a date-time without a zone
 * ("2025-03-01 12:00:00", as SQL databases print it) is taken as UTC, not local time.
 * null for anything that is not a date.
 */
export function parseDate(value: string | null | undefined): Date | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  let s = value.trim();
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/.exec(s);
  if (m) s = `${m[1]}T${m[2]}Z`;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** RFC 3339 / W3C date-time in UTC, whole seconds: "2025-03-01T12:00:00Z". */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ---------------------------------------------------------------------------
// HTML content of items

function escapeHtmlAttr(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => (ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : ch === '>' ? '&gt;' : ch === '"' ? '&quot;' : '&#39;'));
}

/** href/src attribute values that are site-relative ("/x") or fragment-only ("#x"). */
const RELATIVE_ATTR_RE = /(\s(?:href|src)\s*=\s*)(["'])(\/(?!\/)|#)/gi;

/**
 * Feed readers resolve relative links against the feed, not the article, so the item HTML
 * gets absolute links: `href="/x"` → base URL + "/x", `href="#n1"` → article URL + "#n1".
 */
export function absolutizeLinks(html: string, site: Site, articleUrl: string): string {
  const base = escapeHtmlAttr(siteBase(site));
  const article = escapeHtmlAttr(articleUrl);
  return html.replace(RELATIVE_ATTR_RE, (_m, lead: string, quote: string, start: string) => `${lead}${quote}${start === '#' ? article : base}${start}`);
}

interface ItemParts {
  title: string;
  link: string;
  published: Date | null;
  updated: Date | null;
  summaryHtml: string;
  fullHtml: string | null;
}

function itemParts(site: Site, a: ArticleSummaryView, fullText: Map<string, string> | undefined): ItemParts {
  const link = absoluteUrl(site, a.url);
  const full = fullText?.get(a.slug);
  let summaryHtml = absolutizeLinks(a.teaserHtml, site, link);
  if (a.access === 'premium' && full === undefined) {
    const href = escapeHtmlAttr(link);
    summaryHtml += `\n<p>Subscribers can read the full article at <a href="${href}">${href}</a></p>`;
  }
  const published = parseDate(a.publishedAt);
  return {
    title: a.title,
    link,
    published,
    updated: parseDate(a.updatedAt) ?? published,
    summaryHtml,
    fullHtml: full === undefined ? null : absolutizeLinks(full, site, link),
  };
}

/** The newest publication or update time among the items, or `fallback` when there is none. */
function latest(items: ItemParts[], fallback: Date): Date {
  let best: Date | null = null;
  for (const it of items) {
    for (const d of [it.published, it.updated]) {
      if (d && (!best || d.getTime() > best.getTime())) best = d;
    }
  }
  return best ?? fallback;
}

// ---------------------------------------------------------------------------
// RSS 2.0

/** RSS 2.0 with atom:link rel="self"; content:encoded only for items given in `opts.fullText`. */
export function renderRss(site: Site, items: ArticleSummaryView[], opts: FeedOptions): string {
  const parts = items.map((a) => itemParts(site, a, opts.fullText));
  const self = absoluteUrl(site, opts.selfPath);
  const out: string[] = [
    XML_DECLARATION,
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
    '<channel>',
    xmlElement('title', opts.title ?? site.name),
    xmlElement('link', `${siteBase(site)}/`),
    xmlElement('description', site.description ?? site.name),
    xmlElement('language', 'en'),
    xmlElement('lastBuildDate', latest(parts, opts.now ?? new Date()).toUTCString()),
    xmlElement('generator', 'Masthead'),
    `<atom:link href="${escapeXml(self)}" rel="self" type="application/rss+xml"/>`,
  ];
  for (const it of parts) {
    out.push('<item>');
    out.push(xmlElement('title', it.title));
    out.push(xmlElement('link', it.link));
    out.push(`<guid isPermaLink="true">${escapeXml(it.link)}</guid>`);
    const date = it.published ?? it.updated;
    if (date) out.push(xmlElement('pubDate', date.toUTCString()));
    out.push(xmlElement('description', it.summaryHtml));
    if (it.fullHtml !== null) out.push(xmlElement('content:encoded', it.fullHtml));
    out.push('</item>');
  }
  out.push('</channel>', '</rss>');
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------
// Atom 1.0

/** Atom 1.0: ids are the absolute URLs; summary type="html" with the teaser; content only from `opts.fullText`. */
export function renderAtom(site: Site, items: ArticleSummaryView[], opts: FeedOptions): string {
  const parts = items.map((a) => itemParts(site, a, opts.fullText));
  const self = absoluteUrl(site, opts.selfPath);
  const out: string[] = [
    XML_DECLARATION,
    '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">',
    `<title type="text">${escapeXml(opts.title ?? site.name)}</title>`,
  ];
  if (site.description) out.push(`<subtitle type="text">${escapeXml(site.description)}</subtitle>`);
  out.push(
    xmlElement('id', self),
    xmlElement('updated', isoSeconds(latest(parts, opts.now ?? new Date()))),
    `<link rel="self" type="application/atom+xml" href="${escapeXml(self)}"/>`,
    `<link rel="alternate" type="text/html" href="${escapeXml(`${siteBase(site)}/`)}"/>`,
    `<author><name>${escapeXml(site.name)}</name></author>`,
    xmlElement('generator', 'Masthead'),
  );
  for (const it of parts) {
    out.push('<entry>');
    out.push(`<title type="text">${escapeXml(it.title)}</title>`);
    out.push(xmlElement('id', it.link));
    out.push(`<link rel="alternate" type="text/html" href="${escapeXml(it.link)}"/>`);
    if (it.published) out.push(xmlElement('published', isoSeconds(it.published)));
    // <updated> is required; an item with no usable date falls back to the feed's time.
    out.push(xmlElement('updated', isoSeconds(it.updated ?? latest(parts, opts.now ?? new Date()))));
    out.push(`<summary type="html">${escapeXml(it.summaryHtml)}</summary>`);
    if (it.fullHtml !== null) out.push(`<content type="html">${escapeXml(it.fullHtml)}</content>`);
    out.push('</entry>');
  }
  out.push('</feed>');
  return out.join('\n') + '\n';
}
