import Stripe from 'stripe';
import type { Kysely } from 'kysely';
import type { Config } from '../config.ts';
import type { AppContext } from '../web/context.ts';
import type { DB, Plan } from '../store/schema.ts';
import { findUser, grantEntitlement } from '../store/users.ts';

// Self-service subscriptions through Stripe Checkout.
//
// A plan is bought as a ONE-YEAR, one-time payment (Checkout `mode: 'payment'`), not a recurring
// Stripe subscription: PLN sells yearly subscriptions (often paid by family members or by cheque
// for incarcerated readers), so there is no card on file, no renewal billing, and the only event
// that grants access is a paid Checkout Session. Renewing means buying another year; a year bought
// while the reader still holds a current entitlement for the same plan starts when that one ends.
//
// The webhook is the single source of truth: the success page never grants anything.

export const PLANS = ['digital', 'print-digital'] as const satisfies readonly Plan[];

export function isPlan(v: unknown): v is Plan {
  return typeof v === 'string' && (PLANS as readonly string[]).includes(v);
}

/** An error with the HTTP status a route should answer with. */
export class PaymentError extends Error {
  constructor(message: string, readonly statusCode: number) {
    super(message);
    this.name = 'PaymentError';
  }
}

export interface WebhookLogger {
  warn(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
}

const consoleLogger: WebhookLogger = {
  warn: (obj, msg) => console.warn(`[stripe] ${msg}`, obj),
};

const clients = new WeakMap<object, Stripe>();

/** The Stripe client for this configuration, or null when no secret key is configured. */
export function stripeClient(config: Config): Stripe | null {
  const s = config.stripe;
  if (!s?.secretKey) return null;
  const cached = clients.get(s);
  if (cached) return cached;
  const opts: Stripe.StripeConfig = { maxNetworkRetries: 2, timeout: 20_000, telemetry: false };
  if (s.apiBase) {
    // e.g. http://127.0.0.1:12111 for a local stand-in (stripe-mock, tests).
    const u = new URL(s.apiBase);
    opts.protocol = u.protocol === 'http:' ? 'http' : 'https';
    opts.host = u.hostname.replace(/^\[(.*)\]$/, '$1');
    if (u.port) opts.port = Number(u.port);
  }
  const client = new Stripe(s.secretKey, opts);
  clients.set(s, client);
  return client;
}

/** Starts a Stripe Checkout for one year of `plan`; the caller redirects the reader to `url`. */
export async function createCheckout(ctx: AppContext, user: { id: number; email: string }, plan: Plan): Promise<{ url: string }> {
  const stripe = stripeClient(ctx.config);
  if (!stripe) throw new PaymentError('Online payment is not available on this site. Please contact the publisher to subscribe.', 404);
  if (!isPlan(plan)) throw new PaymentError(`Unknown plan "${String(plan)}": choose digital or print-digital.`, 400);
  const price = ctx.config.stripe?.prices[plan];
  if (!price) throw new PaymentError(`The ${plan} plan cannot be bought online. Please contact the publisher to subscribe.`, 404);
  const base = ctx.config.baseUrl;
  const metadata = { plan, user_id: String(user.id) };
  let session: Stripe.Checkout.Session;
  try {
    session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price, quantity: 1 }],
      client_reference_id: String(user.id),
      customer_email: user.email,
      metadata,
      // Also on the PaymentIntent, so refunds and disputes in the Stripe dashboard name the reader.
      payment_intent_data: { metadata },
      success_url: `${base}/subscribe/thanks?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${base}/subscribe`,
    });
  } catch (err) {
    throw Object.assign(new PaymentError('The payment service could not be reached. Please try again in a moment.', 502), { cause: err });
  }
  if (!session.url) throw new PaymentError('The payment service returned no checkout page. Please try again in a moment.', 502);
  return { url: session.url };
}

/** One year after `from`, same calendar day (29 February → 1 March). */
export function oneYearAfter(from: Date): Date {
  const d = new Date(from.getTime());
  d.setUTCFullYear(d.getUTCFullYear() + 1);
  return d;
}

type Outcome = { status: number; message: string };

/**
 * Verifies a Stripe webhook delivery and applies it, all in one transaction:
 *  - bad or missing signature → 400, nothing written;
 *  - an event id seen before → 200 "already processed", nothing written;
 *  - a paid Checkout Session (checkout.session.completed, or .async_payment_succeeded for delayed
 *    payment methods) → one year of the plan in its metadata for the user in client_reference_id,
 *    with the session id as the entitlement's external reference: any number of events about the
 *    same session grant once;
 *  - everything else (other types, unknown users, sessions not paid yet) → recorded, 200.
 */
