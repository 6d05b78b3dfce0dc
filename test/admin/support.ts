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
