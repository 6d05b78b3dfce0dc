import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { createDownloadApp, reader, get, pdfText, popplerPages, type DownloadApp, type Reader } from '../fixtures/download-app.ts';
import { makeIssuePdf, issuePageText } from '../fixtures/issue-pdf.ts';
import { runIssuePdf } from '../../src/cli/issue-pdf.ts';
import { readFile } from '../../src/store/files.ts';

// The print issue's PDF: uploaded by an editor from the command line, downloaded by
// subscribers stamped with their name on every page, resumable with Range requests.

const PAGES = 7;
const URL = '/api/v1/issues/2025/03/pdf';

let t: DownloadApp;
let original: Uint8Array;
let sub: Reader;

function cli(args: string[]) {
  let out = '';
  let err = '';
  const io = { out: (s: string) => (out += s), err: (s: string) => (err += s) };
  return runIssuePdf({ values: {}, positionals: args }, io, t.env).then((code) => ({ code, out, err }));
}

before(async () => {
  t = await createDownloadApp();
  original = await makeIssuePdf({ pages: PAGES, pageBytes: 30_000, rotateSome: 90 });
  fs.writeFileSync(path.join(t.dataDir, 'pln-2025-03.pdf'), original);
  sub = await reader(t, 'current');
});
after(async () => t?.cleanup());

async function issueFileCount() {
  return Number((await t.store.db.selectFrom('files').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
}

test('masthead issue-pdf refuses bad input with a clear message and writes nothing', async () => {
  const notPdf = path.join(t.dataDir, 'cover.pdf');
  fs.writeFileSync(notPdf, 'this is a text file with a .pdf name');
  const truncated = path.join(t.dataDir, 'broken.pdf');
  fs.writeFileSync(truncated, '%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n');
  const cases: [string[], number, RegExp][] = [
    [['2025-03'], 2, /name the issue and the PDF file/],
    [['2025-13', 'x.pdf'], 2, /must be YYYY-MM/],
    [['March', 'x.pdf'], 2, /must be YYYY-MM/],
    [['2025-03', path.join(t.dataDir, 'missing.pdf')], 1, /missing\.pdf: no such file/],
    [['2025-03', notPdf], 1, /not a PDF/],
    [['2025-03', truncated], 1, /broken\.pdf: /],
    [['2031-01', path.join(t.dataDir, 'pln-2025-03.pdf')], 1, /PLN has no issue 2031-01/],
  ];
  for (const [args, code, message] of cases) {
    const r = await cli(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, message);
  }
  assert.equal(await issueFileCount(), 0);
});

test('an editor uploads the issue PDF; it is stored by content with its hash, in one step', async () => {
  const r = await cli(['2025-03', path.join(t.dataDir, 'pln-2025-03.pdf')]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`PLN 2025-03: uploaded .*\\(${PAGES} pages`));
  const issue = await t.store.db.selectFrom('issues').select(['pdf_file_id']).where('year', '=', 2025).where('month', '=', 3).executeTakeFirstOrThrow();
  assert.ok(issue.pdf_file_id);
  const file = await readFile(t.store.db, issue.pdf_file_id);
  assert.ok(file);
  assert.equal(file.contentType, 'application/pdf');
  assert.equal(file.size, original.length);
  assert.ok(Buffer.from(original).equals(file.content));
  assert.match(file.sha256, /^[0-9a-f]{64}$/);
  // Uploading again replaces the file; the old one is gone.
  const again = await cli(['2025-03', path.join(t.dataDir, 'pln-2025-03.pdf')]);
  assert.equal(again.code, 0);
  assert.match(again.out, /replacing the earlier upload/);
  assert.equal(await issueFileCount(), 1);
});

test('a subscriber gets the issue stamped with their e-mail on every page, the content untouched', async () => {
  const res = await get(t, URL, sub);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/pdf');
  assert.equal(res.headers['content-disposition'], 'attachment; filename="pln-2025-03.pdf"');
  assert.equal(res.headers['cache-control'], 'private, no-store');
  assert.equal(res.headers['accept-ranges'], 'bytes');
  assert.match(String(res.headers.etag), /^"[0-9a-f]{40}"$/);
  assert.equal(Number(res.headers['content-length']), res.rawPayload.length);
  const pdf = res.rawPayload;
  // An incremental update: the original bytes come first, unchanged.
  assert.ok(pdf.subarray(0, original.length).equals(Buffer.from(original)));
  const doc = await PDFDocument.load(pdf);
  assert.equal(doc.getPageCount(), PAGES);
  const pages = popplerPages(pdf);
  if (pages !== null) assert.equal(pages, PAGES);
  const whole = pdfText(pdf);
  if (whole !== null) {
    assert.equal(whole.split(sub.email).length - 1, PAGES, 'the e-mail once per page');
    for (let p = 1; p <= PAGES; p++) {
      const text = pdfText(pdf, p)!;
      assert.ok(text.includes(issuePageText(p)), `page ${p} keeps its content`);
      assert.ok(text.includes(`Licensed to Jane Q. Reader <${sub.email}> · ${new Date().toISOString().slice(0, 10)}`), `page ${p} is stamped`);
    }
  }
  // The same reader on the same day gets the same bytes (and ETag); another reader their own stamp.
  const again = await get(t, URL, sub);
  assert.ok(again.rawPayload.equals(pdf));
  assert.equal(again.headers.etag, res.headers.etag);
  const other = await reader(t, 'current', { name: 'Otto Other' });
  const theirs = await get(t, URL, other);
  assert.notEqual(theirs.headers.etag, res.headers.etag);
  const theirText = pdfText(theirs.rawPayload);
  if (theirText !== null) {
    assert.ok(theirText.includes(other.email));
    assert.ok(!theirText.includes(sub.email));
  }
  const log = await t.store.db.selectFrom('downloads').selectAll().where('user_id', '=', sub.id).where('kind', '=', 'issue-pdf').execute();
  assert.equal(log.length, 2);
  assert.equal(log[0].ref, '2025-03');
});

test('Range requests: 206 with the right slice, suffix ranges, 416 past the end, If-Range', async () => {
  const full = (await get(t, URL, sub)).rawPayload;
  const total = full.length;
  const before = (await t.store.db.selectFrom('downloads').selectAll().where('user_id', '=', sub.id).execute()).length;

  const mid = await get(t, URL, sub, { range: 'bytes=1000-1999' });
  assert.equal(mid.statusCode, 206);
  assert.equal(mid.headers['content-range'], `bytes 1000-1999/${total}`);
  assert.equal(Number(mid.headers['content-length']), 1000);
  assert.ok(mid.rawPayload.equals(full.subarray(1000, 2000)));
  assert.equal(mid.headers['cache-control'], 'private, no-store');

  // Across the end of the original file into the stamp.
  const seam = await get(t, URL, sub, { range: `bytes=${original.length - 10}-` });
  assert.equal(seam.statusCode, 206);
  assert.ok(seam.rawPayload.equals(full.subarray(original.length - 10)));

  const tail = await get(t, URL, sub, { range: 'bytes=-500' });
  assert.equal(tail.statusCode, 206);
  assert.equal(tail.headers['content-range'], `bytes ${total - 500}-${total - 1}/${total}`);
  assert.ok(tail.rawPayload.equals(full.subarray(total - 500)));

  const past = await get(t, URL, sub, { range: `bytes=${total}-` });
  assert.equal(past.statusCode, 416);
  assert.equal(past.headers['content-range'], `bytes */${total}`);
  assert.ok(!past.rawPayload.includes('%PDF-'));

  // A stale validator: the whole (current) file.
  const stale = await get(t, URL, sub, { range: 'bytes=0-99', 'if-range': '"0000"' });
  assert.equal(stale.statusCode, 200);
  assert.equal(stale.rawPayload.length, total);
  const fresh = await get(t, URL, sub, { range: 'bytes=0-99', 'if-range': String(mid.headers.etag) });
  assert.equal(fresh.statusCode, 206);
  assert.ok(fresh.rawPayload.equals(full.subarray(0, 100)));
  // Malformed or multiple ranges are ignored.
  assert.equal((await get(t, URL, sub, { range: 'bytes=0-1,5-9' })).statusCode, 200);
  assert.equal((await get(t, URL, sub, { range: 'pages=1' })).statusCode, 200);

  // Resuming a download already counted today is not another download; starting one is.
  const rows = await t.store.db.selectFrom('downloads').selectAll().where('user_id', '=', sub.id).execute();
  // New rows: the suffix range, the two 0-99 requests and the two ignored ranges; the resumptions added none.
  assert.equal(rows.length - before, 5);
});

test('issue PDFs need a subscription; unknown issues and issues without a PDF are 404', async () => {
  const metered = await reader(t, 'none');
  const expired = await reader(t, 'expired');
  for (const who of [null, metered, expired]) {
    const res = await get(t, URL, who);
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error, 'forbidden');
    assert.ok(!res.rawPayload.includes('%PDF-'));
    // Range requests don't get around it.
    assert.equal((await get(t, URL, who, { range: 'bytes=0-' })).statusCode, 403);
  }
  assert.equal((await get(t, '/api/v1/issues/2031/01/pdf', sub)).statusCode, 404);
  assert.equal((await get(t, '/api/v1/issues/2025/13/pdf', sub)).statusCode, 404);
  assert.equal((await get(t, '/api/v1/issues/abcd/01/pdf', sub)).statusCode, 404);
  const none = await get(t, '/api/v1/issues/2025/01/pdf', sub);
  assert.equal(none.statusCode, 404);
  assert.match(none.json().message, /has not been uploaded/);
});

