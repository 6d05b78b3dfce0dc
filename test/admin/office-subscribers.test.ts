import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PDFDocument, PDFArray, PDFRawStream, PDFRef, decodePDFRawStream } from 'pdf-lib';
import { createTestApp, type TestApp } from '../support/app.ts';
import { signInAs, postFile, type Staff } from './support.ts';
import { premiumArticles } from '../support/leaks.ts';
import { createUser, grantEntitlement, findUserByEmail } from '../../src/store/users.ts';
import { AVERY_5160 } from '../../src/admin/labels-pdf.ts';
import { placeholderEmail } from '../../src/store/office-subscribers.ts';

// Subscribers in the admin: search and view, grant / extend / revoke as the reader's access
// shows it, rate class, notes and mailing address, audit records written with every change;
// readers without e-mail; CSV export and import (a round trip, idempotent, and a bad file that
// changes nothing); the print mailing list as CSV and as a PDF of labels, and the subscriptions
// that end with an issue.

let t: TestApp;
let admin: Staff;
before(async () => {
  t = await createTestApp();
  admin = await signInAs(t, 'admin');
});
after(async () => {
  await t.cleanup();
});

const count = async (table: 'users' | 'entitlements' | 'subscriber_profiles' | 'audit_log') =>
  Number((await t.store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

function day(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * 86400_000).toISOString().slice(0, 10);
}

test('only administrators reach the subscriber pages', async () => {
  const editor = await signInAs(t, 'editor');
  for (const url of ['/admin/subscribers', '/admin/subscribers/export.csv', '/admin/subscribers/mailing', '/admin/institutions', '/admin/gifts']) {
    assert.equal((await editor.browser.get(url)).statusCode, 403, url);
    assert.equal((await admin.browser.get(url)).statusCode, 200, url);
  }
});

test('grant, extend and revoke change what the reader may read, each with its audit record', async () => {
  const reader = await signInAs(t, 'reader');
  const [premium] = await premiumArticles(t.store.db);
  const body = async () => ((await reader.browser.get(`/api/v1/articles/${premium.slug}`)).json() as { body_html: string | null }).body_html;
  assert.equal(await body(), null, 'no subscription: no full text');

  // Search finds the reader by part of the address.
  const list = await admin.browser.get(`/admin/subscribers?q=${encodeURIComponent(reader.email.slice(0, 8))}`);
  assert.match(list.body, new RegExp(`href="/admin/subscribers/${reader.userId}"`));
  const url = `/admin/subscribers/${reader.userId}`;
  const page = await admin.browser.get(url);
  assert.match(page.body, /<strong>Never subscribed<\/strong>/);

  // A date in the past, or no plan, is refused and grants nothing.
  const audits0 = await count('audit_log');
  const past = await admin.browser.post(`${url}/grant`, { plan: 'digital', until: '2020-01-01', note: '' });
  assert.equal(past.statusCode, 400);
  assert.match(past.body, /The end date 2020-01-01 is in the past/);
  const noPlan = await admin.browser.post(`${url}/grant`, { plan: 'gold', until: day(30), note: '' }, { from: url });
  assert.equal(noPlan.statusCode, 400);
  assert.equal(await count('audit_log'), audits0);
  assert.equal(await body(), null);

  const until = day(30);
  const g = await admin.browser.post(`${url}/grant`, { plan: 'digital', until, note: 'money order #4411' }, { from: url });
  assert.equal(g.statusCode, 303);
  const granted = await admin.browser.get(String(g.headers.location));
  assert.match(granted.body, /The subscription is granted/);
  assert.match(granted.body, new RegExp(`<strong>Digital, through ${until}</strong>`));
  assert.ok(await body(), 'subscribed: the full text');
  const ga = await t.store.db.selectFrom('audit_log').selectAll().where('action', '=', 'subscription.grant').where('entity_id', '=', String(reader.userId)).executeTakeFirstOrThrow();
  assert.equal(ga.user_email, admin.email);
  assert.equal(JSON.parse(ga.after_json!).note, 'money order #4411');

  // Extend by 12 months: a new period from the end of the current one.
  const ent = await t.store.db.selectFrom('entitlements').select(['id', 'ends_at']).where('user_id', '=', reader.userId).executeTakeFirstOrThrow();
  const x = await admin.browser.post(`${url}/extend`, { entitlement: String(ent.id), months: '12' }, { from: url });
  assert.equal(x.statusCode, 303);
  const ents = await t.store.db.selectFrom('entitlements').select(['id', 'starts_at', 'ends_at', 'plan']).where('user_id', '=', reader.userId).orderBy('id').execute();
  assert.equal(ents.length, 2);
  assert.equal(ents[1].starts_at, ent.ends_at, 'the extension starts when the subscription ends');
  const end = new Date(ent.ends_at);
  end.setUTCFullYear(end.getUTCFullYear() + 1);
  assert.equal(ents[1].ends_at, end.toISOString());
  const xa = await t.store.db.selectFrom('audit_log').selectAll().where('action', '=', 'subscription.extend').where('entity_id', '=', String(reader.userId)).executeTakeFirstOrThrow();
  assert.equal(JSON.parse(xa.before_json!).id, ent.id);
  assert.equal(JSON.parse(xa.after_json!).id, ents[1].id);
  // Another subscriber's subscription cannot be extended from this page.
  const other = await createUser(t.store.db, { email: `other-${process.pid}@example.org` });
  const otherEnt = await grantEntitlement(t.store.db, { userId: other.id, plan: 'digital', endsAt: new Date(Date.now() + 86400_000).toISOString(), source: 'admin' });
  const cross = await admin.browser.post(`${url}/extend`, { entitlement: String(otherEnt.id), months: '12' }, { from: url });
  assert.equal(cross.statusCode, 400);
  assert.match(cross.body, /does not belong to this subscriber/);

  // Revoke both: no full text any more.
  for (const e of ents) {
    const r = await admin.browser.post(`${url}/revoke`, { entitlement: String(e.id) }, { from: url });
    assert.equal(r.statusCode, 303);
  }
  assert.equal(await body(), null, 'revoked: teaser only');
  const again = await admin.browser.post(`${url}/revoke`, { entitlement: String(ents[0].id) }, { from: url });
  assert.equal(again.statusCode, 400);
  assert.match(again.body, /already revoked/);
  const ra = await t.store.db.selectFrom('audit_log').select(['before_json', 'after_json']).where('action', '=', 'subscription.revoke').where('entity_id', '=', String(reader.userId)).execute();
  assert.equal(ra.length, 2);
  assert.equal(JSON.parse(ra[0].before_json!).revokedAt, null);
  assert.ok(JSON.parse(ra[0].after_json!).revokedAt);
  const shown = await admin.browser.get(url);
  assert.match(shown.body, /Revoked \d{4}-\d{2}-\d{2}/);
});

test('rate class, notes and mailing address are saved with an audit record; bad input changes nothing', async () => {
  const u = await createUser(t.store.db, { email: `profile-${process.pid}@example.org`, name: 'Dana Reyes' });
  const url = `/admin/subscribers/${u.id}`;
  await admin.browser.get(url);
  const fields = { name: 'Dana Reyes', rateClass: 'prisoner', prisonerNumber: '#A-10442', facility: 'Wabash Valley Correctional Facility', addressLine1: 'PO Box 1111', addressLine2: '', city: 'Carlisle', state: 'IN', postalCode: '47838', country: '', notes: 'Paid by money order.\nPrefers large print.' };
  const bad = await admin.browser.post(url, { ...fields, rateClass: 'vip', postalCode: 'x'.repeat(30) });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /The rate class must be one of prisoner, individual, professional, institutional/);
  assert.match(bad.body, /The postal code may be at most 20 characters/);
  assert.equal(await t.store.db.selectFrom('subscriber_profiles').select('user_id').where('user_id', '=', u.id).executeTakeFirst(), undefined);

  const ok = await admin.browser.post(url, fields, { from: url });
  assert.equal(ok.statusCode, 303);
  const row = await t.store.db.selectFrom('users').innerJoin('subscriber_profiles', 'subscriber_profiles.user_id', 'users.id').selectAll().where('users.id', '=', u.id).executeTakeFirstOrThrow();
  assert.equal(row.rate_class, 'prisoner');
  assert.equal(row.prisoner_number, '#A-10442');
  assert.equal(row.notes, 'Paid by money order.\nPrefers large print.');
  assert.equal(row.address_line2, null);
  const a = await t.store.db.selectFrom('audit_log').selectAll().where('action', '=', 'subscriber.update').where('entity_id', '=', String(u.id)).executeTakeFirstOrThrow();
  assert.equal(JSON.parse(a.before_json!).rateClass, null);
  assert.equal(JSON.parse(a.after_json!).rateClass, 'prisoner');
  // Found by prisoner number, filtered by rate class.
  const found = await admin.browser.get('/admin/subscribers?q=a-10442&rate=prisoner');
  assert.match(found.body, new RegExp(`href="/admin/subscribers/${u.id}"`));
  assert.match(found.body, /1 account matching/);
  // Wildcards in the search are taken literally.
  assert.match((await admin.browser.get('/admin/subscribers?q=%25')).body, /0 accounts matching/);
});

