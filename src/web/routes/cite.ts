import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.ts';
import { parseCiteParams, formatCitation } from '../../domain/citations.ts';
import { findArticleAtPage } from '../../store/articles.ts';
import { getIssue } from '../../store/issues.ts';
import { findPublication } from '../../store/issues.ts';
import { articlePath } from '../../present/article.ts';
import { issuePath, monthYear } from '../views/layout.tsx';
import { notFound } from '../app.ts';

export const citeRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  app.get<{ Params: { pub: string; year: string; month: string; page: string } }>('/cite/:pub/:year/:month/:page', async (req, reply) => {
    const p = req.params;
    const c = parseCiteParams(p.pub, p.year, p.month, p.page);
    if (!c) return notFound(ctx, req, reply, 'A citation address looks like /cite/PLN/2025/03/45 (publication, year, month, page).');
    const label = formatCitation({ publication: c.publication, year: c.year, month: c.month, pageFirst: c.page, pageLast: c.page });
    const pub = await findPublication(ctx.store.db, c.publication);
    if (!pub) return notFound(ctx, req, reply, `${label}: this archive does not hold "${c.publication}".`);
    const hit = await findArticleAtPage(ctx.store.db, c);
    if (hit) return reply.code(302).header('cache-control', 'public, max-age=300').redirect(articlePath(hit.slug));
    const issue = await getIssue(ctx.store.db, c.year, c.month);
    if (issue) {
      return notFound(ctx, req, reply, `${label}: no article in the ${monthYear(c.year, c.month)} issue covers page ${c.page}.`, [{ href: issuePath(issue), label: `Contents of the ${monthYear(c.year, c.month)} issue` }]);
    }
    return notFound(ctx, req, reply, `${label}: the ${monthYear(c.year, c.month)} issue is not in the archive.`, [{ href: `/issues/${c.year}`, label: `Issues of ${c.year}` }]);
  });
};
