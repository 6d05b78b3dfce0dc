import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRange, ipKey, keyToAddress } from '../../src/domain/ip-ranges.ts';
import { InputError } from '../../src/domain/types.ts';

// Keys are 32 hex digits; IPv4 a.b.c.d is ::ffff:a.b.c.d.
const V4 = '00000000000000000000ffff';
const v4 = (hex8: string) => V4 + hex8;

const VALID: { input: string; first: string; last: string; label: string }[] = [
  // single IPv4 addresses
  { input: '192.0.2.7', first: v4('c0000207'), last: v4('c0000207'), label: '192.0.2.7' },
  { input: '0.0.0.0', first: v4('00000000'), last: v4('00000000'), label: '0.0.0.0' },
  { input: '255.255.255.255', first: v4('ffffffff'), last: v4('ffffffff'), label: '255.255.255.255' },
  { input: '  10.1.2.3 ', first: v4('0a010203'), last: v4('0a010203'), label: '10.1.2.3' },
  { input: '192.0.2.7/32', first: v4('c0000207'), last: v4('c0000207'), label: '192.0.2.7' },
  // IPv4 CIDR
  { input: '192.0.2.0/24', first: v4('c0000200'), last: v4('c00002ff'), label: '192.0.2.0/24' },
  { input: '192.0.2.5/24', first: v4('c0000200'), last: v4('c00002ff'), label: '192.0.2.0/24' },
  { input: '192.0.2.255/24', first: v4('c0000200'), last: v4('c00002ff'), label: '192.0.2.0/24' },
  { input: '192.0.2.0 / 24', first: v4('c0000200'), last: v4('c00002ff'), label: '192.0.2.0/24' },
  { input: '10.0.0.0/8', first: v4('0a000000'), last: v4('0affffff'), label: '10.0.0.0/8' },
  { input: '10.200.3.4/8', first: v4('0a000000'), last: v4('0affffff'), label: '10.0.0.0/8' },
  { input: '172.16.0.0/12', first: v4('ac100000'), last: v4('ac1fffff'), label: '172.16.0.0/12' },
  { input: '198.51.100.128/25', first: v4('c6336480'), last: v4('c63364ff'), label: '198.51.100.128/25' },
  { input: '203.0.113.8/31', first: v4('cb007108'), last: v4('cb007109'), label: '203.0.113.8/31' },
  { input: '255.255.255.255/8', first: v4('ff000000'), last: v4('ffffffff'), label: '255.0.0.0/8' },
  // IPv4 spans
  { input: '192.0.2.10-192.0.2.20', first: v4('c000020a'), last: v4('c0000214'), label: '192.0.2.10-192.0.2.20' },
  { input: '192.0.2.10 - 192.0.2.20', first: v4('c000020a'), last: v4('c0000214'), label: '192.0.2.10-192.0.2.20' },
  { input: '192.0.2.7-192.0.2.7', first: v4('c0000207'), last: v4('c0000207'), label: '192.0.2.7' },
  { input: '192.0.2.0-192.0.2.255', first: v4('c0000200'), last: v4('c00002ff'), label: '192.0.2.0/24' },
  { input: '192.0.2.255-192.0.3.0', first: v4('c00002ff'), last: v4('c0000300'), label: '192.0.2.255-192.0.3.0' },
  { input: '10.0.0.0-10.255.255.255', first: v4('0a000000'), last: v4('0affffff'), label: '10.0.0.0/8' },
  { input: '10.0.0.1-11.0.0.0', first: v4('0a000001'), last: v4('0b000000'), label: '10.0.0.1-11.0.0.0' },
  // IPv4-mapped IPv6 is IPv4
  { input: '::ffff:192.0.2.7', first: v4('c0000207'), last: v4('c0000207'), label: '192.0.2.7' },
  { input: '::FFFF:192.0.2.7', first: v4('c0000207'), last: v4('c0000207'), label: '192.0.2.7' },
  { input: '::ffff:c000:207', first: v4('c0000207'), last: v4('c0000207'), label: '192.0.2.7' },
  { input: '0:0:0:0:0:ffff:c000:0207', first: v4('c0000207'), last: v4('c0000207'), label: '192.0.2.7' },
  { input: '::ffff:192.0.2.0/120', first: v4('c0000200'), last: v4('c00002ff'), label: '192.0.2.0/24' },
  { input: '::ffff:192.0.2.99/120', first: v4('c0000200'), last: v4('c00002ff'), label: '192.0.2.0/24' },
  { input: '::ffff:10.0.0.0/104', first: v4('0a000000'), last: v4('0affffff'), label: '10.0.0.0/8' },
  { input: '::ffff:192.0.2.7/128', first: v4('c0000207'), last: v4('c0000207'), label: '192.0.2.7' },
  { input: '::ffff:192.0.2.10-::ffff:192.0.2.20', first: v4('c000020a'), last: v4('c0000214'), label: '192.0.2.10-192.0.2.20' },
  { input: '192.0.2.10-::ffff:192.0.2.20', first: v4('c000020a'), last: v4('c0000214'), label: '192.0.2.10-192.0.2.20' },
  // IPv6
  { input: '2001:db8::1', first: '20010db8000000000000000000000001', last: '20010db8000000000000000000000001', label: '2001:db8::1' },
  { input: '2001:DB8::1', first: '20010db8000000000000000000000001', last: '20010db8000000000000000000000001', label: '2001:db8::1' },
  { input: '2001:0db8:0000:0000:0000:0000:0000:0001', first: '20010db8000000000000000000000001', last: '20010db8000000000000000000000001', label: '2001:db8::1' },
  { input: '::1', first: '00000000000000000000000000000001', last: '00000000000000000000000000000001', label: '::1' },
  { input: '::', first: '00000000000000000000000000000000', last: '00000000000000000000000000000000', label: '::' },
  { input: '2001:db8::/32', first: '20010db8000000000000000000000000', last: '20010db8ffffffffffffffffffffffff', label: '2001:db8::/32' },
  { input: '2001:db8:abcd:12::5/64', first: '20010db8abcd00120000000000000000', last: '20010db8abcd0012ffffffffffffffff', label: '2001:db8:abcd:12::/64' },
  { input: '2001:db8::/16', first: '20010000000000000000000000000000', last: '2001ffffffffffffffffffffffffffff', label: '2001::/16' },
  { input: '2001:db8::1/128', first: '20010db8000000000000000000000001', last: '20010db8000000000000000000000001', label: '2001:db8::1' },
  { input: 'fe80::/64', first: 'fe800000000000000000000000000000', last: 'fe80000000000000ffffffffffffffff', label: 'fe80::/64' },
  { input: '2001:db8::10-2001:db8::20', first: '20010db8000000000000000000000010', last: '20010db8000000000000000000000020', label: '2001:db8::10-2001:db8::20' },
  { input: '2001:db8::-2001:db8::ff', first: '20010db8000000000000000000000000', last: '20010db80000000000000000000000ff', label: '2001:db8::/120' },
  { input: '2001:db8:0:0:1::1', first: '20010db8000000000001000000000001', last: '20010db8000000000001000000000001', label: '2001:db8::1:0:0:1' },
  // an embedded dotted quad stands for the last 32 bits only: IPv4-compatible and NAT64 addresses are IPv6
  { input: '::192.0.2.7', first: '000000000000000000000000c0000207', last: '000000000000000000000000c0000207', label: '::c000:207' },
  { input: '64:ff9b::192.0.2.7', first: '0064ff9b0000000000000000c0000207', last: '0064ff9b0000000000000000c0000207', label: '64:ff9b::c000:207' },
  // just below and above the mapped block are plain IPv6
  { input: '::fffe:ffff:ffff', first: '00000000000000000000fffeffffffff', last: '00000000000000000000fffeffffffff', label: '::fffe:ffff:ffff' },
  { input: '::1:0:0:0', first: '00000000000000000001000000000000', last: '00000000000000000001000000000000', label: '::1:0:0:0' },
];

