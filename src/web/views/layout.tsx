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

export const CSS = fs.readFileSync(new URL('./styles.css', import.meta.url), 'utf8').replace(/\n/g, '');
/** The Content-Security-Policy allows exactly this inline stylesheet and no script at all. */
export const CSS_HASH = `'sha256-${crypto.createHash('sha256').update(CSS).digest('base64')}'`;

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
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
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
              </ul>
            </nav>
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
