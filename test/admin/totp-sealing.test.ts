import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BrowserSession } from '../support/browser-session.ts';
import { signInAs, STAFF_PASSWORD } from './support.ts';
import { runCli } from '../support/cli.ts';
import { currentTotpCode } from '../../src/web/admin/totp.ts';
import { buildApp } from '../../src/web/app.ts';
import { createContext } from '../../src/web/context.ts';
import { loadConfig } from '../../src/config.ts';
import { getTotp, sealTotpSecrets } from '../../src/store/newsroom.ts';
import { open, parseSealingKeys, seal } from '../../src/auth/sealing.ts';
import { createUser } from '../../src/store/users.ts';
import { startServer, killAll } from '../ops/crash-children.ts';

// Two-factor keys sealed at rest with TOTP_KEY: a copy of the database does not hold them in the
// clear; the key can be changed; a missing or wrong key is said plainly and recovery codes still work.

const hexKey = () => crypto.randomBytes(32).toString('hex');
const [K1, K2, K3] = [hexKey(), hexKey(), hexKey()];

let t: TestApp;
const apps: FastifyInstance[] = [];
before(async () => {
  t = await createTestApp();
});
after(async () => {
  await killAll();
  for (const a of apps) await a.close();
  await t.cleanup();
});

/** Another instance on the same database, started with this TOTP_KEY. */
async function instance(totpKey: string): Promise<FastifyInstance> {
  const app = await buildApp(createContext(t.store, loadConfig({ ...t.env, BASE_URL: 'http://masthead.test', TOTP_KEY: totpKey })));
  await app.ready();
  apps.push(app);
  return app;
}

/** Signs in with the password on `app`, and posts a second factor: the response. */
async function secondFactor(app: FastifyInstance, email: string, fields: Record<string, string>) {
  const b = new BrowserSession(app);
  await b.get('/login');
  assert.equal((await b.post('/login', { email, password: STAFF_PASSWORD, next: '/admin' })).statusCode, 303);
  await b.get('/admin/2fa');
  return b.post('/admin/2fa', fields);
}

async function stored(userId: number): Promise<string> {
  return (await t.store.db.selectFrom('user_totp').select('secret').where('user_id', '=', userId).executeTakeFirstOrThrow()).secret;
}

/** Lets the same time step be used again (replay protection is tested elsewhere). */
async function forgetSteps(): Promise<void> {
  await t.store.db.updateTable('user_totp').set({ last_step: null }).execute();
}

test('TOTP_KEY: 64 hex digits or base64 of 32 bytes, several with commas; anything else is refused without echoing it', () => {
  assert.deepEqual(parseSealingKeys(undefined), []);
  assert.deepEqual(parseSealingKeys(' '), []);
  assert.equal(parseSealingKeys(K1)[0].toString('hex'), K1);
  assert.equal(parseSealingKeys(Buffer.from(K1, 'hex').toString('base64'))[0].toString('hex'), K1);
  assert.deepEqual(parseSealingKeys(`${K1}, ${K2}`).map((k) => k.toString('hex')), [K1, K2]);
  for (const bad of ['secret', K1.slice(2), `${K1},nope`, `${K1},${K1}`]) {
    assert.throws(() => loadConfig({ TOTP_KEY: bad }), (err: Error) => /TOTP_KEY/.test(err.message) && !err.message.includes(K1) && !err.message.includes('nope'), bad.slice(0, 10));
  }
});

test('sealed values open only with their key and in their own row, and any change to them is noticed', () => {
  const [k1, k2] = parseSealingKeys(`${K1},${K2}`);
  const sealed = seal(k1, 'JBSWY3DPEHPK3PXP', 'user_totp:7');
  assert.ok(!sealed.includes('JBSWY3DPEHPK3PXP'));
  assert.notEqual(seal(k1, 'JBSWY3DPEHPK3PXP', 'user_totp:7'), sealed, 'a fresh IV each time');
  assert.deepEqual(open([k2, k1], sealed, 'user_totp:7'), { ok: true, value: 'JBSWY3DPEHPK3PXP' });
  assert.deepEqual(open([k2], sealed, 'user_totp:7'), { ok: false, problem: 'wrong-key' });
  assert.deepEqual(open([], sealed, 'user_totp:7'), { ok: false, problem: 'no-key' });
  assert.deepEqual(open([k1], sealed, 'user_totp:8'), { ok: false, problem: 'wrong-key' }, 'copied to another row');
  const body = sealed.slice(sealed.lastIndexOf('.') + 1);
  const flipped = sealed.slice(0, -body.length) + (body[0] === 'A' ? 'B' : 'A') + body.slice(1);
  assert.deepEqual(open([k1], flipped, 'user_totp:7'), { ok: false, problem: 'wrong-key' });
  assert.deepEqual(open([k1], 'JBSWY3DPEHPK3PXP', 'user_totp:7'), { ok: true, value: 'JBSWY3DPEHPK3PXP' }, 'a key in the clear is read as it is');
});

