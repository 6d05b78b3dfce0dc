import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

// TOTP as authenticator apps do it (RFC 6238: SHA-1, 6 digits, 30 seconds), with one step of
// clock drift either way. The caller stores the step of an accepted code so it never works twice.

const PERIOD = 30;
const DIGITS = 6;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totp(secret: string, issuer: string, label: string): TOTP {
  return new TOTP({ issuer, label, secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: DIGITS, period: PERIOD });
}

/** "123 456", "123456" → "123456"; anything else → null. */
export function normalizeCode(code: unknown): string | null {
  if (typeof code !== 'string') return null;
  const c = code.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(c) ? c : null;
}

/** The time step the code belongs to, or null when it is not a current code for this secret. */
export function checkTotpCode(secret: string, code: unknown, now = Date.now()): number | null {
  const c = normalizeCode(code);
  if (!c) return null;
  const delta = totp(secret, 'x', 'x').validate({ token: c, timestamp: now, window: 1 });
  if (delta === null) return null;
  return TOTP.counter({ period: PERIOD, timestamp: now }) + delta;
}

/** The current code (tests, and nothing else, need this). */
export function currentTotpCode(secret: string, now = Date.now()): string {
  return totp(secret, 'x', 'x').generate({ timestamp: now });
}

export function otpauthUri(secret: string, issuer: string, account: string): string {
  return totp(secret, issuer, account).toString();
}

/** The otpauth URI as a QR code, an SVG data URL for an <img>. */
export async function qrDataUrl(uri: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/** The secret in groups of four, easier to type. */
export function groupSecret(secret: string): string {
  return secret.replace(/(.{4})/g, '$1 ').trim();
}
