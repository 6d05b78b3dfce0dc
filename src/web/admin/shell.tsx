import type { ComponentChildren } from 'preact';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { AppContext } from '../context.ts';
import type { DB } from '../../store/schema.ts';
import { CSS, CSS_HASH, FAVICON, renderPage, type Site } from '../views/layout.tsx';
import { sendHtml } from '../app.ts';
import { safeNext } from '../session.ts';
import { staffFactors, writeAudit } from '../../store/newsroom.ts';

// The admin area's shell: who may enter (staffGate, requireStaff), the page layout (AdminPage),
// and the audit log (audit). Every URL under /admin goes through staffGate (registered in app.ts
// as an onRequest hook): anonymous visitors are sent to sign in, readers get a 403, and staff who
// owe a second factor are sent to /admin/2fa before anything else. Route handlers then call
// requireStaff(req, reply, 'editor' | 'admin') for the role they need.
//
// URLs: /admin (dashboard), /admin/issues, /admin/subscribers, /admin/institutions, /admin/gifts
// belong to the office (src/web/routes/admin/office.ts); /admin/articles, /admin/import,
// /admin/audit, /admin/2fa and /admin/assets to the newsroom (src/web/routes/admin/editor.ts).
//
// Second factor: admins must enrol TOTP and pass it in each session (valid MFA_TTL_MS); editors
// may enrol, and once they have, they must pass it too. A session that has not passed it reaches
// only /admin/2fa.

export type StaffRole = 'editor' | 'admin';

export interface StaffUser {
  userId: number;
  email: string;
  role: StaffRole;
  sessionId: number;
  /** TOTP is set up for this account. */
  totpEnabled: boolean;
}

interface StaffState {
  user: StaffUser;
  site: Site;
  /** This session has passed the second factor (recently enough). */
  secondFactor: boolean;
  /** The account must pass a second factor before using the admin area. */
  needsFactor: boolean;
}

/** How long a session's second factor counts before it is asked again. */
export const MFA_TTL_MS = 12 * 3600_000;

