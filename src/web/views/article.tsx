import type { ArticleView } from '../../present/article.ts';
import { oembedLinks } from '../../present/oembed.ts';
import { Layout, type Site, longDate, monthYear, issuePath } from './layout.tsx';
import { AccessBadge } from './parts.tsx';
import { canDownloadArticle, ANONYMOUS, type Viewer } from '../../domain/access.ts';

export function articleDescription(a: ArticleView): string {
  const text = a.dek ?? a.teaserText;
  return text.length > 200 ? text.slice(0, 197).replace(/\s+\S*$/, '') + '…' : text;
}

function highwireDate(iso: string | null): string {
  return iso ? iso.slice(0, 10).replace(/-/g, '/') : '';
}

export function articleJsonLd(a: ArticleView, site: Site): object {
  const url = site.baseUrl + a.url;
  const ld: Record<string, unknown> = {
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    headline: a.title,
    description: articleDescription(a),
    url,
    mainEntityOfPage: url,
    datePublished: a.publishedAt,
    dateModified: a.updatedAt,
    author: a.authors.length ? a.authors.map((p) => ({ '@type': 'Person', name: p.name })) : { '@type': 'Organization', name: site.name },
    publisher: { '@type': 'Organization', name: site.name },
    isAccessibleForFree: a.access === 'free',
  };
  if (a.topics.length) ld.keywords = a.topics.map((t) => t.name);
  if (a.issue) {
    ld.isPartOf = {
      '@type': ['PublicationIssue', 'Product'],
      name: `${site.name}, ${monthYear(a.issue.year, a.issue.month)}`,
      ...(a.issue.number != null ? { issueNumber: String(a.issue.number) } : {}),
      ...(site.issn ? { issn: site.issn } : {}),
    };
  }
  if (a.pages) {
    ld.pageStart = a.pages.first;
    ld.pageEnd = a.pages.last;
  }
  if (a.access === 'premium') {
    // Google's paywalled-content markup. Never an articleBody: the gated text stays out.
    ld.hasPart = { '@type': 'WebPageElement', isAccessibleForFree: false, cssSelector: '.paywalled' };
  } else if (a.bodyText) {
    ld.articleBody = a.bodyText;
  }
  return ld;
}

function articleMeta(a: ArticleView, site: Site) {
  const m: { name?: string; property?: string; content: string }[] = [
    { property: 'og:type', content: 'article' },
    { property: 'og:title', content: a.title },
    { property: 'og:description', content: articleDescription(a) },
  ];
  if (a.publishedAt) m.push({ property: 'article:published_time', content: a.publishedAt });
  m.push({ property: 'article:modified_time', content: a.updatedAt });
  for (const t of a.topics) m.push({ property: 'article:tag', content: t.name });
  m.push({ name: 'twitter:card', content: 'summary' });
  // Highwire Press tags, read by Zotero and Google Scholar.
  m.push({ name: 'citation_title', content: a.title });
  for (const p of a.authors) m.push({ name: 'citation_author', content: p.name });
  if (a.publishedAt) m.push({ name: 'citation_publication_date', content: highwireDate(a.publishedAt) });
  m.push({ name: 'citation_journal_title', content: site.name });
  m.push({ name: 'citation_journal_abbrev', content: site.abbreviation });
  if (site.issn) m.push({ name: 'citation_issn', content: site.issn });
  if (a.issue?.volume != null) m.push({ name: 'citation_volume', content: String(a.issue.volume) });
  if (a.issue?.number != null) m.push({ name: 'citation_issue', content: String(a.issue.number) });
  if (a.pages) {
    m.push({ name: 'citation_firstpage', content: String(a.pages.first) });
    m.push({ name: 'citation_lastpage', content: String(a.pages.last) });
  }
  m.push({ name: 'citation_abstract_html_url', content: site.baseUrl + a.url });
  m.push({ name: 'citation_language', content: 'en' });
  return m;
}

