// Markdown article import: optional YAML front matter, then a Markdown body.
//
//   ---
//   title: Salvadoran President’s Dark Secret …
//   authors: [Jane Doe]
//   sources: [CBS News, {name: El Faro, url: https://elfaro.net/}]
//   access: premium
//   issue: 2025-04
//   pages: 45-46
//   ---
//   Body in Markdown …
//
// Every problem is an InputError carrying the line of the file it is about.
// Pure: the caller reads the file.

import { z } from 'zod';
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { InputError, type ImportedArticle, type IssueRef, type Source } from '../types.ts';
import { isValidSlug, slugify } from '../slug.ts';
import { markdownInlineToText } from '../render.ts';
import { normalizePlace } from '../places.ts';
import { MAX_TITLE_LENGTH, charLength, checkTextLines, dedupeSources, normalizeText } from './plaintext.ts';

// ---------------------------------------------------------------- field schemas

/** Characters no text field may hold (YAML escapes such as "\u0000" can write them). */
const CONTROL_CHAR = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;

/** YAML turns `title: 1984` into a number: take scalars as the text they were written as. */
const scalarToText = (v: unknown): unknown =>
  typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v) : v;

const text = (what: string, max = 1000) =>
  z.preprocess(
    scalarToText,
    z
      .string({ error: `${what} must be text` })
      .transform((s) => s.trim().replace(/\s+/g, ' '))
      .pipe(
        z
          .string()
          .min(1, { error: `${what} is empty` })
          .refine((s) => charLength(s) <= max, { error: `${what} is longer than ${max} characters` })
          .refine((s) => !CONTROL_CHAR.test(s), { error: `${what} contains a control character (such as "\\u0000"), which text cannot hold` }),
      ),
  );

const textList = (what: string, item: string) =>
  z
    .array(text(item, 200), { error: `${what} must be a list, e.g. ${what}: [First, Second]` })
    .transform((xs) => dedupe(xs));

const httpUrl = z.preprocess(
  scalarToText,
  z
    .string({ error: 'url must be text' })
    .trim()
    .refine(isHttpUrl, { error: 'url must be an http:// or https:// address' }),
);

const sourceItem = z.preprocess(
  (v) => (typeof v === 'string' || typeof v === 'number' ? { name: String(v) } : v),
  z.strictObject(
    {
      name: text('source name', 200),
      url: httpUrl.nullish(),
    },
    { error: 'each source must be a name or {name, url}' },
  ),
);

const FRONT_MATTER = z.strictObject({
  title: text('title', MAX_TITLE_LENGTH).nullish(),
  slug: z
    .preprocess(scalarToText, z.string({ error: 'slug must be text' }).trim())
    .refine(isValidSlug, {
      error: 'slug must be lowercase letters, digits and single hyphens (e.g. "mega-prison-deal"), at most 120 characters',
    })
    .nullish(),
  dek: text('dek', 1000).nullish(),
  authors: z
    .preprocess((v) => (Array.isArray(v) ? v : typeof v === 'string' ? [v] : v), textList('authors', 'author'))
    .nullish(),
  author: z
    .preprocess((v) => (Array.isArray(v) ? v : typeof v === 'string' ? [v] : v), textList('author', 'author'))
    .nullish(),
  topics: textList('topics', 'topic').nullish(),
  places: textList('places', 'place')
    .transform((xs) => dedupe(xs.map((p) => normalizePlace(p).name)))
    .nullish(),
  sources: z
    .array(sourceItem, { error: 'sources must be a list of names or {name, url}' })
    .transform((xs): Source[] => dedupeSources(xs.map((s) => ({ name: s.name, url: s.url ?? null }))))
    .nullish(),
  access: z.enum(['free', 'premium'], { error: 'access must be free or premium' }).nullish(),
  status: z.enum(['draft', 'scheduled', 'published'], { error: 'status must be draft, scheduled or published' }).nullish(),
  published_at: z.unknown().transform((v, ctx) => parsePublishedAt(v, ctx)),
  issue: z.unknown().transform((v, ctx) => parseIssue(v, ctx)),
  pages: z.unknown().transform((v, ctx) => parsePages(v, 'pages', ctx)),
  page: z.unknown().transform((v, ctx) => parsePages(v, 'page', ctx)),
}).partial();

