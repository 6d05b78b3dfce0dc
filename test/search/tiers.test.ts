import { test, before, after } from 'node:test';
import { sql } from 'kysely';
import assert from 'node:assert/strict';
import { tier } from '../../src/search/tiers.ts';
import { parseQuery } from '../../src/search/query.ts';
import { indexText } from '../../src/search/tokenize.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { generateSyntheticArchive } from '../../src/demo/synthetic.ts';
import { engineFor, RANGE_SLACK } from '../../src/search/engines.ts';

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

test('every PostgreSQL plan (walk, newest range first, GIN) gives the same matches', async () => {
  const engine = engineFor(db.store);
  const keys = (await db.store.db.selectFrom('search_docs').select('key').orderBy('key').execute()).map((k) => Number(k.key));
  const ranges = [
    { lo: Number.MIN_SAFE_INTEGER, hi: Number.MAX_SAFE_INTEGER },
    // A middle part of the archive, as a date filter gives.
    { lo: keys[Math.floor(keys.length / 3)], hi: keys[Math.floor((2 * keys.length) / 3)] },
  ];
  let compared = 0;
  let nonEmpty = 0;
  for (const q of ['prison', 'prison guard', '"federal court"', 'jail OR prison', 'court -bukele', '"the prison system"', 'corr*', 'bukele', 'guard']) {
    for (const range of ranges) {
      for (const limit of [5, 40, 1001]) {
        const base = { parsed: parseQuery(q), tags: [] as string[], ...range, facets: true, tiers: true, limit };
        const expected = await engine.matches({ ...base, share: null });
        if (expected.length) nonEmpty++;
        if (limit === 5 && !['"the prison system"', 'bukele'].includes(q)) assert.equal(expected.length, 5, `${q}: the limit holds`);
        // Walk (share ≥ 0.5); the newest documents first, enough of them (0.3) or too few, so
        // the older rest is searched too (0.05 with a small limit); one GIN scan (tiny shares).
        for (const share of [1, 0.6, 0.3, 0.2, 0.1, 0.05, 0.001, 0.00001]) {
          assert.deepEqual(await engine.matches({ ...base, share }), expected, `${q} share ${share} limit ${limit}`);
          compared++;
        }
      }
    }
  }
  assert.equal(compared, 9 * 2 * 3 * 8);
  assert.ok(nonEmpty >= 7 * 2 * 3, `most searches find something (${nonEmpty})`);

  // The newest range ends on a document that matches, and has fewer matches than wanted: the
  // older rest must follow without that document twice.
  const limit = 40, share = 0.3;
  const desc = [...keys].reverse();
  const edge = desc[Math.ceil((RANGE_SLACK * limit) / share) - 1];
  const doc = await db.store.db.selectFrom('search_docs').select('title_terms').where('key', '=', edge).executeTakeFirstOrThrow();
  const lexicon = await db.store.db.selectFrom('search_lexicon').select(['term', 'word', 'df']).where('term', 'in', doc.title_terms.trim().split(' ')).orderBy('df').orderBy('term').execute();
  const rare = lexicon.find((w) => /^[a-z]+$/.test(w.word) && w.df < limit)!;
  assert.ok(rare, 'the edge document has a rare title word');
  const base = { parsed: parseQuery(rare.word), tags: [] as string[], lo: Number.MIN_SAFE_INTEGER, hi: Number.MAX_SAFE_INTEGER, facets: true, tiers: true, limit };
  const expected = await engine.matches({ ...base, share: null });
  assert.ok(expected.some((m) => m.key === edge), `"${rare.word}" matches the edge document`);
  assert.deepEqual(await engine.matches({ ...base, share }), expected, rare.word);
});

test('a search inside a caller\'s transaction leaves its planner settings as they were', async (t) => {
  if (db.store.dialect !== 'postgres') return t.skip('PostgreSQL only');
  await db.store.db.transaction().execute(async (trx) => {
    const engine = engineFor({ ...db.store, db: trx });
    const base = { parsed: parseQuery('prison'), tags: [] as string[], lo: Number.MIN_SAFE_INTEGER, hi: Number.MAX_SAFE_INTEGER, facets: false, limit: 5 };
    for (const share of [1, 0.3, 0.001]) assert.equal((await engine.matches({ ...base, share })).length, 5);
    const now = (await sql<{ i: string; b: string }>`select current_setting('enable_indexscan') as i, current_setting('enable_bitmapscan') as b`.execute(trx)).rows[0];
    assert.deepEqual(now, { i: 'on', b: 'on' });
  });
});
