import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { createTestApp, type TestApp } from '../support/app.ts';
import { startStripeStandin, type StripeStandin } from '../support/stripe-standin.ts';
import { createContext, type AppContext } from '../../src/web/context.ts';
import { loadConfig } from '../../src/config.ts';
import { createUser, findUser, listEntitlements, type User } from '../../src/store/users.ts';
import { paymentRoutes } from '../../src/web/routes/payments.ts';
import { createCheckout, handleWebhook, stripeClient, oneYearAfter, PaymentError, type WebhookLogger } from '../../src/payments/stripe.ts';
import type { Viewer } from '../../src/domain/access.ts';
import { BrowserSession } from '../support/browser-session.ts';
import { hashPassword } from '../../src/auth/passwords.ts';

const SECRET = 'whsec_test';
const STRIPE_ENV = {
  STRIPE_SECRET_KEY: 'sk_test_x',
  STRIPE_WEBHOOK_SECRET: SECRET,
  STRIPE_PRICE_DIGITAL: 'price_digital',
  STRIPE_PRICE_PRINT_DIGITAL: 'price_pd',
};

let standin: StripeStandin;
let t: TestApp;
let ctx: AppContext;
/** Serves paymentRoutes with a test viewer (header x-test-user: a user id): the app has no sign-in yet. */
let own: FastifyInstance;
/** Where webhooks are delivered: the real app once the lead registers the plugin there, else `own`. */
let hooks: FastifyInstance;
let reader: User;

/** A Fastify instance with only paymentRoutes(ctx), and request.viewer set from `x-test-user`. */
async function paymentsApp(c: AppContext): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.decorateRequest('viewer', null as never);
  app.addHook('onRequest', async (req) => {
    const id = Number(req.headers['x-test-user']);
    const u = id ? await findUser(c.store.db, id) : null;
    req.viewer = u
      ? { kind: 'user', userId: u.id, email: u.email, role: u.role, subscribed: false, institution: null }
      : ({ kind: 'anonymous', institution: null } satisfies Viewer);
  });
  await app.register(paymentRoutes(c));
  // A sibling route: the plugin's raw-JSON parser must not leak out of its scope.
  app.post('/echo', async (req) => ({ isBuffer: Buffer.isBuffer(req.body), body: req.body }));
  await app.ready();
  return app;
}

before(async () => {
  standin = await startStripeStandin();
  const env = { ...STRIPE_ENV, STRIPE_API_BASE: standin.url };
  t = await createTestApp({ demo: false, env });
  ctx = createContext(t.store, loadConfig({ ...t.env, BASE_URL: 'http://masthead.test', ...env }));
  own = await paymentsApp(ctx);
  const probe = await t.app.inject({ method: 'POST', url: '/webhooks/stripe', headers: { 'content-type': 'application/json' }, payload: '{}' });
  hooks = probe.statusCode === 404 ? own : t.app;
});

after(async () => {
  await own?.close();
  await t?.cleanup();
  await standin?.close();
});

let n = 0;
beforeEach(async () => {
  reader = await createUser(t.store.db, { email: `reader${++n}@example.org`, verified: true });
});

async function checkout(user: User, plan: 'digital' | 'print-digital' = 'digital') {
  const { url } = await createCheckout(ctx, { id: user.id, email: user.email }, plan);
  const id = url.split('/').pop() as string;
  return { url, id };
}

function deliver(event: unknown, opts: { secret?: string; payload?: string; header?: string | null; app?: FastifyInstance } = {}) {
  const signed = standin.sign(event, opts.secret ?? SECRET);
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  const header = opts.header === undefined ? signed.header : opts.header;
  if (header !== null) headers['stripe-signature'] = header;
  return (opts.app ?? hooks).inject({ method: 'POST', url: '/webhooks/stripe', headers, payload: opts.payload ?? signed.payload });
}

