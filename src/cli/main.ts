import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(args: { values: Record<string, unknown>; positionals: string[] }): Promise<number>;
}

// Commands load on demand, so `masthead grant …` does not pay for loading the web server.
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  serve: { summary: 'Serve the site (and load the demo publication into an empty database).', load: async () => (await import('./serve.ts')).serveCommand },
  import: { summary: 'Import articles: plain text as in the seed, Markdown with front matter. All or nothing.', load: async () => (await import('./import.ts')).importCommand },
  export: { summary: 'Print every article as a JSON array on standard output.', load: async () => (await import('./export.ts')).exportCommand },
  demo: { summary: 'Add a large synthetic archive (for benchmarks), or load the demo publication.', load: async () => (await import('./demo.ts')).demoCommand },
  user: { summary: 'Add a user account (reader, editor or admin).', load: async () => (await import('./accounts.ts')).userCommand },
  grant: { summary: 'Give a reader a subscription until a date.', load: async () => (await import('./accounts.ts')).grantCommand },
  token: { summary: 'Create a personal API token for a user.', load: async () => (await import('./accounts.ts')).tokenCommand },
  gift: { summary: 'Create gift codes.', load: async () => (await import('./accounts.ts')).giftCommand },
  'issue-pdf': { summary: 'Upload the PDF of a print issue (subscribers download it stamped with their name).', load: async () => (await import('./issue-pdf.ts')).issuePdfCommand },
  institution: { summary: 'Institutions with access by address range, and their usage.', load: async () => (await import('./institution.ts')).institutionCommand },
  mail: { summary: 'The mail queue: run a worker, queue digests, status, requeue.', load: async () => (await import('./mail.ts')).mailCommand },
  'issue-mail': { summary: 'Queue an issue\'s table of contents for every subscriber who wants it.', load: async () => (await import('./mail.ts')).issueMailCommand },
  backup: { summary: 'Write a backup of the whole database to a file (safe while serving).', load: async () => (await import('./backup.ts')).backupCommand },
  restore: { summary: 'Replace the database with a backup (checked first; all or nothing).', load: async () => (await import('./backup.ts')).restoreCommand },
  lint: { summary: 'Editorial checks of an article, a file or the whole archive; exit 1 when something is found.', load: async () => (await import('./lint.ts')).lintCommand },
  'two-factor': { summary: 'Two-factor sign-in of staff: status, or reset it (a lost phone).', load: async () => (await import('./two-factor.ts')).twoFactorCommand },
};

function overview(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return `Usage: masthead <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nEvery command takes --help. Data: DATA_DIR (default ./data, SQLite) or DATABASE_URL=postgres://…\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(overview());
    return name ? 0 : 1;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    process.stderr.write(`masthead: unknown command "${name}"\n\n${overview()}`);
    return 2;
  }
  const cmd = await entry.load();
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...cmd.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    process.stderr.write(`masthead ${name}: ${(err as Error).message}\n\nUsage: ${cmd.usage}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${cmd.summary}\n\nUsage: ${cmd.usage}\n`);
    return 0;
  }
  try {
    return await cmd.run(parsed as { values: Record<string, unknown>; positionals: string[] });
  } catch (err) {
    process.stderr.write(`masthead ${name}: ${(err as Error).message}\n`);
    return 1;
  }
}
