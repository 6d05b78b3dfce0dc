import zlib from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

// gzip for what is safe to compress: public pages, feeds, sitemaps and API answers for anonymous
// readers. A compressed answer that holds a secret next to text an attacker can choose (a search
// query echoed on the page) lets the attacker guess the secret from the compressed size (BREACH),
// so nothing with a form token in it, and nothing for a signed-in reader, is compressed.
// Cached pages are Buffers reused from request to request: their gzip is made once and kept
// with them (a WeakMap, gone when the page leaves the cache).

const MIN_BYTES = 1024;
const COMPRESSIBLE = /^(text\/|application\/(json|xml|rss\+xml|atom\+xml|javascript)|image\/svg\+xml)/;
const FORM_TOKEN = 'name="_csrf"';
const FORM_TOKEN_BYTES = Buffer.from(FORM_TOKEN);
const gzipped = new WeakMap<Buffer, Buffer>();

/** Whether the client takes gzip (Accept-Encoding, with its q-values). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(',') : header ?? '';
  let gzip: number | null = null;
  let star: number | null = null;
  for (const part of value.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((x) => x !== undefined);
    const weight = q === undefined ? 1 : Number(q);
    if (name === 'gzip' || name === 'x-gzip') gzip = weight;
    else if (name === '*') star = weight;
  }
  return (gzip ?? star ?? 0) > 0;
}

/** Adds request headers to Vary, keeping those already named there. */
export function addVary(reply: FastifyReply, ...fields: string[]): void {
  const names = String(reply.getHeader('vary') ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  for (const f of fields) if (!names.some((n) => n.toLowerCase() === f.toLowerCase())) names.push(f);
  reply.header('vary', names.join(', '));
}

/** The onSend hook: the payload, gzipped when that is safe and worth it. */
export async function compressPayload(req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
  const type = String(reply.getHeader('content-type') ?? '');
  if (!COMPRESSIBLE.test(type)) return payload;
  if (reply.hasHeader('content-encoding') || reply.hasHeader('content-range') || reply.statusCode === 204 || reply.statusCode === 304) return payload;
  if (payload.length < MIN_BYTES) return payload;
  addVary(reply, 'Accept-Encoding');
  if (!acceptsGzip(req.headers['accept-encoding']) || req.viewer?.kind === 'user') return payload;
  if (typeof payload === 'string' ? payload.includes(FORM_TOKEN) : payload.includes(FORM_TOKEN_BYTES)) return payload;
  let out = typeof payload === 'string' ? undefined : gzipped.get(payload);
  if (!out) {
    out = zlib.gzipSync(payload, { level: 6 });
    if (Buffer.isBuffer(payload)) gzipped.set(payload, out);
  }
  reply.header('content-encoding', 'gzip');
  reply.removeHeader('content-length');
  return out;
}
