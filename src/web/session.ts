import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from './context.ts';
import { createSession, deleteSession, SESSION_ABSOLUTE_MS } from '../store/users.ts';
import { sessionCookieName } from '../auth/viewer.ts';
import type { Mail } from '../mail/mailer.ts';

/** A redirect target from user input: a relative path on this site, or "/". */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 500) return '/';
  if (!next.startsWith('/') || next.startsWith('//') || next.includes('\\') || /[\u0000-\u001f]/.test(next)) return '/';
  try {
    const u = new URL(next, 'http://x.invalid');
    return u.host === 'x.invalid' ? u.pathname + u.search + u.hash : '/';
  } catch {
    return '/';
  }
}

/** Options of the site's own cookies: whole site, not for scripts, not sent by other sites' forms; Secure over HTTPS. */
export function privateCookie(ctx: AppContext): { path: '/'; httpOnly: true; sameSite: 'lax'; secure: boolean } {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure: ctx.config.secure };
}

/** Signs the user in: a brand-new session token (never reuse one from before sign-in). */
export async function startSession(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, userId: number): Promise<void> {
  const old = req.cookies?.[sessionCookieName(ctx)];
  if (old) await deleteSession(ctx.store.db, old);
  const token = await createSession(ctx.store.db, userId, { userAgent: req.headers['user-agent'] ?? null, ip: req.ip });
  reply.setCookie(sessionCookieName(ctx), token, { ...privateCookie(ctx), maxAge: Math.floor(SESSION_ABSOLUTE_MS / 1000) });
}

export async function endSession(ctx: AppContext, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const token = req.cookies?.[sessionCookieName(ctx)];
  if (token) await deleteSession(ctx.store.db, token);
  reply.clearCookie(sessionCookieName(ctx), privateCookie(ctx));
}

/** Personal responses: never stored by any cache. */
export function personal(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'private, no-store');
}

/**
 * Sends a mail without making the answer wait for it: how long the request takes, and whether it
 * fails, must not tell anyone that an account exists (mail goes only to existing accounts).
 * Failures are logged.
 */
export function mailInBackground(ctx: AppContext, req: FastifyRequest, mail: Mail): void {
  ctx.mailer.send(mail).catch((err: unknown) => {
    req.log.error({ event: 'mail_failed', err, subject: mail.subject }, 'could not send mail');
  });
}
