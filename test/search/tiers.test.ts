import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tier } from '../../src/search/tiers.ts';
import { parseQuery } from '../../src/search/query.ts';
import { indexText } from '../../src/search/tokenize.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { generateSyntheticArchive } from '../../src/demo/synthetic.ts';
import { engineFor } from '../../src/search/engines.ts';

const t = (q: string, title: string, lead: string) => tier(parseQuery(q), indexText(title), indexText(lead));

test('tiers: every word in the title, then in title or lead, then some word there, then none', () => {
  assert.equal(t('prison guard', 'Prison Guards Fired', 'A county story.'), 3);
  assert.equal(t('prison guard', 'Prison Audit', 'The guards were fired.'), 2);
  assert.equal(t('prison guard', 'Prison Audit', 'Nothing else here.'), 1);
  assert.equal(t('prison guard', 'County Audit', 'Nothing else here.'), 0);
  assert.equal(t('"federal court"', 'Court Rules, Federal Judge Says', ''), 0, 'a phrase counts only with its words in order');
  assert.equal(t('"federal court"', 'Federal Court Rules', ''), 3);
  assert.equal(t('jail OR prison', 'Jail Deaths', ''), 3);
  assert.equal(t('prison -jail', 'Prison Jail', ''), 3, 'excluded words do not count here (the match already excluded them)');
  assert.equal(t('correct*', 'Corrections Officers', ''), 3);
  assert.equal(t('correct*', 'Court Officers', 'correctional facility'), 2);
});

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
  await generateSyntheticArchive(db.store, { articles: 300, seed: 11 });
});
after(async () => db.cleanup());

test('the engine computes the same tiers in SQL as the rule above, on stored documents', async () => {
  const engine = engineFor(db.store);
  const docs = new Map((await db.store.db.selectFrom('search_docs').select(['key', 'title_terms', 'lead_terms']).execute()).map((d) => [Number(d.key), d]));
  for (const q of ['prison', 'prison guard', '"federal court"', 'jail OR prison', 'corr*', 'court -bukele']) {
    const parsed = parseQuery(q);
    const matches = await engine.matches({ parsed, tags: [], lo: Number.MIN_SAFE_INTEGER, hi: Number.MAX_SAFE_INTEGER, facets: false, tiers: true });
    assert.ok(matches.length > 0, q);
    const seen = new Set<number>();
    for (const m of matches) {
      const d = docs.get(m.key)!;
      assert.equal(m.tier, tier(parsed, d.title_terms, d.lead_terms), `${q}: ${d.title_terms}`);
      seen.add(m.tier);
    }
    if (q === 'prison') assert.ok(seen.size >= 2, 'the sample has more than one tier');
  }
});

test('both PostgreSQL plans (walking the key index, or collecting from GIN) give the same matches', async () => {
  const engine = engineFor(db.store);
  for (const q of ['prison', 'prison guard', '"federal court"', 'jail OR prison', 'court -bukele', '"the prison system"']) {
    const base = { parsed: parseQuery(q), tags: [] as string[], lo: Number.MIN_SAFE_INTEGER, hi: Number.MAX_SAFE_INTEGER, facets: true, tiers: true };
    const walked = await engine.matches({ ...base, walk: true });
    const collected = await engine.matches({ ...base, walk: false });
    assert.deepEqual(walked, collected, q);
  }
});
