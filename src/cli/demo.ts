import type { Command } from './main.ts';
import { loadConfig } from '../config.ts';
import { openStore } from '../store/db.ts';
import { isEmpty } from '../store/publication.ts';
import { loadDemo } from '../demo/load.ts';
import { generateSyntheticArchive } from '../demo/synthetic.ts';

export const demoCommand: Command = {
  summary: 'Add a large synthetic archive (for benchmarks), or load the demo publication.',
  usage: `masthead demo [--articles N] [--seed S]

  --articles N  add N synthetic articles in monthly issues spread over 30 years
  --seed S      random seed (default 1), for repeatable archives
Without --articles, loads the demo publication into an empty database.`,
  options: { articles: { type: 'string' }, seed: { type: 'string' } },
  async run({ values }) {
    const config = loadConfig();
    const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      if (await isEmpty(store.db)) {
        const r = await loadDemo(store.db);
        process.stderr.write(`Loaded the demo publication: ${r.issues} issues, ${r.articles} articles.\n`);
      }
      if (values.articles === undefined) return 0;
      const n = Number(values.articles);
      if (!Number.isInteger(n) || n < 1 || n > 10_000_000) {
        process.stderr.write(`masthead demo: --articles must be a whole number from 1 to 10000000, got "${values.articles}"\n`);
        return 2;
      }
      const seed = values.seed === undefined ? 1 : Number(values.seed);
      const started = Date.now();
      let indexSeconds = 0;
      const r = await generateSyntheticArchive(store, {
        articles: n, seed,
        onProgress: (done) => process.stderr.write(`\r${done} / ${n} articles`),
        onIndexed: (s) => { indexSeconds = s; },
      });
      process.stderr.write(`\nAdded ${r.articles} articles in ${r.issues} issues in ${((Date.now() - started) / 1000).toFixed(1)} s (search index: ${indexSeconds.toFixed(1)} s).\n`);
      return 0;
    } finally {
      await store.close();
    }
  },
};
