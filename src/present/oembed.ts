import type { ArticleView } from './article.ts';
import type { Site } from '../web/views/layout.tsx';
import { absoluteUrl, escapeXml, siteBase, XML_DECLARATION } from './feeds.ts';

// oEmbed (https://oembed.com): what another site shows when someone pastes an article's
// address into it. An embed is republished to anyone, so it is made from the article as an
// anonymous reader sees it, and only from its public parts: title, dek or teaser, authors,
// citation. No body text goes in, premium or free.

export const OEMBED_DEFAULT_WIDTH = 600;
/** The card's nominal height: a title, a few lines of summary and the byline. */
export const OEMBED_DEFAULT_HEIGHT = 240;
const SUMMARY_MAX = 280;

export interface OembedSize {
  maxwidth: number | null;
  maxheight: number | null;
}

/** The response fields (oEmbed 1.0, type "rich"). */
export interface OembedResponse {
  type: 'rich';
  version: '1.0';
  title: string;
  author_name?: string;
  author_url?: string;
  provider_name: string;
  provider_url: string;
  cache_age: number;
  html: string;
  width: number;
  height: number;
}

function summary(a: ArticleView): string {
  const text = (a.dek ?? a.teaserText).replace(/\s+/g, ' ').trim();
  return text.length > SUMMARY_MAX ? text.slice(0, SUMMARY_MAX - 1).replace(/\s+\S*$/, '') + '…' : text;
}

/** The embed for one article. `a` must be the anonymous reader's view (presentArticle(record, ANONYMOUS)). */
export function presentOembed(a: ArticleView, site: Site, size: OembedSize): OembedResponse {
  const url = absoluteUrl(site, a.url);
  const home = siteBase(site) + '/';
  const byline = a.authors.map((x) => x.name).join(', ');
  const footer = [
    `<a href="${escapeXml(home)}">${escapeXml(site.name)}</a>`,
    a.citation ? escapeXml(a.citation) : null,
    a.access === 'premium' ? 'for subscribers' : null,
  ].filter(Boolean).join(' · ');
  const text = summary(a);
  const html = `<blockquote class="masthead-embed" cite="${escapeXml(url)}">` +
    `<p><strong><a href="${escapeXml(url)}">${escapeXml(a.title)}</a></strong></p>` +
    (text ? `<p>${escapeXml(text)}</p>` : '') +
    `<p>${byline ? `${escapeXml(byline)} — ` : ''}${footer}</p>` +
    `</blockquote>`;
  const out: OembedResponse = {
    type: 'rich',
    version: '1.0',
    title: a.title,
    provider_name: site.name,
    provider_url: home,
    cache_age: 3600,
    html,
    width: Math.min(OEMBED_DEFAULT_WIDTH, size.maxwidth ?? OEMBED_DEFAULT_WIDTH),
    height: Math.min(OEMBED_DEFAULT_HEIGHT, size.maxheight ?? OEMBED_DEFAULT_HEIGHT),
  };
  if (byline) out.author_name = byline;
  if (a.authors.length === 1) out.author_url = absoluteUrl(site, `/authors/${encodeURIComponent(a.authors[0].slug)}`);
  return out;
}

/** The XML form of a response: `<oembed>` with one element per field. */
export function oembedXml(r: OembedResponse): string {
  const fields = Object.entries(r).map(([k, v]) => `<${k}>${escapeXml(v as string | number)}</${k}>`).join('');
  return `${XML_DECLARATION}\n<oembed>${fields}</oembed>\n`;
}

/** The discovery links for an article page's head (absolute, as the specification's examples). */
export function oembedLinks(site: Site, articleUrl: string, title: string): { type: string; href: string; title: string }[] {
  const endpoint = `${siteBase(site)}/oembed?url=${encodeURIComponent(absoluteUrl(site, articleUrl))}`;
  return [
    { type: 'application/json+oembed', href: `${endpoint}&format=json`, title },
    { type: 'text/xml+oembed', href: `${endpoint}&format=xml`, title },
  ];
}
