import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { canDownload, canDownloadArticle, type Viewer } from '../../domain/access.ts';
import { getArticle } from '../../store/articles.ts';
import { getIssue } from '../../store/issues.ts';
import { findUser } from '../../store/users.ts';
import { recordDownload, type DownloadKind } from '../../store/downloads.ts';
import { hitAndCheck } from '../../store/rate-limits.ts';
import { fileMeta, issuePdfFileId, readFile } from '../../store/files.ts';
import { presentArticle, type ArticleView } from '../../present/article.ts';
import { renderArticlePdf, licenseLine, pdfBaseName, type Licensee } from '../../downloads/article-pdf.ts';
import { renderPacket, citedSlugs, type PacketItem } from '../../downloads/packet.ts';
import { stampParts, StampSourceCache } from '../../downloads/stamp.ts';

// Article PDFs, mail packets and stamped issue PDFs. Every request asks the one access function
// (canDownload) and renders from the one presenter (presentArticle): nothing here reads gated
// text from a row. A metered read never unlocks a download. There are no file paths: PDFs are
// made (or stamped) per request, for the reader who asks, and never cached by anyone.
//
// Free articles: anyone may download their PDF; signed-in readers and institutions have it
// logged and counted, anonymous readers are limited per address. Premium articles, packets of
// premium articles and issue PDFs need a subscription, staff role or an institution.

const NO_STORE = 'private, no-store';
/** Bumped when the stamp's bytes change, so that ETags of old stamps stop matching. */
const STAMP_VERSION = 'stamp-1';

type Reply = FastifyReply;

function sendJson(reply: Reply, status: number, body: Record<string, unknown>): Reply {
  return reply.code(status).header('cache-control', NO_STORE).header('vary', 'Cookie, Authorization').send(body);
}

function forbidden(reply: Reply, what: string): Reply {
  return sendJson(reply, 403, {
    error: 'forbidden',
    message: `Downloads come with a subscription: ${what} is for subscribers and subscribing institutions. Sign in, or subscribe, to download it.`,
  });
}

/** Seconds until the next midnight UTC, when the daily allowance starts afresh. */
export function secondsUntilMidnightUtc(now = new Date()): number {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.max(1, Math.ceil((next - now.getTime()) / 1000));
}

function tooMany(ctx: AppContext, reply: Reply): Reply {
  reply.header('retry-after', String(secondsUntilMidnightUtc()));
  return sendJson(reply, 429, {
    error: 'too_many_downloads',
    message: `You have reached today's limit of ${ctx.config.dailyDownloadLimit} downloads. It starts afresh at midnight UTC.`,
  });
}

/** The person or institution a download is licensed to; null for an anonymous reader. */
async function licenseeOf(ctx: AppContext, viewer: Viewer): Promise<Licensee | null> {
  if (viewer.kind === 'user') {
    const user = await findUser(ctx.store.db, viewer.userId);
    return { name: user?.name?.trim() || null, email: viewer.email };
  }
  if (viewer.institution) return { name: viewer.institution.name, email: null };
  return null;
}

function who(viewer: Viewer): { user_id: number } | { institution_id: number } | null {
  if (viewer.kind === 'user') return { user_id: viewer.userId };
  if (viewer.institution) return { institution_id: viewer.institution.id };
  return null;
}

/** Whether this reader already has this item in today's download log (resumed downloads are not counted twice). */
async function loggedToday(ctx: AppContext, viewer: Viewer, kind: DownloadKind, ref: string, now: Date): Promise<boolean> {
  const w = who(viewer);
  if (!w) return false;
  let q = ctx.store.db.selectFrom('downloads').select('id').where('kind', '=', kind).where('ref', '=', ref).where('day', '=', now.toISOString().slice(0, 10));
  q = 'user_id' in w ? q.where('user_id', '=', w.user_id) : q.where('institution_id', '=', w.institution_id).where('user_id', 'is', null);
  return (await q.limit(1).executeTakeFirst()) !== undefined;
}

/**
 * Logs and counts a download against the daily limit. Signed-in readers and institutions use
 * recordDownload; anonymous readers of free PDFs are counted per address. HEAD requests, and
 * Range requests that resume a download already logged today, are not counted again.
 * Returns false (and answers 429) when the limit is reached.
 */
