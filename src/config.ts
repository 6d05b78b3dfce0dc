import path from 'node:path';

/** Settings come from the environment; every one has a safe default. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** postgres://… switches to PostgreSQL; otherwise SQLite in DATA_DIR/masthead.db */
  databaseUrl: string | null;
  /** Public base URL used in feeds, sitemaps and canonical links. */
  baseUrl: string;
  /** Comma-separated proxy addresses/CIDRs whose X-Forwarded-* headers are trusted. Empty: none. */
  trustProxy: string[];
  logLevel: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  const dataDir = path.resolve(env.DATA_DIR ?? './data');
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error('DATABASE_URL must start with postgres:// (leave it unset for SQLite in DATA_DIR)');
  }
  const host = env.HOST ?? '0.0.0.0';
  const baseUrl = (env.BASE_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const trustProxy = (env.TRUST_PROXY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return { port, host, dataDir, databaseUrl, baseUrl, trustProxy, logLevel: env.LOG_LEVEL ?? 'info' };
}
