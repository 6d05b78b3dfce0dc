import type { ArticleSummaryView } from '../../present/article.ts';
import type { IssueRow } from '../../store/issues.ts';
import type { Term } from '../../store/taxonomy.ts';
import { Layout, type Site, monthYear, issuePath } from './layout.tsx';
import { ArticleList, AccessBadge, Pager } from './parts.tsx';

function issueLabel(i: { volume: number | null; number: number | null }): string {
  return [i.volume != null ? `Vol. ${i.volume}` : '', i.number != null ? `No. ${i.number}` : ''].filter(Boolean).join(', ');
}

export function HomePage({ site, latest, latestIssue, latestIssueArticles, topics }: { site: Site; latest: ArticleSummaryView[]; latestIssue: IssueRow | null; latestIssueArticles: ArticleSummaryView[]; topics: Term[] }) {
  return (
    <Layout site={site} head={{ title: `${site.name}${site.description ? ` — ${site.description}` : ''}`, description: site.description ?? `News and the full archive of ${site.name}.`, path: '/', meta: [{ property: 'og:type', content: 'website' }, { property: 'og:title', content: site.name }], jsonLd: { '@context': 'https://schema.org', '@type': 'WebSite', name: site.name, url: site.baseUrl + '/' } }}>
      <h1 class="visually-hidden">{site.name}</h1>
      <div class="grid">
        <section aria-labelledby="latest-h">
          <h2 id="latest-h" class="first">Latest articles</h2>
          <ArticleList items={latest} />
          <p><a href="/articles">All articles →</a></p>
        </section>
        <div>
          {latestIssue ? (
            <section class="panel" aria-labelledby="issue-h">
              <p class="kicker">In print</p>
              <h2 id="issue-h"><a href={issuePath(latestIssue)}>{monthYear(latestIssue.year, latestIssue.month)} issue</a></h2>
              <p class="meta">{issueLabel(latestIssue)}{latestIssue.pageCount ? ` · ${latestIssue.pageCount} pages` : ''}</p>
              <ol class="toc">
                {latestIssueArticles.map((a) => (
                  <li>
                    <span class="pg">{a.pages ? `p.${a.pages.first}` : ''}</span>
                    <span><a href={a.url}>{a.title}</a><AccessBadge access={a.access} /></span>
                  </li>
                ))}
              </ol>
              <p><a href="/issues">All issues →</a></p>
            </section>
          ) : null}
          {topics.length ? (
            <section class="panel" aria-labelledby="topics-h">
              <h2 id="topics-h">Topics</h2>
              <ul class="inline-list">{topics.slice(0, 16).map((t) => <li><a href={`/topics/${t.slug}`}>{t.name}</a></li>)}</ul>
            </section>
          ) : null}
        </div>
      </div>
    </Layout>
  );
}

export function IssuePage({ site, issue, articles }: { site: Site; issue: IssueRow; articles: ArticleSummaryView[] }) {
  const label = issueLabel(issue);
  const title = `${site.name}, ${monthYear(issue.year, issue.month)}`;
  return (
    <Layout site={site} head={{ title: `${title} | Table of contents`, description: `Table of contents of the ${monthYear(issue.year, issue.month)} issue of ${site.name}${label ? ` (${label})` : ''}.`, path: issuePath(issue), jsonLd: { '@context': 'https://schema.org', '@type': 'PublicationIssue', name: title, ...(issue.number != null ? { issueNumber: String(issue.number) } : {}), datePublished: `${issue.year}-${String(issue.month).padStart(2, '0')}` } }}>
      <p class="crumbs"><a href="/issues">Issues</a> › <a href={`/issues/${issue.year}`}>{issue.year}</a></p>
      <h1>{monthYear(issue.year, issue.month)}</h1>
      <p class="meta">{site.name}{label ? ` · ${label}` : ''}{issue.pageCount ? ` · ${issue.pageCount} pages` : ''}</p>
      {issue.title ? <p class="dek">{issue.title}</p> : null}
      <h2>Contents</h2>
      <ol class="toc">
        {articles.map((a) => (
          <li>
            <span class="pg">{a.pages ? (a.pages.first === a.pages.last ? `p.${a.pages.first}` : `pp.${a.pages.first}–${a.pages.last}`) : '—'}</span>
            <span>
              <a href={a.url}>{a.title}</a>
              <AccessBadge access={a.access} />
              {a.dek ? <span class="meta block">{a.dek}</span> : null}
            </span>
          </li>
        ))}
      </ol>
    </Layout>
  );
}

