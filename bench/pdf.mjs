#!/usr/bin/env node
// PDF benchmark: article PDF generation and per-subscriber stamping of an issue PDF.
//
//   node bench/pdf.mjs [--runs 100] [--stamp-runs 20] [--no-e2e]
//
// 1. renderArticlePdf for a 2,500-word article (target p95 ≤ 150 ms);
// 2. stampPdf on a 100-page, ~20 MB issue (every page carries ~200 KB of incompressible image
//    data, like a print issue's photos), parsing the file every time (target p95 ≤ 300 ms), and
//    with the parse cached per file as the download route does;
// 3. unless --no-e2e: downloads through the app over HTTP (SQLite in a temporary directory, or
//    PostgreSQL with MASTHEAD_TEST_DB=postgres TEST_DATABASE_URL=…): the first issue download of
//    an instance reads the file from the database; the later ones find it in memory.
import http from 'node:http';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { register } from 'tsx/esm/api';

register();

const { values } = parseArgs({ options: { runs: { type: 'string', default: '100' }, 'stamp-runs': { type: 'string', default: '20' }, 'no-e2e': { type: 'boolean', default: false } } });
const RUNS = Number(values.runs);
const STAMP_RUNS = Number(values['stamp-runs']);

const { renderArticlePdf } = await import('../src/downloads/article-pdf.ts');
const { renderPacket } = await import('../src/downloads/packet.ts');
const { stampPdf, prepareStamp, stampParts } = await import('../src/downloads/stamp.ts');
const { makeIssuePdf } = await import('../test/fixtures/issue-pdf.ts');
const { PDFDocument, ParseSpeeds, StandardFonts } = await import('pdf-lib');

// ---------------------------------------------------------------- helpers

function quantile(sorted, q) {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

async function measure(runs, warmup, fn) {
  for (let i = 0; i < warmup; i++) await fn(i);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn(i);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p95: quantile(times, 0.95), max: times.at(-1), runs };
}

let seed = 42;
function rand() {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
const WORDS = ('the court prisoners jail county officials lawsuit federal judge ruled that state department corrections ' +
  'medical care conditions solitary confinement attorney filed complaint claims damages settlement policy guards ' +
  'facility detention immigration hearing appeal circuit constitutional rights eighth amendment deliberate indifference ' +
  'qualified immunity discovery evidence records report investigation sheriff warden inmates families released million').split(' ');

function sentence() {
  const n = 12 + Math.floor(rand() * 14);
  const w = Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]);
  w[0] = w[0][0].toUpperCase() + w[0].slice(1);
  if (rand() < 0.3) w.splice(4, 0, '“Smith’s');
  return w.join(' ') + (rand() < 0.1 ? '—and more.' : '.');
}

function articleView(words, slug = 'bench-article') {
  const paragraphs = [];
  let count = 0;
  while (count < words) {
    const p = Array.from({ length: 3 + Math.floor(rand() * 4) }, sentence).join(' ');
    paragraphs.push(p);
    count += p.split(' ').length;
  }
  const bodyText = paragraphs.join('\n\n');
  const issue = { year: 2025, month: 3, volume: 36, number: 3, publication: 'PLN' };
  return {
    slug, url: `/articles/${slug}`, title: 'Federal Judge Rules Jail Officials Must Face Trial Over Heat Deaths in Un-Air-Conditioned Cells',
    dek: 'The court found that officials knew temperatures topped 100 degrees and did little about it.', access: 'premium',
    publishedAt: '2025-02-25', updatedAt: '2025-02-25T00:00:00Z', issue, pages: { first: 45, last: 47 }, citation: 'PLN, Mar. 2025, pp.45-47',
    authors: [{ slug: 'r-o', name: 'Renata Ocampo' }], topics: [{ slug: 'conditions', name: 'Prison Conditions' }], places: [],
    sources: [{ name: 'Court records', url: null, slug: 'court-records' }, { name: 'Tallis County Ledger', url: 'https://www.tallisledger.example/', slug: 'tallis' }],
    teaserHtml: '', teaserText: '', bodyHtml: '<p>…</p>', bodyText, wordCount: count,
    decision: { full: true, reason: 'subscriber' }, citations: [], citedBy: [],
  };
}

const site = { name: 'Prison Legal News', abbreviation: 'PLN', baseUrl: 'https://www.prisonlegalnews.org' };
const licensee = { name: 'Jane Q. Reader', email: 'jane.reader@example.org' };
const rows = [];
const fmt = (n) => n.toFixed(1).padStart(8);

// ---------------------------------------------------------------- article PDFs

const view = articleView(2500);
const sample = await renderArticlePdf(view, site, licensee);
const pages = (await PDFDocument.load(sample)).getPageCount();
const article = await measure(RUNS, 10, () => renderArticlePdf(view, site, licensee, new Date()));
rows.push({ name: `article PDF, ${view.wordCount} words (${pages} pages, ${(sample.length / 1024).toFixed(0)} KB)`, ...article, target: 150 });

