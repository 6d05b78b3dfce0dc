import { Layout, longDate, monthYear, issuePath, type Site } from './layout.tsx';
import { AccessBadge } from './parts.tsx';
import type { SearchQuery, SearchResult } from '../../search/types.ts';
import type { Term } from '../../store/taxonomy.ts';

export interface SearchView {
  site: Site;
  /** What the form shows (as typed, even when invalid). */
  form: Record<string, string>;
  result: SearchResult | null;
  error: string | null;
  topics: Term[];
  states: Term[];
  perPage: number;
  signedIn: boolean;
}

const FILTER_KEYS = ['q', 'from', 'to', 'year', 'issue', 'topic', 'state', 'source', 'access', 'sort'] as const;

/** A /search URL with these parameters (empty ones left out). */
export function searchHref(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && String(v) !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `/search?${s}` : '/search';
}

function formParams(form: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of FILTER_KEYS) if (form[k]) out[k] = form[k];
  return out;
}

function plural(n: number, one: string, many = `${one}s`) {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

function Facet({ title, name, items, form }: { title: string; name: string; items: { slug: string; label: string; count: number }[]; form: Record<string, string> }) {
  if (!items.length) return null;
  const base = formParams(form);
  return (
    <section class="facet" aria-labelledby={`facet-${name}`}>
      <h2 id={`facet-${name}`}>{title}</h2>
      <ul>
        {items.map((it) => {
          const active = form[name] === it.slug;
          const href = searchHref({ ...base, [name]: active ? '' : it.slug, page: '' });
          return (
            <li>
              <a href={href} aria-current={active ? 'true' : undefined}>{active ? `✓ ${it.label}` : it.label}</a>{' '}
              <span class="meta">({it.count.toLocaleString('en-US')})</span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

export function SearchPage(v: SearchView) {
  const { site, form, result } = v;
  const q = form.q ?? '';
  const title = q ? `Search: ${q.slice(0, 80)}` : 'Search the archive';
  const sort = form.sort === 'date' ? 'date' : 'relevance';
  const base = formParams(form);
  const query: SearchQuery | null = result?.query ?? null;
  const page = query?.page ?? 1;
  const pages = result ? Math.max(1, Math.ceil(Math.min(result.total, 1000) / v.perPage)) : 1;
  return (
    <Layout site={site} head={{ title: `${title} | ${site.name}`, description: `Search every article of ${site.name}.`, path: '/search', noindex: true }}>
      <h1>Search the archive</h1>
      <form class="search-form" method="get" action="/search" role="search">
        <p>
          <label for="q">Words to find</label>
          <input id="q" name="q" type="search" value={q} maxLength={500} aria-describedby="q-help" />
          <button type="submit">Search</button>
        </p>
        <p id="q-help" class="meta">
          All words must match. Use "quotes" for a phrase, OR for either word, -word or NOT to leave a word out, and word* for words that start with it.
        </p>
        <details open={Boolean(form.from || form.to || form.issue || form.topic || form.state || form.source || form.access) || undefined}>
          <summary>Filters and order</summary>
          <div class="search-filters">
            <p><label for="from">From</label> <input id="from" name="from" type="date" value={form.from ?? ''} /></p>
            <p><label for="to">To</label> <input id="to" name="to" type="date" value={form.to ?? ''} /></p>
            <p><label for="issue">Print issue (YYYY-MM)</label> <input id="issue" name="issue" value={form.issue ?? ''} pattern="\d{4}-\d{2}" inputMode="numeric" /></p>
            <p>
              <label for="topic">Topic</label>{' '}
              <select id="topic" name="topic">
                <option value="">Any topic</option>
                {v.topics.map((t) => <option value={t.slug} selected={form.topic === t.slug}>{t.name}</option>)}
              </select>
            </p>
            <p>
              <label for="state">State</label>{' '}
              <select id="state" name="state">
                <option value="">Any state</option>
                {v.states.map((t) => <option value={t.slug} selected={form.state === t.slug}>{t.name}</option>)}
              </select>
            </p>
            <p><label for="source">Source</label> <input id="source" name="source" value={form.source ?? ''} /></p>
            <p>
              <label for="access">Access</label>{' '}
              <select id="access" name="access">
                <option value="">Free and premium</option>
                <option value="free" selected={form.access === 'free'}>Free articles</option>
                <option value="premium" selected={form.access === 'premium'}>Premium articles</option>
              </select>
            </p>
            <p>
              <label for="sort">Order</label>{' '}
              <select id="sort" name="sort">
                <option value="relevance" selected={sort === 'relevance'}>Best match</option>
                <option value="date" selected={sort === 'date'}>Newest first</option>
              </select>
            </p>
          </div>
        </details>
      </form>

      {v.error ? <p class="notice" role="alert">{v.error}</p> : null}
      {result?.notice ? <p class="notice">{result.notice}</p> : null}
      {result?.didYouMean ? (
        <p class="notice">Did you mean <a href={searchHref({ ...base, q: result.didYouMean, page: '' })}>{result.didYouMean}</a>?</p>
      ) : null}

      {result ? (
        <div class="search-results">
          <div>
            <p class="meta" role="status">
              {result.total === 0
                ? 'No articles match.'
                : `${result.totalExact ? '' : 'More than '}${plural(result.total, 'article')} match${result.total === 1 && result.totalExact ? 'es' : ''}.`}
              {result.total > 0 ? (
                <>
                  {' '}
                  {sort === 'date' ? <a href={searchHref({ ...base, sort: '', page: '' })}>Sort by best match</a> : <a href={searchHref({ ...base, sort: 'date', page: '' })}>Sort by newest first</a>}
                </>
              ) : null}
            </p>
            {query && (query.q.trim() || query.topic || query.state || query.source || query.issue || query.access || query.from || query.to) ? (
              <p class="meta">
                <a href={`/follows/new?${new URLSearchParams(Object.entries({ q: query.q, from: query.from, to: query.to, issue: query.issue, topic: query.topic, state: query.state, source: query.source, access: query.access }).filter((e): e is [string, string] => Boolean(e[1]))).toString()}`}>Follow this search by e-mail</a>
                {' '}— new articles that match, as they appear, daily or weekly.
              </p>
            ) : null}
            {result.rankedAmong && sort === 'relevance' ? (
              <p class="meta">These words are in much of the archive: best matches are picked among the {result.rankedAmong.toLocaleString('en-US')} most recent articles that have them. Add words or filters, or sort by date to go through all of them.</p>
            ) : null}
            <ol class="list results" start={(page - 1) * v.perPage + 1}>
              {result.hits.map((h) => (
                <li>
                  <h2 class="item-h">
                    <a href={`/articles/${h.slug}`} dangerouslySetInnerHTML={{ __html: h.titleHtml }} />
                    <AccessBadge access={h.access} />
                  </h2>
                  {h.snippetHtml ? <p class="snippet" dangerouslySetInnerHTML={{ __html: h.snippetHtml }} /> : null}
                  {h.matchInFullText ? (
                    <p class="meta match-note">
                      Your words are in the full text of this article, which is for subscribers. {v.signedIn ? null : <><a href="/login">Sign in</a> or </>}<a href="/subscribe">subscribe</a> to read it.
                    </p>
                  ) : null}
                  <p class="meta">
                    {longDate(h.publishedAt)}
                    {h.issue ? <>{' · '}<a href={issuePath(h.issue)}>{monthYear(h.issue.year, h.issue.month)} issue</a>{h.pageFirst ? `, p.${h.pageFirst}` : ''}</> : null}
                  </p>
                </li>
              ))}
            </ol>
            {pages > 1 ? (
              <nav class="pager" aria-label="Result pages">
                {page > 1 ? <a href={searchHref({ ...base, page: page - 1 > 1 ? page - 1 : '' })} rel="prev">← Previous</a> : <span />}
                <span class="meta">Page {page} of {pages.toLocaleString('en-US')}</span>
                {page < pages ? <a href={searchHref({ ...base, page: page + 1 })} rel="next">Next →</a> : <span />}
              </nav>
            ) : null}
          </div>
          {result.facets ? (
            <aside class="facets" aria-label="Narrow the results">
              {result.facetsAmong ? <p class="meta">Counted among the {result.facetsAmong.toLocaleString('en-US')} most recent matches.</p> : null}
              <Facet title="Topics" name="topic" form={form} items={result.facets.topics.map((t) => ({ slug: t.slug, label: t.name, count: t.count }))} />
              <Facet title="States" name="state" form={form} items={result.facets.states.map((t) => ({ slug: t.slug, label: t.name, count: t.count }))} />
              <Facet title="Years" name="year" form={form} items={result.facets.years.map((y) => ({ slug: String(y.year), label: String(y.year), count: y.count }))} />
            </aside>
          ) : null}
        </div>
      ) : null}
    </Layout>
  );
}
