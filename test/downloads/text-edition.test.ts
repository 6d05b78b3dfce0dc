import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../support/app.ts';
import { gatedFragments, findLeak, normalizeForLeakCheck } from '../support/leaks.ts';
import { createUser, createSession, grantEntitlement, createApiToken } from '../../src/store/users.ts';
import { createInstitution, addRange } from '../../src/store/institutions.ts';
import { getArticle } from '../../src/store/articles.ts';
import { PART_SEPARATOR, toAscii } from '../../src/domain/plain-text.ts';

// The plain-text edition (GET /api/v1/articles/:slug/text) over HTTP: who gets it, what it looks
// like (ASCII, parts within the limit), and that nobody without a subscription gets any of a
// premium article's text, whatever else they may read.

const SEED_SLUG = 'salvadoran-presidents-dark-secret-allegedly-behind-deal-to-hold-deported';
const SEED_TEXT = `/api/v1/articles/${SEED_SLUG}/text`;
const ASCII = /^[\x09\x0a\x0d\x20-\x7e]*$/;
const INSTITUTION_IP = '10.99.0.5';

let t: TestApp;
let fragments: string[];
let teaser: string;
let freeSlug: string;
let n = 0;

before(async () => {
  // Requests come from 127.0.0.1; trusting it lets a test speak for an address on an institution's network.
  t = await createTestApp({ env: { TRUST_PROXY: '127.0.0.1' } });
  const seed = await getArticle(t.store.db, SEED_SLUG);
  assert.ok(seed && seed.access === 'premium', 'the seed article is premium');
  assert.ok(seed.bodyText.includes('Méndez Dardón'));
  fragments = gatedFragments(seed.bodyText, seed.teaserText);
  assert.ok(fragments.length > 3);
  teaser = seed.teaserText;
  const free = await t.store.db.selectFrom('articles').select('slug').where('access', '=', 'free').orderBy('id').executeTakeFirstOrThrow();
  freeSlug = free.slug;
  const inst = await createInstitution(t.store.db, 'Harlan County Law Library');
  await addRange(t.store.db, inst.id, '10.99.0.0/16');
});
after(async () => t?.cleanup());

const db = () => t.store.db;
const days = (d: number) => new Date(Date.now() + d * 86400_000).toISOString();

async function signedIn(kind: 'subscriber' | 'metered' | 'expired') {
  const user = await createUser(db(), { email: `${kind}${++n}@example.org`, verified: true });
  if (kind === 'subscriber') await grantEntitlement(db(), { userId: user.id, plan: 'digital', endsAt: days(30), source: 'admin' });
  if (kind === 'expired') await grantEntitlement(db(), { userId: user.id, plan: 'digital', startsAt: days(-400), endsAt: days(-35), source: 'admin' });
  const token = await createSession(db(), user.id, {});
  return { id: user.id, cookie: `masthead_session=${token}` };
}

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ url, headers });

async function downloads(userId: number) {
  return db().selectFrom('downloads').selectAll().where('user_id', '=', userId).execute();
}

function partsOf(body: string): string[] {
  return body.replace(/\n$/, '').split(PART_SEPARATOR);
}

test('the routes are registered (src/web/app.ts)', () => {
  assert.ok(t.app.hasRoute({ method: 'GET', url: '/api/v1/articles/:slug/text' }), 'register textEditionRoutes(ctx) in buildApp');
});

