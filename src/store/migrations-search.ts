import type { Migration } from 'kysely';
import type { Dialect } from './db.ts';

/** Migration 0004_search (added when its first table is needed). */
export function searchMigrations(_dialect: Dialect): Record<string, Migration> {
  return {};
}
