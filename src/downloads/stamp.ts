import {
  PDFDocument, ParseSpeeds, PDFName, PDFDict, PDFArray, PDFRef, PDFNumber, PDFObject, StandardFonts, StandardFontEmbedder,
  type PDFContext, type PDFPage,
} from 'pdf-lib';

// Stamping an uploaded issue PDF for one subscriber: one small line of text in the bottom margin
// of every page, without touching the pages' content. The stamp is written as a PDF incremental
// update: the original bytes, unchanged, followed by a few new objects (a font, the stamp's
// content stream, each page dictionary with the stamp added to its contents) and a
// cross-reference section that points back at the original one. No content is re-rendered or
// re-serialised, so a 20 MB issue costs one parse; with the parse cached per file it costs
// a few string operations.
//
// Stamping is deterministic: the same file and text always give the same bytes, so a resumed
// download (Range) can be served by any instance from a fresh stamp.

// ---------------------------------------------------------------- WinAnsi text (standard fonts)

/** pdf-lib's StandardFonts and the embedder's FontNames are the same strings in two enums. */
type EmbedderFontName = Parameters<typeof StandardFontEmbedder.for>[0];
const embedderFor = (name: StandardFonts) => StandardFontEmbedder.for(name as unknown as EmbedderFontName);

const WIN_ANSI = embedderFor(StandardFonts.Helvetica).encoding;
/** Unicode code point (BMP) → WinAnsi byte, or -1. */
const CP_TO_CODE = new Int16Array(0x10000).fill(-1);
for (const cp of WIN_ANSI.supportedCodePoints) if (cp < 0x10000) CP_TO_CODE[cp] = WIN_ANSI.encodeUnicodeCodePoint(cp).code;

/** Replacements for common characters the standard fonts' WinAnsi encoding lacks. */
const FALLBACKS: Record<string, string> = {
  '\u2010': '-', '\u2011': '-', '\u2012': '–', '\u2015': '—', '\u2043': '-', '\u2212': '-', '\u2E3A': '——',
  '\u2032': "'", '\u2033': '"', '\u201B': '‘', '\u201F': '“', '\u2035': '‘', '\u02BC': '’', '\u02BB': '‘',
  '\u2190': '<-', '\u2192': '->', '\u2194': '<->', '\u21D2': '=>', '\u21D0': '<=',
  '\u2264': '<=', '\u2265': '>=', '\u2260': '!=', '\u2248': '~', '\u2215': '/', '\u2044': '/',
  '\u2023': '•', '\u25CF': '•', '\u25AA': '•', '\u25E6': '•', '\u2219': '·', '\u22C5': '·',
  '\u2116': 'No.', '\u2103': '°C', '\u2109': '°F', '\u2153': '1/3', '\u2154': '2/3', '\u215B': '1/8',
  // Letters whose stroke or bar is not an accent (no decomposition to a base letter).
  'Ł': 'L', 'ł': 'l', 'Đ': 'D', 'đ': 'd', 'Ħ': 'H', 'ħ': 'h', 'ı': 'i', 'Ŧ': 'T', 'ŧ': 't', 'ĸ': 'k', 'Ŀ': 'L', 'ŀ': 'l',
  '\u2713': 'v', '\u2714': 'v', '\u2717': 'x', '\u2718': 'x', '\u2026': '…',
  '\u00AD': '', '\u200B': '', '\u200C': '', '\u200D': '', '\u2060': '', '\uFEFF': '', '\u200E': '', '\u200F': '',
  '\t': ' ', '\u2028': ' ', '\u2029': ' ', '\u3000': ' ', '\u202F': ' ', '\u205F': ' ',
};
for (let cp = 0x2000; cp <= 0x200a; cp++) FALLBACKS[String.fromCharCode(cp)] = ' ';

function fallbackFor(ch: string): string {
  const known = FALLBACKS[ch];
  if (known !== undefined) return known;
  const cp = ch.codePointAt(0)!;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return '';
  // Letters with accents the encoding lacks (ő, ł, ș…): the base letter.
  const base = ch.normalize('NFKD').replace(/\p{M}+/gu, '');
  if (base && base !== ch && [...base].every((c) => c.length === 1 && CP_TO_CODE[c.charCodeAt(0)] >= 0)) return base;
  return '?';
}

