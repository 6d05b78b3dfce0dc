// Word .docx → ImportedArticle: mammoth turns the document into simple HTML, which is turned into
// Markdown here (paragraphs, headings, bold, italics, links, lists, tables); images are dropped.
// The first heading (or else the first paragraph) is the title, as in the plain-text format; a
// trailing "Sources: A, B" paragraph becomes the sources. No I/O: the caller reads the file.

import mammoth from 'mammoth';
import { InputError, type ImportedArticle, type Source } from '../types.ts';
import { escapeMarkdownInline, markdownInlineToText } from '../render.ts';
import { slugify } from '../slug.ts';
import { parseSourcesLine, charLength, MAX_TITLE_LENGTH } from './plaintext.ts';

/** Larger Word files are refused before they are unpacked. */
export const MAX_DOCX_BYTES = 10 * 1024 * 1024;

const STYLE_MAP = [
  "p[style-name='Title'] => h1:fresh",
  "p[style-name='Subtitle'] => h6.dek:fresh",
];

/** A .docx is a ZIP archive: it starts with "PK\x03\x04". */
export function looksLikeDocx(bytes: Uint8Array): boolean {
  return bytes.length > 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export async function docxToHtml(bytes: Uint8Array, file: string): Promise<{ html: string; warnings: string[] }> {
  if (bytes.length > MAX_DOCX_BYTES) throw new InputError(`the Word file is ${Math.ceil(bytes.length / 1024 / 1024)} MB; at most ${MAX_DOCX_BYTES / 1024 / 1024} MB are allowed`, file);
  if (!looksLikeDocx(bytes)) {
    throw new InputError('this is not a Word .docx file (its content is not a .docx archive). Older .doc files must be saved as .docx first', file);
  }
  try {
    const r = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
      { styleMap: STYLE_MAP, convertImage: mammoth.images.imgElement(async () => ({ src: '' })), ignoreEmptyParagraphs: true },
    );
    return { html: r.value, warnings: r.messages.filter((m) => m.type === 'warning').map((m) => m.message) };
  } catch (err) {
    throw new InputError(`the Word file could not be read (${(err as Error).message.split('\n')[0].slice(0, 200)}); open it in Word and save it again as .docx`, file);
  }
}

// ---------------------------------------------------------------- HTML → Markdown

interface Node {
  tag: string;
  attrs: Record<string, string>;
  children: (Node | string)[];
}

const VOID = new Set(['br', 'img', 'hr']);

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|nbsp);/gi, (_m, e: string) => {
    const l = e.toLowerCase();
    if (l === 'amp') return '&';
    if (l === 'lt') return '<';
    if (l === 'gt') return '>';
    if (l === 'quot') return '"';
    if (l === 'apos') return "'";
    if (l === 'nbsp') return '\u00a0';
    const cp = l.startsWith('#x') ? parseInt(l.slice(2), 16) : parseInt(l.slice(1), 10);
    return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
  });
}

