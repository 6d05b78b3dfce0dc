import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../context.ts';
import { requireStaff, sendAdmin } from '../../admin/shell.tsx';
import { DashboardPage } from '../../views/admin/office-dashboard.tsx';
import { articlesPerMonth, issueName, mostReadArticles, nextIssueMonth, searchMisses, subscribersOverTime } from '../../../store/office.ts';
import { pageBase } from './office-common.ts';

// The admin home (/admin): subscribers over time by plan, articles per month, most-read
// articles, searches with no results. Editors and admins.

export const MOST_READ_DAYS = 30;

export const officeDashboardRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  app.get('/admin', async (req, reply) => {
    const staff = requireStaff(req, reply, 'editor');
    if (!staff) return reply;
    const now = new Date();
    const [subscribers, perMonth, mostRead, misses, next] = await Promise.all([
      subscribersOverTime(ctx.store.db, 12, now),
      articlesPerMonth(ctx.store.db, 12, now),
      mostReadArticles(ctx.store.db, MOST_READ_DAYS, 10, now),
      searchMisses(ctx.store, 20),
      nextIssueMonth(ctx.store.db, now),
    ]);
    const label = next.issue ? `${issueName(next)} issue` : `${issueName(next)} (no issue created yet)`;
    return sendAdmin(reply, DashboardPage({
      ...pageBase(req, reply, staff), subscribers, perMonth, mostRead, mostReadDays: MOST_READ_DAYS, misses,
      next: { label, href: next.issue ? `/admin/issues/${next.issue.id}` : '/admin/issues#new-issue' },
    }));
  });
};
