import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';
import { slugify } from '../domain/slug.ts';

export interface PublicationInput {
  name: string;
  abbreviation: string;
  issn?: string | null;
  description?: string | null;
}

/** Creates the publication if the database has none; returns its id either way. */
export async function ensurePublication(db: Kysely<DB>, p: PublicationInput): Promise<number> {
  const found = await db.selectFrom('publications').select('id').orderBy('id').limit(1).executeTakeFirst();
  if (found) return found.id;
  const row = await db.insertInto('publications').values({
    slug: slugify(p.name), name: p.name, abbreviation: p.abbreviation.toUpperCase(), issn: p.issn ?? null,
    description: p.description ?? null, created_at: new Date().toISOString(),
  }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** The publication an install without demo content starts with, from the environment. */
export function publicationFromEnv(env: NodeJS.ProcessEnv = process.env): PublicationInput {
  return {
    name: env.PUBLICATION_NAME?.trim() || 'My Publication',
    abbreviation: (env.PUBLICATION_ABBR?.trim() || 'PUB').toUpperCase(),
    issn: env.PUBLICATION_ISSN?.trim() || null,
    description: env.PUBLICATION_TAGLINE?.trim() || null,
  };
}

export async function isEmpty(db: Kysely<DB>): Promise<boolean> {
  return !(await db.selectFrom('publications').select('id').limit(1).executeTakeFirst());
}