/**
 * The text with every character the standard PDF fonts (WinAnsi) cannot show replaced: dashes,
 * quotes and accented Latin letters survive; others become the nearest ASCII or "?". Never throws.
 */
export function toWinAnsi(text: string): string {
  let ok = true;
  for (let i = 0; i < text.length; i++) {
    if (CP_TO_CODE[text.charCodeAt(i)] < 0 || text.charCodeAt(i) < 0x20) {
      ok = false;
      break;
    }
  }
  if (ok) return text;
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const c = ch.length === 1 ? ch.charCodeAt(0) : -1;
    out += c >= 0x20 && CP_TO_CODE[c] >= 0 ? ch : fallbackFor(ch);
  }
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0').toUpperCase());

/** `<…>`: a PDF hex string of WinAnsi-safe text (pass it through toWinAnsi first). */
export function winAnsiHex(safe: string): string {
  let s = '<';
  for (let i = 0; i < safe.length; i++) {
    const code = CP_TO_CODE[safe.charCodeAt(i)];
    s += HEX[code >= 0 ? code : 63];
  }
  return s + '>';
}

/** Glyph widths (1/1000 em) of a standard font by WinAnsi code, for fast measuring. */
export class FontMetrics {
  readonly widths = new Float64Array(256);
  constructor(readonly baseFont: string, fontName: StandardFonts) {
    const embedder = embedderFor(fontName);
    for (const cp of WIN_ANSI.supportedCodePoints) {
      const { code, name } = WIN_ANSI.encodeUnicodeCodePoint(cp);
      this.widths[code] = embedder.font.getWidthOfGlyph(name) ?? 0;
    }
  }

  /** Width in points of WinAnsi-safe text. */
  width(safe: string, size: number): number {
    let w = 0;
    for (let i = 0; i < safe.length; i++) {
      const code = CP_TO_CODE[safe.charCodeAt(i)];
      w += this.widths[code >= 0 ? code : 63];
    }
    return (w * size) / 1000;
  }
}

const HELVETICA = new FontMetrics('Helvetica', StandardFonts.Helvetica);

/** A Type 1 standard-font dictionary with WinAnsi encoding (what standard fonts need). */
export function standardFontDict(baseFont: string): string {
  return `<< /Type /Font /Subtype /Type1 /BaseFont /${baseFont} /Encoding /WinAnsiEncoding >>`;
}

// ---------------------------------------------------------------- geometry

interface Geometry {
  /** The visible box (crop box within the media box): x0, y0, x1, y1. */
  box: [number, number, number, number];
  rotate: 0 | 90 | 180 | 270;
}

function boxOf(arr: PDFArray | undefined, context: PDFContext): [number, number, number, number] | null {
  if (!arr || arr.size() < 4) return null;
  const n: number[] = [];
  for (let i = 0; i < 4; i++) {
    const v = context.lookup(arr.get(i));
    if (!(v instanceof PDFNumber)) return null;
    n.push(v.asNumber());
  }
  return [Math.min(n[0], n[2]), Math.min(n[1], n[3]), Math.max(n[0], n[2]), Math.max(n[1], n[3])];
}

function geometryOf(page: PDFPage, context: PDFContext): Geometry {
  let mediaArr: PDFArray | undefined;
  try {
    mediaArr = page.node.MediaBox();
  } catch {
    mediaArr = undefined; // no MediaBox anywhere up the tree: readers assume US Letter
  }
  const media = boxOf(mediaArr, context) ?? [0, 0, 612, 792];
  const crop = boxOf(page.node.CropBox(), context);
  let box = media;
  if (crop) {
    const b: [number, number, number, number] = [Math.max(media[0], crop[0]), Math.max(media[1], crop[1]), Math.min(media[2], crop[2]), Math.min(media[3], crop[3])];
    if (b[2] > b[0] && b[3] > b[1]) box = b;
  }
  const r = (((page.node.Rotate()?.asNumber() ?? 0) % 360) + 360) % 360;
  const rotate = (r === 90 || r === 180 || r === 270 ? r : 0) as Geometry['rotate'];
  return { box, rotate };
}

const num = (n: number) => (Math.round(n * 100) / 100).toString();

