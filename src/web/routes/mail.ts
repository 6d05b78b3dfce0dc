import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { renderPage, monthYear } from '../views/layout.tsx';
import { ErrorPage } from '../views/pages.tsx';
import { FollowConfirmPage, PreferencesPage, UnsubscribeConfirmPage, UnsubscribedPage, BadLinkPage, type PreferencesView } from '../views/mail.tsx';
import { sendHtml } from '../app.ts';
import { personal } from '../session.ts';
import { getTerm } from '../../store/taxonomy.ts';
import { findUser, currentEntitlement } from '../../store/users.ts';
import {
  parseSavedQuery, followKind, createFollow, listFollows, setFollowFrequency, deleteFollow, getMailPrefs, setMailPrefs,
  FREQUENCIES, type SavedQuery, type Frequency,
} from '../../store/follows.ts';
import { signingSecret } from '../../auth/signing.ts';
import { verifyMailLinkToken, mailLinkToken, type LinkScope } from '../../mail/queue.ts';
import { mailSettings } from '../../mail/queue.ts';
import { searchPath } from '../../mail/digests.ts';

// Following (saved searches, topics, states, sources), mail preferences, and unsubscribing.
//
// /follows/new is reached by a plain GET form (term pages stay cacheable, and a GET changes
// nothing): anonymous readers are sent to sign in and come back; signed-in readers confirm with a
// POST that carries a CSRF token. Links in mails carry a signed token (src/mail/queue.ts) that
// opens the preferences page without signing in; POST /mail/unsubscribe/<token> unsubscribes in
// one click (RFC 8058) and is exempt from CSRF (the token is the proof); its GET only shows a
// button, because mail scanners open links.

type Body = Record<string, string | undefined>;

const KIND_NOUN: Record<string, string> = { search: 'search', topic: 'topic', state: 'state', source: 'source' };

