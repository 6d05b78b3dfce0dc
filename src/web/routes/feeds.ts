import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.ts';
import { listArticles } from '../../store/articles.ts';
import { presentSummary } from '../../present/article.ts';
import { renderRss, renderAtom } from '../../present/feeds.ts';

const FEED_SIZE = 30;

export const feedRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  // Public feeds carry teasers only: they are built from summaries, which have no body.
  app.get('/feed.xml', async (_req, reply) => {
    const [site, list] = await Promise.all([ctx.site(), listArticles(ctx.store.db, { limit: FEED_SIZE, offset: 0 })]);
    return reply.type('application/rss+xml; charset=utf-8').header('cache-control', 'public, max-age=300')
      .send(renderRss(site, list.items.map(presentSummary), { selfPath: '/feed.xml' }));
  });
  app.get('/feed.atom', async (_req, reply) => {
    const [site, list] = await Promise.all([ctx.site(), listArticles(ctx.store.db, { limit: FEED_SIZE, offset: 0 })]);
    return reply.type('application/atom+xml; charset=utf-8').header('cache-control', 'public, max-age=300')
      .send(renderAtom(site, list.items.map(presentSummary), { selfPath: '/feed.atom' }));
  });
};
