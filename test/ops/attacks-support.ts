import fc from 'fast-check';
import { Parser } from 'htmlparser2';
import type { FastifyInstance } from 'fastify';

// What the attack tests share: a check that a page can run no script, hostile inputs, and the
// app's own list of routes (so a route added tomorrow is attacked too).

/** URL-valued attributes a browser follows or loads. */
const URL_ATTRS = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster', 'background', 'cite', 'longdesc', 'manifest', 'codebase', 'ping', 'srcset']);
/** Elements that run or embed active content, never sent by us. */
const ACTIVE = new Set(['iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'portal', 'template', 'svg', 'math']);
/** The only kind of <script> we send: a data block (JSON-LD), which browsers never run. */
const DATA_SCRIPT = 'application/ld+json';

/** The scheme a browser would see: C0 controls and spaces trimmed, tabs and newlines removed, lower case. */
function schemeOf(url: string): string {
  const s = url.replace(/^[\u0000-\u0020]+/, '').replace(/[\t\n\r]/g, '').toLowerCase();
  const m = /^([a-z][a-z0-9+.-]*):/.exec(s);
  return m ? m[1] : '';
}

function dangerousUrl(tag: string, url: string): string | null {
  const scheme = schemeOf(url);
  if (scheme === 'javascript' || scheme === 'vbscript' || scheme === 'livescript') return `${scheme}: URL`;
  if (scheme === 'data') {
    const ok = (tag === 'img' || tag === 'link') && /^\s*data:image\/(png|jpeg|gif|webp);/i.test(url);
    if (!ok) return 'data: URL';
  }
  return null;
}

/**
 * Why this HTML could run script (an empty list: it cannot). Flags any <script> but a JSON-LD
 * data block (whose content must be valid JSON), on* event attributes, javascript:/vbscript:
 * and non-image data: URLs, inline style attributes, frames, objects and <base>, and
 * <meta http-equiv=refresh> to a script URL.
 */
export function scriptProblems(html: string): string[] {
  const problems: string[] = [];
  let script: { type: string; text: string } | null = null;
  let styles = 0;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name === 'script') {
          const type = (attrs.type ?? '').trim().toLowerCase();
          if (type !== DATA_SCRIPT) problems.push(`<script type="${attrs.type ?? ''}">`);
          if (attrs.src !== undefined) problems.push('<script src>');
          script = { type, text: '' };
        }
        if (name === 'style' && ++styles > 1) problems.push('a second <style> element');
        if (ACTIVE.has(name)) problems.push(`<${name}>`);
        for (const [k, v] of Object.entries(attrs)) {
          if (/^on/i.test(k)) problems.push(`<${name} ${k}=…>`);
          if (k === 'style') problems.push(`<${name} style=…> (inline style)`);
          if (k === 'srcdoc') problems.push(`<${name} srcdoc>`);
          if (URL_ATTRS.has(k)) {
            const candidates = k === 'srcset' || k === 'ping' ? v.split(/[\s,]+/) : [v];
            for (const c of candidates) {
              const bad = dangerousUrl(name, c);
              if (bad) problems.push(`<${name} ${k}="${v.slice(0, 80)}"> (${bad})`);
            }
          }
        }
        if (name === 'meta' && /refresh/i.test(attrs['http-equiv'] ?? '')) {
          const target = /url\s*=\s*['"]?([^'"]*)/i.exec(attrs.content ?? '')?.[1] ?? '';
          if (dangerousUrl('meta', target)) problems.push(`<meta refresh to ${target.slice(0, 80)}>`);
        }
      },
      ontext(text) {
        if (script) script.text += text;
      },
      onclosetag(name) {
        if (name === 'script' && script) {
          if (script.type === DATA_SCRIPT) {
            try {
              JSON.parse(script.text);
            } catch {
              problems.push(`JSON-LD that is not JSON (broken out of?): ${script.text.slice(0, 120)}`);
            }
          }
          script = null;
        }
      },
    },
    { decodeEntities: true, lowerCaseAttributeNames: true, lowerCaseTags: true, recognizeSelfClosing: false },
  );
  parser.write(html);
  parser.end();
  return problems;
}