type Ctx = z.core.$RefinementCtx;

function fail(ctx: Ctx, message: string): never {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '' && !CONTROL_CHAR.test(s);
  } catch {
    return false;
  }
}

function dedupe(xs: string[]): string[] {
  const seen = new Set<string>();
  return xs.filter((x) => {
    const k = x.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function isRealDate(y: number, m: number, d: number): boolean {
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?[ \t]*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

function parsePublishedAt(v: unknown, ctx: Ctx): string | null {
  if (v === null || v === undefined) return null;
  const usage = 'published_at must be a date (2025-03-30) or a date and time with a time zone (2025-03-30T09:00:00-04:00)';
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return fail(ctx, usage);
    const iso = v.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  if (typeof v !== 'string') return fail(ctx, usage);
  const s = v.trim();
  const d = DATE_RE.exec(s);
  if (d) {
    if (!isRealDate(+d[1], +d[2], +d[3])) return fail(ctx, `published_at: ${s} is not a real date`);
    return s;
  }
  const t = DATETIME_RE.exec(s);
  if (!t) return fail(ctx, usage);
  const [, y, mo, da, h, mi, se = '00', frac = '', zone] = t;
  if (!isRealDate(+y, +mo, +da)) return fail(ctx, `published_at: ${y}-${mo}-${da} is not a real date`);
  if (+h > 23 || +mi > 59 || +se > 59) return fail(ctx, `published_at: ${h}:${mi}:${se} is not a real time`);
  if (!zone) {
    return fail(ctx, `published_at needs a time zone, e.g. ${y}-${mo}-${da}T${h}:${mi}:${se}Z or …-04:00 (or give just the date)`);
  }
  let offset = zone.toUpperCase();
  if (offset !== 'Z') {
    const digits = offset.replace(':', '');
    offset = `${digits.slice(0, 3)}:${digits.slice(3, 5) || '00'}`;
  }
  const ms = Date.parse(`${y}-${mo}-${da}T${h}:${mi}:${se}${frac.slice(0, 4)}${offset}`);
  if (Number.isNaN(ms)) return fail(ctx, usage);
  return new Date(ms).toISOString();
}

function parseIssue(v: unknown, ctx: Ctx): IssueRef | null {
  if (v === null || v === undefined) return null;
  const usage = 'issue must be the year and month of the print issue, e.g. 2025-03';
  let s: string;
  if (v instanceof Date && !Number.isNaN(v.getTime())) s = v.toISOString().slice(0, 7);
  else if (typeof v === 'string') s = v.trim();
  else return fail(ctx, usage);
  const m = /^(\d{4})-(\d{1,2})$/.exec(s);
  if (!m) return fail(ctx, `${usage} (got "${s}")`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (month < 1 || month > 12) return fail(ctx, `issue: month ${m[2]} is not 01–12 (got "${s}")`);
  if (year < 1800 || year > 2999) return fail(ctx, `issue: year ${year} is out of range`);
  return { year, month };
}

function parsePages(v: unknown, key: string, ctx: Ctx): { first: number; last: number } | null {
  if (v === null || v === undefined) return null;
  const usage = `${key} must be a page number (45) or a range ("45-46")`;
  if (typeof v !== 'string' && typeof v !== 'number') return fail(ctx, usage);
  const s = String(v).trim();
  const m = /^(?:pp?\.?\s*)?(\d{1,6})(?:\s*[-–—]\s*(\d{1,6}))?$/i.exec(s);
  if (!m) return fail(ctx, `${usage} (got "${s}")`);
  const first = Number(m[1]);
  const last = m[2] === undefined ? first : Number(m[2]);
  if (first < 1) return fail(ctx, `${key}: page numbers start at 1 (got "${s}")`);
  if (last < first) return fail(ctx, `${key}: the last page (${last}) is before the first page (${first})`);
  return { first, last };
}

// ---------------------------------------------------------------- key → line

const KNOWN_KEYS = Object.keys(FRONT_MATTER.shape);

/** Common keys from other tools, and what Masthead calls them. */
const KEY_HINTS: Record<string, string> = {
  date: 'published_at',
  published: 'published_at',
  publishedat: 'published_at',
  publish_date: 'published_at',
  tags: 'topics',
  categories: 'topics',
  topic: 'topics',
  place: 'places',
  state: 'places',
  states: 'places',
  country: 'places',
  source: 'sources',
  subtitle: 'dek',
  description: 'dek',
  summary: 'dek',
  permalink: 'slug',
  url: 'slug',
  headline: 'title',
  byline: 'authors',
  paywall: 'access',
  premium: 'access',
  page_first: 'pages',
};

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length];
}

function suggestKey(key: string): string | null {
  const k = key.toLowerCase();
  if (KEY_HINTS[k]) return KEY_HINTS[k];
  if (KNOWN_KEYS.includes(k)) return k;
  let best: string | null = null;
  let bestD = 3;
  for (const known of KNOWN_KEYS) {
    const d = levenshtein(k, known);
    if (d < bestD) {
      best = known;
      bestD = d;
    }
  }
  return best;
}

interface FrontMatter {
  doc: Document.Parsed;
  lines: LineCounter;
  /** File line of the YAML text's first line. */
  firstLine: number;
}

/** The file line of a path into the front matter: the key's line for top-level keys, else the deepest node found. */
function lineOfPath(fm: FrontMatter, path: ReadonlyArray<PropertyKey>): number {
  const lineAt = (offset: number) => fm.lines.linePos(offset).line + fm.firstLine - 1;
  let node: unknown = fm.doc.contents;
  let line = fm.firstLine;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      const keyRange = isScalar(pair.key) ? pair.key.range : undefined;
      if (keyRange) line = lineAt(keyRange[0]);
      node = pair.value;
      const valueRange = (node as { range?: [number, number, number] } | null)?.range;
      if (i > 0 && valueRange) line = lineAt(valueRange[0]);
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      const r = (node as { range?: [number, number, number] } | null)?.range;
      if (r) line = lineAt(r[0]);
      else break;
    } else {
      break;
    }
  }
  return line;
}

function describeIssue(issue: z.core.$ZodIssue): { message: string; path: PropertyKey[] } {
  const where = (path: ReadonlyArray<PropertyKey>) =>
    path.map((seg, i) => (typeof seg === 'number' ? ` item ${seg + 1}` : i === 0 ? String(seg) : `, ${String(seg)}`)).join('');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    if (issue.path.length === 0) {
      const hint = suggestKey(key);
      const known = KNOWN_KEYS.filter((k) => k !== 'author' && k !== 'page').join(', ');
      return {
        message: `unknown front matter key "${key}"` + (hint ? ` (did you mean "${hint}"?)` : '') + `; known keys: ${known}`,
        path: [key],
      };
    }
    return {
      message: `unknown key "${key}" in ${where(issue.path)}` + (issue.path[0] === 'sources' ? ' (a source has only name and url)' : ''),
      path: [...issue.path, key],
    };
  }
  const last = issue.path[issue.path.length - 1];
  const context = typeof last === 'number' ? issue.path : issue.path.slice(0, -1);
  const message = context.length > 0 ? `${where(context)}: ${issue.message}` : issue.message;
  return { message, path: issue.path };
}