const packetViews = [view, articleView(1200, 'cited-1'), articleView(800, 'cited-2')];
const packet = await measure(Math.max(10, RUNS / 2), 5, () => renderPacket(packetViews, site, licensee, new Date()));
rows.push({ name: 'mail packet, 3 articles (4,500 words)', ...packet, target: null });

// ---------------------------------------------------------------- issue stamping

process.stdout.write('building a 100-page issue PDF… ');
const issue = await makeIssuePdf({ pages: 100, pageBytes: 200_000 });
process.stdout.write(`${(issue.length / 1048576).toFixed(1)} MB\n`);
const line = (i) => `Licensed to Jane Q. Reader <reader${i}@example.org> · 2025-11-27`;

const cold = await measure(STAMP_RUNS, 3, (i) => stampPdf(issue, line(i)));
rows.push({ name: 'stamp 100-page 20 MB issue (parse every time)', ...cold, target: 300 });

const plan = await prepareStamp(issue);
const warm = await measure(STAMP_RUNS, 3, (i) => stampParts(issue, line(i), plan));
rows.push({ name: 'stamp, parse cached per file (download route)', ...warm, target: null });

// The naive way, for comparison: pdf-lib drawText on every page and a full save.
const naive = await measure(Math.min(STAMP_RUNS, 10), 1, async (i) => {
  const doc = await PDFDocument.load(issue, { parseSpeed: ParseSpeeds.Fastest, updateMetadata: false });
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const p of doc.getPages()) p.drawText(line(i).replace('·', '-'), { x: 36, y: 14, size: 7.5, font });
  await doc.save({ useObjectStreams: false, objectsPerTick: Infinity });
});
rows.push({ name: 'for comparison: pdf-lib drawText + full save', ...naive, target: null });

// ---------------------------------------------------------------- end to end

if (!values['no-e2e']) {
  const { createDownloadApp, reader } = await import('../test/fixtures/download-app.ts');
  const { saveFile, setIssuePdf } = await import('../src/store/files.ts');
  const t = await createDownloadApp();
  try {
    const pub = await t.store.db.selectFrom('publications').select('id').executeTakeFirstOrThrow();
    await t.store.db.transaction().execute(async (trx) => {
      const id = await saveFile(trx, { kind: 'issue-pdf', contentType: 'application/pdf', content: Buffer.from(issue) });
      await setIssuePdf(trx, { publicationId: pub.id, year: 2025, month: 3 }, id);
    });
    const subs = [];
    for (let i = 0; i < 4; i++) subs.push(await reader(t, 'current'));
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    // A real HTTP request (app.inject is slow at collecting 20 MB): time to first byte and to the last.
    const fetchTimed = (url, cookie) => new Promise((resolve, reject) => {
      const t0 = performance.now();
      http.get(base + url, { headers: { cookie } }, (res) => {
        const ttfb = performance.now() - t0;
        let len = 0;
        res.on('data', (d) => (len += d.length));
        res.on('end', () => (res.statusCode === 200 ? resolve({ ttfb, total: performance.now() - t0, len }) : reject(new Error(`HTTP ${res.statusCode}`))));
      }).on('error', reject);
    });
    const ttfb = [];
    const e2e = await measure(STAMP_RUNS, 2, async (i) => {
      const r = await fetchTimed('/api/v1/issues/2025/03/pdf', subs[i % subs.length].cookie);
      if (r.len < issue.length) throw new Error('short download');
      ttfb.push(r.ttfb);
    });
    const tt = ttfb.slice(2).sort((a, b) => a - b);
    rows.push({ name: `issue download over HTTP: first byte (${t.store.dialect})`, p50: quantile(tt, 0.5), p95: quantile(tt, 0.95), max: tt.at(-1), runs: tt.length, target: null });
    rows.push({ name: `issue download over HTTP: all 20 MB (${t.store.dialect})`, ...e2e, target: null });
    const art = await measure(Math.max(20, RUNS / 2), 5, (i) => fetchTimed('/api/v1/articles/salvadoran-presidents-dark-secret-allegedly-behind-deal-to-hold-deported/pdf', subs[i % subs.length].cookie));
    rows.push({ name: `article download over HTTP (${t.store.dialect})`, ...art, target: null });
  } finally {
    await t.cleanup();
  }
}

// ---------------------------------------------------------------- report

const width = Math.max(...rows.map((r) => r.name.length));
console.log(`\n${'benchmark'.padEnd(width)}     runs   p50 ms   p95 ms   max ms   target`);
let ok = true;
for (const r of rows) {
  const met = r.target === null ? '' : r.p95 <= r.target ? `p95 ≤ ${r.target} ms  ✔ met` : `p95 ≤ ${r.target} ms  ✘ MISSED`;
  if (r.target !== null && r.p95 > r.target) ok = false;
  console.log(`${r.name.padEnd(width)} ${String(r.runs).padStart(8)} ${fmt(r.p50)} ${fmt(r.p95)} ${fmt(r.max)}   ${met}`);
}
console.log(`\n${ok ? 'All targets met.' : 'Some targets were missed.'} (Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length})`);
process.exit(ok ? 0 : 1);
