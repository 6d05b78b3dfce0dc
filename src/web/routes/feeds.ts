import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.ts';
import { listArticles } from '../../store/articles.ts';
import { presentSummary } from '../../present/article.ts';
import { renderRss, renderAtom } from '../../present/feeds.ts';
import { sendCachedResponse } from '../app.ts';

const FEED_SIZE = 30;

export const feedRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  // Public feeds carry teasers only: they are built from summaries, which have no body.
  for (const [path, contentType, render] of [
    ['/feed.xml', 'application/rss+xml; charset=utf-8', renderRss],
    ['/feed.atom', 'application/atom+xml; charset=utf-8', renderAtom],
  ] as const) {
    app.get(path, async (req, reply) => {
      const feed = await ctx.pages.get(req.viewer, `feed ${path}`, async () => {
        const [site, list] = await Promise.all([ctx.site(), listArticles(ctx.store.db, { limit: FEED_SIZE, offset: 0, withTotal: false })]);
        return { body: render(site, list.items.map(presentSummary), { selfPath: path }), contentType, cacheControl: 'public, max-age=300' };
      });
      return sendCachedResponse(reply, feed!);
    });
  }
};