/** The admin pages allow their own scripts and stylesheet (from /admin/assets/), nothing inline but the site's CSS. */
export const ADMIN_CSP = `default-src 'none'; style-src 'self' ${CSS_HASH}; script-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;

const states = new WeakMap<FastifyRequest, StaffState>();

export function isAdminPath(url: string): boolean {
  const path = url.split('?')[0];
  return path === '/admin' || path.startsWith('/admin/');
}

function loginUrl(req: FastifyRequest): string {
  const next = req.method === 'GET' ? safeNext(req.url) : '/admin';
  return `/login?next=${encodeURIComponent(next)}`;
}

function twoFactorUrl(req: FastifyRequest): string {
  const next = req.method === 'GET' ? safeNext(req.url) : '/admin';
  return `/admin/2fa?next=${encodeURIComponent(next)}`;
}

function forbidden(reply: FastifyReply, site: Site | null, message: string, link?: { href: string; label: string }): FastifyReply {
  reply.code(403);
  return sendAdminHtml(reply, renderPage(
    <AdminFrame site={site} title="Not allowed">
      <p class="kicker">Error 403</p>
      <h1>Not allowed</h1>
      <p>{message}</p>
      <ul>
        {link ? <li><a href={link.href}>{link.label}</a></li> : null}
        <li><a href="/">Back to the site</a></li>
      </ul>
    </AdminFrame>,
  ));
}

/**
 * onRequest hook for every /admin URL (after the viewer is known): no caching, the admin CSP,
 * and the door: sign-in, staff role and second factor. Handlers still call requireStaff.
 */
export function staffGate(ctx: AppContext) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    if (!isAdminPath(req.url)) return;
    reply.header('cache-control', 'private, no-store');
    reply.header('content-security-policy', ADMIN_CSP);
    reply.header('x-robots-tag', 'noindex, nofollow');
    if (req.url.startsWith('/admin/assets/')) return;
    const v = req.viewer;
    // A session only: personal API tokens never open the admin area.
    if (v.kind !== 'user' || !req.session) return reply.redirect(loginUrl(req), 303);
    const site = await ctx.site();
    if (v.role !== 'editor' && v.role !== 'admin') {
      req.log.warn({ event: 'admin_refused', userId: v.userId, url: req.url }, 'admin area refused: not staff');
      return forbidden(reply, site, 'The admin area is for the editors and administrators of this publication. Your account is a reader account.');
    }
    const f = await staffFactors(ctx.store.db, v.userId, req.session.sessionId);
    const secondFactor = f.totpEnabled && f.verifiedAt !== null && Date.now() - Date.parse(f.verifiedAt) < MFA_TTL_MS;
    const needsFactor = f.totpEnabled || v.role === 'admin';
    states.set(req, {
      user: { userId: v.userId, email: v.email, role: v.role, sessionId: req.session.sessionId, totpEnabled: f.totpEnabled },
      site,
      secondFactor,
      needsFactor,
    });
    const path = req.url.split('?')[0];
    if (needsFactor && !secondFactor && path !== '/admin/2fa' && !path.startsWith('/admin/2fa/')) {
      if (req.method === 'GET' || req.method === 'HEAD') return reply.redirect(twoFactorUrl(req), 303);
      return forbidden(reply, site, 'This session has not passed two-factor sign-in (or it has lapsed). Enter a code from your authenticator app, then send the form again.', { href: '/admin/2fa', label: 'Enter a code' });
    }
  };
}

/**
 * The staff member behind this request when they hold `role` (an admin holds every role) and
 * have passed their second factor; otherwise the answer is sent (303 to sign in, 403, or 303 to
 * /admin/2fa) and null is returned: `const staff = requireStaff(req, reply, 'admin'); if (!staff) return reply;`
 */
export function requireStaff(req: FastifyRequest, reply: FastifyReply, role: StaffRole): StaffUser | null {
  reply.header('cache-control', 'private, no-store');
  const s = states.get(req);
  if (!s) {
    // Outside /admin (or the gate did not run): nobody is let in on this path's word.
    if (req.viewer.kind !== 'user' || !req.session) reply.redirect(loginUrl(req), 303);
    else forbidden(reply, null, 'This page is part of the admin area and must be opened under /admin.');
    return null;
  }
  if (s.needsFactor && !s.secondFactor) {
    if (req.method === 'GET' || req.method === 'HEAD') reply.redirect(twoFactorUrl(req), 303);
    else forbidden(reply, s.site, 'This session has not passed two-factor sign-in.', { href: '/admin/2fa', label: 'Enter a code' });
    return null;
  }
  if (role === 'admin' && s.user.role !== 'admin') {
    req.log.warn({ event: 'admin_refused', userId: s.user.userId, url: req.url, needs: role }, 'admin area refused: role');
    forbidden(reply, s.site, 'This part of the admin area is for administrators. Ask an administrator if you need it.', { href: '/admin', label: 'Admin home' });
    return null;
  }
  return s.user;
}

/** The staff member as the gate saw them, without any check (for the two-factor pages). */
export function staffState(req: FastifyRequest): { user: StaffUser; site: Site; secondFactor: boolean; needsFactor: boolean } | null {
  return states.get(req) ?? null;
}

/**
 * Records an admin action: who (the signed-in staff member), what, when, and the state before
 * and after (any JSON-able values; null when there is none). Give the transaction that makes the
 * change, so the record and the change are written together or not at all.
 */
export async function audit(
  ctx: AppContext,
  req: FastifyRequest,
  e: { action: string; entity: string; entityId: string | number | null; before: unknown; after: unknown },
  trx?: Kysely<DB>,
): Promise<void> {
  const s = states.get(req);
  const v = req.viewer;
  const userId = s?.user.userId ?? (v.kind === 'user' ? v.userId : null);
  const userEmail = s?.user.email ?? (v.kind === 'user' ? v.email : 'anonymous');
  await writeAudit(trx ?? ctx.store.db, { userId, userEmail, ip: req.ip ?? null, ...e });
}

/** Sends an admin page: personal, never stored by any cache. */
export function sendAdminHtml(reply: FastifyReply, html: string): FastifyReply {
  reply.header('cache-control', 'private, no-store');
  return sendHtml(reply, html);
}

/** Renders and sends an AdminPage (or any vnode) with the admin headers. */
export function sendAdmin(reply: FastifyReply, page: preact.VNode, status = 200): FastifyReply {
  if (status !== 200) reply.code(status);
  return sendAdminHtml(reply, renderPage(page));
}

export type AdminSection = 'dashboard' | 'articles' | 'import' | 'issues' | 'subscribers' | 'institutions' | 'gifts' | 'audit' | 'security';

/** The admin navigation; `role` is the least role that sees the link. */
export const ADMIN_NAV: { key: AdminSection; href: string; label: string; role: StaffRole }[] = [
  { key: 'dashboard', href: '/admin', label: 'Dashboard', role: 'editor' },
  { key: 'articles', href: '/admin/articles', label: 'Articles', role: 'editor' },
  { key: 'import', href: '/admin/import', label: 'Import', role: 'editor' },
  { key: 'issues', href: '/admin/issues', label: 'Issues', role: 'editor' },
  { key: 'subscribers', href: '/admin/subscribers', label: 'Subscribers', role: 'admin' },
  { key: 'institutions', href: '/admin/institutions', label: 'Institutions', role: 'admin' },
  { key: 'gifts', href: '/admin/gifts', label: 'Gift codes', role: 'admin' },
  { key: 'audit', href: '/admin/audit', label: 'Audit log', role: 'admin' },
];

/** The bare admin document (head, stylesheet, scripts): AdminPage adds the navigation. */
function AdminFrame({ site, title, scripts, children }: { site: Site | null; title: string; scripts?: string[]; children: ComponentChildren }) {
  const name = site?.name ?? 'Masthead';
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <title>{`${title} | ${name} admin`}</title>
        <link rel="icon" href={FAVICON} type="image/png" sizes="32x32" />
        <style dangerouslySetInnerHTML={{ __html: CSS }} />
        <link rel="stylesheet" href="/admin/assets/admin.css" />
        {(scripts ?? []).map((s) => <script src={s} defer />)}
      </head>
      <body class="admin">
        <a class="skip" href="#main">Skip to content</a>
        {children}
      </body>
    </html>
  );
}

export interface AdminPageProps {
  site: Site;
  staff: StaffUser;
  /** For the sign-out form (reply.generateCsrf()). */
  csrf: string;
  title: string;
  /** Which navigation entry is current. */
  active?: AdminSection;
  /** A short confirmation shown above the content (role="status"). */
  notice?: string | null;
  /** An error shown above the content (role="alert"). */
  error?: string | null;
  /** Script URLs under /admin/assets/, loaded with defer. Pages must work without them. */
  scripts?: string[];
  children: ComponentChildren;
}

/** The layout of every admin page: header, navigation by role, notices, content. */
export function AdminPage(p: AdminPageProps) {
  const nav = ADMIN_NAV.filter((n) => n.role === 'editor' || p.staff.role === 'admin');
  return (
    <AdminFrame site={p.site} title={p.title} scripts={p.scripts}>
      <header class="admin-header">
        <div class="wrap">
          <p class="admin-brand"><a href="/admin">{p.site.name}</a> <span class="badge">Admin</span></p>
          <nav class="admin-nav" aria-label="Admin">
            <ul>
              {nav.map((n) => (
                <li><a href={n.href} aria-current={p.active === n.key ? 'page' : undefined}>{n.label}</a></li>
              ))}
            </ul>
          </nav>
          <div class="admin-who">
            <span>{p.staff.email} ({p.staff.role})</span>
            <a href="/admin/2fa/settings" aria-current={p.active === 'security' ? 'page' : undefined}>Two-factor sign-in</a>
            <a href="/">View site</a>
            <form method="post" action="/logout" class="inline-form">
              <input type="hidden" name="_csrf" value={p.csrf} />
              <button type="submit" class="linklike">Sign out</button>
            </form>
          </div>
        </div>
      </header>
      <main id="main" class="wrap admin-main" tabIndex={-1}>
        {p.notice ? <p class="notice" role="status">{p.notice}</p> : null}
        {p.error ? <p class="prompt alert" role="alert"><strong>{p.error}</strong></p> : null}
        {p.children}
      </main>
    </AdminFrame>
  );
}

/** A page of the admin area for someone not (yet) through the door: the two-factor pages. */
export function AdminBarePage({ site, title, children }: { site: Site; title: string; children: ComponentChildren }) {
  return (
    <AdminFrame site={site} title={title}>
      <header class="admin-header">
        <div class="wrap"><p class="admin-brand"><a href="/">{site.name}</a> <span class="badge">Admin</span></p></div>
      </header>
      <main id="main" class="wrap admin-main narrow" tabIndex={-1}>{children}</main>
    </AdminFrame>
  );
}