for (const c of VALID) {
  test(`parseRange(${JSON.stringify(c.input)}) → ${c.label}`, () => {
    assert.deepEqual(parseRange(c.input), { first: c.first, last: c.last, label: c.label });
  });
}

test('every label parses back to the same range', () => {
  for (const c of VALID) {
    const r = parseRange(c.input);
    assert.deepEqual(parseRange(r.label), r, c.input);
  }
});

const INVALID: { input: string; message: RegExp }[] = [
  { input: '', message: /^"" is not an address range: it is empty$/ },
  { input: '   ', message: /is not an address range: it is empty/ },
  { input: '10.0.0.0/33', message: /^"10\.0\.0\.0\/33" is not an address range: prefix must be 0–32 for IPv4$/ },
  { input: '10.0.0.0/-1', message: /not an address range/ },
  { input: '10.0.0.0/', message: /not an address range: expected an address/ },
  { input: '/24', message: /not an address range: expected an address/ },
  { input: '10.0.0.0/24/8', message: /not an address range: expected an address/ },
  { input: '10.0.0.0/ab', message: /prefix must be 0–32 for IPv4/ },
  { input: '10.0.0.0/08', message: /prefix must be 0–32 for IPv4/ },
  { input: '10.0.0.0/8.5', message: /prefix must be 0–32 for IPv4/ },
  { input: '2001:db8::/129', message: /^"2001:db8::\/129" is not an address range: prefix must be 0–128 for IPv6$/ },
  { input: '::ffff:10.0.0.0/129', message: /prefix must be 0–128 for IPv6/ },
  { input: '256.0.0.1', message: /"256\.0\.0\.1" has a part greater than 255/ },
  { input: '192.0.2', message: /"192\.0\.2" is not an IPv4 or IPv6 address/ },
  { input: '192.0.2.1.5', message: /is not an IPv4 or IPv6 address/ },
  { input: '010.0.0.1', message: /leading zero/ },
  { input: '192.168.001.10', message: /leading zero/ },
  { input: '::ffff:010.0.0.1', message: /leading zero/ },
  { input: '0x0a.0.0.1', message: /is not an IPv4 or IPv6 address/ },
  { input: '167772161', message: /is not an IPv4 or IPv6 address/ },
  { input: 'localhost', message: /"localhost" is not an IPv4 or IPv6 address/ },
  { input: 'example.org/24', message: /is not an IPv4 or IPv6 address/ },
  { input: '2001:db8::1::1', message: /is not an IPv4 or IPv6 address/ },
  { input: '1:2:3:4:5:6:7:8:9', message: /is not an IPv4 or IPv6 address/ },
  { input: '12345::1', message: /is not an IPv4 or IPv6 address/ },
  { input: 'g::1', message: /is not an IPv4 or IPv6 address/ },
  { input: ':::', message: /is not an IPv4 or IPv6 address/ },
  { input: '[2001:db8::1]', message: /is not an IPv4 or IPv6 address/ },
  { input: '::ffff:1.2.3', message: /is not an IPv4 or IPv6 address/ },
  { input: '::ffff:256.1.1.1', message: /greater than 255/ },
  { input: '1.2.3.4::', message: /is not an IPv4 or IPv6 address/ },
  { input: 'fe80::1%eth0', message: /zone index/ },
  { input: '192.0.2.20-192.0.2.10', message: /^"192\.0\.2\.20-192\.0\.2\.10" is not an address range: the first address \(192\.0\.2\.20\) comes after the last \(192\.0\.2\.10\)$/ },
  { input: '2001:db8::2-2001:db8::1', message: /comes after the last/ },
  { input: '192.0.2.1-2001:db8::1', message: /both ends must be IPv4 or both IPv6/ },
  { input: '2001:db8::1-192.0.2.1', message: /both ends must be IPv4 or both IPv6/ },
  { input: '::1-::ffff:192.0.2.1', message: /both ends must be IPv4 or both IPv6/ },
  { input: '192.0.2.1-', message: /expected an address/ },
  { input: '-192.0.2.1', message: /expected an address/ },
  { input: '192.0.2.1-192.0.2.5-192.0.2.9', message: /expected an address/ },
  { input: '192.0.2.0/24-192.0.3.0/24', message: /expected an address/ },
  { input: '192.0.2.1,192.0.2.2', message: /is not an IPv4 or IPv6 address/ },
  { input: '1'.repeat(300), message: /too long/ },
  // too wide: more of the internet than any institution owns
  { input: '0.0.0.0/0', message: /^"0\.0\.0\.0\/0" is too wide: it covers 4,294,967,296 IPv4 addresses, and the limit is a \/8 \(16,777,216\)/ },
  { input: '10.0.0.0/7', message: /too wide: it covers 33,554,432 IPv4 addresses/ },
  { input: '128.0.0.0/1', message: /too wide/ },
  { input: '10.0.0.0-11.0.0.0', message: /too wide: it covers 16,777,217 IPv4 addresses/ },
  { input: '0.0.0.0-255.255.255.255', message: /too wide/ },
  { input: '::ffff:0:0/96', message: /too wide: it covers 4,294,967,296 IPv4 addresses/ },
  { input: '::ffff:0.0.0.0/103', message: /too wide: it covers 33,554,432 IPv4 addresses/ },
  { input: '::/0', message: /^"::\/0" is too wide: an IPv6 range may be at most a \/16/ },
  { input: 'fe80::/10', message: /too wide/ },
  { input: '2000::/3', message: /too wide: an IPv6 range may be at most a \/16/ },
  { input: '2001:db8::/15', message: /too wide/ },
  { input: '2000::-2002::', message: /too wide/ },
  // IPv6 ranges that swallow the whole IPv4-mapped block are IPv4 ranges too wide
  { input: '::/64', message: /too wide: it covers 4,294,967,296 IPv4 addresses \(as ::ffff:0:0\/96\)/ },
  { input: '::ffff:0:0/95', message: /too wide: it covers 4,294,967,296 IPv4 addresses/ },
  { input: '::ffff:192.0.2.7/90', message: /too wide/ },
  { input: '::1-::1:0:0:0', message: /too wide: it covers 4,294,967,296 IPv4 addresses/ },
];

