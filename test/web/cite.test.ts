import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(async () => t.cleanup());

test('/cite/PLN/2025/03/45 redirects to the article on that page', async () => {
  const res = await t.app.inject({ url: '/cite/PLN/2025/03/45' });
  assert.equal(res.statusCode, 302);
  const target = await t.app.inject({ url: res.headers.location as string });
  assert.equal(target.statusCode, 200);
  assert.match(target.body, /Cite as: <code>PLN, Mar\. 2025, p\.45<\/code>/);
});

test('a page inside a multi-page article resolves to it; lowercase and unpadded forms work', async () => {
  const a = await t.app.inject({ url: '/cite/PLN/2025/01/2' });
  const b = await t.app.inject({ url: '/cite/pln/2025/1/2' });
  assert.equal(a.statusCode, 302);
  assert.equal(a.headers.location, b.headers.location);
});

test('helpful 404s', async () => {
  const noPage = await t.app.inject({ url: '/cite/PLN/2025/03/63' });
  assert.equal(noPage.statusCode, 404);
  assert.match(noPage.body, /no article in the March 2025 issue covers page 63/);
  assert.match(noPage.body, /href="\/issues\/2025\/03"/);
  const noIssue = await t.app.inject({ url: '/cite/PLN/2001/07/3' });
  assert.equal(noIssue.statusCode, 404);
  assert.match(noIssue.body, /July 2001 issue is not in the archive/);
  const otherPub = await t.app.inject({ url: '/cite/CLN/2024/12/14' });
  assert.equal(otherPub.statusCode, 404);
  assert.match(otherPub.body, /does not hold &quot;CLN&quot;|does not hold "CLN"/);
  for (const url of ['/cite/PLN/2025/13/1', '/cite/PLN/abcd/03/1', '/cite/PLN/2025/03/0', '/cite/P!N/2025/03/4']) {
    const r = await t.app.inject({ url });
    assert.equal(r.statusCode, 404, url);
    assert.match(r.body, /looks like \/cite\/PLN\/2025\/03\/45/);
  }
});
