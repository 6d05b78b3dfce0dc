import type { ImportedArticle, Source, Access, ArticleStatus } from '../../domain/types.ts';
import type { ArticleRecord } from '../../domain/article.ts';
import { slugify, isValidSlug } from '../../domain/slug.ts';
import { MAX_TITLE_LENGTH, charLength } from '../../domain/importers/plaintext.ts';

// The article editor's form: what it shows (EditorForm, strings as typed) and what it saves (an
// ImportedArticle, the same shape every importer produces, saved through saveArticles).

export const TEASER_MARKER = '<!--more-->';
const MARKER_LINE_RE = /^ {0,3}<!--[ \t]*more[ \t]*-->[ \t]*$/i;
export const MAX_BODY_CHARS = 200_000;
/** Source rows shown beyond those filled in (without JavaScript, more appear after a save or preview). */
export const SPARE_SOURCE_ROWS = 2;

export interface EditorForm {
  title: string;
  slug: string;
  dek: string;
  body: string;
  authors: string;
  topics: string;
  places: string;
  sources: { name: string; url: string }[];
  access: Access;
  issue: string;
  pageFirst: string;
  pageLast: string;
  /** "" keeps the marker as written in the body; "N" puts it after the Nth block. */
  teaser: string;
  status: ArticleStatus;
  /** "YYYY-MM-DDTHH:MM:SS" in UTC, or "". */
  publishAt: string;
  note: string;
  /** The article's updated_at when the form was opened (to notice someone else's save). */
  base: string;
}

export interface FieldError {
  field: keyof EditorForm | 'sources';
  message: string;
}

export function emptyForm(): EditorForm {
  return { title: '', slug: '', dek: '', body: '', authors: '', topics: '', places: '', sources: [], access: 'premium', issue: '', pageFirst: '', pageLast: '', teaser: '', status: 'draft', publishAt: '', note: '', base: '' };
}

/** ISO timestamp → the value of a datetime-local input (UTC, seconds). */
export function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 19);
}

function ym(i: { year: number; month: number } | null): string {
  return i ? `${i.year}-${String(i.month).padStart(2, '0')}` : '';
}

/** A scheduled article whose time has come shows as published. */
function shownStatus(status: ArticleStatus, publishedAt: string | null, now: string): ArticleStatus {
  return status === 'scheduled' && publishedAt !== null && publishedAt <= now ? 'published' : status;
}

export function formFromArticle(a: ImportedArticle, opts: { base?: string; now?: string } = {}): EditorForm {
  const now = opts.now ?? new Date().toISOString();
  const status = a.status ?? 'draft';
  return {
    title: a.title,
    slug: a.slug,
    dek: a.dek ?? '',
    body: a.bodyMarkdown,
    authors: a.authors.join(', '),
    topics: a.topics.join(', '),
    places: a.places.join(', '),
    sources: a.sources.map((s) => ({ name: s.name, url: s.url ?? '' })),
    access: a.access ?? 'premium',
    issue: ym(a.issue),
    pageFirst: a.pageFirst != null ? String(a.pageFirst) : '',
    pageLast: a.pageLast != null && a.pageLast !== a.pageFirst ? String(a.pageLast) : '',
    teaser: '',
    status: shownStatus(status, a.publishedAt, now),
    publishAt: toLocalInput(a.publishedAt),
    note: '',
    base: opts.base ?? '',
  };
}

/** The stored article as the editor's model (an ImportedArticle: what a save writes). */
export { importedFromRecord as editableFromRecord } from '../../domain/article.ts';

type Body = Record<string, unknown>;

function str(b: Body, k: string, max = 10_000): string {
  const v = b[k];
  const s = typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
  return s.slice(0, max);
}