/** The stamp's content stream for one page geometry: restores the original state, then the text. */
function stampContent(g: Geometry, safe: string, fontKey: string): string {
  const [x0, y0, x1, y1] = g.box;
  // Width and height as the reader sees the page (rotated).
  const viewW = g.rotate === 90 || g.rotate === 270 ? y1 - y0 : x1 - x0;
  const viewH = g.rotate === 90 || g.rotate === 270 ? x1 - x0 : y1 - y0;
  const margin = Math.min(36, viewW * 0.05);
  let size = 7.5;
  const natural = HELVETICA.width(safe, size);
  if (natural > viewW - 2 * margin) size = Math.max(3, (size * (viewW - 2 * margin)) / natural);
  const w = HELVETICA.width(safe, size);
  // Position along the viewed bottom edge: u across, v up from the bottom.
  const u = Math.max(margin, (viewW - w) / 2);
  const v = Math.min(14, viewH * 0.02 + 4);
  let m: number[];
  switch (g.rotate) {
    case 0: m = [1, 0, 0, 1, x0 + u, y0 + v]; break;
    case 90: m = [0, 1, -1, 0, x1 - v, y0 + u]; break;
    case 180: m = [-1, 0, 0, -1, x1 - u, y1 - v]; break;
    case 270: m = [0, -1, 1, 0, x0 + v, y1 - u]; break;
  }
  return `\nQ\nq 0.3 g BT /${fontKey} ${num(size)} Tf 0 Tw 0 Tc 100 Tz 0 Tr ${m.map(num).join(' ')} Tm ${winAnsiHex(safe)} Tj ET Q\n`;
}

// ---------------------------------------------------------------- the plan of an update

function bytesOf(obj: PDFObject): Buffer {
  const buf = Buffer.alloc(obj.sizeInBytes());
  obj.copyBytesInto(buf, 0);
  return buf;
}

interface PlanObject {
  num: number;
  gen: number;
  /** Offset from the start of the appended bytes. */
  rel: number;
}

interface IncrementalPlan {
  kind: 'incremental';
  originalLength: number;
  /** The appended objects that do not depend on the text: separator, font, "q" stream, pages. */
  fixed: Buffer;
  fixedObjects: PlanObject[];
  /** One stamp stream per distinct page geometry, at these object numbers. */
  stamps: { num: number; geometry: Geometry }[];
  fontKey: string;
  /** The object number of an update's cross-reference stream (xrefStream), and the new /Size. */
  xrefNum: number;
  xrefStream: boolean;
  prev: number;
  /** /Root, /Info and /ID as in the original trailer. */
  trailerEntries: string;
  pageCount: number;
}

interface RewritePlan {
  kind: 'rewrite';
  pageCount: number;
}

export type StampPlan = IncrementalPlan | RewritePlan;

export class StampError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StampError';
  }
}

/** Parses a PDF as pdf-lib does, refusing what cannot be stamped (encrypted, no pages). */
export async function loadPdf(bytes: Uint8Array): Promise<PDFDocument> {
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(bytes, { parseSpeed: ParseSpeeds.Fastest, updateMetadata: false, ignoreEncryption: true, throwOnInvalidObject: false });
  } catch (err) {
    throw new StampError(`the file could not be read as a PDF: ${(err as Error).message}`);
  }
  if (doc.isEncrypted) throw new StampError('the PDF is encrypted (password-protected); upload an unencrypted file');
  let pages: number;
  try {
    pages = doc.getPageCount();
  } catch (err) {
    throw new StampError(`the PDF's page tree is broken: ${(err as Error).message}`);
  }
  if (pages === 0) throw new StampError('the PDF has no pages');
  return doc;
}

const LATIN1 = 'latin1';

