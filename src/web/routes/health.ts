import crypto from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import { migrations } from '../../store/migrations.ts';
import { metricsText } from '../../ops/metrics.ts';
import { fromLoopback } from '../../ops/request-id.ts';
import { isDraining } from '../../ops/shutdown.ts';

// For operators and load balancers:
//   /healthz  the process is alive and answering (no database: a slow database must not make a
//             supervisor restart healthy processes)
//   /readyz   this instance can serve: the database answers and every migration in the code is
//             applied (503 otherwise, and while shutting down, so a balancer stops sending)
//   /metrics  Prometheus text format; from this machine only (not through a proxy), or with
//             `Authorization: Bearer $METRICS_TOKEN`

const NO_STORE = 'no-store';

export const healthRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });

  app.get('/healthz', async (_req, reply) => {
    return reply.header('cache-control', NO_STORE).send({ status: 'ok' });
  });

  app.get('/readyz', async (_req, reply) => {
    reply.header('cache-control', NO_STORE);
    const database = ctx.store.dialect;
    if (closing || isDraining(app)) return reply.code(503).send({ status: 'unavailable', database, message: 'shutting down' });
    let applied: Set<string>;
    try {
      const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(ctx.store.db);
      applied = new Set(rows.rows.map((r) => r.name));
    } catch (err) {
      return reply.code(503).send({ status: 'unavailable', database, message: `database unreachable or not migrated: ${(err as Error).message}` });
    }
    const pending = Object.keys(migrations(ctx.store.dialect)).filter((name) => !applied.has(name)).sort();
    if (pending.length) return reply.code(503).send({ status: 'unavailable', database, message: 'migrations not applied', pending });
    return reply.send({ status: 'ok', database, migrations: applied.size });
  });

  app.get('/metrics', async (req, reply) => {
    reply.header('cache-control', NO_STORE);
    if (!metricsAllowed(ctx, req.raw.headers.authorization) && !fromLoopback(req.raw)) {
      reply.code(ctx.config.metricsToken ? 401 : 403).type('text/plain; charset=utf-8');
      if (ctx.config.metricsToken) reply.header('www-authenticate', 'Bearer realm="metrics"');
      return reply.send('Metrics are served to this machine only, or with Authorization: Bearer <METRICS_TOKEN>.\n');
    }
    const m = await metricsText(ctx.store.db);
    return reply.type(m.contentType).send(m.body);
  });
};

function metricsAllowed(ctx: AppContext, authorization: string | undefined): boolean {
  const token = ctx.config.metricsToken;
  if (!token || !authorization) return false;
  const m = /^Bearer\s+(.+)$/i.exec(authorization);
  if (!m) return false;
  const a = crypto.createHash('sha256').update(m[1].trim()).digest();
  const b = crypto.createHash('sha256').update(token).digest();
  return crypto.timingSafeEqual(a, b);
}