function Prompt({ a, site, viewer }: { a: ArticleView; site: Site; viewer?: Viewer }) {
  const signedIn = viewer?.kind === 'user';
  return (
    <section class="prompt" aria-labelledby="prompt-h">
      <h2 id="prompt-h">Keep reading with a subscription</h2>
      <p>
        The rest of this article is for subscribers. As a digital subscriber to {site.name}, you can read the full text of this and
        every other premium article in the archive, and download articles and issues.
      </p>
      {signedIn ? <p>You have read this month's free premium articles.</p> : null}
      <p>
        <a class="btn" href="/subscribe">Subscribe</a>
        {signedIn ? null : <a class="btn secondary" href={`/login?next=${encodeURIComponent(a.url)}`}>Already a subscriber? Sign in</a>}
      </p>
    </section>
  );
}

/**
 * Print view for everyone (it applies the paywall like the page); PDF, packet and plain text for
 * free articles and for viewers who may download (never on a metered read).
 */
function Downloads({ a, viewer }: { a: ArticleView; viewer?: Viewer }) {
  const slug = encodeURIComponent(a.slug);
  const may = canDownloadArticle(viewer ?? ANONYMOUS, a);
  return (
    <nav class="downloads no-print" aria-label="Print and download">
      <ul class="inline-list">
        <li><a href={`/articles/${slug}/print`}>Print view</a></li>
        {may ? (
          <>
            <li><a href={`/api/v1/articles/${slug}/pdf`}>PDF</a></li>
            <li><a href={`/api/v1/articles/${slug}/text`}>Plain text (for tablets and e-messaging)</a></li>
            {a.citations.some((c) => c.cited) ? <li><a href={`/api/v1/articles/${slug}/packet.pdf`}>Mail-ready packet (with the articles it cites)</a></li> : null}
          </>
        ) : null}
      </ul>
    </nav>
  );
}

/** Why this reader sees the full text, when it is not their own subscription. */
function AccessNote({ a }: { a: ArticleView }) {
  const d = a.decision;
  if (d.reason === 'metered') {
    const n = d.meterRemaining ?? 0;
    return <p class="cite-as no-print" role="status">{n === 0 ? 'This is your last free premium article this month.' : `You have ${n} more free article${n === 1 ? '' : 's'} this month.`} <a href="/subscribe">Subscribe</a> for the whole archive.</p>;
  }
  return null;
}

export function ArticlePage({ a, site, viewer }: { a: ArticleView; site: Site; viewer?: Viewer }) {
  const exportBase = `/api/v1/articles/${encodeURIComponent(a.slug)}/citation?format=`;
  const places = a.places;
  return (
    <Layout site={site} head={{ title: `${a.title} | ${site.name}`, description: articleDescription(a), path: a.url, meta: articleMeta(a, site), jsonLd: articleJsonLd(a, site), alternates: oembedLinks(site, a.url, a.title) }}>
      <article class="story">
        {a.issue ? (
          <p class="crumbs">
            <a href={issuePath(a.issue)}>{site.abbreviation} {monthYear(a.issue.year, a.issue.month)}</a>
            {a.pages ? (a.pages.first === a.pages.last ? `, page ${a.pages.first}` : `, pages ${a.pages.first}–${a.pages.last}`) : ''}
          </p>
        ) : null}
        {a.topics[0] ? <p class="kicker"><a href={`/topics/${a.topics[0].slug}`}>{a.topics[0].name}</a></p> : null}
        <h1>{a.title}</h1>
        {a.dek ? <p class="dek">{a.dek}</p> : null}
        <p class="meta">
          {a.authors.length ? (
            <>
              By{' '}
              {a.authors.map((p, i) => (
                <>
                  {i > 0 ? (i === a.authors.length - 1 ? ' and ' : ', ') : ''}
                  <a href={`/authors/${p.slug}`}>{p.name}</a>
                </>
              ))}
              {' · '}
            </>
          ) : null}
          <time datetime={a.publishedAt ?? undefined}>{longDate(a.publishedAt)}</time>
          <AccessBadge access={a.access} />
        </p>
        {viewer?.institution && a.access === 'premium' ? <p class="meta">Access provided by {viewer.institution.name}</p> : null}
        <AccessNote a={a} />
        {a.bodyHtml !== null ? (
          <div class={a.access === 'premium' ? 'body paywalled' : 'body'} dangerouslySetInnerHTML={{ __html: a.bodyHtml }} />
        ) : (
          <>
            <div class="teaser" dangerouslySetInnerHTML={{ __html: a.teaserHtml }} />
            <Prompt a={a} site={site} viewer={viewer} />
          </>
        )}
        {a.citation ? (
          <p class="cite-as">
            Cite as: <code>{a.citation}</code>
            <span class="no-print">
              {' · '}Export <a href={exportBase + 'ris'}>RIS</a>, <a href={exportBase + 'bibtex'}>BibTeX</a>, <a href={exportBase + 'csl'}>CSL-JSON</a>
            </span>
          </p>
        ) : null}
        <Downloads a={a} viewer={viewer} />
        <dl class="facts">
          {a.sources.length ? (
            <>
              <dt>Sources</dt>
              <dd>
                <ul class="inline-list">
                  {a.sources.map((s) => (
                    <li>
                      <a href={`/sources/${s.slug}`}>{s.name}</a>
                      {s.url ? <> (<a href={s.url} rel="nofollow noopener">website<span class="visually-hidden"> of {s.name}</span></a>)</> : null}
                    </li>
                  ))}
                </ul>
              </dd>
            </>
          ) : null}
          {a.topics.length ? (
            <>
              <dt>Topics</dt>
              <dd><ul class="inline-list">{a.topics.map((t) => <li><a href={`/topics/${t.slug}`}>{t.name}</a></li>)}</ul></dd>
            </>
          ) : null}
          {places.length ? (
            <>
              <dt>Places</dt>
              <dd><ul class="inline-list">{places.map((p) => <li><a href={`/${p.kind === 'state' ? 'states' : 'countries'}/${p.slug}`}>{p.name}</a></li>)}</ul></dd>
            </>
          ) : null}
          {a.citations.length ? (
            <>
              <dt>This article cites</dt>
              <dd>
                <ul class="inline-list">
                  {a.citations.map((c) =>
                    c.cited ? <li><a href={`/articles/${c.cited.slug}`}>{c.cited.title}</a> ({c.text})</li> : <li>{c.text}</li>,
                  )}
                </ul>
              </dd>
            </>
          ) : null}
          {a.citedBy.length ? (
            <>
              <dt>Cited by</dt>
              <dd>
                <ul class="list compact">
                  {a.citedBy.map((c) => <li><a href={c.url}>{c.title}</a>{c.citation ? <span class="meta"> · {c.citation}</span> : null}</li>)}
                </ul>
              </dd>
            </>
          ) : null}
        </dl>
        {a.citation ? <p class="print-cite">{a.citation} · {site.baseUrl + a.url}</p> : null}
      </article>
    </Layout>
  );
}

