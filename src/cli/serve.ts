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
import { sealTotpSecrets } from '../store/newsroom.ts';

export const serveCommand: Command = {
  summary: 'Serve the site (and load the demo publication into an empty database).',
  usage: `masthead serve [--no-demo]

  --no-demo   start with an empty archive instead of loading the demo publication
Environment: PORT (3000), HOST (0.0.0.0), DATA_DIR (./data), DATABASE_URL, BASE_URL, TRUST_PROXY, TOTP_KEY, LOG_LEVEL`,
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
    // Two-factor keys under the first TOTP_KEY key (sealed when in the clear, resealed after a key change).
    const sealing = await sealTotpSecrets(store.db, config.totpKeys);
    if (sealing.sealed || sealing.resealed) app.log.info({ event: 'totp_sealed', ...sealing }, 'two-factor keys sealed with TOTP_KEY');
    if (sealing.unreadable) app.log.error({ event: 'totp_key_problem', ...sealing }, `${sealing.unreadable} two-factor key(s) are sealed with a key TOTP_KEY does not hold: those staff members pass two-factor sign-in only with recovery codes until TOTP_KEY is put right`);
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
