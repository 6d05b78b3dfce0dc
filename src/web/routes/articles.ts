import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { getArticle, listArticles } from '../../store/articles.ts';
import { presentArticle, presentSummary, type ArticleView } from '../../present/article.ts';
import { needsMeter } from '../../domain/access.ts';
import { meterState, recordMeteredRead } from '../../store/meter.ts';
import { recordInstitutionView } from '../../store/institutions.ts';
import { renderPage } from '../views/layout.tsx';
import { ArticlePage } from '../views/article.tsx';
import { ListPage } from '../views/pages.tsx';
import { sendHtml, notFound, pageParam, cachedHtml, sendCachedResponse } from '../app.ts';
import { PageCache } from '../page-cache.ts';
import { personal } from '../session.ts';
import { articleViews } from '../../store/office-views.ts';

const PER_PAGE = 20;

/**
 * The article as this viewer may see it, with the meter applied: a signed-in reader without a
 * subscription uses up one of the month's free articles (counted once per article and month).
 */
export async function articleForViewer(ctx: AppContext, req: FastifyRequest, slug: string, opts: { meter: boolean }): Promise<ArticleView | null> {
  const record = await getArticle(ctx.store.db, slug);
  if (!record) return null;
  const v = req.viewer;
  if (!opts.meter || v.kind !== 'user' || record.access !== 'premium' || !needsMeter(v)) return presentArticle(record, v);
  const limit = ctx.config.meterLimit;
  const meter = await meterState(ctx.store.db, v.userId, record.id, limit);
  let view = presentArticle(record, v, meter);
  if (view.decision.consumesMeter && !(await recordMeteredRead(ctx.store.db, ctx.store.dialect, v.userId, record.id, limit))) {
    view = presentArticle(record, v, { limit, used: limit, alreadyRead: false });
  }
  return view;
}

export const articleRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  app.get('/articles', async (req, reply) => {
    const page = pageParam(req.query);
    const html = await cachedHtml(ctx, req, `articles ${page}`, async () => {
      const [site, list] = await Promise.all([ctx.site(), listArticles(ctx.store.db, { limit: PER_PAGE, offset: (page - 1) * PER_PAGE })]);
      const pages = Math.max(1, Math.ceil(list.total / PER_PAGE));
      if (page > pages) return null;
      return renderPage(ListPage({ site, title: 'All articles', description: `Every article in the ${site.name} archive, newest first.`, path: '/articles', items: list.items.map(presentSummary), page, pages, total: list.total }));
    });
    if (!html) return notFound(ctx, req, reply, `There is no page ${page} of the list of articles.`, [{ href: '/articles', label: 'First page' }]);
    return sendCachedResponse(reply, html);
  });

  app.get<{ Params: { slug: string } }>('/articles/:slug', async (req, reply) => {
    const slug = req.params.slug;
    // Counted in memory before the cache (cached pages count too); unknown slugs are dropped when written.
    if (req.method === 'GET') articleViews(ctx.store).count(slug);
    const missing = () => notFound(ctx, req, reply, 'We could not find that article. It may have been moved or not published yet.', [{ href: '/articles', label: 'All articles' }]);
    if (PageCache.classOf(req.viewer) !== null) {
      // Viewers of one class (anonymous, an institution's network, subscribers) share a rendering.
      const page = await ctx.pages.get(req.viewer, `article ${slug}`, async () => {
        const view = await articleForViewer(ctx, req, slug, { meter: false });
        if (!view) return null;
        return { body: renderPage(ArticlePage({ a: view, site: await ctx.site(), viewer: req.viewer })), contentType: 'text/html; charset=utf-8', meta: { premium: view.access === 'premium' } };
      });
      if (!page) return missing();
      if (req.viewer.institution && page.meta?.premium) await recordInstitutionView(ctx.store.db, req.viewer.institution.id);
      return sendCachedResponse(reply, page);
    }
    const view = await articleForViewer(ctx, req, slug, { meter: true });
    if (!view) return missing();
    if (view.decision.reason === 'institution') await recordInstitutionView(ctx.store.db, req.viewer.institution!.id);
    return sendHtml(personal(reply), renderPage(ArticlePage({ a: view, site: await ctx.site(), viewer: req.viewer })));
  });
};
