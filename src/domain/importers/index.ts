// Choose the importer for a file by its extension. Pure: the caller reads the file.

import { InputError, type ImportedArticle } from '../types.ts';
import { parseMarkdown } from './markdown.ts';
import { parsePlainText } from './plaintext.ts';
import { parseDocx } from './docx.ts';

export { parseMarkdown } from './markdown.ts';
export { parsePlainText } from './plaintext.ts';
export { parseDocx } from './docx.ts';

export const SUPPORTED_EXTENSIONS = ['.txt', '.md', '.markdown'] as const;

function extensionOf(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot).toLowerCase() : '';
}

/** Line (1-based) of a byte offset: the number of LF bytes before it, plus one. */
function lineOfByte(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < bytes.length; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** Byte offset of the first invalid UTF-8 sequence, or -1. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) [n, min] = [1, 0x80];
    else if (c >= 0xe0 && c <= 0xef) [n, min] = [2, 0x800];
    else if (c >= 0xf0 && c <= 0xf4) [n, min] = [3, 0x10000];
    else return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

/** Decode a file's bytes as UTF-8, or throw an InputError naming the line with the first bad byte. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new InputError('file is not valid UTF-8 text: it is UTF-16; save it as UTF-8', file, 1);
  }
  try {
    // ignoreBOM: false (the default) strips a UTF-8 byte-order mark.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    const line = lineOfByte(bytes, at < 0 ? 0 : at);
    const hex = at >= 0 ? ` (byte 0x${bytes[at].toString(16).toUpperCase().padStart(2, '0')})` : '';
    throw new InputError(
      `file is not valid UTF-8 text${hex}; it may be Windows-1252 or Latin-1: save it as UTF-8`,
      file,
      line,
    );
  }
}

export function parseImportFile(file: string, content: Buffer | string): ImportedArticle {
  const ext = extensionOf(file);
  if (ext === '.docx') {
    throw new InputError('Word .docx import is not supported yet; save as .txt or .md', file);
  }
  if (ext !== '.txt' && ext !== '.md' && ext !== '.markdown') {
    throw new InputError(
      `unsupported file type ${ext === '' ? '(no extension)' : `"${ext}"`}: import plain text (.txt) or Markdown (.md, .markdown)`,
      file,
    );
  }
  const text = typeof content === 'string' ? content : decodeUtf8(content, file);
  return ext === '.txt' ? parsePlainText(text, file) : parseMarkdown(text, file);
}

/** Every format, Word .docx included (its conversion is asynchronous). */
export async function parseImportFileAsync(file: string, content: Buffer | Uint8Array | string): Promise<ImportedArticle> {
  if (extensionOf(file) === '.docx') {
    if (typeof content === 'string') throw new InputError('a Word .docx file must be read as bytes, not text', file);
    return parseDocx(content, file);
  }
  return parseImportFile(file, typeof content === 'string' ? content : Buffer.from(content.buffer, content.byteOffset, content.byteLength));
}
