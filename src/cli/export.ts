import type { Command } from './main.ts';
import { loadConfig } from '../config.ts';
import { openStore } from '../store/db.ts';
import { getArticle } from '../store/articles.ts';
import { presentArticle } from '../present/article.ts';
import { articleJson } from '../present/api.ts';
import { OPERATOR } from '../domain/access.ts';
import { createContext } from '../web/context.ts';

export const exportCommand: Command = {
  summary: 'Print every article (drafts and scheduled too) as a JSON array on standard output.',
  usage: `masthead export > archive.json

Each article has the API fields plus body_markdown, body_html, status and citations
({text, publication, year, month, page, article_slug|null}).`,
  options: {},
  async run() {
    const config = loadConfig();
    const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      const site = await createContext(store, config).site();
      const slugs = await store.db.selectFrom('articles').select('slug').orderBy('id').execute();
      const out = process.stdout;
      const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
      await write('[');
      let first = true;
      for (const { slug } of slugs) {
        const record = await getArticle(store.db, slug, { includeHidden: true });
        if (!record) continue;
        const json = { ...articleJson(presentArticle(record, OPERATOR), site), status: record.status, body_markdown: record.bodyMarkdown };
        await write((first ? '\n' : ',\n') + JSON.stringify(json));
        first = false;
      }
      await write('\n]\n');
      return 0;
    } finally {
      await store.close();
    }
  },
};
