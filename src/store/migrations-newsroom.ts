import type { Migration } from 'kysely';
import type { Dialect } from './db.ts';

/** Migration 0005_newsroom (added when its first table is needed). */
export function newsroomMigrations(_dialect: Dialect): Record<string, Migration> {
  return {};
}
