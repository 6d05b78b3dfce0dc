import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { runCli } from '../support/cli.ts';
import { loadDemo } from '../../src/demo/load.ts';
import { slugify } from '../../src/domain/slug.ts';

const SEED = path.resolve(import.meta.dirname, '../../fixtures/seed-pln-bukele.txt');
const SEED_TITLE = 'Salvadoran President’s Dark Secret Allegedly Behind Deal to Hold Deported Migrants in “Mega” Prison';
const SEED_SLUG = slugify(SEED_TITLE);

let t: TestDatabase;
let cecotSlug: string;
before(async () => {
  t = await createTestDatabase();
  await loadDemo(t.store.db);
  // Start from an archive without the seed, as an editor importing it for the first time would.
  await t.store.db.deleteFrom('articles').where('slug', '=', SEED_SLUG).execute();
  cecotSlug = (await t.store.db.selectFrom('articles').innerJoin('issues', 'issues.id', 'articles.issue_id').select('articles.slug')
    .where('issues.year', '=', 2025).where('issues.month', '=', 3).where('articles.page_first', '=', 45).executeTakeFirstOrThrow()).slug;
});
after(async () => t.cleanup());

async function count(): Promise<number> {
  return Number((await t.store.db.selectFrom('articles').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
}

async function exported(): Promise<any[]> {
  const r = await runCli(['export'], t.env);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('the seed imports to its exact title, 6 paragraphs, 3 sources, no footer, one resolved citation', async () => {
  const r = await runCli(['import', SEED, '--issue', '2025-06', '--page', '12', '--access', 'premium'], t.env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`created ${SEED_SLUG}`));
  const a = (await exported()).find((x) => x.slug === SEED_SLUG);
  assert.ok(a);
  assert.equal(a.title, SEED_TITLE);
  assert.equal((a.body_html.match(/<p>/g) ?? []).length, 6);
  assert.equal(a.body_markdown.split(/\n\s*\n/).filter((p: string) => p.trim()).length, 6);
  assert.deepEqual(a.sources, [{ name: 'CBS News', url: null }, { name: 'Dropsite News', url: null }, { name: 'El Faro', url: null }]);
  assert.ok(!/digital subscriber|Already a subscriber/i.test(a.body_html + a.body_markdown));
  assert.deepEqual(a.citations, [{ text: 'PLN, Mar. 2025, p.45', publication: 'PLN', year: 2025, month: 3, page: 45, article_slug: cecotSlug }]);
  assert.ok(a.body_html.includes('<a href="/cite/PLN/2025/03/45" class="cite">PLN, Mar. 2025, p.45</a>'));
  assert.equal(a.citation, 'PLN, June 2025, p.12');
  assert.equal(a.access, 'premium');
});

test('re-import updates in place, keyed by slug', async () => {
  const before = await count();
  const r = await runCli(['import', SEED, '--issue', '2025-06', '--page', '14'], t.env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /updated /);
  assert.equal(await count(), before);
  const a = (await exported()).find((x) => x.slug === SEED_SLUG);
  assert.equal(a.citation, 'PLN, June 2025, p.14');
  assert.equal(a.access, 'premium', 'access kept when not given');
});

test('a directory with one bad file imports nothing and names the file and line', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masthead-import-'));
  fs.writeFileSync(path.join(dir, 'a-good.md'), '---\ntitle: A Good Article\naccess: free\n---\nFirst paragraph.\n\nSecond paragraph.\n');
  fs.writeFileSync(path.join(dir, 'b-bad.md'), '---\ntitle: Bad One\naccess: freee\n---\nBody.\n');
  const before = await count();
  const r = await runCli(['import', dir], t.env);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /b-bad\.md:3: /);
  assert.match(r.stderr, /Nothing was imported/);
  assert.equal(await count(), before);
  fs.rmSync(dir, { recursive: true });
});

test('bad flags and missing files are refused before anything is written', async () => {
  const before = await count();
  for (const args of [['import', SEED, '--issue', '2025-13'], ['import', SEED, '--page', '3'], ['import', SEED, '--access', 'gold'], ['import', '/no/such/file.txt'], ['import', SEED, '--issue', '2025-06', '--page', 'x']]) {
    const r = await runCli(args, t.env);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.ok(r.stderr.length > 10, 'says why');
  }
  assert.equal(await count(), before);
});

test('standard input in the seed format', async () => {
  const r = await runCli(['import', '-', '--access', 'free'], t.env, 'A Stdin Article\nOne paragraph here.\nAnother one.\nSources: AP\n');
  assert.equal(r.code, 0, r.stderr);
  const a = (await exported()).find((x) => x.slug === 'a-stdin-article');
  assert.equal(a.access, 'free');
  assert.deepEqual(a.sources, [{ name: 'AP', url: null }]);
});

test('--help for every command', async () => {
  for (const cmd of ['serve', 'import', 'export', 'demo']) {
    const r = await runCli([cmd, '--help'], t.env);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: masthead /);
  }
});
