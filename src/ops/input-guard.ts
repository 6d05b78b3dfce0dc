import type { FastifyRequest } from 'fastify';

// Text with a NUL character (U+0000) is never valid input here, and PostgreSQL cannot store or
// even compare it: a query with one fails. Refused up front with a clear 400, whichever route
// and whichever field (path, query string or form/JSON body); binary bodies are left alone.

const MAX_DEPTH = 20;

function hasNul(v: unknown, depth = 0): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (depth > MAX_DEPTH || v === null || typeof v !== 'object' || Buffer.isBuffer(v) || v instanceof Uint8Array) return false;
  if (Array.isArray(v)) return v.some((x) => hasNul(x, depth + 1));
  for (const [k, x] of Object.entries(v)) if (k.includes('\u0000') || hasNul(x, depth + 1)) return true;
  return false;
}

export class NulInputError extends Error {
  statusCode = 400;
  constructor() {
    super('The request contains a NUL character (%00 or \\u0000), which no address or form field may hold.');
    this.name = 'NulInputError';
  }
}

/** Fastify preValidation hook: 400 for a NUL anywhere in the URL or the parsed body. */
export async function refuseNulInput(req: FastifyRequest): Promise<void> {
  if (/%00/i.test(req.url) || hasNul(req.body)) throw new NulInputError();
}
