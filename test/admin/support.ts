import { BrowserSession } from '../support/browser-session.ts';
import type { TestApp } from '../support/app.ts';
import { createUser } from '../../src/store/users.ts';
import { hashPassword } from '../../src/auth/passwords.ts';
import { currentTotpCode } from '../../src/web/admin/totp.ts';

// Staff for admin tests: an account of a role, signed in through /login like a person, and (for
// admins, or when asked) enrolled in two-factor sign-in through /admin/2fa/setup.

export const STAFF_PASSWORD = 'correct horse battery staple';

export interface Staff {
  browser: BrowserSession;
  userId: number;
  email: string;
  /** The TOTP key (base32) when enrolled. */
  totpSecret: string | null;
  /** A code not used before (codes are single use: this steps forward through the drift window). */
  code(): string;
}

let n = 0;

/** The TOTP key shown on the setup page. */
export function secretOnPage(html: string): string | null {
  const m = /id="totp-secret">([A-Z2-7 ]+)</.exec(html);
  return m ? m[1].replace(/ /g, '') : null;
}

export async function signInAs(t: TestApp, role: 'reader' | 'editor' | 'admin', opts: { totp?: boolean; email?: string } = {}): Promise<Staff> {
  const email = opts.email ?? `${role}${++n}-${process.pid}@example.org`;
  const user = await createUser(t.store.db, { email, passwordHash: await hashPassword(STAFF_PASSWORD), role, verified: true });
  const browser = new BrowserSession(t.app);
  await browser.get('/login');
  const res = await browser.post('/login', { email, password: STAFF_PASSWORD, next: '/admin' });
  if (res.statusCode !== 303) throw new Error(`sign-in failed: ${res.statusCode}`);
  let totpSecret: string | null = null;
  let offset = 0;
  const code = () => {
    if (!totpSecret) throw new Error('no TOTP key');
    // One step ahead of the last code used (the server accepts one step of drift).
    const c = currentTotpCode(totpSecret, Date.now() + offset * 30_000);
    offset = Math.min(offset + 1, 1);
    return c;
  };
  if (role === 'admin' || opts.totp) {
    const page = await browser.get('/admin/2fa/setup');
    totpSecret = secretOnPage(page.body);
    if (!totpSecret) throw new Error(`no TOTP key on the setup page (${page.statusCode})`);
    const r = await browser.post('/admin/2fa/setup', { code: currentTotpCode(totpSecret) });
    if (r.statusCode !== 303) throw new Error(`TOTP enrolment failed: ${r.statusCode} ${r.body.slice(0, 300)}`);
    offset = 1;
  }
  return { browser, userId: user.id, email, totpSecret, code };
}

/** A form with one file, sent as a browser sends it (multipart, from the site's origin, with the page's _csrf). */
export async function postFile(t: TestApp, browser: BrowserSession, url: string, file: { name: string; content: Buffer | string; type?: string }, fields: Record<string, string> = {}) {
  const boundary = `----masthead${Math.random().toString(16).slice(2)}`;
  const csrf = fields._csrf ?? /name="_csrf" value="([^"]+)"/.exec(browser.lastPage ?? '')?.[1]?.replace(/&amp;/g, '&') ?? '';
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries({ _csrf: csrf, ...fields })) {
    parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${file.name}"\r\ncontent-type: ${file.type ?? 'application/octet-stream'}\r\n\r\n`));
  parts.push(Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content));
  parts.push(Buffer.from(`\r\n--${boundary}--\r\n`));
  const res = await t.app.inject({
    method: 'POST', url, payload: Buffer.concat(parts), remoteAddress: browser.ip,
    headers: { host: 'masthead.test', cookie: browser.cookieHeader(), origin: browser.origin, 'sec-fetch-site': 'same-origin', 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
  if (String(res.headers['content-type'] ?? '').startsWith('text/html')) browser.lastPage = res.body;
  return res;
}

/** The value of a form field (input or textarea) in a page. */
export function fieldValue(html: string, name: string): string | null {
  const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#x27;|&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const ta = new RegExp(`<textarea[^>]*name="${name}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html);
  if (ta) return unescape(ta[1]);
  for (const m of html.matchAll(/<input\b[^>]*>/g)) {
    if (!m[0].includes(`name="${name}"`)) continue;
    return unescape(/\bvalue="([^"]*)"/.exec(m[0])?.[1] ?? '');
  }
  return null;
}

/** Every field of the form posting to `action`, as a browser would send it unchanged (checked radios, selected options). */
export function formFields(html: string, action: string): Record<string, string> {
  const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#x27;|&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const start = html.indexOf(`action="${action}"`);
  if (start < 0) throw new Error(`no form posting to ${action}`);
  const form = html.slice(start, html.indexOf('</form>', start));
  const out: Record<string, string> = {};
  for (const m of form.matchAll(/<input\b[^>]*>/g)) {
    const tag = m[0];
    const name = /\bname="([^"]*)"/.exec(tag)?.[1];
    if (!name) continue;
    const type = /\btype="([^"]*)"/.exec(tag)?.[1] ?? 'text';
    if ((type === 'radio' || type === 'checkbox') && !/\bchecked\b/.test(tag)) continue;
    if (type === 'submit' || type === 'file') continue;
    out[unescape(name)] = unescape(/\bvalue="([^"]*)"/.exec(tag)?.[1] ?? '');
  }
  for (const m of form.matchAll(/<textarea\b[^>]*name="([^"]*)"[^>]*>([\s\S]*?)<\/textarea>/g)) out[unescape(m[1])] = unescape(m[2]);
  for (const m of form.matchAll(/<select\b[^>]*name="([^"]*)"[^>]*>([\s\S]*?)<\/select>/g)) {
    const opts = [...m[2].matchAll(/<option\b([^>]*)>/g)];
    const sel = opts.find((o) => /\bselected\b/.test(o[1])) ?? opts[0];
    out[unescape(m[1])] = unescape(/\bvalue="([^"]*)"/.exec(sel?.[1] ?? '')?.[1] ?? '');
  }
  return out;
}
