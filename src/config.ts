import path from 'node:path';
import { parseSealingKeys } from './auth/sealing.ts';

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
  /** Bearer token that lets a remote scraper read /metrics (METRICS_TOKEN); null: this machine only. */
  metricsToken: string | null;
  /** SMTP server for outgoing mail; null: mail goes to DATA_DIR/mail/. */
  smtpUrl: string | null;
  mailFrom: string;
  /** Free premium articles a signed-in reader without a subscription may read per month. */
  meterLimit: number;
  /** Downloads (PDFs, text editions) one subscriber may make per day. */
  dailyDownloadLimit: number;
  /** Longest part of the plain-text edition, in characters (prison e-messaging limits). */
  textPartLimit: number;
  /** Served over HTTPS (BASE_URL is https): cookies get Secure and the __Host- prefix. */
  secure: boolean;
  /** TOTP_KEY: keys that seal two-factor keys in the database (the first seals, all open); empty: kept in the clear. */
  totpKeys: Buffer[];
  stripe: { secretKey: string; webhookSecret: string | null; apiBase: string | null; prices: { digital: string | null; 'print-digital': string | null } } | null;
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
  const meterLimit = Number(env.METER_LIMIT ?? 2);
  if (!Number.isInteger(meterLimit) || meterLimit < 0) throw new Error(`METER_LIMIT must be a whole number ≥ 0, got "${env.METER_LIMIT}"`);
  const stripe = env.STRIPE_SECRET_KEY
    ? {
        secretKey: env.STRIPE_SECRET_KEY,
        webhookSecret: env.STRIPE_WEBHOOK_SECRET ?? null,
        apiBase: env.STRIPE_API_BASE ?? null,
        prices: { digital: env.STRIPE_PRICE_DIGITAL ?? null, 'print-digital': env.STRIPE_PRICE_PRINT_DIGITAL ?? null },
      }
    : null;
  return {
    port, host, dataDir, databaseUrl, baseUrl, trustProxy, logLevel: env.LOG_LEVEL ?? 'info',
    metricsToken: env.METRICS_TOKEN?.trim() || null,
    smtpUrl: env.SMTP_URL?.trim() || null,
    mailFrom: env.MAIL_FROM ?? `Masthead <no-reply@${new URL(baseUrl).hostname}>`,
    meterLimit,
    dailyDownloadLimit: positiveInt(env, 'DAILY_DOWNLOAD_LIMIT', 100),
    textPartLimit: positiveInt(env, 'TEXT_PART_LIMIT', 2000, 100),
    secure: baseUrl.startsWith('https://'),
    totpKeys: parseSealingKeys(env.TOTP_KEY),
    stripe,
  };
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number ≥ ${min}, got "${raw}"`);
  return n;
}