export const mailRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const db = ctx.store.db;
  const digestHour = (() => {
    try {
      return mailSettings(ctx.config).digestHour;
    } catch {
      return 12;
    }
  })();

  // RFC 8058 lets the mail provider POST multipart/form-data; the body is not needed (the token
  // in the address says everything), so it is read and dropped. Only for these routes.
  app.addContentTypeParser('multipart/form-data', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, _body, done) => done(null, {}));

  async function badRequest(reply: FastifyReply, status: number, title: string, message: string) {
    return sendHtml(personal(reply.code(status)), renderPage(ErrorPage({ site: await ctx.site(), status, title, message })));
  }

  /** Signed-in readers (a session); others are sent to sign in and brought back here. */
  function requireUser(req: FastifyRequest, reply: FastifyReply, back: string): number | null {
    if (req.viewer.kind === 'user' && req.session) return req.viewer.userId;
    reply.redirect(`/login?next=${encodeURIComponent(back)}`, 303);
    return null;
  }

  /** What a saved query is called on pages and in mails; null and a message when a filter names nothing. */
  async function describe(q: SavedQuery): Promise<{ label: string } | { error: string }> {
    const parts: string[] = [];
    const names: Record<string, string> = {};
    for (const [field, facet, noun] of [['topic', 'topic', 'topic'], ['state', 'place', 'state or country'], ['source', 'source', 'source']] as const) {
      const slug = q[field];
      if (!slug) continue;
      const term = await getTerm(db, facet, slug);
      if (!term) return { error: `There is no ${noun} "${slug}" in the archive.` };
      names[field] = term.name;
    }
    if (q.q) parts.push(`“${q.q}”`);
    if (names.topic) parts.push(q.q ? `about ${names.topic}` : names.topic);
    if (names.state) parts.push(parts.length ? `in ${names.state}` : names.state);
    if (names.source) parts.push(parts.length ? `from ${names.source}` : names.source);
    if (q.issue) parts.push(`in the ${monthYear(Number(q.issue.slice(0, 4)), Number(q.issue.slice(5, 7)))} issue`);
    if (q.access) parts.push(q.access === 'free' ? '(free articles)' : '(subscriber articles)');
    if (q.from || q.to) parts.push(q.from && q.to ? `from ${q.from} to ${q.to}` : q.from ? `since ${q.from}` : `until ${q.to}`);
    return { label: parts.join(' ') };
  }

  function queryFields(q: SavedQuery): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(q)) if (v) out[k] = String(v);
    return out;
  }

  // ---------------------------------------------------------------- following

  app.get('/follows/new', async (req, reply) => {
    const back = req.url;
    const userId = requireUser(req, reply, back);
    if (userId === null) return reply;
    const parsed = parseSavedQuery((req.query ?? {}) as Body);
    if (!parsed.ok) return badRequest(reply, 400, 'Cannot follow this', parsed.error);
    const d = await describe(parsed.query);
    if ('error' in d) return badRequest(reply, 404, 'Cannot follow this', d.error);
    const existing = (await listFollows(db, userId)).find((f) => JSON.stringify(f.query) === JSON.stringify(parsed.query));
    return sendHtml(personal(reply), renderPage(FollowConfirmPage({
      site: await ctx.site(), csrf: reply.generateCsrf(), label: d.label, kindNoun: KIND_NOUN[followKind(parsed.query)],
      fields: queryFields(parsed.query), current: existing?.frequency ?? null, searchUrl: searchPath(parsed.query),
    })));
  });

  app.post('/follows', async (req, reply) => {
    const userId = requireUser(req, reply, '/account/mail');
    if (userId === null) return reply;
    const b = (req.body ?? {}) as Body;
    const frequency = b.frequency as Frequency;
    if (!FREQUENCIES.includes(frequency) || frequency === 'off') return badRequest(reply, 400, 'Cannot follow this', 'Choose how often you want to hear about it.');
    const { _csrf: _, frequency: __, ...fields } = b;
    const parsed = parseSavedQuery(fields);
    if (!parsed.ok) return badRequest(reply, 400, 'Cannot follow this', parsed.error);
    const d = await describe(parsed.query);
    if ('error' in d) return badRequest(reply, 404, 'Cannot follow this', d.error);
    const r = await createFollow(db, userId, { query: parsed.query, label: d.label, frequency }, { digestHour });
    if (!r.ok) return badRequest(reply, 400, 'Cannot follow this', r.error);
    req.log.info({ event: r.created ? 'follow_created' : 'follow_changed', userId, followId: r.id }, 'follow saved');
    return reply.redirect(`/account/mail?done=${r.created ? 'followed' : 'saved'}`, 303);
  });

  // ---------------------------------------------------------------- preferences

  const NOTICES: Record<string, string> = {
    followed: 'Followed. New articles will come by e-mail.',
    saved: 'Your mail settings are saved.',
    stopped: 'You will get no more mail from us, apart from sign-in links you ask for.',
    unfollowed: 'You no longer follow that.',
  };

  async function preferencesView(userId: number): Promise<PreferencesView | null> {
    const user = await findUser(db, userId);
    if (!user) return null;
    const [prefs, follows, ent] = await Promise.all([getMailPrefs(db, userId), listFollows(db, userId), currentEntitlement(db, userId)]);
    return {
      email: user.email, subscribed: Boolean(ent), issueMail: prefs.issueMail, plainText: prefs.plainText, renewalMail: prefs.renewalMail,
      follows: follows.map((f) => ({ id: f.id, label: f.label, kind: KIND_NOUN[f.kind], frequency: f.frequency, searchUrl: searchPath(f.query) })),
    };
  }

  async function showPreferences(req: FastifyRequest, reply: FastifyReply, userId: number, action: string, signedIn: boolean) {
    const v = await preferencesView(userId);
    if (!v) return sendHtml(personal(reply.code(404)), renderPage(BadLinkPage({ site: await ctx.site() })));
    const notice = NOTICES[((req.query ?? {}) as Body).done ?? ''] ?? null;
    // The address holds the token: no Referer carries it to other sites.
    reply.header('referrer-policy', 'no-referrer');
    return sendHtml(personal(reply), renderPage(PreferencesPage({ site: await ctx.site(), csrf: reply.generateCsrf(), action, v, notice, signedIn })));
  }

  async function savePreferences(userId: number, b: Body): Promise<void> {
    await db.transaction().execute(async (trx) => {
      await setMailPrefs(trx, userId, { issueMail: b.issue_mail === '1', plainText: b.plain_text === '1', renewalMail: b.renewal_mail === '1' });
      for (const f of await listFollows(trx, userId)) {
        const chosen = b[`frequency_${f.id}`] as Frequency | undefined;
        if (chosen && FREQUENCIES.includes(chosen)) await setFollowFrequency(trx, userId, f.id, chosen, { digestHour });
      }
    });
  }

  async function stopAll(userId: number): Promise<void> {
    await db.transaction().execute(async (trx) => {
      await setMailPrefs(trx, userId, { issueMail: false, renewalMail: false });
      for (const f of await listFollows(trx, userId)) await setFollowFrequency(trx, userId, f.id, 'off', { digestHour });
    });
  }

  app.get('/account/mail', async (req, reply) => {
    const userId = requireUser(req, reply, '/account/mail');
    if (userId === null) return reply;
    return showPreferences(req, reply, userId, '/account/mail', true);
  });

  app.post('/account/mail', async (req, reply) => {
    const userId = requireUser(req, reply, '/account/mail');
    if (userId === null) return reply;
    await savePreferences(userId, (req.body ?? {}) as Body);
    return reply.redirect('/account/mail?done=saved', 303);
  });

  app.post('/account/mail/stop-all', async (req, reply) => {
    const userId = requireUser(req, reply, '/account/mail');
    if (userId === null) return reply;
    await stopAll(userId);
    return reply.redirect('/account/mail?done=stopped', 303);
  });

  app.post<{ Params: { id: string } }>('/account/mail/follows/:id/delete', async (req, reply) => {
    const userId = requireUser(req, reply, '/account/mail');
    if (userId === null) return reply;
    await deleteFollow(db, userId, Number(req.params.id) || 0);
    return reply.redirect('/account/mail?done=unfollowed', 303);
  });

  // ---------------------------------------------------------------- through mailed links

  async function fromToken(token: string): Promise<{ userId: number; scope: LinkScope } | null> {
    return verifyMailLinkToken(await signingSecret(db), token);
  }

  async function badLink(reply: FastifyReply) {
    return sendHtml(personal(reply.code(404)), renderPage(BadLinkPage({ site: await ctx.site() })));
  }

  app.get<{ Params: { token: string } }>('/mail/preferences/:token', async (req, reply) => {
    const t = await fromToken(req.params.token);
    if (!t) return badLink(reply);
    return showPreferences(req, reply, t.userId, `/mail/preferences/${encodeURIComponent(req.params.token)}`, false);
  });

  app.post<{ Params: { token: string } }>('/mail/preferences/:token', async (req, reply) => {
    const t = await fromToken(req.params.token);
    if (!t) return badLink(reply);
    await savePreferences(t.userId, (req.body ?? {}) as Body);
    return reply.redirect(`/mail/preferences/${encodeURIComponent(req.params.token)}?done=saved`, 303);
  });

  app.post<{ Params: { token: string } }>('/mail/preferences/:token/stop-all', async (req, reply) => {
    const t = await fromToken(req.params.token);
    if (!t) return badLink(reply);
    await stopAll(t.userId);
    return reply.redirect(`/mail/preferences/${encodeURIComponent(req.params.token)}?done=stopped`, 303);
  });

  app.post<{ Params: { token: string; id: string } }>('/mail/preferences/:token/follows/:id/delete', async (req, reply) => {
    const t = await fromToken(req.params.token);
    if (!t) return badLink(reply);
    await deleteFollow(db, t.userId, Number(req.params.id) || 0);
    return reply.redirect(`/mail/preferences/${encodeURIComponent(req.params.token)}?done=unfollowed`, 303);
  });

  /** What an unsubscribe link stops, in words; null: not an unsubscribe link. */
  async function unsubscribeWhat(t: { userId: number; scope: LinkScope }): Promise<string | null> {
    if (t.scope === 'issue') return 'the e-mail with each new issue’s table of contents';
    if (t.scope === 'renewal') return 'the reminders before your subscription ends';
    if (t.scope === 'all') return `all mail from ${(await ctx.site()).name}`;
    if (t.scope.startsWith('f')) {
      const f = await db.selectFrom('follows').select('label').where('id', '=', Number(t.scope.slice(1))).where('user_id', '=', t.userId).executeTakeFirst();
      return f ? `the alerts for ${f.label}` : 'these alerts';
    }
    return null;
  }

  app.get<{ Params: { token: string } }>('/mail/unsubscribe/:token', async (req, reply) => {
    const t = await fromToken(req.params.token);
    const what = t ? await unsubscribeWhat(t) : null;
    if (!t || !what) return badLink(reply);
    reply.header('referrer-policy', 'no-referrer');
    // Only a button: a GET changes nothing, because mail scanners open every link.
    return sendHtml(personal(reply), renderPage(UnsubscribeConfirmPage({ site: await ctx.site(), action: `/mail/unsubscribe/${encodeURIComponent(req.params.token)}`, what })));
  });

  app.post<{ Params: { token: string } }>('/mail/unsubscribe/:token', async (req, reply) => {
    const t = await fromToken(req.params.token);
    const what = t ? await unsubscribeWhat(t) : null;
    if (!t || !what) return badLink(reply);
    if (t.scope === 'issue') await setMailPrefs(db, t.userId, { issueMail: false });
    else if (t.scope === 'renewal') await setMailPrefs(db, t.userId, { renewalMail: false });
    else if (t.scope === 'all') await stopAll(t.userId);
    else await setFollowFrequency(db, t.userId, Number(t.scope.slice(1)), 'off', { digestHour });
    req.log.info({ event: 'unsubscribed', userId: t.userId, scope: t.scope }, 'unsubscribed through a mailed link');
    reply.header('referrer-policy', 'no-referrer');
    const prefs = `/mail/preferences/${mailLinkToken(await signingSecret(db), t.userId, 'prefs')}`;
    return sendHtml(personal(reply), renderPage(UnsubscribedPage({ site: await ctx.site(), what, preferencesUrl: prefs })));
  });
};
