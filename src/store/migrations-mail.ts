import type { Migration } from 'kysely';
import type { Dialect } from './db.ts';

/** Migration 0006_mail (added when its first table is needed). */
export function mailMigrations(_dialect: Dialect): Record<string, Migration> {
  return {};
}