test('keys in the clear are sealed at start, resealed when TOTP_KEY changes, and a missing or wrong key still lets recovery codes in', async () => {
  // Enrolled on an instance without TOTP_KEY: the key is stored as the app shows it.
  const admin = await signInAs(t, 'admin');
  const secret = admin.totpSecret!;
  assert.equal(await stored(admin.userId), secret);
  assert.match((await runCli(['two-factor', 'status', admin.email], t.env)).stdout, /its key is stored in the clear \(set TOTP_KEY to seal it\)/);
  const made = await admin.browser.post('/admin/2fa/recovery', {}, { from: '/admin/2fa/settings' });
  const recovery = [...made.body.matchAll(/<code>([a-z2-9]{5}-[a-z2-9]{5})<\/code>/g)].map((m) => m[1]);
  assert.equal(recovery.length, 10);

  // What `masthead serve` does at start with TOTP_KEY set.
  assert.deepEqual(await sealTotpSecrets(t.store.db, parseSealingKeys(K1)), { sealed: 1, resealed: 0, unreadable: 0 });
  assert.deepEqual(await sealTotpSecrets(t.store.db, parseSealingKeys(K1)), { sealed: 0, resealed: 0, unreadable: 0 }, 'twice changes nothing');
  const sealed = await stored(admin.userId);
  assert.match(sealed, /^sealed1\./);
  assert.ok(!sealed.includes(secret));
  const withK1 = await instance(K1);
  await forgetSteps();
  assert.equal((await secondFactor(withK1, admin.email, { code: currentTotpCode(secret) })).statusCode, 303, 'the code from the phone still works');

  // Without the key: said plainly (503), nothing else changes, and a recovery code passes.
  await forgetSteps();
  const noKey = await secondFactor(t.app, admin.email, { code: currentTotpCode(secret) });
  assert.equal(noKey.statusCode, 503);
  assert.match(noKey.body, /TOTP_KEY setting is missing or wrong/);
  assert.equal(await stored(admin.userId), sealed);
  assert.equal((await secondFactor(t.app, admin.email, { recovery: recovery[0] })).statusCode, 303);
  assert.match((await runCli(['two-factor', 'status', admin.email], t.env)).stdout, /its key is sealed and TOTP_KEY is not set/);

  // A new key first, the old one after it: resealed under the new one, which alone then opens it.
  assert.deepEqual(await sealTotpSecrets(t.store.db, parseSealingKeys(`${K2},${K1}`)), { sealed: 0, resealed: 1, unreadable: 0 });
  await forgetSteps();
  assert.equal((await secondFactor(await instance(K2), admin.email, { code: currentTotpCode(secret) })).statusCode, 303);
  await forgetSteps();
  const oldOnly = await secondFactor(withK1, admin.email, { code: currentTotpCode(secret) });
  assert.equal(oldOnly.statusCode, 503);
  assert.match((await runCli(['two-factor', 'status', admin.email], { ...t.env, TOTP_KEY: K3 })).stdout, /its key is sealed with a key TOTP_KEY does not hold/);

  // A key that opens nothing: counted, and the stored keys are left as they are.
  const before = await stored(admin.userId);
  assert.deepEqual(await sealTotpSecrets(t.store.db, parseSealingKeys(K3)), { sealed: 0, resealed: 0, unreadable: 1 });
  assert.equal(await stored(admin.userId), before);
});

test('with TOTP_KEY set, a new enrolment is sealed from the start, and cannot be moved to another account', async () => {
  const withK2 = await instance(K2);
  const one = await signInAs({ ...t, app: withK2 }, 'admin');
  const two = await signInAs({ ...t, app: withK2 }, 'admin');
  const sealedOne = await stored(one.userId);
  assert.match(sealedOne, /^sealed1\./);
  assert.ok(!sealedOne.includes(one.totpSecret!));
  await forgetSteps();
  assert.equal((await secondFactor(withK2, one.email, { code: currentTotpCode(one.totpSecret!) })).statusCode, 303);
  // Someone with write access to the database copies their own sealed key into another's row.
  await t.store.db.updateTable('user_totp').set({ secret: sealedOne, last_step: null }).where('user_id', '=', two.userId).execute();
  assert.equal((await getTotp(t.store.db, two.userId, parseSealingKeys(K2)))!.problem, 'wrong-key');
  assert.equal((await secondFactor(withK2, two.email, { code: currentTotpCode(one.totpSecret!) })).statusCode, 503);
  // The operator's overview: every editor and admin, one line each.
  const all = await runCli(['two-factor', 'status'], { ...t.env, TOTP_KEY: K2 });
  assert.equal(all.code, 0, all.stderr);
  const line = (email: string) => all.stdout.split('\n').find((l) => l.startsWith(`${email} (admin): `)) ?? '';
  assert.match(line(one.email), /two-factor sign-in on since \S+, 0 of 0 recovery codes unused$/);
  assert.match(line(two.email), /its key is sealed with a key TOTP_KEY does not hold$/);
});

test('masthead serve seals the keys in the clear when it starts with TOTP_KEY', async () => {
  const user = await createUser(t.store.db, { email: `sealed-at-start-${process.pid}@example.org`, role: 'editor', verified: true });
  await t.store.db.insertInto('user_totp').values({ user_id: user.id, secret: 'JBSWY3DPEHPK3PXP', created_at: new Date().toISOString(), enabled_at: new Date().toISOString(), last_step: null }).execute();
  const server = await startServer({ ...t.env, TOTP_KEY: K3 });
  try {
    const now = await stored(user.id);
    assert.match(now, /^sealed1\./);
    assert.deepEqual(open(parseSealingKeys(K3), now, `user_totp:${user.id}`), { ok: true, value: 'JBSWY3DPEHPK3PXP' });
  } finally {
    await server.kill();
  }
});
