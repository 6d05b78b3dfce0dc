import type { Command } from './main.ts';
import { loadConfig } from '../config.ts';
import { openStore } from '../store/db.ts';
import { parseRange } from '../domain/ip-ranges.ts';
import { InputError } from '../domain/types.ts';
import {
  activateInstitution, addRange, createInstitution, deactivateInstitution, findInstitution, listInstitutions, removeRange, usageReport,
} from '../store/institutions.ts';

// `masthead institution …`: institutions that read premium articles by address range.

const USAGE = `masthead institution <subcommand> …

  add "<name>" [--range R]… [--note TEXT]   create an institution with its address ranges
  list [--json]                             every institution, its ranges and this month's views
  range-add <id> <range>…                   add ranges to an institution (existing ones are kept)
  range-remove <id> <range>…                remove ranges from an institution
  usage <id> [--months N] [--json]          views per month, the last N months (default 12)
  deactivate <id>                           stop an institution's access (ranges and usage are kept)
  activate <id>                             restore it

A range is a single address (192.0.2.7, 2001:db8::1), a CIDR block (192.0.2.0/24,
2001:db8::/32) or a span of addresses (192.0.2.10-192.0.2.20). IPv4-mapped IPv6
(::ffff:192.0.2.7) is the same as IPv4. Ranges wider than an IPv4 /8 or an IPv6 /16 are
refused. When any range is bad, nothing is written and the exit code is 1.

Examples:
  masthead institution add "State Law Library" --range 192.0.2.0/24 --range 2001:db8:1::/48
  masthead institution range-add 3 198.51.100.10-198.51.100.20
  masthead institution usage 3 --months 6`;

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

const PROCESS_IO: CliIO = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

function parseId(text: string | undefined): number {
  if (text === undefined || !/^[1-9]\d{0,15}$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new InputError(`expected an institution id (a number, see \`masthead institution list\`), got "${text ?? ''}"`);
  }
  return Number(text);
}

function asList(v: unknown): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** Checks every range before anything is written, and reports all the bad ones at once. */
function checkRanges(inputs: string[]): void {
  const problems: string[] = [];
  for (const r of inputs) {
    try {
      parseRange(r);
    } catch (err) {
      if (err instanceof InputError) problems.push(err.message);
      else throw err;
    }
  }
  if (problems.length) throw new InputError(problems.join('\n'));
}

/**
 * The `institution` command with its input, output and environment passed in (so tests can
 * run it in-process). Returns the exit code.
 */
