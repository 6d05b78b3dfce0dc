import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { getArticle, listArticles } from '../../store/articles.ts';
import { presentArticle, presentSummary } from '../../present/article.ts';
import { articleJson, summaryJson } from '../../present/api.ts';
import { exportCitation } from '../../present/citation-export.ts';
import { addVary } from '../compress.ts';

const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
});

const CitationQuery = z.object({ format: z.enum(['ris', 'bibtex', 'csl']).default('ris') });

function badRequest(error: z.ZodError): { error: string; message: string } {
  const issue = error.issues[0];
  return { error: 'bad_request', message: `${issue?.path.join('.') || 'query'}: ${issue?.message ?? 'invalid'}` };
}

export const apiArticleRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  app.addHook('onSend', async (req, reply, payload) => {
    // API answers depend on who asks (session or token): never in a shared cache.
    if (req.viewer.kind === 'user') reply.header('cache-control', 'private, no-store');
    else if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'private, no-cache');
    addVary(reply, 'Cookie', 'Authorization');
    return payload;
  });

  app.get('/api/v1/articles', async (req, reply) => {
    const q = ListQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error));
    const [site, list] = await Promise.all([ctx.site(), listArticles(ctx.store.db, { limit: q.data.limit, offset: q.data.offset })]);
    return { items: list.items.map((a) => summaryJson(presentSummary(a), site)), total: list.total, limit: q.data.limit, offset: q.data.offset };
  });

  app.get<{ Params: { slug: string } }>('/api/v1/articles/:slug', async (req, reply) => {
    const record = await getArticle(ctx.store.db, req.params.slug);
    if (!record) return reply.code(404).send({ error: 'not_found', message: `No published article has the slug "${req.params.slug}".` });
    return articleJson(presentArticle(record, req.viewer), await ctx.site());
  });

  app.get<{ Params: { slug: string } }>('/api/v1/articles/:slug/citation', async (req, reply) => {
    const q = CitationQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send({ error: 'bad_request', message: 'format must be one of ris, bibtex, csl' });
    const record = await getArticle(ctx.store.db, req.params.slug);
    if (!record) return reply.code(404).send({ error: 'not_found', message: `No published article has the slug "${req.params.slug}".` });
    const out = exportCitation(presentArticle(record, req.viewer), await ctx.site(), q.data.format);
    return reply
      .type(out.contentType)
      .header('content-disposition', `attachment; filename="${out.filename}"`)
      .header('cache-control', 'public, max-age=300')
      .send(out.body);
  });
};
