import type { ComponentChildren } from 'preact';
import { renderToString } from 'preact-render-to-string';
import fs from 'node:fs';
import crypto from 'node:crypto';

export interface Site {
  name: string;
  abbreviation: string;
  description: string | null;
  issn: string | null;
  baseUrl: string;
}

/** styles.css without its comments and line breaks, inlined into every page. */
export const CSS = fs.readFileSync(new URL('./styles.css', import.meta.url), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\n\s*/g, '');
/** The Content-Security-Policy allows exactly this inline stylesheet and no script at all. */
export const CSS_HASH = `'sha256-${crypto.createHash('sha256').update(CSS).digest('base64')}'`;

/**
 * The favicon (a white "M" on the accent red, as /favicon.svg) as a 32×32 PNG inside every page.
 * Chromium decodes an SVG favicon by building a whole SVG document on the page's main thread, right
 * after the first paint, which Lighthouse counts as blocking time; a PNG decodes off to the side and
 * costs no request. CSP allows it (img-src data:).
 */
export const FAVICON = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAACAAAAAgCAYAAABzenr0AAACZklEQVR4nOyX30taYRjHv8dzliKUDq9mUsgm7AfbZD+8CIIuWjTwQreLKPIiIiOCXa79CSvoHzCiYmVEkWMI3QhBQVeKc0v3Q8Ym5CkGRkvZSmZn73tGh86W1rHs3Pi58H3e533l+fq87/McDwfCSH29kwwvwDC3yGhEZdmBIMTJ+PJ5Oh1khs1mF6PRBKACwsGBmyO/eghqQWJTATegFiQ2xwAGqASNrYHKVAWoLoArtmCy2fB0agp1ZjMYlpX8frcb6XD42O88mZjA1dZWaf57bw9fl5fx2ustFqZ4BjLJJHxNTQiPjcn8do/n2P2GhgZYW1pkvldOZ8ngJQUcJbe1Jdm29nZoDf9Xrr27G/lcDoX9fSjhRAGCICC7uSml/ZJej7tdXbI99Ihud3QgEQiI+89VwCHv5+Yk+05np2ztpssFndGIyPg4lHJqAevz8/i1vS3al61WNDY3ywSlVlexk0pBKScKYBiGfkAoFBBfXJT8h8dAq8XicODtzAzKQVEfiE5O0keoaF9ra4PeZML93l7s8jySS0soB0UCaIq/rayINltTg3s9PbhOSi02PY1yUdwJ383OSrZjYACsVouY349yUSzgM0n17saGaNMsfAoGpct5IQJIoWN9YUGa/tspKy8Afy9jIZ8HH4ngeyKBs1BUAC0v79oaHvT14YrdjsFoFA/7+8W1n5kMvoRCiB0pvcejo3gWj4PT6SSfhxyPy+dDKZgRi0VZ7zxnqn9IqgI05Ab+gErQ2BrSWD5ALUhsKmAYakFis6Fs9uOj2toImTaS534dGXWoLPT1nMYbHOL5N38AAAD//6NJ05AAAAAGSURBVAMAPO7DZXLswIcAAAAASUVORK5CYII=';

export interface HeadProps {
  title: string;
  description: string;
  /** Path of the canonical URL, e.g. "/articles/x". */
  path: string;
  /** Extra <meta> tags: [name-or-property, content] pairs, rendered in order. */
  meta?: { name?: string; property?: string; content: string }[];
  jsonLd?: object;
  noindex?: boolean;
  alternates?: { type: string; href: string; title: string }[];
}

/** JSON for a <script> data block: "<" escaped so no "</script>" can end it early. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function Layout(props: { site: Site; head: HeadProps; children: ComponentChildren }) {
  const { site, head } = props;
  const canonical = site.baseUrl + head.path;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{head.title}</title>
        <meta name="description" content={head.description} />
        <link rel="canonical" href={canonical} />
        {head.noindex ? <meta name="robots" content="noindex" /> : null}
        <link rel="icon" href={FAVICON} type="image/png" sizes="32x32" />
        <link rel="alternate" type="application/rss+xml" title={`${site.name} (RSS)`} href="/feed.xml" />
        <link rel="alternate" type="application/atom+xml" title={`${site.name} (Atom)`} href="/feed.atom" />
        {(head.alternates ?? []).map((a) => <link rel="alternate" type={a.type} href={a.href} title={a.title} />)}
        <meta property="og:site_name" content={site.name} />
        <meta property="og:url" content={canonical} />
        {(head.meta ?? []).map((m) => (m.property ? <meta property={m.property} content={m.content} /> : <meta name={m.name} content={m.content} />))}
        <style dangerouslySetInnerHTML={{ __html: CSS }} />
        {head.jsonLd ? <script type="application/ld+json" dangerouslySetInnerHTML={{ __html: scriptJson(head.jsonLd) }} /> : null}
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="site-header">
          <div class="wrap">
            <div>
              <a class="brand" href="/">{site.name}</a>
              {site.description ? <span class="tagline">{site.description}</span> : null}
            </div>
            <nav class="primary" aria-label="Main">
              <ul>
                <li><a href="/">Latest</a></li>
                <li><a href="/issues">Issues</a></li>
                <li><a href="/topics">Topics</a></li>
                <li><a href="/states">States</a></li>
                <li><a href="/subscribe">Subscribe</a></li>
                <li><a href="/account">Account</a></li>
              </ul>
            </nav>
            <form class="site-search" role="search" aria-label="Quick search" action="/search" method="get">
              <label class="visually-hidden" for="site-q">Search the archive</label>
              <input id="site-q" type="search" name="q" placeholder="Search the archive" />
              <button type="submit">Search</button>
            </form>
          </div>
        </header>
        <main id="main" class="wrap" tabIndex={-1}>
          {props.children}
        </main>
        <footer>
          <div class="wrap">
            <p>
              {site.name}
              {site.issn ? ` · ISSN ${site.issn}` : ''} · <a href="/feed.xml">RSS</a> · <a href="/feed.atom">Atom</a> ·{' '}
              <a href="/sitemap.xml">Sitemap</a> · <a href="/api/v1/articles">API</a>
            </p>
          </div>
        </footer>
      </body>
    </html>
  );
}

export function renderPage(vnode: preact.VNode): string {
  return '<!doctype html>' + renderToString(vnode);
}

export const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export function monthYear(year: number, month: number): string {
  return `${MONTHS[month - 1]} ${year}`;
}

export function longDate(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}`;
}

export function issuePath(i: { year: number; month: number }): string {
  return `/issues/${i.year}/${String(i.month).padStart(2, '0')}`;
}
