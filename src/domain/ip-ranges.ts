import ipaddr from 'ipaddr.js';
import { InputError } from './types.ts';

// Institutional access by address range. Pure: no I/O.
//
// Every address is kept as its 128-bit value written as 32 lowercase hex digits, with IPv4
// mapped into IPv6 (a.b.c.d is ::ffff:a.b.c.d), so that a range is two strings and "is this
// address in that range" is two string comparisons that SQLite and PostgreSQL answer alike
// from an index. An address that arrives as IPv4 and the same address as IPv4-mapped IPv6
// (which is how a dual-stack socket reports IPv4 clients) have the same key.

export interface IpRange {
  /** First address of the range, 32 lowercase hex digits. */
  first: string;
  /** Last address of the range (inclusive), 32 lowercase hex digits. */
  last: string;
  /** Canonical text: "192.0.2.7", "192.0.2.0/24", "192.0.2.10-192.0.2.20", "2001:db8::/32". */
  label: string;
}

type Family = 'ipv4' | 'ipv6';

/** The IPv4-mapped block ::ffff:0:0/96. */
const MAPPED_FIRST = 0xffffn << 32n;
const MAPPED_LAST = MAPPED_FIRST + 0xffffffffn;

/** The widest ranges accepted: an IPv4 /8 (16,777,216 addresses) and an IPv6 /16. */
const MAX_IPV4_SIZE = 1n << 24n;
const MAX_IPV6_SIZE = 1n << 112n;

const MAX_INPUT_LENGTH = 200;

/** Why a piece of text is not an address; the caller adds which input it was. */
class NotAnAddress extends Error {}

function isMapped(v: bigint): boolean {
  return v >= MAPPED_FIRST && v <= MAPPED_LAST;
}

/** Strict dotted-quad IPv4: four decimal parts 0–255, no leading zeros (which some tools read as octal). */
function parseIPv4(text: string, shown = text): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) throw new NotAnAddress(`"${shown}" is not an IPv4 or IPv6 address`);
  let value = 0;
  for (const part of m.slice(1)) {
    if (part.length > 1 && part.startsWith('0')) {
      throw new NotAnAddress(`"${shown}" has a part with a leading zero, which some tools read as octal; write it without`);
    }
    const n = Number(part);
    if (n > 255) throw new NotAnAddress(`"${shown}" has a part greater than 255`);
    value = value * 256 + n;
  }
  return value;
}

function ipv4Text(v: number): string {
  return [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff].join('.');
}

/**
 * One address as its 128-bit value. IPv6 may end in an embedded dotted quad
 * (::ffff:192.0.2.7, 64:ff9b::192.0.2.7); the quad is read strictly and stands for the last
 * 32 bits, nothing more (ipaddr.js would turn the IPv4-compatible ::1.2.3.4 into ::ffff:1.2.3.4).
 */
function parseAddress(text: string, zone: 'refuse' | 'ignore'): { value: bigint; family: Family } {
  if (!text.includes(':')) {
    const v = BigInt(parseIPv4(text));
    return { value: MAPPED_FIRST | v, family: 'ipv4' };
  }
  let s = text;
  const pct = s.indexOf('%');
  if (pct >= 0) {
    if (zone === 'refuse') throw new NotAnAddress(`"${text}" has a zone index (%…), which only means something on one machine`);
    s = s.slice(0, pct);
  }
  if (s.includes('.')) {
    const colon = s.lastIndexOf(':');
    const quad = parseIPv4(s.slice(colon + 1), text);
    s = `${s.slice(0, colon + 1)}${(quad >>> 16).toString(16)}:${(quad & 0xffff).toString(16)}`;
  }
  if (!/^[0-9a-fA-F:]+$/.test(s) || !ipaddr.IPv6.isValid(s)) throw new NotAnAddress(`"${text}" is not an IPv4 or IPv6 address`);
  let value = 0n;
  for (const part of ipaddr.IPv6.parse(s).parts) value = (value << 16n) | BigInt(part);
  return { value, family: isMapped(value) ? 'ipv4' : 'ipv6' };
}

function toKey(v: bigint): string {
  return v.toString(16).padStart(32, '0');
}

function addressText(v: bigint, family: Family): string {
  if (family === 'ipv4') return ipv4Text(Number(v & 0xffffffffn));
  const parts: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) parts.push(Number((v >> shift) & 0xffffn));
  return new ipaddr.IPv6(parts).toRFC5952String();
}

/** "192.0.2.7", "192.0.2.0/24" when the range is exactly one network, else "first-last". */
function canonicalLabel(first: bigint, last: bigint, family: Family): string {
  const start = addressText(first, family);
  if (first === last) return start;
  const size = last - first + 1n;
  if ((size & (size - 1n)) === 0n && first % size === 0n) {
    const hostBits = size.toString(2).length - 1;
    return `${start}/${(family === 'ipv4' ? 32 : 128) - hostBits}`;
  }
  return `${start}-${addressText(last, family)}`;
}

function formatCount(n: bigint): string {
  return n.toLocaleString('en-US');
}

function parsePrefix(text: string, max: number): number | null {
  if (!/^(0|[1-9]\d{0,2})$/.test(text)) return null;
  const n = Number(text);
  return n <= max ? n : null;
}