/** A tree of mammoth's (well-formed, attribute-poor) HTML. */
export function parseSimpleHtml(html: string): Node {
  const root: Node = { tag: '#root', attrs: {}, children: [] };
  const stack: Node[] = [root];
  const re = /<(\/?)([a-zA-Z0-9]+)((?:\s+[a-zA-Z-]+(?:="[^"]*")?)*)\s*(\/?)>|([^<]+)|</g;
  for (const m of html.matchAll(re)) {
    const top = stack[stack.length - 1];
    if (m[5] !== undefined) {
      // No control characters (a NUL cannot even be stored in PostgreSQL).
      top.children.push(decodeEntities(m[5]).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ''));
      continue;
    }
    if (m[2] === undefined) {
      top.children.push('<');
      continue;
    }
    const tag = m[2].toLowerCase();
    if (m[1]) {
      // Close the nearest open element of this name (and anything left open inside it).
      for (let i = stack.length - 1; i > 0; i--) {
        if (stack[i].tag === tag) {
          stack.length = i;
          break;
        }
      }
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of (m[3] ?? '').matchAll(/([a-zA-Z-]+)(?:="([^"]*)")?/g)) attrs[a[1].toLowerCase()] = decodeEntities(a[2] ?? '');
    const node: Node = { tag, attrs, children: [] };
    top.children.push(node);
    if (!VOID.has(tag) && !m[4]) stack.push(node);
  }
  return root;
}

function textOf(n: Node | string): string {
  return typeof n === 'string' ? n : n.children.map(textOf).join('');
}

/** Wraps inline Markdown in a marker (** or *), keeping spaces outside it. */
function wrap(inner: string, marker: string): string {
  const m = /^(\s*)([\s\S]*?)(\s*)$/.exec(inner)!;
  return m[2] === '' ? inner : `${m[1]}${marker}${m[2]}${marker}${m[3]}`;
}

function safeHref(href: string | undefined): string | null {
  if (!href) return null;
  try {
    const u = new URL(href);
    if (u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'mailto:') return u.href;
  } catch {
    // relative links and anchors (footnotes) become plain text
  }
  return null;
}

function inline(nodes: (Node | string)[]): string {
  let out = '';
  for (const n of nodes) {
    if (typeof n === 'string') {
      out += escapeMarkdownInline(n.replace(/\s+/g, ' ')).replace(/^\\([>#+=-])/, '$1').replace(/^(\d+)\\([.)])/, '$1$2');
      continue;
    }
    switch (n.tag) {
      case 'strong':
      case 'b':
        out += wrap(inline(n.children), '**');
        break;
      case 'em':
      case 'i':
        out += wrap(inline(n.children), '*');
        break;
      case 'a': {
        const href = safeHref(n.attrs.href);
        const label = inline(n.children);
        out += href && label.trim() ? `[${label.replace(/\]/g, '\\]')}](<${href.replace(/>/g, '%3E')}>)` : label;
        break;
      }
      case 'br':
        out += '\\\n';
        break;
      case 'img':
        break;
      default:
        out += inline(n.children);
    }
  }
  return out;
}

/** Escaped inline Markdown must not begin a block by accident ("# ", "1. ", "- "). */
function blockSafe(line: string): string {
  const l = line.trim();
  if (/^(#{1,6}\s|[-+*]\s|>|\d+[.)]\s|={3,}|-{3,}|_{3,}|\*{3,})/.test(l)) return `\\${l}`;
  return l;
}

function list(n: Node, depth: number): string[] {
  const lines: string[] = [];
  let i = 1;
  for (const li of n.children) {
    if (typeof li === 'string' || li.tag !== 'li') continue;
    const own = li.children.filter((c) => typeof c === 'string' || (c.tag !== 'ul' && c.tag !== 'ol'));
    const marker = n.tag === 'ol' ? `${i++}.` : '-';
    lines.push(`${'   '.repeat(depth)}${marker} ${inline(own).trim()}`);
    for (const c of li.children) if (typeof c !== 'string' && (c.tag === 'ul' || c.tag === 'ol')) lines.push(...list(c, depth + 1));
  }
  return lines;
}

function table(n: Node): string {
  const rows: string[][] = [];
  const walk = (x: Node) => {
    for (const c of x.children) {
      if (typeof c === 'string') continue;
      if (c.tag === 'tr') rows.push(c.children.filter((td): td is Node => typeof td !== 'string' && (td.tag === 'td' || td.tag === 'th')).map((td) => inline(td.children.flatMap((p) => (typeof p !== 'string' && p.tag === 'p' ? [...p.children, ' '] : [p]))).trim().replace(/\|/g, '\\|').replace(/\\\n/g, ' ')));
      else walk(c);
    }
  };
  walk(n);
  if (rows.length === 0) return '';
  const width = Math.max(...rows.map((r) => r.length));
  const pad = (r: string[]) => [...r, ...Array(width - r.length).fill('')];
  const line = (r: string[]) => `| ${pad(r).join(' | ')} |`;
  return [line(rows[0]), `|${' --- |'.repeat(width)}`, ...rows.slice(1).map(line)].join('\n');
}

export interface DocxBlock {
  kind: 'heading' | 'dek' | 'paragraph' | 'other';
  markdown: string;
  text: string;
}

/** mammoth's HTML as Markdown blocks, in order. */
export function htmlToBlocks(html: string): DocxBlock[] {
  const out: DocxBlock[] = [];
  const walk = (nodes: (Node | string)[]) => {
    for (const n of nodes) {
      if (typeof n === 'string') {
        if (n.trim()) out.push({ kind: 'paragraph', markdown: blockSafe(inline([n])), text: n.trim() });
        continue;
      }
      const text = textOf(n).replace(/\s+/g, ' ').trim();
      if (/^h[1-6]$/.test(n.tag)) {
        if (!text) continue;
        if (n.attrs.class === 'dek') out.push({ kind: 'dek', markdown: inline(n.children).trim(), text });
        else {
          // Headings set in bold in Word are headings: the bold adds nothing.
          const inner = inline(n.children).trim().replace(/\\\n/g, ' ').replace(/^\*\*([^*]+)\*\*$/, '$1');
          out.push({ kind: 'heading', markdown: `${'#'.repeat(Math.min(Number(n.tag[1]), 3))} ${inner}`, text });
        }
      } else if (n.tag === 'p') {
        // Line breaks at either end of a paragraph show nothing; a paragraph of only breaks (or of
        // an image, which is dropped) is no paragraph, and never the title.
        const md = inline(n.children).replace(/^(?:\s|\\\n)+|(?:\s|\\\n)+$/g, '');
        if (md && text) out.push({ kind: 'paragraph', markdown: blockSafe(md), text });
      } else if (n.tag === 'ul' || n.tag === 'ol') {
        const lines = list(n, 0);
        if (lines.length) out.push({ kind: 'other', markdown: lines.join('\n'), text });
      } else if (n.tag === 'table') {
        const t = table(n);
        if (t) out.push({ kind: 'other', markdown: t, text });
      } else if (n.tag === 'blockquote') {
        const inner = htmlToBlocks(n.children.map((c) => (typeof c === 'string' ? c : '')).join('')).map((b) => b.markdown);
        if (inner.length) out.push({ kind: 'other', markdown: inner.map((b) => `> ${b}`).join('\n>\n'), text });
      } else if (n.tag === 'hr') {
        out.push({ kind: 'other', markdown: '---', text: '' });
      } else {
        walk(n.children);
      }
    }
  };
  walk(parseSimpleHtml(html).children);
  return out;
}

const SOURCES_RE = /^sources?\s*:\s*/i;
const FOOTER_RE = [/^as an? (digital |print |online |paid )?subscriber\b/i, /^already an? subscriber\s*\?/i];

/** Markdown blocks → an article: the title first, then dek, body and sources. */
export function blocksToArticle(blocks: DocxBlock[], file: string): ImportedArticle {
  const rest = blocks.filter((b) => !(b.kind === 'paragraph' && FOOTER_RE.some((re) => re.test(b.text))));
  const titleAt = rest.findIndex((b) => b.kind === 'heading' || b.kind === 'paragraph');
  if (titleAt < 0) throw new InputError('the Word file has no text', file);
  const titleBlock = rest[titleAt];
  const title = titleBlock.kind === 'heading' ? markdownInlineToText(titleBlock.markdown.replace(/^#+\s*/, '')) : titleBlock.text;
  if (!title.trim()) throw new InputError('the title (the first heading or paragraph) is empty', file);
  if (charLength(title) > MAX_TITLE_LENGTH) {
    throw new InputError(`the title (the first heading or paragraph) is ${charLength(title)} characters long; at most ${MAX_TITLE_LENGTH} are allowed. Is it a paragraph rather than a title?`, file);
  }
  let dek: string | null = null;
  const sources: Source[] = [];
  const body: string[] = [];
  rest.forEach((b, i) => {
    if (i === titleAt || (i < titleAt && b.kind !== 'dek')) return;
    if (b.kind === 'dek' && dek === null) {
      dek = b.text;
      return;
    }
    if (b.kind === 'paragraph' && SOURCES_RE.test(b.text)) {
      sources.push(...parseSourcesLine(b.text.replace(SOURCES_RE, '')));
      return;
    }
    body.push(b.markdown);
  });
  if (body.length === 0) throw new InputError('article has no body: expected paragraphs after the title', file);
  return {
    slug: slugify(title),
    title,
    dek,
    bodyMarkdown: body.join('\n\n') + '\n',
    authors: [],
    topics: [],
    places: [],
    sources,
    access: null,
    status: null,
    publishedAt: null,
    issue: null,
    pageFirst: null,
    pageLast: null,
  };
}

export async function parseDocx(bytes: Uint8Array, file: string): Promise<ImportedArticle> {
  const { html } = await docxToHtml(bytes, file);
  return blocksToArticle(htmlToBlocks(html), file);
}
