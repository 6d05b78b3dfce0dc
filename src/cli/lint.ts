import fs from 'node:fs';
import type { Command } from './main.ts';
import { loadConfig } from '../config.ts';
import { openStore, type Store } from '../store/db.ts';
import { parseImportFile, SUPPORTED_EXTENSIONS } from '../domain/importers/index.ts';
import { InputError, type ImportedArticle } from '../domain/types.ts';
import { createLintSession, lintArticle, loadArticleForLint, RULES, type LintFinding } from '../newsroom/lint.ts';

// `masthead lint [<slug>|<file>|-] [--json] [--all]`: exit 0 when clean, 1 with findings,
// 2 on bad input (unknown slug, unreadable or malformed file, bad options).

interface Target {
  /** What to call it in the output: the slug, or the file name. */
  label: string;
  /** Set for stored articles. */
  slug: string | null;
  article: ImportedArticle;
  /** For files: the file's text, to give findings file line numbers. */
  source: string | null;
}

interface Reported extends LintFinding {
  slug: string;
  file?: string;
}

class BadInput extends Error {}

/** Text of a line as the importers may have re-escaped it, reduced for comparison. */
function comparable(line: string): string {
  return line.replace(/[\\<>]/g, '').replace(/\s+/g, ' ').trim();
}

/** Maps body lines (1-based) to lines of the file they came from, matching lines in order. */
function bodyToFileLines(body: string, file: string): Map<number, number> {
  const fileLines = file.replace(/\r\n?/g, '\n').split('\n').map(comparable);
  const map = new Map<number, number>();
  let j = 0;
  body.split('\n').forEach((line, i) => {
    const want = comparable(line);
    if (want === '') return;
    for (let k = j; k < fileLines.length; k++) {
      if (fileLines[k] === want) {
        map.set(i + 1, k + 1);
        j = k + 1;
        return;
      }
    }
  });
  return map;
}

function looksLikePath(arg: string): boolean {
  return /[\\/]/.test(arg) || SUPPORTED_EXTENSIONS.some((e) => arg.toLowerCase().endsWith(e)) || /\.docx$/i.test(arg);
}

async function resolveTarget(store: Store | null, arg: string, format: string | undefined, openDb: () => Promise<Store>): Promise<Target> {
  if (arg === '-') {
    const fmt = format ?? 'txt';
    if (fmt !== 'txt' && fmt !== 'md') throw new BadInput(`--format must be txt or md, got "${fmt}"`);
    const text = fs.readFileSync(0, 'utf8');
    return { label: '<stdin>', slug: null, article: parseImportFile(`stdin.${fmt}`, text), source: text };
  }
  const stat = fs.statSync(arg, { throwIfNoEntry: false });
  const fromFile = (): Target => {
    if (stat?.isDirectory()) throw new BadInput(`${arg} is a directory: lint one file, one article (by its address), or run without an argument to lint every article`);
    if (!stat?.isFile()) throw new BadInput(`no such file: ${arg}`);
    const bytes = fs.readFileSync(arg);
    const article = parseImportFile(arg, bytes);
    return { label: arg, slug: null, article, source: bytes.toString('utf8') };
  };
  // "dir/x.md" or "x.txt" is a file; a bare word is an article's address, or else a file.
  if (looksLikePath(arg)) return fromFile();
  const db = store ?? (await openDb());
  const article = await loadArticleForLint(db, arg);
  if (article) return { label: arg, slug: arg, article, source: null };
  if (stat) return fromFile();
  throw new BadInput(`no article has the address "${arg}" (and there is no file of that name); \`masthead export\` lists the articles`);
}

function printText(findings: Reported[], articles: number, hidden: number): void {
  const out: string[] = [];
  for (const f of findings) {
    const where = f.file ?? f.slug;
    out.push(`${where}${f.line !== null ? `:${f.line}` : ''}: ${f.rule}${f.dismissed ? ' (dismissed)' : ''}: ${f.message}`);
    if (f.excerpt) out.push(`    “${f.excerpt}”`);
    if (f.suggestion) out.push(`    → ${f.suggestion}`);
  }
  const note = hidden ? ` ${hidden} dismissed finding${hidden === 1 ? ' is' : 's are'} not shown (--all shows them).` : '';
  const open = findings.filter((f) => !f.dismissed);
  if (open.length === 0) out.push(`${articles === 1 ? 'No findings.' : `No findings in ${articles} articles.`}${note}`);
  else {
    const inArticles = new Set(open.map((f) => f.file ?? f.slug)).size;
    out.push('', `${open.length} finding${open.length === 1 ? '' : 's'}${articles > 1 ? ` in ${inArticles} of ${articles} articles` : ''}.${note}`);
  }
  process.stdout.write(out.join('\n') + '\n');
}

