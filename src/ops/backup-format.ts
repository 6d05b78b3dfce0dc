import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';

// A Masthead backup is one file:
//
//   MASTHEAD BACKUP 1\n
//   {"format":"masthead-backup", … manifest as one line of JSON …}\n
//   <payload: manifest.payload.bytes bytes>
//   \nMASTHEAD BACKUP END <sha256 of every byte before this line>\n
//
// The payload is the database itself: a SQLite database file (gzip-compressed) or a pg_dump
// archive in its custom format. The manifest says what it is, which migrations the database had
// and how many rows each table held; the last line's checksum covers the header, the manifest
// and the payload, so a truncated, bit-flipped or half-copied file is recognised before anything
// is written. A backup is written to a temporary name and renamed when complete, so a file under
// the final name is never a half-written one.

export const MAGIC = 'MASTHEAD BACKUP 1';
const MAGIC_PREFIX = 'MASTHEAD BACKUP ';
const END = '\nMASTHEAD BACKUP END ';
/** "\nMASTHEAD BACKUP END " + 64 hex digits + "\n" */
const TRAILER_BYTES = END.length + 64 + 1;
const MAX_HEADER_BYTES = 1024 * 1024;

export type PayloadEncoding = 'sqlite3+gzip' | 'pg_dump-custom';

export interface Manifest {
  format: 'masthead-backup';
  version: 1;
  created_at: string;
  dialect: 'sqlite' | 'postgres';
  /** The database server or library that made it, e.g. "SQLite 3.50.2", "PostgreSQL 15.20". */
  made_by: string;
  /** PostgreSQL: the schema the tables live in. */
  schema?: string;
  /** Names of the applied migrations, in order. */
  migrations: string[];
  /** Rows per table at the moment of the backup (one consistent snapshot). */
  tables: Record<string, number>;
  payload: { encoding: PayloadEncoding; bytes: number; sha256: string; database_bytes?: number };
}

/** A backup that cannot be restored; the message says why, in words an operator can act on. */
export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

export interface OpenedBackup {
  file: string;
  manifest: Manifest;
  /** Offset of the first payload byte in the file. */
  payloadStart: number;
  /** The payload's bytes, streamed from the file. */
  payload(): Readable;
}

function human(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1048576) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1073741824) return `${(bytes / 1048576).toFixed(1)} MB`;
  return `${(bytes / 1073741824).toFixed(2)} GB`;
}
export { human as humanBytes };

/**
 * Writes a backup file from a payload file: header, manifest, payload, checksum; to a temporary
 * name first, synced to disk, then renamed over `target`.
 */
export async function writeBackupFile(target: string, manifestWithoutPayload: Omit<Manifest, 'payload'>, payloadFile: string, encoding: PayloadEncoding, databaseBytes?: number): Promise<{ bytes: number; manifest: Manifest }> {
  const payloadBytes = fs.statSync(payloadFile).size;
  const payloadHash = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(payloadFile), payloadHash);
  const manifest: Manifest = {
    ...manifestWithoutPayload,
    payload: { encoding, bytes: payloadBytes, sha256: payloadHash.digest('hex'), ...(databaseBytes !== undefined ? { database_bytes: databaseBytes } : {}) },
  };
  const head = Buffer.from(`${MAGIC}\n${JSON.stringify(manifest)}\n`, 'utf8');
  const partial = path.join(path.dirname(target), `.${path.basename(target)}.partial-${process.pid}`);
  const whole = crypto.createHash('sha256');
  const fd = fs.openSync(partial, 'w', 0o600);
  try {
    const write = (buf: Buffer) => {
      whole.update(buf);
      let off = 0;
      while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
    };
    write(head);
    const src = fs.openSync(payloadFile, 'r');
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      let copied = 0;
      for (;;) {
        const n = fs.readSync(src, buf, 0, buf.length, null);
        if (n === 0) break;
        write(buf.subarray(0, n));
        copied += n;
      }
      if (copied !== payloadBytes) throw new Error(`the payload changed while it was copied (${copied} of ${payloadBytes} bytes)`);
    } finally {
      fs.closeSync(src);
    }
    const trailer = Buffer.from(`${END}${whole.digest('hex')}\n`, 'utf8');
    let off = 0;
    while (off < trailer.length) off += fs.writeSync(fd, trailer, off, trailer.length - off);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(partial, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(partial, target);
  syncDir(path.dirname(target));
  return { bytes: head.length + payloadBytes + TRAILER_BYTES, manifest };
}