/** HTML fragments inside JSON (fields named *_html) and feeds (descriptions, contents, summaries). */
export function embeddedHtml(contentType: string, body: string): string[] {
  const out: string[] = [];
  if (/json/.test(contentType)) {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return [];
    }
    const walk = (v: unknown, key = '') => {
      if (typeof v === 'string' && /html$/i.test(key)) out.push(v);
      else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
    };
    walk(value);
  } else if (/xml/.test(contentType)) {
    let current: string | null = null;
    let text = '';
    const parser = new Parser(
      {
        onopentag(name) {
          if (['description', 'content:encoded', 'content', 'summary'].includes(name)) {
            current = name;
            text = '';
          }
        },
        ontext(t) {
          if (current) text += t;
        },
        onclosetag(name) {
          if (name === current) {
            out.push(text);
            current = null;
          }
        },
      },
      { xmlMode: true, decodeEntities: true },
    );
    parser.write(body);
    parser.end();
  }
  return out;
}

/** Every way a response could carry script: the page itself, or HTML inside JSON or a feed. */
export function responseProblems(contentType: string, body: string): string[] {
  const problems: string[] = [];
  if (/^text\/html/.test(contentType)) problems.push(...scriptProblems(body));
  for (const fragment of embeddedHtml(contentType, body)) problems.push(...scriptProblems(fragment).map((p) => `embedded HTML: ${p}`));
  return problems;
}

// ---------------------------------------------------------------- hostile input

export const PAYLOADS = [
  '<script>alert(1)</script>', '"><script>alert(1)</script>', "'><img src=x onerror=alert(1)>", '<svg onload=alert(1)>',
  '</title><script>alert(1)</script>', '</script><script>alert(1)</script>', '</textarea><script>alert(1)</script>',
  'javascript:alert(1)', ' javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'java\tscript:alert(1)', 'data:text/html,<script>alert(1)</script>',
  '" onmouseover="alert(1)', "' onfocus='alert(1)' autofocus='", '<a href="javascript:alert(1)">x</a>', '[x](javascript:alert(1))',
  '{{7*7}}', '${7*7}', '<%= 7*7 %>', "' OR '1'='1", "1' OR 1=1--", '1; DROP TABLE articles;--', '1 UNION SELECT null,null--', "'; select pg_sleep(5);--",
  '%00', '\u0000', '../../../../etc/passwd', '..%2f..%2fetc%2fpasswd', '....//....//etc/passwd', '\\..\\..\\windows\\win.ini',
  '__proto__', 'constructor', 'prototype', '[object Object]', 'NaN', 'Infinity', '-Infinity', '-1', '0', '-0', '1e309', '9007199254740993',
  '99999999999999999999999', '0x10', '1.5', ' 1', '１２', '٣', '\u202e', '\ufeff', '🙂', '\u0301', 'a'.repeat(3000),
  '//evil.example', '/\\evil.example', 'http://evil.example/', 'https:evil.example', '\r\nSet-Cookie: x=1', 'x\r\nLocation: //evil.example',
  'null', 'undefined', 'true', '[]', '{}', '%', '%%', '+', ' ', '', '.', '..', '*', '?', '#', '&', '=', ';', ',', '"', "'", '`', '<', '>',
  '2025', '2025-03', '03', '3', '13', '00', '45', '45-46', 'PLN', 'pln', 'ris', 'bibtex', 'csl', 'digital', 'print-digital',
];

/** Text that is not ASCII-safe: invalid surrogates become U+FFFD when sent (as a browser does). */
export const hostile: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PAYLOADS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...PAYLOADS), { minLength: 2, maxLength: 4 }).map((a) => a.join('')) },
);

/** The text as UTF-8 can carry it: lone surrogates become U+FFFD (as a browser sends them). */
export function wellFormed(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** Percent-encodes text as UTF-8 (lone surrogates become U+FFFD), leaving unreserved characters. */
export function pct(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Path segments and query text sent as typed (valid URL characters, some malformed percent escapes). */
export const RAW_SEGMENTS = ['%', '%zz', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '%00', '%2F', '%2f..%2f', '..', '.', '%2e%2e', ';', ',', '~', '!', "'", '(', ')', '*', '@', '$', ':', '+', '%20', '%0A', '%0D%0A'];

// ---------------------------------------------------------------- the app's routes

export interface RouteInfo {
  path: string;
  methods: string[];
}

/** Every route of the app, with its methods, read from Fastify's route tree. */
export function listRoutes(app: FastifyInstance): RouteInfo[] {
  const out: RouteInfo[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([\s│├└─]*?)(?:├── |└── )(.*?)(?: \(([^)]*)\))?\s*$/.exec(line);
    if (!m) continue;
    const depth = Math.round(m[1].length / 4);
    const segment = m[2];
    stack.length = depth;
    const path = (depth === 0 ? '' : stack[depth - 1]) + segment;
    stack[depth] = path === '/' ? '' : path;
    if (m[3]) out.push({ path: path.startsWith('/') ? path : `/${path}`, methods: m[3].split(',').map((s) => s.trim()) });
  }
  return out;
}
