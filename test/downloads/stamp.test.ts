import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PDFDocument } from 'pdf-lib';
import { stampPdf, prepareStamp, toWinAnsi, StampSourceCache, StampError } from '../../src/downloads/stamp.ts';
import { parseRange } from '../../src/web/routes/downloads.ts';
import { saveFile, readFile, looksLikePdf } from '../../src/store/files.ts';
import { createTestDatabase } from '../support/db.ts';
import { makeIssuePdf, issuePageText } from '../fixtures/issue-pdf.ts';
import { pdfText, popplerPages } from '../fixtures/download-app.ts';

// Stamping without re-rendering: structure variants of real-world PDFs, determinism, and the
// pieces around it (ranges, text encoding, the file store).

const STAMP = 'Licensed to Ana Núñez <ana@example.org> · 2025-11-27';

async function assertStamped(original: Uint8Array, pages: number, label: string) {
  const out = await stampPdf(original, STAMP);
  assert.ok(Buffer.from(out.subarray(0, original.length)).equals(Buffer.from(original)), `${label}: original bytes kept`);
  assert.equal((await PDFDocument.load(out)).getPageCount(), pages, `${label}: pdf-lib reads it`);
  const count = popplerPages(out);
  if (count !== null) assert.equal(count, pages, `${label}: poppler reads it`);
  for (let p = 1; p <= pages; p++) {
    const text = pdfText(out, p);
    if (text !== null) assert.ok(text.includes(STAMP), `${label}: page ${p} stamped: ${text}`);
  }
  assert.ok(Buffer.from(await stampPdf(original, STAMP)).equals(Buffer.from(out)), `${label}: deterministic`);
  return out;
}

