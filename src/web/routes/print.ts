import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.ts';
import { articleForViewer } from './articles.ts';
import { recordInstitutionView } from '../../store/institutions.ts';
import { renderPage } from '../views/layout.tsx';
import { PrintPage } from '../views/print.tsx';
import { sendHtml, notFound } from '../app.ts';

// GET /articles/:slug/print — the article ready to print. Access is decided exactly as for the
// page (articleForViewer, metering included): whoever may read the page in full may print it,
// everyone else gets the teaser and the subscribe prompt. Like the page, never publicly cached.

export const printRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  app.get<{ Params: { slug: string } }>('/articles/:slug/print', async (req, reply) => {
    const view = await articleForViewer(ctx, req, req.params.slug, { meter: true });
    if (!view) return notFound(ctx, req, reply, 'We could not find that article. It may have been moved or not published yet.', [{ href: '/articles', label: 'All articles' }]);
    if (view.decision.reason === 'institution') await recordInstitutionView(ctx.store.db, req.viewer.institution!.id);
    return sendHtml(reply, renderPage(PrintPage({ a: view, site: await ctx.site(), viewer: req.viewer })));
  });
};