export function IssuesIndexPage({ site, years, issues, year }: { site: Site; years: { year: number; issues: number }[]; issues: IssueRow[]; year: number | null }) {
  const title = year ? `Issues of ${year}` : 'All issues';
  return (
    <Layout site={site} head={{ title: `${title} | ${site.name}`, description: `${title} of ${site.name}, with tables of contents.`, path: year ? `/issues/${year}` : '/issues' }}>
      {year ? <p class="crumbs"><a href="/issues">Issues</a></p> : null}
      <h1>{title}</h1>
      <ul class="list">
        {issues.map((i) => (
          <li>
            <h2 class="item-h"><a href={issuePath(i)}>{monthYear(i.year, i.month)}</a></h2>
            <p class="meta">{issueLabel(i)}{i.title ? ` · ${i.title}` : ''} · {i.articleCount} article{i.articleCount === 1 ? '' : 's'}</p>
          </li>
        ))}
      </ul>
      {years.length > 1 || year ? (
        <>
          <h2>By year</h2>
          <ul class="years">{years.map((y) => <li><a href={`/issues/${y.year}`}>{y.year}</a> <span class="meta">({y.issues})</span></li>)}</ul>
        </>
      ) : null}
    </Layout>
  );
}

export function TermIndexPage({ site, title, path, terms, base }: { site: Site; title: string; path: string; terms: Term[]; base: (t: Term) => string }) {
  return (
    <Layout site={site} head={{ title: `${title} | ${site.name}`, description: `${title} covered by ${site.name}.`, path }}>
      <h1>{title}</h1>
      <ul class="years">{terms.map((t) => <li><a href={base(t)}>{t.name}</a> <span class="meta">({t.count})</span></li>)}</ul>
    </Layout>
  );
}

export function ListPage({ site, title, description, path, items, page, pages, total, crumb }: { site: Site; title: string; description: string; path: string; items: ArticleSummaryView[]; page: number; pages: number; total: number; crumb?: { href: string; label: string } }) {
  return (
    <Layout site={site} head={{ title: `${title}${page > 1 ? `, page ${page}` : ''} | ${site.name}`, description, path: page > 1 ? `${path}?page=${page}` : path }}>
      {crumb ? <p class="crumbs"><a href={crumb.href}>{crumb.label}</a></p> : null}
      <h1>{title}</h1>
      <p class="meta">{total} article{total === 1 ? '' : 's'}</p>
      <ArticleList items={items} headingLevel={2} />
      <Pager base={path} page={page} pages={pages} />
    </Layout>
  );
}

export interface OnlinePlans {
  plans: { plan: 'digital' | 'print-digital'; label: string }[];
  signedIn: boolean;
  csrf: string | null;
}

export function SubscribePage({ site, online }: { site: Site; online?: OnlinePlans | null }) {
  return (
    <Layout site={site} head={{ title: `Subscribe | ${site.name}`, description: `Subscribe to ${site.name}: full text of every article, downloads, and the print edition.`, path: '/subscribe' }}>
      <article class="story">
        <h1>Subscribe to {site.name}</h1>
        <p class="dek">A subscription gives you the full text of every premium article in the archive, article and issue downloads, and — with print — the monthly magazine by mail.</p>
        <h2>Plans</h2>
        <ul>
          <li><strong>Digital</strong>: full text and downloads of the whole archive.</li>
          <li><strong>Print and digital</strong>: the monthly print issue by mail, plus everything digital.</li>
        </ul>
        {online && online.plans.length ? (
          <>
            <h2>Subscribe online</h2>
            {online.signedIn && online.csrf ? (
              online.plans.map((p) => (
                <form method="post" action="/subscribe/checkout" class="inline-form">
                  <input type="hidden" name="_csrf" value={online.csrf!} />
                  <input type="hidden" name="plan" value={p.plan} />
                  <button class="btn" type="submit">{p.label}</button>
                </form>
              ))
            ) : (
              <p><a href="/login?next=/subscribe">Sign in</a> or <a href="/signup">create an account</a> first, then pay by card on the next page.</p>
            )}
          </>
        ) : null}
        <h2>Subscribe by mail</h2>
        <p>We accept checks and money orders, including from prisoners (rates for incarcerated readers are lower). Send your name, mailing address (with prisoner number and facility if applicable), the plan you want, and payment to the publisher's office. Write "{site.name} subscription" on the envelope.</p>
        <p>Institutions — law libraries, universities, prison libraries — can get access for everyone on their network without personal logins. Ask the office for an institutional subscription.</p>
      </article>
    </Layout>
  );
}

export function ErrorPage({ site, status, title, message, links }: { site: Site; status: number; title: string; message: string; links?: { href: string; label: string }[] }) {
  return (
    <Layout site={site} head={{ title: `${title} | ${site.name}`, description: message, path: '/', noindex: true }}>
      <p class="kicker">Error {status}</p>
      <h1>{title}</h1>
      <p>{message}</p>
      <ul>
        {(links ?? []).map((l) => <li><a href={l.href}>{l.label}</a></li>)}
        <li><a href="/">Latest articles</a></li>
        <li><a href="/issues">All issues</a></li>
      </ul>
    </Layout>
  );
}
