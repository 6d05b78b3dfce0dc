import crypto from 'node:crypto';

// Secrets kept at rest (two-factor keys) sealed with AES-256-GCM under keys from the environment
// (TOTP_KEY), so that a copy of the database (a backup, a dump) does not hold them in the clear.
// The first key seals; every key opens, so a key is changed by putting the new one first and
// keeping the old one after it until `masthead serve` has resealed everything.
//
// Sealed form: "sealed1.<key id>.<base64url(iv ‖ tag ‖ ciphertext)>", where the key id is the
// first 8 hex digits of the key's SHA-256 (tells which key sealed it; never the key). The
// context (for two-factor keys, the user id) is authenticated data: a sealed value copied to
// another row does not open there.

const PREFIX = 'sealed1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function keyId(key: Buffer): string {
  return crypto.createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * TOTP_KEY: one or more comma-separated keys of 32 bytes, each as 64 hex digits or base64.
 * Throws an Error naming the problem (never the key) for anything else.
 */
export function parseSealingKeys(raw: string | undefined, name = 'TOTP_KEY'): Buffer[] {
  if (raw === undefined || raw.trim() === '') return [];
  const keys = raw.split(',').map((s) => s.trim()).filter(Boolean).map((s, i) => {
    const key = /^[0-9a-fA-F]{64}$/.test(s) ? Buffer.from(s, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(s) ? Buffer.from(s, 'base64') : null;
    if (!key || key.length !== 32) {
      throw new Error(`${name}: key ${i + 1} is not 32 bytes as 64 hex digits or base64 (make one with: openssl rand -hex 32)`);
    }
    return key;
  });
  if (new Set(keys.map(keyId)).size !== keys.length) throw new Error(`${name} names the same key twice`);
  return keys;
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/** The key id a value was sealed with, or null for a value in the clear. */
export function sealedWith(stored: string): string | null {
  return isSealed(stored) ? stored.slice(PREFIX.length, PREFIX.length + 8) : null;
}

export function seal(key: Buffer, plaintext: string, context: string): string {
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${PREFIX}${keyId(key)}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
}

export type Opened = { ok: true; value: string } | { ok: false; problem: 'no-key' | 'wrong-key' };

/** A stored value in the clear: itself. A sealed one: opened with whichever key sealed it. */
export function open(keys: Buffer[], stored: string, context: string): Opened {
  if (!isSealed(stored)) return { ok: true, value: stored };
  if (keys.length === 0) return { ok: false, problem: 'no-key' };
  const id = sealedWith(stored);
  const key = keys.find((k) => keyId(k) === id);
  if (!key) return { ok: false, problem: 'wrong-key' };
  const raw = Buffer.from(stored.slice(PREFIX.length + 9), 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) return { ok: false, problem: 'wrong-key' };
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return { ok: true, value: Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8') };
  } catch {
    return { ok: false, problem: 'wrong-key' };
  }
}
