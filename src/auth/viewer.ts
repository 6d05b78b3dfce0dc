import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../web/context.ts';
import { ANONYMOUS, type Viewer, type InstitutionRef } from '../domain/access.ts';
import { lookupSession, lookupApiToken, type SessionInfo } from '../store/users.ts';
import { institutionForIp } from '../store/institutions.ts';

// Who is asking: a session cookie, a personal API token, and the address (for institutions).
// Nothing else counts: no user agent, referrer or forwarded header unlocks anything (the
// address comes from X-Forwarded-For only when the proxy is in TRUST_PROXY; Fastify decides).

export function sessionCookieName(ctx: AppContext): string {
  return ctx.config.secure ? '__Host-session' : 'masthead_session';
}

export interface ResolvedViewer {
  viewer: Viewer;
  session: SessionInfo | null;
}

export async function resolveViewer(ctx: AppContext, req: FastifyRequest): Promise<ResolvedViewer> {
  const db = ctx.store.db;
  const institution: InstitutionRef | null = await institutionForIp(db, req.ip);
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
