import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../context.ts';
import { officeDashboardRoutes } from './office-dashboard.ts';
import { officeIssueRoutes } from './office-issues.ts';
import { officeSubscriberRoutes } from './office-subscribers.ts';
import { officeInstitutionRoutes } from './office-institutions.ts';
import { articleViews } from '../../../store/office-views.ts';
import { OFFICE_CSS, OFFICE_CSS_URL } from '../../views/admin/office-parts.tsx';

// The office side of the admin area: the dashboard (/admin), print issues (/admin/issues),
// subscribers (/admin/subscribers, with CSV import and export and the print mailing list),
// institutions (/admin/institutions) and gift codes (/admin/gifts).

export const adminOfficeRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  // Staff only, like every /admin URL (the gate lets /admin/assets/ through, not this).
  app.get(OFFICE_CSS_URL, async (_req, reply) => reply.type('text/css; charset=utf-8').send(OFFICE_CSS));
  await app.register(officeDashboardRoutes(ctx));
  await app.register(officeIssueRoutes(ctx));
  await app.register(officeSubscriberRoutes(ctx));
  await app.register(officeInstitutionRoutes(ctx));
  // Article views are counted in memory (src/web/routes/articles.ts): write what is left on close.
  app.addHook('onClose', async () => {
    await articleViews(ctx.store).close();
  });
};
