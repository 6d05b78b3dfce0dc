import type { Migration } from 'kysely';
import type { Dialect } from './db.ts';

/** Migration 0007_ops (added when its first table is needed). */
export function opsMigrations(_dialect: Dialect): Record<string, Migration> {
  return {};
}