const entitlements = (user: User) => listEntitlements(t.store.db, user.id);
const eventRow = (id: string) => t.store.db.selectFrom('payment_events').selectAll().where('id', '=', id).executeTakeFirst();
const countEvents = async () => Number((await t.store.db.selectFrom('payment_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
const countEntitlements = async () => Number((await t.store.db.selectFrom('entitlements').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

function signedBuffer(event: unknown): [Buffer, string] {
  const { payload, header } = standin.sign(event, SECRET);
  return [Buffer.from(payload), header];
}

function capture(): WebhookLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, warn: (_o, msg) => void warnings.push(msg) };
}

// ---------------------------------------------------------------- configuration

test('without Stripe keys there is no client, checkout is refused with 404, and the webhook answers 404', async () => {
  const plain = createContext(t.store, loadConfig({ ...t.env, BASE_URL: 'http://masthead.test' }));
  assert.equal(stripeClient(plain.config), null);
  await assert.rejects(createCheckout(plain, { id: reader.id, email: reader.email }, 'digital'), (e: unknown) => e instanceof PaymentError && e.statusCode === 404);
  const app = await paymentsApp(plain);
  try {
    const res = await app.inject({ method: 'POST', url: '/subscribe/checkout', headers: { 'x-test-user': String(reader.id) }, payload: { plan: 'digital' } });
    assert.equal(res.statusCode, 404);
    assert.match(res.body, /Online payment is not available/);
    const hook = await app.inject({ method: 'POST', url: '/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=x' }, payload: '{}' });
    assert.equal(hook.statusCode, 404);
  } finally {
    await app.close();
  }
});

test('with keys, stripeClient is the real SDK pointed at STRIPE_API_BASE, and one per configuration', () => {
  const c = stripeClient(ctx.config);
  assert.ok(c);
  assert.equal(typeof c.checkout.sessions.create, 'function');
  assert.equal(stripeClient(ctx.config), c);
});

// ---------------------------------------------------------------- checkout

test('createCheckout sends the plan price, the reader and the return URLs to Stripe', async () => {
  const before = standin.requests.length;
  const { url, id } = await checkout(reader, 'print-digital');
  assert.match(id, /^cs_test_/);
  assert.equal(url, `${standin.url}/pay/${id}`);
  const sent = standin.requests.slice(before);
  assert.equal(sent.length, 1);
  const r = sent[0];
  assert.equal(r.method, 'POST');
  assert.equal(r.path, '/v1/checkout/sessions');
  assert.equal(r.headers.authorization, 'Bearer sk_test_x');
  assert.deepEqual(r.body.line_items, [{ price: 'price_pd', quantity: '1' }]);
  assert.equal(r.body.mode, 'payment');
  assert.equal(r.body.client_reference_id, String(reader.id));
  assert.equal(r.body.customer_email, reader.email);
  assert.deepEqual(r.body.metadata, { plan: 'print-digital', user_id: String(reader.id) });
  assert.equal(r.body.success_url, 'http://masthead.test/subscribe/thanks?session_id={CHECKOUT_SESSION_ID}');
  assert.equal(r.body.cancel_url, 'http://masthead.test/subscribe');

  const digital = await checkout(reader, 'digital');
  assert.deepEqual(standin.sessions.get(digital.id)?.metadata, { plan: 'digital', user_id: String(reader.id) });
  assert.equal((standin.requests.at(-1)?.body.line_items as { price: string }[])[0].price, 'price_digital');
});

test('createCheckout: a plan without a configured price is 404; a Stripe failure is 502', async () => {
  const noPrice = createContext(t.store, loadConfig({ ...t.env, STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_API_BASE: standin.url, STRIPE_PRICE_DIGITAL: 'price_digital' }));
  await assert.rejects(createCheckout(noPrice, { id: reader.id, email: reader.email }, 'print-digital'), (e: unknown) => e instanceof PaymentError && e.statusCode === 404);
  standin.failNext(400, 'No such price');
  await assert.rejects(createCheckout(ctx, { id: reader.id, email: reader.email }, 'digital'), (e: unknown) => e instanceof PaymentError && e.statusCode === 502);
});

test('POST /subscribe/checkout: anonymous → login; bad plan → 400; signed in → 303 to Stripe Checkout', async () => {
  const anon = await own.inject({ method: 'POST', url: '/subscribe/checkout', payload: { plan: 'digital' } });
  assert.equal(anon.statusCode, 303);
  assert.equal(anon.headers.location, '/login?next=/subscribe');

  const bad = await own.inject({ method: 'POST', url: '/subscribe/checkout', headers: { 'x-test-user': String(reader.id) }, payload: { plan: 'platinum' } });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /choose the digital or the print \+ digital plan/);
  const none = await own.inject({ method: 'POST', url: '/subscribe/checkout', headers: { 'x-test-user': String(reader.id) }, payload: {} });
  assert.equal(none.statusCode, 400);

  const before = standin.requests.length;
  const ok = await own.inject({ method: 'POST', url: '/subscribe/checkout', headers: { 'x-test-user': String(reader.id) }, payload: { plan: 'print-digital' } });
  assert.equal(ok.statusCode, 303);
  const sent = standin.requests.slice(before);
  assert.equal(sent.length, 1);
  const session = standin.sessions.get(String(ok.headers.location).split('/').pop() as string);
  assert.ok(session, 'redirects to the session URL Stripe returned');
  assert.equal(ok.headers.location, session.url);
  assert.equal(sent[0].body.client_reference_id, String(reader.id));
  assert.deepEqual(sent[0].body.line_items, [{ price: 'price_pd', quantity: '1' }]);

  // A transient 5xx is retried by the SDK; a refusal (here: 400, e.g. an unknown price id) is a 502 page.
  standin.failNext(500, 'down');
  const retried = await own.inject({ method: 'POST', url: '/subscribe/checkout', headers: { 'x-test-user': String(reader.id) }, payload: { plan: 'digital' } });
  assert.equal(retried.statusCode, 303);
  standin.failNext(400, 'No such price');
  const refused = await own.inject({ method: 'POST', url: '/subscribe/checkout', headers: { 'x-test-user': String(reader.id) }, payload: { plan: 'digital' } });
  assert.equal(refused.statusCode, 502);
  assert.match(refused.body, /could not be reached/);
});

test('GET /subscribe/thanks confirms and links to the archive without granting anything', async () => {
  const res = await own.inject({ url: '/subscribe/thanks?session_id=cs_test_whatever', headers: { 'x-test-user': String(reader.id) } });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/html/);
  assert.match(res.body, /Thank you — your subscription is being activated/);
  assert.match(res.body, /href="\/articles"/);
  assert.equal((await entitlements(reader)).length, 0);
});

