import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { renderPage, type Site } from '../views/layout.tsx';
import { LoginPage, SignupPage, MessagePage, ConfirmPage, ResetRequestPage, NewPasswordFields } from '../views/account.tsx';
import { sendHtml } from '../app.ts';
import { safeNext, startSession, endSession, personal, mailInBackground, privateCookie } from '../session.ts';
import { findUserByEmail, createUser, isPlausibleEmail, normalizeEmail, createAuthToken, peekAuthToken, consumeAuthToken, updateUser, deleteAllSessions, findUser, revokeAuthTokens, MAIL_TOKEN_TTL_MS } from '../../store/users.ts';
import { signingSecret, sign, safeEqual } from '../../auth/signing.ts';
import { cookieName } from '../../auth/viewer.ts';
import { hashPassword, verifyPassword, passwordProblem } from '../../auth/passwords.ts';
import { hitAndCheck, takeHits, refundHits, LIMITS } from '../../store/rate-limits.ts';
import { countSignInFailure } from '../../ops/metrics.ts';

type Body = Record<string, string | undefined>;

function body(req: FastifyRequest): Body {
  const raw = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
  // A field sent twice arrives as an array: the first value counts (text only, whatever was sent).
  const text = (v: unknown) => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined);
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, text(v)]));
}

function tooMany(reply: FastifyReply, site: Site, seconds: number) {
  reply.code(429).header('retry-after', String(seconds));
  return sendHtml(personal(reply), renderPage(MessagePage({ site, title: 'Too many attempts', children: <p>For your safety we have paused this for a while. Please try again in {Math.ceil(seconds / 60)} minutes.</p> })));
}

const CHECK_MAIL = (site: Site, email: string) =>
  renderPage(MessagePage({ site, title: 'Check your e-mail', children: (
    <>
      <p>If an account exists for <strong>{email}</strong>, we have sent it a link. It works once, for 15 minutes.</p>
      <p>Nothing arrived? Check your spam folder, or <a href="/login">try again</a>.</p>
    </>
  ) }));

