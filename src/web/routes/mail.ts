import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.ts';

export const mailRoutes = (_ctx: AppContext): FastifyPluginAsync => async (_app) => {};
