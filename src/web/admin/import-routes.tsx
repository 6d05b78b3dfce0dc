import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import type { AppContext } from '../context.ts';
import { requireStaff, sendAdmin, staffState, type StaffUser } from './shell.tsx';
import { ImportPage } from '../views/admin/articles.tsx';
import { renderEditor, EDITOR_BODY_LIMIT } from './article-routes.tsx';
import { formFromArticle, freeSlug } from './article-form.ts';
import { parseImportFile } from '../../domain/importers/index.ts';
import { docxToHtml, htmlToBlocks, blocksToArticle } from '../../domain/importers/docx.ts';
import { InputError, type ImportedArticle } from '../../domain/types.ts';
import { articleIdBySlug } from '../../store/newsroom.ts';

// Import in the admin: a file upload (multipart; works without JavaScript) or pasted text,
// parsed by the same importers as `masthead import`, then shown in the editor as a preview with
// the editorial checks. Nothing is written until the editor presses Save; cancelling writes nothing.

/** Largest upload (a Word file with pictures can be large; the pictures are dropped). */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
/** Largest plain-text or Markdown file. */
export const MAX_TEXT_BYTES = 1024 * 1024;

const EXTENSIONS = new Set(['.txt', '.md', '.markdown', '.docx']);

function extensionOf(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot).toLowerCase() : '';
}

/** The file's own name, for messages: no path, nothing odd, not too long. */
function displayName(name: string): string {
  const base = (name.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return (base || 'the file').slice(0, 120);
}

export const importRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const uploads = new WeakMap<FastifyRequest, { filename: string; mimetype: string }>();
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 10, fieldSize: 16 * 1024, parts: 12, headerPairs: 200 },
    async onFile(this: FastifyRequest, part) {
      uploads.set(this, { filename: part.filename, mimetype: part.mimetype });
      await part.toBuffer();
    },
  });

  async function importPage(req: FastifyRequest, reply: FastifyReply, staff: StaffUser, error: string | null, status = 200) {
    return sendAdmin(reply, ImportPage({ site: staffState(req)!.site, staff, csrf: reply.generateCsrf(), error, maxMb: MAX_UPLOAD_BYTES / 1024 / 1024 }), status);
  }

  // Upload problems (too large, too many files) get the import page back with the reason.
  app.setErrorHandler(async (err: Error & { code?: string; statusCode?: number }, req, reply) => {
    const s = staffState(req);
    if (!s || !err.code || !/^FST_(REQ_FILE_TOO_LARGE|FILES_LIMIT|FIELDS_LIMIT|PARTS_LIMIT|PROTO_VIOLATION|INVALID_MULTIPART_CONTENT_TYPE)/.test(err.code)) throw err;
    const msg = err.code === 'FST_REQ_FILE_TOO_LARGE'
      ? `The file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB. Nothing was imported.`
      : 'The upload could not be read: send one file with the form on this page. Nothing was imported.';
    return importPage(req, reply, s.user, msg, err.code === 'FST_REQ_FILE_TOO_LARGE' ? 413 : 400);
  });

  async function preview(req: FastifyRequest, reply: FastifyReply, staff: StaffUser, name: string, content: Buffer) {
    const file = displayName(name);
    const ext = extensionOf(name);
    let article: ImportedArticle;
    let warnings: string[] = [];
    try {
      if (!EXTENSIONS.has(ext)) throw new InputError(`${ext ? `"${ext}" files` : 'Files without an extension'} cannot be imported: upload plain text (.txt), Markdown (.md) or Word (.docx)`, file);
      if (content.length === 0) throw new InputError('the file is empty', file);
      if (ext === '.docx') {
        const r = await docxToHtml(content, file);
        warnings = r.warnings.slice(0, 20);
        article = blocksToArticle(htmlToBlocks(r.html), file);
      } else {
        if (content.length > MAX_TEXT_BYTES) throw new InputError(`the file is larger than ${MAX_TEXT_BYTES / 1024 / 1024} MB; a text file that large is not one article`, file);
        if (content.includes(0)) throw new InputError('the file holds binary data, not text: is it a Word file with the wrong name?', file);
        article = parseImportFile(file.toLowerCase().endsWith(ext) ? file : `upload${ext}`, content);
      }
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      req.log.info({ event: 'import_refused', file, reason: err.message }, 'import refused');
      const where = err.line ? `${file}, line ${err.line}` : file;
      return importPage(req, reply, staff, `Not imported: ${where}: ${err.message}.`.replace(/\.\.$/, '.'), 400);
    }
    let slugNote: string | null = null;
    const slug = await freeSlug(article.slug, async (s) => (await articleIdBySlug(ctx.store.db, s)) !== null);
    if (slug !== article.slug) {
      const id = await articleIdBySlug(ctx.store.db, article.slug);
      slugNote = `An article already has the address /articles/${article.slug} (number ${id}). This import gets /articles/${slug}; to update that article instead, open it in the editor.`;
    }
    const candidate: ImportedArticle = { ...article, slug, status: article.status ?? 'draft', access: article.access ?? 'premium' };
    const form = formFromArticle(candidate);
    return renderEditor(ctx, req, reply, staff, { mode: 'import', id: null, form, checkThis: candidate, imported: { file, warnings, slugNote } });
  }

  app.get('/admin/import', async (req, reply) => {
    const staff = requireStaff(req, reply, 'editor');
    if (!staff) return reply;
    return importPage(req, reply, staff, null);
  });

  app.post('/admin/import', async (req, reply) => {
    const staff = requireStaff(req, reply, 'editor');
    if (!staff) return reply;
    const upload = uploads.get(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const content = body.file;
    if (!upload || !Buffer.isBuffer(content)) return importPage(req, reply, staff, 'Choose a file to import.', 400);
    return preview(req, reply, staff, upload.filename, content);
  });

  app.post('/admin/import/text', { bodyLimit: EDITOR_BODY_LIMIT }, async (req, reply) => {
    const staff = requireStaff(req, reply, 'editor');
    if (!staff) return reply;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = typeof body.text === 'string' ? body.text : '';
    const format = body.format === 'md' ? 'md' : 'txt';
    if (!text.trim()) return importPage(req, reply, staff, 'Paste the text to import.', 400);
    return preview(req, reply, staff, `pasted text.${format}`, Buffer.from(text, 'utf8'));
  });
};