export function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some file systems do not sync directories; the rename itself is still atomic.
  }
}

function describeForeign(head: Buffer): string {
  if (head.subarray(0, 16).toString('latin1') === 'SQLite format 3\0') return 'it is a bare SQLite database file, not a Masthead backup; make backups with `masthead backup <file>`';
  if (head.subarray(0, 5).toString('latin1') === 'PGDMP') return 'it is a bare pg_dump archive, not a Masthead backup; restore it with pg_restore, or make backups with `masthead backup <file>`';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'it is a gzip file, not a Masthead backup (decompress it first if it holds one)';
  if (head.length === 0) return 'the file is empty';
  return 'it is not a Masthead backup (it does not begin with "MASTHEAD BACKUP")';
}

function checkManifest(m: unknown): Manifest {
  const bad = (what: string) => new BackupError(`the backup's manifest is damaged (${what})`);
  if (!m || typeof m !== 'object') throw bad('not an object');
  const o = m as Record<string, unknown>;
  if (o.format !== 'masthead-backup') throw bad('no format');
  if (o.version !== 1) throw new BackupError(`the backup is in format version ${String(o.version)}, made by a newer Masthead; upgrade Masthead to restore it`);
  if (o.dialect !== 'sqlite' && o.dialect !== 'postgres') throw bad('unknown database kind');
  if (!Array.isArray(o.migrations) || !o.migrations.every((x) => typeof x === 'string')) throw bad('no migration list');
  if (!o.tables || typeof o.tables !== 'object' || !Object.values(o.tables).every((n) => Number.isInteger(n) && (n as number) >= 0)) throw bad('no table list');
  const p = o.payload as Record<string, unknown> | undefined;
  if (!p || (p.encoding !== 'sqlite3+gzip' && p.encoding !== 'pg_dump-custom') || !Number.isInteger(p.bytes) || (p.bytes as number) < 0 || typeof p.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(p.sha256)) throw bad('no payload description');
  if (typeof o.created_at !== 'string') throw bad('no date');
  return o as unknown as Manifest;
}

/**
 * Opens a backup file and checks all of it: the header, the manifest, the length (a truncated
 * copy), the checksum over every byte (a flipped bit anywhere), the payload's own checksum.
 * Throws BackupError with a clear message; reads the whole file once.
 */
