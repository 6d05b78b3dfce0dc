import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.ts';
import { randomToken } from './tokens.ts';

// One secret for signed URLs (private feeds), kept in the database so every instance shares it.
let cached: { db: Kysely<DB>; secret: string } | null = null;

export async function signingSecret(db: Kysely<DB>): Promise<string> {
  if (cached?.db === db) return cached.secret;
  await db.insertInto('settings').values({ key: 'signing_secret', value: randomToken(32) }).onConflict((oc) => oc.column('key').doNothing()).execute();
  const row = await db.selectFrom('settings').select('value').where('key', '=', 'signing_secret').executeTakeFirstOrThrow();
  cached = { db, secret: row.value };
  return row.value;
}

export function sign(secret: string, message: string): string {
  return crypto.createHmac('sha256', secret).update(message).digest('base64url').slice(0, 32);
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

