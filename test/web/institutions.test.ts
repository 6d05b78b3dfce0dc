import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../support/app.ts';
import { createInstitution, addRange, usageReport } from '../../src/store/institutions.ts';
import { slugify } from '../../src/domain/slug.ts';

// Access by address for libraries and prisons: no personal login, an "Access provided by" line,
// monthly usage; X-Forwarded-For counts only from proxies listed in TRUST_PROXY.

const SEED = `/articles/${slugify('Salvadoran President’s Dark Secret Allegedly Behind Deal to Hold Deported Migrants in “Mega” Prison')}`;
const GATED = 'Bukele offered space to hold U.S. immigration detainees';

const apps: TestApp[] = [];
after(async () => {
  for (const a of apps) await a.cleanup();
});

async function appWith(env: Record<string, string>, ranges: string[]) {
  const t = await createTestApp({ env });
  apps.push(t);
  const inst = await createInstitution(t.store.db, 'Harlan County Law Library');
  for (const r of ranges) await addRange(t.store.db, inst.id, r);
  return { t, inst };
}

test('a reader on the institution network reads premium text, with the institution named, and it is counted', async () => {
  // app.inject comes from 127.0.0.1.
  const { t, inst } = await appWith({}, ['127.0.0.0/24']);
  const res = await t.app.inject({ url: SEED });
  assert.ok(res.body.includes(GATED));
  assert.match(res.body, /Access provided by Harlan County Law Library/);
  await t.app.inject({ url: SEED });
  const usage = await usageReport(t.store.db, inst.id, 1);
  assert.equal(usage.at(-1)?.views, 2);
  const api = (await t.app.inject({ url: `/api/v1${SEED}` })).json();
  assert.ok(api.body_html.includes(GATED));
});

test('outside the range: the teaser; X-Forwarded-For from an untrusted peer changes nothing', async () => {
  const { t } = await appWith({}, ['10.20.0.0/16', '2001:db8::/32']);
  const plain = await t.app.inject({ url: SEED });
  assert.ok(!plain.body.includes(GATED));
  const forged = await t.app.inject({ url: SEED, headers: { 'x-forwarded-for': '10.20.1.2' } });
  assert.ok(!forged.body.includes(GATED), 'a forwarded address from an untrusted peer is ignored');
  assert.ok(!forged.body.includes('Access provided by'));
});

test('behind a trusted proxy the forwarded address counts, IPv4 and IPv6', async () => {
  const { t } = await appWith({ TRUST_PROXY: '127.0.0.1' }, ['10.20.0.0/16', '2001:db8::/32']);
  assert.ok((await t.app.inject({ url: SEED, headers: { 'x-forwarded-for': '10.20.1.2' } })).body.includes(GATED));
  assert.ok((await t.app.inject({ url: SEED, headers: { 'x-forwarded-for': '2001:db8::7' } })).body.includes(GATED));
  assert.ok(!(await t.app.inject({ url: SEED, headers: { 'x-forwarded-for': '10.21.0.1' } })).body.includes(GATED));
  // Pages for one institution are never served to another reader from the cache.
  assert.ok(!(await t.app.inject({ url: SEED })).body.includes(GATED));
});

test('a library behind EZproxy: its readers read, search and download as the institution, whatever address EZproxy forwards', async () => {
  // The library registers its EZproxy server's outgoing address. EZproxy may pass on the
  // patron's own address in X-Forwarded-For; the shipped nginx config overwrites it, a proxy
  // that appends instead adds EZproxy's after it. Either way only the hop the trusted proxy saw
  // counts: the reader is EZproxy, so the library, not the patron's address.
  const { t, inst } = await appWith({ TRUST_PROXY: '127.0.0.1' }, ['198.51.100.7']);
  const viaEzproxy = { 'x-forwarded-for': '203.0.113.50, 198.51.100.7', 'user-agent': 'Mozilla/5.0 (patron browser)' };
  const page = await t.app.inject({ url: SEED, headers: viaEzproxy });
  assert.ok(page.body.includes(GATED));
  assert.match(page.body, /Access provided by Harlan County Law Library/);
  const search = await t.app.inject({ url: `/api/v1/search?q=${encodeURIComponent('"immigration detainees"')}`, headers: viaEzproxy });
  assert.ok(search.json().items.some((i: { snippet_html: string }) => /detainees/.test(i.snippet_html)), 'full-text snippets');
  const pdf = await t.app.inject({ url: `/api/v1${SEED}/pdf`, headers: viaEzproxy });
  assert.equal(pdf.statusCode, 200);
  assert.match(String(pdf.headers['content-type']), /application\/pdf/);
  // The patron's own address is not the library's: without EZproxy, the teaser.
  assert.ok(!(await t.app.inject({ url: SEED, headers: { 'x-forwarded-for': '203.0.113.50' } })).body.includes(GATED));
  // Forms posted through EZproxy's rewritten host come from another site, and are refused.
  const login = await t.app.inject({ method: 'POST', url: '/login', payload: 'email=a%40b.org&password=x', headers: { ...viaEzproxy, 'content-type': 'application/x-www-form-urlencoded', origin: 'https://masthead-test.ezproxy.library.example' } });
  assert.equal(login.statusCode, 403);
  assert.equal((await usageReport(t.store.db, inst.id, 1)).at(-1)?.views, 1, 'the page view is counted for the library');
});
