import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.ts';

export const searchRoutes = (_ctx: AppContext): FastifyPluginAsync => async (_app) => {};
