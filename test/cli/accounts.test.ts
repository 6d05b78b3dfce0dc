import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../support/app.ts';
import { runCli } from '../support/cli.ts';
import { BrowserSession } from '../support/browser-session.ts';
import { gatedFragments, findLeak } from '../support/leaks.ts';
import { findUserByEmail } from '../../src/store/users.ts';
import { getArticle } from '../../src/store/articles.ts';

// The account commands, run as the real `masthead` CLI against the database the web app serves.

const ARGON2_PREFIX = '$argon2id$v=19$m=19456,t=2,p=1$';
const NEXT_YEAR = new Date().getUTCFullYear() + 1;
const UNTIL = `${NEXT_YEAR}-06-30`;

let t: TestApp;
let slug: string;
let fragments: string[];
let n = 0;

before(async () => {
  t = await createTestApp();
  const row = await t.store.db.selectFrom('articles').select('slug').where('access', '=', 'premium').orderBy('id').executeTakeFirstOrThrow();
  const a = (await getArticle(t.store.db, row.slug))!;
  slug = a.slug;
  fragments = gatedFragments(a.bodyText, a.teaserText);
  assert.ok(fragments.length > 0);
});
after(async () => t?.cleanup());

const db = () => t.store.db;
const email = (name = 'cli') => `${name}${++n}@example.org`;
const cli = (...args: string[]) => runCli(args, t.env);

/** Runs each argument list (a few at a time: every run starts a process) and expects each to fail. */
async function allFail(prefix: string[], cases: string[][]) {
  for (let i = 0; i < cases.length; i += 3) {
    const batch = cases.slice(i, i + 3);
    const results = await Promise.all(batch.map((args) => cli(...prefix, ...args)));
    results.forEach((r, k) => {
      assert.notEqual(r.code, 0, `${[...prefix, ...batch[k]].join(' ')} should fail`);
      assert.ok(r.stderr.trim().length > 0, `${[...prefix, ...batch[k]].join(' ')} says why`);
    });
  }
}
const countOf = async (table: 'entitlements' | 'users' | 'gift_codes' | 'api_tokens') =>
  Number((await db().selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

async function apiAs(token: string) {
  const res = await t.app.inject({ url: `/api/v1/articles/${slug}`, headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.statusCode, 200);
  return res.json() as { body_html: string | null };
}

async function signIn(e: string, password: string) {
  const b = new BrowserSession(t.app);
  await b.get('/login');
  return { b, res: await b.post('/login', { email: e, password }) };
}

test('user add: creates an account with an argon2id password that signs in on the site', async () => {
  const e = email('Added');
  const r = await cli('user', 'add', '--email', e.toUpperCase(), '--password', 'a long enough password');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`created ${e.toLowerCase()}`));
  const user = (await findUserByEmail(db(), e))!;
  assert.ok(user);
  assert.equal(user.email, e.toLowerCase());
  assert.equal(user.role, 'reader');
  assert.ok(user.password_hash?.startsWith(ARGON2_PREFIX), user.password_hash ?? '');
  const { res, b } = await signIn(e, 'a long enough password');
  assert.equal(res.statusCode, 303);
  assert.equal((await b.get('/account')).statusCode, 200);
});

test('user add: bad input exits non-zero and writes nothing', async () => {
  const users = await countOf('users');
  await allFail(['user'], [
    ['add', '--email', 'not-an-address'],
    ['add', '--email', email(), '--password', 'short'],
    ['add', '--email', email(), '--role', 'superuser'],
    ['add'],
    ['remove', '--email', email()],
    ['add', '--email', email(), '--unknown-flag'],
  ]);
  assert.equal(await countOf('users'), users);
  const help = await cli('user', '--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /masthead user add/);
});

test('user add on an existing account: a new password keeps the role unless --role is given', async () => {
  const e = email('editor');
  assert.equal((await cli('user', 'add', '--email', e, '--role', 'editor')).code, 0);
  assert.equal((await findUserByEmail(db(), e))!.role, 'editor');
  const r = await cli('user', 'add', '--email', e, '--password', 'the editors new password');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /updated/);
  const u = (await findUserByEmail(db(), e))!;
  assert.equal(u.role, 'editor', 'not demoted to reader by a password change');
  assert.ok(u.password_hash?.startsWith(ARGON2_PREFIX));
  assert.equal((await signIn(e, 'the editors new password')).res.statusCode, 303);
  assert.equal((await cli('user', 'add', '--email', e, '--role', 'reader')).code, 0);
  assert.equal((await findUserByEmail(db(), e))!.role, 'reader');
});

test('an account made by grant (no password) gets one from user add and can sign in with it', async () => {
  const e = email('granted');
  assert.equal((await cli('grant', e, '--plan', 'digital', '--until', UNTIL)).code, 0);
  assert.equal((await cli('user', 'add', '--email', e, '--password', 'set by the operator')).code, 0);
  assert.equal((await signIn(e, 'set by the operator')).res.statusCode, 303);
});

test('grant: a subscription through the given day; a Bearer token from token create reads the full text', async () => {
  const e = email('sub');
  assert.equal((await cli('user', 'add', '--email', e)).code, 0);
  const tok = await cli('token', 'create', e);
  assert.equal(tok.code, 0, tok.stderr);
  const token = tok.stdout.trim();
  assert.match(token, /^mh_[A-Za-z0-9_-]{40,}$/);
  assert.ok(!JSON.stringify(await db().selectFrom('api_tokens').selectAll().execute()).includes(token), 'only its hash is stored');
  assert.equal((await apiAs(token)).body_html, null, 'not a subscriber yet');

  const r = await cli('grant', e, '--plan', 'print-digital', '--until', UNTIL, '--note', 'paid by money order #123');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`${e}: print-digital until ${UNTIL}`));
  const user = (await findUserByEmail(db(), e))!;
  const ent = await db().selectFrom('entitlements').selectAll().where('user_id', '=', user.id).executeTakeFirstOrThrow();
  assert.equal(ent.plan, 'print-digital');
  assert.equal(ent.ends_at, new Date(Date.UTC(NEXT_YEAR, 6, 1)).toISOString(), 'access lasts through the given day (UTC)');
  assert.equal(ent.note, 'paid by money order #123');
  const full = await apiAs(token);
  assert.ok(full.body_html && findLeak(full.body_html, fragments), 'body_html for a subscriber');

  // A non-subscriber's token: null.
  const other = email('free');
  await cli('user', 'add', '--email', other);
  const otherToken = (await cli('token', 'create', other)).stdout.trim();
  assert.equal((await apiAs(otherToken)).body_html, null);

  // The entitlement ends: teasers again, on every channel.
  await db().updateTable('entitlements').set({ ends_at: new Date(Date.now() - 1000).toISOString() }).where('user_id', '=', user.id).execute();
  assert.equal((await apiAs(token)).body_html, null);
});

