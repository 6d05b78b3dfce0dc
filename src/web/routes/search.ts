import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { cachedTerms } from '../context.ts';
import { searchArchive, DEFAULT_PER_PAGE, MAX_PER_PAGE } from '../../search/index.ts';
import type { SearchQuery, SearchResult } from '../../search/types.ts';
import { InputError } from '../../domain/types.ts';
import { renderPage } from '../views/layout.tsx';
import { SearchPage } from '../views/search.tsx';
import { sendHtml } from '../app.ts';

const KEYS = ['q', 'from', 'to', 'year', 'issue', 'topic', 'state', 'source', 'access', 'sort', 'page', 'per_page'] as const;

/** Query-string values as strings: a repeated parameter counts once, anything else is ignored. */
function readParams(query: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const q = (query ?? {}) as Record<string, unknown>;
  for (const k of KEYS) {
    let v = q[k];
    if (Array.isArray(v)) v = v[0];
    if (typeof v === 'string') out[k] = v.slice(0, 10_000);
  }
  return out;
}

/** Form values → a SearchQuery; InputError for values that cannot be right. */
function toQuery(p: Record<string, string>): SearchQuery {
  const int = (name: string, v: string | undefined) => {
    if (v === undefined || v === '') return undefined;
    if (!/^\d{1,6}$/.test(v)) throw new InputError(`${name} must be a whole number`);
    return Number(v);
  };
  const sq: SearchQuery = { q: p.q ?? '' };
  if (p.year) {
    if (!/^\d{4}$/.test(p.year)) throw new InputError('year must be four digits');
    sq.from = `${p.year}-01-01`;
    sq.to = `${p.year}-12-31`;
  }
  if (p.from) sq.from = p.from;
  if (p.to) sq.to = p.to;
  if (p.issue) sq.issue = p.issue;
  if (p.topic) sq.topic = p.topic;
  if (p.state) sq.state = p.state;
  if (p.source) sq.source = p.source;
  if (p.access) sq.access = p.access as SearchQuery['access'];
  if (p.sort) sq.sort = p.sort as SearchQuery['sort'];
  sq.page = int('page', p.page);
  sq.perPage = int('per_page', p.per_page);
  return sq;
}

function hitJson(base: string, h: SearchResult['hits'][number]) {
  return {
    slug: h.slug,
    title: h.title,
    url: `${base}/articles/${h.slug}`,
    title_html: h.titleHtml,
    snippet_html: h.snippetHtml,
    match_in_full_text: h.matchInFullText,
    dek: h.dek,
    access: h.access,
    published_at: h.publishedAt,
    issue: h.issue,
    pages: h.pageFirst != null ? { first: h.pageFirst } : null,
  };
}

function hasAny(p: Record<string, string>): boolean {
  return KEYS.some((k) => k !== 'sort' && k !== 'page' && k !== 'per_page' && p[k]);
}

export const searchRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const run = async (req: FastifyRequest, p: Record<string, string>) => {
    const q = toQuery(p);
    return searchArchive(ctx.store, q, req.viewer);
  };

  app.get('/search', async (req, reply) => {
    const p = readParams(req.query);
    const [site, topics, places] = await Promise.all([ctx.site(), cachedTerms(ctx, 'topic'), cachedTerms(ctx, 'place')]);
    let result: SearchResult | null = null;
    let error: string | null = null;
    if (hasAny(p)) {
      try {
        result = await run(req, p);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        error = err.message;
        reply.code(400);
      }
    }
    // Results depend on who asks (snippets from the full text for subscribers).
    reply.header('cache-control', 'private, no-cache');
    return sendHtml(reply, renderPage(SearchPage({
      site, form: p, result, error, topics, states: places.filter((t) => t.kind === 'state'),
      perPage: result?.query.perPage ?? DEFAULT_PER_PAGE, signedIn: req.viewer.kind === 'user',
    })));
  });

  app.get('/api/v1/search', async (req, reply) => {
    const p = readParams(req.query);
    reply.header('cache-control', req.viewer.kind === 'user' ? 'private, no-store' : 'private, no-cache');
    reply.header('vary', 'Cookie, Authorization');
    let r: SearchResult;
    try {
      r = await run(req, p);
    } catch (err) {
      if (err instanceof InputError) return reply.code(400).send({ error: 'bad_request', message: err.message });
      throw err;
    }
    const base = ctx.config.baseUrl;
    return {
      items: r.hits.map((h) => hitJson(base, h)),
      total: r.total,
      total_exact: r.totalExact,
      ranked_among: r.rankedAmong,
      page: r.query.page ?? 1,
      per_page: r.query.perPage ?? DEFAULT_PER_PAGE,
      max_per_page: MAX_PER_PAGE,
      facets: r.facets,
      facets_among: r.facetsAmong,
      did_you_mean: r.didYouMean,
      notice: r.notice,
    };
  });
};
