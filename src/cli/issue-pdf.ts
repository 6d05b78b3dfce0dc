import fs from 'node:fs';
import type { Command } from './main.ts';
import { loadConfig } from '../config.ts';
import { openStore } from '../store/db.ts';
import { getPublication, findPublication } from '../store/issues.ts';
import { MAX_FILE_BYTES, looksLikePdf, saveFile, setIssuePdf } from '../store/files.ts';
import { prepareStamp, StampError } from '../downloads/stamp.ts';
import { InputError } from '../domain/types.ts';

// `masthead issue-pdf <YYYY-MM> <file.pdf>`: attaches the print issue's PDF to an issue. The
// file is checked before anything is written (a PDF by content, readable, not encrypted, with
// pages, one we can stamp), then stored and linked in one transaction. Subscribers download it
// stamped with their name from /api/v1/issues/YYYY/MM/pdf.

const USAGE = `masthead issue-pdf <YYYY-MM> <file.pdf> [--publication ABBR]

Uploads the PDF of the print issue of that month; it replaces an earlier upload. The issue must
exist (the demo has 2025-01 … 2025-05; issues are created by \`masthead import --issue\`).
Subscribers download it stamped with their name and e-mail on every page.

Example:
  masthead issue-pdf 2025-03 ~/issues/pln-2025-03.pdf`;

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

const PROCESS_IO: CliIO = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

/** The command with its output and environment passed in (tests run it in-process). Returns the exit code. */
export async function runIssuePdf(
  args: { values: Record<string, unknown>; positionals: string[] },
  io: CliIO = PROCESS_IO,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const { values, positionals } = args;
  const usage = (message: string) => {
    io.err(`masthead issue-pdf: ${message}\n\nUsage: ${USAGE}\n`);
    return 2;
  };
  const fail = (message: string) => {
    io.err(`masthead issue-pdf: ${message}\n`);
    return 1;
  };
  if (positionals.length !== 2) return usage('name the issue and the PDF file');
  const [issueArg, file] = positionals;
  const m = /^(\d{4})-(\d{2})$/.exec(issueArg);
  const year = m ? Number(m[1]) : 0;
  const month = m ? Number(m[2]) : 0;
  if (!m || month < 1 || month > 12) return usage(`the issue must be YYYY-MM, like 2025-03; got "${issueArg}"`);

  let content: Buffer;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return fail(`${file}: not a file`);
    if (st.size === 0) return fail(`${file}: the file is empty`);
    if (st.size > MAX_FILE_BYTES) return fail(`${file}: the file is ${mb(st.size)}; the limit is ${mb(MAX_FILE_BYTES)}`);
    content = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return fail(`${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message}`);
  }
  if (!looksLikePdf(content)) return fail(`${file}: not a PDF (it does not begin with "%PDF-"), whatever its name says`);
  let pages: number;
  try {
    pages = (await prepareStamp(content)).pageCount;
  } catch (err) {
    if (err instanceof StampError) return fail(`${file}: ${err.message}`);
    throw err;
  }

  const config = loadConfig(env);
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const result = await store.db.transaction().execute(async (trx) => {
      const pub = values.publication ? await findPublication(trx, String(values.publication)) : await getPublication(trx);
      if (!pub) throw new InputError(values.publication ? `there is no publication "${values.publication}"` : 'the archive has no publication yet (import articles or load the demo first)');
      const issue = await trx.selectFrom('issues').select(['id', 'page_count']).where('publication_id', '=', pub.id).where('year', '=', year).where('month', '=', month).executeTakeFirst();
      if (!issue) throw new InputError(`${pub.abbreviation} has no issue ${issueArg}; create it first (import an article with --issue ${issueArg})`);
      const fileId = await saveFile(trx, { kind: 'issue-pdf', contentType: 'application/pdf', content });
      const linked = await setIssuePdf(trx, { publicationId: pub.id, year, month }, fileId);
      if (!linked) throw new InputError(`${pub.abbreviation} has no issue ${issueArg}`);
      return { pub, issue, fileId, replaced: linked.replaced };
    });
    io.out(`${result.pub.abbreviation} ${issueArg}: uploaded ${file} (${pages} page${pages === 1 ? '' : 's'}, ${mb(content.length)})${result.replaced !== null ? ', replacing the earlier upload' : ''}\n`);
    if (result.issue.page_count !== null && result.issue.page_count !== pages) {
      io.err(`masthead issue-pdf: note: the issue is listed with ${result.issue.page_count} pages, the PDF has ${pages}\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof InputError) return fail(err.describe());
    throw err;
  } finally {
    await store.close();
  }
}

export const issuePdfCommand: Command = {
  summary: 'Upload the PDF of a print issue (stamped per subscriber on download).',
  usage: USAGE,
  options: { publication: { type: 'string' } },
  run: (args) => runIssuePdf(args),
};
