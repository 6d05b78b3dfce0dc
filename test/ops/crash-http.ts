// A small browser over real HTTP (fetch) for the crash test: a cookie jar, forms sent with the
// page's CSRF token from the site's own origin, a chosen client address (X-Forwarded-For, which
// the server trusts from 127.0.0.1 only), no redirects followed. Any network error — the server
// was killed — is thrown, so the caller knows the write was not acknowledged.

export class HttpBrowser {
  readonly cookies = new Map<string, string>();
  private lastPage = '';

  constructor(
    readonly origin: string,
    readonly ip: string,
  ) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { 'x-forwarded-for': this.ip, 'user-agent': 'crash-test', ...extra };
    if (this.cookies.size) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ');
    return h;
  }

  private keep(res: Response): void {
    for (const raw of res.headers.getSetCookie()) {
      const [pair, ...attrs] = raw.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = decodeURIComponent(pair.slice(i + 1).trim());
      const gone = value === '' || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(path: string): Promise<{ status: number; body: string }> {
    const res = await fetch(this.origin + path, { headers: this.headers(), redirect: 'manual', signal: AbortSignal.timeout(15_000) });
    const body = await res.text();
    this.keep(res);
    if ((res.headers.get('content-type') ?? '').startsWith('text/html')) this.lastPage = body;
    return { status: res.status, body };
  }

  /** Posts a form with the CSRF token of the page fetched last (as a browser would). */
  async post(path: string, form: Record<string, string>): Promise<{ status: number; body: string; location: string | null }> {
    const token = /name="_csrf" value="([^"]+)"/.exec(this.lastPage)?.[1]?.replace(/&amp;/g, '&');
    if (!token) throw new Error(`no CSRF token on the page before POST ${path}`);
    const res = await fetch(this.origin + path, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/x-www-form-urlencoded', origin: this.origin, 'sec-fetch-site': 'same-origin' }),
      body: new URLSearchParams({ ...form, _csrf: token }).toString(),
      redirect: 'manual',
      signal: AbortSignal.timeout(15_000),
    });
    const body = await res.text();
    this.keep(res);
    return { status: res.status, body, location: res.headers.get('location') };
  }
}
