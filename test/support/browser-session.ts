import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

// A tiny browser over app.inject: a cookie jar, forms sent as a browser sends them (urlencoded,
// with the page's hidden _csrf field, from the site's own origin), and no redirects followed.

export interface SetCookie {
  name: string;
  value: string;
  attributes: Record<string, string | true>;
  raw: string;
}

export function parseSetCookie(raw: string): SetCookie {
  const [pair, ...attrs] = raw.split(';');
  const i = pair.indexOf('=');
  const attributes: Record<string, string | true> = {};
  for (const a of attrs) {
    const j = a.indexOf('=');
    if (j < 0) attributes[a.trim().toLowerCase()] = true;
    else attributes[a.slice(0, j).trim().toLowerCase()] = a.slice(j + 1).trim();
  }
  return { name: pair.slice(0, i).trim(), value: decodeURIComponent(pair.slice(i + 1).trim()), attributes, raw };
}

export function setCookies(res: LightMyRequestResponse): SetCookie[] {
  const h = res.headers['set-cookie'];
  const list = h === undefined ? [] : Array.isArray(h) ? h : [String(h)];
  return list.map(parseSetCookie);
}

/** The value of the hidden _csrf input in an HTML page (the first form's, or the one in `action`'s form). */
export function csrfIn(html: string, action?: string): string | null {
  let scope = html;
  if (action) {
    const at = html.indexOf(`action="${action}"`);
    if (at < 0) return null;
    scope = html.slice(at);
  }
  const m = /name="_csrf" value="([^"]+)"/.exec(scope);
  return m ? m[1].replace(/&amp;/g, '&') : null;
}

let ipCounter = 0;
/** A fresh documentation address (RFC 5737) per browser. */
export function nextIp(): string {
  const n = ipCounter++;
  const nets = ['203.0.113', '198.51.100', '192.0.2'];
  return `${nets[Math.floor(n / 250) % 3]}.${(n % 250) + 1}`;
}

function unescapeHtml(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#x27;|&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The hidden inputs of the form posting to `action` (path only), as a browser would send them. */
export function hiddenFields(html: string, action: string): Record<string, string> | null {
  for (const m of html.matchAll(/<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)) {
    if (unescapeHtml(m[1]).split('?')[0] !== action) continue;
    const out: Record<string, string> = {};
    for (const i of m[2].matchAll(/<input\b[^>]*>/g)) {
      const tag = i[0];
      if (!/\btype="hidden"/.test(tag)) continue;
      const name = /\bname="([^"]*)"/.exec(tag)?.[1];
      const value = /\bvalue="([^"]*)"/.exec(tag)?.[1] ?? '';
      if (name) out[unescapeHtml(name)] = unescapeHtml(value);
    }
    return out;
  }
  return null;
}

export interface PostOptions {
  /** Fetch this page first and take its _csrf (otherwise: the last HTML page fetched). */
  from?: string;
  /** Send no _csrf at all. */
  noCsrf?: boolean;
  headers?: Record<string, string>;
}

export class BrowserSession {
  readonly cookies = new Map<string, string>();
  lastPage: string | null = null;
  lastResponse: LightMyRequestResponse | null = null;
  readonly origin: string;

  /** The address the app sees (each browser gets its own unless told, so rate limits per address stay apart). */
  readonly ip: string;
  private readonly userAgent: string;

  constructor(private readonly app: FastifyInstance, opts: { origin?: string; userAgent?: string; ip?: string } = {}) {
    this.origin = opts.origin ?? 'http://masthead.test';
    this.userAgent = opts.userAgent ?? 'Mozilla/5.0 (test browser)';
    this.ip = opts.ip ?? nextIp();
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ');
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  private keep(res: LightMyRequestResponse) {
    for (const c of setCookies(res)) {
      const maxAge = c.attributes['max-age'];
      const expires = c.attributes.expires;
      const gone = c.value === '' || (typeof maxAge === 'string' && Number(maxAge) <= 0) || (typeof expires === 'string' && Date.parse(expires) <= Date.now());
      if (gone) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    this.lastResponse = res;
    if (String(res.headers['content-type'] ?? '').startsWith('text/html')) this.lastPage = res.body;
  }

  private baseHeaders(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { host: new URL(this.origin).host, 'user-agent': this.userAgent };
    const c = this.cookieHeader();
    if (c) h.cookie = c;
    // A header given as '' is left out (e.g. a request without Origin).
    for (const [k, v] of Object.entries(extra)) {
      if (v === '') delete h[k.toLowerCase()];
      else h[k.toLowerCase()] = v;
    }
    return h;
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({ method: 'GET', url, headers: this.baseHeaders(headers), remoteAddress: this.ip });
    this.keep(res);
    return res;
  }

  async post(url: string, form: Record<string, string> = {}, opts: PostOptions = {}): Promise<LightMyRequestResponse> {
    if (opts.from) await this.get(opts.from);
    const path = url.split('?')[0];
    // The page's own form for this action: its hidden fields go along, as in a browser.
    const hidden = (this.lastPage && hiddenFields(this.lastPage, path)) ?? {};
    const fields: Record<string, string> = { ...hidden, ...form };
    if (opts.noCsrf) delete fields._csrf;
    else if (!('_csrf' in fields)) {
      const token = (this.lastPage && csrfIn(this.lastPage)) ?? null;
      if (!token) throw new Error(`no _csrf to send with POST ${url}: fetch a page with a form first`);
      fields._csrf = token;
    }
    const res = await this.app.inject({
      method: 'POST',
      url,
      headers: this.baseHeaders({ 'content-type': 'application/x-www-form-urlencoded', origin: this.origin, 'sec-fetch-site': 'same-origin', ...opts.headers }),
      payload: new URLSearchParams(fields).toString(),
      remoteAddress: this.ip,
    });
    this.keep(res);
    return res;
  }
}
