import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { openStore } from '../../src/store/db.ts';
import { InputError } from '../../src/domain/types.ts';
import {
  activateInstitution, addRange, createInstitution, deactivateInstitution, findInstitution, institutionForIp, listInstitutions,
  recordInstitutionView, removeRange, usagePeriod, usageReport,
} from '../../src/store/institutions.ts';
import { institutionCommand, runInstitution } from '../../src/cli/institution.ts';

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase();
});
after(async () => t.cleanup());

const db = () => t.store.db;

async function counts() {
  const n = async (table: 'institutions' | 'institution_ranges' | 'institution_usage') =>
    Number((await db().selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { institutions: await n('institutions'), ranges: await n('institution_ranges'), usage: await n('institution_usage') };
}

test('an institution is found by IPv4, IPv6 and IPv4-mapped addresses, first and last included', async () => {
  const lib = await createInstitution(db(), '  State   Law Library ', 'contract 2025-114');
  assert.equal(lib.name, 'State Law Library');
  assert.equal(lib.note, 'contract 2025-114');
  assert.equal(lib.active, true);
  await addRange(db(), lib.id, '198.51.100.0/24');
  await addRange(db(), lib.id, '2001:db8:100::/48');
  await addRange(db(), lib.id, '::ffff:203.0.113.16/124');
  const hit = { id: lib.id, name: 'State Law Library' };
  const cases: [string, boolean][] = [
    ['198.51.100.0', true],
    ['198.51.100.255', true],
    ['198.51.100.77', true],
    ['::ffff:198.51.100.77', true],
    ['::ffff:c633:644d', true],
    ['198.51.99.255', false],
    ['198.51.101.0', false],
    ['::ffff:198.51.101.0', false],
    ['203.0.113.16', true],
    ['203.0.113.31', true],
    ['203.0.113.15', false],
    ['203.0.113.32', false],
    ['2001:db8:100::', true],
    ['2001:db8:100:ffff:ffff:ffff:ffff:ffff', true],
    ['2001:db8:100:42::7', true],
    ['2001:DB8:100::1', true],
    ['2001:db8:ff:ffff:ffff:ffff:ffff:ffff', false],
    ['2001:db8:101::', false],
    ['::c633:644d', false],
    ['127.0.0.1', false],
    ['::1', false],
  ];
  for (const [ip, expected] of cases) assert.deepEqual(await institutionForIp(db(), ip), expected ? hit : null, ip);
});

test('addresses that are not addresses match nothing', async () => {
  for (const ip of ['', 'unknown', '198.51.100', '198.51.100.0/24', '0198.51.100.7', 'not an ip']) {
    assert.equal(await institutionForIp(db(), ip), null, ip);
  }
});

test('the same range written another way is not added twice', async () => {
  const inst = await createInstitution(db(), 'Dup College');
  const a = await addRange(db(), inst.id, '192.0.2.0/24');
  assert.equal(a.added, true);
  assert.equal(a.label, '192.0.2.0/24');
  for (const again of ['192.0.2.0/24', '192.0.2.77/24', '192.0.2.0-192.0.2.255', '::ffff:192.0.2.0/120', ' 192.0.2.0 / 24 ']) {
    const b = await addRange(db(), inst.id, again);
    assert.equal(b.added, false, again);
    assert.equal(b.id, a.id, again);
  }
  const listed = (await listInstitutions(db())).find((i) => i.id === inst.id)!;
  assert.deepEqual(listed.ranges.map((r) => r.label), ['192.0.2.0/24']);
  // The same range for another institution is that institution's own.
  const other = await createInstitution(db(), 'Dup University');
  assert.equal((await addRange(db(), other.id, '192.0.2.0/24')).added, true);
});

test('bad ranges and unknown institutions are refused with an InputError and write nothing', async () => {
  const inst = await createInstitution(db(), 'Careful Library');
  const before = await counts();
  for (const bad of ['10.0.0.0/33', '0.0.0.0/0', '::/0', '192.0.2.20-192.0.2.10', 'library.example.org', '']) {
    await assert.rejects(addRange(db(), inst.id, bad), InputError, bad);
  }
  await assert.rejects(addRange(db(), 999_999, '192.0.2.0/24'), /no institution with id 999999/);
  await assert.rejects(createInstitution(db(), '   '), InputError);
  assert.deepEqual(await counts(), before);
});

test('the narrowest matching range wins', async () => {
  const uni = await createInstitution(db(), 'Big University');
  const law = await createInstitution(db(), 'Big University Law School');
  const clinic = await createInstitution(db(), 'Law School Clinic');
  await addRange(db(), uni.id, '10.20.0.0/16');
  await addRange(db(), law.id, '10.20.30.0/24');
  await addRange(db(), clinic.id, '10.20.30.40');
  await addRange(db(), uni.id, '2001:db8:2000::/36');
  await addRange(db(), law.id, '2001:db8:2000:30::/64');
  const name = async (ip: string) => (await institutionForIp(db(), ip))?.name ?? null;
  assert.equal(await name('10.20.1.1'), 'Big University');
  assert.equal(await name('10.20.30.1'), 'Big University Law School');
  assert.equal(await name('::ffff:10.20.30.255'), 'Big University Law School');
  assert.equal(await name('10.20.30.40'), 'Law School Clinic');
  assert.equal(await name('10.20.30.41'), 'Big University Law School');
  assert.equal(await name('10.20.255.255'), 'Big University');
  assert.equal(await name('10.21.0.0'), null);
  assert.equal(await name('2001:db8:2000:30::99'), 'Big University Law School');
  assert.equal(await name('2001:db8:2000:31::99'), 'Big University');
  assert.equal(await name('2001:db8:3000::1'), null);

  // Overlapping spans that do not nest: the one with fewer addresses wins wherever they overlap.
  const wide = await createInstitution(db(), 'Span Wide');
  const narrow = await createInstitution(db(), 'Span Narrow');
  await addRange(db(), wide.id, '172.16.5.10-172.16.5.200'); // 191 addresses
  await addRange(db(), narrow.id, '172.16.5.100-172.16.5.250'); // 151 addresses, starts later
  assert.equal(await name('172.16.5.50'), 'Span Wide');
  assert.equal(await name('172.16.5.150'), 'Span Narrow');
  assert.equal(await name('172.16.5.240'), 'Span Narrow');
  const early = await createInstitution(db(), 'Span Early Narrow');
  await addRange(db(), early.id, '172.16.6.0-172.16.6.9'); // 10 addresses
  const late = await createInstitution(db(), 'Span Late Wide');
  await addRange(db(), late.id, '172.16.6.5-172.16.6.100'); // starts later, but wider
  assert.equal(await name('172.16.6.7'), 'Span Early Narrow');
  assert.equal(await name('172.16.6.50'), 'Span Late Wide');
});

test('the widest ranges match up to their last address', async () => {
  const eight = await createInstitution(db(), 'Slash Eight');
  await addRange(db(), eight.id, '44.0.0.0/8');
  const low = await createInstitution(db(), 'Low Net');
  await addRange(db(), low.id, '0.0.0.0/8');
  const sixteen = await createInstitution(db(), 'Slash Sixteen');
  await addRange(db(), sixteen.id, '2a02::/16');
  const name = async (ip: string) => (await institutionForIp(db(), ip))?.name ?? null;
  assert.equal(await name('44.0.0.0'), 'Slash Eight');
  assert.equal(await name('44.255.255.255'), 'Slash Eight');
  assert.equal(await name('::ffff:44.255.255.255'), 'Slash Eight');
  assert.equal(await name('45.0.0.0'), null);
  assert.equal(await name('43.255.255.255'), null);
  assert.equal(await name('0.0.0.1'), 'Low Net');
  assert.equal(await name('0.255.255.255'), 'Low Net');
  assert.equal(await name('2a02::'), 'Slash Sixteen');
  assert.equal(await name('2a02:ffff:ffff:ffff:ffff:ffff:ffff:ffff'), 'Slash Sixteen');
  assert.equal(await name('2a03::'), null);
  assert.equal(await name('2a01:ffff:ffff:ffff:ffff:ffff:ffff:ffff'), null);
});

test('ranges written as IPv4-mapped IPv6 and as IPv4 are the same thing', async () => {
  const a = await createInstitution(db(), 'Mapped Range Library');
  await addRange(db(), a.id, '::ffff:100.64.7.0/120');
  const b = await createInstitution(db(), 'Plain Range Library');
  await addRange(db(), b.id, '100.64.8.0/24');
  assert.equal((await institutionForIp(db(), '100.64.7.9'))?.name, 'Mapped Range Library');
  assert.equal((await institutionForIp(db(), '::ffff:100.64.7.9'))?.name, 'Mapped Range Library');
  assert.equal((await institutionForIp(db(), '100.64.8.9'))?.name, 'Plain Range Library');
  assert.equal((await institutionForIp(db(), '::ffff:100.64.8.9'))?.name, 'Plain Range Library');
  const listed = (await listInstitutions(db())).find((i) => i.id === a.id)!;
  assert.deepEqual(listed.ranges.map((r) => r.label), ['100.64.7.0/24']);
});

test('an inactive institution never matches, however narrow its range', async () => {
  const campus = await createInstitution(db(), 'Campus Wide');
  const lapsed = await createInstitution(db(), 'Lapsed Library');
  await addRange(db(), campus.id, '100.100.0.0/16');
  await addRange(db(), lapsed.id, '100.100.5.0/28');
  await addRange(db(), lapsed.id, '2001:db8:5555::/48');
  assert.equal((await institutionForIp(db(), '100.100.5.3'))?.name, 'Lapsed Library');
  assert.equal(await deactivateInstitution(db(), lapsed.id), true);
  assert.equal((await findInstitution(db(), lapsed.id))?.active, false);
  assert.equal((await institutionForIp(db(), '100.100.5.3'))?.name, 'Campus Wide');
  assert.equal((await institutionForIp(db(), '::ffff:100.100.5.3'))?.name, 'Campus Wide');
  assert.equal(await institutionForIp(db(), '2001:db8:5555::1'), null);
  assert.equal(await deactivateInstitution(db(), campus.id), true);
  assert.equal(await institutionForIp(db(), '100.100.5.3'), null);
  assert.equal(await institutionForIp(db(), '100.100.9.9'), null);
  assert.equal(await deactivateInstitution(db(), 987_654), false);
  assert.equal(await activateInstitution(db(), lapsed.id), true);
  assert.equal((await institutionForIp(db(), '100.100.5.3'))?.name, 'Lapsed Library');
  await deactivateInstitution(db(), lapsed.id);
  const listed = (await listInstitutions(db())).filter((i) => i.id === campus.id || i.id === lapsed.id);
  assert.deepEqual(listed.map((i) => i.active), [false, false]);
});

test('removing a range ends access through it, and only for that institution', async () => {
  const inst = await createInstitution(db(), 'Removal Library');
  const other = await createInstitution(db(), 'Removal Neighbour');
  await addRange(db(), inst.id, '198.51.200.128/25');
  await addRange(db(), other.id, '198.51.200.128/25');
  await deactivateInstitution(db(), other.id);
  assert.equal((await institutionForIp(db(), '198.51.200.200'))?.name, 'Removal Library');
  assert.equal(await removeRange(db(), inst.id, '198.51.200.128-198.51.200.255'), true);
  assert.equal(await removeRange(db(), inst.id, '198.51.200.128/25'), false);
  assert.equal(await institutionForIp(db(), '198.51.200.200'), null);
  const neighbour = (await listInstitutions(db())).find((i) => i.id === other.id)!;
  assert.deepEqual(neighbour.ranges.map((r) => r.label), ['198.51.200.128/25']);
  await assert.rejects(removeRange(db(), inst.id, 'nonsense'), InputError);
});

test('lookups stay right among many ranges', async () => {
  const ids: number[] = [];
  await db().transaction().execute(async (trx) => {
    for (let i = 0; i < 200; i++) {
      const inst = await createInstitution(trx, `Bulk ${String(i).padStart(3, '0')}`);
      ids.push(inst.id);
      await addRange(trx, inst.id, `100.${i}.0.0/24`);
      await addRange(trx, inst.id, `2001:db8:f${i.toString(16).padStart(3, '0')}::/48`);
    }
  });
  for (const i of [0, 1, 9, 10, 99, 100, 159, 160, 199]) {
    const want = { id: ids[i], name: `Bulk ${String(i).padStart(3, '0')}` };
    assert.deepEqual(await institutionForIp(db(), `100.${i}.0.0`), want);
    assert.deepEqual(await institutionForIp(db(), `100.${i}.0.255`), want);
    assert.deepEqual(await institutionForIp(db(), `::ffff:100.${i}.0.128`), want);
    assert.equal(await institutionForIp(db(), `100.${i}.1.0`), null);
    assert.deepEqual(await institutionForIp(db(), `2001:db8:f${i.toString(16).padStart(3, '0')}:abcd::1`), want);
  }
});

test('views are counted per month and listed for the current month', async () => {
  const inst = await createInstitution(db(), 'Counting Library');
  const other = await createInstitution(db(), 'Counting Neighbour');
  const now = new Date();
  await recordInstitutionView(db(), inst.id, now);
  await recordInstitutionView(db(), inst.id, now);
  await recordInstitutionView(db(), inst.id);
  await recordInstitutionView(db(), other.id, now);
  await recordInstitutionView(db(), inst.id, new Date(Date.UTC(now.getUTCFullYear() - 1, now.getUTCMonth(), 15)));
  const listed = await listInstitutions(db(), now);
  assert.equal(listed.find((i) => i.id === inst.id)!.viewsThisMonth, 3);
  assert.equal(listed.find((i) => i.id === other.id)!.viewsThisMonth, 1);
  const report = await usageReport(db(), inst.id, 12, now);
  assert.equal(report.length, 12);
  assert.deepEqual(report.at(-1), { period: usagePeriod(now), views: 3 });
  assert.equal(report.reduce((n, r) => n + r.views, 0), 3, 'a year ago is outside the last 12 months');
  assert.equal((await usageReport(db(), inst.id, 13, now)).reduce((n, r) => n + r.views, 0), 4);
});

test('months are UTC calendar months and the report runs oldest first with empty months as 0', async () => {
  const inst = await createInstitution(db(), 'Calendar Library');
  await recordInstitutionView(db(), inst.id, new Date('2024-11-30T23:59:59.999Z'));
  await recordInstitutionView(db(), inst.id, new Date('2024-12-01T00:00:00.000Z'));
  await recordInstitutionView(db(), inst.id, new Date('2024-12-31T23:00:00Z'));
  await recordInstitutionView(db(), inst.id, new Date('2025-02-10T12:00:00Z'));
  await recordInstitutionView(db(), inst.id, new Date('2025-03-01T00:00:00Z'));
  assert.equal(usagePeriod(new Date('2025-01-31T23:59:59Z')), '2025-01');
  const report = await usageReport(db(), inst.id, 5, new Date('2025-02-20T00:00:00Z'));
  assert.deepEqual(report, [
    { period: '2024-10', views: 0 },
    { period: '2024-11', views: 1 },
    { period: '2024-12', views: 2 },
    { period: '2025-01', views: 0 },
    { period: '2025-02', views: 1 },
  ]);
  assert.equal((await usageReport(db(), inst.id, undefined, new Date('2025-03-15T00:00:00Z'))).length, 12);
  assert.deepEqual(await usageReport(db(), inst.id, 1, new Date('2025-03-15T00:00:00Z')), [{ period: '2025-03', views: 1 }]);
  await assert.rejects(usageReport(db(), inst.id, 0), InputError);
});

test('50 concurrent views count exactly 50', async () => {
  const inst = await createInstitution(db(), 'Busy Library');
  const now = new Date('2025-06-15T12:00:00Z');
  await Promise.all(Array.from({ length: 50 }, () => recordInstitutionView(db(), inst.id, now)));
  const report = await usageReport(db(), inst.id, 1, now);
  assert.deepEqual(report, [{ period: '2025-06', views: 50 }]);
});

test('concurrent views from two connections (two app instances) all count', async () => {
  const inst = await createInstitution(db(), 'Two Instance Library');
  const second = await openStore({ databaseUrl: t.databaseUrl, dataDir: t.dataDir, migrate: false });
  try {
    const now = new Date('2025-07-04T00:00:00Z');
    await Promise.all(Array.from({ length: 60 }, (_, i) => recordInstitutionView(i % 2 ? second.db : db(), inst.id, now)));
    assert.deepEqual(await usageReport(db(), inst.id, 1, now), [{ period: '2025-07', views: 60 }]);
  } finally {
    await second.close();
  }
});

// ---------------------------------------------------------------- the CLI, run in-process

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const { parseArgs } = await import('node:util');
  const parsed = parseArgs({ args, options: institutionCommand.options, allowPositionals: true, strict: true });
  const code = await runInstitution(parsed as { values: Record<string, unknown>; positionals: string[] }, {
    out: (s) => (stdout += s),
    err: (s) => (stderr += s),
  }, { ...t.env });
  return { code, stdout, stderr };
}

test('cli: add with ranges, list, range-add, usage', async () => {
  const added = await cli('add', 'County Prison Law Library', '--range', '203.0.113.0/26', '--range', '2001:db8:77::/48', '--note', 'PLN institutional');
  assert.equal(added.code, 0, added.stderr);
  const id = Number(/created institution (\d+): County Prison Law Library/.exec(added.stdout)?.[1]);
  assert.ok(id > 0, added.stdout);
  assert.match(added.stdout, /203\.0\.113\.0\/26/);
  assert.equal((await institutionForIp(db(), '203.0.113.9'))?.id, id);
  assert.equal((await institutionForIp(db(), '2001:db8:77::9'))?.id, id);

  const more = await cli('range-add', String(id), '203.0.113.100-203.0.113.110', '203.0.113.0/26');
  assert.equal(more.code, 0, more.stderr);
  assert.match(more.stdout, /added: 203\.0\.113\.100-203\.0\.113\.110/);
  assert.match(more.stdout, /already there: 203\.0\.113\.0\/26/);

  await recordInstitutionView(db(), id);
  const list = await cli('list', '--json');
  assert.equal(list.code, 0, list.stderr);
  const entry = JSON.parse(list.stdout).find((i: { id: number }) => i.id === id);
  assert.deepEqual(entry.ranges, ['203.0.113.0/26', '203.0.113.100-203.0.113.110', '2001:db8:77::/48']);
  assert.equal(entry.views_this_month, 1);
  assert.equal(entry.note, 'PLN institutional');
  const text = await cli('list');
  assert.match(text.stdout, new RegExp(`${id}\\tCounty Prison Law Library\\t1 views this month`));

  const usage = await cli('usage', String(id), '--months', '3');
  assert.equal(usage.code, 0, usage.stderr);
  assert.match(usage.stdout, new RegExp(`${usagePeriod()}\\t1`));
  assert.equal(usage.stdout.trim().split('\n').length, 5); // heading, 3 months, total
  const json = JSON.parse((await cli('usage', String(id), '--json')).stdout);
  assert.equal(json.months.length, 12);

  const removed = await cli('range-remove', String(id), '203.0.113.100-203.0.113.110');
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(await institutionForIp(db(), '203.0.113.105'), null);
  assert.equal((await cli('deactivate', String(id))).code, 0);
  assert.equal(await institutionForIp(db(), '203.0.113.9'), null);
});

test('cli: a bad range fails with its message and writes nothing', async () => {
  const before = await counts();
  const r = await cli('add', 'Leaky Library', '--range', '192.0.2.0/24', '--range', '10.0.0.0/33', '--range', '0.0.0.0/0');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /"10\.0\.0\.0\/33" is not an address range: prefix must be 0–32 for IPv4/);
  assert.match(r.stderr, /"0\.0\.0\.0\/0" is too wide/);
  assert.match(r.stderr, /Nothing was written/);
  assert.equal(r.stdout, '');
  const some = (await listInstitutions(db()))[0];
  const bad = await cli('range-add', String(some.id), '198.18.0.0/24', 'not-a-range');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /"not-a-range" is not an address range/);
  assert.deepEqual(await counts(), before);
  assert.equal(await institutionForIp(db(), '198.18.0.1'), null);
});

test('cli: usage errors and unknown institutions', async () => {
  assert.equal((await cli()).code, 2);
  assert.equal((await cli('frobnicate')).code, 2);
  assert.equal((await cli('add')).code, 2);
  assert.equal((await cli('range-add', '1')).code, 2);
  const notId = await cli('usage', 'abc');
  assert.equal(notId.code, 1);
  assert.match(notId.stderr, /expected an institution id/);
  const missing = await cli('usage', '424242');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no institution with id 424242/);
  assert.equal((await cli('range-add', '424242', '192.0.2.0/24')).code, 1);
  assert.equal((await cli('usage', '1', '--months', '0')).code, 1);
  assert.match(institutionCommand.usage, /^masthead institution <subcommand>[^]*\n  add "<name>" \[--range R\]/);
  assert.match(institutionCommand.usage, /range-add <id> <range>/);
});
