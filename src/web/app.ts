import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { AppContext } from './context.ts';
import { ANONYMOUS, type Viewer } from '../domain/access.ts';
import { renderPage, CSS_HASH } from './views/layout.tsx';
import { ErrorPage } from './views/pages.tsx';
import type { CachedResponse } from './page-cache.ts';
import { homeRoutes } from './routes/home.ts';
import { articleRoutes } from './routes/articles.ts';
import { issueRoutes } from './routes/issues.ts';
import { termRoutes } from './routes/terms.ts';
import { citeRoutes } from './routes/cite.ts';
import { oembedRoutes } from './routes/oembed.ts';
import { feedRoutes } from './routes/feeds.ts';
import { sitemapRoutes } from './routes/sitemaps.ts';
import { apiArticleRoutes } from './routes/api-articles.ts';
import { staticRoutes } from './routes/static.ts';
import { healthRoutes } from './routes/health.ts';
import { authRoutes } from './routes/auth.tsx';
import { accountRoutes } from './routes/account.tsx';
import { privateFeedRoutes } from './routes/private-feed.ts';
import { paymentRoutes } from './routes/payments.ts';
import { downloadRoutes } from './routes/downloads.ts';
import { textEditionRoutes } from './routes/text-edition.ts';
import { printRoutes } from './routes/print.ts';
import { searchRoutes } from './routes/search.ts';
import { mailRoutes } from './routes/mail.ts';
import { adminEditorRoutes } from './routes/admin/editor.ts';
import { adminOfficeRoutes } from './routes/admin/office.ts';
import { staffGate } from './admin/shell.tsx';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyCsrf from '@fastify/csrf-protection';
import { cookieName, resolveViewer } from '../auth/viewer.ts';
import { compressPayload } from './compress.ts';
import type { SessionInfo } from '../store/users.ts';
import { requestIdGenerator } from '../ops/request-id.ts';
import { isDraining } from '../ops/shutdown.ts';
import { refuseNulInput } from '../ops/input-guard.ts';
import { observeRequest } from '../ops/metrics.ts';

declare module 'fastify' {
  interface FastifyRequest {
    viewer: Viewer;
    /** The signed-in session behind this request, if any (not for Bearer tokens). */
    session: SessionInfo | null;
  }
}

export interface AppOptions {
  logger?: boolean | object;
}

