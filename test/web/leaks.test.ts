import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../support/app.ts';
import { gatedFragments, findLeak } from '../support/leaks.ts';
import { getArticle } from '../../src/store/articles.ts';
import { citePath } from '../../src/domain/citations.ts';
import { createUser, createSession, grantEntitlement, createApiToken } from '../../src/store/users.ts';
import { periodOf } from '../../src/store/meter.ts';

// PRODUCT.md rule 1: an anonymous reader of a premium article receives nothing of its text beyond
// the teaser, on any route. This requests every route of the reader's archive and fails on any
// gated fragment in any body or header, and on any 5xx.

let t: TestApp;
const VIEWERS: { name: string; headers: Record<string, string>; personal?: boolean }[] = [
  { name: 'anonymous', headers: {} },
  { name: 'json', headers: { accept: 'application/json' } },
  { name: 'googlebot', headers: { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'x-forwarded-for': '66.249.66.1' } },
  { name: 'google referrer', headers: { referer: 'https://www.google.com/' } },
  { name: 'forged cookie', headers: { cookie: 'masthead_session=forged; __Host-session=admin; subscriber=1' } },
  { name: 'forged bearer token', headers: { authorization: 'Bearer mh_forged' } },
];

before(async () => {
  t = await createTestApp();
  const db = t.store.db;
  const day = 86400_000;
  // A reader who used up this month's free premium articles on two other articles.
  const metered = await createUser(db, { email: 'metered@example.org' });
  const others = await db.selectFrom('articles').select('id').where('access', '=', 'free').limit(2).execute();
  for (const o of others) await db.insertInto('meter_reads').values({ user_id: metered.id, period: periodOf(), article_id: o.id, read_at: new Date().toISOString() }).execute();
  VIEWERS.push({ name: 'signed in, meter used up', headers: { cookie: `masthead_session=${await createSession(db, metered.id, {})}` }, personal: true });
  // A subscriber whose subscription ended yesterday.
  const expired = await createUser(db, { email: 'expired@example.org' });
  await grantEntitlement(db, { userId: expired.id, plan: 'digital', startsAt: new Date(Date.now() - 400 * day).toISOString(), endsAt: new Date(Date.now() - day).toISOString(), source: 'admin' });
  // Signed in again without a subscription, the meter applies; it is used up here so that what
  // the test sees is the expiry itself.
  for (const o of others) await db.insertInto('meter_reads').values({ user_id: expired.id, period: periodOf(), article_id: o.id, read_at: new Date().toISOString() }).execute();
  VIEWERS.push({ name: 'expired subscriber', headers: { cookie: `masthead_session=${await createSession(db, expired.id, {})}` }, personal: true });
  VIEWERS.push({ name: 'expired subscriber, API token', headers: { authorization: `Bearer ${await createApiToken(db, expired.id, 'api')}` }, personal: true });
});
after(async () => {
  await t.cleanup();
});

async function premiumArticles() {
  const rows = await t.store.db.selectFrom('articles').select('slug').where('access', '=', 'premium').orderBy('id').execute();
  const out = [];
  for (const r of rows) {
    const a = await getArticle(t.store.db, r.slug);
    if (a) out.push(a);
  }
  return out;
}

function routesFor(a: NonNullable<Awaited<ReturnType<typeof getArticle>>>): string[] {
  const slug = encodeURIComponent(a.slug);
  const routes = [
    `/articles/${slug}`, `/articles/${slug}/`, `/articles/${slug}?full=1`, `/articles/${slug}?access=free&preview=1`, `/ARTICLES/${slug}`,
    `/api/v1/articles/${slug}`, `/api/v1/articles/${slug}?full=true`,
    `/api/v1/articles/${slug}/citation?format=ris`, `/api/v1/articles/${slug}/citation?format=bibtex`, `/api/v1/articles/${slug}/citation?format=csl`,
    `/api/v1/articles/${slug}/citation?format=nope`,
    `/articles/${slug}.json`, `/articles/${slug}/amp`, `/articles/${slug}/print`, `/articles/${slug}/print?full=1`,
    `/api/v1/articles/${slug}/text`, `/api/v1/articles/${slug}/text?part=2`, `/api/v1/articles/${slug}/pdf`, `/api/v1/articles/${slug}/packet.pdf`,
  ];
  const address = encodeURIComponent(`http://masthead.test/articles/${a.slug}`);
  routes.push(`/oembed?url=${address}`, `/oembed?url=${address}&format=xml`, `/oembed?url=${address}&format=json&full=1`);
  for (const x of a.topics) routes.push(`/topics/${x.slug}`);
  for (const x of a.places) routes.push(`/${x.kind === 'state' ? 'states' : 'countries'}/${x.slug}`);
  for (const x of a.sources) routes.push(`/sources/${x.slug}`);
  for (const x of a.authors) routes.push(`/authors/${x.slug}`);
  if (a.issue && a.pageFirst) {
    routes.push(`/issues/${a.issue.year}/${String(a.issue.month).padStart(2, '0')}`, `/issues/${a.issue.year}`);
    routes.push(`/api/v1/issues/${a.issue.year}/${String(a.issue.month).padStart(2, '0')}/pdf`);
    routes.push(citePath({ publication: a.issue.publication, year: a.issue.year, month: a.issue.month, pageFirst: a.pageFirst }));
  }
  return routes;
}

