import type { Command } from './main.ts';
import { loadConfig } from '../config.ts';
import { openStore } from '../store/db.ts';
import { findUserByEmail, normalizeEmail } from '../store/users.ts';
import { getTotp, removeTotp, writeAudit, recoveryCodesLeft } from '../store/newsroom.ts';

// Lockout recovery: an operator turns a staff member's two-factor sign-in off (a lost phone).
// Admins are asked to set it up again at their next visit to /admin.

export const twoFactorCommand: Command = {
  summary: 'Two-factor sign-in of staff: status, or reset it for someone who lost their phone.',
  usage: `masthead two-factor status [<email>]
masthead two-factor reset <email>

status without an address lists every editor and admin. reset turns TOTP off for the account (and
its recovery codes) and ends the second factor of all its sessions; an admin sets it up again
(with a new QR code) at the next visit to /admin. Recorded in the audit log.`,
  options: {},
  async run({ positionals }) {
    const [action, rawEmail] = positionals;
    const everyone = action === 'status' && positionals.length === 1;
    if (!everyone && ((action !== 'status' && action !== 'reset') || !rawEmail || positionals.length !== 2)) {
      process.stderr.write('masthead two-factor: usage: masthead two-factor status [<email>] | reset <email>\n');
      return 2;
    }
    const config = loadConfig();
    const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      /** One line of status: on or off, recovery codes left, and whether the key is sealed. */
      const statusLine = async (user: { id: number; email: string; role: string }) => {
        const totp = await getTotp(store.db, user.id, config.totpKeys);
        const on = Boolean(totp?.enabledAt);
        const codes = on ? await recoveryCodesLeft(store.db, user.id) : null;
        const key = !totp ? '' : totp.problem === 'no-key' ? '; its key is sealed and TOTP_KEY is not set'
          : totp.problem === 'wrong-key' ? '; its key is sealed with a key TOTP_KEY does not hold'
          : config.totpKeys.length ? '' : '; its key is stored in the clear (set TOTP_KEY to seal it)';
        return `${user.email} (${user.role}): two-factor sign-in ${on ? `on since ${totp!.enabledAt}, ${codes!.unused} of ${codes!.total} recovery codes unused${key}` : 'off'}\n`;
      };
      if (everyone) {
        const staff = await store.db.selectFrom('users').select(['id', 'email', 'role']).where('role', 'in', ['editor', 'admin']).orderBy('email').execute();
        if (!staff.length) process.stdout.write('no editors or admins yet\n');
        for (const u of staff) process.stdout.write(await statusLine({ ...u, id: Number(u.id) }));
        return 0;
      }
      const user = await findUserByEmail(store.db, normalizeEmail(rawEmail));
      if (!user) {
        process.stderr.write(`masthead two-factor: no account with the address ${rawEmail}\n`);
        return 1;
      }
      if (action === 'status') {
        process.stdout.write(await statusLine(user));
        return 0;
      }
      const on = Boolean((await getTotp(store.db, user.id, config.totpKeys))?.enabledAt);
      await store.db.transaction().execute(async (trx) => {
        await removeTotp(trx, user.id);
        await writeAudit(trx, { userId: null, userEmail: 'operator@localhost', action: 'totp.reset', entity: 'user', entityId: user.id, before: { totp: on }, after: { totp: false }, ip: null });
      });
      process.stdout.write(`${user.email}: two-factor sign-in is off${user.role === 'admin' ? '; it must be set up again at the next visit to /admin' : ''}\n`);
      return 0;
    } finally {
      await store.close();
    }
  },
};
