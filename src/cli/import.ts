import fs from 'node:fs';
import path from 'node:path';
import type { Command } from './main.ts';
import { loadConfig } from '../config.ts';
import { openStore } from '../store/db.ts';
import { ensurePublication, publicationFromEnv } from '../store/publication.ts';
import { parseImportFileAsync } from '../domain/importers/index.ts';
import { saveArticles, type SaveOverrides } from '../commands/save-articles.ts';
import { InputError, type ImportedArticle } from '../domain/types.ts';

const SUPPORTED = new Set(['.txt', '.md', '.markdown', '.docx']);

export function parseOverrides(values: Record<string, unknown>): SaveOverrides {
  const o: SaveOverrides = {};
  if (values.issue !== undefined) {
    const m = /^(\d{4})-(\d{2})$/.exec(String(values.issue));
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new InputError(`--issue must look like 2025-03, got "${values.issue}"`);
    o.issue = { year: Number(m[1]), month: Number(m[2]) };
  }
  if (values.page !== undefined) {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(String(values.page));
    const first = m ? Number(m[1]) : 0;
    const last = m?.[2] ? Number(m[2]) : first;
    if (!m || first < 1 || last < first) throw new InputError(`--page must be a page number such as 45 (or a range 45-46), got "${values.page}"`);
    if (!o.issue) throw new InputError('--page needs --issue YYYY-MM');
    o.pageFirst = first;
    o.pageLast = last;
  }
  if (values.access !== undefined) {
    if (values.access !== 'free' && values.access !== 'premium') throw new InputError(`--access must be free or premium, got "${values.access}"`);
    o.access = values.access;
  }
  return o;
}

function collectFiles(target: string): string[] {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (!stat) throw new InputError(`no such file or directory: ${target}`);
  if (!stat.isDirectory()) return [target];
  const files = fs.readdirSync(target)
    .filter((f) => !f.startsWith('.') && SUPPORTED.has(path.extname(f).toLowerCase()))
    .sort()
    .map((f) => path.join(target, f));
  if (files.length === 0) throw new InputError(`${target} holds no .txt, .md or .docx files`);
  return files;
}

export const importCommand: Command = {
  summary: 'Import articles: plain text as in the seed, Markdown with front matter. All or nothing.',
  usage: `masthead import <file|dir|-> [--issue YYYY-MM] [--page N] [--access free|premium] [--format txt|md]

  <file|dir|->  one file, every .txt/.md file in a directory, or - for standard input
  --issue       the print issue the article(s) appeared in, e.g. 2025-03
  --page        first page in that issue (or a range, 45-46)
  --access      free or premium (new articles default to premium)
  --format      with -, the format of standard input (default txt)
Re-importing an article with the same slug updates it in place. When any file is bad,
nothing is written and the exit code is 1.`,
  options: { issue: { type: 'string' }, page: { type: 'string' }, access: { type: 'string' }, format: { type: 'string' } },
  async run({ values, positionals }) {
    if (positionals.length !== 1) {
      process.stderr.write(`masthead import: name one file, directory, or - for standard input\n`);
      return 2;
    }
    const target = positionals[0];
    let items: { file: string; article: ImportedArticle }[];
    let overrides: SaveOverrides;
    try {
      overrides = parseOverrides(values);
      if (target === '-') {
        const fmt = String(values.format ?? 'txt');
        if (fmt !== 'txt' && fmt !== 'md') throw new InputError(`--format must be txt or md, got "${fmt}"`);
        items = [{ file: '<stdin>', article: await parseImportFileAsync(`stdin.${fmt}`, fs.readFileSync(0)) }];
      } else {
        const files = collectFiles(target);
        if (files.length > 1 && overrides.pageFirst !== undefined) throw new InputError('--page applies to one file; give each file its own `pages:` in its front matter');
        items = await Promise.all(files.map(async (f) => ({ file: f, article: await parseImportFileAsync(f, fs.readFileSync(f)) })));
      }
    } catch (err) {
      if (err instanceof InputError) {
        process.stderr.write(`masthead import: ${err.describe()}\nNothing was imported.\n`);
        return 1;
      }
      throw err;
    }
    const config = loadConfig();
    const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      await ensurePublication(store.db, publicationFromEnv());
      const r = await saveArticles(store.db, items, overrides);
      for (const s of r.created) process.stdout.write(`created ${s}\n`);
      for (const s of r.updated) process.stdout.write(`updated ${s}\n`);
      return 0;
    } catch (err) {
      if (err instanceof InputError) {
        process.stderr.write(`masthead import: ${err.describe()}\nNothing was imported.\n`);
        return 1;
      }
      throw err;
    } finally {
      await store.close();
    }
  },
};
