import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { renderPage } from '../views/layout.tsx';
import { AccountPage, MessagePage, ConfirmPage, type AccountView } from '../views/account.tsx';
import { sendHtml } from '../app.ts';
import { personal, startSession, mailInBackground } from '../session.ts';
import {
  findUser, findUserByEmail, listSessions, deleteSessionById, currentEntitlement, isPlausibleEmail, normalizeEmail,
  createAuthToken, peekAuthToken, consumeAuthToken, updateUser, createApiToken, revokeApiTokens, deleteAllSessions, revokeAuthTokens,
  listEntitlements, type Entitlement,
} from '../../store/users.ts';
import { hashPassword, verifyPassword, passwordProblem } from '../../auth/passwords.ts';
import { hashToken } from '../../auth/tokens.ts';
import { redeemGiftCode } from '../../store/gifts.ts';
import { createFeedToken, feedToken } from '../../store/feed-tokens.ts';
import { meterUsed, periodOf } from '../../store/meter.ts';
import { hitAndCheck, takeHits, refundHits, LIMITS } from '../../store/rate-limits.ts';
import { sessionCookieName } from '../../auth/viewer.ts';

type Body = Record<string, string | undefined>;

/** The form's fields as text: a field sent twice counts once (its first value), anything else is absent. */
function formBody(req: FastifyRequest): Body {
  const raw = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined);
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, text(v)]));
}

const NOTICES: Record<string, string> = {
  password: 'Your password is saved.',
  email: 'Your e-mail address is changed.',
  feed: 'Your private feed address is ready.',
  session: 'That session is signed out.',
};

