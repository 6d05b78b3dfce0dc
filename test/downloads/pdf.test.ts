import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PDFDocument } from 'pdf-lib';
import { createDownloadApp, reader, get, pdfText, popplerPages, fold, HAVE_PDFTOTEXT, NO_PDFTOTEXT, type DownloadApp } from '../fixtures/download-app.ts';
import { getArticle } from '../../src/store/articles.ts';
import { createInstitution, addRange } from '../../src/store/institutions.ts';
import { gatedFragments, findLeak } from '../support/leaks.ts';

// Article PDFs and mail packets over HTTP: who gets one, what is in it, how it is sent, logged
// and limited.

const SEED = 'salvadoran-presidents-dark-secret-allegedly-behind-deal-to-hold-deported';
const LAST_SENTENCE = 'They are not going to hand over everything Bukele wants.';
const CITATION = 'PLN, May 2025, pp.30-31';
const PDF_URL = `/api/v1/articles/${SEED}/pdf`;
const PACKET_URL = `/api/v1/articles/${SEED}/packet.pdf`;

let t: DownloadApp;
let fragments: string[] = [];
let cited: { slug: string; lastWords: string; citation: string } | null = null;

before(async () => {
  t = await createDownloadApp();
  const seed = await getArticle(t.store.db, SEED);
  assert.ok(seed, 'the seed article is in the demo');
  assert.equal(seed.access, 'premium');
  fragments = gatedFragments(seed.bodyText, seed.teaserText);
  assert.ok(fragments.length > 0);
  const c = seed.citations.find((x) => x.cited);
  assert.ok(c?.cited, 'the seed cites an article in the demo');
  const target = await getArticle(t.store.db, c.cited.slug);
  assert.ok(target);
  const paras = target.bodyText.split(/\n\s*\n/).filter((p) => p.trim());
  cited = { slug: target.slug, lastWords: fold(paras.at(-1)!).split(' ').slice(-8).join(' '), citation: c.text };
});
after(async () => t?.cleanup());

async function downloads(userId: number) {
  return t.store.db.selectFrom('downloads').selectAll().where('user_id', '=', userId).execute();
}