test('grant creates the account when there is none yet', async () => {
  const e = email('new');
  const r = await cli('grant', e, '--plan', 'digital', '--until', UNTIL);
  assert.equal(r.code, 0, r.stderr);
  const u = await findUserByEmail(db(), e);
  assert.ok(u);
  assert.equal(u.password_hash, null);
});

test('grant: bad dates, plans and addresses exit non-zero and write nothing', async () => {
  const e = email('bad');
  await cli('user', 'add', '--email', e);
  const ents = await countOf('entitlements');
  const users = await countOf('users');
  await allFail(['grant'], [
    [e, '--plan', 'digital', '--until', `${NEXT_YEAR}-02-30`],
    [e, '--plan', 'digital', '--until', `${NEXT_YEAR}-13-01`],
    [e, '--plan', 'digital', '--until', `${NEXT_YEAR}-1-5`],
    [e, '--plan', 'digital', '--until', `31-12-${NEXT_YEAR}`],
    [e, '--plan', 'digital', '--until', '2020-01-01'],
    [e, '--plan', 'digital'],
    [e, '--plan', 'gold', '--until', UNTIL],
    [e, '--until', UNTIL],
    ['not-an-address', '--plan', 'digital', '--until', UNTIL],
  ]);
  assert.equal(await countOf('entitlements'), ents);
  assert.equal(await countOf('users'), users);
});

test('token create: unknown or missing account exits non-zero', async () => {
  const tokens = await countOf('api_tokens');
  await allFail(['token'], [['create', email('ghost')], ['create'], ['list']]);
  assert.equal(await countOf('api_tokens'), tokens);
});

test('gift create: codes that are redeemed on the account page exactly once', async () => {
  const r = await cli('gift', 'create', '--plan', 'digital', '--days', '30', '--count', '3', '--note', 'holiday drive');
  assert.equal(r.code, 0, r.stderr);
  const codes = r.stdout.trim().split('\n');
  assert.equal(codes.length, 3);
  assert.equal(new Set(codes).size, 3);
  for (const c of codes) assert.match(c, /^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$/);
  assert.ok(!JSON.stringify(await db().selectFrom('gift_codes').selectAll().execute()).includes(codes[0]));

  const e = email('gifted');
  await cli('user', 'add', '--email', e, '--password', 'gifted reader pw');
  const { b } = await signIn(e, 'gifted reader pw');
  await b.get('/account');
  const ok = await b.post('/account/gift', { code: codes[0] });
  assert.equal(ok.statusCode, 200);
  assert.match(ok.body, /Gift code redeemed/);
  const user = (await findUserByEmail(db(), e))!;
  const ent = await db().selectFrom('entitlements').selectAll().where('user_id', '=', user.id).executeTakeFirstOrThrow();
  assert.equal(ent.source, 'gift');
  const days = (Date.parse(ent.ends_at) - Date.parse(ent.starts_at)) / 86400_000;
  assert.equal(days, 30);
  const api = await b.get(`/api/v1/articles/${slug}`);
  assert.ok(api.json().body_html);

  const again = await b.post('/account/gift', { code: codes[0] }, { from: '/account' });
  assert.equal(again.statusCode, 400);
  const other = email('other');
  await cli('user', 'add', '--email', other, '--password', 'other reader pw');
  const o = (await signIn(other, 'other reader pw')).b;
  await o.get('/account');
  assert.equal((await o.post('/account/gift', { code: codes[0] })).statusCode, 400);
  assert.equal((await o.post('/account/gift', { code: codes[1] }, { from: '/account' })).statusCode, 200, 'another code still works');
  assert.equal((await db().selectFrom('entitlements').select('id').where('source', '=', 'gift').execute()).length, 2);
});

test('gift create: bad plan, days or count exit non-zero and create nothing', async () => {
  const before = await countOf('gift_codes');
  await allFail(['gift'], [
    ['create', '--plan', 'gold', '--days', '30'],
    ['create', '--plan', 'digital'],
    ['create', '--plan', 'digital', '--days', '1.5'],
    ['create', '--plan', 'digital', '--days', '30', '--count', '0'],
    ['redeem', '--plan', 'digital', '--days', '30'],
  ]);
  assert.equal(await countOf('gift_codes'), before);
});
