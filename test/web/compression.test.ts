import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BrowserSession } from '../support/browser-session.ts';
import { acceptsGzip } from '../../src/web/compress.ts';
import { createUser } from '../../src/store/users.ts';
import { hashPassword } from '../../src/auth/passwords.ts';

// Public answers go out gzipped to clients that take it (a third of the bytes on a slow prison
// tablet connection); answers with a form token, and anything for a signed-in reader, do not
// (BREACH: a secret compressed next to text an attacker chooses leaks through the size).

let t: TestApp;
const GZIP = { 'accept-encoding': 'gzip, deflate, br' };
before(async () => {
  t = await createTestApp();
});
after(async () => t.cleanup());

test('Accept-Encoding is read with its q-values', () => {
  assert.equal(acceptsGzip('gzip, deflate, br'), true);
  assert.equal(acceptsGzip('GZIP'), true);
  assert.equal(acceptsGzip('br'), false);
  assert.equal(acceptsGzip('gzip;q=0, br'), false);
  assert.equal(acceptsGzip('gzip; q=0.5'), true);
  assert.equal(acceptsGzip('*'), true);
  assert.equal(acceptsGzip('*;q=0, identity'), false);
  assert.equal(acceptsGzip(undefined), false);
  assert.equal(acceptsGzip(''), false);
});

test('public pages, feeds, sitemaps and the API are gzipped for clients that take it, and read the same', async () => {
  for (const url of ['/', '/articles', '/feed.xml', '/sitemap-articles-1.xml', '/api/v1/articles?limit=50', '/search?q=prison']) {
    const plain = await t.app.inject({ url });
    const packed = await t.app.inject({ url, headers: GZIP });
    assert.equal(plain.headers['content-encoding'], undefined, `${url} without Accept-Encoding`);
    assert.equal(packed.headers['content-encoding'], 'gzip', url);
    assert.match(String(packed.headers.vary), /Accept-Encoding/, url);
    assert.match(String(plain.headers.vary), /Accept-Encoding/, `${url}: caches keep the two apart`);
    const unpacked = zlib.gunzipSync(packed.rawPayload).toString('utf8');
    assert.equal(unpacked, plain.body, url);
    assert.ok(packed.rawPayload.length < plain.rawPayload.length / 2, `${url}: ${packed.rawPayload.length} of ${plain.rawPayload.length} bytes`);
    assert.equal(Number(packed.headers['content-length']), packed.rawPayload.length, url);
  }
  // A cached page: the same compressed bytes each time.
  const again = await t.app.inject({ url: '/', headers: GZIP });
  assert.deepEqual(again.rawPayload, (await t.app.inject({ url: '/', headers: GZIP })).rawPayload);
  // HEAD says what a GET would send.
  const head = await t.app.inject({ method: 'HEAD', url: '/', headers: GZIP });
  assert.equal(head.headers['content-encoding'], 'gzip');
});

test('never compressed: pages with a form token, anything for a signed-in reader, small answers, PDFs, or for clients that refuse gzip', async () => {
  for (const url of ['/login', '/signup', '/reset']) {
    const res = await t.app.inject({ url, headers: GZIP });
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.includes('name="_csrf"'));
    assert.equal(res.headers['content-encoding'], undefined, url);
  }
  const email = 'compressed-reader@example.org';
  await createUser(t.store.db, { email, passwordHash: await hashPassword('a long enough password'), verified: true });
  const b = new BrowserSession(t.app);
  await b.get('/login');
  assert.equal((await b.post('/login', { email, password: 'a long enough password' })).statusCode, 303);
  for (const url of ['/', '/articles', '/api/v1/articles?limit=50']) {
    const res = await t.app.inject({ url, headers: { ...GZIP, cookie: b.cookieHeader() } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-encoding'], undefined, `${url} signed in`);
  }
  assert.equal((await t.app.inject({ url: '/healthz', headers: GZIP })).headers['content-encoding'], undefined, 'too small to be worth it');
  assert.equal((await t.app.inject({ url: '/', headers: { 'accept-encoding': 'gzip;q=0, br' } })).headers['content-encoding'], undefined);
  const free = await t.store.db.selectFrom('articles').select('slug').where('access', '=', 'free').orderBy('id').executeTakeFirstOrThrow();
  const pdf = await t.app.inject({ url: `/api/v1/articles/${free.slug}/pdf`, headers: GZIP });
  assert.match(String(pdf.headers['content-type']), /application\/pdf/);
  assert.equal(pdf.headers['content-encoding'], undefined);
});