test('end to end in the app: sign in, checkout (with CSRF), webhook, and the account shows the plan', async (tc) => {
  if (hooks !== t.app) return tc.skip('paymentRoutes is not registered in buildApp yet');
  const anon = new BrowserSession(t.app);
  const a = await anon.post('/subscribe/checkout', { plan: 'digital' }, { from: '/login' });
  assert.equal(a.statusCode, 303);
  assert.equal(a.headers.location, '/login?next=/subscribe');

  const password = 'correct horse battery';
  const user = await createUser(t.store.db, { email: `browser${n}@example.org`, passwordHash: await hashPassword(password), verified: true });
  const b = new BrowserSession(t.app);
  assert.equal((await b.post('/login', { email: user.email, password }, { from: '/login' })).statusCode, 303);
  const forged = await b.post('/subscribe/checkout', { plan: 'digital' }, { noCsrf: true });
  assert.equal(forged.statusCode, 403, 'the checkout form is CSRF-protected');
  const res = await b.post('/subscribe/checkout', { plan: 'print-digital' }, { from: '/account' });
  assert.equal(res.statusCode, 303);
  const id = String(res.headers.location).split('/').pop() as string;
  const session = standin.sessions.get(id);
  assert.ok(session);
  assert.equal(session.client_reference_id, String(user.id));
  assert.equal(session.customer_email, user.email);

  const thanks = await b.get(`/subscribe/thanks?session_id=${id}`);
  assert.equal(thanks.statusCode, 200);
  assert.match(thanks.body, /being activated/);
  assert.match((await b.get('/account')).body, /You have no current subscription/);
  assert.equal((await deliver(standin.completeSession(id), { app: t.app })).statusCode, 200);
  assert.match((await b.get('/account')).body, /You have the <strong>print and digital<\/strong> plan until/);
});

