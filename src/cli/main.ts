import { parseArgs, type ParseArgsConfig } from 'node:util';
import { serveCommand } from './serve.ts';
import { importCommand } from './import.ts';
import { exportCommand } from './export.ts';
import { demoCommand } from './demo.ts';
import { userCommand, grantCommand, tokenCommand, giftCommand } from './accounts.ts';
import { institutionCommand } from './institution.ts';

export interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(args: { values: Record<string, unknown>; positionals: string[] }): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  serve: serveCommand,
  import: importCommand,
  export: exportCommand,
  demo: demoCommand,
  user: userCommand,
  grant: grantCommand,
  token: tokenCommand,
  gift: giftCommand,
  institution: institutionCommand,
};

function overview(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return `Usage: masthead <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nEvery command takes --help. Data: DATA_DIR (default ./data, SQLite) or DATABASE_URL=postgres://…\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(overview());
    return name ? 0 : 1;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`masthead: unknown command "${name}"\n\n${overview()}`);
    return 2;
  }
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