test('a reader without e-mail is created by prisoner number; mail to the placeholder is suppressed', async () => {
  await admin.browser.get('/admin/subscribers/new');
  const none = await admin.browser.post('/admin/subscribers/new', { email: '', name: 'No Details' });
  assert.equal(none.statusCode, 400);
  assert.match(none.body, /Give an e-mail address, or a prisoner number/);
  const r = await admin.browser.post('/admin/subscribers/new', {
    email: '', name: 'Luis Ortega', rateClass: 'prisoner', prisonerNumber: '88120-004', facility: 'FCI Englewood', addressLine1: '9595 W Quincy Ave', city: 'Littleton', state: 'CO', postalCode: '80123', plan: 'print-digital', until: day(200),
  }, { from: '/admin/subscribers/new' });
  assert.equal(r.statusCode, 303);
  const id = Number(/\/admin\/subscribers\/(\d+)/.exec(String(r.headers.location))![1]);
  const user = await t.store.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  assert.equal(user.email, placeholderEmail('88120-004', 'FCI Englewood'));
  assert.ok(await t.store.db.selectFrom('mail_suppressions').select('address').where('address', '=', user.email).executeTakeFirst());
  const page = await admin.browser.get(`/admin/subscribers/${id}`);
  assert.match(page.body, /No e-mail address \(reads on paper\)/);
  assert.match(page.body, /<strong>Print \+ digital, through/);
  const actions = (await t.store.db.selectFrom('audit_log').select('action').where('entity_id', '=', String(id)).orderBy('id').execute()).map((x) => x.action);
  assert.deepEqual(actions, ['subscriber.create', 'subscription.grant']);
});