// ---------------------------------------------------------------- webhook

test('a signed checkout.session.completed grants one year of the plan, from payment, keyed by the session', async () => {
  const { id } = await checkout(reader, 'print-digital');
  const event = standin.completeSession(id);
  const t0 = Date.now();
  const res = await deliver(event);
  assert.equal(res.statusCode, 200, res.body);
  const list = await entitlements(reader);
  assert.equal(list.length, 1);
  const e = list[0];
  assert.equal(e.user_id, reader.id);
  assert.equal(e.plan, 'print-digital');
  assert.equal(e.source, 'payment');
  assert.equal(e.external_ref, id);
  assert.equal(e.revoked_at, null);
  const start = Date.parse(e.starts_at);
  assert.ok(start >= t0 - 1000 && start <= Date.now() + 1000, 'starts now');
  assert.equal(e.ends_at, oneYearAfter(new Date(e.starts_at)).toISOString());
  assert.equal((await eventRow(event.id))?.type, 'checkout.session.completed');
});

test('the same event delivered twice grants once and says "already processed"', async () => {
  const { id } = await checkout(reader);
  const event = standin.completeSession(id);
  const a = await deliver(event);
  const eventsAfterFirst = await countEvents();
  const b = await deliver(event);
  assert.equal(a.statusCode, 200);
  assert.equal(b.statusCode, 200);
  assert.match(b.body, /already processed/);
  assert.equal((await entitlements(reader)).length, 1);
  assert.equal(await countEvents(), eventsAfterFirst);
});

test('different events about the same session grant once (each event is recorded)', async () => {
  const { id } = await checkout(reader);
  const first = standin.completeSession(id);
  const again = standin.completeSession(id); // a new event id, same session
  const async = standin.event('checkout.session.async_payment_succeeded', standin.sessions.get(id)!);
  for (const ev of [first, again, async]) assert.equal((await deliver(ev)).statusCode, 200);
  const list = await entitlements(reader);
  assert.equal(list.length, 1);
  assert.equal(list[0].external_ref, id);
  for (const ev of [first, again, async]) assert.ok(await eventRow(ev.id), `${ev.type} ${ev.id} recorded`);
});

test('concurrent deliveries (duplicates and different events for one session) grant exactly once', async () => {
  const { id } = await checkout(reader);
  const a = standin.completeSession(id);
  const b = standin.completeSession(id);
  const c = standin.event('checkout.session.async_payment_succeeded', standin.sessions.get(id)!);
  const more = Array.from({ length: 8 }, () => standin.completeSession(id));
  const all = [a, a, b, c, b, a, ...more, ...more];
  const results = await Promise.all(all.map((ev) => handleWebhook(ctx, ...signedBuffer(ev), capture())));
  assert.deepEqual(results.map((r) => r.status), all.map(() => 200), results.map((r) => r.message).join('\n'));
  assert.equal((await entitlements(reader)).length, 1);
  for (const ev of [a, b, c, ...more]) assert.ok(await eventRow(ev.id));
  // More sessions, each raced by ten distinct events (on PostgreSQL the losers hit the unique key and are re-run).
  for (let round = 0; round < 4; round++) {
    const s = await checkout(reader);
    const evs = Array.from({ length: 10 }, () => standin.completeSession(s.id));
    const r = await Promise.all(evs.map((ev) => handleWebhook(ctx, ...signedBuffer(ev), capture())));
    assert.ok(r.every((x) => x.status === 200), JSON.stringify(r));
  }
  assert.equal((await entitlements(reader)).length, 5);
  // And over HTTP.
  const http = await Promise.all([a, b, c].map((ev) => deliver(ev)));
  assert.deepEqual(http.map((r) => r.statusCode), [200, 200, 200]);
  assert.equal((await entitlements(reader)).filter((e) => e.external_ref === id).length, 1);
  assert.equal((await entitlements(reader)).length, 5);
});

