import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import type { AppContext } from '../context.ts';

export const healthRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  app.get('/healthz', async (_req, reply) => {
    try {
      await sql`select 1`.execute(ctx.store.db);
      return reply.header('cache-control', 'no-store').send({ status: 'ok', database: ctx.store.dialect });
    } catch (err) {
      return reply.code(503).header('cache-control', 'no-store').send({ status: 'unavailable', database: ctx.store.dialect, message: (err as Error).message });
    }
  });
};
