import type { ArticleSummaryView } from './article.ts';
import type { Site } from '../web/views/layout.tsx';
import { XML_DECLARATION, absoluteUrl, escapeXml, isoSeconds, parseDate, xmlElement } from './feeds.ts';

// XML sitemaps (sitemaps.org 0.9) and the Google News sitemap. Pure string builders: no I/O.
// A sitemap lists only URLs and dates, never article text beyond the title.

/** URLs per article sitemap page; the protocol allows 50,000, smaller pages stay fast to build. */
export const SITEMAP_PAGE_SIZE = 10000;

/** Google News reads at most 1,000 URLs from one news sitemap. */
export const NEWS_SITEMAP_MAX = 1000;

/** Google News lists articles published in the last two days. */
export const NEWS_WINDOW_MS = 2 * 24 * 60 * 60 * 1000;

export interface SitemapEntry {
  /** Absolute URL. */
  loc: string;
  /** Any stored date; written as a W3C date. Omitted when null or not a date. */
  lastmod?: string | null;
}

const SITEMAP_NS = 'http://www.sitemaps.org/schemas/sitemap/0.9';
const NEWS_NS = 'http://www.google.com/schemas/sitemap-news/0.9';

/** W3C datetime: a bare date stays a date ("2025-03-01"); anything else becomes UTC date-time to the second. */
export function w3cDate(value: string | null | undefined): string | null {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value.trim())) {
    // Round-trip, so that "2025-02-30" (which Date rolls over to March 2) is rejected.
    const day = value.trim();
    return parseDate(day)?.toISOString().slice(0, 10) === day ? day : null;
  }
  const d = parseDate(value);
  return d ? isoSeconds(d) : null;
}

function entryXml(tag: 'url' | 'sitemap', e: SitemapEntry): string {
  const lastmod = w3cDate(e.lastmod);
  return `<${tag}>${xmlElement('loc', e.loc)}${lastmod ? xmlElement('lastmod', lastmod) : ''}</${tag}>`;
}

/** `<urlset>`; the caller pages entries by SITEMAP_PAGE_SIZE. */
export function renderUrlset(entries: SitemapEntry[]): string {
  const out = [XML_DECLARATION, `<urlset xmlns="${SITEMAP_NS}">`];
  for (const e of entries) out.push(entryXml('url', e));
  out.push('</urlset>');
  return out.join('\n') + '\n';
}

/** `<sitemapindex>` pointing at the sitemap pages. */
export function renderSitemapIndex(entries: SitemapEntry[]): string {
  const out = [XML_DECLARATION, `<sitemapindex xmlns="${SITEMAP_NS}">`];
  for (const e of entries) out.push(entryXml('sitemap', e));
  out.push('</sitemapindex>');
  return out.join('\n') + '\n';
}

/**
 * Google News sitemap: the items published within the two days up to `now` (not later than
 * `now`: scheduled articles stay out), newest first, at most NEWS_SITEMAP_MAX.
 * Premium items are listed too (title and date only): Google indexes paywalled articles
 * through their structured data, and nothing gated is in a sitemap.
 */
export function renderNewsSitemap(site: Site, items: ArticleSummaryView[], now: Date = new Date()): string {
  const end = now.getTime();
  const recent = items
    .map((a) => ({ a, published: parseDate(a.publishedAt) }))
    .filter((x): x is { a: ArticleSummaryView; published: Date } => {
      if (!x.published) return false;
      const t = x.published.getTime();
      return t <= end && end - t <= NEWS_WINDOW_MS;
    })
    .sort((x, y) => y.published.getTime() - x.published.getTime())
    .slice(0, NEWS_SITEMAP_MAX);

  const publication = `<news:publication>${xmlElement('news:name', site.name)}${xmlElement('news:language', 'en')}</news:publication>`;
  const out = [XML_DECLARATION, `<urlset xmlns="${SITEMAP_NS}" xmlns:news="${NEWS_NS}">`];
  for (const { a, published } of recent) {
    out.push(
      `<url>${xmlElement('loc', absoluteUrl(site, a.url))}<news:news>${publication}` +
        `${xmlElement('news:publication_date', isoSeconds(published))}` +
        `<news:title>${escapeXml(a.title)}</news:title></news:news></url>`,
    );
  }
  out.push('</urlset>');
  return out.join('\n') + '\n';
}
