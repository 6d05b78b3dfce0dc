import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../../store/schema.ts';
import { audit, requireStaff, sendAdmin, staffState, type StaffUser } from '../../admin/shell.tsx';
import { IssueListPage, IssuePage, EMPTY_ISSUE_FORM, type IssueForm } from '../../views/admin/office-issues.tsx';
import { createIssue, getAdminIssue, issueName, issuePublished, issueToc, listAdminIssues, parseIssueKey, setIssueCover, updateIssue, type AdminIssue, type IssueFields } from '../../../store/office.ts';
import { tocWarnings } from '../../../store/office-toc.ts';
import { getPublication } from '../../../store/issues.ts';
import { MAX_FILE_BYTES, fileMeta, looksLikePdf, readFile, saveFile, setIssuePdf, sniffContentType } from '../../../store/files.ts';
import { prepareStamp, StampError } from '../../../downloads/stamp.ts';
import { queueIssueMail } from '../../../mail/digests.ts';
import { InputError } from '../../../domain/types.ts';
import { nowIso } from '../../../store/articles.ts';
import { bodyOf, doneNotice, idParam, optionalInt, pageBase, str, type Body } from './office-common.ts';

// Print issues in the admin (editors and admins): create one, set its volume, number, page count
// and title, upload its PDF (checked like `masthead issue-pdf`: a PDF by content, readable, one we
// can stamp) and a cover (JPEG or PNG by content), read its table of contents with warnings for
// overlapping pages and gaps, and publish it (the issue mail to subscribers). Every change is
// written with its audit record in one transaction.

export const MAX_COVER_BYTES = 10 * 1024 * 1024;

const NOTICES: Record<string, string> = {
  created: 'The issue is created.',
  saved: 'The details are saved.',
  pdf: 'The issue PDF is uploaded.',
  cover: 'The cover is uploaded.',
};

function formOf(i: AdminIssue): IssueForm {
  return { month: '', volume: i.volume?.toString() ?? '', number: i.number?.toString() ?? '', pageCount: i.pageCount?.toString() ?? '', title: i.title ?? '' };
}

function readIssueForm(b: Body): IssueForm {
  return { month: str(b, 'month').trim(), volume: str(b, 'volume'), number: str(b, 'number'), pageCount: str(b, 'pageCount'), title: str(b, 'title') };
}

function checkFields(f: IssueForm): { fields: IssueFields; errors: string[] } {
  const errors: string[] = [];
  const vol = optionalInt(f.volume, 'Volume', 1, 100000);
  const num = optionalInt(f.number, 'Number', 1, 100000);
  const pages = optionalInt(f.pageCount, 'Page count', 1, 2000);
  for (const x of [vol, num, pages]) if (x.error) errors.push(x.error);
  const title = f.title.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  if (title.length > 200) errors.push(`The title may be at most 200 characters (it has ${title.length})`);
  return { fields: { volume: vol.value, number: num.value, pageCount: pages.value, title: title || null }, errors };
}

function snapshot(i: AdminIssue) {
  return { year: i.year, month: i.month, volume: i.volume, number: i.number, pageCount: i.pageCount, title: i.title, pdfFileId: i.pdfFileId, coverFileId: i.coverFileId };
}