test('a subscriber gets the seed article as ASCII text: header, parts within the limit, "Mendez Dardon"', async () => {
  const s = await signedIn('subscriber');
  const res = await get(SEED_TEXT, { cookie: s.cookie });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'text/plain; charset=us-ascii');
  assert.equal(res.headers['cache-control'], 'private, no-store');
  assert.match(String(res.headers['content-disposition']), new RegExp(`^inline; filename="${SEED_SLUG}\\.txt"$`));
  assert.match(res.body, ASCII, 'pure ASCII');
  assert.match(res.body, /Ana Maria Mendez Dardon/);
  assert.doesNotMatch(res.body, /Méndez|Dardón/);
  const body = normalizeForLeakCheck(res.body);
  for (const f of fragments) assert.ok(body.includes(toAscii(f)), `the full text: "${toAscii(f)}"`);

  const parts = partsOf(res.body);
  assert.equal(String(parts.length), res.headers['x-text-parts']);
  assert.ok(parts.length >= 2, 'the seed is longer than one 2,000-character part');
  parts.forEach((p, i) => {
    assert.ok(p.length <= 2000, `part ${i + 1} has ${p.length} characters`);
    assert.ok(p.startsWith(`Part ${i + 1} of ${parts.length}`), p.slice(0, 40));
  });
  const header = parts[0].split('\n\n')[1];
  assert.match(header, /^Salvadoran President's Dark Secret Allegedly Behind Deal to Hold Deported Migrants in "Mega" Prison\n/);
  assert.match(header, /\nPrison Legal News, April 28, 2025\n/);
  assert.match(header, /\nCite as: PLN, May 2025, pp\.30-31\n/);
  assert.match(header, new RegExp(`\\nOnline: http://masthead\\.test/articles/${SEED_SLUG}$`));
  assert.match(res.body, /\n\nSources:\n- CBS News[^\n]*\n- Dropsite News[^\n]*\n- El Faro/);

  const log = await downloads(s.id);
  assert.deepEqual(log.map((d) => [d.kind, d.ref]), [['article-text', SEED_SLUG]], 'the download is logged');
});

test('?part=N gives one part; a bad or missing part is a clear error', async () => {
  const s = await signedIn('subscriber');
  const all = partsOf((await get(SEED_TEXT, { cookie: s.cookie })).body);
  const two = await get(`${SEED_TEXT}?part=2`, { cookie: s.cookie });
  assert.equal(two.statusCode, 200);
  assert.equal(two.body.replace(/\n$/, ''), all[1]);
  assert.match(String(two.headers['content-disposition']), new RegExp(`filename="${SEED_SLUG}-part-2-of-${all.length}\\.txt"`));
  for (const bad of ['0', 'abc', '-1', '1.5', '']) {
    const res = await get(`${SEED_TEXT}?part=${bad}`, { cookie: s.cookie });
    assert.equal(res.statusCode, 400, `part=${bad}`);
    assert.match(res.body, /whole number/);
  }
  const beyond = await get(`${SEED_TEXT}?part=${all.length + 1}`, { cookie: s.cookie });
  assert.equal(beyond.statusCode, 404);
  assert.match(beyond.body, new RegExp(`has ${all.length} parts`));
});

test('a personal API token (Bearer) works like the session', async () => {
  const s = await signedIn('subscriber');
  const token = await createApiToken(db(), s.id, 'api');
  const res = await get(SEED_TEXT, { authorization: `Bearer ${token}` });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /Mendez Dardon/);
});

for (const who of ['anonymous', 'metered', 'expired'] as const) {
  test(`${who}: no text edition of a premium article, a plain-text 403 without any of the body`, async () => {
    const s = who === 'anonymous' ? null : await signedIn(who);
    for (const url of [SEED_TEXT, `${SEED_TEXT}?part=1`, `${SEED_TEXT}?part=2`]) {
      const res = await get(url, s ? { cookie: s.cookie } : {});
      assert.equal(res.statusCode, 403, url);
      assert.equal(res.headers['content-type'], 'text/plain; charset=us-ascii');
      assert.match(String(res.headers['cache-control']), /private/);
      assert.equal(res.headers['content-disposition'], undefined);
      assert.match(res.body, ASCII);
      assert.match(res.body, /premium article/);
      assert.match(res.body, /\/subscribe/);
      assert.equal(findLeak(res.body, fragments), null, 'no gated text');
      assert.ok(!normalizeForLeakCheck(res.body).includes(normalizeForLeakCheck(teaser).slice(0, 60)), 'not even the teaser');
      assert.doesNotMatch(res.body, /Mendez|Dardon|Bukele offered/);
    }
    if (s) {
      assert.deepEqual(await downloads(s.id), [], 'nothing logged');
      const meter = await db().selectFrom('meter_reads').selectAll().where('user_id', '=', s.id).execute();
      assert.deepEqual(meter, [], 'the text edition never uses the meter');
    }
  });
}

test('a metered reader who has read the page in full still gets no text edition', async () => {
  const s = await signedIn('metered');
  const page = await get(`/articles/${SEED_SLUG}`, { cookie: s.cookie });
  assert.ok(page.body.includes('Bukele offered space'), 'the page is in full on the meter');
  const res = await get(SEED_TEXT, { cookie: s.cookie });
  assert.equal(res.statusCode, 403);
  assert.equal(findLeak(res.body, fragments), null);
});

