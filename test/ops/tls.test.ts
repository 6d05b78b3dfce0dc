import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TEST_DB } from '../support/db.ts';
import { createTestApp } from '../support/app.ts';
import { runCli } from '../support/cli.ts';
import { parseSetCookie } from '../support/browser-session.ts';
import { NGINX, freePort, httpsRequest, startInstance, startNginx, waitFor, type HttpsAnswer, type Instance, type Nginx } from '../support/serving.ts';

// TLS terminated by nginx, as ops/nginx/masthead.conf's comments set it up, in front of a real
// `masthead serve` with BASE_URL=https://…: the site's cookies are __Host- and Secure, pages ask
// for HTTPS from now on (HSTS), and a form sent from the plain-HTTP origin is refused. The
// database plays no part here, so this runs in the SQLite pass only.

const OPENSSL = ['/usr/bin/openssl', '/bin/openssl'].find((p) => fs.existsSync(p)) ?? null;
function skipReason(): string | false {
  if (TEST_DB !== 'sqlite') return 'TLS does not depend on the database: tested in the SQLite pass';
  if (!NGINX) return 'no nginx (apt-get install nginx)';
  if (!OPENSSL) return 'no openssl to make a certificate';
  return false;
}
const SKIP = skipReason();
if (SKIP) process.stdout.write(`# tls.test.ts skipped: ${SKIP}\n`);

const EMAIL = 'tls-reader@example.org';
const PASSWORD = 'a long enough password';
let dir: string;
let ca: Buffer;
let site: Instance;
let nginx: Nginx;

before(async () => {
  if (SKIP) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masthead-tls-'));
  const [cert, key] = [path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')];
  const made = spawnSync(OPENSSL!, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  ca = fs.readFileSync(cert);
  const [ps, pn] = [await freePort(), await freePort()];
  const env = { DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '', BASE_URL: `https://127.0.0.1:${pn}` };
  site = startInstance('masthead', ps, env);
  await waitFor(`${site.url}/readyz`, 60_000, site);
  const added = await runCli(['user', 'add', '--email', EMAIL, '--password', PASSWORD], env);
  assert.equal(added.code, 0, added.stderr);
  nginx = await startNginx(pn, [ps, ps], { tls: { cert, key } });
});

after(async () => {
  if (SKIP) return;
  if (site && site.exitCode() === null) site.proc.kill('SIGTERM');
  await site?.exited;
  if (nginx) {
    nginx.proc.kill('SIGQUIT');
    await new Promise((r) => (nginx.proc.exitCode !== null ? r(null) : nginx.proc.once('exit', r)));
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function cookies(res: HttpsAnswer) {
  return (res.headers['set-cookie'] ?? []).map(parseSetCookie);
}

const jar = (...lists: ReturnType<typeof cookies>[]) => lists.flat().map((c) => `${c.name}=${encodeURIComponent(c.value)}`).join('; ');

test('over TLS: __Host- cookies that are Secure, HSTS, https links; a form from the plain-HTTP origin is refused', { skip: SKIP }, async () => {
  const login = await httpsRequest(`${nginx.url}/login`, { ca });
  assert.equal(login.status, 200);
  assert.equal(login.headers['strict-transport-security'], 'max-age=31536000');
  assert.ok(login.body.includes(`<link rel="canonical" href="${nginx.url}/login"`), 'canonical link on https');
  const [csrfCookie] = cookies(login);
  assert.equal(csrfCookie?.name, '__Host-csrf');
  assert.equal(csrfCookie.attributes.secure, true);
  assert.equal(csrfCookie.attributes.path, '/');
  assert.equal(csrfCookie.attributes.domain, undefined, '__Host- cookies carry no Domain');
  const token = /name="_csrf" value="([^"]+)"/.exec(login.body)![1].replace(/&amp;/g, '&');
  const form = (origin: string) => ({
    ca, method: 'POST', body: new URLSearchParams({ email: EMAIL, password: PASSWORD, _csrf: token }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar([csrfCookie]), origin, 'sec-fetch-site': 'same-origin' },
  });

  // The same form, posted from the http:// origin (a page loaded before the switch, a downgrade): refused.
  const downgraded = await httpsRequest(`${nginx.url}/login`, form(nginx.url.replace('https:', 'http:')));
  assert.equal(downgraded.status, 403);
  assert.equal(cookies(downgraded).some((c) => c.name === '__Host-session'), false);

  const signedIn = await httpsRequest(`${nginx.url}/login`, form(nginx.url));
  assert.equal(signedIn.status, 303, signedIn.body.slice(0, 300));
  const session = cookies(signedIn).find((c) => c.name === '__Host-session');
  assert.ok(session, 'a __Host-session cookie');
  assert.equal(session.attributes.secure, true);
  assert.equal(session.attributes.httponly, true);
  assert.equal(String(session.attributes.samesite).toLowerCase(), 'lax');
  const account = await httpsRequest(`${nginx.url}/account`, { ca, headers: { cookie: jar([csrfCookie, session]) } });
  assert.equal(account.status, 200);
  assert.ok(account.body.includes(EMAIL));
  assert.match(String(account.headers['cache-control']), /private, no-store/);
});

test('through nginx, public pages arrive gzipped and pages with a form token do not (nginx adds no gzip of its own)', { skip: SKIP }, async () => {
  const gzip = { 'accept-encoding': 'gzip' };
  const home = await httpsRequest(`${nginx.url}/`, { ca, headers: gzip });
  assert.equal(home.status, 200);
  assert.equal(home.headers['content-encoding'], 'gzip');
  assert.match(String(home.headers.vary), /Accept-Encoding/);
  const login = await httpsRequest(`${nginx.url}/login`, { ca, headers: gzip });
  assert.equal(login.status, 200);
  assert.equal(login.headers['content-encoding'], undefined, 'BREACH: the sign-in form holds a token');
  assert.ok(login.body.includes('name="_csrf"'));
});

test('HSTS only when the site is served over HTTPS', async () => {
  for (const [baseUrl, hsts] of [['http://masthead.test', undefined], ['https://masthead.test', 'max-age=31536000']] as const) {
    const t = await createTestApp({ demo: false, env: { BASE_URL: baseUrl } });
    try {
      const res = await t.app.inject({ url: '/login', headers: { host: 'masthead.test' } });
      assert.equal(res.headers['strict-transport-security'], hsts, baseUrl);
    } finally {
      await t.cleanup();
    }
  }
});