/** The form as posted (strings kept as typed, so a form with errors comes back as it was). */
export function readForm(b: Body): EditorForm {
  const sources: { name: string; url: string }[] = [];
  for (let i = 0; i < 100; i++) {
    if (!(`source_name_${i}` in b) && !(`source_url_${i}` in b)) break;
    sources.push({ name: str(b, `source_name_${i}`, 300).trim(), url: str(b, `source_url_${i}`, 2000).trim() });
  }
  const status = str(b, 'status');
  const access = str(b, 'access');
  return {
    title: str(b, 'title', 2000),
    slug: str(b, 'slug', 300).trim(),
    dek: str(b, 'dek', 2000),
    body: str(b, 'body', MAX_BODY_CHARS + 1).replace(/\r\n?/g, '\n'),
    authors: str(b, 'authors', 2000),
    topics: str(b, 'topics', 2000),
    places: str(b, 'places', 2000),
    sources,
    access: access === 'free' ? 'free' : 'premium',
    issue: str(b, 'issue', 20).trim(),
    pageFirst: str(b, 'page_first', 20).trim(),
    pageLast: str(b, 'page_last', 20).trim(),
    teaser: str(b, 'teaser', 5).trim(),
    status: status === 'scheduled' || status === 'published' ? status : 'draft',
    publishAt: str(b, 'publish_at', 40).trim(),
    note: str(b, 'note', 500).trim(),
    base: str(b, 'base', 40),
  };
}

function list(s: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const part of s.split(/[,;\n]/)) {
    const t = part.trim().replace(/\s+/g, ' ');
    if (t && !seen.has(t.toLowerCase())) {
      seen.add(t.toLowerCase());
      out.push(t);
    }
  }
  return out;
}

/** Top-level blocks of a Markdown body (split at blank lines, fenced code kept whole). */
export function bodyBlocks(body: string): string[] {
  const blocks: string[] = [];
  let cur: string[] = [];
  let fence: string | null = null;
  for (const line of body.replace(/\s+$/, '').split('\n')) {
    const f = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (f) fence = fence === null ? f[1][0] : line.trim().startsWith(fence) ? null : fence;
    if (fence === null && line.trim() === '' && !f) {
      if (cur.length) blocks.push(cur.join('\n'));
      cur = [];
    } else cur.push(line);
  }
  if (cur.length) blocks.push(cur.join('\n'));
  return blocks;
}

/** Blocks of the body before the teaser marker, or null without one. */
export function teaserBlocks(body: string): number | null {
  const blocks = bodyBlocks(body);
  const i = blocks.findIndex((b) => MARKER_LINE_RE.test(b));
  return i < 0 ? null : i;
}

/** The body with the teaser marker after the Nth block (any other marker removed). */
export function placeTeaserMarker(body: string, n: number): string {
  const blocks = bodyBlocks(body).filter((b) => !MARKER_LINE_RE.test(b));
  const at = Math.max(1, Math.min(n, blocks.length));
  blocks.splice(at, 0, TEASER_MARKER);
  return blocks.join('\n\n') + '\n';
}

/** Paragraph-ish blocks, for the teaser choices. */
export function countBlocks(body: string): number {
  return bodyBlocks(body).filter((b) => !MARKER_LINE_RE.test(b)).length;
}

function parseUtc(s: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  if (!m) return null;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)));
  if (Number.isNaN(d.getTime()) || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) return null;
  return d.toISOString();
}

/**
 * The form as an article to save, or the errors that keep it from being saved.
 * `existing`: the article's stored values (its slug, and the time it was published at).
 */