/** The offset in the last `startxref`, and whether it points at a classic table or a stream. */
function previousXref(bytes: Uint8Array): { offset: number; stream: boolean; size: number } | null {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tail = buf.subarray(Math.max(0, buf.length - 2048)).toString(LATIN1);
  const all = [...tail.matchAll(/startxref\s+(\d+)\s+%%EOF/g)];
  const last = all.at(-1);
  if (!last) return null;
  const offset = Number(last[1]);
  if (!Number.isSafeInteger(offset) || offset <= 0 || offset >= buf.length) return null;
  const head = buf.subarray(offset, Math.min(buf.length, offset + 4096)).toString(LATIN1);
  if (/^xref\s/.test(head)) {
    // A classic table: /Size is in the trailer that follows it.
    const rest = buf.subarray(offset).toString(LATIN1);
    const t = /trailer\s*<<[\s\S]*?\/Size\s+(\d+)/.exec(rest);
    return t ? { offset, stream: false, size: Number(t[1]) } : null;
  }
  if (/^\d+\s+\d+\s+obj\s*<</.test(head) && /\/Type\s*\/XRef/.test(head)) {
    const s = /\/Size\s+(\d+)/.exec(head);
    return s ? { offset, stream: true, size: Number(s[1]) } : null;
  }
  return null;
}

function uniqueKey(existing: PDFDict | undefined, base: string): string {
  let key = base;
  for (let i = 1; existing?.has(PDFName.of(key)); i++) key = `${base}${i}`;
  return key;
}

/** The page's contents as a list of references (a single stream or an array of them). */
function contentRefs(page: PDFPage, context: PDFContext): PDFObject[] {
  const raw = page.node.get(PDFName.Contents);
  if (!raw) return [];
  if (raw instanceof PDFArray) return raw.asArray();
  const resolved = context.lookup(raw);
  if (resolved instanceof PDFArray) return resolved.asArray();
  return [raw];
}

/** A copy of the page's dictionary that shows the stamp: contents wrapped, font added. */
function stampedPageDict(page: PDFPage, context: PDFContext, qRef: PDFRef, stampRef: PDFRef, fontRef: PDFRef, fontKey: string): PDFDict {
  const dict = context.obj({});
  for (const [k, v] of page.node.entries()) dict.set(k, v);
  dict.set(PDFName.Contents, context.obj([qRef, ...contentRefs(page, context), stampRef]));
  const resources = page.node.Resources();
  const newResources = context.obj({});
  if (resources) for (const [k, v] of resources.entries()) newResources.set(k, v);
  const fonts = resources?.lookupMaybe(PDFName.Font, PDFDict);
  const newFonts = context.obj({});
  if (fonts) for (const [k, v] of fonts.entries()) newFonts.set(k, v);
  newFonts.set(PDFName.of(fontKey), fontRef);
  newResources.set(PDFName.Font, newFonts);
  dict.set(PDFName.Resources, newResources);
  return dict;
}

/** The font key that no page's own font dictionary uses. */
function stampFontKey(pages: PDFPage[]): string {
  let key = 'MastheadStamp';
  for (let i = 1; ; i++) {
    const clash = pages.some((p) => p.node.Resources()?.lookupMaybe(PDFName.Font, PDFDict)?.has(PDFName.of(key)));
    if (!clash) return key;
    key = `MastheadStamp${i}`;
  }
}

/**
 * Works out everything about a stamp that does not depend on its text: parse once per file
 * (cache the result by the file's hash), then stampParts() is cheap.
 */