test('the issue download counts against the daily limit; resuming it does not', async () => {
  const limited = await createDownloadApp({ DAILY_DOWNLOAD_LIMIT: '1' });
  try {
    const file = path.join(limited.dataDir, 'issue.pdf');
    fs.writeFileSync(file, original);
    assert.equal(await runIssuePdf({ values: {}, positionals: ['2025-03', file] }, { out: () => {}, err: () => {} }, limited.env), 0);
    const r = await reader(limited, 'current');
    const first = await get(limited, URL, r, { range: 'bytes=0-4999' });
    assert.equal(first.statusCode, 206);
    const rest = await get(limited, URL, r, { range: 'bytes=5000-' });
    assert.equal(rest.statusCode, 206, 'resuming is not another download');
    assert.ok(Buffer.concat([first.rawPayload, rest.rawPayload]).subarray(0, original.length).equals(Buffer.from(original)));
    assert.equal((await get(limited, URL, r)).statusCode, 429);
    // A fresh reader can't skip the count by starting mid-file either.
    const sneaky = await reader(limited, 'current');
    assert.equal((await get(limited, URL, sneaky, { range: 'bytes=1-' })).statusCode, 206);
    assert.equal((await get(limited, URL, sneaky, { range: 'bytes=0-0' })).statusCode, 429);
  } finally {
    await limited.cleanup();
  }
});