export const accountRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const db = ctx.store.db;

  /** Signed-in users only (a session, not an API token); others are sent to sign in. */
  function requireUser(req: FastifyRequest, reply: FastifyReply): number | null {
    if (req.viewer.kind === 'user' && req.session) return req.viewer.userId;
    reply.redirect(`/login?next=${encodeURIComponent(req.url.split('?')[0].startsWith('/account') ? '/account' : req.url)}`, 303);
    return null;
  }

  /** When access ends: the current entitlement, extended by any that follow on without a gap (a gift redeemed while subscribed). */
  async function paidUntil(userId: number, current: Entitlement): Promise<string> {
    let end = current.ends_at;
    const later = (await listEntitlements(db, userId)).filter((e) => !e.revoked_at && e.ends_at > end).sort((a, b) => a.starts_at.localeCompare(b.starts_at));
    for (const e of later) if (e.starts_at <= end && e.ends_at > end) end = e.ends_at;
    return end;
  }

  async function render(req: FastifyRequest, reply: FastifyReply, userId: number, extra: { notice?: string | null; error?: string | null; apiToken?: string | null } = {}) {
    const user = (await findUser(db, userId))!;
    const [ent, sessions, feed] = await Promise.all([currentEntitlement(db, userId), listSessions(db, userId), feedToken(db, userId)]);
    const current = req.cookies?.[sessionCookieName(ctx)];
    const view: AccountView = {
      email: user.email,
      name: user.name,
      subscription: ent ? { plan: ent.plan, endsAt: await paidUntil(userId, ent), source: ent.source } : null,
      meter: ent ? null : { limit: ctx.config.meterLimit, used: await meterUsed(db, userId, periodOf()) },
      institution: req.viewer.institution?.name ?? null,
      sessions: sessions.map((s) => ({ id: s.id, current: current ? hashToken(current) === s.token_hash : false, createdAt: s.created_at, lastSeenAt: s.last_seen_at, userAgent: s.user_agent, ip: s.ip })),
      feedUrl: ent && feed ? `${ctx.config.baseUrl}/feeds/private/${feed}.xml` : null,
      apiToken: extra.apiToken ?? null,
      hasPassword: Boolean(user.password_hash),
    };
    // An error keeps a status already chosen (429 for too many attempts); otherwise it is a 400.
    if (extra.error && reply.statusCode < 400) reply.code(400);
    return sendHtml(personal(reply), renderPage(AccountPage({ site: await ctx.site(), csrf: reply.generateCsrf(), a: view, notice: extra.notice, error: extra.error })));
  }

  app.get('/account', async (req, reply) => {
    const userId = requireUser(req, reply);
    if (userId === null) return reply;
    return render(req, reply, userId, { notice: NOTICES[(req.query as Body).done ?? ''] ?? null });
  });

  app.post<{ Params: { id: string } }>('/account/sessions/:id/delete', async (req, reply) => {
    const userId = requireUser(req, reply);
    if (userId === null) return reply;
    await deleteSessionById(db, userId, /^\d{1,9}$/.test(req.params.id) ? Number(req.params.id) : 0);
    return reply.redirect('/account?done=session', 303);
  });

  app.post('/account/password', async (req, reply) => {
    const userId = requireUser(req, reply);
    if (userId === null) return reply;
    const b = formBody(req);
    const user = (await findUser(db, userId))!;
    if (user.password_hash) {
      // Counted before checking, like sign-in (the same bucket): a burst cannot slip past the limit.
      const buckets: Parameters<typeof takeHits>[1] = [[`login:acct:${user.email}`, LIMITS.loginFailAccount]];
      if (await takeHits(db, buckets)) {
        reply.code(429);
        return render(req, reply, userId, { error: 'Too many wrong passwords; try again in an hour.' });
      }
      if (!(await verifyPassword(user.password_hash, b.current ?? ''))) {
        req.log.warn({ event: 'password_change_failed', userId }, 'wrong current password');
        return render(req, reply, userId, { error: 'Your current password is not right.' });
      }
      await refundHits(db, buckets);
    }
    const problem = passwordProblem(b.password ?? '');
    if (problem) return render(req, reply, userId, { error: problem });
    const hash = await hashPassword(b.password!);
    // The new password and signing out whoever knew the old one (everywhere but this session)
    // happen together or not at all.
    await db.transaction().execute(async (trx) => {
      await updateUser(trx, userId, { password_hash: hash });
      await deleteAllSessions(trx, userId, req.cookies?.[sessionCookieName(ctx)]);
    });
    req.log.info({ event: 'password_changed', userId }, 'password changed');
    return reply.redirect('/account?done=password', 303);
  });

  app.post('/account/email', async (req, reply) => {
    const userId = requireUser(req, reply);
    if (userId === null) return reply;
    const email = normalizeEmail(formBody(req).email ?? '');
    if (!isPlausibleEmail(email)) return render(req, reply, userId, { error: 'Please enter a valid e-mail address.' });
    // Limited per new address, per account and per network address: no mail bombing through this form.
    if (await takeHits(db, [[`mail:acct:${email}`, LIMITS.mailAccount], [`mail:user:${userId}`, LIMITS.mailAccount], [`mail:ip:${req.ip}`, LIMITS.mailIp]])) {
      reply.code(429);
      return render(req, reply, userId, { error: 'Too many requests; try again in an hour.' });
    }
    const site = await ctx.site();
    if (!(await findUserByEmail(db, email))) {
      const token = await createAuthToken(db, userId, 'email_change', email);
      // In the background: how long this takes must not tell whether the address has an account.
      mailInBackground(ctx, req, {
        to: email,
        subject: `Confirm your new e-mail address for ${site.name}`,
        text: `Confirm that ${email} is your new address for ${site.name} (the link works once, within 15 minutes):\n\n${ctx.config.baseUrl}/account/email/${token}\n\nIf you did not ask for this, ignore this mail.\n`,
      });
    }
    // Whether or not the address is taken, the same answer.
    return render(req, reply, userId, { notice: `We sent a confirmation link to ${email}. Your address changes when you open it.` });
  });

  app.get<{ Params: { token: string } }>('/account/email/:token', async (req, reply) => {
    const site = await ctx.site();
    const t = await peekAuthToken(db, req.params.token, 'email_change');
    if (!t) {
      reply.code(410);
      return sendHtml(personal(reply), renderPage(MessagePage({ site, title: 'This link has expired', children: <p>Confirmation links work once, within 15 minutes. Ask again from <a href="/account">your account</a>.</p> })));
    }
    return sendHtml(personal(reply), renderPage(ConfirmPage({ site, csrf: reply.generateCsrf(), action: `/account/email/${encodeURIComponent(req.params.token)}`, title: 'Confirm your new address', text: `Use ${t.new_email} from now on?`, button: 'Confirm' })));
  });

  app.post<{ Params: { token: string } }>('/account/email/:token', async (req, reply) => {
    const site = await ctx.site();
    const t = await consumeAuthToken(db, req.params.token, 'email_change');
    if (!t || !t.new_email || (await findUserByEmail(db, t.new_email))) {
      reply.code(410);
      return sendHtml(personal(reply), renderPage(MessagePage({ site, title: 'This link has expired', children: <p>Confirmation links work once, within 15 minutes. Ask again from <a href="/account">your account</a>.</p> })));
    }
    await updateUser(db, t.user_id, { email: t.new_email, email_verified_at: new Date().toISOString() });
    // Links already mailed to the old address stop working.
    await revokeAuthTokens(db, t.user_id);
    req.log.info({ event: 'email_changed', userId: t.user_id }, 'e-mail address changed');
    await startSession(ctx, req, reply, t.user_id);
    return reply.redirect('/account?done=email', 303);
  });

  app.post('/account/gift', async (req, reply) => {
    const userId = requireUser(req, reply);
    if (userId === null) return reply;
    if (!(await hitAndCheck(db, `gift:ip:${req.ip}`, LIMITS.giftIp))) {
      reply.code(429);
      return render(req, reply, userId, { error: 'Too many attempts; try again in an hour.' });
    }
    const r = await redeemGiftCode(db, formBody(req).code ?? '', userId);
    if (!r.ok) return render(req, reply, userId, { error: r.reason });
    return render(req, reply, userId, { notice: 'Gift code redeemed. Enjoy the full archive!' });
  });

  app.post('/account/feed', async (req, reply) => {
    const userId = requireUser(req, reply);
    if (userId === null) return reply;
    if (!(await currentEntitlement(db, userId))) return render(req, reply, userId, { error: 'The private full-text feed comes with a subscription.' });
    await createFeedToken(db, userId);
    return reply.redirect('/account?done=feed', 303);
  });

  app.post('/account/api-token', async (req, reply) => {
    const userId = requireUser(req, reply);
    if (userId === null) return reply;
    await revokeApiTokens(db, userId, 'api');
    const token = await createApiToken(db, userId, 'api', 'account page');
    return render(req, reply, userId, { apiToken: token, notice: 'New API token created. Copy it now: it is not shown again.' });
  });
};
