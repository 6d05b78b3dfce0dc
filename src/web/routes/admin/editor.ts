import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../context.ts';

export const adminEditorRoutes = (_ctx: AppContext): FastifyPluginAsync => async (_app) => {};
