import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { AppContext } from '../context.ts';
import { getArticle } from '../../store/articles.ts';
import { presentArticle } from '../../present/article.ts';
import { canDownloadArticle } from '../../domain/access.ts';
import { recordDownload } from '../../store/downloads.ts';
import { renderTextEdition, toAscii, MIN_PART_LIMIT, PART_SEPARATOR } from '../../domain/plain-text.ts';

// GET /api/v1/articles/:slug/text — the plain-text edition, for prison tablets and e-messaging
// systems that take plain ASCII text in messages of limited length. `?part=N` answers one part.
// Premium articles are a download: subscribers and institutions only (a metered read does not
// count). Every answer, errors included, is plain ASCII text.

const TEXT = 'text/plain; charset=us-ascii';

function sendText(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .code(status)
    .type(TEXT)
    .header('cache-control', 'private, no-store')
    .header('vary', 'Cookie, Authorization')
    .send(toAscii(body.endsWith('\n') ? body : body + '\n'));
}

/** Seconds until the daily download allowance starts again (midnight UTC). */
function secondsUntilTomorrow(now = new Date()): number {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.max(1, Math.ceil((next - now.getTime()) / 1000));
}

function filenameFor(slug: string, part: number | null, parts: number): string {
  const base = slug.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 120) || 'article';
  return part === null ? `${base}.txt` : `${base}-part-${part}-of-${parts}.txt`;
}

export const textEditionRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  app.get<{ Params: { slug: string }; Querystring: { part?: string } }>('/api/v1/articles/:slug/text', async (req, reply) => {
    const slug = req.params.slug;
    const record = await getArticle(ctx.store.db, slug);
    if (!record) return sendText(reply, 404, `No published article has the address "${slug}". Check the link, or search the archive at ${ctx.config.baseUrl}/search`);

    const rawPart = req.query.part;
    let part: number | null = null;
    if (rawPart !== undefined) {
      if (!/^[1-9]\d{0,5}$/.test(rawPart)) return sendText(reply, 400, 'The part must be a whole number from 1 up, for example ?part=2. Leave it out for all parts.');
      part = Number(rawPart);
    }

    const site = await ctx.site();
    const view = presentArticle(record, req.viewer);
    // A premium text edition is a download: a subscription or an institution, never the meter.
    if (!canDownloadArticle(req.viewer, view) || view.bodyText === null) {
      const signedIn = req.viewer.kind === 'user';
      return sendText(reply, 403, [
        `${view.title}`,
        view.citation ? `${view.citation}` : null,
        '',
        `This is a premium article. Its plain-text edition is for ${site.name} subscribers and for readers at subscribing institutions.`,
        signedIn
          ? 'Your account has no current subscription. Subscribe or renew at:'
          : 'If you subscribe, sign in first (or use your personal API token). To subscribe:',
        `${ctx.config.baseUrl}/subscribe`,
        signedIn ? null : `Sign in: ${ctx.config.baseUrl}/login?next=${encodeURIComponent(view.url)}`,
        '',
        `The free beginning of the article is at ${ctx.config.baseUrl}${view.url}`,
      ].filter((l) => l !== null).join('\n'));
    }

    const parts = renderTextEdition(view, site, { partLimit: Math.max(MIN_PART_LIMIT, ctx.config.textPartLimit), baseUrl: ctx.config.baseUrl });
    if (part !== null && part > parts.length) {
      return sendText(reply, 404, `This article's text edition has ${parts.length} part${parts.length === 1 ? '' : 's'}; there is no part ${part}.`);
    }

    // Downloads are logged, and limited per day, for whoever can be counted: a signed-in reader or
    // an institution. An anonymous reader of a free article is neither (recordDownload refuses).
    const countable = req.viewer.kind === 'user' || req.viewer.institution !== null;
    if (countable && req.method !== 'HEAD' && !(await recordDownload(ctx.store.db, req.viewer, 'article-text', slug, ctx.config.dailyDownloadLimit))) {
      reply.header('retry-after', String(secondsUntilTomorrow()));
      return sendText(reply, 429, `You have reached today's limit of ${ctx.config.dailyDownloadLimit} downloads. It starts again at midnight UTC.`);
    }

    const body = part === null ? parts.join(PART_SEPARATOR) : parts[part - 1];
    reply.header('content-disposition', `inline; filename="${filenameFor(slug, part, parts.length)}"`);
    reply.header('x-text-parts', String(parts.length));
    return sendText(reply, 200, body);
  });
};