/** A small PDF written by hand: resources inherited from the page tree, contents as an array, a classic xref. */
function handMadePdf(opts: { startxref?: boolean } = {}): Uint8Array {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 /MediaBox [0 0 420 595] /Resources << /Font << /F1 5 0 R >> >> >>',
    '<< /Type /Page /Parent 2 0 R /Contents [6 0 R 7 0 R] >>',
    '<< /Type /Page /Parent 2 0 R /Contents 8 0 R /CropBox [10 10 400 580] /Rotate 180 >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>',
  ];
  const streams = ['BT /F1 12 Tf 50 500 Td (Hand made page one) Tj ET', '2 0 0 2 0 0 cm', 'BT /F1 12 Tf 50 500 Td (Hand made page two) Tj ET'];
  for (const s of streams) objects.push(`<< /Length ${s.length} >>\nstream\n${s}\nendstream`);
  let body = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f\r\n`;
  for (const off of offsets) body += `${String(off).padStart(10, '0')} 00000 n\r\n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>] >>\n`;
  if (opts.startxref !== false) body += `startxref\n${xref}\n%%EOF`;
  return Buffer.from(body, 'latin1');
}

test('stamps every page of PDFs with a cross-reference stream and with a classic table, rotated pages too', async () => {
  await assertStamped(await makeIssuePdf({ pages: 4, objectStreams: true, rotateSome: 90 }), 4, 'xref stream');
  await assertStamped(await makeIssuePdf({ pages: 4, objectStreams: false, rotateSome: 270 }), 4, 'classic');
  await assertStamped(await makeIssuePdf({ pages: 3, objectStreams: false, rotateSome: 180 }), 3, 'upside down');
});

test('inherited resources, content arrays, crop boxes, a file without a final newline; stamping a stamped file again', async () => {
  const original = handMadePdf();
  assert.equal((await prepareStamp(original)).kind, 'incremental');
  const once = await assertStamped(original, 2, 'hand made');
  const text = pdfText(once);
  if (text !== null) {
    assert.ok(text.includes('Hand made page one'));
    assert.ok(text.includes('Hand made page two'));
  }
  // The file's own font is still found through the page tree.
  const twice = await stampPdf(once, 'Second');
  assert.equal((await PDFDocument.load(twice)).getPageCount(), 2);
  if (popplerPages(twice) !== null) assert.equal(popplerPages(twice), 2);
  // (The two stamps overlap, so their words interleave in the extracted text.)
  const t2 = pdfText(twice, 2);
  if (t2 !== null) assert.ok(t2.includes('Second') && t2.includes('Hand made page two'), t2);
});

test('a file without startxref is stamped by rewriting it', async () => {
  const broken = handMadePdf({ startxref: false });
  assert.equal((await prepareStamp(broken)).kind, 'rewrite');
  const out = await stampPdf(broken, STAMP);
  assert.equal((await PDFDocument.load(out)).getPageCount(), 2);
  const text = pdfText(out);
  if (text !== null) assert.equal(text.split(STAMP).length - 1, 2);
});

test('unreadable, encrypted or empty PDFs are refused with a StampError', async () => {
  await assert.rejects(prepareStamp(Buffer.from('%PDF-1.4\ngarbage')), StampError);
  const enc = Buffer.from(Buffer.from(handMadePdf()).toString('latin1').replace('/Root 1 0 R', '/Root 1 0 R /Encrypt << /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >>'), 'latin1');
  await assert.rejects(prepareStamp(enc), /encrypted/);
});

test('a file read and parsed once serves many stamps, each with its own text; the cache keeps to its size', async () => {
  const original = await makeIssuePdf({ pages: 2 });
  const cache = new StampSourceCache(original.length * 2.5);
  let loads = 0;
  const load = async () => {
    loads++;
    return original;
  };
  const src = await cache.get('1:aaa', original.length, load);
  assert.ok(src);
  assert.equal(await cache.get('1:aaa', original.length, load), src);
  assert.equal(loads, 1);
  const a = await stampPdf(src.content, 'Licensed to A', src.plan);
  const b = await stampPdf(src.content, 'Licensed to B', src.plan);
  assert.ok(Buffer.from(a).equals(Buffer.from(await stampPdf(original, 'Licensed to A'))), 'cached plan gives the same bytes');
  const text = pdfText(b);
  if (text !== null) assert.ok(text.includes('Licensed to B') && !text.includes('Licensed to A') && text.includes(issuePageText(2)));
  // Two more files: the least recently used one goes.
  await cache.get('2:bbb', original.length, load);
  await cache.get('3:ccc', original.length, load);
  assert.deepEqual(cache.size, { files: 2, bytes: original.length * 2 });
  await cache.get('1:aaa', original.length, load);
  assert.equal(loads, 4, 'the first file was evicted and read again');
  // A missing file is not remembered; a file that cannot be stamped is an error, not remembered either.
  assert.equal(await cache.get('4:ddd', 10, async () => null), null);
  await assert.rejects(cache.get('5:eee', 10, async () => Buffer.from('%PDF-1.4 junk')), StampError);
  assert.equal(cache.size.files, 2);
});

test('toWinAnsi keeps what the standard fonts can show and replaces the rest', () => {
  assert.equal(toWinAnsi('Plain “quotes” — dashes – and café'), 'Plain “quotes” — dashes – and café');
  assert.equal(toWinAnsi('Łódź ő ‐ ≥ 😀 北\u200b\tx'), 'Lódz o - >= ? ? x');
  assert.equal(toWinAnsi('a\u0000b\u0007c'), 'abc');
});

test('parseRange follows RFC 9110 for one range', () => {
  assert.deepEqual(parseRange(undefined, 100), { kind: 'full' });
  assert.deepEqual(parseRange('bytes=0-9', 100), { kind: 'partial', start: 0, end: 9 });
  assert.deepEqual(parseRange('bytes=90-', 100), { kind: 'partial', start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=90-500', 100), { kind: 'partial', start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=-10', 100), { kind: 'partial', start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=-1000', 100), { kind: 'partial', start: 0, end: 99 });
  assert.deepEqual(parseRange('bytes=100-', 100), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=-0', 100), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=5-3', 100), { kind: 'full' });
  assert.deepEqual(parseRange('bytes=0-1,3-4', 100), { kind: 'full' });
  assert.deepEqual(parseRange('items=0-1', 100), { kind: 'full' });
});

test('the file store checks content, not names, and keeps the bytes and their hash', async () => {
  const t = await createTestDatabase();
  try {
    const pdf = await makeIssuePdf({ pages: 1 });
    assert.ok(looksLikePdf(pdf));
    const id = await saveFile(t.store.db, { kind: 'issue-pdf', contentType: 'application/pdf', content: Buffer.from(pdf) });
    const f = await readFile(t.store.db, id);
    assert.ok(f && f.content.equals(Buffer.from(pdf)) && f.size === pdf.length);
    const chunked = await readFile(t.store.db, id, { chunkBytes: 1000 });
    assert.ok(chunked && chunked.content.equals(Buffer.from(pdf)), 'read in pieces, the same bytes');
    assert.equal(f.sha256, (await import('node:crypto')).createHash('sha256').update(pdf).digest('hex'));
    await assert.rejects(saveFile(t.store.db, { kind: 'issue-pdf', contentType: 'application/pdf', content: Buffer.from('GIF89a not a pdf') }), /not a PDF/);
    await assert.rejects(saveFile(t.store.db, { kind: 'issue-pdf', contentType: 'application/pdf', content: Buffer.alloc(0) }), /empty/);
    await assert.rejects(saveFile(t.store.db, { kind: 'cover', contentType: 'image/png', content: Buffer.from(pdf) }), /not image\/png/);
    assert.equal(await readFile(t.store.db, 999999), null);
  } finally {
    await t.cleanup();
  }
});
