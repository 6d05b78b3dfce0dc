import { PDFDocument, StandardFonts, beginText, endText, moveText, setFontAndSize, showText, type PDFFont, type PDFName, type PDFOperator } from 'pdf-lib';

// Mailing labels as a printable PDF, laid out for Avery 5160 sheets (and their equivalents:
// US Letter, 3 columns × 10 rows of 2⅝″ × 1″ labels). Each label is a list of lines (name and
// prisoner number, facility, street, city/state/ZIP); long lines are set smaller, down to a
// minimum, then cut with an ellipsis. The standard Helvetica font only has Latin-1 characters:
// accents are kept where it has them, other characters are spelled without their marks or as "?".

const PT = 72; // points per inch

export interface LabelLayout {
  pageWidth: number;
  pageHeight: number;
  columns: number;
  rows: number;
  labelWidth: number;
  labelHeight: number;
  /** Left edge of the first column and top edge of the first row. */
  left: number;
  top: number;
  /** Distance from one column (row) to the next. */
  pitchX: number;
  pitchY: number;
  /** Space kept clear inside each label. */
  padding: number;
}

export const AVERY_5160: LabelLayout = {
  pageWidth: 8.5 * PT, pageHeight: 11 * PT, columns: 3, rows: 10,
  labelWidth: 2.625 * PT, labelHeight: 1 * PT, left: 0.1875 * PT, top: 0.5 * PT,
  pitchX: 2.75 * PT, pitchY: 1 * PT, padding: 0.1 * PT,
};

const MAX_SIZE = 9;
const MIN_SIZE = 6;

/** Text the standard font can draw: Latin-1 kept, other letters without their marks, the rest "?". */
export function latin1(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || (c >= 0x7f && c < 0xa0)) out += ' ';
    else if (c <= 0xff) out += ch;
    else {
      const base = ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
      const map: Record<string, string> = {
        '‘': "'", '’': "'", '“': '"', '”': '"', '–': '-', '—': '-', '…': '...',
        'Đ': 'D', 'đ': 'd', 'Ł': 'L', 'ł': 'l', 'Ħ': 'H', 'ħ': 'h', 'Œ': 'OE', 'œ': 'oe', 'ı': 'i', 'Ŋ': 'N', 'ŋ': 'n',
      };
      out += map[ch] ?? (base.length === 1 && base.codePointAt(0)! <= 0xff ? base : '?');
    }
  }
  return out;
}

/** The line cut with an ellipsis to fit; a trailing prisoner number (" #123") is kept whole. */
function fit(font: PDFFont, line: string, width: number, size: number, lineWidth: number): string {
  if (lineWidth <= width) return line;
  const m = /^(.+?)( #\S+)$/.exec(line);
  const keep = m && font.widthOfTextAtSize(m[2], size) < width / 2 ? m[2] : '';
  const text = keep ? m![1] : line;
  width -= keep ? font.widthOfTextAtSize(keep, size) : 0;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (font.widthOfTextAtSize(`${text.slice(0, mid)}…`, size) <= width) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo).trimEnd()}…${keep}`;
}

export interface LabelsResult {
  pdf: Uint8Array;
  labels: number;
  pages: number;
  /** Labels with a line that had to be cut (check them by hand). */
  cut: number;
}

/** The labels as a PDF, in order, filling each sheet row by row. An empty list gives one empty page. */
export async function labelsPdf(labels: string[][], opts: { title?: string; layout?: LabelLayout; now?: Date } = {}): Promise<LabelsResult> {
  const L = opts.layout ?? AVERY_5160;
  const doc = await PDFDocument.create();
  doc.setTitle(opts.title ?? 'Mailing labels');
  doc.setCreator('Masthead');
  doc.setProducer('Masthead (pdf-lib)');
  const when = opts.now ?? new Date();
  doc.setCreationDate(when);
  doc.setModificationDate(when);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const perPage = L.columns * L.rows;
  const pages = Math.max(1, Math.ceil(labels.length / perPage));
  let cut = 0;
  for (let p = 0; p < pages; p++) {
    const page = doc.addPage([L.pageWidth, L.pageHeight]);
    // Text operators written directly, one text object per label: drawText's checks and
    // transforms cost more than the text itself on a sheet of thousands of labels.
    const keys = new Map<PDFFont, PDFName>([[font, page.node.newFontDictionary(font.name, font.ref)], [bold, page.node.newFontDictionary(bold.name, bold.ref)]]);
    const ops: PDFOperator[] = [];
    for (let i = 0; i < perPage; i++) {
      const n = p * perPage + i;
      if (n >= labels.length) break;
      const col = i % L.columns;
      const row = Math.floor(i / L.columns);
      const x = L.left + col * L.pitchX + L.padding;
      const topY = L.pageHeight - L.top - row * L.pitchY - L.padding;
      const width = L.labelWidth - 2 * L.padding;
      const height = L.labelHeight - 2 * L.padding;
      const lines = labels[n].map(latin1).filter((l) => l.trim() !== '');
      // Widths scale with the size: measured once, at the largest size.
      const widths = lines.map((l, j) => (j === 0 ? bold : font).widthOfTextAtSize(l, MAX_SIZE));
      // The size that fits the label's height; then each line as large as fits its width, down to
      // the minimum (a long name does not shrink the whole label), and cut beyond that.
      let size = MAX_SIZE;
      while (size > MIN_SIZE && lines.length * size * 1.15 > height) size -= 0.5;
      const leading = size * 1.15;
      const maxLines = Math.max(1, Math.floor(height / leading));
      let wasCut = lines.length > maxLines;
      const shown = lines.slice(0, maxLines);
      ops.push(beginText(), moveText(x, topY - size));
      shown.forEach((line, j) => {
        const f = j === 0 ? bold : font;
        let lineSize = size;
        while (lineSize > MIN_SIZE && (widths[j] * lineSize) / MAX_SIZE > width) lineSize -= 0.5;
        const text = fit(f, line, width, lineSize, (widths[j] * lineSize) / MAX_SIZE);
        if (text !== line) wasCut = true;
        ops.push(setFontAndSize(keys.get(f)!, lineSize));
        if (j > 0) ops.push(moveText(0, -leading));
        ops.push(showText(f.encodeText(text)));
      });
      ops.push(endText());
      if (wasCut) cut++;
    }
    page.pushOperators(...ops);
  }
  const pdf = await doc.save();
  return { pdf, labels: labels.length, pages, cut };
}