// ---------------------------------------------------------------- front matter split

interface Split {
  yaml: string | null;
  /** File line of the opening `---` (1), or null without front matter. */
  openLine: number | null;
  /** File line of the closing delimiter. */
  closeLine: number | null;
  bodyLines: string[];
  /** File line of bodyLines[0]. */
  bodyFirstLine: number;
}

function splitFrontMatter(lines: string[], file: string): Split {
  if (lines.length === 0 || lines[0].trimEnd() !== '---') {
    return { yaml: null, openLine: null, closeLine: null, bodyLines: lines, bodyFirstLine: 1 };
  }
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i].trimEnd();
    if (l === '---' || l === '...') {
      return {
        yaml: lines.slice(1, i).join('\n'),
        openLine: 1,
        closeLine: i + 1,
        bodyLines: lines.slice(i + 1),
        bodyFirstLine: i + 2,
      };
    }
  }
  throw new InputError('front matter starts with --- on line 1 but has no closing --- line', file, 1);
}

function parseYaml(yaml: string, file: string): FrontMatter & { data: Record<string, unknown> } {
  const lines = new LineCounter();
  const firstLine = 2;
  const doc = parseDocument(yaml, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    const line = (err.linePos?.[0]?.line ?? 1) + firstLine - 1;
    const message = err.message.split('\n')[0].replace(/\s*at line \d+, column \d+:?\s*$/, '');
    throw new InputError(`front matter is not valid YAML: ${message}`, file, line);
  }
  const contents = doc.contents;
  if (contents === null || (isScalar(contents) && (contents.value === null || contents.value === ''))) {
    return { doc, lines, firstLine, data: {} };
  }
  if (!isMap(contents)) {
    const line = contents.range ? lines.linePos(contents.range[0]).line + firstLine - 1 : firstLine;
    throw new InputError('front matter must be "key: value" lines (a YAML mapping)', file, line);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new InputError(`front matter could not be read: ${(e as Error).message}`, file, firstLine);
  }
  return { doc, lines, firstLine, data: (data ?? {}) as Record<string, unknown> };
}

