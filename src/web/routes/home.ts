import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.ts';
import { listArticles, issueArticles } from '../../store/articles.ts';
import { listIssues } from '../../store/issues.ts';
import { cachedTerms } from '../context.ts';
import { presentSummary } from '../../present/article.ts';
import { renderPage } from '../views/layout.tsx';
import { HomePage } from '../views/pages.tsx';
import { cachedHtml, sendCachedResponse } from '../app.ts';

export const homeRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  app.get('/', async (req, reply) => {
    const page = await cachedHtml(ctx, req, 'home', () => renderHome(ctx));
    return sendCachedResponse(reply, page!);
  });
};

async function renderHome(ctx: AppContext): Promise<string> {
    const db = ctx.store.db;
    const [site, latest, issues, topics] = await Promise.all([
      ctx.site(),
      listArticles(db, { limit: 12, offset: 0, withTotal: false }),
      listIssues(db, { limit: 1 }),
      cachedTerms(ctx, 'topic'),
    ]);
    const latestIssue = issues[0] ?? null;
    const latestIssueArticles = latestIssue ? await issueArticles(db, latestIssue.id) : [];
    return renderPage(HomePage({ site, latest: latest.items.map(presentSummary), latestIssue, latestIssueArticles: latestIssueArticles.map(presentSummary), topics }));
}