export async function prepareStamp(original: Uint8Array): Promise<StampPlan> {
  const doc = await loadPdf(original);
  const context = doc.context;
  const pages = doc.getPages();
  const prev = previousXref(original);
  const root = context.trailerInfo.Root;
  if (!prev || !root) return { kind: 'rewrite', pageCount: pages.length };

  let next = Math.max(context.largestObjectNumber + 1, prev.size);
  const alloc = () => PDFRef.of(next++, 0);
  const fontRef = alloc();
  const qRef = alloc();
  const geometries = new Map<string, { ref: PDFRef; geometry: Geometry }>();
  const fontKey = stampFontKey(pages);

  const chunks: Buffer[] = [];
  const fixedObjects: PlanObject[] = [];
  let rel = 0;
  const push = (b: Buffer) => {
    chunks.push(b);
    rel += b.length;
  };
  const last = original[original.length - 1];
  if (last !== 0x0a && last !== 0x0d) push(Buffer.from('\n', LATIN1));
  const object = (ref: PDFRef, body: Buffer | string) => {
    fixedObjects.push({ num: ref.objectNumber, gen: ref.generationNumber, rel });
    push(Buffer.from(`${ref.objectNumber} ${ref.generationNumber} obj\n`, LATIN1));
    push(typeof body === 'string' ? Buffer.from(body, LATIN1) : body);
    push(Buffer.from('\nendobj\n', LATIN1));
  };
  object(fontRef, standardFontDict('Helvetica'));
  object(qRef, '<< /Length 2 >>\nstream\nq\n\nendstream');

  // Page objects are written after the stamp streams are numbered (they point at them).
  const pageStamps: { page: PDFPage; stampRef: PDFRef }[] = [];
  for (const page of pages) {
    const g = geometryOf(page, context);
    const key = `${g.rotate}:${g.box.join(',')}`;
    let entry = geometries.get(key);
    if (!entry) {
      entry = { ref: alloc(), geometry: g };
      geometries.set(key, entry);
    }
    pageStamps.push({ page, stampRef: entry.ref });
  }
  const seen = new Set<string>();
  for (const { page, stampRef } of pageStamps) {
    const ref = page.ref;
    const id = `${ref.objectNumber} ${ref.generationNumber}`;
    // The same page object twice in the tree (rare, but legal-looking): write it once.
    if (seen.has(id)) continue;
    seen.add(id);
    object(ref, bytesOf(stampedPageDict(page, context, qRef, stampRef, fontRef, fontKey)));
  }

  const trailerEntries = [
    `/Root ${root.toString()}`,
    context.trailerInfo.Info ? `/Info ${context.trailerInfo.Info.toString()}` : '',
    context.trailerInfo.ID ? `/ID ${bytesOf(context.trailerInfo.ID).toString(LATIN1)}` : '',
  ].filter(Boolean).join(' ');

  return {
    kind: 'incremental',
    originalLength: original.length,
    fixed: Buffer.concat(chunks),
    fixedObjects,
    stamps: [...geometries.values()].map((e) => ({ num: e.ref.objectNumber, geometry: e.geometry })),
    fontKey,
    xrefNum: next,
    xrefStream: prev.stream,
    prev: prev.offset,
    trailerEntries,
    pageCount: pages.length,
  };
}

/** Contiguous runs of object numbers, as xref subsections want them. */
function runs(objects: PlanObject[]): PlanObject[][] {
  const sorted = [...objects].sort((a, b) => a.num - b.num);
  const out: PlanObject[][] = [];
  for (const o of sorted) {
    const cur = out.at(-1);
    if (cur && cur.at(-1)!.num + 1 === o.num) cur.push(o);
    else out.push([o]);
  }
  return out;
}

function appendix(plan: IncrementalPlan, text: string): Buffer {
  const safe = toWinAnsi(text).replace(/\s+/g, ' ').trim();
  const objects = [...plan.fixedObjects];
  let rel = plan.fixed.length;
  const parts: string[] = [];
  for (const s of plan.stamps) {
    const content = stampContent(s.geometry, safe, plan.fontKey);
    const obj = `${s.num} 0 obj\n<< /Length ${content.length} >>\nstream\n${content}\nendstream\nendobj\n`;
    objects.push({ num: s.num, gen: 0, rel });
    parts.push(obj);
    rel += obj.length; // latin1: one byte per character
  }
  const base = plan.originalLength;
  let tail: Buffer;
  if (plan.xrefStream) {
    const xrefRel = rel;
    objects.push({ num: plan.xrefNum, gen: 0, rel: xrefRel });
    const groups = runs(objects);
    const data = Buffer.alloc(objects.length * 7);
    let p = 0;
    for (const g of groups) {
      for (const o of g) {
        data[p] = 1;
        data.writeUInt32BE(base + o.rel, p + 1);
        data.writeUInt16BE(o.gen, p + 5);
        p += 7;
      }
    }
    const index = groups.map((g) => `${g[0].num} ${g.length}`).join(' ');
    const head = `${plan.xrefNum} 0 obj\n<< /Type /XRef /Size ${plan.xrefNum + 1} /Index [${index}] /W [1 4 2] /Prev ${plan.prev} ${plan.trailerEntries} /Length ${data.length} >>\nstream\n`;
    tail = Buffer.concat([
      Buffer.from(parts.join('') + head, LATIN1),
      data,
      Buffer.from(`\nendstream\nendobj\nstartxref\n${base + xrefRel}\n%%EOF\n`, LATIN1),
    ]);
  } else {
    const xrefRel = rel;
    let table = 'xref\n';
    for (const g of runs(objects)) {
      table += `${g[0].num} ${g.length}\n`;
      for (const o of g) table += `${String(base + o.rel).padStart(10, '0')} ${String(o.gen).padStart(5, '0')} n\r\n`;
    }
    table += `trailer\n<< /Size ${plan.xrefNum} /Prev ${plan.prev} ${plan.trailerEntries} >>\nstartxref\n${base + xrefRel}\n%%EOF\n`;
    tail = Buffer.from(parts.join('') + table, LATIN1);
  }
  return Buffer.concat([plan.fixed, tail]);
}