async function countDownload(ctx: AppContext, req: FastifyRequest, reply: Reply, kind: DownloadKind, ref: string, opts: { resuming?: boolean } = {}): Promise<boolean> {
  if (req.method === 'HEAD') return true;
  const now = new Date();
  const viewer = req.viewer;
  if (!who(viewer)) {
    const ok = await hitAndCheck(ctx.store.db, `download:${req.ip}`, { windowSec: 86400, max: ctx.config.dailyDownloadLimit });
    if (!ok) tooMany(ctx, reply);
    return ok;
  }
  if (opts.resuming && (await loggedToday(ctx, viewer, kind, ref, now))) return true;
  const ok = await recordDownload(ctx.store.db, viewer, kind, ref, ctx.config.dailyDownloadLimit, now);
  if (!ok) tooMany(ctx, reply);
  return ok;
}

function pdfHeaders(reply: Reply, filename: string): Reply {
  return reply
    .type('application/pdf')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .header('cache-control', NO_STORE)
    .header('vary', 'Cookie, Authorization')
    .header('x-robots-tag', 'noindex, nofollow');
}

function notFound(reply: Reply, message: string): Reply {
  return sendJson(reply, 404, { error: 'not_found', message });
}

// ---------------------------------------------------------------- byte ranges

export type RangeAnswer = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

/**
 * One `bytes=` range against a body of `total` bytes (RFC 9110 §14). Malformed headers and
 * multiple ranges are ignored (the whole body is sent); a range starting past the end is 416.
 */
export function parseRange(header: string | undefined, total: number): RangeAnswer {
  if (!header) return { kind: 'full' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' };
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, total - suffix), end: total - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? Infinity : Number(m[2]);
  if (!Number.isSafeInteger(start) || (m[2] !== '' && !Number.isSafeInteger(end)) || end < start) return { kind: 'full' };
  if (start >= total) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(end, total - 1) };
}

/** The bytes [start, end] of a body made of parts, as a stream (the parts are not copied). */
function sliceStream(parts: Uint8Array[], start: number, end: number): Readable {
  return Readable.from((function* () {
    let offset = 0;
    for (const part of parts) {
      const from = Math.max(start - offset, 0);
      const to = Math.min(end + 1 - offset, part.length);
      if (from < to) {
        // Hand out at most 1 MB at a time, so a slow reader doesn't hold a huge chunk in flight.
        for (let i = from; i < to; i += 1 << 20) yield Buffer.from(part.buffer, part.byteOffset + i, Math.min(1 << 20, to - i));
      }
      offset += part.length;
    }
  })(), { objectMode: false });
}

// ---------------------------------------------------------------- the routes