export async function handleWebhook(ctx: AppContext, rawBody: Buffer, signature: string, log: WebhookLogger = consoleLogger): Promise<Outcome> {
  const stripe = stripeClient(ctx.config);
  if (!stripe) return { status: 404, message: 'Stripe is not configured' };
  const secret = ctx.config.stripe?.webhookSecret;
  // A 5xx makes Stripe retry, so deliveries are not lost while the operator fixes the setting.
  if (!secret) {
    log.warn({}, 'STRIPE_WEBHOOK_SECRET is not set: cannot verify webhook deliveries');
    return { status: 500, message: 'webhook secret not configured' };
  }
  if (!Buffer.isBuffer(rawBody) || rawBody.length === 0) return { status: 400, message: 'expected a JSON body' };
  if (!signature) return { status: 400, message: 'missing Stripe-Signature header' };

  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(rawBody, signature, secret);
  } catch (err) {
    return { status: 400, message: `signature verification failed: ${(err as Error).message}` };
  }
  if (typeof event?.id !== 'string' || typeof event.type !== 'string') return { status: 400, message: 'not a Stripe event' };

  // Two deliveries racing on PostgreSQL: the loser of a unique-key race (the event id, or the
  // session id as an entitlement's external_ref) rolls back; run it again and it sees the winner's
  // committed rows.
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.store.db.transaction().execute((trx) => applyEvent(trx, event, log));
    } catch (err) {
      if (attempt < 3 && isUniqueViolation(err)) continue;
      throw err;
    }
  }
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

async function applyEvent(trx: Kysely<DB>, event: Stripe.Event, log: WebhookLogger): Promise<Outcome> {
  const inserted = await trx.insertInto('payment_events')
    .values({ id: event.id, type: event.type, processed_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return { status: 200, message: 'already processed' };

  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      return grantForSession(trx, event.id, event.data.object, log);
    case 'checkout.session.async_payment_failed':
    case 'checkout.session.expired':
      return { status: 200, message: 'recorded: checkout not paid' };
    case 'customer.subscription.deleted':
      // Nothing to revoke early: a paid period stays paid.
      return { status: 200, message: 'recorded' };
    default:
      return { status: 200, message: `recorded: ${event.type} is not handled` };
  }
}

async function grantForSession(trx: Kysely<DB>, eventId: string, session: Stripe.Checkout.Session, log: WebhookLogger): Promise<Outcome> {
  if (session.payment_status !== 'paid' && session.payment_status !== 'no_payment_required') {
    // Delayed payment methods (bank debits): access comes with checkout.session.async_payment_succeeded.
    return { status: 200, message: `recorded: session ${session.id} is ${session.payment_status}` };
  }
  const ref = session.client_reference_id ?? session.metadata?.user_id ?? '';
  const userId = /^[1-9][0-9]{0,15}$/.test(ref) ? Number(ref) : null;
  const plan = session.metadata?.plan;
  // Retrying cannot fix any of these, so answer 200 and leave a trace for the operator.
  if (!isPlan(plan)) {
    log.warn({ eventId, sessionId: session.id, plan }, 'paid checkout session without a known plan in its metadata: nothing granted');
    return { status: 200, message: 'recorded: no known plan in the session metadata; nothing granted' };
  }
  const user = userId === null ? null : await findUser(trx, userId);
  if (!user) {
    log.warn({ eventId, sessionId: session.id, clientReferenceId: session.client_reference_id, email: session.customer_details?.email ?? session.customer_email }, 'paid checkout session for an unknown user: nothing granted');
    return { status: 200, message: 'recorded: unknown user; nothing granted' };
  }

  const existing = await trx.selectFrom('entitlements').select('id').where('external_ref', '=', session.id).executeTakeFirst();
  if (existing) return { status: 200, message: `session ${session.id} already granted` };

  // A year bought while the same plan is still running starts when the running one ends.
  const now = new Date();
  const running = await trx.selectFrom('entitlements').select((eb) => eb.fn.max('ends_at').as('ends_at'))
    .where('user_id', '=', user.id).where('plan', '=', plan).where('revoked_at', 'is', null).where('ends_at', '>', now.toISOString())
    .executeTakeFirst();
  const start = running?.ends_at && Date.parse(running.ends_at) > now.getTime() ? new Date(running.ends_at) : now;
  const g = await grantEntitlement(trx, {
    userId: user.id, plan, source: 'payment', externalRef: session.id,
    startsAt: start.toISOString(), endsAt: oneYearAfter(start).toISOString(),
    note: `Stripe Checkout ${session.id}`,
  });
  log.info?.({ eventId, sessionId: session.id, userId: user.id, plan, entitlementId: g.id }, 'entitlement granted for a paid checkout');
  return { status: 200, message: g.created ? `granted ${plan} to user ${user.id}` : `session ${session.id} already granted` };
}