/**
 * Parses what an administrator types for an institution: a single address (192.0.2.7,
 * 2001:db8::1), a CIDR block (192.0.2.0/24, 2001:db8::/32; host bits are cleared, so
 * 192.0.2.5/24 is 192.0.2.0/24), or a range of two addresses (192.0.2.10-192.0.2.20).
 * IPv4 and IPv4-mapped IPv6 (::ffff:192.0.2.7, ::ffff:192.0.2.0/120) are the same thing and
 * are labelled as IPv4. Refuses ranges wider than an IPv4 /8 or an IPv6 /16: an institution
 * that covers that much of the internet gives premium articles away.
 * Throws InputError with a message a person can act on.
 */
export function parseRange(input: string): IpRange {
  const text = input.trim();
  const bad = (why: string) => new InputError(`"${input}" is not an address range: ${why}`);
  if (text === '') throw bad('it is empty');
  if (text.length > MAX_INPUT_LENGTH) throw new InputError(`"${input.slice(0, 60)}…" is not an address range: it is too long`);
  const shape = 'expected an address (192.0.2.7), a CIDR block (192.0.2.0/24, 2001:db8::/32) or a range (192.0.2.10-192.0.2.20)';

  let first: bigint;
  let last: bigint;
  let family: Family;
  try {
    const slash = text.split('/');
    const dash = text.split('-');
    if (slash.length > 2 || dash.length > 2 || (slash.length === 2 && dash.length === 2)) throw bad(shape);
    if (slash.length === 2) {
      const addrText = slash[0].trim();
      const prefixText = slash[1].trim();
      if (addrText === '' || prefixText === '') throw bad(shape);
      const addr = parseAddress(addrText, 'refuse');
      const v4Text = !addrText.includes(':');
      const bits = v4Text ? 32 : 128;
      const given = parsePrefix(prefixText, bits);
      if (given === null) throw bad(`prefix must be 0–${bits} for ${v4Text ? 'IPv4' : 'IPv6'}`);
      const prefix = v4Text ? given + 96 : given;
      const hostMask = (1n << BigInt(128 - prefix)) - 1n;
      first = addr.value & ~hostMask;
      last = first | hostMask;
      family = isMapped(first) && isMapped(last) ? 'ipv4' : 'ipv6';
    } else if (dash.length === 2) {
      const aText = dash[0].trim();
      const bText = dash[1].trim();
      if (aText === '' || bText === '') throw bad(shape);
      const a = parseAddress(aText, 'refuse');
      const b = parseAddress(bText, 'refuse');
      if (a.family !== b.family) throw bad('both ends must be IPv4 or both IPv6');
      if (a.value > b.value) throw bad(`the first address (${addressText(a.value, a.family)}) comes after the last (${addressText(b.value, b.family)})`);
      first = a.value;
      last = b.value;
      family = a.family;
    } else {
      const addr = parseAddress(text, 'refuse');
      first = last = addr.value;
      family = addr.family;
    }
  } catch (err) {
    if (err instanceof NotAnAddress) throw bad(err.message);
    throw err;
  }

  const size = last - first + 1n;
  if (family === 'ipv4' && size > MAX_IPV4_SIZE) {
    throw new InputError(`"${input}" is too wide: it covers ${formatCount(size)} IPv4 addresses, and the limit is a /8 (${formatCount(MAX_IPV4_SIZE)}); list the institution's own networks instead`);
  }
  if (family === 'ipv6') {
    if (size > MAX_IPV6_SIZE) {
      throw new InputError(`"${input}" is too wide: an IPv6 range may be at most a /16; list the institution's own networks instead`);
    }
    const lo = first > MAPPED_FIRST ? first : MAPPED_FIRST;
    const hi = last < MAPPED_LAST ? last : MAPPED_LAST;
    if (lo <= hi && hi - lo + 1n > MAX_IPV4_SIZE) {
      throw new InputError(`"${input}" is too wide: it covers ${formatCount(hi - lo + 1n)} IPv4 addresses (as ::ffff:0:0/96), and the limit is a /8 (${formatCount(MAX_IPV4_SIZE)})`);
    }
  }
  return { first: toKey(first), last: toKey(last), label: canonicalLabel(first, last, family) };
}

/**
 * The key of a request's address (Fastify's req.ip: "192.0.2.7", "2001:db8::1", or
 * "::ffff:192.0.2.7" from a dual-stack socket), in the form parseRange gives first/last.
 * A zone index (fe80::1%eth0) is ignored. null when the text is not an address.
 */
export function ipKey(address: string): string | null {
  if (typeof address !== 'string' || address.length === 0 || address.length > MAX_INPUT_LENGTH) return null;
  try {
    return toKey(parseAddress(address, 'ignore').value);
  } catch (err) {
    if (err instanceof NotAnAddress) return null;
    throw err;
  }
}

/** The address behind a key, as text: "192.0.2.7" for IPv4-mapped keys, RFC 5952 IPv6 otherwise. */
export function keyToAddress(key: string): string {
  if (!/^[0-9a-f]{32}$/.test(key)) throw new Error(`not an address key: "${key}"`);
  const v = BigInt(`0x${key}`);
  return addressText(v, isMapped(v) ? 'ipv4' : 'ipv6');
}
