import type { ArticleView } from '../../present/article.ts';
import type { Viewer } from '../../domain/access.ts';
import { CSS, FAVICON, type Site, longDate, monthYear } from './layout.tsx';

// The print view of an article: the page without navigation, for a family member to print and
// mail. It uses the site's stylesheet (so the Content-Security-Policy's one style hash still
// holds): its print rules hide what is only for the screen, write link addresses out and repeat
// the citation line (.print-cite) at the foot of every printed page.

/** Relative links in the body made absolute, so the print stylesheet writes their address out (not citation links: the citation is in the text). */
export function absoluteLinks(html: string, baseUrl: string): string {
  return html.replace(/<a\b([^>]*)>/gi, (tag, attrs: string) => {
    if (/\bclass="[^"]*\bcite\b/i.test(attrs)) return tag;
    return tag.replace(/\bhref="\/(?!\/)/i, `href="${baseUrl}/`);
  });
}

function Byline({ a, site }: { a: ArticleView; site: Site }) {
  const authors = a.authors.map((p) => p.name);
  const by = authors.length <= 1 ? authors.join('') : `${authors.slice(0, -1).join(', ')} and ${authors[authors.length - 1]}`;
  return (
    <p class="meta">
      {by ? `By ${by} · ` : ''}
      {site.name}
      {a.publishedAt ? <> · <time datetime={a.publishedAt}>{longDate(a.publishedAt)}</time></> : null}
      {a.issue ? ` · ${monthYear(a.issue.year, a.issue.month)} issue` : ''}
      {a.pages ? (a.pages.first === a.pages.last ? `, page ${a.pages.first}` : `, pages ${a.pages.first}–${a.pages.last}`) : ''}
    </p>
  );
}

function Prompt({ a, site, viewer }: { a: ArticleView; site: Site; viewer?: Viewer }) {
  const signedIn = viewer?.kind === 'user';
  return (
    <section class="prompt" aria-labelledby="prompt-h">
      <h2 id="prompt-h">The rest of this article is for subscribers</h2>
      <p>
        Subscribers to {site.name} can read and print the full text of this and every other premium article in the archive.
        {signedIn ? " You have read this month's free premium articles." : ''}
      </p>
      <p>
        Subscribe at {site.baseUrl}/subscribe
        {signedIn ? null : <> or, if you subscribe, sign in at {site.baseUrl}/login</>}.
      </p>
      <p class="no-print">
        <a class="btn" href="/subscribe">Subscribe</a>
        {signedIn ? null : <a class="btn secondary" href={`/login?next=${encodeURIComponent(a.url + '/print')}`}>Already a subscriber? Sign in</a>}
      </p>
    </section>
  );
}

export function PrintPage({ a, site, viewer }: { a: ArticleView; site: Site; viewer?: Viewer }) {
  const url = site.baseUrl + a.url;
  const remaining = a.decision.reason === 'metered' ? a.decision.meterRemaining ?? 0 : null;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${a.title} (print) | ${site.name}`}</title>
        <meta name="robots" content="noindex" />
        <link rel="canonical" href={url} />
        <link rel="icon" href={FAVICON} type="image/png" sizes="32x32" />
        <style dangerouslySetInnerHTML={{ __html: CSS }} />
      </head>
      <body>
        <header class="site-header">
          <div class="wrap">
            <p class="brand">{site.name}</p>
            <p class="no-print sans">
              <a href={a.url}>Back to the article</a> · Use your browser's Print command to print this page.
            </p>
          </div>
        </header>
        <main id="main" class="wrap">
          <article class="story">
            <h1>{a.title}</h1>
            {a.dek ? <p class="dek">{a.dek}</p> : null}
            <Byline a={a} site={site} />
            {a.citation ? <p class="cite-as">Cite as: <code>{a.citation}</code></p> : null}
            {viewer?.institution && a.access === 'premium' && a.bodyHtml !== null ? <p class="meta">Access provided by {viewer.institution.name}</p> : null}
            {remaining !== null ? (
              <p class="meta no-print" role="status">
                {remaining === 0 ? 'This is your last free premium article this month.' : `You have ${remaining} more free article${remaining === 1 ? '' : 's'} this month.`}
              </p>
            ) : null}
            {a.bodyHtml !== null ? (
              <div class={a.access === 'premium' ? 'body paywalled' : 'body'} dangerouslySetInnerHTML={{ __html: absoluteLinks(a.bodyHtml, site.baseUrl) }} />
            ) : (
              <>
                <div class="teaser" dangerouslySetInnerHTML={{ __html: absoluteLinks(a.teaserHtml, site.baseUrl) }} />
                <Prompt a={a} site={site} viewer={viewer} />
              </>
            )}
            {a.sources.length ? (
              <section aria-labelledby="sources-h">
                <h2 id="sources-h">Sources</h2>
                <ul>
                  {a.sources.map((s) => (
                    <li>
                      {s.name}
                      {s.url ? <>: <a href={s.url} rel="nofollow noopener">{s.url}</a></> : null}
                    </li>
                  ))}
                </ul>
              </section>
            ) : null}
            <p class="meta">Online: <a href={url}>{url}</a></p>
            <p class="print-cite">{a.citation ? `${a.citation} · ` : ''}{url}</p>
          </article>
        </main>
      </body>
    </html>
  );
}
