import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../web/context.ts';
import { ANONYMOUS, type Viewer, type InstitutionRef } from '../domain/access.ts';
import { lookupSession, lookupApiToken, type SessionInfo } from '../store/users.ts';
import { institutionForIp } from '../store/institutions.ts';

// Who is asking: a session cookie, a personal API token, and the address (for institutions).
// Nothing else counts: no user agent, referrer or forwarded header unlocks anything (the
// address comes from X-Forwarded-For only when the proxy is in TRUST_PROXY; Fastify decides).

/**
 * The name of one of the site's own cookies: `__Host-x` over HTTPS (the browser then keeps it
 * Secure, for this host only and for the whole site), `masthead_x` over plain HTTP.
 */
export function cookieName(ctx: AppContext, base: 'session' | 'csrf' | 'signup'): string {
  return ctx.config.secure ? `__Host-${base}` : `masthead_${base}`;
}

export function sessionCookieName(ctx: AppContext): string {
  return cookieName(ctx, 'session');
}

export interface ResolvedViewer {
  viewer: Viewer;
  session: SessionInfo | null;
}

// Which institution an address belongs to, remembered for a short while per address: address
// ranges change rarely, and a change reaches every instance within INSTITUTION_TTL_MS.
const INSTITUTION_TTL_MS = 30_000;
const INSTITUTION_CACHE_MAX = 10_000;
const institutionCache = new WeakMap<AppContext, Map<string, { at: number; value: InstitutionRef | null }>>();

async function institutionOf(ctx: AppContext, ip: string): Promise<InstitutionRef | null> {
  let cache = institutionCache.get(ctx);
  if (!cache) institutionCache.set(ctx, (cache = new Map()));
  const now = Date.now();
  const hit = cache.get(ip);
  if (hit && now - hit.at < INSTITUTION_TTL_MS) return hit.value;
  const value = await institutionForIp(ctx.store.db, ip);
  if (cache.size >= INSTITUTION_CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(ip, { at: now, value });
  return value;
}

/** Forget remembered institution addresses (after an admin changes ranges on this instance). */
export function forgetInstitutions(ctx: AppContext): void {
  institutionCache.delete(ctx);
}

export async function resolveViewer(ctx: AppContext, req: FastifyRequest): Promise<ResolvedViewer> {
  const db = ctx.store.db;
  const institution: InstitutionRef | null = await institutionOf(ctx, req.ip);
  const cookie = req.cookies?.[sessionCookieName(ctx)];
  if (cookie && cookie.length <= 200) {
    const s = await lookupSession(db, cookie);
    if (s) return { viewer: { kind: 'user', userId: s.userId, email: s.email, role: s.role, subscribed: s.subscribed, institution }, session: s };
  }
  const auth = req.headers.authorization;
  if (auth && /^Bearer\s+/i.test(auth)) {
    const t = await lookupApiToken(db, auth.replace(/^Bearer\s+/i, '').trim(), 'api');
    if (t) return { viewer: { kind: 'user', userId: t.userId, email: t.email, role: t.role, subscribed: t.subscribed, institution }, session: null };
  }
  return { viewer: institution ? { kind: 'anonymous', institution } : ANONYMOUS, session: null };
}
