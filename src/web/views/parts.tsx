import type { ArticleSummaryView } from '../../present/article.ts';
import { longDate, monthYear, issuePath } from './layout.tsx';

export function AccessBadge({ access }: { access: 'free' | 'premium' }) {
  return access === 'premium' ? <span class="badge">Premium</span> : null;
}

export function ArticleList({ items, headingLevel = 3, showIssue = true }: { items: ArticleSummaryView[]; headingLevel?: 2 | 3; showIssue?: boolean }) {
  const H = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <ul class="list">
      {items.map((a) => (
        <li>
          <H class={headingLevel === 2 ? 'item-h' : undefined}>
            <a href={a.url}>{a.title}</a>
            <AccessBadge access={a.access} />
          </H>
          {a.dek ? <p>{a.dek}</p> : null}
          <p class="meta">
            {longDate(a.publishedAt)}
            {showIssue && a.issue ? (
              <>
                {' · '}
                <a href={issuePath(a.issue)}>{monthYear(a.issue.year, a.issue.month)} issue</a>
                {a.pages ? `, p.${a.pages.first}` : ''}
              </>
            ) : null}
          </p>
        </li>
      ))}
    </ul>
  );
}

export function Pager({ base, page, pages }: { base: string; page: number; pages: number }) {
  if (pages <= 1) return null;
  const sep = base.includes('?') ? '&' : '?';
  return (
    <nav class="pager" aria-label="Pages">
      {page > 1 ? <a href={page === 2 ? base : `${base}${sep}page=${page - 1}`} rel="prev">← Newer</a> : <span />}
      <span class="meta">Page {page} of {pages}</span>
      {page < pages ? <a href={`${base}${sep}page=${page + 1}`} rel="next">Older →</a> : <span />}
    </nav>
  );
}
