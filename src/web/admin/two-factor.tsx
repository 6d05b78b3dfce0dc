import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { AdminBarePage, AdminPage, audit, sendAdmin, staffState } from './shell.tsx';
import { checkTotpCode, groupSecret, newTotpSecret, otpauthUri, qrDataUrl } from './totp.ts';
import { getTotp, markSessionVerified, removeTotp, startTotpEnrolment, useTotpStep, replaceRecoveryCodes, useRecoveryCode, recoveryCodesLeft, RECOVERY_CODES } from '../../store/newsroom.ts';
import { hitAndCheck } from '../../store/rate-limits.ts';
import { safeNext } from '../session.ts';

// Two-factor sign-in for staff: enrolment with a QR code, the code asked once per session (and
// again after MFA_TTL_MS) before the admin area opens, and a reset that needs a current code.
// Recovery codes (made on the settings page, shown once) stand in for the phone's code, once each.

type Body = Record<string, string | undefined>;

/** Wrong codes allowed per account in 15 minutes (a 6-digit code: 10 guesses are 1 in 100,000). */
const CODE_LIMIT = { windowSec: 900, max: 10 };
/** A pending enrolment's secret is shown again on reload for this long. */
const PENDING_MS = 15 * 60_000;

function nextOf(req: FastifyRequest): string {
  const raw = (req.method === 'GET' ? (req.query as Body).next : (req.body as Body | undefined)?.next) ?? '/admin';
  const n = safeNext(raw);
  return n.startsWith('/admin') && !n.startsWith('/admin/2fa') ? n : '/admin';
}

function CodeField({ label = 'Six-digit code from your authenticator app' }: { label?: string }) {
  return (
    <>
      <label for="code">{label}</label>
      <input id="code" name="code" type="text" inputMode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxLength={7} required />
    </>
  );
}

function RecoveryField({ label = 'Recovery code' }: { label?: string }) {
  return (
    <>
      <label for="recovery">{label}</label>
      <input id="recovery" name="recovery" type="text" autocomplete="off" autocapitalize="none" spellcheck={false} maxLength={40} required />
    </>
  );
}