// ---------------------------------------------------------------- parse

const H1_RE = /^ {0,3}#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;

export function parseMarkdown(text: string, file: string): ImportedArticle {
  const lines = normalizeText(text).split('\n');
  checkTextLines(lines, file);

  if (lines.every((l) => l.trim() === '')) throw new InputError('file is empty', file, 1);

  const split = splitFrontMatter(lines, file);
  let fm: z.infer<typeof FRONT_MATTER> = {};

  if (split.yaml !== null) {
    const parsed = parseYaml(split.yaml, file);
    const result = FRONT_MATTER.safeParse(parsed.data);
    if (!result.success) {
      const { message, path } = describeIssue(result.error.issues[0]);
      throw new InputError(message, file, lineOfPath(parsed, path));
    }
    fm = result.data;
    if (fm.authors && fm.author) {
      throw new InputError('give either authors or author, not both', file, lineOfPath(parsed, ['author']));
    }
    if (fm.pages && fm.page) {
      throw new InputError('give either pages or page, not both', file, lineOfPath(parsed, ['page']));
    }
  }

  // Body: skip leading blank lines; a leading "# Heading" can be the title.
  let body = split.bodyLines;
  let bodyFirst = split.bodyFirstLine;
  // Where a missing body should have started: the line after the front matter or the title heading.
  let bodyExpectedLine = split.bodyFirstLine;
  const skipBlank = () => {
    while (body.length > 0 && body[0].trim() === '') {
      body = body.slice(1);
      bodyFirst++;
    }
  };
  skipBlank();

  let title = fm.title ?? null;
  const h1 = body.length > 0 ? H1_RE.exec(body[0]) : null;
  if (h1) {
    const headingTitle = markdownInlineToText(h1[1]);
    if (title === null && headingTitle !== '') {
      if (charLength(headingTitle) > MAX_TITLE_LENGTH) {
        throw new InputError(`title is longer than ${MAX_TITLE_LENGTH} characters`, file, bodyFirst);
      }
      title = headingTitle;
    }
    // Drop the heading when it is the title (else the page would show it twice).
    if (title !== null && headingTitle.toLowerCase() === title.toLowerCase()) {
      bodyExpectedLine = bodyFirst + 1;
      body = body.slice(1);
      bodyFirst++;
      skipBlank();
    }
  }

  if (title === null) {
    throw new InputError(
      split.yaml !== null
        ? 'article has no title: add "title: …" to the front matter or start the body with "# Title"'
        : 'article has no title: start the file with "# Title" or with front matter (--- / title: … / ---)',
      file,
      1,
    );
  }

  const bodyMarkdown = body.join('\n').replace(/\s+$/, '');
  if (bodyMarkdown === '' || /^(\s*<!--\s*more\s*-->\s*)*$/i.test(bodyMarkdown)) {
    throw new InputError('article has no body', file, bodyExpectedLine);
  }

  const pages = fm.pages ?? fm.page ?? null;
  const slug = fm.slug ?? slugify(title);

  return {
    slug,
    title,
    dek: fm.dek ?? null,
    bodyMarkdown: bodyMarkdown + '\n',
    authors: fm.authors ?? fm.author ?? [],
    topics: fm.topics ?? [],
    places: fm.places ?? [],
    sources: fm.sources ?? [],
    access: fm.access ?? null,
    status: fm.status ?? null,
    publishedAt: fm.published_at ?? null,
    issue: fm.issue ?? null,
    pageFirst: pages?.first ?? null,
    pageLast: pages?.last ?? null,
  };
}