export const authRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const db = ctx.store.db;
  const base = ctx.config.baseUrl;

  // A password chosen at sign-up is kept when the address is confirmed only by whoever chose it:
  // the browser that signed up carries a proof of it (this cookie), any other browser must type
  // the password again. Someone who never signed up and opens the welcome mail of a sign-up made
  // in their name confirms the address without it, and the stranger's password is dropped.
  const signupCookie = cookieName(ctx, 'signup');
  const signupProof = async (email: string, passwordHash: string) => sign(await signingSecret(db), `signup:${email}:${passwordHash}`);
  async function provedSignup(req: FastifyRequest, user: { email: string; password_hash: string | null }): Promise<boolean> {
    const cookie = req.cookies?.[signupCookie];
    return Boolean(cookie && user.password_hash && safeEqual(cookie, await signupProof(user.email, user.password_hash)));
  }
  /** Sent after every sign-up with a password, also for a taken address (then proving nothing), so the answers stay alike. */
  async function setSignupCookie(reply: FastifyReply, email: string, passwordHash: string) {
    reply.setCookie(signupCookie, await signupProof(email, passwordHash), { ...privateCookie(ctx), maxAge: Math.floor(MAIL_TOKEN_TTL_MS / 1000) });
  }
  /** The unconfirmed sign-up, with a password, that this link confirms (see POST /login/link). */
  async function pendingSignup(t: { user_id: number; new_email: string | null }) {
    const user = await findUser(db, t.user_id);
    return user && !user.email_verified_at && user.password_hash && t.new_email !== null && t.new_email === user.email ? user : null;
  }

  /** Seconds to wait before another mail to this address or from this network address, or 0 (and the mail is counted). */
  function mailAllowed(req: FastifyRequest, email: string): Promise<number> {
    return takeHits(db, [[`mail:acct:${email}`, LIMITS.mailAccount], [`mail:ip:${req.ip}`, LIMITS.mailIp]]);
  }

  app.get('/login', async (req, reply) => {
    const q = req.query as Body;
    if (req.viewer.kind === 'user' && req.session) return reply.redirect(safeNext(q.next), 303);
    return sendHtml(personal(reply), renderPage(LoginPage({ site: await ctx.site(), csrf: reply.generateCsrf(), next: safeNext(q.next), notice: q.signedout ? 'You are signed out.' : null })));
  });

  app.post('/login', async (req, reply) => {
    const b = body(req);
    const email = normalizeEmail(b.email ?? '');
    const next = safeNext(b.next);
    const site = await ctx.site();
    // Every attempt is counted before the password is checked (a parallel burst cannot slip past the
    // limit); a successful one is given back, so the limit counts failures.
    const buckets: Parameters<typeof takeHits>[1] = [[`login:acct:${email}`, LIMITS.loginFailAccount], [`login:ip:${req.ip}`, LIMITS.loginFailIp]];
    const wait = await takeHits(db, buckets);
    if (wait) {
      req.log.warn({ event: 'login_blocked', ip: req.ip, retryAfter: wait }, 'sign-in rate limited');
      countSignInFailure('rate_limited');
      return tooMany(reply, site, wait);
    }
    const user = isPlausibleEmail(email) ? await findUserByEmail(db, email) : null;
    const ok = await verifyPassword(user?.password_hash ?? null, b.password ?? '');
    if (!user || !ok) {
      req.log.warn({ event: 'login_failed', ip: req.ip, userId: user?.id ?? null, reason: user ? 'bad_password' : 'no_account' }, 'sign-in failed');
      countSignInFailure(user ? 'bad_password' : 'no_account');
      // The same answer whether or not the account exists.
      reply.code(401);
      return sendHtml(personal(reply), renderPage(LoginPage({ site, csrf: reply.generateCsrf(), next, email, error: 'That e-mail address and password do not match. Try again, or get a sign-in link by e-mail.' })));
    }
    if (!user.email_verified_at) {
      // A password chosen at sign-up works once the address is confirmed: otherwise anyone could
      // open an account in someone else's name and keep its password. (Only someone who knows the
      // password sees this answer.)
      await refundHits(db, buckets);
      req.log.warn({ event: 'login_failed', ip: req.ip, userId: user.id, reason: 'unverified' }, 'sign-in before the address was confirmed');
      countSignInFailure('unverified');
      reply.code(403);
      return sendHtml(personal(reply), renderPage(LoginPage({ site, csrf: reply.generateCsrf(), next, email, error: 'Please confirm your e-mail address first: open the link in the mail we sent you, or get a new sign-in link below.' })));
    }
    await refundHits(db, buckets);
    await startSession(ctx, req, reply, user.id);
    req.log.info({ event: 'login', userId: user.id, method: 'password' }, 'signed in');
    return reply.redirect(next, 303);
  });

  app.post('/login/link', async (req, reply) => {
    const b = body(req);
    const email = normalizeEmail(b.email ?? '');
    const site = await ctx.site();
    if (!isPlausibleEmail(email)) {
      reply.code(400);
      return sendHtml(personal(reply), renderPage(LoginPage({ site, csrf: reply.generateCsrf(), next: safeNext(b.next), error: 'Please enter a valid e-mail address.' })));
    }
    const wait = await mailAllowed(req, email);
    if (wait) return tooMany(reply, site, wait);
    const user = await findUserByEmail(db, email);
    if (user) {
      const token = await createAuthToken(db, user.id, 'signin');
      const next = safeNext(b.next);
      const link = `${base}/login/link/${token}${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`;
      mailInBackground(ctx, req, {
        to: user.email,
        subject: `Your sign-in link for ${site.name}`,
        text: `Open this link to sign in to ${site.name}:\n\n${link}\n\nIt works once, within 15 minutes. If you did not ask for it, ignore this mail.\n`,
      });
    }
    return sendHtml(personal(reply), CHECK_MAIL(site, email));
  });

  app.get<{ Params: { token: string } }>('/login/link/:token', async (req, reply) => {
    const site = await ctx.site();
    const t = await peekAuthToken(db, req.params.token, 'signin');
    if (!t) {
      reply.code(410);
      return sendHtml(personal(reply), renderPage(MessagePage({ site, title: 'This link has expired', children: <p>Sign-in links work once, within 15 minutes. <a href="/login">Get a new one</a>.</p> })));
    }
    const next = safeNext((req.query as Body).next);
    const signup = await pendingSignup(t);
    const askPassword = signup !== null && !(await provedSignup(req, signup));
    const extra = (
      <>
        <input type="hidden" name="next" value={next} />
        {askPassword ? (
          <>
            <p>This browser did not sign up. If you did, enter the password you chose to keep it. If you did not sign up, leave it empty: the account is then yours, signing in by e-mailed links, and no one else's password opens it.</p>
            <label for="password">Password chosen at sign-up</label>
            <input id="password" name="password" type="password" autocomplete="current-password" maxLength={1024} />
          </>
        ) : null}
      </>
    );
    return sendHtml(personal(reply), renderPage(ConfirmPage({ site, csrf: reply.generateCsrf(), action: `/login/link/${encodeURIComponent(req.params.token)}`, title: 'Sign in', text: `Sign in to ${site.name}?`, button: 'Sign in', extra })));
  });

  app.post<{ Params: { token: string } }>('/login/link/:token', async (req, reply) => {
    const site = await ctx.site();
    const t = await consumeAuthToken(db, req.params.token, 'signin');
    if (!t) {
      req.log.warn({ event: 'login_failed', ip: req.ip, reason: 'bad_link' }, 'sign-in link refused');
      countSignInFailure('bad_link');
      reply.code(410);
      return sendHtml(personal(reply), renderPage(MessagePage({ site, title: 'This link has expired', children: <p>Sign-in links work once, within 15 minutes. <a href="/login">Get a new one</a>.</p> })));
    }
    const user = await findUser(db, t.user_id);
    if (user && !user.email_verified_at) {
      // The first link that proves the address. A password set by an unconfirmed sign-up stays only
      // when this is that sign-up's own confirmation link, opened by whoever chose the password (the
      // browser that signed up, or someone who types it); otherwise it may be someone else's.
      const signup = await pendingSignup(t);
      const typed = body(req).password;
      const keep = signup !== null && ((await provedSignup(req, signup)) || (Boolean(typed) && await verifyPassword(signup.password_hash, typed!)));
      await updateUser(db, user.id, { email_verified_at: new Date().toISOString(), ...(keep ? {} : { password_hash: null }) });
      if (signup) reply.clearCookie(signupCookie, privateCookie(ctx));
      if (signup && !keep) req.log.info({ event: 'signup_password_dropped', userId: user.id }, 'sign-up confirmed without its password');
    }
    await startSession(ctx, req, reply, t.user_id);
    req.log.info({ event: 'login', userId: t.user_id, method: 'link' }, 'signed in');
    return reply.redirect(safeNext(body(req).next), 303);
  });

  app.post('/logout', async (req, reply) => {
    if (req.viewer.kind === 'user' && req.session) req.log.info({ event: 'logout', userId: req.viewer.userId }, 'signed out');
    await endSession(ctx, req, reply);
    return reply.redirect('/login?signedout=1', 303);
  });

  app.post('/logout/everywhere', async (req, reply) => {
    if (req.viewer.kind === 'user' && req.session) {
      await deleteAllSessions(db, req.viewer.userId);
      req.log.info({ event: 'logout_everywhere', userId: req.viewer.userId }, 'signed out everywhere');
    }
    await endSession(ctx, req, reply);
    return reply.redirect('/login?signedout=1', 303);
  });

  app.get('/signup', async (req, reply) => {
    return sendHtml(personal(reply), renderPage(SignupPage({ site: await ctx.site(), csrf: reply.generateCsrf() })));
  });

  app.post('/signup', async (req, reply) => {
    const b = body(req);
    const email = normalizeEmail(b.email ?? '');
    const password = b.password ?? '';
    const site = await ctx.site();
    const again = (error: string) => {
      reply.code(400);
      return sendHtml(personal(reply), renderPage(SignupPage({ site, csrf: reply.generateCsrf(), email, error })));
    };
    if (!isPlausibleEmail(email)) return again('Please enter a valid e-mail address.');
    if (password && passwordProblem(password)) return again(`That password is too ${password.length < 10 ? 'short' : 'long'}: ${passwordProblem(password)}`);
    if (!(await hitAndCheck(db, `signup:ip:${req.ip}`, LIMITS.signupIp))) return tooMany(reply, site, 3600);
    const wait = await mailAllowed(req, email);
    if (wait) return tooMany(reply, site, wait);
    // Hashed in both cases, so the answer takes as long for a new address as for a taken one.
    const passwordHash = password ? await hashPassword(password) : null;
    const existing = await findUserByEmail(db, email);
    if (existing) {
      // Same answer as for a new account; the owner gets a mail instead of an error page.
      const token = await createAuthToken(db, existing.id, 'signin');
      mailInBackground(ctx, req, {
        to: existing.email,
        subject: `Signing in to ${site.name}`,
        text: `Someone (hopefully you) tried to create an account with this address, which already has one.\n\nSign in with this link (it works once, within 15 minutes):\n\n${base}/login/link/${token}\n\nForgot your password? ${base}/reset\n`,
      });
      // A proof of a password this account does not have: it keeps nothing (see provedSignup).
      if (passwordHash) await setSignupCookie(reply, email, passwordHash);
      return sendHtml(personal(reply), CHECK_MAIL(site, email));
    }
    const user = await createUser(db, { email, passwordHash });
    // This link confirms the sign-up: it alone keeps the password chosen here (see POST /login/link).
    const token = await createAuthToken(db, user.id, 'signin', user.email);
    if (passwordHash) await setSignupCookie(reply, email, passwordHash);
    mailInBackground(ctx, req, {
      to: user.email,
      subject: `Welcome to ${site.name}: confirm your address`,
      text: `Welcome to ${site.name}.\n\nConfirm your e-mail address and sign in with this link (it works once, within 15 minutes):\n\n${base}/login/link/${token}\n\nIf you did not sign up, ignore this mail.\n`,
    });
    req.log.info({ event: 'signup', userId: user.id }, 'account created');
    return sendHtml(personal(reply), CHECK_MAIL(site, email));
  });

  app.get('/reset', async (req, reply) => sendHtml(personal(reply), renderPage(ResetRequestPage({ site: await ctx.site(), csrf: reply.generateCsrf() }))));

  app.post('/reset', async (req, reply) => {
    const email = normalizeEmail(body(req).email ?? '');
    const site = await ctx.site();
    if (!isPlausibleEmail(email)) {
      reply.code(400);
      return sendHtml(personal(reply), renderPage(ResetRequestPage({ site, csrf: reply.generateCsrf(), error: 'Please enter a valid e-mail address.' })));
    }
    const wait = await mailAllowed(req, email);
    if (wait) return tooMany(reply, site, wait);
    const user = await findUserByEmail(db, email);
    if (user) {
      const token = await createAuthToken(db, user.id, 'reset');
      mailInBackground(ctx, req, {
        to: user.email,
        subject: `Reset your ${site.name} password`,
        text: `Choose a new password here (the link works once, within 15 minutes):\n\n${base}/reset/${token}\n\nIf you did not ask for this, ignore this mail: your password stays as it is.\n`,
      });
    }
    return sendHtml(personal(reply), CHECK_MAIL(site, email));
  });

  app.get<{ Params: { token: string } }>('/reset/:token', async (req, reply) => {
    const site = await ctx.site();
    if (!(await peekAuthToken(db, req.params.token, 'reset'))) {
      reply.code(410);
      return sendHtml(personal(reply), renderPage(MessagePage({ site, title: 'This link has expired', children: <p>Reset links work once, within 15 minutes. <a href="/reset">Get a new one</a>.</p> })));
    }
    return sendHtml(personal(reply), renderPage(ConfirmPage({ site, csrf: reply.generateCsrf(), action: `/reset/${encodeURIComponent(req.params.token)}`, title: 'Choose a new password', text: 'Your other sessions will be signed out.', button: 'Save and sign in', extra: <NewPasswordFields /> })));
  });

  app.post<{ Params: { token: string } }>('/reset/:token', async (req, reply) => {
    const site = await ctx.site();
    const password = body(req).password ?? '';
    const problem = passwordProblem(password);
    if (problem) {
      reply.code(400);
      return sendHtml(personal(reply), renderPage(ConfirmPage({ site, csrf: reply.generateCsrf(), action: `/reset/${encodeURIComponent(req.params.token)}`, title: 'Choose a new password', text: problem, button: 'Save and sign in', extra: <NewPasswordFields /> })));
    }
    const t = await consumeAuthToken(db, req.params.token, 'reset');
    if (!t) {
      reply.code(410);
      return sendHtml(personal(reply), renderPage(MessagePage({ site, title: 'This link has expired', children: <p>Reset links work once, within 15 minutes. <a href="/reset">Get a new one</a>.</p> })));
    }
    await updateUser(db, t.user_id, { password_hash: await hashPassword(password), email_verified_at: new Date().toISOString() });
    await deleteAllSessions(db, t.user_id);
    await revokeAuthTokens(db, t.user_id);
    await startSession(ctx, req, reply, t.user_id);
    req.log.info({ event: 'password_reset', userId: t.user_id }, 'password reset');
    return reply.redirect('/account?done=password', 303);
  });
};