// ---------------------------------------------------------------- CSV

const CSV_HEADER = 'email,name,rate_class,plan,starts_on,ends_on,prisoner_number,facility,address_line1,address_line2,city,state,postal_code,country,notes';

test('CSV: export, import into an empty archive, export again: the same file; importing twice changes nothing', async () => {
  // Some subscribers with awkward values.
  const a = await createUser(t.store.db, { email: `csv-a-${process.pid}@example.org`, name: '=HYPERLINK("http://evil.example","x")', rateClass: 'professional' });
  await grantEntitlement(t.store.db, { userId: a.id, plan: 'digital', startsAt: '2026-01-05T00:00:00.000Z', endsAt: '2027-01-05T00:00:00.000Z', source: 'payment' });
  await admin.browser.get('/admin/subscribers/new');
  await admin.browser.post('/admin/subscribers/new', {
    email: `csv-b-${process.pid}@example.org`, name: 'Zoë “Zee” Ngata, Jr.', rateClass: 'prisoner', prisonerNumber: 'K-55', facility: 'San Quentin, North Block', addressLine1: '1 Main St', city: 'San Quentin', state: 'CA', postalCode: '94974', notes: 'line one\nline "two", with a comma',
  });

  const exp = await admin.browser.get('/admin/subscribers/export.csv');
  assert.equal(exp.statusCode, 200);
  assert.match(String(exp.headers['content-type']), /^text\/csv/);
  assert.match(String(exp.headers['content-disposition']), /attachment; filename="subscribers-\d{4}-\d{2}-\d{2}\.csv"/);
  const csv = exp.body;
  assert.ok(csv.startsWith(`\uFEFF${CSV_HEADER}\r\n`));
  assert.match(csv, /,"'=HYPERLINK\(""http:\/\/evil\.example"",""x""\)",/, 'a formula is written as text');
  assert.match(csv, /"line one\nline ""two"", with a comma"/);
  assert.ok(await t.store.db.selectFrom('audit_log').select('id').where('action', '=', 'subscribers.export').executeTakeFirst(), 'exports are logged');

  const other = await createTestApp({ demo: false });
  try {
    const admin2 = await signInAs(other, 'admin');
    await admin2.browser.get('/admin/subscribers/import');
    const imp = await postFile(other, admin2.browser, '/admin/subscribers/import', { name: 'subscribers.csv', content: csv, type: 'text/csv' });
    assert.equal(imp.statusCode, 200, imp.body.slice(0, 2000));
    const rows = csv.trim().split('\r\n').length - 1;
    const result = /id="import-result">\s*Imported ([\d,]+) rows?: (\d+) new, (\d+) changed, (\d+) unchanged; (\d+) subscriptions? granted/.exec(imp.body);
    assert.ok(result, imp.body.slice(0, 3000));
    assert.equal(Number(result[1]), rows);
    const again = await admin2.browser.get('/admin/subscribers/export.csv');
    assert.equal(again.body, csv, 'the same file comes back');
    const b = await findUserByEmail(other.store.db, `csv-b-${process.pid}@example.org`);
    assert.equal(b?.name, 'Zoë “Zee” Ngata, Jr.');
    const aa = await findUserByEmail(other.store.db, `csv-a-${process.pid}@example.org`);
    assert.equal(aa?.name, '=HYPERLINK("http://evil.example","x")', 'the apostrophe is taken off again');

    // The same file again: nothing new.
    const users = Number((await other.store.db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const ents = Number((await other.store.db.selectFrom('entitlements').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    await admin2.browser.get('/admin/subscribers/import');
    const twice = await postFile(other, admin2.browser, '/admin/subscribers/import', { name: 'subscribers.csv', content: csv, type: 'text/csv' });
    assert.match(twice.body, new RegExp(`Imported ${rows} rows?: 0 new, 0 changed, ${rows} unchanged; 0 subscriptions granted`));
    assert.equal(Number((await other.store.db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), users);
    assert.equal(Number((await other.store.db.selectFrom('entitlements').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), ents);
    const audit = await other.store.db.selectFrom('audit_log').select(['after_json']).where('action', '=', 'subscribers.import').orderBy('id').execute();
    assert.equal(audit.length, 2);
    assert.equal(JSON.parse(audit[0].after_json!).created, rows);
  } finally {
    await other.cleanup();
  }
});

test('CSV: empty cells leave values alone, unless the import is told that they clear them', async () => {
  const e = `clear-${process.pid}@example.org`;
  const imp = async (content: string, fields: Record<string, string> = {}) => {
    await admin.browser.get('/admin/subscribers/import');
    const res = await postFile(t, admin.browser, '/admin/subscribers/import', { name: 'edit.csv', content, type: 'text/csv' }, fields);
    assert.equal(res.statusCode, 200, res.body.slice(0, 500));
    return /id="import-result">\s*Imported ([^<]*)/.exec(res.body)?.[1] ?? '';
  };
  await imp(`email,name,rate_class,city,address_line2,notes\n${e},Rosa Parks,prisoner,Montgomery,Unit 4,"moved, ask first"\n`);
  const stored = async () => {
    const u = (await findUserByEmail(t.store.db, e))!;
    const p = await t.store.db.selectFrom('subscriber_profiles').selectAll().where('user_id', '=', u.id).executeTakeFirstOrThrow();
    return { name: u.name, rate_class: u.rate_class, city: p.city, address_line2: p.address_line2, notes: p.notes };
  };
  const full = { name: 'Rosa Parks', rate_class: 'prisoner', city: 'Montgomery', address_line2: 'Unit 4', notes: 'moved, ask first' };
  assert.deepEqual(await stored(), full);
  const edited = `email,name,rate_class,address_line2,notes\n${e},,,,\n`;
  assert.match(await imp(edited), /0 changed, 1 unchanged/);
  assert.deepEqual(await stored(), full, 'empty cells left everything as it was');
  assert.match(await imp(edited, { empty_clears: 'on' }), /1 changed/);
  // Cleared: the name and the file's profile columns; kept: the rate class, and the city (not in the file).
  assert.deepEqual(await stored(), { name: null, rate_class: 'prisoner', city: 'Montgomery', address_line2: null, notes: null });
  assert.match(await imp(edited, { empty_clears: 'on' }), /0 changed, 1 unchanged/, 'the same file again changes nothing');
  const logged = await t.store.db.selectFrom('audit_log').select('after_json').where('action', '=', 'subscribers.import').orderBy('id', 'desc').limit(2).execute();
  assert.deepEqual(logged.map((l) => JSON.parse(l.after_json!).emptyClears), [true, true]);
});

test('CSV: a file with bad lines imports nothing and names every bad line', async () => {
  const before = { users: await count('users'), ents: await count('entitlements'), profiles: await count('subscriber_profiles'), audit: await count('audit_log') };
  const file = [
    CSV_HEADER,
    `new-1-${process.pid}@example.org,Good One,prisoner,digital,,${day(100)},,,,,,,,,`,
    `not-an-address,Bad Mail,,,,,,,,,,,,,`,
    `new-2-${process.pid}@example.org,Good Two,,print-digital,,${day(100)},P-1,Facility,1 Road,,Town,TX,75001,,"multi`,
    `line note"`,
    `new-3-${process.pid}@example.org,Bad Plan,,gold,,${day(100)},,,,,,,,,`,
    `new-4-${process.pid}@example.org,Bad Date,,digital,,2026-02-30,,,,,,,,,`,
    `,No Email No Number,,,,,,,,,,,,,`,
    `NEW-1-${process.pid}@example.org,Duplicate,,,,,,,,,,,,,`,
    `new-5-${process.pid}@example.org,Too,Many,Values,,,,,,,,,,,,,`,
  ].join('\n');
  await admin.browser.get('/admin/subscribers/import');
  const res = await postFile(t, admin.browser, '/admin/subscribers/import', { name: 'bad.csv', content: file, type: 'text/csv' });
  assert.equal(res.statusCode, 400);
  const problems = /<div class="prompt alert" role="alert" id="import-problems">([\s\S]*?)<\/div>/.exec(res.body)?.[1] ?? '';
  assert.match(problems, /Nothing was imported: 6 problems/);
  const lines = [...problems.matchAll(/<strong>Line (\d+): <\/strong>([^<]*)/g)].map((m) => [Number(m[1]), m[2]]);
  assert.deepEqual(lines.map((l) => l[0]), [3, 6, 7, 8, 9, 10]);
  assert.match(String(lines[0][1]), /“not-an-address” is not an e-mail address/);
  assert.match(String(lines[1][1]), /plan “gold” is not one of digital, print-digital/);
  assert.match(String(lines[2][1]), /ends_on must be a real date/);
  assert.match(String(lines[3][1]), /one of them is needed/);
  assert.match(String(lines[4][1]), /the same reader as on line 2/);
  assert.match(String(lines[5][1]), /values where the header has 15 columns/);
  assert.deepEqual({ users: await count('users'), ents: await count('entitlements'), profiles: await count('subscriber_profiles'), audit: await count('audit_log') }, before, 'nothing written');

  // Wrong header, unclosed quote, binary data.
  for (const [content, message] of [
    ['mail,name\nx@example.org,X\n', /unknown column “mail”/],
    [`${CSV_HEADER}\nq@example.org,"unclosed,,,,,,,,,,,,,,\n`, /Line 2: <\/strong>a quoted value is never closed/],
    [Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0]), /binary data, not CSV text/],
  ] as const) {
    await admin.browser.get('/admin/subscribers/import');
    const r = await postFile(t, admin.browser, '/admin/subscribers/import', { name: 'x.csv', content, type: 'text/csv' });
    assert.equal(r.statusCode, 400);
    assert.match(r.body, message);
  }
  assert.equal(await count('users'), before.users);
});

// ---------------------------------------------------------------- mailing

/** The text each page draws, as lines (pdf-lib draws each line with one Tj of a hex string). */
async function pdfLines(pdf: Buffer): Promise<string[][]> {
  const doc = await PDFDocument.load(pdf);
  return doc.getPages().map((page) => {
    const contents = page.node.Contents();
    const refs = contents instanceof PDFArray ? contents.asArray() : contents ? [contents] : [];
    let ops = '';
    for (const r of refs) {
      const s = doc.context.lookup(r as PDFRef);
      if (s instanceof PDFRawStream) ops += Buffer.from(decodePDFRawStream(s).decode()).toString('latin1');
    }
    // WinAnsi is Latin-1 but for a few codes: 0x85 is the ellipsis.
    return [...ops.matchAll(/<([0-9A-Fa-f]*)>\s*Tj/g)].map((m) => Buffer.from(m[1], 'hex').toString('latin1').replace(/\x85/g, '…'));
  });
}

test('the print mailing list of an issue: CSV, a PDF with one label per subscriber with an address, and the subscriptions that end with it', async () => {
  const mailAt = '2031-03-01T00:00:00.000Z';
  const make = async (n: number, o: { plan: 'digital' | 'print-digital'; ends: string; starts?: string; address?: boolean; name?: string }) => {
    const email = `mail-${n}-${process.pid}@example.org`;
    const u = await createUser(t.store.db, { email, name: o.name ?? `Reader ${String(n).padStart(2, '0')}`, rateClass: 'prisoner' });
    await grantEntitlement(t.store.db, { userId: u.id, plan: o.plan, startsAt: o.starts ?? '2026-01-01T00:00:00.000Z', endsAt: o.ends, source: 'admin' });
    if (o.address !== false) {
      await t.store.db.insertInto('subscriber_profiles').values({
        user_id: u.id, notes: null, prisoner_number: `P${1000 + n}`, facility: `Facility ${n % 4}`, address_line1: `${n} Prison Road`, address_line2: null,
        city: 'Huntsville', state: 'TX', postal_code: String(77300 + (n % 7)), country: null, updated_at: new Date().toISOString(),
      }).execute();
    }
    return u;
  };
  // 33 print subscribers with addresses who get the March 2031 issue; 3 of them end with it.
  for (let n = 1; n <= 30; n++) await make(n, { plan: 'print-digital', ends: '2032-01-01T00:00:00.000Z' });
  for (let n = 31; n <= 33; n++) await make(n, { plan: 'print-digital', ends: '2031-03-20T00:00:00.000Z' });
  // A very long name with characters outside Latin-1: shrunk or cut, never lost.
  await make(34, { plan: 'print-digital', ends: '2032-01-01T00:00:00.000Z', name: 'Đorđe Łukasz Bartholomew-Montgomery Wojciechowski-Featherstonehaugh' });
  // Not on the list: no address; digital only; ended before; starts after.
  const noAddr = await make(40, { plan: 'print-digital', ends: '2032-01-01T00:00:00.000Z', address: false });
  await make(41, { plan: 'digital', ends: '2032-01-01T00:00:00.000Z' });
  await make(42, { plan: 'print-digital', ends: '2031-02-15T00:00:00.000Z' });
  await make(43, { plan: 'print-digital', starts: '2031-05-01T00:00:00.000Z', ends: '2032-01-01T00:00:00.000Z' });
  const revoked = await make(44, { plan: 'print-digital', ends: '2032-01-01T00:00:00.000Z' });
  await t.store.db.updateTable('entitlements').set({ revoked_at: new Date().toISOString() }).where('user_id', '=', revoked.id).execute();

  const page = await admin.browser.get('/admin/subscribers/mailing?issue=2031-03');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /Print mailing: March 2031 issue/);
  assert.match(page.body, new RegExp(`Print \\+ digital subscribers on 2031-03-01 00:00 UTC: <strong>35</strong>`));
  assert.match(page.body, /Labels \(PDF, Avery 5160: 34 labels\)/);
  const noAddress = /<ul id="no-address">([\s\S]*?)<\/ul>/.exec(page.body)![1];
  assert.match(noAddress, new RegExp(`/admin/subscribers/${noAddr.id}"`));
  const ending = /<table class="admin-table" id="ending">([\s\S]*?)<\/table>/.exec(page.body)![1];
  const endingNames = [...ending.matchAll(/>(Reader \d\d)</g)].map((m) => m[1]);
  assert.deepEqual(endingNames, ['Reader 31', 'Reader 32', 'Reader 33']);
  assert.match(ending, /2031-03-19/, 'their last day');
  assert.match((await admin.browser.get('/admin/subscribers/mailing')).body, /Print mailing: \w+ \d{4} issue/, 'the next issue by default');

  const csv = await admin.browser.get('/admin/subscribers/mailing.csv?issue=2031-03');
  assert.equal(csv.statusCode, 200);
  const csvLines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
  assert.equal(csvLines[0], 'name,prisoner_number,facility,address_line1,address_line2,city,state,postal_code,country,email,ends_on');
  assert.equal(csvLines.length, 1 + 34);
  assert.ok(csvLines.some((l) => l.startsWith('Reader 07,P1007,Facility 3,7 Prison Road,,Huntsville,TX,77300,,')));

  const pdf = await admin.browser.get('/admin/subscribers/labels.pdf?issue=2031-03');
  assert.equal(pdf.statusCode, 200);
  assert.equal(pdf.headers['content-type'], 'application/pdf');
  assert.equal(pdf.headers['cache-control'], 'private, no-store');
  const doc = await PDFDocument.load(pdf.rawPayload);
  assert.equal(doc.getPageCount(), 2, '34 labels: a full sheet of 30 and 4 more');
  const { width, height } = doc.getPage(0).getSize();
  assert.deepEqual([width, height], [AVERY_5160.pageWidth, AVERY_5160.pageHeight]);
  const pages = await pdfLines(pdf.rawPayload);
  const firstLines = pages.flat().filter((l) => /#P\d{4}$/.test(l));
  assert.equal(firstLines.length, 34, 'one label (name and number) per subscriber');
  assert.equal(pages[0].filter((l) => /#P\d{4}$/.test(l)).length, 30);
  assert.equal(pages[1].filter((l) => /#P\d{4}$/.test(l)).length, 4);
  for (let n = 1; n <= 33; n++) assert.ok(firstLines.includes(`Reader ${String(n).padStart(2, '0')} #P${1000 + n}`), `label of reader ${n}`);
  assert.ok(pages.flat().includes('7 Prison Road'));
  assert.ok(pages.flat().includes('Huntsville, TX 77300'));
  const long = firstLines.find((l) => l.endsWith('#P1034'));
  assert.ok(long && /^Dorde Lukasz Bartholomew.*… #P1034$/.test(long), `the long name is spelled in Latin-1 and cut, keeping the number: ${long}`);
  const exports = await t.store.db.selectFrom('audit_log').select('after_json').where('action', '=', 'subscribers.export').execute();
  assert.ok(exports.some((e) => /mailing labels 2031-03/.test(e.after_json ?? '')));
});

test('institutions and gift codes: added, changed and audited from the admin', async () => {
  const list = await admin.browser.get('/admin/institutions');
  // The EZproxy database stanza for this site, for libraries that read through EZproxy.
  assert.ok(list.body.includes('<pre><code>Title Prison Legal News\nURL http://masthead.test/\nHJ masthead.test\nDJ masthead.test</code></pre>'), 'EZproxy stanza');
  const bad = await admin.browser.post('/admin/institutions', { name: 'State Law Library', note: '', ranges: '192.0.2.0/24\n10.0.0.0/4\nnot-an-ip' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /“10\.0\.0\.0\/4”/);
  assert.match(bad.body, /“not-an-ip”/);
  assert.equal(await t.store.db.selectFrom('institutions').select('id').executeTakeFirst(), undefined, 'nothing written');
  const ok = await admin.browser.post('/admin/institutions', { name: 'State Law Library', note: 'Contract 2026-14', ranges: '192.0.2.0/24\n2001:db8:1::/48' }, { from: '/admin/institutions' });
  assert.equal(ok.statusCode, 303);
  const url = String(ok.headers.location).split('?')[0];
  const id = Number(url.split('/').pop());
  const page = await admin.browser.get(url);
  assert.match(page.body, /<code>192\.0\.2\.0\/24<\/code>/);
  // A reader on that network reads premium articles in full.
  const [premium] = await premiumArticles(t.store.db);
  const onNet = await t.app.inject({ url: `/api/v1/articles/${premium.slug}`, remoteAddress: '192.0.2.77' });
  assert.ok((onNet.json() as { body_html: string | null }).body_html);
  // Stop access: the same request gets the teaser.
  assert.equal((await admin.browser.post(`${url}/active`, { active: '0' }, { from: url })).statusCode, 303);
  const stopped = await t.app.inject({ url: `/api/v1/articles/${premium.slug}`, remoteAddress: '192.0.2.77' });
  assert.equal((stopped.json() as { body_html: string | null }).body_html, null);
  assert.equal((await admin.browser.post(`${url}/active`, { active: '1' }, { from: url })).statusCode, 303);
  assert.equal((await admin.browser.post(`${url}/ranges`, { ranges: '198.51.100.10-198.51.100.20' }, { from: url })).statusCode, 303);
  assert.equal((await admin.browser.post(`${url}/ranges/remove`, { range: '192.0.2.0/24' }, { from: url })).statusCode, 303);
  const removed = await t.app.inject({ url: `/api/v1/articles/${premium.slug}`, remoteAddress: '192.0.2.77' });
  assert.equal((removed.json() as { body_html: string | null }).body_html, null);
  const actions = (await t.store.db.selectFrom('audit_log').select('action').where('entity', '=', 'institution').where('entity_id', '=', String(id)).orderBy('id').execute()).map((a) => a.action);
  assert.deepEqual(actions, ['institution.create', 'institution.deactivate', 'institution.activate', 'institution.ranges.add', 'institution.ranges.remove']);

  // Gift codes: shown once, stored as hashes, redeemable by a reader.
  await admin.browser.get('/admin/gifts');
  const badGift = await admin.browser.post('/admin/gifts', { plan: 'digital', days: '0', count: '2', note: '' });
  assert.equal(badGift.statusCode, 400);
  const made = await admin.browser.post('/admin/gifts', { plan: 'print-digital', days: '90', count: '3', note: 'for the book fair' }, { from: '/admin/gifts' });
  assert.equal(made.statusCode, 200);
  const codes = [...(/<div class="prompt" role="status" id="new-codes">([\s\S]*?)<\/div>/.exec(made.body)?.[1] ?? '').matchAll(/<code class="secret">([A-Z0-9-]+)<\/code>/g)].map((m) => m[1]);
  assert.equal(codes.length, 3);
  const listed = await admin.browser.get('/admin/gifts');
  assert.doesNotMatch(listed.body, new RegExp(codes[0]), 'codes are never shown again');
  assert.match(listed.body, /for the book fair/);
  const ga = await t.store.db.selectFrom('audit_log').select('after_json').where('action', '=', 'gift.create').executeTakeFirstOrThrow();
  assert.equal(JSON.parse(ga.after_json!).ids.length, 3);
  assert.doesNotMatch(ga.after_json!, new RegExp(codes[0]), 'the log keeps no code');
  const { redeemGiftCode } = await import('../../src/store/gifts.ts');
  const reader = await createUser(t.store.db, { email: `gift-${process.pid}@example.org` });
  assert.equal((await redeemGiftCode(t.store.db, codes[1], reader.id)).ok, true);
  assert.match((await admin.browser.get('/admin/gifts')).body, new RegExp(`by <a href="/admin/subscribers/${reader.id}">`));
});

test('bad input to any office form is answered with a page, never a 500, and writes nothing', async () => {
  const sub = await createUser(t.store.db, { email: `fuzz-${process.pid}@example.org` });
  const issue = await t.store.db.selectFrom('issues').select('id').orderBy('id').executeTakeFirstOrThrow();
  const inst = await t.store.db.insertInto('institutions').values({ name: 'Fuzz Library', note: null, created_at: new Date().toISOString() }).returning('id').executeTakeFirstOrThrow();
  const audits = await count('audit_log');
  const junk: Record<string, string>[] = [
    {},
    { plan: 'x'.repeat(5000), until: '9999-99-99', months: '-1', entitlement: '99999999999', range: 'zz', ranges: '\u0000\n::::/999', active: '2', days: '1e9', count: 'NaN', month: '0000-00', volume: '1.5', pageCount: '-3', name: '\u0000', rateClass: 'root', email: 'a@', note: 'x'.repeat(600) },
  ];
  const posts = [
    '/admin/subscribers/new', `/admin/subscribers/${sub.id}`, `/admin/subscribers/${sub.id}/grant`, `/admin/subscribers/${sub.id}/extend`, `/admin/subscribers/${sub.id}/revoke`,
    '/admin/subscribers/999999/grant', '/admin/subscribers/x/revoke', '/admin/issues', `/admin/issues/${issue.id}`, `/admin/issues/${issue.id}/pdf`, `/admin/issues/${issue.id}/cover`,
    '/admin/subscribers/import', '/admin/institutions', `/admin/institutions/${inst.id}/ranges`, `/admin/institutions/${inst.id}/ranges/remove`, '/admin/institutions/0/active', '/admin/gifts',
  ];
  for (const url of posts) {
    for (const form of junk) {
      // An empty details form is a valid save (it clears the details): only the junk one there.
      if ((url === `/admin/subscribers/${sub.id}` || url === `/admin/issues/${issue.id}`) && !Object.keys(form).length) continue;
      const res = await admin.browser.post(url, form, { from: '/admin/subscribers' });
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${url} ${JSON.stringify(form).slice(0, 60)}: ${res.statusCode}`);
    }
  }
  for (const url of ['/admin/subscribers?page=abc&rate=x&status=y&q=%00', '/admin/subscribers/mailing?issue=2099-13', '/admin/subscribers/labels.pdf?issue=x', '/admin/issues/0/cover', '/admin/institutions/abc']) {
    const res = await admin.browser.get(url);
    assert.ok(res.statusCode < 500, `${url}: ${res.statusCode}`);
  }
  assert.equal(await count('audit_log'), audits + 1, 'only the labels download above is logged');
});
