import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { listArticles, type ListFilter } from '../../store/articles.ts';
import { getTerm, type Facet, type Term } from '../../store/taxonomy.ts';
import { cachedTerms } from '../context.ts';
import { presentSummary } from '../../present/article.ts';
import { renderPage } from '../views/layout.tsx';
import { ListPage, TermIndexPage } from '../views/pages.tsx';
import { sendHtml, notFound, pageParam, cachedHtml, sendCachedResponse } from '../app.ts';
import { followFormHtml, withFollowForm } from '../views/mail.tsx';

const PER_PAGE = 20;

interface TermKind {
  facet: Facet;
  /** URL prefix, e.g. "topics" */
  prefix: string;
  plural: string;
  filter: ListFilter['kind'];
  only?: (t: Term) => boolean;
  /** The "Follow by e-mail" button: which /follows/new filter, and what to call the term. */
  follow?: { param: 'topic' | 'state' | 'source'; noun: string };
}

const KINDS: TermKind[] = [
  { facet: 'topic', prefix: 'topics', plural: 'Topics', filter: 'topic', follow: { param: 'topic', noun: 'topic' } },
  { facet: 'place', prefix: 'states', plural: 'States', filter: 'place', only: (t) => t.kind === 'state', follow: { param: 'state', noun: 'state' } },
  { facet: 'place', prefix: 'countries', plural: 'Countries', filter: 'place', only: (t) => t.kind === 'country', follow: { param: 'state', noun: 'country' } },
  { facet: 'source', prefix: 'sources', plural: 'Sources', filter: 'source', follow: { param: 'source', noun: 'source' } },
  { facet: 'author', prefix: 'authors', plural: 'Authors', filter: 'author' },
];

export const termRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  for (const kind of KINDS) {
    app.get(`/${kind.prefix}`, async (_req, reply) => {
      const [site, terms] = await Promise.all([ctx.site(), cachedTerms(ctx, kind.facet)]);
      const shown = kind.only ? terms.filter(kind.only) : terms;
      return sendHtml(reply, renderPage(TermIndexPage({ site, title: kind.plural, path: `/${kind.prefix}`, terms: shown, base: (t) => `/${kind.prefix}/${t.slug}` })));
    });

    app.get<{ Params: { slug: string } }>(`/${kind.prefix}/:slug`, async (req: FastifyRequest<{ Params: { slug: string } }>, reply: FastifyReply) => {
      const page = pageParam(req.query);
      const html = await cachedHtml(ctx, req, `${kind.prefix} ${req.params.slug} ${page}`, async () => {
        const term = await getTerm(ctx.store.db, kind.facet, req.params.slug);
        if (!term || (kind.only && !kind.only({ ...term, count: 0 }))) return null;
        const path = `/${kind.prefix}/${term.slug}`;
        const [site, list] = await Promise.all([
          ctx.site(),
          listArticles(ctx.store.db, { limit: PER_PAGE, offset: (page - 1) * PER_PAGE, filter: { kind: kind.filter, slug: term.slug } as ListFilter }),
        ]);
        const pages = Math.max(1, Math.ceil(list.total / PER_PAGE));
        if (page > pages) return null;
        const html = renderPage(ListPage({
          site, title: term.name, description: `Articles about ${term.name} in ${site.name}.`, path,
          items: list.items.map(presentSummary), page, pages, total: list.total, crumb: { href: `/${kind.prefix}`, label: kind.plural },
        }));
        // The same button for every reader (a GET form): the page stays cacheable.
        return kind.follow ? withFollowForm(html, followFormHtml(kind.follow.param, term.slug, kind.follow.noun)) : html;
      });
      if (!html) {
        return notFound(ctx, req, reply, `There is nothing filed under "${req.params.slug}"${pageParam(req.query) > 1 ? ' on that page' : ''}.`, [{ href: `/${kind.prefix}`, label: `All ${kind.plural.toLowerCase()}` }]);
      }
      return sendCachedResponse(reply, html);
    });
  }
};