function assertPdfResponse(res: { statusCode: number; headers: Record<string, unknown>; rawPayload: Buffer }, filename: RegExp) {
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/pdf');
  assert.match(String(res.headers['content-disposition']), filename);
  assert.equal(res.headers['cache-control'], 'private, no-store');
  assert.equal(res.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
}

test('text checks need pdftotext', { skip: HAVE_PDFTOTEXT ? false : NO_PDFTOTEXT }, () => {});

test('a subscriber gets the article as a PDF: full text, citation, page numbers and their name and e-mail on it; logged', async () => {
  const r = await reader(t, 'current');
  const res = await get(t, PDF_URL, r);
  assertPdfResponse(res, new RegExp(`^attachment; filename="pln-2025-05-p30-${SEED}\\.pdf"$`));
  const doc = await PDFDocument.load(res.rawPayload);
  assert.ok(doc.getPageCount() >= 1);
  assert.equal(doc.getTitle(), (await getArticle(t.store.db, SEED))!.title);
  const pages = popplerPages(res.rawPayload);
  if (pages !== null) assert.equal(pages, doc.getPageCount());

  const text = pdfText(res.rawPayload);
  if (text !== null) {
    assert.ok(text.includes(LAST_SENTENCE), 'the last paragraph is in the PDF');
    assert.ok(text.includes(CITATION));
    assert.ok(text.includes(r.email));
    assert.ok(text.includes(`Licensed to Jane Q. Reader <${r.email}> · ${new Date().toISOString().slice(0, 10)}`));
    assert.ok(text.includes(`Page 1 of ${doc.getPageCount()}`));
    assert.ok(text.includes('CBS News, Dropsite News, El Faro'), 'the sources');
    // The footer is on every page.
    for (let p = 1; p <= doc.getPageCount(); p++) {
      const pageText = pdfText(res.rawPayload, p)!;
      assert.ok(pageText.includes(r.email) && pageText.includes(CITATION) && pageText.includes(`Page ${p} of`), `page ${p}`);
    }
  }
  const log = await downloads(r.id);
  assert.deepEqual(log.map((d) => [d.kind, d.ref, d.day]), [['article-pdf', SEED, new Date().toISOString().slice(0, 10)]]);
});

test('no PDF of a premium article for an anonymous reader, a metered reader (even after reading it on the meter) or an expired subscriber', async () => {
  const metered = await reader(t, 'none');
  const expired = await reader(t, 'expired');
  const cases: [string, Awaited<ReturnType<typeof reader>> | null][] = [['anonymous', null], ['metered', metered], ['expired', expired]];
  for (const [label, who] of cases) {
    for (const url of [PDF_URL, PACKET_URL]) {
      const res = await get(t, url, who);
      assert.equal(res.statusCode, 403, `${label} ${url}`);
      assert.equal(res.json().error, 'forbidden');
      assert.match(res.json().message, /Downloads come with a subscription/);
      assert.ok(!res.rawPayload.includes('%PDF-'), `${label}: no PDF bytes`);
      assert.equal(findLeak(res.body, fragments), null);
      assert.equal(res.headers['cache-control'], 'private, no-store');
    }
  }
  // The meter lets a signed-in reader see this article in full on the page; it never unlocks a download.
  const page = await get(t, `/articles/${SEED}`, metered);
  assert.equal(page.statusCode, 200);
  assert.ok(findLeak(page.body, fragments), 'the metered read shows the full text on the page');
  const res = await get(t, PDF_URL, metered);
  assert.equal(res.statusCode, 403);
  assert.equal((await downloads(metered.id)).length, 0);
  assert.equal((await downloads(expired.id)).length, 0);
});

test('unknown articles are 404, not a PDF', async () => {
  const r = await reader(t, 'current');
  const res = await get(t, '/api/v1/articles/no-such-article/pdf', r);
  assert.equal(res.statusCode, 404);
  assert.equal(res.json().error, 'not_found');
  assert.equal((await get(t, '/api/v1/articles/no-such-article/packet.pdf', r)).statusCode, 404);
});

test('staff and a reader on a subscribing institution network get the PDF, licensed to the institution', async () => {
  const editor = await reader(t, 'none', { role: 'editor', name: null });
  const res = await get(t, PDF_URL, editor);
  assertPdfResponse(res, /^attachment; filename="pln-2025-05-p30-/);
  const text = pdfText(res.rawPayload);
  if (text !== null) assert.ok(text.includes(`Licensed to <${editor.email}>`), 'no name: the e-mail alone');

  const inst = await createInstitution(t.store.db, 'Harlan County Law Library');
  await addRange(t.store.db, inst.id, '10.77.0.0/16');
  const onCampus = await get(t, PDF_URL, null, {}, '10.77.3.4');
  assertPdfResponse(onCampus, /filename="pln-2025-05-p30-/);
  const instText = pdfText(onCampus.rawPayload);
  if (instText !== null) {
    assert.ok(instText.includes(LAST_SENTENCE));
    assert.ok(instText.includes('Licensed to Harlan County Law Library'));
  }
  const log = await t.store.db.selectFrom('downloads').selectAll().where('institution_id', '=', inst.id).execute();
  assert.equal(log.length, 1);
  assert.equal(log[0].user_id, null);
  // Off the network the same anonymous reader gets nothing.
  assert.equal((await get(t, PDF_URL, null, {}, '10.78.0.1')).statusCode, 403);
});

test('a free article is a PDF for anyone; anonymous readers get it marked as free, not licensed', async () => {
  const free = await t.store.db.selectFrom('articles').select('slug').where('access', '=', 'free').orderBy('id').limit(1).executeTakeFirstOrThrow();
  const anon = await get(t, `/api/v1/articles/${free.slug}/pdf`, null);
  assertPdfResponse(anon, /^attachment; filename="pln-/);
  const text = pdfText(anon.rawPayload);
  if (text !== null) {
    assert.ok(text.includes('Free article from Prison Legal News'));
    assert.ok(!text.includes('Licensed to'));
  }
  // A signed-in reader without a subscription may download it too; it is logged.
  const metered = await reader(t, 'none');
  assertPdfResponse(await get(t, `/api/v1/articles/${free.slug}/pdf`, metered), /filename=/);
  assert.equal((await downloads(metered.id)).length, 1);
});

test('the mail packet holds the article and the article it cites, each from a new page', async () => {
  assert.ok(cited);
  const r = await reader(t, 'current');
  const res = await get(t, PACKET_URL, r);
  assertPdfResponse(res, new RegExp(`^attachment; filename="pln-2025-05-p30-${SEED}-packet\\.pdf"$`));
  const doc = await PDFDocument.load(res.rawPayload);
  const text = pdfText(res.rawPayload);
  if (text !== null) {
    assert.ok(text.includes('MAIL PACKET'));
    assert.ok(text.includes(LAST_SENTENCE), 'the article');
    assert.ok(text.includes(cited.lastWords), 'the cited article, to its last paragraph');
    assert.ok(text.includes(cited.citation), 'the cited article\'s citation');
    assert.ok(text.includes(r.email));
    // The cited article starts on a page of its own: its citation is that page's footer.
    const last = pdfText(res.rawPayload, doc.getPageCount())!;
    assert.ok(last.includes(cited.citation), 'the last page belongs to the cited article');
    assert.ok(!pdfText(res.rawPayload, 1)!.includes(cited.lastWords));
  }
  const log = await downloads(r.id);
  assert.deepEqual(log.map((d) => d.kind), ['packet-pdf']);
});

test('article PDFs render any text: characters the PDF fonts lack are replaced, never a crash', async () => {
  const { renderArticlePdf } = await import('../../src/downloads/article-pdf.ts');
  const { presentArticle } = await import('../../src/present/article.ts');
  const { OPERATOR } = await import('../../src/domain/access.ts');
  const record = (await getArticle(t.store.db, SEED))!;
  const odd = {
    ...record,
    title: 'Zoë’s “test” — Łódź, Śląsk, 北京 and 😀',
    bodyText: `A paragraph with tabs\tand a very long URL https://example.org/${'x'.repeat(300)} in it.\n\n- a list item\n- another ‐ with odd dashes ― and ≥ signs\n\n> a quote\n\n* * *\n\n${'Lorem ipsum dolor sit amet. '.repeat(900)}\n\nThe end ✓.`,
  };
  const pdf = await renderArticlePdf(presentArticle(odd, OPERATOR), { name: 'Prison Legal News', abbreviation: 'PLN', baseUrl: 'http://x' }, { name: 'Zoë Ødegård 😀', email: 'z@example.org' }, new Date('2025-11-27T12:00:00Z'));
  const doc = await PDFDocument.load(pdf);
  assert.ok(doc.getPageCount() >= 5);
  const text = pdfText(pdf);
  if (text !== null) {
    assert.ok(text.includes('Zoë’s “test” — Lódz, Slask, ?? and ?'), text.slice(0, 200));
    assert.ok(text.includes('Licensed to Zoë Ødegård ? <z@example.org> · 2025-11-27'));
    assert.ok(text.includes('The end v.'));
    assert.ok(text.includes('xxxxxxxxxx'));
  }
});

test('the daily download limit answers 429 with Retry-After, and writes nothing more', async () => {
  const limited = await createDownloadApp({ DAILY_DOWNLOAD_LIMIT: '2' });
  try {
    const r = await reader(limited, 'current');
    assert.equal((await get(limited, PDF_URL, r)).statusCode, 200);
    assert.equal((await get(limited, PACKET_URL, r)).statusCode, 200);
    const third = await get(limited, PDF_URL, r);
    assert.equal(third.statusCode, 429);
    assert.equal(third.json().error, 'too_many_downloads');
    assert.match(third.json().message, /limit of 2 downloads/);
    assert.ok(!third.rawPayload.includes('%PDF-'));
    const retry = Number(third.headers['retry-after']);
    assert.ok(retry >= 1 && retry <= 86400, `Retry-After ${retry}`);
    assert.equal(third.headers['cache-control'], 'private, no-store');
    const rows = await limited.store.db.selectFrom('downloads').selectAll().where('user_id', '=', r.id).execute();
    assert.equal(rows.length, 2);
    // Another subscriber has their own allowance.
    const other = await reader(limited, 'current');
    assert.equal((await get(limited, PDF_URL, other)).statusCode, 200);
    // Anonymous readers of free PDFs are limited per address.
    const free = await limited.store.db.selectFrom('articles').select('slug').where('access', '=', 'free').limit(1).executeTakeFirstOrThrow();
    const url = `/api/v1/articles/${free.slug}/pdf`;
    assert.equal((await get(limited, url, null, {}, '192.0.2.9')).statusCode, 200);
    assert.equal((await get(limited, url, null, {}, '192.0.2.9')).statusCode, 200);
    assert.equal((await get(limited, url, null, {}, '192.0.2.9')).statusCode, 429);
    assert.equal((await get(limited, url, null, {}, '192.0.2.10')).statusCode, 200);
  } finally {
    await limited.cleanup();
  }
});
