import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { runCli } from '../support/cli.ts';
import { loadDemo } from '../../src/demo/load.ts';
import { slugify } from '../../src/domain/slug.ts';
import { dismissFinding, restoreFinding } from '../../src/newsroom/lint.ts';

const SEED = path.resolve(import.meta.dirname, '../../fixtures/seed-pln-bukele.txt');
const SEED_SLUG = slugify(fs.readFileSync(SEED, 'utf8').split('\n')[0]);

let t: TestDatabase;
let dir: string;
before(async () => {
  t = await createTestDatabase();
  await loadDemo(t.store.db);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masthead-lint-'));
});
after(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await t.cleanup();
});

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

const CLEAN_MD = `---
title: County Jail Pays to Cool Its Cells
sources: [Texas Tribune]
access: free
issue: 2025-05
pages: "40"
---
A county jail in Texas agreed in March 2025 to pay $2 million and install air conditioning to settle a suit brought by the families of two men who died in cells that reached 110 degrees.

The settlement follows years of complaints from prisoners and their families. [See: PLN, Mar. 2025, p.45.]
`;

test('the seed file: exit 1, the 2015 finding with its fix, nothing else, and nothing saved', async () => {
  const count = async () => Number((await t.store.db.selectFrom('articles').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const before = await count();
  const r = await runCli(['lint', SEED], t.env);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /seed-pln-bukele\.txt:2: date: "March 30, 2015" is 10 years before this story \(2025\)/);
  assert.match(r.stdout, /did you mean "March 30, 2025"\?/);
  assert.match(r.stdout, /^1 finding\.$/m);
  assert.equal(await count(), before);
});

test('--json: an array of {rule, message, excerpt} items; lines are lines of the file', async () => {
  const r = await runCli(['lint', SEED, '--json'], t.env);
  assert.equal(r.code, 1, r.stderr);
  const items = JSON.parse(r.stdout);
  assert.equal(items.length, 1);
  const [f] = items;
  assert.equal(f.rule, 'date');
  assert.equal(typeof f.message, 'string');
  assert.match(f.excerpt, /March 30, 2015/);
  assert.match(f.suggestion, /March 30, 2025/);
  assert.equal(f.line, 2, 'the paragraph is on line 2 of the file');
  assert.equal(f.slug, SEED_SLUG);
  assert.equal(f.file, SEED);
  assert.equal(fs.readFileSync(SEED, 'utf8').split('\n')[1].includes(f.excerpt), true);
});

test('a stored article by its slug', async () => {
  const r = await runCli(['lint', SEED_SLUG, '--json'], t.env);
  assert.equal(r.code, 1, r.stderr);
  const items = JSON.parse(r.stdout);
  assert.deepEqual(items.map((i: { rule: string }) => i.rule), ['date']);
  assert.equal(items[0].slug, SEED_SLUG);
  assert.equal(items[0].line, 1, 'line of the stored Markdown body');
});

test('a clean Markdown file: exit 0', async () => {
  const r = await runCli(['lint', write('clean.md', CLEAN_MD)], t.env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /No findings\./);
  const j = await runCli(['lint', write('clean.md', CLEAN_MD), '--json'], t.env);
  assert.equal(j.code, 0);
  assert.deepEqual(JSON.parse(j.stdout), []);
});

test('a Markdown file with problems: each reported on its file line', async () => {
  const md = CLEAN_MD
    .replace('sources: [Texas Tribune]\n', '')
    .replace('The settlement follows', 'The  settlement follows')
    .replace('[See: PLN, Mar. 2025, p.45.]', '[See: PLN, Mar. 2025, p.47.] See [the order](/articles/no-such-order).');
  const r = await runCli(['lint', write('problems.md', md), '--json'], t.env);
  assert.equal(r.code, 1, r.stderr);
  const items = JSON.parse(r.stdout) as { rule: string; line: number | null; excerpt: string }[];
  assert.deepEqual(items.map((i) => [i.rule, i.line]), [
    ['sources-missing', null],
    ['citation-unresolved', 9],
    ['link-broken', 9],
    ['double-spaces', 9],
  ]);
  assert.equal(items.find((i) => i.rule === 'double-spaces')!.excerpt, 'The  settlement');
});

test('standard input, in either format', async () => {
  const r = await runCli(['lint', '-', '--format', 'md', '--json'], t.env, CLEAN_MD);
  assert.equal(r.code, 0, r.stderr);
  const s = await runCli(['lint', '-'], t.env, fs.readFileSync(SEED, 'utf8'));
  assert.equal(s.code, 1, s.stderr);
  assert.match(s.stdout, /March 30, 2015/);
});

test('dismissed findings are not reported (exit 0) unless --all', async () => {
  const [finding] = JSON.parse((await runCli(['lint', SEED_SLUG, '--json'], t.env)).stdout);
  await dismissFinding(t.store, SEED_SLUG, finding, null);
  try {
    const r = await runCli(['lint', SEED_SLUG], t.env);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /No findings\. 1 dismissed finding is not shown \(--all shows them\)\./);
    const all = await runCli(['lint', SEED_SLUG, '--all', '--json'], t.env);
    assert.equal(all.code, 0);
    const items = JSON.parse(all.stdout);
    assert.equal(items.length, 1);
    assert.equal(items[0].dismissed, true);
    // The file of the same article is dismissed too (same slug).
    assert.equal((await runCli(['lint', SEED], t.env)).code, 0);
  } finally {
    await restoreFinding(t.store, SEED_SLUG, finding);
  }
  assert.equal((await runCli(['lint', SEED_SLUG], t.env)).code, 1);
});