export async function openBackupFile(file: string): Promise<OpenedBackup> {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BackupError(`${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message}`);
  }
  if (!st.isFile()) throw new BackupError(`${file}: not a file`);
  const fd = fs.openSync(file, 'r');
  let head: Buffer;
  try {
    head = Buffer.alloc(Math.min(st.size, MAX_HEADER_BYTES));
    fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (head.subarray(0, MAGIC_PREFIX.length).toString('latin1') !== MAGIC_PREFIX) throw new BackupError(`${file}: ${describeForeign(head)}`);
  const nl1 = head.indexOf(0x0a);
  const firstLine = head.subarray(0, nl1 < 0 ? Math.min(head.length, 40) : nl1).toString('latin1');
  if (firstLine !== MAGIC) {
    const v = firstLine.slice(MAGIC_PREFIX.length);
    if (/^\d+$/.test(v) && Number(v) > 1) throw new BackupError(`${file}: the backup is in format version ${v}, made by a newer Masthead; upgrade Masthead to restore it`);
    throw new BackupError(`${file}: the backup's header is damaged`);
  }
  const nl2 = head.indexOf(0x0a, nl1 + 1);
  if (nl2 < 0) {
    throw new BackupError(st.size < MAX_HEADER_BYTES ? `${file}: the backup is incomplete: it ends inside its manifest (${human(st.size)}); it was cut short, copy it again` : `${file}: the backup's manifest is damaged`);
  }
  let manifest: Manifest;
  try {
    manifest = checkManifest(JSON.parse(head.subarray(nl1 + 1, nl2).toString('utf8')));
  } catch (err) {
    if (err instanceof BackupError) throw new BackupError(`${file}: ${err.message}`);
    throw new BackupError(`${file}: the backup's manifest is damaged (it is not valid JSON)`);
  }
  const payloadStart = nl2 + 1;
  const expected = payloadStart + manifest.payload.bytes + TRAILER_BYTES;
  if (st.size < expected) {
    throw new BackupError(`${file}: the backup is incomplete: ${human(st.size)} of ${human(expected)}; it was cut short (an interrupted copy or a full disk), copy it again`);
  }
  if (st.size > expected) throw new BackupError(`${file}: the backup has ${st.size - expected} bytes more than its manifest describes; it is damaged`);

  // One pass over the file: the checksum of everything before the trailer, the payload's own.
  const whole = crypto.createHash('sha256');
  const payload = crypto.createHash('sha256');
  const payloadEnd = payloadStart + manifest.payload.bytes;
  let at = 0;
  let trailer = Buffer.alloc(0);
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const start = at;
    const end = at + chunk.length;
    at = end;
    const beforeTrailer = chunk.subarray(0, Math.max(0, Math.min(chunk.length, payloadEnd - start)));
    whole.update(beforeTrailer);
    const ps = Math.max(payloadStart, start);
    const pe = Math.min(payloadEnd, end);
    if (pe > ps) payload.update(chunk.subarray(ps - start, pe - start));
    if (end > payloadEnd) trailer = Buffer.concat([trailer, chunk.subarray(Math.max(0, payloadEnd - start))]);
  }
  const trailerText = trailer.toString('latin1');
  if (!trailerText.startsWith(END) || !trailerText.endsWith('\n')) {
    throw new BackupError(`${file}: the backup's last line is missing or damaged; the file was cut short or altered`);
  }
  const recorded = trailerText.slice(END.length, -1);
  if (recorded !== whole.digest('hex')) {
    const payloadOk = payload.digest('hex') === manifest.payload.sha256;
    throw new BackupError(`${file}: the backup is damaged: its checksum does not match (${payloadOk ? 'the header or the manifest was altered' : 'the data was altered'}); it cannot be restored`);
  }
  if (payload.digest('hex') !== manifest.payload.sha256) throw new BackupError(`${file}: the backup is damaged: its data does not match its manifest`);
  return {
    file,
    manifest,
    payloadStart,
    payload: () => fs.createReadStream(file, { start: payloadStart, end: payloadEnd - 1, highWaterMark: 1 << 20 }),
  };
}

/** Refuses a backup from a newer schema (migrations this Masthead does not know). */
export function checkMigrations(manifest: Manifest, known: string[]): void {
  const knownSet = new Set(known);
  const unknown = manifest.migrations.filter((m) => !knownSet.has(m));
  if (unknown.length > 0) {
    throw new BackupError(`the backup comes from a newer version of Masthead: its database has migration${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}, which this version does not know. Upgrade Masthead, then restore`);
  }
  // Migrations run in name order: a backup that has a later one without an earlier one is not ours.
  const sorted = [...known].sort();
  const expectedPrefix = sorted.slice(0, manifest.migrations.length);
  const gap = expectedPrefix.find((m) => !manifest.migrations.includes(m));
  if (gap) {
    throw new BackupError(`the backup's database lacks migration ${gap} but has later ones (${manifest.migrations.join(', ')}); this version of Masthead cannot upgrade it`);
  }
}