for (const c of INVALID) {
  test(`parseRange(${JSON.stringify(c.input.length > 40 ? `${c.input.slice(0, 20)}…` : c.input)}) is refused`, () => {
    assert.throws(() => parseRange(c.input), (err: unknown) => {
      assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`);
      assert.match(err.message, c.message);
      return true;
    });
  });
}

test('the widest accepted ranges are an IPv4 /8 and an IPv6 /16', () => {
  assert.equal(parseRange('10.0.0.0/8').label, '10.0.0.0/8');
  assert.equal(parseRange('10.0.0.0-10.255.255.255').label, '10.0.0.0/8');
  assert.equal(parseRange('2001::/16').label, '2001::/16');
  assert.throws(() => parseRange('10.0.0.0/7'), InputError);
  assert.throws(() => parseRange('2000::/15'), InputError);
});

const KEYS: { address: string; key: string | null }[] = [
  { address: '192.0.2.7', key: v4('c0000207') },
  { address: '::ffff:192.0.2.7', key: v4('c0000207') },
  { address: '::ffff:c000:207', key: v4('c0000207') },
  { address: '127.0.0.1', key: v4('7f000001') },
  { address: '::ffff:127.0.0.1', key: v4('7f000001') },
  { address: '0.0.0.0', key: v4('00000000') },
  { address: '255.255.255.255', key: v4('ffffffff') },
  { address: '::1', key: '00000000000000000000000000000001' },
  { address: '::', key: '00000000000000000000000000000000' },
  { address: '2001:db8::1', key: '20010db8000000000000000000000001' },
  { address: '2001:DB8::1', key: '20010db8000000000000000000000001' },
  { address: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', key: 'ffffffffffffffffffffffffffffffff' },
  { address: 'fe80::1%eth0', key: 'fe800000000000000000000000000001' },
  { address: '::192.0.2.7', key: '000000000000000000000000c0000207' },
  { address: '', key: null },
  { address: 'unknown', key: null },
  { address: '192.0.2', key: null },
  { address: '192.0.2.256', key: null },
  { address: '010.0.0.1', key: null },
  { address: '192.0.2.0/24', key: null },
  { address: '192.0.2.1-192.0.2.2', key: null },
  { address: ' 192.0.2.7', key: null },
  { address: '[::1]', key: null },
  { address: '::1::', key: null },
  { address: '192.0.2.7:8080', key: null },
];

for (const c of KEYS) {
  test(`ipKey(${JSON.stringify(c.address)}) → ${c.key}`, () => {
    assert.equal(ipKey(c.address), c.key);
  });
}

test('ipKey tolerates things that are not strings', () => {
  assert.equal(ipKey(undefined as unknown as string), null);
  assert.equal(ipKey(null as unknown as string), null);
});

// Membership is first <= key <= last as strings: exactly what the database compares.
const inRange = (range: string, address: string) => {
  const r = parseRange(range);
  const k = ipKey(address);
  return k !== null && r.first <= k && k <= r.last;
};

const MEMBERSHIP: [range: string, address: string, expected: boolean][] = [
  ['192.0.2.0/24', '192.0.2.0', true],
  ['192.0.2.0/24', '192.0.2.255', true],
  ['192.0.2.0/24', '192.0.2.128', true],
  ['192.0.2.0/24', '192.0.1.255', false],
  ['192.0.2.0/24', '192.0.3.0', false],
  ['192.0.2.0/24', '::ffff:192.0.2.10', true],
  ['192.0.2.0/24', '::ffff:192.0.3.10', false],
  ['::ffff:192.0.2.0/120', '192.0.2.10', true],
  ['192.0.2.10-192.0.2.20', '192.0.2.10', true],
  ['192.0.2.10-192.0.2.20', '192.0.2.20', true],
  ['192.0.2.10-192.0.2.20', '192.0.2.9', false],
  ['192.0.2.10-192.0.2.20', '192.0.2.21', false],
  ['192.0.2.7', '192.0.2.7', true],
  ['192.0.2.7', '192.0.2.8', false],
  ['9.255.255.255', '10.0.0.0', false],
  ['10.0.0.0/8', '10.255.255.255', true],
  ['10.0.0.0/8', '11.0.0.0', false],
  ['10.0.0.0/8', '9.255.255.255', false],
  // no IPv4 range ever contains an IPv6 address, nor the other way round
  ['192.0.2.0/24', '::c000:207', false],
  ['192.0.2.0/24', '2001:db8::1', false],
  ['2001:db8::/32', '192.0.2.7', false],
  ['2001:db8::/32', '2001:db8::', true],
  ['2001:db8::/32', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', true],
  ['2001:db8::/32', '2001:db9::', false],
  ['2001:db8::/32', '2001:db7:ffff:ffff:ffff:ffff:ffff:ffff', false],
  ['2001:db8::10-2001:db8::20', '2001:db8::1a', true],
  ['2001:db8::10-2001:db8::20', '2001:db8::21', false],
  // hex digits compare as strings across the 9/a boundary
  ['9000::/16', '9000:ffff::1', true],
  ['9000::/16', 'a000::1', false],
  ['a000::/16', '9fff::1', false],
  ['fe80::/64', 'fe80::1%eth0', true],
];

for (const [range, address, expected] of MEMBERSHIP) {
  test(`${address} ${expected ? 'is' : 'is not'} in ${range}`, () => {
    assert.equal(inRange(range, address), expected);
  });
}

test('keyToAddress turns keys back into text', () => {
  assert.equal(keyToAddress(v4('c0000207')), '192.0.2.7');
  assert.equal(keyToAddress('20010db8000000000000000000000001'), '2001:db8::1');
  assert.equal(keyToAddress('00000000000000000000000000000000'), '::');
  for (const a of ['192.0.2.7', '2001:db8::1', '::1', '10.255.0.1', 'fe80::abcd:1']) assert.equal(keyToAddress(ipKey(a)!), a);
  assert.throws(() => keyToAddress('xyz'));
});

test('keys of random addresses order like the addresses themselves', () => {
  // A deterministic pseudo-random walk over both families.
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  const values: { key: string; value: bigint }[] = [];
  for (let i = 0; i < 500; i++) {
    if (i % 2) {
      const a = [rand() % 256, rand() % 256, rand() % 256, rand() % 256];
      const text = a.join('.');
      values.push({ key: ipKey(text)!, value: (0xffffn << 32n) | BigInt(((a[0] * 256 + a[1]) * 256 + a[2]) * 256 + a[3]) });
    } else {
      const parts = Array.from({ length: 8 }, () => rand() % 65536);
      const text = parts.map((p) => p.toString(16)).join(':');
      values.push({ key: ipKey(text)!, value: parts.reduce((acc, p) => (acc << 16n) | BigInt(p), 0n) });
    }
  }
  for (const x of values) assert.match(x.key, /^[0-9a-f]{32}$/);
  const byKey = [...values].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((x) => x.value);
  const byValue = [...values].sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0)).map((x) => x.value);
  assert.deepEqual(byKey, byValue);
});