test('no argument: every article in the archive', async () => {
  const r = await runCli(['lint', '--json'], t.env);
  assert.equal(r.code, 1, r.stderr);
  const items = JSON.parse(r.stdout) as { slug: string; rule: string; excerpt: string }[];
  const total = Number((await t.store.db.selectFrom('articles').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  assert.ok(total >= 26);
  assert.ok(items.some((i) => i.slug === SEED_SLUG && i.rule === 'date' && i.excerpt.includes('March 30, 2015')));
  // The demo's own planted typo ("published its findings on April 2, 2015" in a story of April 2025).
  assert.ok(items.some((i) => i.rule === 'date' && i.excerpt.includes('April 2, 2015')));
  // And no date finding beyond those two in the whole demo archive.
  assert.equal(items.filter((i) => i.rule === 'date').length, 2);
  const text = await runCli(['lint'], t.env);
  assert.equal(text.code, 1);
  assert.match(text.stdout, new RegExp(`\\d+ findings in \\d+ of ${total} articles\\.`));
});

test('an archive with nothing to find: exit 0', async () => {
  const empty = await createTestDatabase();
  try {
    const file = path.join(dir, 'clean-import.md');
    fs.writeFileSync(file, CLEAN_MD.replace(' [See: PLN, Mar. 2025, p.45.]', ''));
    const imp = await runCli(['import', file], empty.env);
    assert.equal(imp.code, 0, imp.stderr);
    const r = await runCli(['lint'], empty.env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /No findings/);
  } finally {
    await empty.cleanup();
  }
});

test('bad input: exit 2 with a clear message', async () => {
  const cases: { args: string[]; stderr: RegExp; input?: string }[] = [
    { args: ['lint', 'no-such-article'], stderr: /no article has the address "no-such-article"/ },
    { args: ['lint', path.join(dir, 'missing.md')], stderr: /no such file: .*missing\.md/ },
    { args: ['lint', write('bad.md', '---\ntitle: Bad\naccess: freee\n---\nBody.\n')], stderr: /bad\.md:3: access must be free or premium/ },
    { args: ['lint', write('notes.pdf', 'x')], stderr: /unsupported file type "\.pdf"/ },
    { args: ['lint', dir], stderr: /is a directory/ },
    { args: ['lint', 'a', 'b'], stderr: /one article address/ },
    { args: ['lint', '--nope'], stderr: /Unknown option/ },
    { args: ['lint', '-', '--format', 'pdf'], stderr: /--format must be txt or md/, input: 'x' },
    { args: ['lint', SEED, '--format', 'md'], stderr: /--format applies to standard input/ },
  ];
  for (const c of cases) {
    const r = await runCli(c.args, t.env, c.input);
    assert.equal(r.code, 2, `${c.args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, c.stderr, c.args.join(' '));
    assert.equal(r.stdout, '', 'nothing on standard output');
  }
});

test('--help lists the checks', async () => {
  const r = await runCli(['lint', '--help'], t.env);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: masthead lint/);
  for (const rule of ['date', 'citation-unresolved', 'straight-quotes', 'link-broken']) assert.match(r.stdout, new RegExp(rule));
});