const SITE_ROUTES = [
  '/', '/?page=2', '/articles', '/articles?page=2', '/issues', '/topics', '/states', '/countries', '/sources', '/authors', '/subscribe',
  '/feed.xml', '/feed.atom', '/sitemap.xml', '/sitemap-pages.xml', '/sitemap-articles-1.xml', '/sitemap-news.xml', '/robots.txt',
  '/api/v1/articles', '/api/v1/articles?limit=100', '/api/v1/articles?limit=100&offset=0', '/api/v1/articles?limit=-1',
  '/healthz', '/no-such-page', '/api/v1/no-such', '/cite/PLN/2025/03/999', '/cite/PLN/1999/01/1', '/cite/XX/2025/03/45',
  '/login', '/login?next=/articles', '/signup', '/reset', '/account', '/login/link/forged', '/reset/forged', '/account/email/forged',
  '/feeds/private/1.1.forgedforgedforgedforgedforgedfo.xml', '/feeds/private/nothing', '/subscribe/thanks',
  '/search', '/search?q=the', '/search?q=the&sort=date&per_page=50', '/api/v1/search?q=the&per_page=50', '/api/v1/search?q=a*&access=premium&per_page=50',
];


test('no premium text past the teaser on any route, for any anonymous viewer', async () => {
  const articles = await premiumArticles();
  assert.ok(articles.length >= 10, `the demo should have premium articles (found ${articles.length})`);
  const fragments = new Map<string, string>();
  const urls = new Set(SITE_ROUTES);
  for (const a of articles) {
    const f = gatedFragments(a.bodyText, a.teaserText);
    assert.ok(f.length > 0, `${a.slug} has gated text to protect`);
    for (const x of f) fragments.set(x, a.slug);
    for (const u of routesFor(a)) urls.add(u);
    // Search by the gated words themselves: the article is found, its gated text never shown.
    const words = f[0].split(' ');
    const q = (s: string) => encodeURIComponent(s);
    urls.add(`/search?q=${q(words.slice(0, 3).join(' '))}`);
    urls.add(`/search?q=${q(`"${words.slice(2, 6).join(' ')}"`)}&sort=date`);
    urls.add(`/api/v1/search?q=${q(words.slice(0, 3).join(' '))}`);
    urls.add(`/api/v1/search?q=${q(words.slice(4, 8).join(' '))}&per_page=50`);
  }
  const all = [...fragments.keys()];
  let requests = 0;
  for (const url of urls) {
    for (const v of VIEWERS) {
      for (const method of ['GET', 'HEAD'] as const) {
        const res = await t.app.inject({ method, url, headers: v.headers });
        requests++;
        assert.ok(res.statusCode < 500, `${method} ${url} as ${v.name}: ${res.statusCode}`);
        // Nobody here may download premium articles or issues: no PDF bytes at all (a string
        // search could not see text inside compressed PDF streams).
        if (/\/(pdf|packet\.pdf)(\?|$)/.test(url)) assert.ok(!String(res.headers['content-type']).includes('application/pdf'), `${method} ${url} as ${v.name} got a PDF`);
        if (v.personal && res.statusCode === 200 && !url.startsWith('/feed') && !url.startsWith('/sitemap') && !url.startsWith('/oembed') && url !== '/robots.txt' && url !== '/healthz') {
          assert.match(String(res.headers['cache-control']), /private, no-store/, `${url} as ${v.name} is personal`);
        }
        const leak = findLeak(res.body + '\n' + JSON.stringify(res.headers), all);
        assert.equal(leak, null, `${method} ${url} as ${v.name} leaks premium text of ${fragments.get(leak ?? '')}: "${leak}"`);
      }
    }
  }
  assert.ok(requests > 1000, `made ${requests} requests`);
  // State-changing requests without a token are refused, never crash.
  for (const url of ['/login', '/login/link', '/signup', '/reset', '/logout', '/account/gift', '/account/feed', '/subscribe/checkout']) {
    const res = await t.app.inject({ method: 'POST', url, payload: 'email=a%40b.org&password=x', headers: { 'content-type': 'application/x-www-form-urlencoded', ...VIEWERS[0].headers } });
    assert.equal(res.statusCode, 403, `POST ${url} without CSRF token`);
  }
});

test('gated article pages are private to caches', async () => {
  const [a] = await premiumArticles();
  for (const url of [`/articles/${a.slug}`, `/api/v1/articles/${a.slug}`]) {
    const res = await t.app.inject({ url });
    assert.match(String(res.headers['cache-control']), /private/, url);
  }
});

test('the leak check itself finds a planted leak', async () => {
  // Guards the guard: a response that carries one gated sentence must be caught.
  const [a] = await premiumArticles();
  const fragments = gatedFragments(a.bodyText, a.teaserText);
  const gatedParagraph = a.bodyText.split(/\n\s*\n/).find((p) => !a.teaserText.includes(p.trim()))!;
  const planted = `<p>${gatedParagraph.replace(/&/g, '&amp;').replace(/’/g, '&#8217;')}</p>`;
  assert.ok(findLeak(planted, fragments));
  assert.ok(findLeak(JSON.stringify({ body_html: planted }), fragments));
  assert.equal(findLeak(a.teaserHtml, fragments), null);
});
