import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';

// Request ids: every log line of a request carries one, and the response echoes it in
// X-Request-Id. An id sent by the client is taken only from a proxy listed in TRUST_PROXY (so a
// load balancer's id follows the request through); from anyone else it could be used to forge
// or confuse log lines, so a fresh one is made.

const NAMED: Record<string, string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

function parseTrusted(entry: string): Cidr[] {
  if (NAMED[entry]) return NAMED[entry].flatMap(parseTrusted);
  try {
    if (entry.includes('/')) {
      const [addr, bits] = ipaddr.parseCIDR(entry);
      if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) return [[(addr as ipaddr.IPv6).toIPv4Address(), bits - 96]];
      return [[addr, bits]];
    }
    const addr = ipaddr.process(entry);
    return [[addr, addr.kind() === 'ipv4' ? 32 : 128]];
  } catch {
    return []; // Fastify's own trust check reports bad entries; here they simply trust nothing
  }
}

/** Whether an address (the TCP peer) is one of the proxies in TRUST_PROXY (addresses, CIDRs, loopback, linklocal, uniquelocal). */
export function trustedProxy(trustProxy: string[]): (address: string | undefined) => boolean {
  const ranges = trustProxy.flatMap(parseTrusted);
  if (!ranges.length) return () => false;
  return (address) => {
    if (!address || !ipaddr.isValid(address)) return false;
    const a = ipaddr.process(address);
    return ranges.some(([net, bits]) => net.kind() === a.kind() && a.match(net as never, bits));
  };
}

const ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** A new request id: 16 random bytes, hex (short enough to read, unique enough never to collide). */
export function newRequestId(): string {
  return crypto.randomBytes(16).toString('hex');
}

/** Fastify's genReqId: X-Request-Id from a trusted proxy (when it is a sane token), else a new id. */
export function requestIdGenerator(trustProxy: string[]): (req: IncomingMessage) => string {
  const trusted = trustedProxy(trustProxy);
  return (req) => {
    const given = req.headers['x-request-id'];
    if (typeof given === 'string' && ID.test(given) && trusted(req.socket?.remoteAddress)) return given;
    return newRequestId();
  };
}

/** Whether a request came straight from this machine: a loopback peer and no proxy in between. */
export function fromLoopback(req: IncomingMessage): boolean {
  const peer = req.socket?.remoteAddress;
  if (!peer || !ipaddr.isValid(peer)) return false;
  if (ipaddr.process(peer).range() !== 'loopback') return false;
  // A proxy on this machine (nginx) forwards strangers' requests from loopback too; it says so.
  return req.headers['x-forwarded-for'] === undefined && req.headers.forwarded === undefined && req.headers['x-real-ip'] === undefined;
}
