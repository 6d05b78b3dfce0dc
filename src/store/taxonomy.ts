import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.ts';
import { nowIso } from './articles.ts';

export type Facet = 'topic' | 'place' | 'source' | 'author';

export interface Term {
  slug: string;
  name: string;
  kind?: string;
  count: number;
}

/** Every term of a kind with the number of visible articles that carry it, most used first. */
export async function listTerms(db: Kysely<DB>, facet: Facet, now = nowIso()): Promise<Term[]> {
  const visibleIds = db
    .selectFrom('articles')
    .select('articles.id')
    .where('articles.status', '!=', 'draft')
    .where('articles.published_at', '<=', now);
  let rows: { slug: string; name: string; kind?: string; count: number | string }[];
  if (facet === 'source') {
    rows = await db
      .selectFrom('article_sources')
      .select(['slug', sql<string>`min(name)`.as('name'), sql<number>`count(distinct article_id)`.as('count')])
      .where('article_id', 'in', visibleIds)
      .groupBy('slug')
      .execute();
  } else {
    const [link, table, col] =
      facet === 'topic' ? (['article_topics', 'topics', 'topic_id'] as const)
      : facet === 'place' ? (['article_places', 'places', 'place_id'] as const)
      : (['article_authors', 'authors', 'author_id'] as const);
    rows = (await db
      .selectFrom(`${table} as t` as any)
      .innerJoin(`${link} as l` as any, `l.${col}` as any, 't.id' as any)
      .select(['t.slug', 't.name', ...(facet === 'place' ? ['t.kind'] : []), sql<number>`count(*)`.as('count')] as any)
      .where('l.article_id' as any, 'in', visibleIds)
      .groupBy(['t.id', 't.slug', 't.name', ...(facet === 'place' ? ['t.kind'] : [])] as any)
      .execute()) as any;
  }
  return rows
    .map((r) => ({ ...r, count: Number(r.count) }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}

export async function getTerm(db: Kysely<DB>, facet: Facet, slug: string): Promise<{ slug: string; name: string; kind?: string } | null> {
  if (facet === 'source') {
    const r = await db.selectFrom('article_sources').select(['slug', 'name', 'url']).where('slug', '=', slug).limit(1).executeTakeFirst();
    return r ?? null;
  }
  const table = facet === 'topic' ? 'topics' : facet === 'place' ? 'places' : 'authors';
  const r = await db.selectFrom(table as 'topics').selectAll().where('slug', '=', slug).executeTakeFirst();
  return r ?? null;
}
