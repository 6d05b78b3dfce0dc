import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.ts';
import { renderPage } from '../views/layout.tsx';
import { SubscribePage } from '../views/pages.tsx';
import { sendHtml } from '../app.ts';

const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="8" fill="#8a1c1c"/><text x="32" y="46" font-family="Georgia,serif" font-size="40" font-weight="700" text-anchor="middle" fill="#fff">M</text></svg>`;

export const staticRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  app.get('/favicon.svg', async (_req, reply) => reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(FAVICON));
  app.get('/favicon.ico', async (_req, reply) => reply.redirect('/favicon.svg', 301));
  app.get('/robots.txt', async (_req, reply) => {
    const base = ctx.config.baseUrl;
    return reply.type('text/plain; charset=utf-8').header('cache-control', 'public, max-age=3600')
      .send(`User-agent: *\nDisallow: /admin\nDisallow: /api/\nAllow: /\n\nSitemap: ${base}/sitemap.xml\nSitemap: ${base}/sitemap-news.xml\n`);
  });
  app.get('/subscribe', async (req, reply) => {
    const prices = ctx.config.stripe?.prices;
    const plans = [
      ...(prices?.digital ? [{ plan: 'digital' as const, label: 'Digital: pay by card' }] : []),
      ...(prices?.['print-digital'] ? [{ plan: 'print-digital' as const, label: 'Print and digital: pay by card' }] : []),
    ];
    const signedIn = req.viewer.kind === 'user';
    const online = plans.length ? { plans, signedIn, csrf: signedIn ? reply.generateCsrf() : null } : null;
    return sendHtml(reply, renderPage(SubscribePage({ site: await ctx.site(), online })));
  });
};