test('a bad or missing signature is 400 and writes nothing', async () => {
  const { id } = await checkout(reader);
  const event = standin.completeSession(id);
  const [events, ents] = [await countEvents(), await countEntitlements()];
  const wrongSecret = await deliver(event, { secret: 'whsec_someone_else' });
  assert.equal(wrongSecret.statusCode, 400);
  const missing = await deliver(event, { header: null });
  assert.equal(missing.statusCode, 400);
  const garbage = await deliver(event, { header: 'nonsense' });
  assert.equal(garbage.statusCode, 400);
  const stale = standin.sign(event, SECRET, Math.floor(Date.now() / 1000) - 3600);
  const old = await deliver(event, { header: stale.header, payload: stale.payload });
  assert.equal(old.statusCode, 400, 'a replay older than the tolerance is refused');
  assert.equal(await countEvents(), events);
  assert.equal(await countEntitlements(), ents);
  assert.equal(await eventRow(event.id), undefined);
});

test('a tampered body with a header signed for the original is 400 and writes nothing', async () => {
  const mallory = await createUser(t.store.db, { email: `mallory${n}@example.org` });
  const { id } = await checkout(reader);
  const event = standin.completeSession(id);
  const { header, payload } = standin.sign(event, SECRET);
  const tampered = payload.replace(`"client_reference_id":"${reader.id}"`, `"client_reference_id":"${mallory.id}"`);
  assert.notEqual(tampered, payload);
  const res = await deliver(event, { header, payload: tampered });
  assert.equal(res.statusCode, 400);
  // Re-serialised (whitespace only): still not the signed bytes.
  const reformatted = await deliver(event, { header, payload: JSON.stringify(JSON.parse(payload), null, 1) });
  assert.equal(reformatted.statusCode, 400);
  assert.equal((await entitlements(mallory)).length, 0);
  assert.equal((await entitlements(reader)).length, 0);
  assert.equal(await eventRow(event.id), undefined);
});

test('an event for an unknown user is 200 with a warning, and grants nothing', async () => {
  const ghost = { id: 987654, email: 'ghost@example.org' };
  const { id } = await createCheckout(ctx, ghost, 'digital').then(({ url }) => ({ id: url.split('/').pop() as string }));
  const event = standin.completeSession(id);
  const { payload, header } = standin.sign(event, SECRET);
  const log = capture();
  const ents = await countEntitlements();
  const r = await handleWebhook(ctx, Buffer.from(payload), header, log);
  assert.equal(r.status, 200);
  assert.match(r.message, /unknown user/);
  assert.equal(log.warnings.length, 1);
  assert.match(log.warnings[0], /unknown user/);
  assert.equal(await countEntitlements(), ents);
  // And over HTTP: 200, so Stripe does not retry forever.
  const again = standin.completeSession(id);
  assert.equal((await deliver(again)).statusCode, 200);
  assert.equal(await countEntitlements(), ents);
});

test('a paid session without a known plan is 200, warned about, and grants nothing', async () => {
  const { id } = await checkout(reader);
  standin.sessions.get(id)!.metadata = { user_id: String(reader.id), plan: 'gold' };
  const log = capture();
  const { payload, header } = standin.sign(standin.completeSession(id), SECRET);
  const r = await handleWebhook(ctx, Buffer.from(payload), header, log);
  assert.equal(r.status, 200);
  assert.equal(log.warnings.length, 1);
  assert.equal((await entitlements(reader)).length, 0);
});

