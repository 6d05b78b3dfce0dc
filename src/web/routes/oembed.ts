import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { getArticle } from '../../store/articles.ts';
import { presentArticle } from '../../present/article.ts';
import { oembedXml, presentOembed } from '../../present/oembed.ts';
import { ANONYMOUS } from '../../domain/access.ts';
import type { Site } from '../views/layout.tsx';

// GET /oembed?url=…&format=json|xml&maxwidth=&maxheight= (https://oembed.com). The answer is
// the same for everybody (the anonymous reader's view of the article), so it may be cached by
// anyone and read from any origin. Status codes as the specification gives them: 404 for an
// address that is not one of this site's published articles, 501 for another format.

const Size = z.coerce.number().int().min(1).max(10_000);
const Query = z.object({
  url: z.string({ error: 'url is required: the address of an article on this site' }).min(1, 'url is required: the address of an article on this site').max(2048, 'url is too long'),
  format: z.string().max(20).optional(),
  maxwidth: Size.optional(),
  maxheight: Size.optional(),
});

/** The slug of an article address on this site (either scheme, any case of host), or null. */
export function articleSlugOf(site: Site, address: string): string | null {
  let u: URL;
  let base: URL;
  try {
    u = new URL(address);
    base = new URL(site.baseUrl);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (u.hostname !== base.hostname) return null;
  const samePort = (x: URL) => x.port || (x.protocol === 'https:' ? '443' : '80');
  if (u.port && samePort(u) !== samePort(base)) return null;
  const prefix = base.pathname.replace(/\/+$/, '');
  const m = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/articles/([^/]+)/?$`).exec(u.pathname);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return null;
  }
}

function problem(reply: FastifyReply, status: number, error: string, message: string): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').send({ error, message });
}

export const oembedRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  app.get('/oembed', async (req, reply) => {
    reply.header('access-control-allow-origin', '*');
    const q = Query.safeParse(req.query);
    if (!q.success) {
      const issue = q.error.issues[0];
      return problem(reply, 400, 'bad_request', `${issue?.path.join('.') || 'query'}: ${issue?.message ?? 'invalid'}`);
    }
    const format = (q.data.format ?? 'json').toLowerCase();
    if (format !== 'json' && format !== 'xml') return problem(reply, 501, 'not_implemented', 'format must be json or xml');
    const site = await ctx.site();
    const slug = articleSlugOf(site, q.data.url);
    const record = slug ? await getArticle(ctx.store.db, slug) : null;
    if (!record) return problem(reply, 404, 'not_found', `There is no published article at ${q.data.url} on ${site.baseUrl}.`);
    const embed = presentOembed(presentArticle(record, ANONYMOUS), site, { maxwidth: q.data.maxwidth ?? null, maxheight: q.data.maxheight ?? null });
    reply.header('cache-control', 'public, max-age=3600');
    if (format === 'xml') return reply.type('text/xml; charset=utf-8').send(oembedXml(embed));
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(embed));
  });
};
