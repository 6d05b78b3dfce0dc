import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.ts';
import { verifyFeedToken } from '../../store/feed-tokens.ts';
import { findUser, currentEntitlement } from '../../store/users.ts';
import { listArticles, getArticle } from '../../store/articles.ts';
import { presentArticle, presentSummary } from '../../present/article.ts';
import { renderRss } from '../../present/feeds.ts';
import { canDownload, type Viewer } from '../../domain/access.ts';

const FEED_SIZE = 30;

export const privateFeedRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  // A subscriber's own full-text feed. The address is the credential; the presenter still decides
  // what each item holds, so an expired subscription gets teasers again.
  app.get<{ Params: { token: string } }>('/feeds/private/:token', async (req, reply) => {
    const token = req.params.token.replace(/\.xml$/, '');
    const userId = await verifyFeedToken(ctx.store.db, token);
    const user = userId ? await findUser(ctx.store.db, userId) : null;
    if (!user) return reply.code(404).type('text/plain; charset=utf-8').header('cache-control', 'private, no-store').send('This feed address is not valid (it may have been replaced). Get the current one from your account page.\n');
    const viewer: Viewer = { kind: 'user', userId: user.id, email: user.email, role: user.role, subscribed: Boolean(await currentEntitlement(ctx.store.db, user.id)), institution: null };
    const [site, list] = await Promise.all([ctx.site(), listArticles(ctx.store.db, { limit: FEED_SIZE, offset: 0, withTotal: false })]);
    const fullText = new Map<string, string>();
    // A full-text feed is a download: only while subscribed (access.ts), and then the presenter
    // still decides item by item. Afterwards the address gives teasers, like the public feed.
    if (canDownload(viewer)) for (const item of list.items) {
      const record = await getArticle(ctx.store.db, item.slug);
      const view = record ? presentArticle(record, viewer) : null;
      if (view?.bodyHtml) fullText.set(item.slug, view.bodyHtml);
    }
    return reply.type('application/rss+xml; charset=utf-8').header('cache-control', 'private, no-store')
      .send(renderRss(site, list.items.map(presentSummary), { selfPath: `/feeds/private/${token}.xml`, title: `${site.name} (full text for ${user.email})`, fullText }));
  });
};