export const downloadRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  // Issue files and their parsed structure, kept for the next subscriber (per instance).
  const sources = new StampSourceCache();

  app.get<{ Params: { slug: string } }>('/api/v1/articles/:slug/pdf', async (req, reply) => {
    const record = await getArticle(ctx.store.db, req.params.slug);
    if (!record) return notFound(reply, `No published article has the slug "${req.params.slug}".`);
    if (!canDownloadArticle(req.viewer, record)) return forbidden(reply, 'the PDF of this premium article');
    const view = presentArticle(record, req.viewer);
    if (view.bodyText === null) return forbidden(reply, 'the PDF of this premium article');
    if (!(await countDownload(ctx, req, reply, 'article-pdf', record.slug))) return reply;
    const [site, licensee] = await Promise.all([ctx.site(), licenseeOf(ctx, req.viewer)]);
    const pdf = await renderArticlePdf(view, site, licensee, new Date());
    return pdfHeaders(reply, `${pdfBaseName(view, site)}.pdf`).header('content-length', String(pdf.length)).send(Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength));
  });

  app.get<{ Params: { slug: string } }>('/api/v1/articles/:slug/packet.pdf', async (req, reply) => {
    const record = await getArticle(ctx.store.db, req.params.slug);
    if (!record) return notFound(reply, `No published article has the slug "${req.params.slug}".`);
    if (!canDownloadArticle(req.viewer, record)) return forbidden(reply, 'the mail packet of this premium article');
    const main = presentArticle(record, req.viewer);
    if (main.bodyText === null) return forbidden(reply, 'the mail packet of this premium article');
    const views: ArticleView[] = [main];
    const omitted: PacketItem[] = [];
    for (const slug of citedSlugs(main)) {
      const cited = await getArticle(ctx.store.db, slug);
      if (!cited) continue; // not (or no longer) published: nothing to say about it
      const view = presentArticle(cited, req.viewer);
      if (canDownloadArticle(req.viewer, cited) && view.bodyText !== null) views.push(view);
      else omitted.push({ title: view.title, citation: view.citation });
    }
    if (!(await countDownload(ctx, req, reply, 'packet-pdf', record.slug))) return reply;
    const [site, licensee] = await Promise.all([ctx.site(), licenseeOf(ctx, req.viewer)]);
    const pdf = await renderPacket(views, site, licensee, new Date(), { omitted });
    return pdfHeaders(reply, `${pdfBaseName(main, site)}-packet.pdf`).header('content-length', String(pdf.length)).send(Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength));
  });

  app.get<{ Params: { year: string; month: string } }>('/api/v1/issues/:year/:month/pdf', async (req, reply) => {
    const { year: y, month: m } = req.params;
    const year = /^\d{4}$/.test(y) ? Number(y) : 0;
    const month = /^\d{1,2}$/.test(m) ? Number(m) : 0;
    if (!year || month < 1 || month > 12) return notFound(reply, `There is no issue ${y}/${m}: use /api/v1/issues/YYYY/MM/pdf.`);
    const issue = await getIssue(ctx.store.db, year, month);
    if (!issue) return notFound(reply, `There is no published issue for ${year}-${String(month).padStart(2, '0')}.`);
    if (!canDownload(req.viewer)) return forbidden(reply, 'the PDF of a print issue');
    const fileId = await issuePdfFileId(ctx.store.db, issue.id);
    if (fileId === null) return notFound(reply, `The PDF of the ${year}-${String(month).padStart(2, '0')} issue has not been uploaded.`);

    const ref = `${year}-${String(month).padStart(2, '0')}`;
    const rangeHeader = req.headers.range;
    const resuming = typeof rangeHeader === 'string' && /^\s*bytes\s*=\s*[1-9]/i.test(rangeHeader);
    if (!(await countDownload(ctx, req, reply, 'issue-pdf', ref, { resuming }))) return reply;

    const meta = await fileMeta(ctx.store.db, fileId);
    if (!meta) return notFound(reply, `The PDF of the ${ref} issue has not been uploaded.`);
    const chunkBytes = ctx.store.dialect === 'postgres' ? 4 * 1048576 : undefined;
    let source;
    try {
      source = await sources.get(`${meta.id}:${meta.sha256}`, meta.size, async () => (await readFile(ctx.store.db, meta.id, { chunkBytes }))?.content ?? null);
    } catch (err) {
      req.log.error({ err, fileId: meta.id, issue: ref }, 'issue PDF cannot be stamped');
      return sendJson(reply, 500, { error: 'internal_error', message: 'This issue\'s PDF could not be prepared for download. The error has been logged; please tell the editors.' });
    }
    if (!source) return notFound(reply, `The PDF of the ${ref} issue has not been uploaded.`);
    const [site, licensee] = await Promise.all([ctx.site(), licenseeOf(ctx, req.viewer)]);
    const line = licenseLine(licensee, site, new Date());
    const { parts, length } = await stampParts(source.content, line, source.plan);
    // The same file, reader and day give the same bytes: a resumed download fits the first part.
    const etag = `"${crypto.createHash('sha256').update(`${STAMP_VERSION}\n${meta.sha256}\n${line}`).digest('hex').slice(0, 40)}"`;
    const abbr = (site.abbreviation || 'issue').toLowerCase().replace(/[^a-z0-9]+/g, '') || 'issue';
    pdfHeaders(reply, `${abbr}-${ref}.pdf`).header('accept-ranges', 'bytes').header('etag', etag);

    const ifRange = req.headers['if-range'];
    const range = ifRange && ifRange !== etag ? { kind: 'full' as const } : parseRange(rangeHeader, length);
    if (range.kind === 'unsatisfiable') {
      reply.removeHeader('content-disposition');
      return reply.code(416).type('application/json; charset=utf-8').header('content-range', `bytes */${length}`)
        .send({ error: 'range_not_satisfiable', message: `The file is ${length} bytes long.` });
    }
    if (range.kind === 'partial') {
      return reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${length}`)
        .header('content-length', String(range.end - range.start + 1)).send(sliceStream(parts, range.start, range.end));
    }
    return reply.code(200).header('content-length', String(length)).send(sliceStream(parts, 0, length - 1));
  });
};
