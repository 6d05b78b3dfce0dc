import type { Command } from './main.ts';
import { loadConfig } from '../config.ts';
import { openStore, type Store } from '../store/db.ts';
import { createUser, findUserByEmail, isPlausibleEmail, normalizeEmail, grantEntitlement, createApiToken, updateUser } from '../store/users.ts';
import { hashPassword, passwordProblem } from '../auth/passwords.ts';
import { createGiftCode } from '../store/gifts.ts';

async function withStore<T>(fn: (s: Store) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function fail(cmd: string, message: string): number {
  process.stderr.write(`masthead ${cmd}: ${message}\n`);
  return 2;
}

export const userCommand: Command = {
  summary: 'Add a user account (reader, editor or admin).',
  usage: `masthead user add --email E [--password P] [--role reader|editor|admin] [--name N]

Without --password the user signs in with e-mailed links (or sets a password later).
An existing e-mail address gets its role (and password, if given) updated instead.`,
  options: { email: { type: 'string' }, password: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } },
  async run({ values, positionals }) {
    if (positionals[0] !== 'add' || positionals.length !== 1) return fail('user', 'usage: masthead user add --email E [--password P] [--role reader|editor|admin]');
    const email = normalizeEmail(String(values.email ?? ''));
    if (!isPlausibleEmail(email)) return fail('user', `--email must be an e-mail address, got "${values.email ?? ''}"`);
    // Without --role an existing account keeps its role (a new one is a reader).
    const givenRole = values.role === undefined ? null : String(values.role);
    if (givenRole !== null && givenRole !== 'reader' && givenRole !== 'editor' && givenRole !== 'admin') return fail('user', `--role must be reader, editor or admin, got "${givenRole}"`);
    const role = givenRole ?? 'reader';
    const password = values.password === undefined ? null : String(values.password);
    if (password !== null && passwordProblem(password)) return fail('user', `--password: ${passwordProblem(password)}`);
    return withStore(async ({ db }) => {
      const passwordHash = password ? await hashPassword(password) : undefined;
      const existing = await findUserByEmail(db, email);
      if (existing) {
        await updateUser(db, existing.id, {
          ...(givenRole ? { role: givenRole } : {}),
          // The operator vouches for an address they set a password for.
          ...(passwordHash ? { password_hash: passwordHash, ...(existing.email_verified_at ? {} : { email_verified_at: new Date().toISOString() }) } : {}),
          ...(values.name ? { name: String(values.name) } : {}),
        });
        process.stdout.write(`updated ${email} (${givenRole ?? existing.role})\n`);
      } else {
        await createUser(db, { email, role, passwordHash: passwordHash ?? null, name: values.name ? String(values.name) : null, verified: true });
        process.stdout.write(`created ${email} (${role})\n`);
      }
      return 0;
    });
  },
};

export const grantCommand: Command = {
  summary: 'Give a reader a subscription until a date (a money order, a comp, an import).',
  usage: `masthead grant <email> --plan digital|print-digital --until YYYY-MM-DD [--note "paid by money order #123"] [--source admin|import]

The account is created when it does not exist yet. Access lasts through the given day (UTC).`,
  options: { plan: { type: 'string' }, until: { type: 'string' }, note: { type: 'string' }, source: { type: 'string' } },
  async run({ values, positionals }) {
    if (positionals.length !== 1) return fail('grant', 'name one e-mail address: masthead grant <email> --plan digital --until 2026-12-31');
    const email = normalizeEmail(positionals[0]);
    if (!isPlausibleEmail(email)) return fail('grant', `"${positionals[0]}" is not an e-mail address`);
    const plan = String(values.plan ?? '');
    if (plan !== 'digital' && plan !== 'print-digital') return fail('grant', `--plan must be digital or print-digital, got "${plan}"`);
    const until = String(values.until ?? '');
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(until);
    const day = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
    if (!day || day.toISOString().slice(0, 10) !== until) return fail('grant', `--until must be a real date like 2026-12-31, got "${until}"`);
    const end = new Date(day.getTime() + 86400_000);
    if (end.getTime() <= Date.now()) return fail('grant', `--until ${until} is in the past`);
    const source = String(values.source ?? 'admin');
    if (source !== 'admin' && source !== 'import') return fail('grant', `--source must be admin or import, got "${source}"`);
    return withStore(async ({ db }) => {
      return db.transaction().execute(async (trx) => {
        const user = (await findUserByEmail(trx, email)) ?? (await createUser(trx, { email }));
        await grantEntitlement(trx, { userId: user.id, plan, endsAt: end.toISOString(), source, note: values.note ? String(values.note) : null });
        process.stdout.write(`${email}: ${plan} until ${until}\n`);
        return 0;
      });
    });
  },
};

export const tokenCommand: Command = {
  summary: 'Create a personal API token for a user (Authorization: Bearer …).',
  usage: `masthead token create <email> [--name N]

Prints the token once; only its hash is stored.`,
  options: { name: { type: 'string' } },
  async run({ values, positionals }) {
    if (positionals[0] !== 'create' || positionals.length !== 2) return fail('token', 'usage: masthead token create <email>');
    return withStore(async ({ db }) => {
      const user = await findUserByEmail(db, positionals[1]);
      if (!user) return fail('token', `no account for ${positionals[1]} (create it with: masthead user add --email ${positionals[1]})`);
      process.stdout.write(`${await createApiToken(db, user.id, 'api', values.name ? String(values.name) : 'cli')}\n`);
      return 0;
    });
  },
};

export const giftCommand: Command = {
  summary: 'Create gift codes that readers redeem on their account page.',
  usage: `masthead gift create --plan digital|print-digital --days N [--count K] [--note T]`,
  options: { plan: { type: 'string' }, days: { type: 'string' }, count: { type: 'string' }, note: { type: 'string' } },
  async run({ values, positionals }) {
    if (positionals[0] !== 'create') return fail('gift', 'usage: masthead gift create --plan digital --days 365');
    const plan = String(values.plan ?? '');
    if (plan !== 'digital' && plan !== 'print-digital') return fail('gift', `--plan must be digital or print-digital, got "${plan}"`);
    const days = Number(values.days);
    if (!Number.isInteger(days) || days < 1 || days > 3660) return fail('gift', `--days must be a whole number from 1 to 3660`);
    const count = Number(values.count ?? 1);
    if (!Number.isInteger(count) || count < 1 || count > 1000) return fail('gift', `--count must be from 1 to 1000`);
    return withStore(async ({ db }) => {
      for (let i = 0; i < count; i++) process.stdout.write(`${await createGiftCode(db, { plan, days, note: values.note ? String(values.note) : null })}\n`);
      return 0;
    });
  },
};

