import client from 'prom-client';
import { sql, type Kysely } from 'kysely';

// Prometheus metrics for operators, served at /metrics (src/web/routes/health.ts). One registry
// per process: every app built in this process (tests build several) counts into it. Request
// durations are labelled by route pattern (/articles/:slug), never by raw URL, so the number of
// series stays bounded whatever people type.

export const registry = new client.Registry();

client.collectDefaultMetrics({ register: registry, prefix: 'masthead_' });

export const httpDuration = new client.Histogram({
  name: 'masthead_http_request_duration_seconds',
  help: 'Time to answer an HTTP request, by method, route pattern and status code.',
  labelNames: ['method', 'route', 'status_code'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const searchSeconds = new client.Histogram({
  name: 'masthead_search_seconds',
  help: 'Time to answer a search of the archive, by search engine.',
  labelNames: ['engine'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const signInFailures = new client.Counter({
  name: 'masthead_signin_failures_total',
  help: 'Refused sign-ins, by reason (bad_password, no_account, unverified, bad_link, rate_limited).',
  labelNames: ['reason'] as const,
  registers: [registry],
});

const MAIL_QUEUE = 'masthead_mail_queue_depth';
// Registered only while the database has a mail queue (a gauge without labels always shows a value).
export const mailQueueDepth = new client.Gauge({
  name: MAIL_QUEUE,
  help: 'Mails waiting to be sent (mail_queue rows with status queued, retries included); absent without a mail queue.',
  registers: [],
});

/** Records how long one search took (called by the search code). */
export function observeSearch(seconds: number, engine: string): void {
  if (!Number.isFinite(seconds) || seconds < 0) return;
  searchSeconds.observe({ engine }, seconds);
}

/** Counts one refused sign-in. */
export function countSignInFailure(reason: string): void {
  signInFailures.inc({ reason });
}

/** Records one answered request; `route` is the matched pattern, or null when nothing matched. */
export function observeRequest(method: string, route: string | null | undefined, statusCode: number, seconds: number): void {
  httpDuration.observe({ method, route: route ?? '(unmatched)', status_code: String(statusCode) }, seconds);
}

/**
 * Reads the mail queue's depth into its gauge. Collected when /metrics is scraped, never on a
 * request path; a database without the table (yet) leaves the gauge out.
 */
export async function collectMailQueue(db: Kysely<any>): Promise<void> {
  try {
    const r = await sql<{ n: number | string }>`select count(*) as n from mail_queue where status = 'queued'`.execute(db);
    mailQueueDepth.set(Number(r.rows[0]?.n ?? 0));
    if (!registry.getSingleMetric(MAIL_QUEUE)) registry.registerMetric(mailQueueDepth);
  } catch {
    registry.removeSingleMetric(MAIL_QUEUE);
  }
}

/** The registry in Prometheus' text format. */
export async function metricsText(db: Kysely<any>): Promise<{ contentType: string; body: string }> {
  await collectMailQueue(db);
  return { contentType: registry.contentType, body: await registry.metrics() };
}