export function articleFromForm(f: EditorForm, opts: { existing: { slug: string; publishedAt: string | null; visible: boolean } | null; now?: string }): { article: ImportedArticle | null; errors: FieldError[]; body: string } {
  const now = opts.now ?? new Date().toISOString();
  const errors: FieldError[] = [];
  const title = f.title.trim().replace(/\s+/g, ' ');
  if (!title) errors.push({ field: 'title', message: 'Give the article a title.' });
  else if (charLength(title) > MAX_TITLE_LENGTH) errors.push({ field: 'title', message: `The title is ${charLength(title)} characters long; at most ${MAX_TITLE_LENGTH} are allowed.` });

  let slug = opts.existing?.slug ?? '';
  if (!opts.existing) {
    slug = f.slug ? f.slug.toLowerCase() : slugify(title);
    if (!isValidSlug(slug)) errors.push({ field: 'slug', message: 'The address may use only lower-case letters, digits and hyphens (such as "jail-heat-ruling").' });
  }

  let body = f.body;
  if (f.teaser && /^\d+$/.test(f.teaser)) body = placeTeaserMarker(body, Number(f.teaser));
  const text = body.replace(/^\s*<!--\s*more\s*-->\s*$/gim, '').trim();
  if (!text) errors.push({ field: 'body', message: 'The article has no text yet.' });
  else if (body.length > MAX_BODY_CHARS) errors.push({ field: 'body', message: `The text is longer than ${MAX_BODY_CHARS.toLocaleString('en-US')} characters.` });
  if (body && !body.endsWith('\n')) body += '\n';

  const sources: Source[] = [];
  f.sources.forEach((s, i) => {
    if (!s.name && !s.url) return;
    let url: string | null = null;
    if (s.url) {
      try {
        const u = new URL(s.url);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
        url = u.href;
      } catch {
        errors.push({ field: 'sources', message: `Source ${i + 1}: "${s.url}" is not a web address (it should start with https://).` });
      }
    }
    let name = s.name;
    if (!name && url) name = new URL(url).hostname.replace(/^www\./, '');
    if (!name) errors.push({ field: 'sources', message: `Source ${i + 1}: give the source a name.` });
    else sources.push({ name, url });
  });

  let issue: { year: number; month: number } | null = null;
  if (f.issue) {
    const m = /^(\d{4})-(\d{1,2})$/.exec(f.issue);
    const month = m ? Number(m[2]) : 0;
    if (!m || month < 1 || month > 12 || Number(m[1]) < 1800 || Number(m[1]) > 2999) errors.push({ field: 'issue', message: `The issue must be a year and month such as 2025-03, not "${f.issue}".` });
    else issue = { year: Number(m[1]), month };
  }
  const page = (v: string, field: 'pageFirst' | 'pageLast', label: string): number | null => {
    if (!v) return null;
    if (!/^\d{1,5}$/.test(v) || Number(v) < 1) {
      errors.push({ field, message: `The ${label} must be a page number such as 45.` });
      return null;
    }
    return Number(v);
  };
  const pageFirst = page(f.pageFirst, 'pageFirst', 'first page');
  let pageLast = page(f.pageLast, 'pageLast', 'last page');
  if (pageLast !== null && pageFirst === null) errors.push({ field: 'pageFirst', message: 'A last page needs a first page.' });
  if (pageFirst !== null && pageLast !== null && pageLast < pageFirst) errors.push({ field: 'pageLast', message: `The last page (${pageLast}) comes before the first (${pageFirst}).` });
  if (pageFirst !== null && !issue && !errors.some((e) => e.field === 'issue')) errors.push({ field: 'issue', message: 'A page number needs the issue it is printed in (such as 2025-03).' });
  if (pageFirst !== null && pageLast === null) pageLast = pageFirst;

  let publishedAt: string | null = null;
  if (f.publishAt) {
    publishedAt = parseUtc(f.publishAt);
    if (!publishedAt) errors.push({ field: 'publishAt', message: `"${f.publishAt}" is not a date and time (such as 2025-06-01T09:00).` });
  }
  if (publishedAt || !f.publishAt) {
    if (f.status === 'scheduled') {
      if (!publishedAt) errors.push({ field: 'publishAt', message: 'A scheduled article needs the time it goes live.' });
      else if (publishedAt <= now) errors.push({ field: 'publishAt', message: 'That time has passed: choose a time in the future, or choose "Published" to publish now.' });
    } else if (f.status === 'published') {
      if (publishedAt && publishedAt > now) errors.push({ field: 'status', message: 'The publication time is in the future: choose "Scheduled" to publish then, or clear the time to publish now.' });
      // Publishing without a time: now, unless it was visible already (keep its date).
      if (!publishedAt) publishedAt = opts.existing?.visible ? opts.existing.publishedAt : now;
    }
  }

  if (errors.length) return { article: null, errors, body };
  return {
    article: {
      slug, title, dek: f.dek.trim().replace(/\s+/g, ' ') || null, bodyMarkdown: body,
      authors: list(f.authors), topics: list(f.topics), places: list(f.places), sources,
      access: f.access, status: f.status, publishedAt,
      issue, pageFirst, pageLast,
    },
    errors,
    body,
  };
}

/** A slug not taken by any of `taken`: the slug itself, or slug-2, slug-3… */
export function freeSlug(slug: string, taken: (s: string) => Promise<boolean>): Promise<string> {
  return (async () => {
    if (!(await taken(slug))) return slug;
    for (let i = 2; i < 1000; i++) {
      const s = `${slug.slice(0, 110)}-${i}`;
      if (!(await taken(s))) return s;
    }
    return `${slug.slice(0, 100)}-${Date.now()}`;
  })();
}