export async function runInstitution(
  args: { values: Record<string, unknown>; positionals: string[] },
  io: CliIO = PROCESS_IO,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const { values, positionals } = args;
  const [sub, ...rest] = positionals;
  const usageError = (message: string) => {
    io.err(`masthead institution: ${message}\n\nUsage: ${USAGE}\n`);
    return 2;
  };
  if (!sub) return usageError('name a subcommand');
  const known = ['add', 'list', 'range-add', 'range-remove', 'usage', 'deactivate', 'activate'];
  if (!known.includes(sub)) return usageError(`unknown subcommand "${sub}"`);

  // Everything that can be checked without the database is checked before opening it.
  let id = 0;
  let ranges: string[] = [];
  let months = 12;
  try {
    if (sub === 'add') {
      if (rest.length !== 1) return usageError('add takes one name in quotes, e.g. add "State Law Library" --range 192.0.2.0/24');
      if (rest[0].trim() === '') throw new InputError('an institution needs a name');
      ranges = asList(values.range);
    } else if (sub === 'list') {
      if (rest.length) return usageError('list takes no arguments');
    } else if (sub === 'range-add' || sub === 'range-remove') {
      if (rest.length < 2) return usageError(`${sub} takes an institution id and at least one range`);
      id = parseId(rest[0]);
      ranges = rest.slice(1);
    } else {
      if (rest.length !== 1) return usageError(`${sub} takes one institution id`);
      id = parseId(rest[0]);
      if (sub === 'usage' && values.months !== undefined) {
        const m = String(values.months);
        if (!/^\d{1,4}$/.test(m) || Number(m) < 1 || Number(m) > 1200) throw new InputError(`--months must be a number from 1 to 1200, got "${m}"`);
        months = Number(m);
      }
    }
    if (sub !== 'add' && values.range !== undefined) return usageError('--range goes with add; use range-add <id> <range> for an existing institution');
    checkRanges(ranges);
  } catch (err) {
    if (err instanceof InputError) {
      io.err(`masthead institution: ${err.describe()}\nNothing was written.\n`);
      return 1;
    }
    throw err;
  }

  const config = loadConfig(env);
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    switch (sub) {
      case 'add': {
        const { inst, added } = await store.db.transaction().execute(async (trx) => {
          const inst = await createInstitution(trx, rest[0], values.note === undefined ? null : String(values.note));
          const added = [];
          for (const r of ranges) added.push(await addRange(trx, inst.id, r));
          return { inst, added };
        });
        io.out(`created institution ${inst.id}: ${inst.name}\n`);
        for (const r of added) io.out(`  ${r.label}${r.added ? '' : ' (listed twice, added once)'}\n`);
        if (!ranges.length) io.out(`  no address ranges yet: add some with \`masthead institution range-add ${inst.id} <range>\`\n`);
        return 0;
      }
      case 'list': {
        const all = await listInstitutions(store.db);
        if (values.json) {
          io.out(`${JSON.stringify(all.map((i) => ({
            id: i.id, name: i.name, note: i.note, active: i.active, created_at: i.createdAt,
            ranges: i.ranges.map((r) => r.label), views_this_month: i.viewsThisMonth,
          })), null, 2)}\n`);
          return 0;
        }
        if (!all.length) {
          io.out('No institutions yet. Add one with: masthead institution add "<name>" --range <CIDR>\n');
          return 0;
        }
        for (const i of all) {
          io.out(`${i.id}\t${i.name}${i.active ? '' : ' (inactive)'}\t${i.viewsThisMonth} views this month\n`);
          if (i.note) io.out(`\tnote: ${i.note}\n`);
          for (const r of i.ranges) io.out(`\t${r.label}\n`);
          if (!i.ranges.length) io.out('\t(no address ranges)\n');
        }
        return 0;
      }
      case 'range-add': {
        const inst = await findInstitution(store.db, id);
        if (!inst) throw new InputError(`no institution with id ${id}`);
        const results = await store.db.transaction().execute(async (trx) => {
          const out = [];
          for (const r of ranges) out.push(await addRange(trx, id, r));
          return out;
        });
        for (const r of results) io.out(`${r.added ? 'added' : 'already there'}: ${r.label} → ${inst.name}\n`);
        if (!inst.active) io.out(`note: ${inst.name} is inactive; its ranges grant nothing until \`masthead institution activate ${id}\`\n`);
        return 0;
      }
      case 'range-remove': {
        const inst = await findInstitution(store.db, id);
        if (!inst) throw new InputError(`no institution with id ${id}`);
        const results = await store.db.transaction().execute(async (trx) => {
          const out: { label: string; removed: boolean }[] = [];
          for (const r of ranges) out.push({ label: parseRange(r).label, removed: await removeRange(trx, id, r) });
          return out;
        });
        for (const r of results) io.out(`${r.removed ? 'removed' : 'not one of its ranges'}: ${r.label}\n`);
        return 0;
      }
      case 'usage': {
        const inst = await findInstitution(store.db, id);
        if (!inst) throw new InputError(`no institution with id ${id}`);
        const rows = await usageReport(store.db, id, months);
        if (values.json) {
          io.out(`${JSON.stringify({ id: inst.id, name: inst.name, months: rows }, null, 2)}\n`);
          return 0;
        }
        io.out(`${inst.name} (institution ${inst.id}): premium article views per month (UTC)\n`);
        for (const r of rows) io.out(`${r.period}\t${r.views}\n`);
        io.out(`total\t${rows.reduce((n, r) => n + r.views, 0)}\n`);
        return 0;
      }
      case 'deactivate':
      case 'activate': {
        const ok = sub === 'deactivate' ? await deactivateInstitution(store.db, id) : await activateInstitution(store.db, id);
        if (!ok) throw new InputError(`no institution with id ${id}`);
        io.out(`institution ${id} ${sub}d\n`);
        return 0;
      }
    }
    return 2;
  } catch (err) {
    if (err instanceof InputError) {
      io.err(`masthead institution: ${err.describe()}\nNothing was written.\n`);
      return 1;
    }
    throw err;
  } finally {
    await store.close();
  }
}

export const institutionCommand: Command = {
  summary: 'Institutions with access by address range (IP/CIDR): add, list, ranges, usage.',
  usage: USAGE,
  options: {
    range: { type: 'string', multiple: true },
    note: { type: 'string' },
    months: { type: 'string' },
    json: { type: 'boolean' },
  },
  run: (args) => runInstitution(args),
};
