import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import formbody from '@fastify/formbody';
import type { AppContext } from '../context.ts';
import type { Viewer } from '../../domain/access.ts';
import { createCheckout, handleWebhook, isPlan, stripeClient, PaymentError } from '../../payments/stripe.ts';
import { notFound } from '../app.ts';

// Self-service subscriptions: start a Stripe Checkout, confirm the return, receive Stripe's webhook.
// `POST /webhooks/stripe` is called by Stripe, not a browser: it carries no cookie or CSRF token and
// is authenticated by its signature alone.

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function textPage(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'private, no-store')
    .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`);
}

export const paymentRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  // Forms arrive url-encoded; the app may already parse them (then this plugin inherits that).
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody);

  app.post('/subscribe/checkout', async (req, reply) => {
    const viewer = req.viewer as Viewer | undefined;
    if (viewer?.kind !== 'user') return reply.redirect('/login?next=/subscribe', 303);
    if (!stripeClient(ctx.config)) return notFound(ctx, req, reply, 'Online payment is not available on this site. Please contact the publisher to subscribe.', [{ href: '/subscribe', label: 'Subscription options' }]);
    const plan = (req.body as { plan?: unknown } | undefined)?.plan;
    if (!isPlan(plan)) {
      return textPage(reply, 400, 'Choose a plan', '<p>Please choose the digital or the print + digital plan.</p><p><a href="/subscribe">Back to the subscription options</a></p>');
    }
    try {
      const { url } = await createCheckout(ctx, { id: viewer.userId, email: viewer.email }, plan);
      return reply.header('cache-control', 'no-store').redirect(url, 303);
    } catch (err) {
      if (!(err instanceof PaymentError)) throw err;
      if (err.statusCode === 404) return notFound(ctx, req, reply, err.message, [{ href: '/subscribe', label: 'Subscription options' }]);
      req.log.error({ err: err.cause ?? err }, 'stripe checkout failed');
      return textPage(reply, err.statusCode, 'Payment service unavailable', `<p>${escapeHtml(err.message)}</p><p><a href="/subscribe">Back to the subscription options</a></p>`);
    }
  });

  app.get('/subscribe/thanks', async (_req, reply) => {
    // Access is granted by the webhook, which may arrive a moment after the reader does.
    return textPage(reply, 200, 'Thank you — your subscription is being activated',
      '<p>Thank you — your subscription is being activated. It takes effect as soon as the payment is confirmed, usually within a minute; you will then be able to read every article in full.</p>'
      + '<p><a href="/articles">Browse the article archive</a></p>');
  });

  // The webhook needs the exact bytes Stripe signed: in this scope only, JSON stays a Buffer.
  await app.register(async (hook) => {
    if (hook.hasContentTypeParser('application/json')) hook.removeContentTypeParser('application/json');
    hook.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

    hook.post('/webhooks/stripe', async (req, reply) => {
      reply.header('cache-control', 'no-store');
      if (!stripeClient(ctx.config)) return reply.code(404).send({ error: 'not_found', message: 'Stripe is not configured' });
      const header = req.headers['stripe-signature'];
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const r = await handleWebhook(ctx, body, typeof header === 'string' ? header : '', req.log);
      if (r.status === 400) req.log.warn({ reason: r.message }, 'rejected a Stripe webhook delivery');
      return reply.code(r.status).send({ received: r.status < 300, message: r.message });
    });
  });
};
