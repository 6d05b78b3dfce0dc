import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.ts';
import { issueArticles } from '../../store/articles.ts';
import { listIssues, getIssue } from '../../store/issues.ts';
import { cachedIssueYears } from '../context.ts';
import { presentSummary } from '../../present/article.ts';
import { renderPage, monthYear } from '../views/layout.tsx';
import { IssuePage, IssuesIndexPage } from '../views/pages.tsx';
import { sendHtml, notFound, cachedHtml, sendCachedResponse } from '../app.ts';

function yearParam(s: string): number | null {
  return /^\d{4}$/.test(s) ? Number(s) : null;
}

export const issueRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  app.get('/issues', async (_req, reply) => {
    const db = ctx.store.db;
    const [site, years, issues] = await Promise.all([ctx.site(), cachedIssueYears(ctx), listIssues(db, { limit: 24 })]);
    return sendHtml(reply, renderPage(IssuesIndexPage({ site, years, issues, year: null })));
  });

  app.get<{ Params: { year: string } }>('/issues/:year', async (req, reply) => {
    const year = yearParam(req.params.year);
    const db = ctx.store.db;
    const issues = year ? await listIssues(db, { year }) : [];
    if (!year || issues.length === 0) return notFound(ctx, req, reply, `There are no issues for "${req.params.year}".`, [{ href: '/issues', label: 'All issues' }]);
    const [site, years] = await Promise.all([ctx.site(), cachedIssueYears(ctx)]);
    return sendHtml(reply, renderPage(IssuesIndexPage({ site, years, issues, year })));
  });

  app.get<{ Params: { year: string; month: string } }>('/issues/:year/:month', async (req, reply) => {
    const year = yearParam(req.params.year);
    const month = /^\d{1,2}$/.test(req.params.month) ? Number(req.params.month) : 0;
    if (!year || month < 1 || month > 12) return notFound(ctx, req, reply, 'Issue addresses look like /issues/2025/03.', [{ href: '/issues', label: 'All issues' }]);
    const page = await cachedHtml(ctx, req, `issue ${year}-${month}`, async () => {
      const issue = await getIssue(ctx.store.db, year, month);
      if (!issue) return null;
      const [site, articles] = await Promise.all([ctx.site(), issueArticles(ctx.store.db, issue.id)]);
      return renderPage(IssuePage({ site, issue, articles: articles.map(presentSummary) }));
    });
    if (!page) return notFound(ctx, req, reply, `There is no ${monthYear(year, month)} issue in the archive.`, [{ href: `/issues`, label: 'All issues' }]);
    return sendCachedResponse(reply, page);
  });
};