export const twoFactorRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const db = ctx.store.db;
  const keys = ctx.config.totpKeys;

  /** The stored key is sealed and TOTP_KEY cannot open it: said plainly, logged for the operator. */
  function keyProblem(req: FastifyRequest, problem: 'no-key' | 'wrong-key' | null): string {
    req.log.error({ event: 'totp_key_problem', problem }, problem === 'no-key'
      ? 'a two-factor key is sealed but TOTP_KEY is not set'
      : 'a two-factor key is sealed with a key TOTP_KEY does not hold');
    return "Codes from your app cannot be checked right now: this server's TOTP_KEY setting is missing or wrong, and the site's operator has been told. Use a recovery code meanwhile.";
  }

  /** Counts an attempt; false (and the answer sent) when there were too many. */
  async function attemptAllowed(req: FastifyRequest, reply: FastifyReply, userId: number): Promise<boolean> {
    if (await hitAndCheck(db, `totp:user:${userId}`, CODE_LIMIT)) return true;
    req.log.warn({ event: 'totp_blocked', userId }, 'too many two-factor codes');
    const s = staffState(req)!;
    reply.header('retry-after', '900');
    sendAdmin(reply, (
      <AdminBarePage site={s.site} title="Too many attempts">
        <h1>Too many attempts</h1>
        <p>For your safety, codes are paused for this account for up to 15 minutes. Check that your phone's clock is right, then try again.</p>
      </AdminBarePage>
    ), 429);
    return false;
  }

  async function verifyPage(req: FastifyRequest, reply: FastifyReply, error: string | null, status = 200) {
    const s = staffState(req)!;
    return sendAdmin(reply, (
      <AdminBarePage site={s.site} title="Two-factor sign-in">
        <h1>Two-factor sign-in</h1>
        <p>Signed in as <strong>{s.user.email}</strong>. Open your authenticator app and enter the code it shows for {s.site.name}.</p>
        {error ? <p class="prompt alert" role="alert"><strong>{error}</strong></p> : null}
        <form method="post" action="/admin/2fa">
          <input type="hidden" name="_csrf" value={reply.generateCsrf()} />
          <input type="hidden" name="next" value={nextOf(req)} />
          <CodeField />
          <button class="btn" type="submit">Continue</button>
        </form>
        <details class="recovery">
          <summary>Lost your phone? Use a recovery code</summary>
          <form method="post" action="/admin/2fa">
            <input type="hidden" name="_csrf" value={reply.generateCsrf()} />
            <input type="hidden" name="next" value={nextOf(req)} />
            <RecoveryField label="One of your recovery codes (each works once)" />
            <button class="btn" type="submit">Continue</button>
          </form>
        </details>
        <p class="meta">No recovery codes either? The site's operator can turn two-factor sign-in off for your account (<code>masthead two-factor reset</code>); you then set it up again.</p>
      </AdminBarePage>
    ), status);
  }

  app.get('/admin/2fa', async (req, reply) => {
    const s = staffState(req)!;
    const next = nextOf(req);
    if (!s.user.totpEnabled) {
      if (s.needsFactor) return reply.redirect(`/admin/2fa/setup?next=${encodeURIComponent(next)}`, 303);
      return reply.redirect('/admin/2fa/settings', 303);
    }
    if (s.secondFactor) return reply.redirect(next, 303);
    return verifyPage(req, reply, null);
  });

  app.post('/admin/2fa', async (req, reply) => {
    const s = staffState(req)!;
    const row = await getTotp(db, s.user.userId, keys);
    if (!row?.enabledAt) return reply.redirect('/admin/2fa', 303);
    if (!(await attemptAllowed(req, reply, s.user.userId))) return reply;
    const b = req.body as Body;
    if (b.recovery !== undefined) {
      if (!(await useRecoveryCode(db, s.user.userId, b.recovery))) {
        req.log.warn({ event: 'totp_failed', userId: s.user.userId, recovery: true }, 'wrong recovery code');
        return verifyPage(req, reply, 'That recovery code is not right, or it was used already.', 400);
      }
      await markSessionVerified(db, s.user.sessionId);
      await audit(ctx, req, { action: 'auth.second_factor', entity: 'user', entityId: s.user.userId, before: null, after: { session: s.user.sessionId, recoveryCode: true } });
      req.log.info({ event: 'totp_passed', userId: s.user.userId, recovery: true }, 'second factor passed with a recovery code');
      return reply.redirect('/admin/2fa/settings?done=recovery', 303);
    }
    if (row.secret === null) return verifyPage(req, reply, keyProblem(req, row.problem), 503);
    const step = checkTotpCode(row.secret, b.code);
    if (step === null || !(await useTotpStep(db, s.user.userId, step))) {
      req.log.warn({ event: 'totp_failed', userId: s.user.userId }, 'wrong two-factor code');
      return verifyPage(req, reply, step === null ? 'That code is not right. Codes change every 30 seconds: enter the one your app shows now.' : 'That code was used already. Wait for the next one.', 400);
    }
    await markSessionVerified(db, s.user.sessionId);
    await audit(ctx, req, { action: 'auth.second_factor', entity: 'user', entityId: s.user.userId, before: null, after: { session: s.user.sessionId } });
    req.log.info({ event: 'totp_passed', userId: s.user.userId }, 'second factor passed');
    return reply.redirect(nextOf(req), 303);
  });

  async function setupPage(req: FastifyRequest, reply: FastifyReply, secret: string, error: string | null, status = 200) {
    const s = staffState(req)!;
    const uri = otpauthUri(secret, s.site.name, s.user.email);
    return sendAdmin(reply, (
      <AdminBarePage site={s.site} title="Set up two-factor sign-in">
        <h1>Set up two-factor sign-in</h1>
        {s.needsFactor && !s.user.totpEnabled && s.user.role === 'admin' ? <p>Administrators sign in with a second factor: a code from an authenticator app on your phone.</p> : null}
        <ol class="steps">
          <li>Open an authenticator app (such as Aegis, FreeOTP, Google Authenticator or 1Password).</li>
          <li>
            Scan this code, or type the key below into the app.
            <img class="qr" src={await qrDataUrl(uri)} width={200} height={200} alt={`QR code of the two-factor key for ${s.user.email}`} />
            <p>Key: <code class="secret" id="totp-secret">{groupSecret(secret)}</code></p>
          </li>
          <li>Enter the code the app shows, to confirm.</li>
        </ol>
        {error ? <p class="prompt alert" role="alert"><strong>{error}</strong></p> : null}
        <form method="post" action="/admin/2fa/setup">
          <input type="hidden" name="_csrf" value={reply.generateCsrf()} />
          <input type="hidden" name="next" value={nextOf(req)} />
          <CodeField />
          <button class="btn" type="submit">Turn on two-factor sign-in</button>
        </form>
      </AdminBarePage>
    ), status);
  }

  app.get('/admin/2fa/setup', async (req, reply) => {
    const s = staffState(req)!;
    // Two-factor already in force: a new key only through the reset, which asks for a code.
    if (s.user.totpEnabled) return reply.redirect('/admin/2fa/settings', 303);
    const cur = await getTotp(db, s.user.userId, keys);
    let secret = cur && !cur.enabledAt ? cur.secret : null;
    const pendingSince = cur ? (await db.selectFrom('user_totp').select('created_at').where('user_id', '=', s.user.userId).executeTakeFirst())?.created_at : null;
    if (!secret || !pendingSince || Date.now() - Date.parse(pendingSince) > PENDING_MS) {
      secret = newTotpSecret();
      if (!(await startTotpEnrolment(db, s.user.userId, secret, keys))) return reply.redirect('/admin/2fa/settings', 303);
    }
    return setupPage(req, reply, secret, null);
  });

  app.post('/admin/2fa/setup', async (req, reply) => {
    const s = staffState(req)!;
    const cur = await getTotp(db, s.user.userId, keys);
    if (!cur || cur.enabledAt) return reply.redirect('/admin/2fa/settings', 303);
    // A pending key TOTP_KEY cannot open (the setting changed meanwhile): start again with a new one.
    if (cur.secret === null) return reply.redirect('/admin/2fa/setup', 303);
    if (!(await attemptAllowed(req, reply, s.user.userId))) return reply;
    const step = checkTotpCode(cur.secret, (req.body as Body).code);
    if (step === null || !(await useTotpStep(db, s.user.userId, step, true))) {
      return setupPage(req, reply, cur.secret, 'That code is not right. Check that you scanned the code above (or typed the key) and enter the code the app shows now.', 400);
    }
    await markSessionVerified(db, s.user.sessionId);
    await audit(ctx, req, { action: 'totp.enrol', entity: 'user', entityId: s.user.userId, before: { totp: false }, after: { totp: true } });
    req.log.info({ event: 'totp_enrolled', userId: s.user.userId }, 'two-factor sign-in turned on');
    const next = nextOf(req);
    return reply.redirect(next === '/admin' ? '/admin/2fa/settings?done=on' : next, 303);
  });

  app.get('/admin/2fa/settings', async (req, reply) => {
    const s = staffState(req)!;
    if (s.needsFactor && !s.secondFactor) return reply.redirect('/admin/2fa?next=%2Fadmin%2F2fa%2Fsettings', 303);
    const done = (req.query as Body).done;
    const codes = s.user.totpEnabled ? await recoveryCodesLeft(db, s.user.userId) : null;
    const notice = done === 'on' ? 'Two-factor sign-in is on. Now make your recovery codes, for the day you lose your phone.'
      : done === 'off' ? 'Two-factor sign-in is off.'
      : done === 'recovery' ? `You signed in with a recovery code; ${codes?.unused ?? 0} of them are left. Lost your phone? Reset two-factor sign-in below with another recovery code, then set it up on the new phone.`
      : null;
    return sendAdmin(reply, (
      <AdminPage site={s.site} staff={s.user} csrf={reply.generateCsrf()} title="Two-factor sign-in" active="security" notice={notice}>
        <h1>Two-factor sign-in</h1>
        {s.user.totpEnabled ? (
          <>
            <p>Two-factor sign-in is <strong>on</strong>: each new session asks for a code from your authenticator app.</p>
            <h2>Recovery codes</h2>
            <p id="recovery-left">{codes!.total === 0 ? 'You have no recovery codes yet. ' : `${codes!.unused} of your ${codes!.total} recovery codes are unused. `}
              Each one signs you in once without your phone. Keep them somewhere safe, apart from the phone (printed, or in a password manager).</p>
            <form method="post" action="/admin/2fa/recovery">
              <input type="hidden" name="_csrf" value={reply.generateCsrf()} />
              <button class="btn" type="submit">{codes!.total === 0 ? 'Make recovery codes' : 'Make new recovery codes (the old ones stop working)'}</button>
            </form>
            <h2>New phone?</h2>
            <p>Reset it with a current code from your old app, or with a recovery code, then scan a new QR code.{s.user.role === 'admin' ? ' Administrators must set it up again right away.' : ''}</p>
            <form method="post" action="/admin/2fa/reset">
              <input type="hidden" name="_csrf" value={reply.generateCsrf()} />
              <CodeField label="Current six-digit code" />
              <button class="btn" type="submit">Reset two-factor sign-in</button>
            </form>
            <form method="post" action="/admin/2fa/reset">
              <input type="hidden" name="_csrf" value={reply.generateCsrf()} />
              <RecoveryField label="Or one of your recovery codes" />
              <button class="btn" type="submit">Reset with a recovery code</button>
            </form>
          </>
        ) : (
          <>
            <p>Two-factor sign-in is <strong>off</strong> for your account. With it on, a stolen password alone cannot open the admin area.</p>
            <p><a class="btn" href="/admin/2fa/setup?next=%2Fadmin">Set up two-factor sign-in</a></p>
          </>
        )}
      </AdminPage>
    ));
  });

  app.post('/admin/2fa/reset', async (req, reply) => {
    const s = staffState(req)!;
    if (!s.secondFactor) return reply.redirect('/admin/2fa', 303);
    const cur = await getTotp(db, s.user.userId, keys);
    if (!cur?.enabledAt) return reply.redirect('/admin/2fa/settings', 303);
    if (!(await attemptAllowed(req, reply, s.user.userId))) return reply;
    const b = req.body as Body;
    if (b.recovery === undefined && cur.secret === null) {
      reply.code(503);
      return sendAdmin(reply, (
        <AdminPage site={s.site} staff={s.user} csrf={reply.generateCsrf()} title="Two-factor sign-in" active="security" error={`${keyProblem(req, cur.problem)} Nothing was changed.`}>
          <h1>Two-factor sign-in</h1>
          <p><a href="/admin/2fa/settings">Back</a></p>
        </AdminPage>
      ), 503);
    }
    const step = b.recovery !== undefined || cur.secret === null ? null : checkTotpCode(cur.secret, b.code);
    const ok = b.recovery !== undefined ? await useRecoveryCode(db, s.user.userId, b.recovery) : step !== null && await useTotpStep(db, s.user.userId, step);
    if (!ok) {
      reply.code(400);
      return sendAdmin(reply, (
        <AdminPage site={s.site} staff={s.user} csrf={reply.generateCsrf()} title="Two-factor sign-in" active="security" error="That code is not right: nothing was changed.">
          <h1>Two-factor sign-in</h1>
          <p><a href="/admin/2fa/settings">Back</a></p>
        </AdminPage>
      ), 400);
    }
    await db.transaction().execute(async (trx) => {
      await removeTotp(trx, s.user.userId);
      await audit(ctx, req, { action: 'totp.reset', entity: 'user', entityId: s.user.userId, before: { totp: true }, after: { totp: false } }, trx);
    });
    return reply.redirect(s.user.role === 'admin' ? '/admin/2fa/setup' : '/admin/2fa/settings?done=off', 303);
  });

  // New recovery codes, shown once on this answer (never stored in the clear, never shown again).
  app.post('/admin/2fa/recovery', async (req, reply) => {
    const s = staffState(req)!;
    if (!s.secondFactor) return reply.redirect('/admin/2fa', 303);
    if (!(await getTotp(db, s.user.userId, keys))?.enabledAt) return reply.redirect('/admin/2fa/settings', 303);
    const codes = await db.transaction().execute(async (trx) => {
      const before = await recoveryCodesLeft(trx, s.user.userId);
      const made = await replaceRecoveryCodes(trx, s.user.userId);
      await audit(ctx, req, { action: 'totp.recovery_codes', entity: 'user', entityId: s.user.userId, before: { codes: before.total, unused: before.unused }, after: { codes: made.length, unused: made.length } }, trx);
      return made;
    });
    req.log.info({ event: 'totp_recovery_codes', userId: s.user.userId }, 'recovery codes made');
    return sendAdmin(reply, (
      <AdminPage site={s.site} staff={s.user} csrf={reply.generateCsrf()} title="Your recovery codes" active="security">
        <h1>Your recovery codes</h1>
        <p>Save these {RECOVERY_CODES} codes now: print them, or keep them in a password manager, apart from your phone. This page will not show them again. Each code signs you in once without your phone; any codes you had before no longer work.</p>
        <ol class="recovery-codes" id="recovery-codes">
          {codes.map((c) => <li><code>{c}</code></li>)}
        </ol>
        <p><a class="btn" href="/admin/2fa/settings">I have saved them</a></p>
      </AdminPage>
    ));
  });
};