export const lintCommand: Command = {
  summary: 'Editorial checks of an article, a file, or the whole archive (citations, dates, sources, teaser, links, titles, typography).',
  usage: `masthead lint [<slug>|<file>|-] [--json] [--all] [--format txt|md]

  <slug>     check a stored article (drafts too)
  <file>     check a file in any import format (.txt as the seed, .md) without saving it
  -          check standard input (--format txt or md, default txt)
  (nothing)  check every article in the archive
  --json     print a JSON array of {slug, file?, rule, message, excerpt, suggestion, replacement, line}
  --all      also report findings an editor has dismissed (marked "dismissed")

Exit code 0 when there are no findings (dismissed ones do not count), 1 when there are,
2 on bad input or when the checks cannot run.
Lines are lines of the file, or of the article's Markdown body.

Checks:
${Object.entries(RULES).map(([k, v]) => `  ${k.padEnd(22)} ${v}`).join('\n')}`,
  options: { json: { type: 'boolean' }, all: { type: 'boolean' }, format: { type: 'string' } },
  async run({ values, positionals }) {
    const fail = (message: string) => {
      process.stderr.write(`masthead lint: ${message}\n`);
      return 2;
    };
    if (positionals.length > 1) return fail('give one article address (slug) or one file, or nothing to check every article');
    const json = values.json === true;
    const includeDismissed = values.all === true;
    const format = values.format === undefined ? undefined : String(values.format);
    if (format !== undefined && positionals[0] !== '-') return fail('--format applies to standard input (-) only');

    const config = loadConfig();
    let store: Store | null = null;
    const openDb = async () => (store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
    try {
      const targets: Target[] = [];
      if (positionals.length === 1) {
        try {
          targets.push(await resolveTarget(store, positionals[0], format, openDb));
        } catch (err) {
          if (err instanceof InputError) return fail(err.describe());
          if (err instanceof BadInput) return fail(err.message);
          throw err;
        }
      }
      const db = store ?? (await openDb());
      const session = createLintSession(db, { allTitles: targets.length === 0 });
      const reported: Reported[] = [];
      let articles = 0;
      let hidden = 0;
      const lintOne = async (t: Target) => {
        articles++;
        const all = await lintArticle(db, t.article, { slug: t.slug ?? t.article.slug, includeDismissed: true, baseUrl: config.baseUrl, session });
        const findings = includeDismissed ? all : all.filter((f) => !f.dismissed);
        hidden += all.length - findings.length;
        const lines = t.source !== null ? bodyToFileLines(t.article.bodyMarkdown, t.source) : null;
        for (const f of findings) {
          const line = f.line !== null && lines ? (lines.get(f.line) ?? null) : f.line;
          reported.push({ slug: t.article.slug, ...(t.source !== null ? { file: t.label } : {}), ...f, line });
        }
      };
      if (targets.length) {
        for (const t of targets) await lintOne(t);
      } else {
        // Every article, oldest first, one at a time (a large archive does not fill memory).
        let lastId = 0;
        for (;;) {
          const batch = await db.db.selectFrom('articles').select(['id', 'slug']).where('id', '>', lastId).orderBy('id').limit(200).execute();
          if (batch.length === 0) break;
          for (const { id, slug } of batch) {
            lastId = id;
            const article = await loadArticleForLint(db, slug);
            if (article) await lintOne({ label: slug, slug, article, source: null });
          }
        }
      }
      if (json) {
        process.stdout.write(JSON.stringify(reported.map((f) => ({
          slug: f.slug, ...(f.file !== undefined ? { file: f.file } : {}), rule: f.rule, message: f.message, excerpt: f.excerpt,
          suggestion: f.suggestion, replacement: f.replacement ?? null, line: f.line, ...(f.dismissed ? { dismissed: true } : {}),
        })), null, 2) + '\n');
      } else {
        printText(reported, articles, hidden);
      }
      return reported.some((f) => !f.dismissed) ? 1 : 0;
    } catch (err) {
      // Exit code 1 means "findings": a failure to run the checks must not look like one.
      return fail(`the checks could not run: ${(err as Error).message}`);
    } finally {
      if (store) await (store as Store).close();
    }
  },
};
