import type { FastifyInstance } from 'fastify';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { loadDemo } from '../../src/demo/load.ts';
import { createContext } from '../../src/web/context.ts';
import { buildApp } from '../../src/web/app.ts';
import { loadConfig } from '../../src/config.ts';

export interface TestApp extends TestDatabase {
  app: FastifyInstance;
}

/** A Fastify app on a fresh database with the demo publication loaded. */
export async function createTestApp(opts: { demo?: boolean; env?: Record<string, string> } = {}): Promise<TestApp> {
  const t = await createTestDatabase();
  if (opts.demo !== false) await loadDemo(t.store.db);
  const config = loadConfig({ ...t.env, BASE_URL: 'http://masthead.test', ...opts.env });
  const app = await buildApp(createContext(t.store, config));
  await app.ready();
  return {
    ...t,
    app,
    async cleanup() {
      await app.close();
      await t.cleanup();
    },
  };
}

/** Starts the app listening on a free loopback port (for a real browser); its base URL. */
export async function listenOnLoopback(t: TestApp): Promise<string> {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = t.app.server.address();
  if (!addr || typeof addr !== 'object') throw new Error('the app is not listening');
  return `http://127.0.0.1:${addr.port}`;
}