test('unknown event types are 200 and recorded; customer.subscription.deleted revokes nothing', async () => {
  const { id } = await checkout(reader);
  await deliver(standin.completeSession(id));
  const odd = standin.event('customer.tax_id.created', { id: 'txi_1', object: 'tax_id' });
  const res = await deliver(odd);
  assert.equal(res.statusCode, 200);
  assert.equal((await eventRow(odd.id))?.type, 'customer.tax_id.created');
  const deleted = standin.event('customer.subscription.deleted', { id: 'sub_1', object: 'subscription', metadata: { user_id: String(reader.id) } });
  assert.equal((await deliver(deleted)).statusCode, 200);
  assert.ok(await eventRow(deleted.id));
  const list = await entitlements(reader);
  assert.equal(list.length, 1);
  assert.equal(list[0].revoked_at, null);
});

test('a delayed payment grants only when it succeeds', async () => {
  const { id } = await checkout(reader);
  const pending = standin.completeSession(id, { paymentStatus: 'unpaid' });
  assert.equal((await deliver(pending)).statusCode, 200);
  assert.equal((await entitlements(reader)).length, 0);
  const failed = standin.event('checkout.session.async_payment_failed', standin.sessions.get(id)!);
  assert.equal((await deliver(failed)).statusCode, 200);
  assert.equal((await entitlements(reader)).length, 0);

  const { id: id2 } = await checkout(reader);
  standin.completeSession(id2, { paymentStatus: 'unpaid' });
  standin.sessions.get(id2)!.payment_status = 'paid';
  const ok = standin.event('checkout.session.async_payment_succeeded', standin.sessions.get(id2)!);
  assert.equal((await deliver(ok)).statusCode, 200);
  const list = await entitlements(reader);
  assert.equal(list.length, 1);
  assert.equal(list[0].external_ref, id2);
});

test('a second year bought while the first is running starts when the first ends', async () => {
  const first = await checkout(reader, 'digital');
  await deliver(standin.completeSession(first.id));
  const second = await checkout(reader, 'digital');
  await deliver(standin.completeSession(second.id));
  const byRef = new Map((await entitlements(reader)).map((e) => [e.external_ref, e]));
  const a = byRef.get(first.id)!;
  const b = byRef.get(second.id)!;
  assert.equal(b.starts_at, a.ends_at);
  assert.equal(b.ends_at, oneYearAfter(new Date(a.ends_at)).toISOString());
  // Another plan is not stacked: it starts now.
  const pd = await checkout(reader, 'print-digital');
  await deliver(standin.completeSession(pd.id));
  const c = (await entitlements(reader)).find((e) => e.external_ref === pd.id)!;
  assert.ok(Date.parse(c.starts_at) <= Date.now());
});

test('the raw-body JSON parser stays inside the plugin; non-JSON webhook bodies are refused', async () => {
  const echo = await own.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"a":1}' });
  assert.deepEqual(echo.json(), { isBuffer: false, body: { a: 1 } });
  const text = await own.inject({ method: 'POST', url: '/webhooks/stripe', headers: { 'content-type': 'text/plain', 'stripe-signature': 't=1,v1=x' }, payload: 'hi' });
  assert.equal(text.statusCode, 400);
});

test('without a webhook secret deliveries answer 500 (Stripe retries) and nothing is written', async () => {
  const noSecret = createContext(t.store, loadConfig({ ...t.env, STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_API_BASE: standin.url }));
  const { id } = await checkout(reader);
  const event = standin.completeSession(id);
  const { payload, header } = standin.sign(event, SECRET);
  const r = await handleWebhook(noSecret, Buffer.from(payload), header, capture());
  assert.equal(r.status, 500);
  assert.equal(await eventRow(event.id), undefined);
});