test('no header unlocks it: user agent, referrer, forwarded-for from outside the institution', async () => {
  const res = await get(SEED_TEXT, { 'user-agent': 'Googlebot/2.1', referer: 'https://www.google.com/', 'x-forwarded-for': '203.0.113.9' });
  assert.equal(res.statusCode, 403);
  assert.equal(findLeak(res.body, fragments), null);
});

test('a reader on an institution network gets the premium text edition, logged for the institution', async () => {
  const res = await get(SEED_TEXT, { 'x-forwarded-for': INSTITUTION_IP });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /Mendez Dardon/);
  const rows = await db().selectFrom('downloads').selectAll().where('institution_id', 'is not', null).execute();
  assert.ok(rows.some((r) => r.kind === 'article-text' && r.ref === SEED_SLUG));
});

test('a free article is for everyone; logged only for a signed-in reader', async () => {
  const before = (await db().selectFrom('downloads').select('id').execute()).length;
  const anon = await get(`/api/v1/articles/${freeSlug}/text`);
  assert.equal(anon.statusCode, 200);
  assert.match(anon.body, ASCII);
  assert.match(anon.body, /^Part 1 of \d+\n\n/);
  assert.equal((await db().selectFrom('downloads').select('id').execute()).length, before, 'an anonymous reader is not logged');

  const s = await signedIn('metered');
  const res = await get(`/api/v1/articles/${freeSlug}/text`, { cookie: s.cookie });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['cache-control'], 'private, no-store');
  assert.equal((await downloads(s.id)).length, 1);
});

test('source URLs are written out', async () => {
  const withUrls = await db().selectFrom('article_sources').innerJoin('articles', 'articles.id', 'article_sources.article_id')
    .select(['articles.slug', 'article_sources.url']).where('article_sources.url', 'is not', null).where('articles.access', '=', 'free').executeTakeFirst();
  assert.ok(withUrls?.url, 'the demo has a free article with a source URL');
  const res = await get(`/api/v1/articles/${withUrls.slug}/text`);
  assert.ok(res.body.includes(`: ${withUrls.url}\n`), `"${withUrls.url}" written out`);
});

test('over the daily download limit: 429, nothing served', async () => {
  const s = await signedIn('subscriber');
  const day = new Date().toISOString().slice(0, 10);
  const rows = Array.from({ length: 100 }, () => ({ user_id: s.id, institution_id: null, kind: 'article-pdf', ref: 'x', day, created_at: new Date().toISOString() }));
  await db().insertInto('downloads').values(rows).execute();
  const res = await get(SEED_TEXT, { cookie: s.cookie });
  assert.equal(res.statusCode, 429);
  assert.ok(Number(res.headers['retry-after']) > 0);
  assert.match(res.body, /limit/);
  assert.equal(findLeak(res.body, fragments), null);
});

test('an unknown article: 404 in plain text', async () => {
  const res = await get('/api/v1/articles/no-such-article/text');
  assert.equal(res.statusCode, 404);
  assert.equal(res.headers['content-type'], 'text/plain; charset=us-ascii');
});

test('TEXT_PART_LIMIT sets the part size', async () => {
  const small = await createTestApp({ env: { TEXT_PART_LIMIT: '500' } });
  try {
    const user = await createUser(small.store.db, { email: 'small@example.org', verified: true });
    await grantEntitlement(small.store.db, { userId: user.id, plan: 'digital', endsAt: days(30), source: 'admin' });
    const token = await createSession(small.store.db, user.id, {});
    const res = await small.app.inject({ url: SEED_TEXT, headers: { cookie: `masthead_session=${token}` } });
    assert.equal(res.statusCode, 200);
    const parts = partsOf(res.body);
    assert.ok(parts.length >= 8);
    parts.forEach((p, i) => {
      assert.ok(p.length <= 500, `part ${i + 1}: ${p.length}`);
      assert.match(p, new RegExp(`^Part ${i + 1} of ${parts.length}( -- [^\\n]+)?\\n\\n`));
    });
    // No word is cut: every word of the joined text is a word of the seed (ASCII) or of the header.
    const words = new Set(res.body.split(/\s+/));
    assert.ok(words.has('Dardon.'), 'the last word of a sentence is whole');
  } finally {
    await small.cleanup();
  }
});
