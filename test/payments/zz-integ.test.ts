import { test } from 'node:test';
import assert from 'node:assert/strict';
import formbody from '@fastify/formbody';
import { createTestDatabase } from '/work/main/test/support/db.ts';
import { startStripeStandin } from '/work/main/test/support/stripe-standin.ts';
import { createContext } from '/work/main/src/web/context.ts';
import { buildApp } from '/work/main/src/web/app.ts';
import { loadConfig } from '/work/main/src/config.ts';
import { paymentRoutes } from '/work/main/src/web/routes/payments.ts';

for (const rootForm of [false, true]) test(`inside buildApp (root formbody: ${rootForm})`, async () => {
  const s = await startStripeStandin();
  const d = await createTestDatabase();
  for (const env of [{}, { STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_WEBHOOK_SECRET: 'whsec_x', STRIPE_API_BASE: s.url, STRIPE_PRICE_DIGITAL: 'p' }]) {
    const ctx = createContext(d.store, loadConfig({ ...d.env, ...env }));
    const app = await buildApp(ctx);
    if (rootForm) await app.register(formbody);
    await app.register(paymentRoutes(ctx));
    await app.ready();
    const anon = await app.inject({ method: 'POST', url: '/subscribe/checkout', payload: { plan: 'digital' } });
    console.log(anon.statusCode, anon.headers.location);
    const anonForm = await app.inject({ method: 'POST', url: '/subscribe/checkout', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'plan=digital' });
    console.log('form', anonForm.statusCode);
    const hook = await app.inject({ method: 'POST', url: '/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' }, payload: '{"id":"evt_1"}' });
    console.log('hook', hook.statusCode, hook.body);
    const thanks = await app.inject({ url: '/subscribe/thanks' });
    console.log('thanks', thanks.statusCode, thanks.headers['content-security-policy'] ? 'csp' : '', thanks.headers['cache-control']);
    const sub = await app.inject({ url: '/subscribe' });
    console.log('subscribe page', sub.statusCode);
    await app.close();
  }
  await d.cleanup(); await s.close();
});
