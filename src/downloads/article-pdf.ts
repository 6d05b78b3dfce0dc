import zlib from 'node:zlib';
import { PDFDocument, PDFName, StandardFonts, type PDFRef } from 'pdf-lib';
import type { ArticleView } from '../present/article.ts';
import { FontMetrics, toWinAnsi, winAnsiHex } from './stamp.ts';

// The article PDF: typeset from the presenter's ArticleView (never from the raw row), so it can
// only ever hold what the viewer may read. Letter pages in the PDF standard fonts (Times for
// the text, Helvetica for the furniture), with the print citation, "Page N of M" and the
// licensee on every page. Text is set line by line into hand-built content streams: a
// 2,500-word article takes a few milliseconds.

/** What the PDF needs to know about the publication. */
export interface PdfSite {
  name: string;
  abbreviation: string;
  baseUrl: string;
}

/** Who a download is licensed to: a person (name and e-mail) or an institution (name only). */
export interface Licensee {
  name: string | null;
  email: string | null;
}

/** "2025-11-27" (UTC). */
export function isoDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** "Licensed to Jane Doe <jane@example.org> · 2025-11-27"; for a free article read anonymously, "Free article from SITE · date". */
export function licenseLine(licensee: Licensee | null, site: Pick<PdfSite, 'name'>, now: Date): string {
  const day = isoDay(now);
  if (!licensee || (!licensee.name && !licensee.email)) return `Free article from ${site.name} · ${day}`;
  const who = licensee.name && licensee.email ? `${licensee.name} <${licensee.email}>` : licensee.email ? `<${licensee.email}>` : licensee.name!;
  return `Licensed to ${who} · ${day}`;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "April 28, 2025" from an ISO date or date-time. */
export function longDate(iso: string | null): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}`;
}

// ---------------------------------------------------------------- fonts

type FontId = 'roman' | 'bold' | 'italic' | 'sans' | 'sansBold';

const FONTS: Record<FontId, { key: string; metrics: FontMetrics }> = {
  roman: { key: 'F1', metrics: new FontMetrics('Times-Roman', StandardFonts.TimesRoman) },
  bold: { key: 'F2', metrics: new FontMetrics('Times-Bold', StandardFonts.TimesRomanBold) },
  italic: { key: 'F3', metrics: new FontMetrics('Times-Italic', StandardFonts.TimesRomanItalic) },
  sans: { key: 'F4', metrics: new FontMetrics('Helvetica', StandardFonts.Helvetica) },
  sansBold: { key: 'F5', metrics: new FontMetrics('Helvetica-Bold', StandardFonts.HelveticaBold) },
};

// ---------------------------------------------------------------- page geometry (US Letter)

export const PAGE = { width: 612, height: 792, left: 72, right: 72, top: 64, bottom: 72 } as const;
const TEXT_WIDTH = PAGE.width - PAGE.left - PAGE.right;
const GRAY = '0.35 g';

const n2 = (n: number) => (Math.round(n * 100) / 100).toString();

export interface TextStyle {
  font: FontId;
  size: number;
  leading: number;
  align?: 'justify' | 'left' | 'center' | 'right';
  /** Left indent of every line, and extra for lines after the first (hanging). */
  indent?: number;
  hanging?: number;
  rightIndent?: number;
  spaceBefore?: number;
  spaceAfter?: number;
  gray?: boolean;
  /** Lines that must stay on one page with the first line (headings: 2 keeps one line of what follows). */
  keepLines?: number;
}

interface Line {
  text: string;
  width: number;
  spaces: number;
}

/** Breaks WinAnsi-safe text into lines no wider than `width` (the first line may differ). */
export function wrap(safe: string, metrics: FontMetrics, size: number, width: number, firstWidth = width): Line[] {
  const words = safe.split(' ').filter(Boolean);
  const space = metrics.width(' ', size);
  const lines: Line[] = [];
  let cur = '';
  let curW = 0;
  let spaces = 0;
  const limit = () => (lines.length === 0 ? firstWidth : width);
  const flush = () => {
    if (cur) lines.push({ text: cur, width: curW, spaces });
    cur = '';
    curW = 0;
    spaces = 0;
  };
  for (let word of words) {
    let w = metrics.width(word, size);
    if (cur && curW + space + w <= limit()) {
      cur += ' ' + word;
      curW += space + w;
      spaces++;
      continue;
    }
    flush();
    // A word longer than a whole line (a long URL): break it by characters.
    while (w > limit()) {
      let cut = 1;
      let cw = metrics.width(word[0], size);
      while (cut < word.length) {
        const next = cw + metrics.width(word[cut], size);
        if (next > limit()) break;
        cw = next;
        cut++;
      }
      lines.push({ text: word.slice(0, cut), width: cw, spaces: 0 });
      word = word.slice(cut);
      w = metrics.width(word, size);
    }
    cur = word;
    curW = w;
  }
  flush();
  return lines;
}

interface PageDraft {
  ops: string[];
  /** Footer text on the left (citation or site name) and the running head (pages after an article's first). */
  footer: string;
  runningHead: string | null;
  /** Filled in after layout, e.g. page numbers in a packet's contents. */
  late: ((pageNumberOf: (marker: number) => number) => string)[];
}

/**
 * Sets text onto letter pages top to bottom, breaking pages as it goes. Footers (which need
 * the page count) and anything else that must wait for layout are drawn in finish().
 */
export class Typesetter {
  readonly pages: PageDraft[] = [];
  private y = 0;
  private footer = '';
  private runningHead: string | null = null;
  private markers: number[] = [];

  constructor(private readonly site: PdfSite, private readonly stampLine: string) {}

  get page(): PageDraft {
    return this.pages[this.pages.length - 1];
  }

  /** Starts a new page; `footer` is the left footer text from here on. */
  newPage(opts: { footer?: string; runningHead?: string | null } = {}): void {
    if (opts.footer !== undefined) this.footer = opts.footer;
    if (opts.runningHead !== undefined) this.runningHead = opts.runningHead;
    this.pages.push({ ops: [], footer: this.footer, runningHead: this.runningHead, late: [] });
    this.y = PAGE.height - PAGE.top - (this.runningHead ? 14 : 0);
  }

  /** Later pages of the current article show this running head. */
  setRunningHead(head: string | null): void {
    this.runningHead = head;
  }

  /** A marker for "the page this is on", resolved to a page number after layout. */
  mark(): number {
    this.markers.push(this.pages.length);
    return this.markers.length - 1;
  }

  space(h: number): void {
    this.y -= h;
  }

  /** Makes sure `h` points fit on this page, else starts the next. */
  ensure(h: number): void {
    if (this.y - h < PAGE.bottom) this.newPage();
  }

  get cursor(): number {
    return this.y;
  }

  private drawLine(line: Line, style: TextStyle, x: number, avail: number, last: boolean): void {
    const f = FONTS[style.font];
    let tw = 0;
    let dx = 0;
    const align = style.align ?? 'left';
    if (align === 'justify' && !last && line.spaces > 0) {
      const stretch = (avail - line.width) / line.spaces;
      // Justify unless it would open rivers (a nearly empty line).
      if (stretch > 0 && stretch < style.size * 0.9) tw = stretch;
    } else if (align === 'center') dx = (avail - line.width) / 2;
    else if (align === 'right') dx = avail - line.width;
    const baseline = this.y - style.size;
    this.page.ops.push(
      `BT ${style.gray ? GRAY : '0 g'} /${f.key} ${style.size} Tf ${n2(tw)} Tw 1 0 0 1 ${n2(x + dx)} ${n2(baseline)} Tm ${winAnsiHex(line.text)} Tj ET`,
    );
  }

  private atTop(): boolean {
    return this.y >= PAGE.height - PAGE.top - 14;
  }

  /** A paragraph of text (any Unicode: it is made safe for the standard fonts here). Returns where its first line went. */
  paragraph(text: string, style: TextStyle): { pageIndex: number; baseline: number } | null {
    const safe = toWinAnsi(text).replace(/[ \n\r\t]+/g, ' ').trim();
    if (!safe) return null;
    let first: { pageIndex: number; baseline: number } | null = null;
    const f = FONTS[style.font];
    const indent = style.indent ?? 0;
    const hanging = style.hanging ?? 0;
    const avail = TEXT_WIDTH - indent - (style.rightIndent ?? 0);
    const lines = wrap(safe, f.metrics, style.size, avail - hanging, avail);
    if (style.spaceBefore && !this.atTop()) this.y -= style.spaceBefore;
    // Keep headings with what follows, and never leave a paragraph's first line alone at the foot of a page.
    const keep = Math.max(Math.min(lines.length, 2), style.keepLines ?? 1);
    this.ensure(style.leading * (keep - 1) + style.size);
    for (let i = 0; i < lines.length; i++) {
      if (i > 0) {
        // Nor its last line alone at the top of the next.
        const need = lines.length - i === 2 ? style.leading + style.size : style.size;
        if (this.y - need < PAGE.bottom) this.newPage();
      }
      const x = PAGE.left + indent + (i > 0 ? hanging : 0);
      if (i === 0) first = { pageIndex: this.pages.length - 1, baseline: this.y - style.size };
      this.drawLine(lines[i], style, x, i > 0 ? avail - hanging : avail, i === lines.length - 1);
      this.y -= style.leading;
    }
    this.y -= style.spaceAfter ?? 0;
    return first;
  }

  /** A horizontal rule across the text column. */
  rule(weight = 0.5): void {
    this.ensure(14);
    this.y -= 2;
    this.page.ops.push(`q 0.35 G ${weight} w ${PAGE.left} ${n2(this.y)} m ${PAGE.width - PAGE.right} ${n2(this.y)} l S Q`);
    this.y -= 12;
  }

  /** Draws something on a page after layout (it may need the page numbers of markers). */
  late(pageIndex: number, draw: (pageNumberOf: (marker: number) => number) => string): void {
    this.pages[pageIndex].late.push(draw);
  }

  /** Text at an absolute position (furniture); `align` relative to x. */
  static text(safeOrAny: string, font: FontId, size: number, x: number, y: number, opts: { align?: 'left' | 'right' | 'center'; gray?: boolean } = {}): string {
    const safe = toWinAnsi(safeOrAny).replace(/\s+/g, ' ').trim();
    const f = FONTS[font];
    const w = f.metrics.width(safe, size);
    const dx = opts.align === 'right' ? -w : opts.align === 'center' ? -w / 2 : 0;
    return `BT ${opts.gray ? GRAY : '0 g'} /${f.key} ${size} Tf 0 Tw 1 0 0 1 ${n2(x + dx)} ${n2(y)} Tm ${winAnsiHex(safe)} Tj ET`;
  }

  /** Truncates text to fit a width, with an ellipsis. */
  static fit(text: string, font: FontId, size: number, width: number): string {
    const safe = toWinAnsi(text).replace(/\s+/g, ' ').trim();
    const m = FONTS[font].metrics;
    if (m.width(safe, size) <= width) return safe;
    let s = safe;
    while (s.length > 1 && m.width(s + '…', size) > width) s = s.slice(0, -1);
    return s.trimEnd() + '…';
  }

  /** Footers, running heads and late drawings; then the PDF. */
  async finish(meta: { title: string; author?: string; subject?: string; keywords?: string[]; now: Date }): Promise<Uint8Array> {
    const doc = await PDFDocument.create({ updateMetadata: false });
    const ctx = doc.context;
    const fontRefs: Record<string, PDFRef> = {};
    for (const f of Object.values(FONTS)) {
      fontRefs[f.key] = ctx.register(ctx.obj({ Type: 'Font', Subtype: 'Type1', BaseFont: f.metrics.baseFont, Encoding: 'WinAnsiEncoding' }));
    }
    const resources = ctx.register(ctx.obj({ Font: fontRefs }));
    const total = this.pages.length;
    const pageOfMarker = (m: number) => this.markers[m] ?? 1;
    const stamp = Typesetter.fit(this.stampLine, 'sans', 7.5, TEXT_WIDTH);
    for (let i = 0; i < total; i++) {
      const draft = this.pages[i];
      const ops = draft.ops;
      if (draft.runningHead) {
        const right = draft.footer;
        const rightW = FONTS.sans.metrics.width(toWinAnsi(right), 8);
        ops.push(Typesetter.text(Typesetter.fit(draft.runningHead, 'sans', 8, TEXT_WIDTH - rightW - 24), 'sans', 8, PAGE.left, PAGE.height - 44, { gray: true }));
        ops.push(Typesetter.text(right, 'sans', 8, PAGE.width - PAGE.right, PAGE.height - 44, { align: 'right', gray: true }));
      }
      ops.push(`q 0.6 G 0.5 w ${PAGE.left} 52 m ${PAGE.width - PAGE.right} 52 l S Q`);
      ops.push(Typesetter.text(draft.footer, 'sans', 8, PAGE.left, 40));
      ops.push(Typesetter.text(`Page ${i + 1} of ${total}`, 'sans', 8, PAGE.width - PAGE.right, 40, { align: 'right' }));
      ops.push(Typesetter.text(stamp, 'sans', 7.5, PAGE.width / 2, 27, { align: 'center', gray: true }));
      for (const draw of draft.late) ops.push(draw(pageOfMarker));
      const content = zlib.deflateSync(Buffer.from(ops.join('\n'), 'latin1'), { level: 6 });
      const streamRef = ctx.register(ctx.stream(content, { Filter: 'FlateDecode' }));
      const page = doc.addPage([PAGE.width, PAGE.height]);
      page.node.set(PDFName.Resources, resources);
      page.node.set(PDFName.Contents, streamRef);
    }
    doc.setTitle(meta.title, { showInWindowTitleBar: true });
    if (meta.author) doc.setAuthor(meta.author);
    if (meta.subject) doc.setSubject(meta.subject);
    if (meta.keywords?.length) doc.setKeywords(meta.keywords);
    doc.setCreator(this.site.name);
    doc.setProducer('Masthead');
    doc.setLanguage('en-US');
    doc.setCreationDate(meta.now);
    doc.setModificationDate(meta.now);
    return doc.save({ useObjectStreams: false, objectsPerTick: Infinity, addDefaultPage: false, updateFieldAppearances: false });
  }
}

// ---------------------------------------------------------------- the article

export const STYLES = {
  masthead: { font: 'sansBold', size: 8.5, leading: 11, gray: true },
  title: { font: 'bold', size: 22, leading: 26, spaceAfter: 6, keepLines: 3 },
  dek: { font: 'italic', size: 13, leading: 17, spaceAfter: 6 },
  byline: { font: 'sans', size: 8.5, leading: 12, gray: true, spaceAfter: 2 },
  body: { font: 'roman', size: 11, leading: 15, align: 'justify', spaceAfter: 6 },
  quote: { font: 'italic', size: 10.5, leading: 14.5, align: 'justify', indent: 24, rightIndent: 24, spaceAfter: 6 },
  item: { font: 'roman', size: 11, leading: 15, indent: 18, hanging: 0, spaceAfter: 3 },
  ornament: { font: 'roman', size: 11, leading: 15, align: 'center', spaceAfter: 6 },
  heading: { font: 'sansBold', size: 9, leading: 12, spaceBefore: 8, spaceAfter: 2, keepLines: 2 },
  small: { font: 'roman', size: 10, leading: 13, spaceAfter: 2 },
} satisfies Record<string, TextStyle>;

type Block = { kind: 'para' | 'quote' | 'ornament'; text: string } | { kind: 'item'; marker: string; text: string };

/** The plain-text body (blocks separated by blank lines) as paragraphs, quotes and list items. */
export function bodyBlocks(bodyText: string): Block[] {
  const out: Block[] = [];
  for (const raw of bodyText.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n+/)) {
    const block = raw.replace(/^\n+|\n+$/g, '');
    if (!block.trim()) continue;
    if (block.trim() === '* * *') {
      out.push({ kind: 'ornament', text: '* * *' });
      continue;
    }
    const lines = block.split('\n');
    if (lines.every((l) => l.startsWith('>'))) {
      out.push({ kind: 'quote', text: lines.map((l) => l.replace(/^(>\s?)+/, '')).join(' ') });
      continue;
    }
    const itemRe = /^\s*(- |\d+\. )/;
    if (itemRe.test(lines[0])) {
      for (const l of lines) {
        const m = itemRe.exec(l);
        const last = out[out.length - 1];
        if (m) out.push({ kind: 'item', marker: m[1].trim() === '-' ? '•' : m[1].trim(), text: l.slice(m[0].length) });
        else if (last && last.kind === 'item') last.text += ' ' + l.trim();
        else out.push({ kind: 'para', text: l });
      }
      continue;
    }
    out.push({ kind: 'para', text: lines.join(' ') });
  }
  return out;
}

function authorsLine(view: ArticleView): string | null {
  const names = view.authors.map((a) => a.name);
  if (!names.length) return null;
  const joined = names.length <= 2 ? names.join(' and ') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return `By ${joined}`;
}

/** Sets one article from its first page: masthead line, title, dek, byline, body, sources. */
export function setArticle(ts: Typesetter, view: ArticleView, site: PdfSite, opts: { samePage?: boolean } = {}): number {
  if (view.bodyText === null) throw new Error(`the viewer may not read "${view.slug}" in full: no PDF`);
  const footer = view.citation ?? site.name;
  if (!opts.samePage || !ts.pages.length) ts.newPage({ footer, runningHead: null });
  const marker = ts.mark();
  const issueLine = [site.name.toUpperCase(), view.citation].filter(Boolean).join('  ·  ');
  ts.paragraph(issueLine, STYLES.masthead);
  ts.rule();
  ts.paragraph(view.title, STYLES.title);
  if (view.dek) ts.paragraph(view.dek, STYLES.dek);
  const by = [authorsLine(view), longDate(view.publishedAt)].filter(Boolean).join('  ·  ');
  if (by) ts.paragraph(by, STYLES.byline);
  ts.paragraph(`${site.baseUrl}${view.url}`, STYLES.byline);
  ts.space(8);
  ts.setRunningHead(view.title);
  for (const b of bodyBlocks(view.bodyText)) {
    switch (b.kind) {
      case 'para':
        ts.paragraph(b.text, STYLES.body);
        break;
      case 'quote':
        ts.paragraph(b.text, STYLES.quote);
        break;
      case 'ornament':
        ts.paragraph(b.text, STYLES.ornament);
        break;
      case 'item':
        ts.paragraph(`${b.marker} ${b.text}`, { ...STYLES.item, hanging: b.marker.length > 1 ? 14 : 10 });
        break;
    }
  }
  if (view.sources.length) {
    ts.paragraph('SOURCES', STYLES.heading);
    const withUrls = view.sources.some((s) => s.url);
    if (withUrls) {
      for (const s of view.sources) ts.paragraph(s.url ? `${s.name}: ${s.url}` : s.name, { ...STYLES.small, indent: 10, hanging: 10 });
    } else {
      ts.paragraph(view.sources.map((s) => s.name).join(', '), STYLES.small);
    }
  }
  return marker;
}

/** The article as a PDF for one reader. `view` must come from presentArticle for that reader. */
export async function renderArticlePdf(view: ArticleView, site: PdfSite, licensee: Licensee | null, now: Date = new Date()): Promise<Uint8Array> {
  const ts = new Typesetter(site, licenseLine(licensee, site, now));
  setArticle(ts, view, site);
  return ts.finish({
    title: view.title,
    author: view.authors.map((a) => a.name).join(', ') || undefined,
    subject: view.citation ? `${site.name}, ${view.citation}` : site.name,
    keywords: view.topics.map((t) => t.name),
    now,
  });
}

/** "pln-2025-03-p45-<slug>" (no extension): names that sort by issue and page. */
export function pdfBaseName(view: Pick<ArticleView, 'slug' | 'issue' | 'pages'>, site: Pick<PdfSite, 'abbreviation'>): string {
  const abbr = (view.issue?.publication || site.abbreviation || 'article').toLowerCase().replace(/[^a-z0-9]+/g, '') || 'article';
  const slug = view.slug.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'article';
  if (!view.issue) return `${abbr}-${slug}`;
  const month = String(view.issue.month).padStart(2, '0');
  const page = view.pages ? `-p${view.pages.first}` : '';
  return `${abbr}-${view.issue.year}-${month}${page}-${slug}`;
}
