import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.ts';
import { ensurePublication } from '../store/publication.ts';
import { parseImportFile } from '../domain/importers/index.ts';
import { saveArticles } from '../commands/save-articles.ts';
import type { ImportedArticle } from '../domain/types.ts';

const CONTENT_DIR = new URL('./content/', import.meta.url);
export const SEED_FILE = new URL('../../fixtures/seed-pln-bukele.txt', import.meta.url);

interface DemoIssues {
  publication: { name: string; abbreviation: string; issn?: string; description?: string };
  issues: { year: number; month: number; volume: number; number: number; pages: number; title?: string }[];
}

/** Loads the demo publication (PLN): issues, the hand-written articles and the seed article. */
export async function loadDemo(db: Kysely<DB>): Promise<{ articles: number; issues: number }> {
  const meta = YAML.parse(fs.readFileSync(new URL('issues.yaml', CONTENT_DIR), 'utf8')) as DemoIssues;
  const dir = CONTENT_DIR.pathname;
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.md')).sort();
  const items: { file: string; article: ImportedArticle }[] = files.map((f) => ({ file: f, article: parseImportFile(f, fs.readFileSync(path.join(dir, f))) }));
  // The seed, as a reader saw it on the site: in the May 2025 issue, premium.
  const seed = parseImportFile('seed-pln-bukele.txt', fs.readFileSync(SEED_FILE));
  Object.assign(seed, {
    issue: { year: 2025, month: 5 }, pageFirst: 30, pageLast: 31, access: 'premium', status: 'published', publishedAt: '2025-04-28',
    topics: ['Immigration Detention', 'Prison Conditions'], places: ['El Salvador'],
  });
  items.push({ file: 'seed-pln-bukele.txt', article: seed });

  return db.transaction().execute(async (trx) => {
  await ensurePublication(trx, meta.publication);
  const pub = await trx.selectFrom('publications').select('id').orderBy('id').limit(1).executeTakeFirstOrThrow();
  const now = new Date().toISOString();
  for (const i of meta.issues) {
    const exists = await trx.selectFrom('issues').select('id').where('publication_id', '=', pub.id).where('year', '=', i.year).where('month', '=', i.month).executeTakeFirst();
    if (!exists) {
      await trx.insertInto('issues').values({ publication_id: pub.id, year: i.year, month: i.month, volume: i.volume, number: i.number, page_count: i.pages, title: i.title ?? null, created_at: now }).execute();
    }
  }
  const result = await saveArticles(trx, items);
  return { articles: result.created.length + result.updated.length, issues: meta.issues.length };
  });
}
