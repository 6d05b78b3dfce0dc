import type { Command } from './main.ts';
import { loadConfig } from '../config.ts';
import { openStore } from '../store/db.ts';
import { isEmpty, ensurePublication, publicationFromEnv } from '../store/publication.ts';
import { loadDemo } from '../demo/load.ts';
import { createContext } from '../web/context.ts';
import { buildApp } from '../web/app.ts';
import { exclusively } from '../ops/exclusive.ts';
import { drainAndClose } from '../ops/shutdown.ts';
import { holdServeLock, ServeLockError } from '../store/serve-lock.ts';

export const serveCommand: Command = {
  summary: 'Serve the site (and load the demo publication into an empty database).',
  usage: `masthead serve [--no-demo]

  --no-demo   start with an empty archive instead of loading the demo publication
Environment: PORT (3000), HOST (0.0.0.0), DATA_DIR (./data), DATABASE_URL, BASE_URL, TRUST_PROXY, LOG_LEVEL`,
  options: { 'no-demo': { type: 'boolean' } },
  async run({ values }) {
    const config = loadConfig();
    let releaseLock = () => {};
    if (!config.databaseUrl) {
      try {
        releaseLock = holdServeLock(config.dataDir);
      } catch (err) {
        if (!(err instanceof ServeLockError)) throw err;
        process.stderr.write(`masthead serve: ${err.message}\n`);
        return 1;
      }
    }
    const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    // Instances started together on an empty database: the first fills it, the others wait and find it full.
    await exclusively(store, 'seed', async () => {
      if (!(await isEmpty(store.db))) return;
      if (values['no-demo']) await ensurePublication(store.db, publicationFromEnv());
      else {
        const r = await loadDemo(store.db);
        process.stderr.write(`Loaded the demo publication: ${r.issues} issues, ${r.articles} articles.\n`);
      }
    });
    const app = await buildApp(createContext(store, config), { logger: { level: config.logLevel } });
    // The mail queue's worker (sends queued mail, queues digests); stopped before the store closes.
    const mailWorker = (await import('../mail/queue.ts')).startMailWorker(store, config, app.log);
    app.addHook('onClose', async () => mailWorker?.stop());
    // Zero-result searches gathered in memory are written before the store closes.
    app.addHook('onClose', async () => (await import('../search/index.ts')).flushSearchMisses(store));
    const stop = async (signal: string) => {
      app.log.info({ signal }, 'shutting down');
      await drainAndClose(app);
      await store.close();
      releaseLock();
      process.exit(0);
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
    await app.listen({ port: config.port, host: config.host });
    return await new Promise<number>(() => {});
  },
};
