import type { Command } from './main.ts';
import { loadConfig } from '../config.ts';
import { BackupError, createBackup, restoreBackup, describeManifest, describeTables } from '../ops/backup.ts';
import { humanBytes } from '../ops/backup-format.ts';

// `masthead backup <file>` and `masthead restore <file>`: see docs/OPERATIONS.md.

export const backupCommand: Command = {
  summary: 'Write a backup of the whole database (articles, accounts, files) to a file; safe while serving.',
  usage: `masthead backup <file>

Writes every table of the database to <file>, with a manifest (schema version, rows per table)
and a checksum. The site keeps serving meanwhile: the backup reads one consistent snapshot.
SQLite (DATA_DIR): the database file, compressed. PostgreSQL (DATABASE_URL): a pg_dump archive
(needs pg_dump of the server's version or newer on PATH, or in PG_BINDIR).
The file appears under its name only when complete. Restore it with \`masthead restore <file>\`.

Example:
  masthead backup /var/backups/masthead/$(date +%F).mhbackup`,
  options: {},
  async run({ positionals }) {
    if (positionals.length !== 1) {
      process.stderr.write('masthead backup: name the file to write, e.g. masthead backup /var/backups/masthead.mhbackup\n');
      return 2;
    }
    const config = loadConfig();
    try {
      const r = await createBackup(config, positionals[0]);
      process.stdout.write(`Backed up the ${describeManifest(r.manifest)}\nto ${r.file} (${humanBytes(r.bytes)}) in ${r.seconds.toFixed(1)} s.\n`);
      return 0;
    } catch (err) {
      if (err instanceof BackupError) {
        process.stderr.write(`masthead backup: ${err.message}\nNo backup was written.\n`);
        return 1;
      }
      throw err;
    }
  },
};

export const restoreCommand: Command = {
  summary: 'Replace the database with a backup made by `masthead backup` (checked first; all or nothing).',
  usage: `masthead restore <file> [--check]

Replaces everything in the database (DATA_DIR or DATABASE_URL) with the backup's contents, in
one transaction. The file is checked completely first — its checksum, the database kind, the
schema version, and for SQLite the database's integrity — and a damaged, truncated or foreign
file, or one from a newer version of Masthead, is refused with nothing changed. A backup from an
older version is upgraded to this version's schema.

  --check   only check the backup; change nothing

Running servers may stay up: they wait while the restore commits, then serve the restored
archive. Stopping them first is simpler (see docs/OPERATIONS.md).`,
  options: { check: { type: 'boolean' } },
  async run({ values, positionals }) {
    if (positionals.length !== 1) {
      process.stderr.write('masthead restore: name the backup file, e.g. masthead restore /var/backups/masthead.mhbackup\n');
      return 2;
    }
    const config = loadConfig();
    try {
      const r = await restoreBackup(config, positionals[0], { check: values.check === true });
      if (r.checkedOnly) {
        process.stdout.write(`${positionals[0]} is a sound backup: ${describeManifest(r.manifest)}.\nNothing was changed.\n`);
        return 0;
      }
      process.stdout.write(`Restored the ${describeManifest(r.manifest)}.\n`);
      if (r.before) process.stdout.write(`It replaced: ${describeTables(r.before)}.\n`);
      if (r.migrated.length) process.stdout.write(`Upgraded to this version's schema: ${r.migrated.join(', ')}.\n`);
      process.stdout.write(`Now: ${describeTables(r.after)} (${r.seconds.toFixed(1)} s).\n`);
      return 0;
    } catch (err) {
      if (err instanceof BackupError) {
        process.stderr.write(`masthead restore: ${err.message}\nNothing was changed.\n`);
        return 1;
      }
      throw err;
    }
  },
};