const SECURITY_HEADERS: Record<string, string> = {
  // connect-src 'self': no script runs (script-src falls back to 'none'), but crawlers' tools such as
  // Lighthouse fetch /robots.txt from within the page, and default-src 'none' would block that.
  'content-security-policy': `default-src 'none'; style-src ${CSS_HASH}; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

/** URLs in logs, without the secrets some of them carry (mailed links, private feed addresses). */
export function redactUrl(url: string): string {
  return url
    .replace(/^(\/(?:login\/link|reset|account\/email)\/)[^/?#]+/, '$1[redacted]')
    .replace(/^(\/feeds\/private\/)[^/?#]+/, '$1[redacted]')
    .replace(/^(\/mail\/(?:unsubscribe|preferences)\/)[^/?#]+/, '$1[redacted]');
}

export async function buildApp(ctx: AppContext, opts: AppOptions = {}): Promise<FastifyInstance> {
  const logger = opts.logger && typeof opts.logger === 'object'
    ? {
        ...opts.logger,
        serializers: {
          req: (r: { method: string; url: string; hostname?: string; ip?: string; socket?: { remotePort?: number } }) => ({
            method: r.method, url: redactUrl(r.url), host: r.hostname, remoteAddress: r.ip,
          }),
        },
      }
    : opts.logger ?? false;
  const app = Fastify({
    logger,
    // X-Forwarded-* is believed only from the proxies an operator lists in TRUST_PROXY.
    trustProxy: ctx.config.trustProxy.length ? ctx.config.trustProxy : false,
    genReqId: requestIdGenerator(ctx.config.trustProxy),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    bodyLimit: 1024 * 1024,
  });

  await app.register(fastifyCookie);
  await app.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
  await app.register(fastifyCsrf, {
    cookieKey: cookieName(ctx, 'csrf'),
    cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true, secure: ctx.config.secure },
    getToken: (req) => (req.body as Record<string, string> | undefined)?._csrf ?? (req.headers['x-csrf-token'] as string | undefined),
  });

  app.decorateRequest('viewer', null as never);
  app.decorateRequest('session', null as never);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    if (isDraining(app)) reply.header('connection', 'close');
    req.viewer = ANONYMOUS;
    req.session = null;
    // Health checks and static files need no viewer.
    if (req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' || req.url.startsWith('/favicon')) return;
    const r = await resolveViewer(ctx, req);
    req.viewer = r.viewer;
    req.session = r.session;
  });
  app.addHook('onRequest', staffGate(ctx));

  // Every state-changing request: same-origin only, and a CSRF token (forms carry `_csrf`).
  // Webhooks are signed instead; Bearer-token API calls carry no cookie to abuse.
  app.addHook('preHandler', (req, reply, done) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return done();
    if (req.url.startsWith('/webhooks/')) return done();
    if (req.url.startsWith('/mail/unsubscribe/')) return done(); // RFC 8058 one-click: the signed token is the proof
    if (/^Bearer\s/i.test(req.headers.authorization ?? '') && !req.headers.cookie) return done();
    const site = req.headers['sec-fetch-site'];
    const origin = req.headers.origin;
    const own = [new URL(ctx.config.baseUrl).origin, `${req.protocol}://${req.headers.host}`];
    if (site === 'cross-site' || (origin && origin !== 'null' && !own.includes(origin)) || origin === 'null') {
      req.log.warn({ event: 'csrf_blocked', origin, secFetchSite: site, url: req.url }, 'cross-site request refused');
      reply.code(403).type('text/plain; charset=utf-8').send('This form must be sent from this site. Go back, reload the page and try again.');
      return;
    }
    app.csrfProtection(req, reply, done);
  });
  app.addHook('preValidation', refuseNulInput);
  app.addHook('onResponse', async (req, reply) => observeRequest(req.method, req.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000));
  // Served over HTTPS (BASE_URL): browsers are told to come back over HTTPS only, for a year.
  const headers: Record<string, string> = ctx.config.secure ? { ...SECURITY_HEADERS, 'strict-transport-security': 'max-age=31536000' } : SECURITY_HEADERS;
  app.addHook('onSend', async (_req, reply, payload) => {
    for (const [k, v] of Object.entries(headers)) if (!reply.hasHeader(k)) reply.header(k, v);
    return payload;
  });
  // gzip for public answers (never for signed-in readers or pages with a form token: BREACH).
  app.addHook('onSend', compressPayload);

  app.setNotFoundHandler(async (req, reply) => {
    if (req.url.startsWith('/api/')) return reply.code(404).send({ error: 'not_found', message: `No such resource: ${req.url.split('?')[0]}` });
    return sendHtml(reply.code(404), renderPage(ErrorPage({ site: await ctx.site(), status: 404, title: 'Page not found', message: 'There is no page at this address. It may have moved, or the link may be mistyped.' })));
  });

  app.setErrorHandler(async (err: Error & { statusCode?: number; validation?: unknown; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    const csrf = err.code?.startsWith('FST_CSRF');
    if (csrf) req.log.warn({ event: 'csrf_blocked', url: req.url, reason: err.code }, 'form without a valid CSRF token');
    const message = status >= 500
      ? 'Something went wrong on our side. The error has been logged; please try again in a moment.'
      : csrf ? 'This form has expired or did not come from this site. Go back, reload the page and send it again.' : err.message;
    if (req.url.startsWith('/api/')) return reply.code(status).send({ error: status >= 500 ? 'internal_error' : 'bad_request', message });
    let site;
    try {
      site = await ctx.site();
    } catch {
      site = { name: 'Masthead', abbreviation: '', description: null, issn: null, baseUrl: ctx.config.baseUrl };
    }
    return sendHtml(reply.code(status), renderPage(ErrorPage({ site, status, title: status >= 500 ? 'Something went wrong' : 'Bad request', message })));
  });

  await app.register(healthRoutes(ctx));
  await app.register(staticRoutes(ctx));
  await app.register(homeRoutes(ctx));
  await app.register(articleRoutes(ctx));
  await app.register(issueRoutes(ctx));
  await app.register(termRoutes(ctx));
  await app.register(citeRoutes(ctx));
  await app.register(feedRoutes(ctx));
  await app.register(oembedRoutes(ctx));
  await app.register(sitemapRoutes(ctx));
  await app.register(apiArticleRoutes(ctx));
  await app.register(authRoutes(ctx));
  await app.register(accountRoutes(ctx));
  await app.register(privateFeedRoutes(ctx));
  await app.register(paymentRoutes(ctx));
  await app.register(downloadRoutes(ctx));
  await app.register(textEditionRoutes(ctx));
  await app.register(printRoutes(ctx));
  await app.register(searchRoutes(ctx));
  await app.register(mailRoutes(ctx));
  await app.register(adminEditorRoutes(ctx));
  await app.register(adminOfficeRoutes(ctx));
  return app;
}

/** Pages are personal once anyone can sign in, and gated pages must never sit in a shared cache. */
export function sendHtml(reply: FastifyReply, html: string | Buffer, opts: { cache?: 'private' | 'public' } = {}): FastifyReply {
  reply.type('text/html; charset=utf-8');
  // Anything rendered for a signed-in reader is personal: no cache may keep it.
  if (reply.request.viewer?.kind === 'user') reply.header('cache-control', 'private, no-store');
  else if (!reply.hasHeader('cache-control')) reply.header('cache-control', opts.cache === 'public' ? 'public, max-age=300' : 'private, no-cache');
  reply.header('vary', 'Cookie, Authorization');
  return reply.send(html);
}

export async function notFound(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, message: string, links?: { href: string; label: string }[]) {
  if (req.url.startsWith('/api/')) return reply.code(404).send({ error: 'not_found', message });
  return sendHtml(reply.code(404), renderPage(ErrorPage({ site: await ctx.site(), status: 404, title: 'Not found', message, links })));
}

const HTML = 'text/html; charset=utf-8';

/** An HTML page, from the anonymous-reader cache when the viewer is anonymous. null: 404. */
export async function cachedHtml(ctx: AppContext, req: FastifyRequest, key: string, render: () => Promise<string | null>): Promise<CachedResponse | null> {
  return ctx.pages.get(req.viewer, key, async () => {
    const body = await render();
    return body === null ? null : { body, contentType: HTML };
  });
}

export function sendCachedResponse(reply: FastifyReply, r: CachedResponse): FastifyReply {
  if (r.contentType === HTML) return sendHtml(reply, r.body);
  reply.type(r.contentType);
  if (r.cacheControl) reply.header('cache-control', r.cacheControl);
  return reply.send(r.body);
}

/** ?page=N, 1-based, clamped; anything else is page 1. */
export function pageParam(q: unknown): number {
  const raw = (q as { page?: string } | undefined)?.page;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= 100000 ? n : 1;
}