/** Stamps by rewriting the whole file with pdf-lib: for files whose structure an update cannot extend. */
async function rewrite(original: Uint8Array, text: string): Promise<Uint8Array> {
  const doc = await loadPdf(original);
  const context = doc.context;
  const pages = doc.getPages();
  const safe = toWinAnsi(text).replace(/\s+/g, ' ').trim();
  const fontKey = stampFontKey(pages);
  const fontRef = context.register(context.obj({ Type: 'Font', Subtype: 'Type1', BaseFont: 'Helvetica', Encoding: 'WinAnsiEncoding' }));
  const qRef = context.register(context.stream('q\n'));
  for (const page of pages) {
    const stampRef = context.register(context.stream(stampContent(geometryOf(page, context), safe, fontKey)));
    const dict = stampedPageDict(page, context, qRef, stampRef, fontRef, fontKey);
    page.node.set(PDFName.Contents, dict.get(PDFName.Contents)!);
    page.node.set(PDFName.Resources, dict.get(PDFName.Resources)!);
  }
  return doc.save({ useObjectStreams: false, objectsPerTick: Infinity, addDefaultPage: false, updateFieldAppearances: false });
}

/** The stamped file as pieces to send one after the other (the original is not copied). */
export async function stampParts(original: Uint8Array, text: string, plan?: StampPlan): Promise<{ parts: Uint8Array[]; length: number; pageCount: number }> {
  const p = plan ?? (await prepareStamp(original));
  if (p.kind === 'rewrite') {
    const out = await rewrite(original, text);
    return { parts: [out], length: out.length, pageCount: p.pageCount };
  }
  if (p.originalLength !== original.length) throw new Error('the stamp plan was made for another file');
  const extra = appendix(p, text);
  return { parts: [original, extra], length: original.length + extra.length, pageCount: p.pageCount };
}

/** The PDF with `text` in the bottom margin of every page. Deterministic for the same inputs. */
export async function stampPdf(original: Uint8Array | Buffer, text: string, plan?: StampPlan): Promise<Uint8Array> {
  const { parts, length } = await stampParts(original, text, plan);
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export interface StampSource {
  content: Uint8Array;
  plan: StampPlan;
}

/**
 * Issue files and their stamp plans, kept in memory by key (file id and hash) up to a total size:
 * the first download of an issue reads and parses it, the next ones only stamp. An issue is
 * downloaded most in the days after it comes out, so the few newest files are what is kept.
 */
export class StampSourceCache {
  private readonly entries = new Map<string, { size: number; value: Promise<StampSource | null> }>();
  private bytes = 0;

  constructor(readonly maxBytes = 192 * 1048576) {}

  get(key: string, size: number, load: () => Promise<Uint8Array | null>): Promise<StampSource | null> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value;
    }
    const value = (async () => {
      const content = await load();
      return content ? { content, plan: await prepareStamp(content) } : null;
    })();
    if (size > this.maxBytes / 2) return value; // too big to keep
    this.entries.set(key, { size, value });
    this.bytes += size;
    const forget = () => this.remove(key, value);
    value.then((v) => (v ? undefined : forget()), forget);
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes || k === key) break;
      this.remove(k, e.value);
    }
    return value;
  }

  private remove(key: string, value: Promise<StampSource | null>): void {
    const e = this.entries.get(key);
    if (!e || e.value !== value) return;
    this.entries.delete(key);
    this.bytes -= e.size;
  }

  get size(): { files: number; bytes: number } {
    return { files: this.entries.size, bytes: this.bytes };
  }
}
