import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.ts';
import { articleSitemapPage, countVisible, listArticles } from '../../store/articles.ts';
import { listIssues } from '../../store/issues.ts';
import { cachedTerms } from '../context.ts';
import { presentSummary, articlePath } from '../../present/article.ts';
import { renderUrlset, renderSitemapIndex, renderNewsSitemap, SITEMAP_PAGE_SIZE } from '../../present/sitemaps.ts';
import { issuePath } from '../views/layout.tsx';
import { notFound } from '../app.ts';

const XML = 'application/xml; charset=utf-8';

export const sitemapRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  app.get('/sitemap.xml', async (_req, reply) => {
    const base = ctx.config.baseUrl;
    const pages = Math.max(1, Math.ceil((await countVisible(ctx.store.db)) / SITEMAP_PAGE_SIZE));
    const entries = [{ loc: `${base}/sitemap-pages.xml` }];
    for (let i = 1; i <= pages; i++) entries.push({ loc: `${base}/sitemap-articles-${i}.xml` });
    return reply.type(XML).header('cache-control', 'public, max-age=3600').send(renderSitemapIndex(entries));
  });

  app.get('/sitemap-pages.xml', async (_req, reply) => {
    const base = ctx.config.baseUrl;
    const db = ctx.store.db;
    const [issues, topics, places, sources] = await Promise.all([listIssues(db), cachedTerms(ctx, 'topic'), cachedTerms(ctx, 'place'), cachedTerms(ctx, 'source')]);
    const locs = ['/', '/articles', '/issues', '/topics', '/states', '/sources', '/subscribe'];
    for (const y of new Set(issues.map((i) => i.year))) locs.push(`/issues/${y}`);
    for (const i of issues) locs.push(issuePath(i));
    for (const t of topics) locs.push(`/topics/${t.slug}`);
    for (const p of places) locs.push(`/${p.kind === 'state' ? 'states' : 'countries'}/${p.slug}`);
    for (const s of sources) locs.push(`/sources/${s.slug}`);
    return reply.type(XML).header('cache-control', 'public, max-age=3600').send(renderUrlset(locs.map((l) => ({ loc: base + l }))));
  });

  app.get<{ Params: { n: string } }>('/sitemap-articles-:n.xml', async (req, reply) => {
    const n = Number(req.params.n);
    const rows = Number.isInteger(n) && n >= 1 && n <= 1_000_000 ? await articleSitemapPage(ctx.store.db, n, SITEMAP_PAGE_SIZE) : [];
    if (rows.length === 0) return notFound(ctx, req, reply, 'There is no such sitemap page.');
    const base = ctx.config.baseUrl;
    return reply.type(XML).header('cache-control', 'public, max-age=3600')
      .send(renderUrlset(rows.map((r) => ({ loc: base + articlePath(r.slug), lastmod: r.updated_at }))));
  });

  app.get('/sitemap-news.xml', async (_req, reply) => {
    const [site, list] = await Promise.all([ctx.site(), listArticles(ctx.store.db, { limit: 1000, offset: 0, since: new Date(Date.now() - 2 * 86400_000).toISOString() })]);
    return reply.type(XML).header('cache-control', 'public, max-age=600').send(renderNewsSitemap(site, list.items.map(presentSummary)));
  });
};
