import crypto from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.ts';
import { InputError } from '../domain/types.ts';

// Uploaded files (issue PDFs, covers) live in the database: every instance sees them, backups
// hold them, and nothing is ever served from a path a user could guess or choose. A file is
// checked by its content, never by its name.

export const MAX_FILE_BYTES = 200 * 1024 * 1024;

export type FileKind = 'issue-pdf' | 'cover';

export interface FileMeta {
  id: number;
  kind: string;
  contentType: string;
  size: number;
  sha256: string;
  createdAt: string;
}

export interface StoredFile extends FileMeta {
  content: Buffer;
}

const PDF_MAGIC = Buffer.from('%PDF-', 'latin1');

/** Whether the bytes are a PDF by content: `%PDF-` in the first 1024 bytes (as readers accept). */
export function looksLikePdf(content: Uint8Array): boolean {
  const head = Buffer.from(content.buffer, content.byteOffset, Math.min(content.byteLength, 1024));
  return head.indexOf(PDF_MAGIC) !== -1;
}

/** What the content is, judged by its first bytes; null when it is none of the types we keep. */
export function sniffContentType(content: Uint8Array): string | null {
  if (looksLikePdf(content)) return 'application/pdf';
  const b = content;
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png';
  return null;
}

export function sha256Hex(content: Uint8Array): string {
  return crypto.createHash('sha256').update(content).digest('hex');
}

/**
 * Stores a file and returns its id. The declared content type must match what the bytes are
 * (a "PDF" that does not start like one is refused), the file must not be empty or larger than
 * MAX_FILE_BYTES. Run it inside the caller's transaction to tie it to other writes.
 */
export async function saveFile(db: Kysely<DB>, f: { kind: FileKind | string; contentType: string; content: Buffer | Uint8Array }): Promise<number> {
  const content = Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content.buffer, f.content.byteOffset, f.content.byteLength);
  if (content.length === 0) throw new InputError('the file is empty');
  if (content.length > MAX_FILE_BYTES) {
    throw new InputError(`the file is ${(content.length / 1048576).toFixed(1)} MB; the limit is ${MAX_FILE_BYTES / 1048576} MB`);
  }
  const sniffed = sniffContentType(content);
  if (f.contentType === 'application/pdf' && sniffed !== 'application/pdf') {
    throw new InputError('the file is not a PDF (it does not begin with "%PDF-")');
  }
  if (f.kind === 'issue-pdf' && f.contentType !== 'application/pdf') throw new InputError('an issue file must be a PDF');
  if (f.contentType !== 'application/pdf' && sniffed !== f.contentType) {
    throw new InputError(`the file is not ${f.contentType} (its content looks like ${sniffed ?? 'something else'})`);
  }
  const row = await db.insertInto('files').values({
    kind: f.kind,
    content_type: f.contentType,
    size: content.length,
    sha256: sha256Hex(content),
    content,
    created_at: new Date().toISOString(),
  }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

function toBuffer(v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw new Error('stored file content is not binary');
}

/**
 * A stored file with its content, or null. `chunkBytes` reads the content in pieces: PostgreSQL
 * and node-postgres handle one 20 MB value several times slower than a few 4 MB ones.
 */
export async function readFile(db: Kysely<DB>, id: number, opts: { chunkBytes?: number } = {}): Promise<StoredFile | null> {
  if (!opts.chunkBytes) {
    const row = await db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    return { id: row.id, kind: row.kind, contentType: row.content_type, size: Number(row.size), sha256: row.sha256, createdAt: row.created_at, content: toBuffer(row.content) };
  }
  const meta = await fileMeta(db, id);
  if (!meta) return null;
  const parts: Buffer[] = [];
  for (let at = 0; at < meta.size; at += opts.chunkBytes) {
    const row = await db.selectFrom('files').select(sql<Buffer>`substr(content, ${at + 1}, ${opts.chunkBytes})`.as('part')).where('id', '=', id).executeTakeFirst();
    if (!row) return null; // deleted while we read
    parts.push(toBuffer(row.part));
  }
  const content = Buffer.concat(parts);
  if (content.length !== meta.size) throw new Error(`file ${id}: read ${content.length} bytes, expected ${meta.size}`);
  return { ...meta, content };
}

/** A stored file's description without reading its content. */
export async function fileMeta(db: Kysely<DB>, id: number): Promise<FileMeta | null> {
  const row = await db.selectFrom('files').select(['id', 'kind', 'content_type', 'size', 'sha256', 'created_at']).where('id', '=', id).executeTakeFirst();
  if (!row) return null;
  return { id: row.id, kind: row.kind, contentType: row.content_type, size: Number(row.size), sha256: row.sha256, createdAt: row.created_at };
}

/**
 * Attaches a PDF to an issue (by publication, year and month), replacing any earlier one, whose
 * row is deleted. Returns the issue's id, or null when there is no such issue. Run it in a
 * transaction together with saveFile.
 */
export async function setIssuePdf(db: Kysely<DB>, issue: { publicationId: number; year: number; month: number }, fileId: number): Promise<{ issueId: number; replaced: number | null } | null> {
  const row = await db.selectFrom('issues').select(['id', 'pdf_file_id']).where('publication_id', '=', issue.publicationId)
    .where('year', '=', issue.year).where('month', '=', issue.month).executeTakeFirst();
  if (!row) return null;
  await db.updateTable('issues').set({ pdf_file_id: fileId }).where('id', '=', row.id).execute();
  const replaced = row.pdf_file_id ?? null;
  if (replaced !== null && replaced !== fileId) {
    const stillUsed = await db.selectFrom('issues').select('id').where((eb) => eb.or([eb('pdf_file_id', '=', replaced), eb('cover_file_id', '=', replaced)])).executeTakeFirst();
    if (!stillUsed) await db.deleteFrom('files').where('id', '=', replaced).execute();
  }
  return { issueId: row.id, replaced };
}

/** The id of the PDF attached to an issue, or null. */
export async function issuePdfFileId(db: Kysely<DB>, issueId: number): Promise<number | null> {
  const row = await db.selectFrom('issues').select('pdf_file_id').where('id', '=', issueId).executeTakeFirst();
  return row?.pdf_file_id ?? null;
}