export const officeIssueRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const db = ctx.store.db;

  async function listPage(req: FastifyRequest, reply: FastifyReply, staff: StaffUser, form: IssueForm, errors: string[], status = 200) {
    const issues = await listAdminIssues(db);
    return sendAdmin(reply, IssueListPage({ ...pageBase(req, reply, staff), issues, form, errors, notice: doneNotice(req, NOTICES) }), status);
  }

  async function issuePage(req: FastifyRequest, reply: FastifyReply, staff: StaffUser, issue: AdminIssue, o: { form?: IssueForm; errors?: string[]; error?: string | null; notice?: string | null; status?: number } = {}) {
    const [toc, pdf, cover, published] = await Promise.all([
      issueToc(db, issue.id),
      issue.pdfFileId ? fileMeta(db, issue.pdfFileId) : null,
      issue.coverFileId ? fileMeta(db, issue.coverFileId) : null,
      issuePublished(db, issue.id),
    ]);
    return sendAdmin(reply, IssuePage({
      ...pageBase(req, reply, staff), issue, toc, warnings: tocWarnings(toc, issue.pageCount), pdf, cover, published,
      form: o.form ?? formOf(issue), errors: o.errors ?? [], error: o.error ?? null, notice: o.notice ?? null, now: nowIso(),
      maxPdfMb: MAX_FILE_BYTES / 1048576, maxCoverMb: MAX_COVER_BYTES / 1048576,
    }), o.status ?? 200);
  }

  async function missing(req: FastifyRequest, reply: FastifyReply, staff: StaffUser) {
    const issues = await listAdminIssues(db);
    return sendAdmin(reply, IssueListPage({ ...pageBase(req, reply, staff), issues, form: EMPTY_ISSUE_FORM, errors: ['There is no issue with that number.'] }), 404);
  }

  app.get('/admin/issues', async (req, reply) => {
    const staff = requireStaff(req, reply, 'editor');
    if (!staff) return reply;
    return listPage(req, reply, staff, EMPTY_ISSUE_FORM, []);
  });

  app.post('/admin/issues', async (req, reply) => {
    const staff = requireStaff(req, reply, 'editor');
    if (!staff) return reply;
    const form = readIssueForm(bodyOf(req));
    const { fields, errors } = checkFields(form);
    const month = parseIssueKey(form.month);
    if (!month) errors.unshift(`The month must be written YYYY-MM, like 2026-01; got “${form.month.slice(0, 20)}”`);
    if (errors.length || !month) return listPage(req, reply, staff, form, errors, 400);
    try {
      const issue = await db.transaction().execute(async (trx: Kysely<DB>) => {
        const pub = await getPublication(trx);
        if (!pub) throw new InputError('The archive has no publication yet.');
        const created = await createIssue(trx, pub.id, { ...month, ...fields });
        await audit(ctx, req, { action: 'issue.create', entity: 'issue', entityId: created.id, before: null, after: snapshot(created) }, trx);
        return created;
      });
      ctx.invalidate();
      return reply.redirect(`/admin/issues/${issue.id}?done=created`, 303);
    } catch (err) {
      if (err instanceof InputError) return listPage(req, reply, staff, form, [err.message], 400);
      throw err;
    }
  });

  app.get<{ Params: { id: string } }>('/admin/issues/:id', async (req, reply) => {
    const staff = requireStaff(req, reply, 'editor');
    if (!staff) return reply;
    const id = idParam(req.params.id);
    const issue = id === null ? null : await getAdminIssue(db, id);
    if (!issue) return missing(req, reply, staff);
    const q = req.query as Record<string, string | undefined>;
    let notice = doneNotice(req, NOTICES);
    if (q.done === 'pdf' && q.pages && /^\d{1,6}$/.test(q.pages)) {
      const pages = Number(q.pages);
      notice = `The issue PDF is uploaded (${pages} page${pages === 1 ? '' : 's'}).${issue.pageCount !== null && issue.pageCount !== pages ? ` Note: the issue is listed with ${issue.pageCount} pages; the PDF has ${pages}.` : ''}`;
    }
    if (q.done === 'published' && q.queued && /^\d{1,9}$/.test(q.queued)) {
      const n = Number(q.queued);
      notice = `The issue is published: ${n === 0 ? 'no new mail was needed (every current subscriber already has it, or has turned issue mail off)' : `mail is queued for ${n} subscriber${n === 1 ? '' : 's'}`}.`;
    }
    return issuePage(req, reply, staff, issue, { notice });
  });

  app.post<{ Params: { id: string } }>('/admin/issues/:id', async (req, reply) => {
    const staff = requireStaff(req, reply, 'editor');
    if (!staff) return reply;
    const id = idParam(req.params.id);
    const issue = id === null ? null : await getAdminIssue(db, id);
    if (!issue) return missing(req, reply, staff);
    const form = readIssueForm(bodyOf(req));
    const { fields, errors } = checkFields(form);
    if (errors.length) return issuePage(req, reply, staff, issue, { form, errors, status: 400 });
    await db.transaction().execute(async (trx: Kysely<DB>) => {
      const before = await getAdminIssue(trx, issue.id);
      await updateIssue(trx, issue.id, fields);
      const after = await getAdminIssue(trx, issue.id);
      await audit(ctx, req, { action: 'issue.update', entity: 'issue', entityId: issue.id, before: before && snapshot(before), after: after && snapshot(after) }, trx);
    });
    ctx.invalidate();
    return reply.redirect(`/admin/issues/${issue.id}?done=saved`, 303);
  });

  app.get<{ Params: { id: string } }>('/admin/issues/:id/cover', async (req, reply) => {
    const staff = requireStaff(req, reply, 'editor');
    if (!staff) return reply;
    const id = idParam(req.params.id);
    const issue = id === null ? null : await getAdminIssue(db, id);
    const file = issue?.coverFileId ? await readFile(db, issue.coverFileId) : null;
    if (!file) return reply.code(404).type('text/plain; charset=utf-8').send('This issue has no cover.');
    return reply.type(file.contentType).header('content-disposition', 'inline').send(file.content);
  });

  app.post<{ Params: { id: string } }>('/admin/issues/:id/publish', async (req, reply) => {
    const staff = requireStaff(req, reply, 'editor');
    if (!staff) return reply;
    const id = idParam(req.params.id);
    const issue = id === null ? null : await getAdminIssue(db, id);
    if (!issue) return missing(req, reply, staff);
    const result = await db.transaction().execute(async (trx: Kysely<DB>) => {
      const r = await queueIssueMail({ db: trx }, issue.id);
      if (r.articles === 0) return r;
      await audit(ctx, req, { action: 'issue.publish', entity: 'issue', entityId: issue.id, before: null, after: { issue: issueName(issue), articles: r.articles, queued: r.queued } }, trx);
      return r;
    });
    if (result.articles === 0) {
      return issuePage(req, reply, staff, issue, { error: 'Not published: no article of this issue is visible to readers yet (drafts and articles scheduled for later do not count). Nothing was mailed.', status: 409 });
    }
    return reply.redirect(`/admin/issues/${issue.id}?done=published&queued=${result.queued}`, 303);
  });

  // Uploads: multipart, in their own scope with their own limits.
  await app.register(async (up) => {
    const uploads = new WeakMap<FastifyRequest, { filename: string }>();
    await up.register(multipart, {
      attachFieldsToBody: 'keyValues',
      limits: { fileSize: MAX_FILE_BYTES, files: 1, fields: 5, fieldSize: 4096, parts: 6, headerPairs: 200 },
      async onFile(this: FastifyRequest, part) {
        uploads.set(this, { filename: part.filename });
        await part.toBuffer();
      },
    });

    up.setErrorHandler(async (err: Error & { code?: string; statusCode?: number }, req, reply) => {
      const s = staffState(req);
      if (!s || !err.code || !/^FST_(REQ_FILE_TOO_LARGE|FILES_LIMIT|FIELDS_LIMIT|PARTS_LIMIT|PROTO_VIOLATION|INVALID_MULTIPART_CONTENT_TYPE)/.test(err.code)) throw err;
      const id = idParam((req.params as { id?: string }).id);
      const issue = id === null ? null : await getAdminIssue(db, id);
      if (!issue) return missing(req, reply, s.user);
      const msg = err.code === 'FST_REQ_FILE_TOO_LARGE' ? `The file is larger than ${MAX_FILE_BYTES / 1048576} MB. Nothing was uploaded.` : 'The upload could not be read: send one file with the form on this page. Nothing was uploaded.';
      return issuePage(req, reply, s.user, issue, { error: msg, status: err.code === 'FST_REQ_FILE_TOO_LARGE' ? 413 : 400 });
    });

    async function received(req: FastifyRequest, reply: FastifyReply): Promise<{ staff: StaffUser; issue: AdminIssue; content: Buffer } | null> {
      const staff = requireStaff(req, reply, 'editor');
      if (!staff) return null;
      const id = idParam((req.params as { id?: string }).id);
      const issue = id === null ? null : await getAdminIssue(db, id);
      if (!issue) {
        await missing(req, reply, staff);
        return null;
      }
      const content = bodyOf(req).file;
      if (!uploads.get(req) || !Buffer.isBuffer(content) || content.length === 0) {
        await issuePage(req, reply, staff, issue, { error: 'Choose a file to upload (the one chosen was empty or missing). Nothing was uploaded.', status: 400 });
        return null;
      }
      return { staff, issue, content };
    }

    up.post<{ Params: { id: string } }>('/admin/issues/:id/pdf', async (req, reply) => {
      const got = await received(req, reply);
      if (!got) return reply;
      const { staff, issue, content } = got;
      if (!looksLikePdf(content)) {
        return issuePage(req, reply, staff, issue, { error: 'Not uploaded: the file is not a PDF (it does not begin with “%PDF-”), whatever its name says.', status: 400 });
      }
      let pages: number;
      try {
        pages = (await prepareStamp(content)).pageCount;
      } catch (err) {
        if (err instanceof StampError) return issuePage(req, reply, staff, issue, { error: `Not uploaded: ${err.message}.`.replace(/\.\.$/, '.'), status: 400 });
        throw err;
      }
      try {
        await db.transaction().execute(async (trx: Kysely<DB>) => {
          const fileId = await saveFile(trx, { kind: 'issue-pdf', contentType: 'application/pdf', content });
          const linked = await setIssuePdf(trx, { publicationId: issue.publicationId, year: issue.year, month: issue.month }, fileId);
          if (!linked) throw new InputError('The issue no longer exists.');
          const meta = await fileMeta(trx, fileId);
          await audit(ctx, req, {
            action: 'issue.pdf', entity: 'issue', entityId: issue.id, before: { pdfFileId: linked.replaced },
            after: { pdfFileId: fileId, size: meta?.size, sha256: meta?.sha256, pages, filename: uploads.get(req)?.filename.slice(0, 200) },
          }, trx);
        });
      } catch (err) {
        if (err instanceof InputError) return issuePage(req, reply, staff, issue, { error: `Not uploaded: ${err.message}.`, status: 400 });
        throw err;
      }
      return reply.redirect(`/admin/issues/${issue.id}?done=pdf&pages=${pages}`, 303);
    });

    up.post<{ Params: { id: string } }>('/admin/issues/:id/cover', async (req, reply) => {
      const got = await received(req, reply);
      if (!got) return reply;
      const { staff, issue, content } = got;
      const type = sniffContentType(content);
      if (type !== 'image/jpeg' && type !== 'image/png') {
        return issuePage(req, reply, staff, issue, { error: 'Not uploaded: the cover must be a JPEG or PNG image (judged by its content, not its name).', status: 400 });
      }
      if (content.length > MAX_COVER_BYTES) {
        return issuePage(req, reply, staff, issue, { error: `Not uploaded: the image is ${(content.length / 1048576).toFixed(1)} MB; a cover may be at most ${MAX_COVER_BYTES / 1048576} MB.`, status: 413 });
      }
      await db.transaction().execute(async (trx: Kysely<DB>) => {
        const fileId = await saveFile(trx, { kind: 'cover', contentType: type, content });
        const { replaced } = await setIssueCover(trx, issue.id, fileId);
        await audit(ctx, req, { action: 'issue.cover', entity: 'issue', entityId: issue.id, before: { coverFileId: replaced }, after: { coverFileId: fileId, contentType: type, size: content.length } }, trx);
      });
      return reply.redirect(`/admin/issues/${issue.id}?done=cover`, 303);
    });
  });
};
