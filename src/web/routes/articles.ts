import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.ts';
import { getArticle, listArticles } from '../../store/articles.ts';
import { presentArticle, presentSummary } from '../../present/article.ts';
import { renderPage } from '../views/layout.tsx';
import { ArticlePage } from '../views/article.tsx';
import { ListPage } from '../views/pages.tsx';
import { sendHtml, notFound, pageParam, cachedHtml, sendCachedResponse } from '../app.ts';

const PER_PAGE = 20;

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
    const page = await cachedHtml(ctx, req, `article ${req.params.slug}`, async () => {
      const record = await getArticle(ctx.store.db, req.params.slug);
      return record ? renderPage(ArticlePage({ a: presentArticle(record, req.viewer), site: await ctx.site() })) : null;
    });
    if (!page) return notFound(ctx, req, reply, 'We could not find that article. It may have been moved or not published yet.', [{ href: '/articles', label: 'All articles' }]);
    return sendCachedResponse(reply, page);
  });
};
